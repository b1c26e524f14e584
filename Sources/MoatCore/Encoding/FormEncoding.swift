/// `application/x-www-form-urlencoded` parsing, as awsQuery bodies and query strings are encoded (API Gateway decodes
/// the query strings of stage calls the same way).
package enum FormEncoding {
    package static func parse(_ text: Substring) -> [(String, String)] {
        var result: [(String, String)] = []
        for pair in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                result.append((unescape(pair[..<equals]), unescape(pair[pair.index(after: equals)...])))
            } else {
                result.append((unescape(pair), ""))
            }
        }
        return result
    }

    /// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays as it is. Bytes that do not form
    /// UTF-8 become U+FFFD.
    package static func unescape(_ bytes: some Collection<UInt8>) -> String {
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let high = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex),
                high != bytes.endIndex, let low = bytes.index(high, offsetBy: 1, limitedBy: bytes.endIndex), low != bytes.endIndex,
                let value = hex(bytes[high]).flatMap({ h in hex(bytes[low]).map { h << 4 | $0 } })
            {
                output.append(value)
                index = low
            } else {
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
