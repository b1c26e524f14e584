import Foundation

/// Velocity 1.7's lexer and parser, written by hand over the template's UTF-8 bytes (every character the grammar
/// names is ASCII).
///
/// It follows the lexical rules of Velocity's `Parser.jjt`, which decide the output's whitespace:
/// - a directive's closing `)` eats the spaces, tabs and one newline after it (`#if(…)`, `#foreach(…)`, `#set(…)`);
/// - `#else` and `#end` eat the spaces, tabs and newline after them;
/// - `#set` also eats the spaces and tabs before it when they start a token (after a newline a directive ate, or at
///   the start of the template), so a `#set` alone on an indented line leaves nothing;
/// - `##` comments eat their newline, `#* *#` comments do not;
/// - references are greedy (`$a-b` is one identifier, `$a[` must be an index), `$x.` followed by a non-letter
///   ends the reference.
/// What Velocity's grammar rejects is rejected, with its line and column.
struct TemplateParser {
    private static let dollar = UInt8(ascii: "$")
    private static let hash = UInt8(ascii: "#")
    private static let backslash = UInt8(ascii: "\\")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let singleQuote = UInt8(ascii: "'")

    /// Directives Velocity knows, for its escape rules (`\#if` prints `#if`, `\#foo` prints `\#foo`).
    private static let directiveNames: Set<String> = [
        "if", "else", "elseif", "end", "set", "stop", "foreach", "include", "parse", "macro", "literal", "evaluate",
        "break", "define",
    ]

    private let bytes: [UInt8]
    private var index: Int
    private let end: Int
    private var depth: Int
    private let sourceMap: SourceMap
    /// Set when parsing a string literal whose text had to be rewritten (`""`, `\u0041`): offsets then do not point
    /// into the template, so errors name the literal.
    private let anchor: Int?
    /// Macros defined so far, for calls and escapes.
    private(set) var macros: [String: TemplateMacro] = [:]

    /// A parser for a whole template.
    init(source: [UInt8], sourceMap: SourceMap) {
        self.init(bytes: source, range: 0..<source.count, depth: 0, sourceMap: sourceMap, anchor: nil, macros: [:])
    }

    private init(
        bytes: [UInt8], range: Range<Int>, depth: Int, sourceMap: SourceMap, anchor: Int?, macros: [String: TemplateMacro]
    ) {
        self.bytes = bytes
        self.index = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
        self.sourceMap = sourceMap
        self.anchor = anchor
        self.macros = macros
    }

    /// Parses everything up to the end: a stray `#end`, `#else` or `#elseif` is an error.
    mutating func parseDocument() throws(MappingTemplateError) -> [TemplateNode] {
        let (nodes, terminator) = try parseStatements()
        switch terminator {
        case .endOfInput: return nodes
        case .end(let offset): throw failure("#end without a matching #if, #foreach, #define or #macro", at: offset)
        case .otherwise(let offset): throw failure("#else without a matching #if", at: offset)
        case .elseIf(_, let offset): throw failure("#elseif without a matching #if", at: offset)
        }
    }

    // MARK: - Statements

    /// What ended a run of statements.
    private enum Terminator {
        case endOfInput
        case end(Int)
        case otherwise(Int)
        case elseIf(Expression, Int)
    }

    /// Collects nodes, merging adjacent text.
    private struct NodeBuilder {
        var nodes: [TemplateNode] = []
        var text: [UInt8] = []

        mutating func append(_ node: TemplateNode) {
            flush()
            nodes.append(node)
        }

        mutating func appendText(_ slice: ArraySlice<UInt8>) { text.append(contentsOf: slice) }
        mutating func appendText(_ string: String) { text.append(contentsOf: string.utf8) }

        mutating func flush() {
            guard !text.isEmpty else { return }
            nodes.append(.text(String(decoding: text, as: UTF8.self)))
            text.removeAll(keepingCapacity: true)
        }

        mutating func finish() -> [TemplateNode] {
            flush()
            return nodes
        }
    }

    /// Statements until the end of the input or a `#end`, `#else` or `#elseif`, which the caller judges.
    private mutating func parseStatements() throws(MappingTemplateError) -> ([TemplateNode], Terminator) {
        try enter(at: index)
        defer { depth -= 1 }
        var builder = NodeBuilder()
        while index < end {
            if let (hashOffset, afterParenthesis) = setDirectiveOpening() {
                builder.append(try parseSet(hashOffset: hashOffset, afterParenthesis: afterParenthesis))
                continue
            }
            switch bytes[index] {
            case Self.dollar:
                if let reference = try parseReference(backslashes: 0) {
                    builder.append(.reference(reference))
                } else {
                    builder.appendText("$")
                    index += 1
                }
            case Self.hash:
                if let terminator = try parseHash(into: &builder) { return (builder.finish(), terminator) }
            case Self.backslash:
                try parseBackslashes(into: &builder)
            default:
                let start = index
                while index < end, !Self.isSpecial(bytes[index]) { index += 1 }
                builder.appendText(bytes[start..<index])
            }
        }
        return (builder.finish(), .endOfInput)
    }

