/// The part of `java.util.regex` that templates reach through `String.split`, `replaceAll`, `replaceFirst` and
/// `matches` (`.replaceAll("\\'", "'")` after `$util.escapeJavaScript`, `.split('&')` of a form body): literals,
/// `.`, classes (`[a-z]`, `[^,]`, `\d \w \s` and their negations), groups, alternation, greedy and lazy quantifiers,
/// `^ $ \b \B \A \z \Z`, `\Q…\E`. Lookaround, backreferences, flags and possessive quantifiers are refused.
///
/// A backtracking matcher over Unicode scalars, with a step budget (so no pattern can hang a request) and a bound on
/// its recursion.
struct JavaRegex {
    struct SyntaxError: Error {
        let message: String
    }

    /// A character set: ranges, negated or not.
    struct CharacterSet {
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar.value) } != negated
        }

        static let digits = CharacterSet(ranges: [0x30...0x39])
        static let word = CharacterSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
        static let space = CharacterSet(ranges: [0x09...0x0D, 0x20...0x20])

        var inverted: CharacterSet { CharacterSet(ranges: ranges, negated: !negated) }
    }

    indirect enum Node {
        case empty
        case set(CharacterSet)
        case any
        case sequence([Node])
        case alternation([Node])
        case group(Node, capture: Int?)
        case repetition(Node, minimum: Int, maximum: Int?, greedy: Bool)
        case startOfInput
        case endOfInput
        /// `$` and `\Z`: the end, or before a final line terminator.
        case endOfLine
        case wordBoundary(Bool)
    }

    let root: Node
    let groupCount: Int

    init(_ pattern: String) throws(SyntaxError) {
        var parser = Parser(pattern: Array(pattern.unicodeScalars))
        root = try parser.parseAlternation()
        guard parser.index == parser.pattern.count else { throw SyntaxError(message: "Unmatched closing ')'") }
        groupCount = parser.groupCount
    }

    private struct Parser {
        let pattern: [Unicode.Scalar]
        var index = 0
        var groupCount = 0
        var depth = 0

        init(pattern: [Unicode.Scalar]) {
            self.pattern = pattern
        }

        var current: Unicode.Scalar? { index < pattern.count ? pattern[index] : nil }

        mutating func parseAlternation() throws(SyntaxError) -> Node {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 50 else { throw SyntaxError(message: "The pattern nests too deeply") }
            var branches = [try parseSequence()]
            while current == "|" {
                index += 1
                branches.append(try parseSequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let scalar = current, scalar != "|", scalar != ")" {
                if scalar == "\\", index + 1 < pattern.count, pattern[index + 1] == "Q" {
                    index += 2
                    while index < pattern.count {
                        if pattern[index] == "\\", index + 1 < pattern.count, pattern[index + 1] == "E" {
                            index += 2
                            break
                        }
                        items.append(.set(CharacterSet(ranges: [pattern[index].value...pattern[index].value])))
                        index += 1
                    }
                    continue
                }
                items.append(try parseQuantified())
            }
            switch items.count {
            case 0: return .empty
            case 1: return items[0]
            default: return .sequence(items)
            }
        }

        mutating func parseQuantified() throws(SyntaxError) -> Node {
            var atom = try parseAtom()
            while let scalar = current {
                var minimum = 0
                var maximum: Int?
                switch scalar {
                case "*": index += 1
                case "+":
                    minimum = 1
                    index += 1
                case "?":
                    maximum = 1
                    index += 1
                case "{":
                    guard let bounds = try parseBounds() else { return atom }
                    (minimum, maximum) = bounds
                default:
                    return atom
                }
                var greedy = true
                if current == "?" {
                    greedy = false
                    index += 1
                } else if current == "+" {
                    throw SyntaxError(message: "Possessive quantifiers are not supported")
                }
                if case .startOfInput = atom { continue }
                atom = .repetition(atom, minimum: minimum, maximum: maximum, greedy: greedy)
            }
            return atom
        }

        /// `{n}`, `{n,}`, `{n,m}`.
        mutating func parseBounds() throws(SyntaxError) -> (Int, Int?)? {
            var cursor = index + 1
            func number() -> Int? {
                var value = 0
                let start = cursor
                while cursor < pattern.count, let digit = Int(String(pattern[cursor])), pattern[cursor].isASCII {
                    value = min(value * 10 + digit, 100_000)
                    cursor += 1
                }
                return cursor > start ? value : nil
            }
            guard let minimum = number() else { throw SyntaxError(message: "Illegal repetition") }
            var maximum: Int? = minimum
            if cursor < pattern.count, pattern[cursor] == "," {
                cursor += 1
                maximum = number()
            }
            guard cursor < pattern.count, pattern[cursor] == "}" else { throw SyntaxError(message: "Unclosed counted closure") }
            if let maximum, maximum < minimum { throw SyntaxError(message: "Illegal repetition range") }
            index = cursor + 1
            return (minimum, maximum)
        }

        mutating func parseAtom() throws(SyntaxError) -> Node {
            guard let scalar = current else { throw SyntaxError(message: "Unexpected end of the pattern") }
            index += 1
            switch scalar {
            case "(":
                var capture: Int?
                if current == "?" {
                    guard index + 1 < pattern.count, pattern[index + 1] == ":" else {
                        throw SyntaxError(message: "Lookaround, named groups and flags are not supported")
                    }
                    index += 2
                } else {
                    groupCount += 1
                    capture = groupCount
                }
                let inner = try parseAlternation()
                guard current == ")" else { throw SyntaxError(message: "Unclosed group") }
                index += 1
                return .group(inner, capture: capture)
            case "[":
                return .set(try parseClass())
            case ".":
                return .any
            case "^":
                return .startOfInput
            case "$":
                return .endOfLine
            case "\\":
                return try parseEscape(inClass: false)
            case "*", "+", "?":
                throw SyntaxError(message: "Dangling meta character '\(scalar)'")
            case "{":
                throw SyntaxError(message: "Illegal repetition")
            default:
                return .set(CharacterSet(ranges: [scalar.value...scalar.value]))
            }
        }

        /// After `\`: a class, an anchor or a literal.
        mutating func parseEscape(inClass: Bool) throws(SyntaxError) -> Node {
            guard let scalar = current else { throw SyntaxError(message: "Unexpected end of the pattern after '\\'") }
            index += 1
            func literal(_ value: UInt32) -> Node { .set(CharacterSet(ranges: [value...value])) }
            switch scalar {
            case "d": return .set(.digits)
            case "D": return .set(CharacterSet.digits.inverted)
            case "w": return .set(.word)
            case "W": return .set(CharacterSet.word.inverted)
            case "s": return .set(.space)
            case "S": return .set(CharacterSet.space.inverted)
            case "t": return literal(0x09)
            case "n": return literal(0x0A)
            case "r": return literal(0x0D)
            case "f": return literal(0x0C)
            case "a": return literal(0x07)
            case "e": return literal(0x1B)
            case "b" where !inClass: return .wordBoundary(true)
            case "B" where !inClass: return .wordBoundary(false)
            case "A" where !inClass: return .startOfInput
            case "z" where !inClass: return .endOfInput
            case "Z" where !inClass: return .endOfLine
            case "x":
                guard let value = hexadecimal(count: 2) else { throw SyntaxError(message: "Illegal hexadecimal escape") }
                return literal(value)
            case "u":
                guard let value = hexadecimal(count: 4) else { throw SyntaxError(message: "Illegal Unicode escape") }
                return literal(value)
            case "0":
                var value: UInt32 = 0
                var digits = 0
                while digits < 3, let next = current, ("0"..."7").contains(next), value * 8 + (next.value - 0x30) <= 0o377 {
                    value = value * 8 + (next.value - 0x30)
                    index += 1
                    digits += 1
                }
                guard digits > 0 else { throw SyntaxError(message: "Illegal octal escape") }
                return literal(value)
            default:
                if scalar.properties.isAlphabetic || ("1"..."9").contains(scalar) {
                    throw SyntaxError(message: "Unsupported escape sequence '\\\(scalar)'")
                }
                return literal(scalar.value)
            }
        }

        mutating func hexadecimal(count: Int) -> UInt32? {
            guard index + count <= pattern.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let digit = UInt32(String(pattern[index]), radix: 16) else { return nil }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        /// `[…]` after the `[`.
        mutating func parseClass() throws(SyntaxError) -> CharacterSet {
            var set = CharacterSet()
            if current == "^" {
                set.negated = true
                index += 1
            }
            var first = true
            while true {
                guard let scalar = current else { throw SyntaxError(message: "Unclosed character class") }
                if scalar == "]", !first {
                    index += 1
                    return set
                }
                first = false
                if scalar == "[" || (scalar == "&" && index + 1 < pattern.count && pattern[index + 1] == "&") {
                    throw SyntaxError(message: "Nested classes and intersections are not supported")
                }
                let low: UInt32
                if scalar == "\\" {
                    index += 1
                    switch try parseEscape(inClass: true) {
                    case .set(let escaped) where escaped.ranges.count == 1 && !escaped.negated
                        && escaped.ranges[0].lowerBound == escaped.ranges[0].upperBound:
                        low = escaped.ranges[0].lowerBound
                    case .set(let escaped):
                        if escaped.negated {
                            // A negated class inside a class: the complement of its ranges.
                            set.ranges.append(contentsOf: Self.complement(escaped.ranges))
                        } else {
                            set.ranges.append(contentsOf: escaped.ranges)
                        }
                        continue
                    default:
                        throw SyntaxError(message: "Unsupported escape in a character class")
                    }
                } else {
                    low = scalar.value
                    index += 1
                }
                if current == "-", index + 1 < pattern.count, pattern[index + 1] != "]" {
                    index += 1
                    guard let highScalar = current else { throw SyntaxError(message: "Unclosed character class") }
                    var high = highScalar.value
                    index += 1
                    if highScalar == "\\" {
                        guard case .set(let escaped) = try parseEscape(inClass: true), escaped.ranges.count == 1, !escaped.negated else {
                            throw SyntaxError(message: "Illegal character range")
                        }
                        high = escaped.ranges[0].lowerBound
                    }
                    guard low <= high else { throw SyntaxError(message: "Illegal character range") }
                    set.ranges.append(low...high)
                } else {
                    set.ranges.append(low...low)
                }
            }
        }

        static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
            var result: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
                next = max(next, range.upperBound + 1)
            }
            if next <= 0x10FFFF { result.append(next...0x10FFFF) }
            return result
        }
    }

    // MARK: - Matching

    /// One search over a text, counting its steps.
    final class Matcher {
        let text: [Unicode.Scalar]
        let regex: JavaRegex
        /// Start and end of each group (0 is the whole match); -1 when unset.
        var groups: [Int]
        var steps = 0
        let maximumSteps: Int
        var exhausted = false
        private var depth = 0
        private static let maximumDepth = 500

        init(_ regex: JavaRegex, text: [Unicode.Scalar], maximumSteps: Int) {
            self.regex = regex
            self.text = text
            self.maximumSteps = maximumSteps
            groups = [Int](repeating: -1, count: (regex.groupCount + 1) * 2)
        }

        /// The first match starting at or after `from`.
        func find(from: Int) -> (start: Int, end: Int)? {
            var start = from
            while start <= text.count, !exhausted {
                for slot in groups.indices { groups[slot] = -1 }
                var matchEnd = -1
                if match(regex.root, start, { end in
                    matchEnd = end
                    return true
                }) {
                    groups[0] = start
                    groups[1] = matchEnd
                    return (start, matchEnd)
                }
                start += 1
            }
            return nil
        }

        /// Whether the whole text matches.
        func matchesEntirely() -> Bool {
            match(regex.root, 0) { $0 == self.text.count }
        }

        private func count() -> Bool {
            steps += 1
            if steps > maximumSteps { exhausted = true }
            return !exhausted
        }

        private func isWord(_ offset: Int) -> Bool {
            offset >= 0 && offset < text.count && CharacterSet.word.contains(text[offset])
        }

        private func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\n" || scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}"
        }

        /// Whether one scalar at `offset` matches a single-scalar node.
        private func matchesOne(_ node: Node, at offset: Int) -> Bool {
            guard offset < text.count else { return false }
            switch node {
            case .set(let set): return set.contains(text[offset])
            case .any: return !isLineTerminator(text[offset])
            default: return false
            }
        }

        private func isSingle(_ node: Node) -> Bool {
            switch node {
            case .set, .any: true
            default: false
            }
        }

        /// Matches `node` at `offset`, then the continuation with where it ended.
        func match(_ node: Node, _ offset: Int, _ next: (Int) -> Bool) -> Bool {
            guard count() else { return false }
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else {
                exhausted = true
                return false
            }
            switch node {
            case .empty:
                return next(offset)
            case .set, .any:
                return matchesOne(node, at: offset) && next(offset + 1)
            case .sequence(let items):
                return matchSequence(items, 0, offset, next)
            case .alternation(let branches):
                for branch in branches {
                    if match(branch, offset, next) { return true }
                    if exhausted { return false }
                }
                return false
            case .group(let inner, let capture):
                guard let capture else { return match(inner, offset, next) }
                let savedStart = groups[capture * 2]
                let savedEnd = groups[capture * 2 + 1]
                let matched = match(inner, offset) { end in
                    let previousStart = self.groups[capture * 2]
                    let previousEnd = self.groups[capture * 2 + 1]
                    self.groups[capture * 2] = offset
                    self.groups[capture * 2 + 1] = end
                    if next(end) { return true }
                    self.groups[capture * 2] = previousStart
                    self.groups[capture * 2 + 1] = previousEnd
                    return false
                }
                if !matched {
                    groups[capture * 2] = savedStart
                    groups[capture * 2 + 1] = savedEnd
                }
                return matched
            case .repetition(let inner, let minimum, let maximum, let greedy):
                if isSingle(inner) { return matchSingleRepetition(inner, minimum, maximum, greedy, offset, next) }
                return matchRepetition(inner, minimum, maximum, greedy, 0, offset, next)
            case .startOfInput:
                return offset == 0 && next(offset)
            case .endOfInput:
                return offset == text.count && next(offset)
            case .endOfLine:
                if offset == text.count { return next(offset) }
                if offset == text.count - 1, isLineTerminator(text[offset]) { return next(offset) }
                if offset == text.count - 2, text[offset] == "\r", text[offset + 1] == "\n" { return next(offset) }
                return false
            case .wordBoundary(let expected):
                return (isWord(offset - 1) != isWord(offset)) == expected && next(offset)
            }
        }

        /// A sequence, its single-scalar items matched in a loop rather than by recursion.
        private func matchSequence(_ items: [Node], _ position: Int, _ offset: Int, _ next: (Int) -> Bool) -> Bool {
            var position = position
            var offset = offset
            while position < items.count, isSingle(items[position]) {
                guard count(), matchesOne(items[position], at: offset) else { return false }
                position += 1
                offset += 1
            }
            if position == items.count { return next(offset) }
            return match(items[position], offset) { end in self.matchSequence(items, position + 1, end, next) }
        }

        /// `x*`, `x+`, `x{n,m}` of a single scalar: the run measured once, then tried longest first (or shortest,
        /// lazily) without recursion.
        private func matchSingleRepetition(
            _ inner: Node, _ minimum: Int, _ maximum: Int?, _ greedy: Bool, _ offset: Int, _ next: (Int) -> Bool
        ) -> Bool {
            var available = 0
            let limit = maximum ?? Int.max
            while available < limit, matchesOne(inner, at: offset + available) {
                guard count() else { return false }
                available += 1
            }
            guard available >= minimum else { return false }
            if greedy {
                var taken = available
                while taken >= minimum {
                    if next(offset + taken) { return true }
                    guard count() else { return false }
                    taken -= 1
                }
            } else {
                var taken = minimum
                while taken <= available {
                    if next(offset + taken) { return true }
                    guard count() else { return false }
                    taken += 1
                }
            }
            return false
        }

        private func matchRepetition(
            _ inner: Node, _ minimum: Int, _ maximum: Int?, _ greedy: Bool, _ done: Int, _ offset: Int, _ next: (Int) -> Bool
        ) -> Bool {
            let canRepeat = maximum.map { done < $0 } ?? true
            func more() -> Bool {
                guard canRepeat else { return false }
                return match(inner, offset) { end in
                    // An empty iteration cannot help once the minimum is met (Java stops there too).
                    if end == offset, done >= minimum { return false }
                    return self.matchRepetition(inner, minimum, maximum, greedy, done + 1, end, next)
                }
            }
            if done < minimum { return more() }
            if greedy {
                if more() { return true }
                return !exhausted && next(offset)
            }
            if next(offset) { return true }
            return !exhausted && more()
        }
    }
}

