/// One query parameter, percent-decoded to bytes (a `+` stays a `+`).
struct SigV4QueryParameter: Sendable, Equatable {
    var name: [UInt8]
    var value: [UInt8]

    func hasName(_ text: String) -> Bool { name.elementsEqual(text.utf8) }
    var valueText: String { String(decoding: value, as: UTF8.self) }
}

/// The parts of the canonical request, built the way AWS services (other than S3) build them.
///
/// Everything works on UTF-8 bytes: Swift's `String` equality and ordering follow Unicode canonical equivalence,
/// which a signature must not.
enum SigV4Canonical {
    // MARK: Path

    /// The canonical URI of a path as received: dot segments removed, empty segments dropped (a trailing slash
    /// kept), then every byte outside the unreserved set and `/` percent-encoded. The path arrives encoded once, so
    /// this is AWS's "encode each segment twice" (`%20` becomes `%2520`).
    static func canonicalURI(rawPath: String) -> String {
        let path = Array(rawPath.utf8)
        guard !path.isEmpty else { return "/" }
        var segments: [ArraySlice<UInt8>] = []
        for segment in path.split(separator: slash, omittingEmptySubsequences: true) {
            if segment.elementsEqual([dot]) { continue }
            if segment.elementsEqual([dot, dot]) {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var normalized: [UInt8] = []
        if path.first == slash { normalized.append(slash) }
        for (index, segment) in segments.enumerated() {
            if index > 0 { normalized.append(slash) }
            normalized.append(contentsOf: segment)
        }
        if path.last == slash, !segments.isEmpty { normalized.append(slash) }
        return percentEncode(normalized, keepingSlash: true)
    }

    // MARK: Query

    /// The parameters of a raw query string, decoded, in the order received. Empty pieces (`a=1&&b=2`) are skipped.
    static func queryParameters(rawQuery: String) -> [SigV4QueryParameter] {
        var parameters: [SigV4QueryParameter] = []
        for piece in Array(rawQuery.utf8).split(separator: ampersand, omittingEmptySubsequences: true) {
            if let equals = piece.firstIndex(of: equalsSign) {
                parameters.append(
                    SigV4QueryParameter(
                        name: percentDecode(piece[piece.startIndex..<equals]),
                        value: percentDecode(piece[piece.index(after: equals)...])
                    )
                )
            } else {
                parameters.append(SigV4QueryParameter(name: percentDecode(piece), value: []))
            }
        }
        return parameters
    }

    /// The canonical query string: each name and value encoded, sorted by encoded name then value, `name=value`
    /// joined by `&`; parameters named `excludedName` (the presigned signature) are left out.
    static func canonicalQuery(_ parameters: [SigV4QueryParameter], excluding excludedName: String? = nil) -> String {
        var encoded: [(name: [UInt8], value: [UInt8])] = []
        encoded.reserveCapacity(parameters.count)
        for parameter in parameters {
            if let excludedName, parameter.hasName(excludedName) { continue }
            encoded.append((Array(percentEncode(parameter.name).utf8), Array(percentEncode(parameter.value).utf8)))
        }
        encoded.sort { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.lexicographicallyPrecedes(rhs.name) }
            return lhs.value.lexicographicallyPrecedes(rhs.value)
        }
        var out: [UInt8] = []
        for (index, pair) in encoded.enumerated() {
            if index > 0 { out.append(ampersand) }
            out.append(contentsOf: pair.name)
            out.append(equalsSign)
            out.append(contentsOf: pair.value)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Headers

    /// The canonical headers block: for each signed name in the order listed, `name:values\n`, where the values
    /// of every header so named are trimmed, inner whitespace runs collapsed to one space, and joined by `,`.
    static func canonicalHeaders(signedHeaders: [String], headers: [(name: String, value: String)]) -> String {
        var out: [UInt8] = []
        for signed in signedHeaders {
            let wanted = Array(signed.utf8)
            out.append(contentsOf: wanted)
            out.append(colon)
            var first = true
            for header in headers where headerName(header.name, equals: wanted) {
                if !first { out.append(comma) }
                first = false
                appendTrimmedCollapsed(header.value, to: &out)
            }
            out.append(newline)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a received header name is `wanted` (lowercase ASCII), ignoring ASCII case and surrounding spaces.
    static func headerName(_ name: String, equals wanted: [UInt8]) -> Bool {
        var bytes = name.utf8[...]
        while let first = bytes.first, isWhitespace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isWhitespace(last) { bytes = bytes.dropLast() }
        guard bytes.count == wanted.count else { return false }
        return zip(bytes, wanted).allSatisfy { asciiLowercase($0) == $1 }
    }

    private static func appendTrimmedCollapsed(_ value: String, to out: inout [UInt8]) {
        var pendingSpace = false
        var wroteAny = false
        for byte in value.utf8 {
            if isWhitespace(byte) {
                pendingSpace = wroteAny
                continue
            }
            if pendingSpace { out.append(space) }
            pendingSpace = false
            wroteAny = true
            out.append(byte)
        }
    }

    // MARK: Encoding

    /// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when asked), uppercase hex.
    static func percentEncode(_ bytes: some Sequence<UInt8>, keepingSlash: Bool = false) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            if isUnreserved(byte) || (keepingSlash && byte == slash) {
                out.append(byte)
            } else {
                out.append(percent)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == percent, bytes.endIndex - index >= 3,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == UInt8(ascii: "\t") || byte == newline || byte == UInt8(ascii: "\r")
            || byte == 0x0B || byte == 0x0C
    }

    static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")
    private static let ampersand = UInt8(ascii: "&")
    private static let equalsSign = UInt8(ascii: "=")
    private static let percent = UInt8(ascii: "%")
    private static let colon = UInt8(ascii: ":")
    private static let comma = UInt8(ascii: ",")
    private static let space = UInt8(ascii: " ")
    private static let newline = UInt8(ascii: "\n")
}
