/// Proleptic Gregorian calendar arithmetic in UTC, by hand: no formatter, locale or time-zone database, and no trap
/// on any input (H. Hinnant's `days_from_civil` / `civil_from_days`).
package enum CivilDate {
    /// Days since 1970-01-01 of a date.
    package static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day counted from 1970-01-01.
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    package static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Splits whole seconds since 1970 into the day and the second of that day.
    package static func split(epochSeconds seconds: Int64) -> (days: Int64, secondOfDay: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (days, seconds - days * 86_400)
    }

    /// `2026-01-02T03:04:05Z` (years padded to four digits).
    package static func iso8601(epochSeconds seconds: Int64) -> String {
        let (days, secondOfDay) = split(epochSeconds: seconds)
        let (year, month, day) = civil(fromDays: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(timeOfDay(secondOfDay))Z"
    }

    /// `03:04:05`: a second of the day as hours, minutes and seconds of two digits each.
    package static func timeOfDay(_ secondOfDay: Int64) -> String {
        "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    }

    /// The English abbreviation of a month, 1…12: `Jan` … `Dec`, as HTTP, mail and log dates write it.
    package static func monthAbbreviation(_ month: Int64) -> String { monthAbbreviations[Int(month) - 1] }

    /// The English abbreviation of the weekday of a day since 1970: `Sun` … `Sat`.
    package static func weekdayAbbreviation(days: Int64) -> String {
        weekdayAbbreviations[Int(((days + 4) % 7 + 7) % 7)]  // 1970-01-01 was a Thursday
    }

    package static let monthAbbreviations = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdayAbbreviations = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    package static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Seconds since 1970 of an ISO 8601 date in the W3C profile, read in the proleptic Gregorian calendar (as AWS
    /// reads them; Foundation's parser switches to the Julian calendar before 1582): `2024-03`, `2024-03-05`,
    /// `2024-03-05T10:20`, `2024-03-05T10:20:30`, `2024-03-05T10:20:30.123`, each time optionally followed by `Z`,
    /// `±hh`, `±hhmm` or `±hh:mm` (UTC when absent). Nil for anything else.
    package static func iso8601Seconds(_ text: String) -> Double? {
        var reader = DateReader(scalars: Array(text.unicodeScalars))
        return reader.read()
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
