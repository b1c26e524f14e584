import Foundation

/// A JSON log event, as JSON filter patterns see it.
indirect enum JSONDocument: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONDocument])
    case object([String: JSONDocument])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONDocument].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONDocument].self))
        }
    }

    /// The message as a JSON object or array; nil when it is not JSON (such events never match a JSON pattern).
    static func parse(_ message: String) -> JSONDocument? {
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{") || trimmed.hasPrefix("[") else { return nil }
        return try? JSONDecoder().decode(JSONDocument.self, from: Data(trimmed.utf8))
    }

    func resolve(_ path: [JSONSelector.Step]) -> JSONDocument? {
        var current = self
        for step in path {
            switch (step, current) {
            case (.member(let name), .object(let members)):
                guard let next = members[name] else { return nil }
                current = next
            case (.index(let index), .array(let elements)):
                guard elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }
}

/// `$.a.b[0].c`
struct JSONSelector: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
    }
    var steps: [Step]
}

/// The body of a `{ … }` pattern.
indirect enum JSONExpression: Sendable, Equatable {
    case and(JSONExpression, JSONExpression)
    case or(JSONExpression, JSONExpression)
    case compare(JSONSelector, ComparisonOperator, PatternValue)
    case isNull(JSONSelector)
    case isBool(JSONSelector, Bool)
    case notExists(JSONSelector)
    case exists(JSONSelector)

    func evaluate(_ document: JSONDocument) -> Bool {
        switch self {
        case .and(let lhs, let rhs): return lhs.evaluate(document) && rhs.evaluate(document)
        case .or(let lhs, let rhs): return lhs.evaluate(document) || rhs.evaluate(document)
        case .isNull(let selector): return document.resolve(selector.steps) == .null
        case .isBool(let selector, let value): return document.resolve(selector.steps) == .bool(value)
        case .notExists(let selector): return document.resolve(selector.steps) == nil
        case .exists(let selector): return document.resolve(selector.steps) != nil
        case .compare(let selector, let op, let value):
            guard let field = document.resolve(selector.steps) else { return false }
            return Self.compare(field, op, value)
        }
    }

    private static func compare(_ field: JSONDocument, _ op: ComparisonOperator, _ value: PatternValue) -> Bool {
        switch (field, value) {
        case (.number(let number), .number(let expected, _)):
            return op.compare(number, expected)
        case (.string(let text), _):
            guard op == .equal || op == .notEqual else { return false }
            let matched = wildcardMatch(value.literal, text)
            return op == .equal ? matched : !matched
        case (.number(let number), .text(let pattern)):
            // `{ $.status = 2* }`: a wildcard against a number's decimal form.
            guard op == .equal || op == .notEqual else { return false }
            let matched = wildcardMatch(pattern, Self.decimal(number))
            return op == .equal ? matched : !matched
        case (.bool(let flag), .text(let text)) where text == "true" || text == "false":
            guard op == .equal || op == .notEqual else { return false }
            return (flag == (text == "true")) == (op == .equal)
        case (.null, .text("null")):
            return op == .equal
        default:
            // `= *` matches any value that is present.
            return op == .equal && value == .text("*")
        }
    }

    static func decimal(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

/// Parses `{ $.a = "x" && ($.b > 1 || $.c IS NULL) }`.
struct JSONPatternParser {
    var scanner: PatternScanner

    init(_ text: String) { scanner = PatternScanner(text) }

    mutating func parse() throws(FilterPatternError) -> JSONExpression {
        guard scanner.consume("{") else { throw Self.invalid }
        let expression = try orExpression()
        scanner.skipSpaces()
        guard scanner.consume("}") else { throw Self.invalid }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw Self.invalid }
        return expression
    }

    static let invalid = FilterPatternError.invalid("Invalid filter pattern")

    private mutating func orExpression() throws(FilterPatternError) -> JSONExpression {
        var lhs = try andExpression()
        while true {
            scanner.skipSpaces()
            guard scanner.consume("||") else { return lhs }
            lhs = .or(lhs, try andExpression())
        }
    }

    private mutating func andExpression() throws(FilterPatternError) -> JSONExpression {
        var lhs = try primary()
        while true {
            scanner.skipSpaces()
            guard scanner.consume("&&") else { return lhs }
            lhs = .and(lhs, try primary())
        }
    }

    private mutating func primary() throws(FilterPatternError) -> JSONExpression {
        scanner.skipSpaces()
        if scanner.consume("(") {
            let inner = try orExpression()
            scanner.skipSpaces()
            guard scanner.consume(")") else { throw Self.invalid }
            return inner
        }
        let selector = try self.selector()
        scanner.skipSpaces()
        if scanner.consume("IS") {
            scanner.skipSpaces()
            if scanner.consume("NULL") { return .isNull(selector) }
            if scanner.consume("TRUE") { return .isBool(selector, true) }
            if scanner.consume("FALSE") { return .isBool(selector, false) }
            throw Self.invalid
        }
        if scanner.consume("NOT") {
            scanner.skipSpaces()
            guard scanner.consume("EXISTS") else { throw Self.invalid }
            return .notExists(selector)
        }
        if scanner.consume("EXISTS") { return .exists(selector) }
        guard let op = ComparisonOperator.spellings.first(where: { scanner.consume($0.rawValue) }) else { throw Self.invalid }
        scanner.skipSpaces()
        let value = try self.value()
        if case .text = value, op != .equal, op != .notEqual {
            // Strings compare with = and != only.
            throw Self.invalid
        }
        return .compare(selector, op, value)
    }

    private mutating func selector() throws(FilterPatternError) -> JSONSelector {
        guard scanner.consume("$") else {
            let word = scanner.word()
            throw word.isEmpty ? Self.invalid : .invalidCharacter(word)
        }
        var steps: [JSONSelector.Step] = []
        while let next = scanner.peek() {
            if next == "." {
                scanner.advance()
                var name = ""
                while let character = scanner.peek(), character.isLetter || character.isNumber || character == "_" || character == "-" || character == "@" {
                    name.append(character)
                    scanner.advance()
                }
                guard !name.isEmpty else {
                    throw .invalidCharacter("$." + String(scanner.peek().map { String($0) } ?? ""))
                }
                steps.append(.member(name))
            } else if next == "[" {
                scanner.advance()
                var digits = ""
                while let character = scanner.peek(), character.isNumber {
                    digits.append(character)
                    scanner.advance()
                }
                guard let index = Int(digits), scanner.consume("]") else { throw Self.invalid }
                steps.append(.index(index))
            } else {
                break
            }
        }
        guard !steps.isEmpty else { throw Self.invalid }
        return JSONSelector(steps: steps)
    }

    private mutating func value() throws(FilterPatternError) -> PatternValue {
        if scanner.peek() == "\"" { return .text(try scanner.quoted()) }
        var token = ""
        while let character = scanner.peek(), !character.isWhitespace, character != ")", character != "}", character != "&",
            character != "|"
        {
            token.append(character)
            scanner.advance()
        }
        guard !token.isEmpty else { throw Self.invalid }
        return PatternValue.parse(unquoted: token)
    }
}
