import Foundation

/// A space-delimited pattern: `[ip, user, ..., status = 404, size > 1000]`.
///
/// Each name takes one field of the message in order; `...` takes any number of fields. Without `...` the message
/// must have exactly as many fields as the pattern has names. Fields are separated by spaces; text between `"` and
/// `"` or `[` and `]` is one field (without its delimiters).
struct DelimitedPattern: Sendable, Equatable {
    enum Slot: Sendable, Equatable {
        case field(String)
        case ellipsis
    }

    indirect enum Condition: Sendable, Equatable {
        case compare(String, ComparisonOperator, PatternValue)
        case and(Condition, Condition)
        case or(Condition, Condition)
    }

    var slots: [Slot]
    var conditions: [Condition]

    func matches(_ message: String) -> Bool {
        let fields = Self.fields(of: message)
        return assign(slot: 0, field: 0, fields: fields, bound: [:])
    }

    private func assign(slot: Int, field: Int, fields: [String], bound: [String: String]) -> Bool {
        if slot == slots.count {
            return field == fields.count && conditions.allSatisfy { Self.evaluate($0, bound) }
        }
        switch slots[slot] {
        case .ellipsis:
            for next in field...fields.count where assign(slot: slot + 1, field: next, fields: fields, bound: bound) {
                return true
            }
            return false
        case .field(let name):
            guard field < fields.count else { return false }
            var bound = bound
            bound[name] = fields[field]
            return assign(slot: slot + 1, field: field + 1, fields: fields, bound: bound)
        }
    }

    private static func evaluate(_ condition: Condition, _ bound: [String: String]) -> Bool {
        switch condition {
        case .and(let lhs, let rhs): return evaluate(lhs, bound) && evaluate(rhs, bound)
        case .or(let lhs, let rhs): return evaluate(lhs, bound) || evaluate(rhs, bound)
        case .compare(let name, let op, let value):
            guard let field = bound[name] else { return false }
            if case .number(let expected, _) = value, let number = Double(field) {
                return op.compare(number, expected)
            }
            guard op == .equal || op == .notEqual else { return false }
            let matched = wildcardMatch(value.literal, field)
            return op == .equal ? matched : !matched
        }
    }

    /// The fields of a message: `1.2.3.4 - [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 404` has five.
    static func fields(of message: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var closing: Character?
        var inField = false
        for character in message {
            if let close = closing {
                if character == close {
                    closing = nil
                } else {
                    current.append(character)
                }
            } else if character == " " || character == "\t" {
                if inField {
                    fields.append(current)
                    current = ""
                    inField = false
                }
            } else if character == "\"" || character == "[" {
                closing = character == "\"" ? "\"" : "]"
                inField = true
            } else {
                current.append(character)
                inField = true
            }
        }
        if inField { fields.append(current) }
        return fields
    }
}

struct DelimitedPatternParser {
    var scanner: PatternScanner

    init(_ text: String) { scanner = PatternScanner(text) }

    static let invalid = FilterPatternError.invalid("Invalid filter pattern")

    mutating func parse() throws(FilterPatternError) -> DelimitedPattern {
        guard scanner.consume("[") else { throw Self.invalid }
        var slots: [DelimitedPattern.Slot] = []
        var conditions: [DelimitedPattern.Condition] = []
        scanner.skipSpaces()
        if scanner.consume("]") {
            throw Self.invalid
        }
        while true {
            scanner.skipSpaces()
            if scanner.consume("...") {
                slots.append(.ellipsis)
            } else {
                let name = try self.name()
                slots.append(.field(name))
                scanner.skipSpaces()
                if scanner.peek() != "," && scanner.peek() != "]" {
                    conditions.append(try condition(firstName: name))
                }
            }
            scanner.skipSpaces()
            if scanner.consume(",") { continue }
            guard scanner.consume("]") else { throw Self.invalid }
            break
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw Self.invalid }
        return DelimitedPattern(slots: slots, conditions: conditions)
    }

    private mutating func name() throws(FilterPatternError) -> String {
        var name = ""
        while let character = scanner.peek(), character.isLetter || character.isNumber || character == "_" || character == "-" {
            name.append(character)
            scanner.advance()
        }
        guard !name.isEmpty else {
            guard let character = scanner.peek() else { throw Self.invalid }
            throw .invalidCharacter(String(character))
        }
        return name
    }

    /// `= 404`, `>= 400 && status < 500`, `= 404 || status = 410`: the first comparison's name is the slot's.
    private mutating func condition(firstName: String) throws(FilterPatternError) -> DelimitedPattern.Condition {
        var lhs = try comparison(name: firstName)
        while true {
            scanner.skipSpaces()
            if scanner.consume("&&") {
                scanner.skipSpaces()
                lhs = .and(lhs, try comparison(name: try name()))
            } else if scanner.consume("||") {
                scanner.skipSpaces()
                lhs = .or(lhs, try comparison(name: try name()))
            } else {
                return lhs
            }
        }
    }

    private mutating func comparison(name: String) throws(FilterPatternError) -> DelimitedPattern.Condition {
        scanner.skipSpaces()
        guard let op = ComparisonOperator.spellings.first(where: { scanner.consume($0.rawValue) }) else { throw Self.invalid }
        scanner.skipSpaces()
        let value: PatternValue
        if scanner.peek() == "\"" {
            value = .text(try scanner.quoted())
        } else {
            var token = ""
            while let character = scanner.peek(), !character.isWhitespace, character != ",", character != "]" {
                token.append(character)
                scanner.advance()
            }
            guard !token.isEmpty else { throw Self.invalid }
            value = PatternValue.parse(unquoted: token)
        }
        if case .text = value, op != .equal, op != .notEqual { throw Self.invalid }
        return .compare(name, op, value)
    }
}
