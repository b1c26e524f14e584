/// Comparisons and trims of protocol text (header names, tokens) by ASCII rules, without Foundation's Unicode
/// machinery: header names are ASCII, and these run on every request.
extension StringProtocol {
    /// Whether the two are equal ignoring the case of ASCII letters (`Authorization` = `authorization`).
    package func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        let mine = utf8
        let theirs = other.utf8
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { Self.lowercased($0) == Self.lowercased($1) }
    }

    /// The text without leading and trailing spaces and horizontal tabs (HTTP's optional whitespace).
    package func trimmingASCIIWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
