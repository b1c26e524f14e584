package import Foundation
import MoatCore

/// The `TIMESTAMP` of a PASSWORD_VERIFIER answer: `Sun Nov 22 00:12:34 UTC 2026`, C's
/// `%a %b %-d %H:%M:%S UTC %Y` in English and UTC, the day of the month without padding
/// (Amplify's `getNowString`, pycognito's `get_cognito_formatted_timestamp`).
///
/// The timestamp is part of the claim's HMAC. Cognito refuses one in any other spelling: a client that pads the
/// day (`Mon Nov 02 …`) fails on the first nine days of each month, as the `warrant` library once did.
package enum CognitoTimestamp {
    /// The timestamp of an instant, to the second (truncated).
    /// - Parameter date: the instant.
    package static func format(_ date: Date) -> String {
        format(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// The timestamp of whole seconds since 1970.
    /// - Parameter seconds: seconds since 1970-01-01T00:00:00Z.
    package static func format(epochSeconds seconds: Int64) -> String {
        let (days, secondOfDay) = CivilDate.split(epochSeconds: seconds)
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return "\(CivilDate.weekdayAbbreviation(days: days)) \(CivilDate.monthAbbreviation(month)) \(day) "
            + "\(CivilDate.timeOfDay(secondOfDay)) UTC \(year)"
    }

    /// The instant a timestamp names, or nil unless it is spelled exactly as ``format(_:)`` spells it (weekday
    /// matching the date, unpadded day, two-digit time fields, four-digit year).
    /// - Parameter text: `TIMESTAMP` as the client sent it.
    package static func parse(_ text: String) -> Date? {
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[4] == "UTC",
            let month = CivilDate.monthAbbreviations.firstIndex(of: String(fields[1])),
            let day = number(fields[2], digits: 1...2), (1...31).contains(day),
            let year = number(fields[5], digits: 4...4)
        else { return nil }
        let time = fields[3].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3,
            let hour = number(time[0], digits: 2...2), hour < 24,
            let minute = number(time[1], digits: 2...2), minute < 60,
            let second = number(time[2], digits: 2...2), second < 60,
            day <= CivilDate.daysInMonth(year: year, month: Int64(month + 1))
        else { return nil }
        let seconds = CivilDate.days(year: year, month: Int64(month + 1), day: day) * 86_400 + hour * 3600 + minute * 60 + second
        guard format(epochSeconds: seconds) == text else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Whether `text` is a timestamp in Cognito's exact spelling.
    package static func isWellFormed(_ text: String) -> Bool { parse(text) != nil }

    private static func number(_ field: Substring, digits: ClosedRange<Int>) -> Int64? {
        guard digits.contains(field.utf8.count), field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(field)
    }
}
