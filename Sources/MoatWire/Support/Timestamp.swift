import Foundation
import MoatCore

/// Timestamp formats of the AWS protocols: ISO 8601 (query, rest-json bodies' strings), epoch seconds (json).
enum Timestamp {
    /// The instants Moat accepts and writes: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the range of
    /// four-digit years. Anything else in a request is a validation error, never a trap.
    static let validSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// A date from seconds since 1970, or nil when they are not a finite instant in ``validSeconds``.
    static func date(epochSeconds seconds: Double) -> Date? {
        guard seconds.isFinite, validSeconds.contains(seconds) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// `2026-01-02T03:04:05Z`, as AWS writes timestamps in XML.
    static func iso8601(_ date: Date) -> String {
        let clamped = min(max(date.timeIntervalSince1970, validSeconds.lowerBound), validSeconds.upperBound)
        return CivilDate.iso8601(epochSeconds: Int64(clamped.rounded(.down)))
    }

    /// `Thu, 01 Jan 2026 00:00:00 GMT` (RFC 9110 IMF-fixdate), in the proleptic Gregorian calendar.
    static func httpDate(_ date: Date) -> String {
        let clamped = min(max(date.timeIntervalSince1970, validSeconds.lowerBound), validSeconds.upperBound)
        let (days, secondOfDay) = CivilDate.split(epochSeconds: Int64(clamped.rounded(.down)))
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return "\(CivilDate.weekdayAbbreviation(days: days)), \(CivilDate.pad(day, 2)) \(CivilDate.monthAbbreviation(month)) "
            + "\(CivilDate.pad(year, 4)) \(CivilDate.timeOfDay(secondOfDay)) GMT"
    }

    /// Parses the timestamp forms clients send: epoch seconds, ISO 8601 (proleptic Gregorian), HTTP dates.
    static func parse(_ text: String) -> Date? {
        if let seconds = Double(text) { return date(epochSeconds: seconds) }
        if let seconds = CivilDate.iso8601Seconds(text) ?? SigV4Date.parseHTTPDate(text).map(Double.init) {
            return date(epochSeconds: seconds)
        }
        return nil
    }

    static func epochSeconds(_ date: Date) -> Double { date.timeIntervalSince1970 }
}
