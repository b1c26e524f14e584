/// Where a construct starts in the template: a byte offset, turned into a line and column only when an error
/// names it (``SourceMap``).
struct SourcePosition: Sendable, Equatable {
    let offset: Int
}

/// A template's source kept for error messages: byte offsets become 1-based lines and columns (in characters), with
/// Velocity's line breaks (`\n`, `\r`, `\r\n`).
struct SourceMap: Sendable {
    private let source: [UInt8]
    private let lineStarts: [Int]

    init(_ source: [UInt8]) {
        self.source = source
        var starts = [0]
        var index = 0
        while index < source.count {
            let byte = source[index]
            index += 1
            if byte == UInt8(ascii: "\n") {
                starts.append(index)
            } else if byte == UInt8(ascii: "\r") {
                if index < source.count, source[index] == UInt8(ascii: "\n") { index += 1 }
                starts.append(index)
            }
        }
        lineStarts = starts
    }

    /// The line and column of an offset.
    func lineAndColumn(_ offset: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        var column = 1
        var index = lineStarts[low]
        while index < offset, index < source.count {
            if source[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return (low + 1, column)
    }

    /// An error located at a position of this source.
    func error(_ code: MappingTemplateError.Code, _ message: String, at position: SourcePosition?) -> MappingTemplateError {
        guard let position else { return MappingTemplateError(code, message) }
        let (line, column) = lineAndColumn(position.offset)
        return MappingTemplateError(code, message, line: line, column: column)
    }
}

/// One statement of a parsed template: what Velocity's parser builds from text, references and directives.
indirect enum TemplateNode: Sendable {
    /// Text copied to the output as is (comments, escapes and eaten newlines already removed).
    case text(String)
    /// `$x`, `$!{x.y}`, `$a.b(1)[0]`: printed, or printed literally when it resolves to null.
    case reference(ReferenceNode)
    /// `#set($target = value)`.
    case set(target: ReferenceNode, value: Expression, position: SourcePosition)
    /// `#if … #elseif … #else … #end`: the first branch whose condition holds, else `otherwise`.
    case conditional(branches: [ConditionalBranch], otherwise: [TemplateNode]?)
    /// `#foreach($variable in iterable) body #end`.
    case loop(variable: String, iterable: Expression, body: [TemplateNode], position: SourcePosition)
    /// `#break` (the innermost loop) or `#break($foreach…)` (the loop whose scope the reference names).
    case breakLoop(scope: ReferenceNode?, position: SourcePosition)
    /// `#stop`: the rendering ends, keeping what was written.
    case stop
    /// `#define($name) body #end`: `$name` renders the body when printed.
    case define(name: String, body: [TemplateNode])
    /// `#name(arguments)`: a macro call, or, when no macro has that name, text (`literal`) as Velocity prints it.
    case macroCall(name: String, arguments: [Expression], literal: String, position: SourcePosition)
    /// `#literal() … #end`: the block's source, unrendered.
    case literalBlock(String)
    /// `#parse`, `#include`, `#evaluate`: they read other templates or run strings as templates, which API Gateway
    /// templates cannot do; rendering them fails.
    case unsupported(directive: String, position: SourcePosition)
}

/// One `#if` or `#elseif` branch.
struct ConditionalBranch: Sendable {
    let condition: Expression
    let body: [TemplateNode]
}

/// A `#macro(name $a $b) body #end` definition.
struct TemplateMacro: Sendable {
    let parameters: [String]
    let body: [TemplateNode]
}

/// A reference: a variable followed by properties, method calls and indexes.
struct ReferenceNode: Sendable {
    /// The variable (`x` in `$x.y`).
    let root: String
    let accessors: [Accessor]
    /// `$!x`: prints nothing when null.
    let quiet: Bool
    /// Backslashes written before the `$`: an odd number escapes the reference.
    let backslashes: Int
    /// The source text from `$` to the end, printed when the reference resolves to null.
    let literal: String
    let position: SourcePosition
}

/// One step after a reference's variable.
enum Accessor: Sendable {
    /// `.name`: a map's entry, or a getter Velocity would find (`$list.empty`, `$foreach.hasNext`).
    case property(String)
    /// `.name(arguments)`.
    case method(String, [Expression], SourcePosition)
    /// `[key]`.
    case index(Expression, SourcePosition)
}

/// Operators of directive expressions.
enum BinaryOperator: Sendable {
    case or, and
    case equal, notEqual
    case less, lessOrEqual, greater, greaterOrEqual
    case add, subtract, multiply, divide, modulo
}

/// An expression in a directive's arguments, a method's arguments or an index.
indirect enum Expression: Sendable {
    /// A single-quoted string, or a double-quoted one without `$` or `#`.
    case string(String)
    /// A double-quoted string with references or directives, rendered when evaluated.
    case interpolated([TemplateNode])
    /// An integer literal (Java Integer or Long).
    case integer(Int)
    /// An integer literal too large for 64 bits, kept as text (Java BigInteger).
    case bigNumber(String)
    /// A floating-point literal (Java Double).
    case double(Double)
    case bool(Bool)
    /// `null`: not Velocity 1.7 syntax, accepted as the null value.
    case null
    /// A bare word in a directive's arguments (`in` of `#foreach`, a macro's name).
    case word(String)
    /// `[a, b]`: a new ArrayList.
    case list([Expression])
    /// `{k: v}`: a new LinkedHashMap.
    case map([MapLiteralEntry])
    /// `[a..b]`: the integers from a to b, ascending or descending.
    case range(Expression, Expression)
    case reference(ReferenceNode)
    case not(Expression)
    /// Operators of one precedence level, applied left to right: `a || b || c`, `1 + 2 - 3`. A chain rather than
    /// nested nodes, so that a long chain does not deepen the evaluation.
    case operation(Expression, [OperationStep])
    /// `( expression )`.
    case group(Expression)
}

/// One operator and its right operand in an ``Expression/operation(_:_:)`` chain.
struct OperationStep: Sendable {
    let operation: BinaryOperator
    let operand: Expression
}

/// One `key: value` of a map literal.
struct MapLiteralEntry: Sendable {
    let key: Expression
    let value: Expression
}
