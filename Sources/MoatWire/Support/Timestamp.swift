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

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    /// Parses the timestamp forms clients send: ISO 8601 with or without fraction, epoch seconds, HTTP dates.
    static func parse(_ text: String) -> Date? {
        if let seconds = Double(text) { return date(epochSeconds: seconds) }
        let parsed = (try? Date(text, strategy: .iso8601))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        if let parsed { return date(epochSeconds: parsed.timeIntervalSince1970) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).flatMap { date(epochSeconds: $0.timeIntervalSince1970) }
    }

    static func epochSeconds(_ date: Date) -> Double { date.timeIntervalSince1970 }
}
