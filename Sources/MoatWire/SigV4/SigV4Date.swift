import MoatCore

/// Reads and writes the two date forms SigV4 accepts, by hand: no formatter, no locale, no time zone database.
enum SigV4Date {
    /// Parses ISO 8601 basic format `yyyyMMdd'T'HHmmss'Z'` (`20260101T000000Z`) as UTC seconds since 1970.
    static func parseBasic(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        guard let year = number(bytes[0..<4]), let month = number(bytes[4..<6]), let day = number(bytes[6..<8]),
            let hour = number(bytes[9..<11]), let minute = number(bytes[11..<13]), let second = number(bytes[13..<15])
        else { return nil }
        return epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Formats UTC seconds since 1970 as `yyyyMMdd'T'HHmmss'Z'`.
    static func formatBasic(_ seconds: Int) -> String {
        let (days, secondOfDay) = CivilDate.split(epochSeconds: Int64(seconds))
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return CivilDate.pad(year, 4) + CivilDate.pad(month, 2) + CivilDate.pad(day, 2) + "T" + CivilDate.pad(secondOfDay / 3600, 2)
            + CivilDate.pad(secondOfDay / 60 % 60, 2) + CivilDate.pad(secondOfDay % 60, 2) + "Z"
    }

    /// Parses an HTTP `Date` header (RFC 1123 / RFC 9110 IMF-fixdate, `Thu, 01 Jan 2026 12:00:00 GMT`), also with a
    /// numeric zone as Python's `formatdate` writes it (`-0000`, `+0100`).
    static func parseHTTPDate(_ text: String) -> Int? {
        var fields = text.split(separator: " ", omittingEmptySubsequences: true)
        if let first = fields.first, first.hasSuffix(",") { fields.removeFirst() }
        guard fields.count == 5 else { return nil }
        guard let day = number(Array(fields[0].utf8)[...]), let year = number(Array(fields[2].utf8)[...]),
            fields[0].utf8.count <= 2, fields[2].utf8.count == 4,
            let month = months.firstIndex(where: { $0.utf8.elementsEqual(fields[1].lowercased().utf8) })
        else { return nil }
        let clock = fields[3].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.utf8.count == 2 }),
            let hour = number(Array(clock[0].utf8)[...]), let minute = number(Array(clock[1].utf8)[...]),
            let second = number(Array(clock[2].utf8)[...]),
            let offset = zoneOffset(String(fields[4])),
            let local = epochSeconds(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return local - offset
    }

    private static func zoneOffset(_ zone: String) -> Int? {
        switch zone {
        case "GMT", "UTC", "UT", "Z": return 0
        default: break
        }
        let bytes = Array(zone.utf8)
        guard bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            let hours = number(bytes[1..<3]), let minutes = number(bytes[3..<5]), hours < 24, minutes < 60
        else { return nil }
        let offset = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -offset : offset
    }

    private static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int? {
        guard (1...12).contains(month), day >= 1, day <= Int(CivilDate.daysInMonth(year: Int64(year), month: Int64(month))),
            hour < 24, minute < 60, second < 60
        else { return nil }
        return Int(CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))) * 86_400 + hour * 3600 + minute * 60 + second
    }




    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }


    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
}
