import Foundation

/// A CloudWatch Logs filter pattern, parsed once and matched against many messages.
///
/// The syntax is AWS's ("Filter pattern syntax for metric filters, subscription filters, and filter log events",
/// CloudWatch Logs User Guide): terms for unstructured events, `{ … }` for JSON events, `[ … ]` for space-delimited
/// events, and `%…%` for a regular expression. docs/logs.md lists what Moat supports.
public struct FilterPattern: Sendable {
    indirect enum Node: Sendable, Equatable {
        /// The empty pattern: every event.
        case all
        case terms(TermPattern)
        case json(JSONExpression)
        case delimited(DelimitedPattern)
        case regex(String)
    }

    let node: Node
    /// The compiled regular expression of a `%…%` pattern.
    private let regex: RegexBox?

    /// Parses `text`; throws ``FilterPatternError`` (InvalidParameterException on the wire) when it is malformed.
    public init(_ text: String) throws(FilterPatternError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            node = .all
        } else if trimmed.hasPrefix("{") {
            var parser = JSONPatternParser(trimmed)
            node = .json(try parser.parse())
        } else if trimmed.hasPrefix("[") {
            var parser = DelimitedPatternParser(trimmed)
            node = .delimited(try parser.parse())
        } else if trimmed.count >= 2, trimmed.hasPrefix("%"), trimmed.hasSuffix("%") {
            node = .regex(String(trimmed.dropFirst().dropLast()))
        } else {
            node = .terms(try TermPattern.parse(trimmed))
        }
        if case .regex(let source) = node {
            do {
                regex = RegexBox(try NSRegularExpression(pattern: source))
            } catch {
                throw FilterPatternError.invalid("Invalid regular expression in filter pattern: \(source)")
            }
        } else {
            regex = nil
        }
    }

    /// Whether the event `message` matches.
    public func matches(_ message: String) -> Bool {
        switch node {
        case .all: return true
        case .terms(let terms): return terms.matches(message)
        case .json(let expression):
            guard let document = JSONDocument.parse(message) else { return false }
            return expression.evaluate(document)
        case .delimited(let pattern): return pattern.matches(message)
        case .regex:
            guard let regex else { return false }
            let range = NSRange(message.startIndex..., in: message)
            return regex.value.firstMatch(in: message, range: range) != nil
        }
    }
}

/// A malformed filter pattern, with AWS's message.
public struct FilterPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    static func invalid(_ message: String) -> FilterPatternError { FilterPatternError(message: message) }

    /// AWS's answer to an unquoted term with a character other than a letter, digit or underscore.
    static func invalidCharacter(_ term: String) -> FilterPatternError {
        FilterPatternError(message: "Invalid character(s) in term '\(term)'")
    }

    public var description: String { message }
}

/// `NSRegularExpression` is immutable once built and documented thread-safe; it is not marked `Sendable`.
private struct RegexBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}

// MARK: - terms

/// Terms of an unstructured pattern: `ERROR Exception` (all), `?ERROR ?WARN` (any), `-DEBUG` (none),
/// `"exact phrase"`. Every term matches as a case-sensitive substring of the message.
struct TermPattern: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case required, optional, excluded }
    struct Term: Sendable, Equatable {
        var kind: Kind
        var text: String
    }

    var terms: [Term]

    func matches(_ message: String) -> Bool {
        var anyOptional = false
        var optionalFound = false
        for term in terms {
            let found = message.contains(term.text)
            switch term.kind {
            case .required: if !found { return false }
            case .excluded: if found { return false }
            case .optional:
                anyOptional = true
                if found { optionalFound = true }
            }
        }
        return !anyOptional || optionalFound
    }

    static func parse(_ text: String) throws(FilterPatternError) -> TermPattern {
        var scanner = PatternScanner(text)
        var terms: [Term] = []
        while true {
            scanner.skipSpaces()
            guard let next = scanner.peek() else { break }
            var kind = Kind.required
            if next == "?" {
                kind = .optional
                scanner.advance()
            } else if next == "-" {
                kind = .excluded
                scanner.advance()
            }
            guard let first = scanner.peek(), first != " " else { throw .invalid("Invalid filter pattern") }
            if first == "\"" {
                terms.append(Term(kind: kind, text: try scanner.quoted()))
            } else {
                let word = scanner.word()
                if let bad = word.first(where: { !isTermCharacter($0) }) {
                    throw .invalidCharacter(String(bad))
                }
                terms.append(Term(kind: kind, text: word))
            }
        }
        return TermPattern(terms: terms)
    }

    static func isTermCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "-" || character == "."
    }
}

// MARK: - scanning

/// Characters of a pattern with a cursor; shared by the three parsers.
struct PatternScanner {
    let characters: [Character]
    var index = 0

    init(_ text: String) { characters = Array(text) }

    var atEnd: Bool { index >= characters.count }
    func peek(_ offset: Int = 0) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }
    mutating func advance(_ count: Int = 1) { index += count }

    mutating func skipSpaces() {
        while let character = peek(), character.isWhitespace { advance() }
    }

    /// Whether the next characters are `literal`; consumes them when they are.
    mutating func consume(_ literal: String) -> Bool {
        let expected = Array(literal)
        guard index + expected.count <= characters.count, Array(characters[index..<index + expected.count]) == expected else {
            return false
        }
        advance(expected.count)
        return true
    }

    /// A `"…"` string with `\"` and `\\` escapes; the cursor is on the opening quote.
    mutating func quoted() throws(FilterPatternError) -> String {
        advance()
        var text = ""
        while let character = peek() {
            advance()
            if character == "\\", let escaped = peek() {
                advance()
                text.append(escaped)
            } else if character == "\"" {
                return text
            } else {
                text.append(character)
            }
        }
        throw .invalid("Invalid filter pattern: unterminated quoted string")
    }

    /// Characters up to the next space.
    mutating func word() -> String {
        var text = ""
        while let character = peek(), !character.isWhitespace {
            text.append(character)
            advance()
        }
        return text
    }
}

// MARK: - values

/// The right-hand side of a comparison in a JSON or space-delimited pattern.
enum PatternValue: Sendable, Equatable {
    /// A string, possibly with `*` wildcards (quoted or not).
    case text(String)
    case number(Double, literal: String)

    /// Numbers as the pattern wrote them; `4*` is a string with a wildcard, `404` a number.
    static func parse(unquoted token: String) -> PatternValue {
        if let number = Double(token), token.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) {
            return .number(number, literal: token)
        }
        return .text(token)
    }

    var literal: String {
        switch self {
        case .text(let text): text
        case .number(_, let literal): literal
        }
    }
}

enum ComparisonOperator: String, Sendable, Equatable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case less = "<"
    case greater = ">"

    /// Longest first, so that `<=` is not read as `<`.
    static let spellings: [ComparisonOperator] = [.notEqual, .lessOrEqual, .greaterOrEqual, .equal, .less, .greater]

    func compare(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        case .less: lhs < rhs
        case .lessOrEqual: lhs <= rhs
        case .greater: lhs > rhs
        case .greaterOrEqual: lhs >= rhs
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
    guard pattern.contains("*") else { return pattern == text }
    let p = Array(pattern)
    let t = Array(text)
    var pi = 0
    var ti = 0
    var star = -1
    var mark = 0
    while ti < t.count {
        if pi < p.count, p[pi] != "*", p[pi] == t[ti] {
            pi += 1
            ti += 1
        } else if pi < p.count, p[pi] == "*" {
            star = pi
            mark = ti
            pi += 1
        } else if star >= 0 {
            pi = star + 1
            mark += 1
            ti = mark
        } else {
            return false
        }
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
}
