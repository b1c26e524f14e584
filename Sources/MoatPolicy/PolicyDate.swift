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
        var reader = DateReader(scalars: scalars)
        return reader.read()
    }

    /// `date` in the form AWS gives `aws:CurrentTime`: `2024-03-05T10:20:30Z`.
    static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite, abs(seconds) < 1e15 else { return seconds > 0 ? "9999-12-31T23:59:59Z" : "0001-01-01T00:00:00Z" }
        return CivilDate.iso8601(epochSeconds: Int64(seconds))
    }




    private struct DateReader {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func digits(_ count: Int) -> Int64? {
            guard index + count <= scalars.count else { return nil }
            var value: Int64 = 0
            for offset in 0..<count {
                let scalar = scalars[index + offset]
                guard scalar.value >= 0x30, scalar.value <= 0x39 else { return nil }
                value = value * 10 + Int64(scalar.value - 0x30)
            }
            index += count
            return value
        }

        mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
            return true
        }

        var isAtEnd: Bool { index == scalars.count }

        mutating func read() -> Double? {
            guard let year = digits(4) else { return nil }
            var month: Int64 = 1
            var day: Int64 = 1
            if consume("-") {
                guard let value = digits(2), (1...12).contains(value) else { return nil }
                month = value
                if consume("-") {
                    guard let value = digits(2), value >= 1, value <= CivilDate.daysInMonth(year: year, month: month) else { return nil }
                    day = value
                }
            }
            var seconds = Double(CivilDate.days(year: year, month: month, day: day) * 86_400)
            if isAtEnd { return seconds }
            guard consume("T") || consume("t"), let hour = digits(2), hour < 24, consume(":"), let minute = digits(2), minute < 60 else {
                return nil
            }
            seconds += Double(hour * 3600 + minute * 60)
            if consume(":") {
                guard let second = digits(2), second < 60 else { return nil }
                seconds += Double(second)
                if consume(".") {
                    let start = index
                    var fraction = "0."
                    while index < scalars.count, scalars[index].value >= 0x30, scalars[index].value <= 0x39 {
                        fraction.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                    guard index > start, let value = Double(fraction) else { return nil }
                    seconds += value
                }
            }
            if isAtEnd || ((consume("Z") || consume("z")) && isAtEnd) { return seconds }
            let sign: Double
            if consume("+") {
                sign = 1
            } else if consume("-") {
                sign = -1
            } else {
                return nil
            }
            guard let offsetHours = digits(2), offsetHours < 24 else { return nil }
            var offsetMinutes: Int64 = 0
            if !isAtEnd {
                _ = consume(":")
                guard let value = digits(2), value < 60 else { return nil }
                offsetMinutes = value
            }
            guard isAtEnd else { return nil }
            return seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60)
        }
    }
}
