import Foundation

/// The JSONPath of `$input.path` and `$input.json` (Jayway's syntax, which API Gateway uses): `$`, `.name`,
/// `['name']`, `[0]` (negative from the end), `[*]`, `.*`, `..name`, `..*`. A path not starting with `$` is read
/// below the root, as Jayway does. Filters, slices and unions are refused.
struct JSONPath {
    enum Segment: Equatable {
        case child(String)
        case index(Int)
        case wildcard
        case descendant(String)
        case descendantWildcard
    }

    struct SyntaxError: Error {
        let message: String
    }

    /// What a path selected.
    enum Selection {
        /// A definite path (names and indexes only) that leads nowhere.
        case missing
        /// A definite path's value (which may be null).
        case found(TemplateValue?)
        /// An indefinite path's values, in document order.
        case many([TemplateValue?])
    }

    let segments: [Segment]

    /// Whether the path selects at most one value.
    var isDefinite: Bool {
        segments.allSatisfy {
            switch $0 {
            case .child, .index: true
            default: false
            }
        }
    }

    init(_ text: String) throws(SyntaxError) {
        let characters = Array(text.trimmingCharacters(in: .whitespaces))
        var index = 0
        var segments: [Segment] = []
        if characters.first == "$" || characters.first == "@" {
            index = 1
        } else if !characters.isEmpty {
            // `a.b` reads as `$.a.b`.
            let (name, next) = Self.name(characters, from: 0)
            guard !name.isEmpty else { throw SyntaxError(message: "A path starts with $") }
            segments.append(.child(name))
            index = next
        }
        while index < characters.count {
            switch characters[index] {
            case ".":
                let deep = index + 1 < characters.count && characters[index + 1] == "."
                index += deep ? 2 : 1
                guard index < characters.count else { throw SyntaxError(message: "The path ends with '.'") }
                if characters[index] == "*" {
                    segments.append(deep ? .descendantWildcard : .wildcard)
                    index += 1
                } else if characters[index] == "[" {
                    guard deep else { throw SyntaxError(message: "Unexpected '[' after '.'") }
                    let (segment, next) = try Self.bracket(characters, from: index)
                    switch segment {
                    case .child(let name): segments.append(.descendant(name))
                    case .wildcard: segments.append(.descendantWildcard)
                    default: throw SyntaxError(message: "A deep scan of an index is not supported")
                    }
                    index = next
                } else {
                    let (name, next) = Self.name(characters, from: index)
                    guard !name.isEmpty else { throw SyntaxError(message: "Expected a property name") }
                    segments.append(deep ? .descendant(name) : .child(name))
                    index = next
                }
            case "[":
                let (segment, next) = try Self.bracket(characters, from: index)
                segments.append(segment)
                index = next
            default:
                throw SyntaxError(message: "Unexpected '\(characters[index])'")
            }
        }
        self.segments = segments
    }

    private static func name(_ characters: [Character], from start: Int) -> (String, Int) {
        var index = start
        while index < characters.count, characters[index] != ".", characters[index] != "[" { index += 1 }
        return (String(characters[start..<index]).trimmingCharacters(in: .whitespaces), index)
    }