    /// `#set(` with the spaces and tabs before it (Velocity's SET_DIRECTIVE token), at a token boundary.
    /// - Returns: the offset of the `#` and of what follows the `(`.
    private func setDirectiveOpening() -> (Int, Int)? {
        var cursor = index
        while let byte = byte(at: cursor), byte == Self.space || byte == Self.tab { cursor += 1 }
        guard byte(at: cursor) == Self.hash else { return nil }
        let hashOffset = cursor
        if matches("set", at: cursor + 1) {
            cursor += 4
        } else if matches("{set}", at: cursor + 1) {
            cursor += 6
        } else {
            return nil
        }
        while byte(at: cursor) == Self.space { cursor += 1 }
        guard byte(at: cursor) == UInt8(ascii: "(") else { return nil }
        return (hashOffset, cursor + 1)
    }

    /// `#set( $target = expression )`.
    private mutating func parseSet(hashOffset: Int, afterParenthesis: Int) throws(MappingTemplateError) -> TemplateNode {
        index = afterParenthesis
        skipWhitespace()
        guard byte(at: index) == Self.dollar, let target = try parseReference(backslashes: 0) else {
            throw failure("#set needs a reference to assign, as in #set($x = 1)", at: index)
        }
        skipWhitespace()
        guard byte(at: index) == UInt8(ascii: "="), byte(at: index + 1) != UInt8(ascii: "=") else {
            throw failure("Expected '=' in #set", at: index)
        }
        index += 1
        let value = try parseExpression()
        try expectClosingParenthesis(of: "#set")
        return .set(target: target, value: value, position: SourcePosition(offset: position(hashOffset)))
    }

    /// What starts with `#`: comments, `#[[…]]#`, directives, or a plain `#`.
    private mutating func parseHash(into builder: inout NodeBuilder) throws(MappingTemplateError) -> Terminator? {
        let start = index
        let next = byte(at: index + 1)
        if next == Self.hash {
            index += 2
            while index < end {
                let byte = bytes[index]
                index += 1
                if byte == Self.newline { break }
                if byte == Self.carriageReturn {
                    if self.byte(at: index) == Self.newline { index += 1 }
                    break
                }
            }
            return nil
        }
        if next == UInt8(ascii: "*") {
            guard let close = find("*#", from: index + 2) else { throw failure("Unterminated #* comment", at: start) }
            index = close + 2
            return nil
        }
        if next == UInt8(ascii: "["), byte(at: index + 2) == UInt8(ascii: "[") {
            guard let close = find("]]#", from: index + 3) else { throw failure("Unterminated #[[ literal", at: start) }
            builder.appendText(bytes[(index + 3)..<close])
            index = close + 3
            return nil
        }
        guard let name = directiveName(at: index + 1) else {
            builder.appendText("#")
            index += 1
            return nil
        }
        index = name.end
        switch name.text {
        case "end":
            eatLineEnd()
            return .end(start)
        case "else":
            eatLineEnd()
            return .otherwise(start)
        case "elseif":
            return .elseIf(try parseCondition(of: "#elseif"), start)
        case "if":
            builder.append(try parseIf(at: start))
        case "stop":
            builder.append(.stop)
        default:
            try parseDirective(name.text, at: start, into: &builder)
        }
        return nil
    }

    /// `#if(condition) … [#elseif(condition) …]* [#else …] #end`.
    private mutating func parseIf(at start: Int) throws(MappingTemplateError) -> TemplateNode {
        var condition = try parseCondition(of: "#if")
        var branches: [ConditionalBranch] = []
        var (body, terminator) = try parseStatements()
        while true {
            branches.append(ConditionalBranch(condition: condition, body: body))
            switch terminator {
            case .end:
                return .conditional(branches: branches, otherwise: nil)
            case .elseIf(let next, _):
                condition = next
                (body, terminator) = try parseStatements()
            case .otherwise:
                let (otherwise, after) = try parseStatements()
                switch after {
                case .end: return .conditional(branches: branches, otherwise: otherwise)
                case .endOfInput: throw failure("#if without a matching #end", at: start)
                case .otherwise(let offset), .elseIf(_, let offset): throw failure("#else or #elseif after #else", at: offset)
                }
            case .endOfInput:
                throw failure("#if without a matching #end", at: start)
            }
        }
    }

    /// `[whitespace] ( expression )` after `#if` or `#elseif`.
    private mutating func parseCondition(of directive: String) throws(MappingTemplateError) -> Expression {
        skipWhitespace()
        guard byte(at: index) == UInt8(ascii: "(") else { throw failure("Expected '(' after \(directive)", at: index) }
        index += 1
        let condition = try parseExpression()
        try expectClosingParenthesis(of: directive)
        return condition
    }

