public import Foundation

/// Instants as the modules' tables store them: whole milliseconds since 1970 in a `BIGINT`, the same on SQLite and
/// PostgreSQL.
public enum StoredTime {
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
