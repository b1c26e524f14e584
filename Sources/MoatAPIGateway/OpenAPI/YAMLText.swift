import Foundation
import MoatCore
import Yams

/// YAML as the import reads it and the export writes it, through the ``JSONValue`` every other part of the
/// gateway speaks.
enum YAMLText {
    /// Aliases may repeat a node: at most this many nodes are built from one document, so that a few aliases of
    /// aliases cannot expand a small document into a huge one.
    static let maximumNodes = 1_000_000
    /// The deepest nesting a document may reach once its aliases are expanded.
    static let maximumDepth = 256

    // MARK: reading

    /// The document's one root as JSON: mappings as objects (keys as written, `<<` merge keys applied), sequences as
    /// arrays, plain scalars by what YAML 1.1 reads them as (null, bool, numbers JSON can spell), every other
    /// scalar (quoted, block, timestamps, `0x1F`) as a string.
    ///
    /// Yams resolves tags with a regular expression per rule and scalar, which costs seconds on a document of a few
    /// megabytes; it composes here with no rules (every scalar a string) and plain scalars are classified by
    /// ``scalar(_:)`` instead.
    static func parse(_ text: String) throws -> JSONValue {
        let root: Node?
        do {
            root = try Parser(yaml: text, resolver: .basic).singleRoot()
        } catch {
            let reason = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
            throw GatewayError.badRequest("Invalid OpenAPI input: the body is neither JSON nor YAML (\(reason.prefix(300)))")
        }
        guard let root else { throw GatewayError.badRequest("Invalid OpenAPI input: the body is empty") }
        var budget = maximumNodes
        return try value(root, depth: 0, budget: &budget)
    }

    private static func value(_ node: Node, depth: Int, budget: inout Int) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw GatewayError.badRequest("Invalid OpenAPI input: the YAML document expands to more than \(maximumNodes) nodes")
        }
        guard depth < maximumDepth else {
            throw GatewayError.badRequest("Invalid OpenAPI input: the YAML document nests deeper than \(maximumDepth) levels")
        }
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain ? self.scalar(scalar.string) : .string(scalar.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try value(item, depth: depth + 1, budget: &budget)) }
            return .array(items)
        case .mapping(let mapping):
            var members: [(key: String, value: JSONValue)] = []
            var merged: [(key: String, value: JSONValue)] = []
            for (key, item) in mapping {
                let converted = try value(item, depth: depth + 1, budget: &budget)
                if let scalar = key.scalar, scalar.style == .plain, scalar.string == "<<" {
                    // `<<: *base` or `<<: [*a, *b]`: the members of the merged mappings, unless the mapping has its own.
                    let sources = converted.arrayItems ?? [converted]
                    for source in sources { merged += source.members ?? [] }
                } else {
                    members.append((key.scalar?.string ?? "", converted))
                }
            }
            var names = Set(members.map(\.key))
            for entry in merged where names.insert(entry.key).inserted { members.append(entry) }
            return .object(members)
        case .alias:
            return .null
        }
    }

    /// YAML 1.1's words for null and the booleans, as Yams's default resolver knows them.
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let trueWords: Set<String> = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]

    /// A plain scalar: null, a boolean, a number JSON can spell (kept as written), else a string.
    static func scalar(_ text: String) -> JSONValue {
        if nullWords.contains(text) { return .null }
        if trueWords.contains(text) { return .bool(true) }
        if falseWords.contains(text) { return .bool(false) }
        if let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            case .number(let number)? = try? JSONParser.parse(Array(text.utf8))
        {
            return .number(number)
        }
        return .string(text)
    }

    // MARK: writing

    /// The value as a block-style YAML document: every string double-quoted with JSON's escapes (which YAML's
    /// double-quoted style shares), keys plain when YAML would read them back as the same string, else quoted.
    static func write(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let members) where !members.isEmpty:
            writeMembers(members, indent: 0, into: &out)
        case .array(let items) where !items.isEmpty:
            writeItems(items, indent: 0, into: &out)
        default:
            out += inline(value) + "\n"
        }
        return out
    }

    private static func writeMembers(_ members: [(key: String, value: JSONValue)], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for (key, item) in members {
            out += pad + self.key(key) + ":"
            writeNested(item, indent: indent, sequenceIndent: indent, into: &out)
        }
    }

    private static func writeItems(_ items: [JSONValue], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item {
            case .object(let members) where !members.isEmpty:
                // The first member shares the dash's line; the others align with it.
                out += pad + "- "
                var first = true
                for (key, nested) in members {
                    if !first { out += pad + "  " }
                    first = false
                    out += self.key(key) + ":"
                    writeNested(nested, indent: indent + 2, sequenceIndent: indent + 2, into: &out)
                }
            case .array(let nested) where !nested.isEmpty:
                out += pad + "-\n"
                writeItems(nested, indent: indent + 2, into: &out)
            default:
                out += pad + "- " + inline(item) + "\n"
            }
        }
    }

    /// The value of a mapping entry, after its `key:`.
    private static func writeNested(_ item: JSONValue, indent: Int, sequenceIndent: Int, into out: inout String) {
        switch item {
        case .object(let members) where !members.isEmpty:
            out += "\n"
            writeMembers(members, indent: indent + 2, into: &out)
        case .array(let items) where !items.isEmpty:
            out += "\n"
            writeItems(items, indent: sequenceIndent, into: &out)
        default:
            out += " " + inline(item) + "\n"
        }
    }

    private static func inline(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let text): return text
        case .string(let text): return quoted(text)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// Words YAML 1.1 reads as something other than a string.
    private static let reservedWords: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]

    private static func key(_ key: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./{}+$")
        if let first = key.first, first.isLetter || first == "/" || first == "_" || first == "$",
            key.allSatisfy(plain.contains), !reservedWords.contains(key.lowercased())
        {
            return key
        }
        return quoted(key)
    }

    /// A double-quoted scalar. Besides what JSON escapes, YAML reads DEL, the C1 controls and the Unicode line
    /// and paragraph separators as breaks or refuses them, so they are escaped too.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