    /// A directive other than `#if`, `#set` and the keywords: `#foreach`, `#define`, `#macro`, `#break`, `#literal`,
    /// the unsupported ones, a macro call, or a word after `#` that is just text (`#fff`).
    private mutating func parseDirective(_ name: String, at start: Int, into builder: inout NodeBuilder) throws(MappingTemplateError) {
        let afterName = index
        guard isLeftParenthesis() else {
            switch name {
            case "break":
                builder.append(.breakLoop(scope: nil, position: SourcePosition(offset: position(start))))
            case "foreach", "define", "macro", "literal", "evaluate", "parse", "include":
                throw failure("#\(name) needs arguments in parentheses", at: start)
            default:
                builder.appendText(bytes[start..<afterName])
            }
            return
        }
        skipWhitespace()
        index += 1
        var arguments: [Expression] = []
        while true {
            skipWhitespace()
            if byte(at: index) == UInt8(ascii: ",") {
                index += 1
                skipWhitespace()
            }
            guard let byte = byte(at: index) else { throw failure("Unterminated #\(name)(", at: start) }
            if byte == UInt8(ascii: ")") { break }
            arguments.append(try parseDirectiveArgument())
        }
        index += 1
        eatLineEnd()
        let here = SourcePosition(offset: position(start))
        switch name {
        case "foreach":
            guard arguments.count == 3, case .reference(let variable) = arguments[0], variable.accessors.isEmpty,
                case .word("in") = arguments[1]
            else { throw failure("#foreach expects ($item in $collection)", at: start) }
            let body = try parseBlockBody(of: name, at: start).nodes
            builder.append(.loop(variable: variable.root, iterable: arguments[2], body: body, position: here))
        case "define":
            guard arguments.count == 1, case .reference(let variable) = arguments[0], variable.accessors.isEmpty else {
                throw failure("#define expects one reference, as in #define($block)", at: start)
            }
            builder.append(.define(name: variable.root, body: try parseBlockBody(of: name, at: start).nodes))
        case "macro":
            guard case .word(let macroName)? = arguments.first else {
                throw failure("#macro expects a name first, as in #macro(name $argument)", at: start)
            }
            var parameters: [String] = []
            for argument in arguments.dropFirst() {
                guard case .reference(let parameter) = argument, parameter.accessors.isEmpty else {
                    throw failure("#macro's parameters must be references, as in #macro(name $argument)", at: start)
                }
                parameters.append(parameter.root)
            }
            let body = try parseBlockBody(of: name, at: start).nodes
            macros[macroName] = TemplateMacro(parameters: parameters, body: body)
        case "break":
            switch arguments.count {
            case 0: builder.append(.breakLoop(scope: nil, position: here))
            case 1:
                guard case .reference(let scope) = arguments[0] else {
                    throw failure("#break expects a scope, as in #break($foreach)", at: start)
                }
                builder.append(.breakLoop(scope: scope, position: here))
            default: throw failure("#break takes at most one argument", at: start)
            }
        case "literal":
            let bodyStart = index
            let endOffset = try parseBlockBody(of: name, at: start).endOffset
            builder.append(.literalBlock(String(decoding: bytes[bodyStart..<endOffset], as: UTF8.self)))
        case "evaluate", "parse", "include":
            builder.append(.unsupported(directive: name, position: here))
        default:
            let literal = String(decoding: bytes[start..<index], as: UTF8.self)
            builder.append(.macroCall(name: name, arguments: arguments, literal: literal, position: here))
        }
    }

    /// A block directive's body, up to its `#end`.
    private mutating func parseBlockBody(
        of name: String, at start: Int
    ) throws(MappingTemplateError) -> (nodes: [TemplateNode], endOffset: Int) {
        let (body, terminator) = try parseStatements()
        switch terminator {
        case .end(let offset): return (body, offset)
        case .endOfInput: throw failure("#\(name) without a matching #end", at: start)
        case .otherwise(let offset): throw failure("#else without a matching #if", at: offset)
        case .elseIf(_, let offset): throw failure("#elseif without a matching #if", at: offset)
        }
    }

    /// Backslashes: before `$` they escape the reference (the renderer decides what prints); before a known
    /// directive an odd number prints the directive as text and an even number is halved.
    private mutating func parseBackslashes(into builder: inout NodeBuilder) throws(MappingTemplateError) {
        let start = index
        while byte(at: index) == Self.backslash { index += 1 }
        let count = index - start
        if byte(at: index) == Self.dollar {
            if let reference = try parseReference(backslashes: count) {
                builder.append(.reference(reference))
            } else {
                builder.appendText(bytes[start...index])
                index += 1
            }
            return
        }
        guard byte(at: index) == Self.hash, let name = directiveName(at: index + 1) else {
            builder.appendText(bytes[start..<index])
            return
        }
        let known = Self.directiveNames.contains(name.text) || macros[name.text] != nil
        if count % 2 == 1 {
            if known {
                builder.appendText(String(repeating: "\\", count: count / 2))
                builder.appendText(bytes[index..<name.end])
            } else {
                builder.appendText(bytes[start..<name.end])
            }
            index = name.end
            return
        }
        let control = known && name.text != "set"
        builder.appendText(String(repeating: "\\", count: control ? count / 2 : count))
    }

