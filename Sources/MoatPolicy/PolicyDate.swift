import MoatCore

import Foundation

/// Date values of `Date…` condition operators and of `aws:CurrentTime` / `aws:EpochTime`.
///
/// IAM User Guide, Condition operators: Date condition operators take "one of the W3C implementations of the
/// ISO 8601 date formats" or epoch (UNIX) time.
enum PolicyDate {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when `text` is neither an epoch time nor an ISO 8601 date.
    ///
    /// Accepted: `1700000000` (optionally with a fraction), `2024-03`, `2024-03-05`,
    /// `2024-03-05T10:20`, `2024-03-05T10:20:30`, `2024-03-05T10:20:30.123`, each time optionally followed by
    /// `Z`, `±hh`, `±hhmm` or `±hh:mm` (UTC when absent).
    static func seconds(from text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        // As IAM reads them: text without `T` or `-` is epoch seconds, anything else ISO 8601.
        if !text.contains(where: { $0 == "T" || $0 == "t" || $0 == "-" }) {
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(text), value.isFinite else {
                return nil
            }
            return value
        }
        return CivilDate.iso8601Seconds(text)
    }

    /// `date` in the form AWS gives `aws:CurrentTime`: `2024-03-05T10:20:30Z`.
    static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite, abs(seconds) < 1e15 else { return seconds > 0 ? "9999-12-31T23:59:59Z" : "0001-01-01T00:00:00Z" }
        return CivilDate.iso8601(epochSeconds: Int64(seconds))
    }
}
