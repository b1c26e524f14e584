import Foundation

/// Method calls: the Java methods Velocity would find on the types templates handle, and `$input` and `$util`.
/// An unknown method, or arguments of the wrong types, resolve to null (the reference prints as written); a method
/// that throws in Java (an index out of range) fails the rendering, as Velocity's MethodInvocationException does.
/// A method returning `void` gives an empty string.
extension TemplateRenderer {
    mutating func call(
        _ name: String, on receiver: TemplateValue, _ arguments: [TemplateValue?], at position: SourcePosition
    ) throws(MappingTemplateError) -> TemplateValue? {
        try step()
        switch (name, arguments.count) {
        case ("toString", 0): return .string(try javaString(receiver))
        case ("equals", 1): return .bool(try valueEquals(receiver, arguments[0], depth: 0))
        case ("hashCode", 0):
            if case .string(let text) = receiver { return .int(Int(JavaString.hashCode(Array(text.utf16)))) }
        default: break
        }
        switch receiver {
        case .string(let text): return try stringMethod(name, text, arguments, at: position)
        case .list(let list): return try listMethod(name, list, arguments, at: position)
        case .map(let map): return try mapMethod(name, map, arguments, at: position)
        case .entry(let entry):
            switch (name, arguments.count) {
            case ("getKey", 0): return entry.key
            case ("getValue", 0): return entry.value
            default: return nil
            }
        case .scope:
            let properties = [
                "getIndex": "index", "getCount": "count", "hasNext": "hasNext", "getHasNext": "hasNext", "isFirst": "first",
                "getFirst": "first", "isLast": "last", "getLast": "last", "getParent": "parent", "getTopmost": "topmost",
            ]
            guard arguments.isEmpty, let propertyName = properties[name] else { return nil }
            return try property(propertyName, of: receiver)
        case .int, .double, .decimal:
            return numberMethod(name, receiver, arguments)
        case .bool(let flag):
            return name == "booleanValue" && arguments.isEmpty ? .bool(flag) : nil
        case .input:
            return try inputMethod(name, arguments, at: position)
        case .util:
            return try utilMethod(name, arguments, at: position)
        case .block:
            return nil
        }
    }