    // MARK: - References

    /// A reference at a `$`, or nil when what follows is not one (`$5`, `$ `, `${ x}`): the caller prints it.
    /// - Parameter backslashes: the backslashes before the `$`.
    private mutating func parseReference(backslashes: Int) throws(MappingTemplateError) -> ReferenceNode? {
        let start = index
        var cursor = index + 1
        var quiet = false
        if byte(at: cursor) == UInt8(ascii: "!") {
            quiet = true
            cursor += 1
        }
        var formal = false
        if byte(at: cursor) == UInt8(ascii: "{") {
            guard let first = byte(at: cursor + 1), Self.isIdentifierStart(first) else { return nil }
            formal = true
            cursor += 1
        }
        guard let first = byte(at: cursor), Self.isIdentifierStart(first) else { return nil }
        let rootStart = cursor
        while let byte = byte(at: cursor), Self.isIdentifierCharacter(byte) { cursor += 1 }
        let root = text(rootStart..<cursor)
        index = cursor
        try enter(at: start)
        defer { depth -= 1 }
        var accessors: [Accessor] = []
        while let byte = byte(at: index) {
            if byte == UInt8(ascii: "[") {
                let open = index
                index += 1
                let key = try parseIndexParameter()
                guard self.byte(at: index) == UInt8(ascii: "]") else { throw failure("Expected ']' to close the index", at: index) }
                index += 1
                accessors.append(.index(key, SourcePosition(offset: position(open))))
            } else if byte == UInt8(ascii: "."), let next = self.byte(at: index + 1), Self.isLetter(next) {
                index += 1
                let nameStart = index
                while let byte = self.byte(at: index), Self.isIdentifierCharacter(byte) { index += 1 }
                let name = text(nameStart..<index)
                if self.byte(at: index) == UInt8(ascii: "(") {
                    index += 1
                    let arguments = try parseMethodArguments(at: nameStart)
                    accessors.append(.method(name, arguments, SourcePosition(offset: position(nameStart))))
                } else {
                    accessors.append(.property(name))
                }
            } else {
                break
            }
        }
        if formal {
            guard byte(at: index) == UInt8(ascii: "}") else { throw failure("Expected '}' to close ${", at: index) }
            index += 1
        }
        return ReferenceNode(
            root: root,
            accessors: accessors,
            quiet: quiet,
            backslashes: backslashes,
            literal: text(start..<index),
            position: SourcePosition(offset: position(start))
        )
    }

    /// A reference where one is required (directive arguments, expressions).
    private mutating func parseRequiredReference() throws(MappingTemplateError) -> ReferenceNode {
        let start = index
        guard let reference = try parseReference(backslashes: 0) else { throw failure("Expected a reference after '$'", at: start) }
        return reference
    }

