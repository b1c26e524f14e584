/// Comparisons and trims of protocol text (header names, tokens) by ASCII rules, without Foundation's Unicode
/// machinery: header names are ASCII, and these run on every request (inlinable, so that callers get them
/// specialized for their string type).
extension StringProtocol {
    /// Whether the two are equal ignoring the case of ASCII letters (`Authorization` = `authorization`).
    @inlinable
    package func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        var mine = utf8.makeIterator()
        var theirs = other.utf8.makeIterator()
        while true {
            switch (mine.next(), theirs.next()) {
            case (nil, nil): return true
            case (let left?, let right?) where left == right || (left | 0x20 == right | 0x20 && (left | 0x20) >= 0x61 && (left | 0x20) <= 0x7A):
                continue
            default: return false
            }
        }
    }

    /// Whether the text starts with `prefix`, ignoring the case of ASCII letters (`Bearer ` = `bearer `).
    @inlinable
    package func hasPrefixIgnoringASCIICase(_ prefix: some StringProtocol) -> Bool {
        var mine = utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let actual = mine.next(),
                actual == expected || (actual | 0x20 == expected | 0x20 && (actual | 0x20) >= 0x61 && (actual | 0x20) <= 0x7A)
            else { return false }
        }
        return true
    }

    /// The text without leading and trailing spaces and horizontal tabs (HTTP's optional whitespace).
    @inlinable
    package func trimmingASCIIWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