/// `String.replaceAll`, `replaceFirst`, `split` and `matches` over a ``JavaRegex``.
extension JavaRegex {
    /// What went wrong: the pattern, the replacement, or the step budget.
    enum Failure: Error {
        case syntax(String)
        case exhausted
    }

    /// Java's replacement text: `$n` is group n, `\x` is x.
    private func expand(_ replacement: [Unicode.Scalar], _ matcher: Matcher, into out: inout [Unicode.Scalar]) throws(Failure) {
        var index = 0
        while index < replacement.count {
            let scalar = replacement[index]
            if scalar == "\\" {
                index += 1
                guard index < replacement.count else { throw .syntax("character to be escaped is missing") }
                out.append(replacement[index])
                index += 1
            } else if scalar == "$" {
                index += 1
                guard index < replacement.count, let first = Int(String(replacement[index])) else {
                    throw .syntax("Illegal group reference")
                }
                var group = first
                index += 1
                while index < replacement.count, let digit = Int(String(replacement[index])), group * 10 + digit <= groupCount {
                    group = group * 10 + digit
                    index += 1
                }
                guard group <= groupCount else { throw .syntax("No group \(group)") }
                let start = matcher.groups[group * 2]
                let end = matcher.groups[group * 2 + 1]
                if start >= 0, end >= start { out.append(contentsOf: matcher.text[start..<end]) }
            } else {
                out.append(scalar)
                index += 1
            }
        }
    }