    /// `( [parameter (, parameter)*] )` of a method call, after the `(`.
    private mutating func parseMethodArguments(at start: Int) throws(MappingTemplateError) -> [Expression] {
        var arguments: [Expression] = []
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: ")") {
            index += 1
            return arguments
        }
        while true {
            arguments.append(try parseParameter())
            guard let byte = byte(at: index) else { throw failure("Unterminated method call", at: start) }
            if byte == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: ")") {
                index += 1
                return arguments
            }
            throw failure("Expected ',' or ')' in a method's arguments", at: index)
        }
    }

    // MARK: - Arguments and expressions

    /// A method argument, list element or map key or value: a literal or a reference, not an operation
    /// (Velocity's Parameter production).
    private mutating func parseParameter() throws(MappingTemplateError) -> Expression {
        skipWhitespace()
        let value = try parseOperand(allowWord: false)
        skipWhitespace()
        return value
    }

    /// An argument of `#foreach`, `#define`, `#macro`, `#break` or a macro call: a parameter or a bare word.
    private mutating func parseDirectiveArgument() throws(MappingTemplateError) -> Expression {
        skipWhitespace()
        return try parseOperand(allowWord: true)
    }

    /// An index: a string, integer, boolean or reference.
    private mutating func parseIndexParameter() throws(MappingTemplateError) -> Expression {
        skipWhitespace()
        let start = index
        let value = try parseOperand(allowWord: false)
        switch value {
        case .string, .interpolated, .integer, .bigNumber, .bool, .null, .reference: break
        default: throw failure("An index must be a string, an integer, a boolean or a reference", at: start)
        }
        skipWhitespace()
        return value
    }

    /// A literal or a reference.
    private mutating func parseOperand(allowWord: Bool) throws(MappingTemplateError) -> Expression {
        guard let byte = byte(at: index) else { throw failure("Expected a value before the end of the template", at: index) }
        switch byte {
        case Self.doubleQuote, Self.singleQuote: return try parseStringLiteral()
        case Self.dollar: return .reference(try parseRequiredReference())
        case UInt8(ascii: "["): return try parseListOrRange()
        case UInt8(ascii: "{"): return try parseMap()
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            guard Self.isWordStart(byte) else { throw failure("Unexpected '\(Self.describe(byte))'", at: index) }
            let start = index
            let word = readWord()
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                guard allowWord else { throw failure("Unexpected '\(word)'", at: start) }
                return .word(word)
            }
        }
    }

    /// An expression of `#if`, `#elseif` or `#set`.
    private mutating func parseExpression() throws(MappingTemplateError) -> Expression {
        try enter(at: index)
        defer { depth -= 1 }
        return try parseOr()
    }

    private mutating func parseOr() throws(MappingTemplateError) -> Expression {
        let first = try parseAnd()
        var steps: [OperationStep] = []
        while consumeOperator("||", word: "or") { steps.append(OperationStep(operation: .or, operand: try parseAnd())) }
        return steps.isEmpty ? first : .operation(first, steps)
    }

    private mutating func parseAnd() throws(MappingTemplateError) -> Expression {
        let first = try parseEquality()
        var steps: [OperationStep] = []
        while consumeOperator("&&", word: "and") { steps.append(OperationStep(operation: .and, operand: try parseEquality())) }
        return steps.isEmpty ? first : .operation(first, steps)
    }

    private mutating func parseEquality() throws(MappingTemplateError) -> Expression {
        let first = try parseRelational()
        var steps: [OperationStep] = []
        while true {
            let operation: BinaryOperator
            if consumeOperator("==", word: "eq") {
                operation = .equal
            } else if consumeOperator("!=", word: "ne") {
                operation = .notEqual
            } else {
                break
            }
            steps.append(OperationStep(operation: operation, operand: try parseRelational()))
        }
        return steps.isEmpty ? first : .operation(first, steps)
    }

    private mutating func parseRelational() throws(MappingTemplateError) -> Expression {
        let first = try parseAdditive()
        var steps: [OperationStep] = []
        while true {
            let operation: BinaryOperator
            if consumeOperator("<=", word: "le") {
                operation = .lessOrEqual
            } else if consumeOperator(">=", word: "ge") {
                operation = .greaterOrEqual
            } else if consumeOperator("<", word: "lt") {
                operation = .less
            } else if consumeOperator(">", word: "gt") {
                operation = .greater
            } else {
                break
            }
            steps.append(OperationStep(operation: operation, operand: try parseAdditive()))
        }
        return steps.isEmpty ? first : .operation(first, steps)
    }

    private mutating func parseAdditive() throws(MappingTemplateError) -> Expression {
        let first = try parseMultiplicative()
        var steps: [OperationStep] = []
        while true {
            skipWhitespace()
            let operation: BinaryOperator
            if byte(at: index) == UInt8(ascii: "+") {
                operation = .add
            } else if byte(at: index) == UInt8(ascii: "-"), !startsNumber(at: index + 1) {
                // `-` before a digit lexes as a negative number, as in Velocity (`5 -1` is an error).
                operation = .subtract
            } else {
                break
            }
            index += 1
            steps.append(OperationStep(operation: operation, operand: try parseMultiplicative()))
        }
        return steps.isEmpty ? first : .operation(first, steps)
    }

    private mutating func parseMultiplicative() throws(MappingTemplateError) -> Expression {
        let first = try parseUnary()
        var steps: [OperationStep] = []
        while true {
            skipWhitespace()
            let operation: BinaryOperator
            switch byte(at: index) {
            case UInt8(ascii: "*"): operation = .multiply
            case UInt8(ascii: "/"): operation = .divide
            case UInt8(ascii: "%"): operation = .modulo
            default: return steps.isEmpty ? first : .operation(first, steps)
            }
            index += 1
            steps.append(OperationStep(operation: operation, operand: try parseUnary()))
        }
    }

    private mutating func parseUnary() throws(MappingTemplateError) -> Expression {
        try enter(at: index)
        defer { depth -= 1 }
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: "!"), byte(at: index + 1) != UInt8(ascii: "=") {
            index += 1
            return .not(try parseUnary())
        }
        if consumeWord("not") { return .not(try parseUnary()) }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(MappingTemplateError) -> Expression {
        skipWhitespace()
        let value: Expression
        if byte(at: index) == UInt8(ascii: "(") {
            index += 1
            let inner = try parseExpression()
            skipWhitespace()
            guard byte(at: index) == UInt8(ascii: ")") else { throw failure("Expected ')'", at: index) }
            index += 1
            value = .group(inner)
        } else {
            value = try parseOperand(allowWord: false)
        }
        skipWhitespace()
        return value
    }

    /// After an expression: `[whitespace] )` and, as Velocity's RPAREN token, the spaces, tabs and newline after it.
    private mutating func expectClosingParenthesis(of directive: String) throws(MappingTemplateError) {
        skipWhitespace()
        guard byte(at: index) == UInt8(ascii: ")") else { throw failure("Expected ')' to close \(directive)", at: index) }
        index += 1
        eatLineEnd()
    }

    /// An operator, after whitespace: its symbol, or its word when the whole word matches (`and`, not `android`).
    private mutating func consumeOperator(_ symbol: StaticString, word: String) -> Bool {
        skipWhitespace()
        if matches(symbol, at: index) {
            index += symbol.utf8CodeUnitCount
            return true
        }
        return consumeWord(word)
    }

    private mutating func consumeWord(_ word: String) -> Bool {
        guard let first = byte(at: index), Self.isWordStart(first) else { return false }
        let start = index
        if readWord() == word { return true }
        index = start
        return false
    }

    /// `[a, b]` or `[a..b]` (whose ends are integers or references).
    private mutating func parseListOrRange() throws(MappingTemplateError) -> Expression {
        let start = index
        try enter(at: start)
        defer { depth -= 1 }
        index += 1
        let afterBracket = index
        skipWhitespace()
        if let byte = byte(at: index), byte == Self.dollar || Self.isDigit(byte) || byte == UInt8(ascii: "-") {
            let first = try parseRangeEnd()
            skipWhitespace()
            if let first, matches("..", at: index) {
                index += 2
                skipWhitespace()
                guard let last = try parseRangeEnd() else { throw failure("A range's ends must be integers or references", at: index) }
                skipWhitespace()
                guard self.byte(at: index) == UInt8(ascii: "]") else { throw failure("Expected ']' to close the range", at: index) }
                index += 1
                return .range(first, last)
            }
            index = afterBracket
        }
        var items: [Expression] = []
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: "]") {
            index += 1
            return .list(items)
        }
        while true {
            items.append(try parseParameter())
            guard let byte = byte(at: index) else { throw failure("Unterminated list", at: start) }
            if byte == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "]") {
                index += 1
                return .list(items)
            }
            throw failure("Expected ',' or ']' in a list", at: index)
        }
    }

    /// An integer or a reference, or nil (having consumed it) for anything else.
    private mutating func parseRangeEnd() throws(MappingTemplateError) -> Expression? {
        if byte(at: index) == Self.dollar { return .reference(try parseRequiredReference()) }
        guard startsNumber(at: index) || (byte(at: index) == UInt8(ascii: "-") && startsNumber(at: index + 1)) else { return nil }
        switch try parseNumber() {
        case .integer(let value): return .integer(value)
        case .bigNumber(let text) where !text.contains(".") && !text.lowercased().contains("e"): return .bigNumber(text)
        default: return nil
        }
    }

    /// `{key: value, …}`.
    private mutating func parseMap() throws(MappingTemplateError) -> Expression {
        let start = index
        try enter(at: start)
        defer { depth -= 1 }
        index += 1
        var entries: [MapLiteralEntry] = []
        skipWhitespace()
        if byte(at: index) == UInt8(ascii: "}") {
            index += 1
            return .map(entries)
        }
        while true {
            let key = try parseParameter()
            guard byte(at: index) == UInt8(ascii: ":") else { throw failure("Expected ':' after a map key", at: index) }
            index += 1
            entries.append(MapLiteralEntry(key: key, value: try parseParameter()))
            guard let byte = byte(at: index) else { throw failure("Unterminated map", at: start) }
            if byte == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "}") {
                index += 1
                return .map(entries)
            }
            throw failure("Expected ',' or '}' in a map", at: index)
        }
    }

    /// An integer (`-12`) or floating-point (`1.5`, `.5`, `1.`, `2e3`) literal; `1..` is the integer of a range.
    private mutating func parseNumber() throws(MappingTemplateError) -> Expression {
        let start = index
        if byte(at: index) == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        while let byte = byte(at: index), Self.isDigit(byte) { index += 1 }
        let hasInteger = index > integerStart
        var isFloat = false
        if byte(at: index) == UInt8(ascii: "."), byte(at: index + 1) != UInt8(ascii: "."),
            hasInteger || (byte(at: index + 1).map(Self.isDigit) ?? false)
        {
            isFloat = true
            index += 1
            while let byte = byte(at: index), Self.isDigit(byte) { index += 1 }
        }
        guard hasInteger || isFloat else { throw failure("Expected a number", at: start) }
        if let marker = byte(at: index), marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            var cursor = index + 1
            if let sign = byte(at: cursor), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { cursor += 1 }
            if let digit = byte(at: cursor), Self.isDigit(digit) {
                isFloat = true
                index = cursor
                while let byte = byte(at: index), Self.isDigit(byte) { index += 1 }
            }
        }
        let literal = text(start..<index)
        guard isFloat else {
            if let value = Int(literal) { return .integer(value) }
            return .bigNumber(literal)
        }
        var normalized = literal.replacingOccurrences(of: ".e", with: ".0e").replacingOccurrences(of: ".E", with: ".0E")
        if normalized.hasSuffix(".") { normalized += "0" }
        if normalized.hasPrefix(".") { normalized = "0" + normalized }
        if normalized.hasPrefix("-.") { normalized = "-0" + normalized.dropFirst() }
        if let value = Double(normalized), value.isFinite { return .double(value) }
        return .bigNumber(normalized)
    }

    /// Whether a number literal starts here (a digit, or `.` and a digit).
    private func startsNumber(at offset: Int) -> Bool {
        guard let byte = byte(at: offset) else { return false }
        if Self.isDigit(byte) { return true }
        return byte == UInt8(ascii: ".") && (self.byte(at: offset + 1).map(Self.isDigit) ?? false)
    }

    // MARK: - String literals

    /// A string literal. Single-quoted ones are taken as written (`''` is a quote); double-quoted ones turn `""`
    /// into a quote and `\uXXXX` into its character, and are rendered as templates when they hold `$` or `#`.
    /// Other backslashes stay, as in Velocity.
    private mutating func parseStringLiteral() throws(MappingTemplateError) -> Expression {
        let start = index
        let quote = bytes[index]
        guard let close = stringEnd(from: start, quote: quote) else { throw failure("Unterminated string literal", at: start) }
        let content = bytes[(start + 1)..<close]
        index = close + 1
        guard quote == Self.doubleQuote else {
            return .string(String(decoding: Self.undoubled(content, quote: quote), as: UTF8.self))
        }
        let needsRewrite = Self.containsDoubled(content, quote: quote) || Self.containsUnicodeEscape(content)
        let rewritten = needsRewrite ? Self.unescaped(content) : Array(content)
        guard rewritten.contains(Self.dollar) || rewritten.contains(Self.hash) else {
            return .string(String(decoding: rewritten, as: UTF8.self))
        }
        var parser =
            needsRewrite
            ? TemplateParser(
                bytes: rewritten, range: 0..<rewritten.count, depth: depth + 1, sourceMap: sourceMap,
                anchor: position(start), macros: macros)
            : TemplateParser(
                bytes: bytes, range: (start + 1)..<close, depth: depth + 1, sourceMap: sourceMap, anchor: anchor, macros: macros)
        let nodes = try parser.parseDocument()
        macros = parser.macros
        return .interpolated(nodes)
    }

    /// The offset of the quote that closes a literal. Velocity's lexer lets a backslash escape a double quote, but
    /// when that leaves the literal unterminated the backslash is an ordinary character.
    private func stringEnd(from start: Int, quote: UInt8) -> Int? {
        if quote == Self.doubleQuote {
            var cursor = start + 1
            while cursor < end {
                let byte = bytes[cursor]
                if byte == quote {
                    if self.byte(at: cursor + 1) == quote {
                        cursor += 2
                        continue
                    }
                    return cursor
                }
                if byte == Self.backslash, let next = self.byte(at: cursor + 1), Self.isEscapable(next) {
                    cursor += 2
                    continue
                }
                cursor += 1
            }
        }
        var cursor = start + 1
        while cursor < end {
            if bytes[cursor] == quote {
                if byte(at: cursor + 1) == quote {
                    cursor += 2
                    continue
                }
                return cursor
            }
            cursor += 1
        }
        return nil
    }

    private static func isEscapable(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "b"), UInt8(ascii: "r"), UInt8(ascii: "f"), backslash,
            singleQuote, doubleQuote, UInt8(ascii: "u"), UInt8(ascii: "0")...UInt8(ascii: "7"):
            true
        default: false
        }
    }

    private static func containsDoubled(_ content: ArraySlice<UInt8>, quote: UInt8) -> Bool {
        var previous: UInt8 = 0
        for byte in content {
            if byte == quote, previous == quote { return true }
            previous = byte
        }
        return false
    }

    private static func containsUnicodeEscape(_ content: ArraySlice<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in content {
            if byte == UInt8(ascii: "u"), previous == backslash { return true }
            previous = byte
        }
        return false
    }

    /// `''` (or `""`) as one quote.
    private static func undoubled(_ content: ArraySlice<UInt8>, quote: UInt8) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(content.count)
        var cursor = content.startIndex
        while cursor < content.endIndex {
            result.append(content[cursor])
            if content[cursor] == quote, cursor + 1 < content.endIndex, content[cursor + 1] == quote { cursor += 1 }
            cursor += 1
        }
        return result
    }

    /// A double-quoted literal's text: `""` as a quote, `\uXXXX` (and surrogate pairs) as characters.
    private static func unescaped(_ content: ArraySlice<UInt8>) -> [UInt8] {
        let bytes = undoubled(content, quote: doubleQuote)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var cursor = 0
        var pendingHigh: UInt32?
        func flushHigh() {
            if pendingHigh != nil {
                result.append(contentsOf: Array("\u{FFFD}".utf8))
                pendingHigh = nil
            }
        }
        while cursor < bytes.count {
            if bytes[cursor] == backslash, cursor + 6 <= bytes.count, bytes[cursor + 1] == UInt8(ascii: "u"),
                let unit = hexValue(bytes[(cursor + 2)..<(cursor + 6)])
            {
                cursor += 6
                if (0xD800...0xDBFF).contains(unit) {
                    flushHigh()
                    pendingHigh = unit
                    continue
                }
                var scalar: Unicode.Scalar?
                if (0xDC00...0xDFFF).contains(unit), let high = pendingHigh {
                    scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                    pendingHigh = nil
                } else {
                    flushHigh()
                    scalar = Unicode.Scalar(unit)
                }
                result.append(contentsOf: Array(String(Character(scalar ?? "\u{FFFD}")).utf8))
                continue
            }
            flushHigh()
            result.append(bytes[cursor])
            cursor += 1
        }
        flushHigh()
        return result
    }

    private static func hexValue(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard digits.count == 4 else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * 16 + digit
        }
        return value
    }

    // MARK: - Lexical helpers

    private func byte(at offset: Int) -> UInt8? { offset < end ? bytes[offset] : nil }

    private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    private func matches(_ literal: StaticString, at offset: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= end else { return false }
        return literal.withUTF8Buffer { expected in (0..<count).allSatisfy { bytes[offset + $0] == expected[$0] } }
    }

    private func find(_ literal: StaticString, from offset: Int) -> Int? {
        var cursor = offset
        while cursor < end {
            if matches(literal, at: cursor) { return cursor }
            cursor += 1
        }
        return nil
    }

    /// A directive's name after `#`: a word (`foreach`, `@block`) or a bracketed word (`{foreach}`).
    private func directiveName(at offset: Int) -> (text: String, end: Int)? {
        if byte(at: offset) == UInt8(ascii: "{") {
            guard let first = byte(at: offset + 1), Self.isLetter(first) || first == UInt8(ascii: "_") else { return nil }
            var cursor = offset + 2
            while let byte = byte(at: cursor), Self.isDirectiveCharacter(byte) { cursor += 1 }
            guard byte(at: cursor) == UInt8(ascii: "}") else { return nil }
            return (text((offset + 1)..<cursor), cursor + 1)
        }
        guard let first = byte(at: offset), Self.isWordStart(first) else { return nil }
        var cursor = offset + 1
        while let byte = byte(at: cursor), Self.isDirectiveCharacter(byte) { cursor += 1 }
        return (text(offset..<cursor), cursor)
    }

    private mutating func readWord() -> String {
        let start = index
        index += 1
        while let byte = byte(at: index), Self.isDirectiveCharacter(byte) { index += 1 }
        return text(start..<index)
    }

    /// Whether `(` follows, after any whitespace (newlines included, as Velocity's lookahead does).
    private func isLeftParenthesis() -> Bool {
        var cursor = index
        while let byte = byte(at: cursor), Self.isWhitespace(byte) { cursor += 1 }
        return byte(at: cursor) == UInt8(ascii: "(")
    }

    private mutating func skipWhitespace() {
        while let byte = byte(at: index), Self.isWhitespace(byte) { index += 1 }
    }

    /// Spaces and tabs up to and including one newline, if a newline follows them.
    private mutating func eatLineEnd() {
        var cursor = index
        while let byte = byte(at: cursor), byte == Self.space || byte == Self.tab { cursor += 1 }
        if byte(at: cursor) == Self.newline {
            index = cursor + 1
        } else if byte(at: cursor) == Self.carriageReturn {
            index = cursor + 1
            if byte(at: index) == Self.newline { index += 1 }
        }
    }

    /// One more level of nesting, refused beyond ``MappingTemplate/maximumParseDepth``.
    private mutating func enter(at offset: Int) throws(MappingTemplateError) {
        depth += 1
        guard depth <= MappingTemplate.maximumParseDepth else {
            throw failure("The template nests more than \(MappingTemplate.maximumParseDepth) levels deep", at: offset)
        }
    }

    /// The template offset errors name for an offset of the text being parsed.
    private func position(_ offset: Int) -> Int { anchor ?? offset }

    private func failure(_ message: String, at offset: Int) -> MappingTemplateError {
        sourceMap.error(.syntax, message, at: SourcePosition(offset: position(offset)))
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }

    private static func isSpecial(_ byte: UInt8) -> Bool { byte == dollar || byte == hash || byte == backslash }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab || byte == newline || byte == carriageReturn
    }
    private static func isIdentifierStart(_ byte: UInt8) -> Bool { isLetter(byte) || byte == UInt8(ascii: "_") }
    /// Velocity 1.7 identifiers take hyphens: `$partition-key` is one name.
    private static func isIdentifierCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
    private static func isWordStart(_ byte: UInt8) -> Bool { isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "@") }
    private static func isDirectiveCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "@")
    }
}