    /// `[*]`, `['name']`, `["name"]` or `[n]`, from the `[`.
    private static func bracket(_ characters: [Character], from start: Int) throws(SyntaxError) -> (Segment, Int) {
        var index = start + 1
        func skipSpaces() {
            while index < characters.count, characters[index] == " " { index += 1 }
        }
        func close(_ segment: Segment) throws(SyntaxError) -> (Segment, Int) {
            skipSpaces()
            guard index < characters.count else { throw SyntaxError(message: "Unclosed '['") }
            guard characters[index] == "]" else {
                throw SyntaxError(message: "Filters, slices and unions are not supported")
            }
            return (segment, index + 1)
        }
        skipSpaces()
        guard index < characters.count else { throw SyntaxError(message: "Unclosed '['") }
        let first = characters[index]
        if first == "*" {
            index += 1
            return try close(.wildcard)
        }
        if first == "'" || first == "\"" {
            index += 1
            var name = ""
            while index < characters.count, characters[index] != first {
                if characters[index] == "\\", index + 1 < characters.count { index += 1 }
                name.append(characters[index])
                index += 1
            }
            guard index < characters.count else { throw SyntaxError(message: "Unterminated property name") }
            index += 1
            return try close(.child(name))
        }
        let numberStart = index
        if first == "-" { index += 1 }
        while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 }
        guard let value = Int(String(characters[numberStart..<index])) else {
            throw SyntaxError(message: "Filters, slices and unions are not supported")
        }
        return try close(.index(value))
    }

    /// Applies the path. Each visited node costs one unit of `budget`.
    /// - Returns: nil when the budget ran out or the document nests deeper than `maximumDepth` (a template can
    ///   make the body's maps contain themselves).
    func select(in root: TemplateValue?, budget: inout Int, maximumDepth: Int) -> Selection? {
        if isDefinite {
            var current = root
            for segment in segments {
                budget -= 1
                switch segment {
                case .child(let name):
                    guard case .map(let map)? = current, map.contains(.string(name)) else { return .missing }
                    current = map.get(.string(name))
                case .index(let requested):
                    guard case .list(let list)? = current else { return .missing }
                    let slot = requested < 0 ? requested + list.items.count : requested
                    guard slot >= 0, slot < list.items.count else { return .missing }
                    current = list.items[slot]
                default:
                    return .missing
                }
            }
            return budget < 0 ? nil : .found(current)
        }
        var nodes: [TemplateValue?] = [root]
        for segment in segments {
            var next: [TemplateValue?] = []
            for node in nodes {
                budget -= 1
                if budget < 0 { return nil }
                switch segment {
                case .child(let name):
                    if case .map(let map)? = node, map.contains(.string(name)) { next.append(map.get(.string(name))) }
                case .index(let requested):
                    if case .list(let list)? = node {
                        let slot = requested < 0 ? requested + list.items.count : requested
                        if slot >= 0, slot < list.items.count { next.append(list.items[slot]) }
                    }
                case .wildcard:
                    switch node {
                    case .map(let map)?: next.append(contentsOf: map.values)
                    case .list(let list)?: next.append(contentsOf: list.items)
                    default: break
                    }
                case .descendant(let name):
                    guard Self.scan(node, name: name, into: &next, budget: &budget, depth: 0, maximumDepth: maximumDepth) else {
                        return nil
                    }
                case .descendantWildcard:
                    guard Self.scan(node, name: nil, into: &next, budget: &budget, depth: 0, maximumDepth: maximumDepth) else { return nil }
                }
            }
            nodes = next
        }
        return .many(nodes)
    }

    /// `..name` (or `..*` when `name` is nil), depth first: a map's own value before its children's.
    private static func scan(
        _ node: TemplateValue?, name: String?, into found: inout [TemplateValue?], budget: inout Int, depth: Int, maximumDepth: Int
    ) -> Bool {
        budget -= 1
        guard budget >= 0, depth <= maximumDepth else { return false }
        switch node {
        case .map(let map)?:
            if let name {
                if map.contains(.string(name)) { found.append(map.get(.string(name))) }
            } else {
                found.append(contentsOf: map.values)
            }
            for value in map.values {
                guard scan(value, name: name, into: &found, budget: &budget, depth: depth + 1, maximumDepth: maximumDepth) else {
                    return false
                }
            }
        case .list(let list)?:
            if name == nil { found.append(contentsOf: list.items) }
            for item in list.items {
                guard scan(item, name: name, into: &found, budget: &budget, depth: depth + 1, maximumDepth: maximumDepth) else {
                    return false
                }
            }
        default:
            break
        }
        return true
    }
}