    /// `replaceAll` (or `replaceFirst` with `limit` 1).
    func replace(
        in text: String, with replacement: String, limit: Int = Int.max, maximumSteps: Int
    ) throws(Failure) -> (String, steps: Int) {
        let matcher = Matcher(self, text: Array(text.unicodeScalars), maximumSteps: maximumSteps)
        let replacementScalars = Array(replacement.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var last = 0
        var from = 0
        var replaced = 0
        while replaced < limit, from <= matcher.text.count, let found = matcher.find(from: from) {
            out.append(contentsOf: matcher.text[last..<found.start])
            try expand(replacementScalars, matcher, into: &out)
            last = found.end
            from = found.end == found.start ? found.end + 1 : found.end
            replaced += 1
        }
        guard !matcher.exhausted else { throw .exhausted }
        out.append(contentsOf: matcher.text[last...])
        var result = ""
        result.unicodeScalars.append(contentsOf: out)
        return (result, matcher.steps)
    }

    /// `split(regex, limit)`: Java's rules (no leading empty string for a zero-width match at 0; trailing empty
    /// strings dropped when `limit` is 0).
    func split(_ text: String, limit: Int, maximumSteps: Int) throws(Failure) -> ([String], steps: Int) {
        let matcher = Matcher(self, text: Array(text.unicodeScalars), maximumSteps: maximumSteps)
        var pieces: [String] = []
        func piece(_ range: Range<Int>) -> String {
            var result = ""
            result.unicodeScalars.append(contentsOf: matcher.text[range])
            return result
        }
        var index = 0
        var from = 0
        while from <= matcher.text.count, let found = matcher.find(from: from) {
            from = found.end == found.start ? found.end + 1 : found.end
            if limit > 0, pieces.count >= limit - 1 { break }
            if index == 0, found.start == 0, found.end == 0 { continue }
            pieces.append(piece(index..<found.start))
            index = found.end
        }
        guard !matcher.exhausted else { throw .exhausted }
        if index == 0, pieces.isEmpty { return ([text], matcher.steps) }
        pieces.append(piece(index..<matcher.text.count))
        if limit == 0 {
            while let last = pieces.last, last.isEmpty { pieces.removeLast() }
        }
        return (pieces, matcher.steps)
    }

    /// `matches`: the whole text.
    func matches(_ text: String, maximumSteps: Int) throws(Failure) -> (Bool, steps: Int) {
        let matcher = Matcher(self, text: Array(text.unicodeScalars), maximumSteps: maximumSteps)
        let result = matcher.matchesEntirely()
        guard !matcher.exhausted else { throw .exhausted }
        return (result, matcher.steps)
    }
}
