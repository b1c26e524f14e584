import MoatCore

/// A scan of a YAML text before Yams composes it, refusing what would let a small hostile document exhaust the
/// stack or the CPU of the server.
///
/// Yams composes nodes recursively (so nesting depth is stack depth) and checks every mapping for duplicate keys by
/// hashing its keys whole (so a key that is an alias of a large, alias-built collection costs exponential time).
/// The scan is a coarse tokenizer: it follows quoted scalars, comments and block scalars so that their text is not
/// mistaken for structure, and it refuses:
/// - nesting deeper than ``maximumDepth``, estimated from above (two levels per indentation level, per compact `- `
///   entry and per open flow collection, since a mapping may sit at the same indentation as its sequence and a
///   `[a: b]` pair inside its brackets), so that a document it lets through cannot nest deeper;
/// - more than ``maximumAliases`` aliases (SnakeYAML's default allows 50 aliases of collections);
/// - complex mapping keys: the explicit `? ` key, a flow collection used as a key (`[a]: b`), an alias used as a key.
///   OpenAPI documents name things with strings, so none of these has a use in one.
struct YAMLGuard {
    static let maximumDepth = 128
    static let maximumAliases = 100

    private let bytes: [UInt8]
    private var index = 0
    private var flowDepth = 0
    private var aliases = 0
    /// The indentation of each open block level.
    private var indents: [Int] = []
    /// Compact `- ` entries on the current line, each a sequence nested in the one before.
    private var compactEntries = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Throws `BadRequestException` naming what the document does that the import refuses.
    static func check(_ bytes: [UInt8]) throws {
        var guardScan = YAMLGuard(bytes)
        try guardScan.scan()
    }

    private enum Quote { case none, single, double }

    private mutating func scan() throws {
        var quote = Quote.none
        /// The indentation of the line that opened a block scalar (`|`, `>`): its content is every following line
        /// that is blank or indented deeper.
        var blockScalarParent: Int?
        while index < bytes.count {
            let lineStart = index
            var lineEnd = index
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { index = lineEnd + 1 }
            var indent = 0
            while lineStart + indent < lineEnd, bytes[lineStart + indent] == UInt8(ascii: " ") { indent += 1 }
            let isBlank = (lineStart + indent..<lineEnd).allSatisfy { Self.isSpace(bytes[$0]) }
            if let parent = blockScalarParent {
                if isBlank || indent > parent { continue }
                blockScalarParent = nil
            }
            if quote == .none {
                if isBlank || bytes[lineStart + indent] == UInt8(ascii: "#") { continue }
                if flowDepth == 0 {
                    while let last = indents.last, last > indent { indents.removeLast() }
                    if indents.last.map({ $0 < indent }) ?? true { indents.append(indent) }
                    compactEntries = 0
                    try checkDepth()
                }
            }
            var position = quote == .none ? lineStart + indent : lineStart
            var tokenStart = quote == .none
            /// Inside a plain scalar of block context, which may hold any indicator but `: ` and ` #`.
            var inPlain = false
            while position < lineEnd {
                let byte = bytes[position]
                switch quote {
                case .double:
                    if byte == UInt8(ascii: "\\") {
                        position += 2
                        continue
                    }
                    if byte == UInt8(ascii: "\"") { quote = .none }
                    position += 1
                    continue
                case .single:
                    if byte == UInt8(ascii: "'") {
                        if position + 1 < lineEnd, bytes[position + 1] == UInt8(ascii: "'") {
                            position += 2
                            continue
                        }
                        quote = .none
                    }
                    position += 1
                    continue
                case .none:
                    break
                }
                if inPlain {
                    if byte == UInt8(ascii: ":"), position + 1 >= lineEnd || Self.isSpace(bytes[position + 1]) {
                        inPlain = false
                        tokenStart = true
                    } else if byte == UInt8(ascii: "#"), Self.isSpace(bytes[position - 1]) {
                        break
                    }
                    position += 1
                    continue
                }
                if Self.isSpace(byte) {
                    tokenStart = true
                    position += 1
                    continue
                }
                if byte == UInt8(ascii: "#"), tokenStart { break }
                let followedBySpace = position + 1 >= lineEnd || Self.isSpace(bytes[position + 1])
                switch byte {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if tokenStart || flowDepth > 0 {
                        flowDepth += 1
                        try checkDepth()
                        tokenStart = true
                    } else {
                        tokenStart = false
                    }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if flowDepth > 0 {
                        flowDepth -= 1
                        if nextSignificant(after: position, lineEnd: lineEnd) == UInt8(ascii: ":") {
                            throw Self.refusal("a collection used as a mapping key")
                        }
                    }
                    tokenStart = false
                case UInt8(ascii: ","):
                    tokenStart = flowDepth > 0
                case UInt8(ascii: ":"):
                    tokenStart = followedBySpace || flowDepth > 0
                case UInt8(ascii: "-") where tokenStart && followedBySpace && flowDepth == 0:
                    compactEntries += 1
                    try checkDepth()
                case UInt8(ascii: "?") where tokenStart && followedBySpace:
                    throw Self.refusal("an explicit mapping key ('? ')")
                case UInt8(ascii: "\"") where tokenStart:
                    quote = .double
                    tokenStart = false
                case UInt8(ascii: "'") where tokenStart:
                    quote = .single
                    tokenStart = false
                case UInt8(ascii: "*") where tokenStart:
                    aliases += 1
                    guard aliases <= Self.maximumAliases else {
                        throw Self.refusal("more than \(Self.maximumAliases) aliases")
                    }
                    position = endOfName(from: position + 1, lineEnd: lineEnd)
                    if nextSignificant(after: position - 1, lineEnd: lineEnd) == UInt8(ascii: ":") {
                        throw Self.refusal("an alias used as a mapping key")
                    }
                    tokenStart = false
                    continue
                case UInt8(ascii: "&") where tokenStart, UInt8(ascii: "!") where tokenStart:
                    // An anchor or a tag: the node follows it.
                    position = endOfName(from: position + 1, lineEnd: lineEnd)
                    tokenStart = true
                    continue
                case UInt8(ascii: "|") where tokenStart && flowDepth == 0, UInt8(ascii: ">") where tokenStart && flowDepth == 0:
                    blockScalarParent = indent
                    position = lineEnd
                    continue
                default:
                    tokenStart = false
                    inPlain = flowDepth == 0
                }
                position += 1
            }
        }
    }

    private func checkDepth() throws {
        guard 2 * (indents.count + compactEntries + flowDepth) <= Self.maximumDepth else {
            throw Self.refusal("nesting deeper than \(Self.maximumDepth) levels")
        }
    }

    /// The first byte after `position` on the line that is not a space.
    private func nextSignificant(after position: Int, lineEnd: Int) -> UInt8? {
        var next = position + 1
        while next < lineEnd, Self.isSpace(bytes[next]) { next += 1 }
        return next < lineEnd ? bytes[next] : nil
    }

    /// The end of an anchor, alias or tag name: the next space or flow indicator.
    private func endOfName(from start: Int, lineEnd: Int) -> Int {
        var end = start
        while end < lineEnd, !Self.isSpace(bytes[end]), !"[]{},".utf8.contains(bytes[end]) { end += 1 }
        return end
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private static func refusal(_ what: String) -> ServiceError {
        GatewayError.badRequest("Invalid OpenAPI input: the YAML document uses \(what), which the import does not accept")
    }
}
