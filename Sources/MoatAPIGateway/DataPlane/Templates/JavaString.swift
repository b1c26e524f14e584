/// java.lang.String's operations, on UTF-16 code units as Java counts them (`length()`, `substring`, `indexOf`),
/// and the escapes of API Gateway's `$util`.
enum JavaString {
    static func string(_ units: ArraySlice<UInt16>) -> String { String(decoding: units, as: UTF16.self) }
    static func string(_ units: [UInt16]) -> String { String(decoding: units, as: UTF16.self) }

    /// Knuth–Morris–Pratt failure table: searches stay linear whatever the text and the needle.
    private static func prefixTable(_ needle: [UInt16]) -> [Int] {
        var table = [Int](repeating: 0, count: needle.count)
        var length = 0
        var index = 1
        while index < needle.count {
            if needle[index] == needle[length] {
                length += 1
                table[index] = length
                index += 1
            } else if length > 0 {
                length = table[length - 1]
            } else {
                index += 1
            }
        }
        return table
    }

    /// The offsets of the non-overlapping occurrences of a non-empty needle, from `start`, at most `limit`.
    static func occurrences(of needle: [UInt16], in text: [UInt16], from start: Int = 0, limit: Int = Int.max) -> [Int] {
        guard !needle.isEmpty, limit > 0 else { return [] }
        let table = prefixTable(needle)
        var found: [Int] = []
        var matched = 0
        var index = max(0, start)
        while index < text.count {
            if text[index] == needle[matched] {
                matched += 1
                index += 1
                if matched == needle.count {
                    found.append(index - matched)
                    if found.count == limit { return found }
                    matched = 0
                }
            } else if matched > 0 {
                matched = table[matched - 1]
            } else {
                index += 1
            }
        }
        return found
    }

    /// `indexOf(str, fromIndex)`.
    static func indexOf(_ needle: [UInt16], in text: [UInt16], from start: Int = 0) -> Int {
        let from = max(0, start)
        if needle.isEmpty { return min(from, text.count) }
        return occurrences(of: needle, in: text, from: from, limit: 1).first ?? -1
    }

    /// `lastIndexOf(str, fromIndex)`: the last occurrence starting at or before `fromIndex`.
    static func lastIndexOf(_ needle: [UInt16], in text: [UInt16], from start: Int = Int.max) -> Int {
        let latest = min(start, text.count - needle.count)
        guard latest >= 0 else { return -1 }
        if needle.isEmpty { return latest }
        let reversedText = Array(text[..<(latest + needle.count)].reversed())
        guard let first = occurrences(of: needle.reversed(), in: reversedText, limit: 1).first else { return -1 }
        return reversedText.count - first - needle.count
    }

    /// `replace(target, replacement)`: every occurrence, left to right; an empty target inserts the replacement
    /// around every unit.
    static func replace(_ text: [UInt16], _ target: [UInt16], _ replacement: [UInt16]) -> [UInt16] {
        var result: [UInt16] = []
        if target.isEmpty {
            result.reserveCapacity(text.count + (text.count + 1) * replacement.count)
            result.append(contentsOf: replacement)
            for unit in text {
                result.append(unit)
                result.append(contentsOf: replacement)
            }
            return result
        }
        var last = 0
        for offset in occurrences(of: target, in: text) {
            result.append(contentsOf: text[last..<offset])
            result.append(contentsOf: replacement)
            last = offset + target.count
        }
        result.append(contentsOf: text[last...])
        return result
    }

    /// `trim()`: units up to U+0020 removed from both ends.
    static func trim(_ units: [UInt16]) -> String {
        var start = 0
        var end = units.count
        while start < end, units[start] <= 0x20 { start += 1 }
        while end > start, units[end - 1] <= 0x20 { end -= 1 }
        return string(units[start..<end])
    }

    /// `hashCode()`.
    static func hashCode(_ units: [UInt16]) -> Int32 {
        var hash: Int32 = 0
        for unit in units { hash = hash &* 31 &+ Int32(unit) }
        return hash
    }

    /// `compareTo`: the difference of the first differing units, else of the lengths.
    static func compare(_ left: [UInt16], _ right: [UInt16]) -> Int {
        for (a, b) in zip(left, right) where a != b { return Int(a) - Int(b) }
        return left.count - right.count
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func hex(_ value: UInt16, width: Int) -> [UInt8] {
        (0..<width).reversed().map { hexDigits[Int((value >> (UInt16($0) * 4)) & 0xF)] }
    }

    /// `$util.escapeJavaScript`: Commons Lang's JavaScript escaping, which API Gateway documents: `'` becomes `\'`
    /// (not valid JSON: templates follow it with `.replaceAll("\\'", "'")`), `"`, `\` and `/` are escaped, control
    /// characters use their short escapes or `\u00XX`, and every unit beyond ASCII becomes `\uXXXX`.
    static func escapeJavaScript(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for unit in text.utf16 {
            switch unit {
            case 0x80...:
                out.append(contentsOf: Array("\\u".utf8))
                out.append(contentsOf: hex(unit, width: 4))
            case 0x08: out.append(contentsOf: Array("\\b".utf8))
            case 0x09: out.append(contentsOf: Array("\\t".utf8))
            case 0x0A: out.append(contentsOf: Array("\\n".utf8))
            case 0x0C: out.append(contentsOf: Array("\\f".utf8))
            case 0x0D: out.append(contentsOf: Array("\\r".utf8))
            case 0..<0x20:
                out.append(contentsOf: Array("\\u".utf8))
                out.append(contentsOf: hex(unit, width: 4))
            case UInt16(UInt8(ascii: "'")): out.append(contentsOf: Array("\\'".utf8))
            case UInt16(UInt8(ascii: "\"")): out.append(contentsOf: Array("\\\"".utf8))
            case UInt16(UInt8(ascii: "\\")): out.append(contentsOf: Array("\\\\".utf8))
            case UInt16(UInt8(ascii: "/")): out.append(contentsOf: Array("\\/".utf8))
            default: out.append(UInt8(unit))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `$util.urlEncode`: Java's URLEncoder with UTF-8 (`application/x-www-form-urlencoded`): letters, digits and
    /// `.-*_` stay, a space becomes `+`, every other byte `%XX`.
    static func urlEncode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "_"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(contentsOf: hex(UInt16(byte), width: 2))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `$util.urlDecode`: Java's URLDecoder with UTF-8: `+` is a space, `%XX` runs are UTF-8 bytes; nil for a
    /// malformed escape, which Java rejects.
    static func urlDecode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