    private static func text(_ value: TemplateValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    /// A Java `int` argument: an Integer (a Long does not narrow).
    private static func integer(_ value: TemplateValue?) -> Int? {
        if case .int(let number)? = value, number >= Int(Int32.min), number <= Int(Int32.max) { return number }
        return nil
    }

    private func outOfRange(_ detail: String, at position: SourcePosition) -> MappingTemplateError {
        failure("Index out of range: \(detail)", at: position)
    }

    // MARK: - java.lang.String

    private mutating func stringMethod(
        _ name: String, _ text: String, _ arguments: [TemplateValue?], at position: SourcePosition
    ) throws(MappingTemplateError) -> TemplateValue? {
        let units = Array(text.utf16)
        try step(units.count / 64)
        let first = arguments.first ?? nil
        let second = arguments.count > 1 ? arguments[1] : nil
        switch (name, arguments.count) {
        case ("length", 0):
            return .int(units.count)
        case ("isEmpty", 0):
            return .bool(units.isEmpty)
        case ("contains", 1):
            guard let needle = Self.text(first) else { return nil }
            return .bool(JavaString.indexOf(Array(needle.utf16), in: units) >= 0)
        case ("toLowerCase", 0):
            return try made(text.lowercased())
        case ("toUpperCase", 0):
            return try made(text.uppercased())
        case ("trim", 0):
            return try made(JavaString.trim(units))
        case ("substring", 1), ("substring", 2):
            guard let begin = Self.integer(first) else { return nil }
            var end = units.count
            if arguments.count == 2 {
                guard let requested = Self.integer(second) else { return nil }
                end = requested
            }
            guard begin >= 0, begin <= end, end <= units.count else {
                throw outOfRange("begin \(begin), end \(end), length \(units.count)", at: position)
            }
            return try made(JavaString.string(units[begin..<end]))
        case ("charAt", 1):
            guard let offset = Self.integer(first) else { return nil }
            guard offset >= 0, offset < units.count else { throw outOfRange("index \(offset), length \(units.count)", at: position) }
            return .string(JavaString.string(units[offset...offset]))
        case ("replace", 2):
            guard let target = Self.text(first), let replacement = Self.text(second) else { return nil }
            return try made(JavaString.string(JavaString.replace(units, Array(target.utf16), Array(replacement.utf16))))
        case ("replaceAll", 2), ("replaceFirst", 2):
            guard let pattern = Self.text(first), let replacement = Self.text(second) else { return nil }
            let regex = try compile(pattern, at: position)
            let budget = limits.maximumOperations - operations
            let result: (String, steps: Int)
            do {
                result = try regex.replace(in: text, with: replacement, limit: name == "replaceAll" ? Int.max : 1, maximumSteps: budget)
            } catch {
                throw regexFailure(error, at: position)
            }
            try step(result.steps)
            return try made(result.0)
        case ("split", 1), ("split", 2):
            guard let pattern = Self.text(first) else { return nil }
            var limit = 0
            if arguments.count == 2 {
                guard let requested = Self.integer(second) else { return nil }
                limit = requested
            }
            let regex = try compile(pattern, at: position)
            let result: ([String], steps: Int)
            do {
                result = try regex.split(text, limit: limit, maximumSteps: limits.maximumOperations - operations)
            } catch {
                throw regexFailure(error, at: position)
            }
            try step(result.steps)
            var items: [TemplateValue?] = []
            for piece in result.0 { items.append(try made(piece)) }
            try allocate(items.count * 16)
            return .list(makeList(items))
        case ("matches", 1):
            guard let pattern = Self.text(first) else { return nil }
            let regex = try compile(pattern, at: position)
            let result: (Bool, steps: Int)
            do {
                result = try regex.matches(text, maximumSteps: limits.maximumOperations - operations)
            } catch {
                throw regexFailure(error, at: position)
            }
            try step(result.steps)
            return .bool(result.0)
        case ("startsWith", 1), ("startsWith", 2):
            guard let prefix = Self.text(first) else { return nil }
            var offset = 0
            if arguments.count == 2 {
                guard let requested = Self.integer(second) else { return nil }
                offset = requested
            }
            let prefixUnits = Array(prefix.utf16)
            guard offset >= 0, offset + prefixUnits.count <= units.count else { return .bool(false) }
            return .bool(units[offset..<(offset + prefixUnits.count)].elementsEqual(prefixUnits))
        case ("endsWith", 1):
            guard let suffix = Self.text(first) else { return nil }
            return .bool(units.count >= suffix.utf16.count && units.suffix(suffix.utf16.count).elementsEqual(suffix.utf16))
        case ("indexOf", 1), ("indexOf", 2), ("lastIndexOf", 1), ("lastIndexOf", 2):
            let needle: [UInt16]
            if let text = Self.text(first) {
                needle = Array(text.utf16)
            } else if let character = Self.integer(first), character >= 0, character <= 0xFFFF {
                needle = [UInt16(character)]
            } else {
                return nil
            }
            var from: Int?
            if arguments.count == 2 {
                guard let requested = Self.integer(second) else { return nil }
                from = requested
            }
            if name == "indexOf" { return .int(JavaString.indexOf(needle, in: units, from: from ?? 0)) }
            return .int(JavaString.lastIndexOf(needle, in: units, from: from ?? Int.max))
        case ("equalsIgnoreCase", 1):
            guard let other = Self.text(first) else { return .bool(false) }
            return .bool(text.uppercased() == other.uppercased() || text.lowercased() == other.lowercased())
        case ("concat", 1):
            guard let other = Self.text(first) else { return nil }
            return try made(text + other)
        case ("compareTo", 1):
            guard let other = Self.text(first) else { return nil }
            return .int(JavaString.compare(units, Array(other.utf16)))
        default:
            return nil
        }
    }

    private func compile(_ pattern: String, at position: SourcePosition) throws(MappingTemplateError) -> JavaRegex {
        do {
            return try JavaRegex(pattern)
        } catch {
            throw failure("Invalid regular expression \(pattern): \(error.message)", at: position)
        }
    }

    private func regexFailure(_ error: JavaRegex.Failure, at position: SourcePosition) -> MappingTemplateError {
        switch error {
        case .syntax(let message): failure("Invalid replacement: \(message)", at: position)
        case .exhausted: template.sourceMap.error(.tooManyOperations, "A regular expression took too many steps", at: position)
        }
    }

    // MARK: - java.util.List

    private mutating func listMethod(
        _ name: String, _ list: TemplateList, _ arguments: [TemplateValue?], at position: SourcePosition
    ) throws(MappingTemplateError) -> TemplateValue? {
        let first = arguments.first ?? nil
        let second = arguments.count > 1 ? arguments[1] : nil
        switch (name, arguments.count) {
        case ("size", 0):
            return .int(list.items.count)
        case ("isEmpty", 0):
            return .bool(list.items.isEmpty)
        case ("get", 1):
            guard let offset = Self.integer(first) else { return nil }
            guard offset >= 0, offset < list.items.count else {
                throw outOfRange("index \(offset), size \(list.items.count)", at: position)
            }
            return list.items[offset]
        case ("contains", 1):
            return .bool(try firstIndex(of: first, in: list.items) != nil)
        case ("indexOf", 1):
            return .int(try firstIndex(of: first, in: list.items) ?? -1)
        case ("lastIndexOf", 1):
            guard let found = try firstIndex(of: first, in: list.items.reversed()) else { return .int(-1) }
            return .int(list.items.count - 1 - found)
        case ("add", 1):
            try allocate(16)
            try step()
            list.items.append(first)
            return .bool(true)
        case ("add", 2):
            guard let offset = Self.integer(first) else { return nil }
            guard offset >= 0, offset <= list.items.count else {
                throw outOfRange("index \(offset), size \(list.items.count)", at: position)
            }
            try allocate(16)
            list.items.insert(second, at: offset)
            return .string("")
        case ("addAll", 1):
            guard case .list(let other)? = first else { return nil }
            let items = other.items
            try allocate(items.count * 16)
            try step(items.count)
            list.items.append(contentsOf: items)
            return .bool(!items.isEmpty)
        case ("remove", 1):
            if let offset = Self.integer(first) {
                guard offset >= 0, offset < list.items.count else {
                    throw outOfRange("index \(offset), size \(list.items.count)", at: position)
                }
                return list.items.remove(at: offset)
            }
            guard let found = try firstIndex(of: first, in: list.items) else { return .bool(false) }
            list.items.remove(at: found)
            return .bool(true)
        case ("set", 2):
            guard let offset = Self.integer(first) else { return nil }
            guard offset >= 0, offset < list.items.count else {
                throw outOfRange("index \(offset), size \(list.items.count)", at: position)
            }
            let previous = list.items[offset]
            list.items[offset] = second
            return previous
        case ("clear", 0):
            list.items.removeAll()
            return .string("")
        case ("subList", 2):
            guard let from = Self.integer(first), let to = Self.integer(second) else { return nil }
            guard from >= 0, from <= to, to <= list.items.count else {
                throw outOfRange("from \(from), to \(to), size \(list.items.count)", at: position)
            }
            try allocate((to - from) * 16)
            return .list(makeList(Array(list.items[from..<to])))
        default:
            return nil
        }
    }

    private mutating func firstIndex<C: Collection>(
        of value: TemplateValue?, in items: C
    ) throws(MappingTemplateError) -> Int? where C.Element == TemplateValue? {
        for (offset, item) in items.enumerated() {
            if try valueEquals(value, item, depth: 0) { return offset }
        }
        return nil
    }

    // MARK: - java.util.Map

    private mutating func mapMethod(
        _ name: String, _ map: TemplateMap, _ arguments: [TemplateValue?], at position: SourcePosition
    ) throws(MappingTemplateError) -> TemplateValue? {
        let first = arguments.first ?? nil
        let second = arguments.count > 1 ? arguments[1] : nil
        switch (name, arguments.count) {
        case ("get", 1):
            guard let first else { return nil }
            return map.get(first)
        case ("getOrDefault", 2):
            guard let first, map.contains(first) else { return second }
            return map.get(first)
        case ("put", 2):
            guard let first else { return nil }
            return try put(map, first, second, at: position)
        case ("putAll", 1):
            guard case .map(let other)? = first else { return nil }
            for (key, value) in zip(other.keys, other.values) { _ = try put(map, key, value, at: position) }
            return .string("")
        case ("containsKey", 1):
            guard let first else { return .bool(false) }
            return .bool(map.contains(first))
        case ("containsValue", 1):
            return .bool(try firstIndex(of: first, in: map.values) != nil)
        case ("remove", 1):
            guard let first else { return nil }
            return map.remove(first)
        case ("size", 0):
            return .int(map.count)
        case ("isEmpty", 0):
            return .bool(map.count == 0)
        case ("keySet", 0):
            try allocate(map.count * 16)
            return .list(makeList(map.keys.map { $0 }))
        case ("values", 0):
            try allocate(map.count * 16)
            return .list(makeList(map.values))
        case ("entrySet", 0):
            try allocate(map.count * 32)
            return .list(makeList(zip(map.keys, map.values).map { .entry(TemplateEntry(key: $0, value: $1)) }))
        case ("clear", 0):
            map.removeAll()
            return .string("")
        default:
            return nil
        }
    }

    // MARK: - java.lang.Number

    private func numberMethod(_ name: String, _ receiver: TemplateValue, _ arguments: [TemplateValue?]) -> TemplateValue? {
        guard let number = TemplateNumber(receiver) else { return nil }
        switch (name, arguments.count) {
        case ("intValue", 0), ("longValue", 0):
            switch number {
            case .int(let value): return .int(name == "intValue" ? Int(Int32(truncatingIfNeeded: value)) : value)
            default:
                let value = number.double
                guard value.isFinite else { return .int(0) }
                let truncated = value.rounded(.towardZero)
                let clamped = truncated >= 9.2e18 ? Int.max : (truncated <= -9.2e18 ? Int.min : Int(truncated))
                return .int(name == "intValue" ? Int(Int32(clamping: clamped)) : clamped)
            }
        case ("doubleValue", 0), ("floatValue", 0):
            return .double(number.double)
        case ("compareTo", 1):
            guard let other = TemplateNumber(arguments[0]) else { return nil }
            return .int(TemplateNumber.compare(number, other))
        default:
            return nil
        }
    }

    // MARK: - $input and $util

    private mutating func inputMethod(
        _ name: String, _ arguments: [TemplateValue?], at position: SourcePosition
    ) throws(MappingTemplateError) -> TemplateValue? {
        switch (name, arguments.count) {
        case ("json", 1):
            guard let path = Self.text(arguments[0]) else { return nil }
            return try inputJSON(path, at: position)
        case ("path", 1):
            guard let path = Self.text(arguments[0]) else { return nil }
            return try inputPath(path, at: position)
        case ("params", 0):
            return .map(try parameterMap())
        case ("params", 1):
            guard let parameterName = Self.text(arguments[0]) else { return nil }
            return .string(parameter(parameterName))
        case ("getBody", 0):
            return .string(try body())
        default:
            return nil
        }
    }

    private mutating func utilMethod(
        _ name: String, _ arguments: [TemplateValue?], at position: SourcePosition
    ) throws(MappingTemplateError) -> TemplateValue? {
        guard arguments.count == 1, let argument = arguments[0] else { return nil }
        let text = try javaString(argument)
        try step(text.utf8.count / 64)
        switch name {
        case "escapeJavaScript":
            return try made(JavaString.escapeJavaScript(text))
        case "parseJson":
            try allocate(text.utf8.count)
            do {
                return try readJSON(Array(text.utf8), fallbackToText: false)
            } catch {
                guard error.code == .evaluation else { throw error }
                throw failure("$util.parseJson: \(error.message)", at: position)
            }
        case "urlEncode":
            return try made(JavaString.urlEncode(text))
        case "urlDecode":
            guard let decoded = JavaString.urlDecode(text) else {
                throw failure("$util.urlDecode: an incomplete or invalid %-escape", at: position)
            }
            return try made(decoded)
        case "base64Encode":
            return try made(Data(text.utf8).base64EncodedString())
        case "base64Decode":
            guard let data = Data(base64Encoded: text) else {
                throw failure("$util.base64Decode: the argument is not base64", at: position)
            }
            return try made(String(decoding: data, as: UTF8.self))
        default:
            return nil
        }
    }
}
