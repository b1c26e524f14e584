import Foundation
import MoatCore

/// Text being rendered, bounded: the output, or a string a template builds (an interpolated literal, a printed
/// collection).
struct TemplateOutput {
    private(set) var text = ""
    private(set) var count = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ string: String) throws(MappingTemplateError) {
        count += string.utf8.count
        guard count <= limit else {
            throw MappingTemplateError(.outputTooLarge, "The rendered text exceeds \(limit) bytes")
        }
        text += string
    }
}

/// One rendering of a template: Velocity 1.7's evaluation (context, references, directives, Java's `toString`
/// and `equals`) with API Gateway's variables, every step counted against ``MappingTemplateLimits``.
struct TemplateRenderer {
    /// How a run of statements ended: normally, by `#break` (of the innermost loop, or of a given one), or `#stop`.
    enum Flow {
        case normal
        case breakLoop(LoopScope?)
        case stop
    }

    /// The body read as JSON, once, when `$input.path` or `$input.json` first needs it.
    private enum DocumentState {
        case unread
        case read(TemplateValue?)
    }

    let template: MappingTemplate
    let input: MappingTemplateInput
    let limits: MappingTemplateLimits
    var variables: [String: TemplateValue] = [:]
    var operations = 0
    var allocated = 0
    var iterations = 0
    var depth = 0
    /// Every list and map made during the rendering, emptied at its end so that cycles are released.
    private var lists: [TemplateList] = []
    private var maps: [TemplateMap] = []
    private var document = DocumentState.unread
    private var parameters: TemplateMap?
    private var bodyText: String?

    init(template: MappingTemplate, input: MappingTemplateInput, limits: MappingTemplateLimits) {
        self.template = template
        self.input = input
        self.limits = limits
    }

    /// Renders the template and collects the overrides it set.
    mutating func run() throws(MappingTemplateError) -> MappingTemplateOutput {
        defer { release() }
        let context = try makeContext()
        let stageVariables = makeMap()
        for name in input.stageVariables.keys.sorted() {
            stageVariables.put(.string(name), input.stageVariables[name].map(TemplateValue.string))
        }
        variables = ["input": .input, "util": .util, "context": .map(context), "stageVariables": .map(stageVariables)]
        var output = TemplateOutput(limit: limits.maximumOutputBytes)
        _ = try render(template.nodes, into: &output)
        return try overrides(body: output.text, context: context)
    }

    // MARK: - Context and overrides

    /// `$context`: the request's context, with empty override maps that accept each key once.
    private mutating func makeContext() throws(MappingTemplateError) -> TemplateMap {
        var context = makeMap()
        if case .object = input.context, case .map(let converted)? = try convert(input.context) { context = converted }
        let requestOverride = makeMap(acceptsEachKeyOnce: true)
        for name in ["header", "path", "querystring"] {
            requestOverride.put(.string(name), .map(makeMap(acceptsEachKeyOnce: true)))
        }
        let responseOverride = makeMap(acceptsEachKeyOnce: true)
        responseOverride.put(.string("header"), .map(makeMap(acceptsEachKeyOnce: true)))
        context.put(.string("requestOverride"), .map(requestOverride))
        context.put(.string("responseOverride"), .map(responseOverride))
        return context
    }

    private mutating func overrides(body: String, context: TemplateMap) throws(MappingTemplateError) -> MappingTemplateOutput {
        var output = MappingTemplateOutput(body: body)
        let request = Self.mapValue(context.get(.string("requestOverride")))
        let response = Self.mapValue(context.get(.string("responseOverride")))
        output.headerOverrides = try pairs(Self.mapValue(request?.get(.string("header"))))
            + pairs(Self.mapValue(response?.get(.string("header"))))
        output.pathOverrides = try pairs(Self.mapValue(request?.get(.string("path"))))
        output.queryStringOverrides = try pairs(Self.mapValue(request?.get(.string("querystring"))))
        if let status = response?.get(.string("status")) {
            switch status {
            case .int(let code) where (100...599).contains(code): output.statusOverride = code
            default:
                let text = try javaString(status).trimmingCharacters(in: .whitespaces)
                guard let code = Int(text), (100...599).contains(code) else {
                    throw MappingTemplateError(.evaluation, "$context.responseOverride.status is not an HTTP status: \(text)")
                }
                output.statusOverride = code
            }
        }
        return output
    }

    private static func mapValue(_ value: TemplateValue?) -> TemplateMap? {
        if case .map(let map)? = value { return map }
        return nil
    }

    /// An override map's entries as names and values; a list gives one value per element, null none.
    private mutating func pairs(_ map: TemplateMap?) throws(MappingTemplateError) -> [(name: String, value: String)] {
        guard let map else { return [] }
        var result: [(name: String, value: String)] = []
        for (key, value) in zip(map.keys, map.values) {
            let name = try javaString(key)
            switch value {
            case nil: continue
            case .list(let list)?:
                for item in list.items {
                    if let item { result.append((name, try javaString(item))) }
                }
            case let value?:
                result.append((name, try javaString(value)))
            }
        }
        return result
    }

    // MARK: - Budget

    /// One evaluation step.
    mutating func step(_ count: Int = 1) throws(MappingTemplateError) {
        operations += count
        guard operations <= limits.maximumOperations else {
            throw MappingTemplateError(.tooManyOperations, "The template took more than \(limits.maximumOperations) steps")
        }
    }

    /// Bytes a rendering creates (text, collection elements).
    mutating func allocate(_ bytes: Int) throws(MappingTemplateError) {
        allocated += bytes
        guard allocated <= limits.maximumAllocatedBytes else {
            throw MappingTemplateError(.tooMuchMemory, "The template created more than \(limits.maximumAllocatedBytes) bytes")
        }
    }

    /// A string the template builds, bounded like the output.
    mutating func made(_ string: String) throws(MappingTemplateError) -> TemplateValue {
        let count = string.utf8.count
        guard count <= limits.maximumOutputBytes else {
            throw MappingTemplateError(.outputTooLarge, "A string the template built exceeds \(limits.maximumOutputBytes) bytes")
        }
        try allocate(count)
        return .string(string)
    }

    /// One level deeper (blocks, macros, printed collections).
    mutating func descend(at position: SourcePosition? = nil) throws(MappingTemplateError) {
        depth += 1
        guard depth <= limits.maximumNestingDepth else {
            throw template.sourceMap.error(
                .nestingTooDeep, "The rendering nests more than \(limits.maximumNestingDepth) levels deep", at: position)
        }
    }

    func failure(_ message: String, at position: SourcePosition?) -> MappingTemplateError {
        template.sourceMap.error(.evaluation, message, at: position)
    }

    mutating func makeList(_ items: [TemplateValue?] = [], isJSON: Bool = false) -> TemplateList {
        let list = TemplateList(items, isJSON: isJSON)
        lists.append(list)
        return list
    }

    mutating func makeMap(acceptsEachKeyOnce: Bool = false) -> TemplateMap {
        let map = TemplateMap(acceptsEachKeyOnce: acceptsEachKeyOnce)
        maps.append(map)
        return map
    }

    /// Empties every list and map, breaking any cycle a template made.
    mutating func release() {
        for list in lists { list.items.removeAll() }
        for map in maps { map.removeAll() }
        lists.removeAll()
        maps.removeAll()
        variables.removeAll()
        document = .unread
        parameters = nil
    }

    /// `map.put`, refusing a second value for an override.
    mutating func put(
        _ map: TemplateMap, _ key: TemplateValue, _ value: TemplateValue?, at position: SourcePosition?
    ) throws(MappingTemplateError) -> TemplateValue? {
        if map.acceptsEachKeyOnce, map.contains(key) {
            let name = try javaString(key)
            throw failure("\(name) is overridden twice; an override may be set only once", at: position)
        }
        try allocate(16)
        return map.put(key, value).previous
    }

    // MARK: - Statements

    /// Renders statements into `output`.
    mutating func render(_ nodes: [TemplateNode], into output: inout TemplateOutput) throws(MappingTemplateError) -> Flow {
        try descend()
        defer { depth -= 1 }
        for node in nodes {
            try step()
            switch node {
            case .text(let text):
                try write(text, into: &output)
            case .reference(let reference):
                try renderReference(reference, into: &output)
            case .set(let target, let value, let position):
                try assign(target, value, at: position)
            case .conditional(let branches, let otherwise):
                var chosen = otherwise
                for branch in branches {
                    if try evaluate(branch.condition) {
                        chosen = branch.body
                        break
                    }
                }
                if let chosen {
                    let flow = try render(chosen, into: &output)
                    if case .normal = flow {} else { return flow }
                }
            case .loop(let variable, let iterable, let body, let position):
                let flow = try renderLoop(variable, iterable, body, at: position, into: &output)
                if case .normal = flow {} else { return flow }
            case .breakLoop(let scope, let position):
                guard let scope else { return .breakLoop(nil) }
                guard case .scope(let target)? = try resolve(scope) else {
                    throw failure("#break's argument must be a loop's scope, as in #break($foreach)", at: position)
                }
                return .breakLoop(target)
            case .stop:
                return .stop
            case .define(let name, let body):
                variables[name] = .block(body)
            case .macroCall(let name, let arguments, let literal, let position):
                let flow = try callMacro(name, arguments, literal: literal, at: position, into: &output)
                if case .normal = flow {} else { return flow }
            case .literalBlock(let text):
                try write(text, into: &output)
            case .unsupported(let directive, let position):
                throw failure("#\(directive) is not available in API Gateway mapping templates", at: position)
            }
        }
        return .normal
    }

    mutating func write(_ text: String, into output: inout TemplateOutput) throws(MappingTemplateError) {
        try allocate(text.utf8.count)
        try output.append(text)
    }

    /// Velocity's ASTReference.render: the value's text; null prints the reference as written (`$!` prints
    /// nothing); an odd number of backslashes prints the reference itself.
    private mutating func renderReference(_ reference: ReferenceNode, into output: inout TemplateOutput) throws(MappingTemplateError) {
        let value = try resolve(reference)
        let prefix = String(repeating: "\\", count: reference.backslashes / 2)
        if reference.backslashes % 2 == 1 {
            try write(value == nil ? prefix + "\\" + reference.literal : prefix + reference.literal, into: &output)
            return
        }
        guard let value else {
            try write(prefix + prefix + (reference.quiet ? "" : reference.literal), into: &output)
            return
        }
        try write(prefix, into: &output)
        try writeJava(value, into: &output, depth: 0)
    }

    /// `#set`: the value is computed first; null leaves the target unchanged (Velocity's default).
    private mutating func assign(
        _ target: ReferenceNode, _ expression: Expression, at position: SourcePosition
    ) throws(MappingTemplateError) {
        guard let value = try value(of: expression) else { return }
        guard let last = target.accessors.last else {
            variables[target.root] = value
            return
        }
        guard var current = variables[target.root] else { return }
        for accessor in target.accessors.dropLast() {
            guard let next = try apply(accessor, to: current) else { return }
            current = next
        }
        switch last {
        case .property(let name):
            if case .map(let map) = current { _ = try put(map, .string(name), value, at: position) }
        case .index(let keyExpression, let indexPosition):
            guard let key = try self.value(of: keyExpression) else { return }
            switch current {
            case .list(let list):
                guard case .int(let requested) = key else { return }
                let slot = requested < 0 ? requested + list.items.count : requested
                guard slot >= 0, slot < list.items.count else {
                    throw failure("Index \(requested) out of bounds for length \(list.items.count)", at: indexPosition)
                }
                list.items[slot] = value
            case .map(let map):
                _ = try put(map, key, value, at: indexPosition)
            default:
                return
            }
        case .method:
            return
        }
    }

    /// `#foreach`: lists, a map's values, ranges (without building them); anything else iterates nothing.
    /// `$foreach`, `$velocityCount` and `$velocityHasNext` describe the iteration; the loop variable and those are
    /// restored afterwards. A loop stops silently after ``MappingTemplateLimits/maximumIterationsPerLoop``.
    private mutating func renderLoop(
        _ variable: String, _ iterable: Expression, _ body: [TemplateNode], at position: SourcePosition,
        into output: inout TemplateOutput
    ) throws(MappingTemplateError) -> Flow {
        var items: [TemplateValue?] = []
        var range: (from: Int, step: Int)?
        var total: Int
        if case .range(let lower, let upper) = iterable {
            guard case .int(let from)? = try value(of: lower), case .int(let to)? = try value(of: upper) else { return .normal }
            let (difference, overflow) = to.subtractingReportingOverflow(from)
            total = overflow || difference.magnitude >= UInt(Int.max) ? Int.max : Int(difference.magnitude) + 1
            range = (from, to >= from ? 1 : -1)
        } else {
            switch try value(of: iterable) {
            case .list(let list)?: items = list.items
            case .map(let map)?: items = map.values
            default: return .normal
            }
            total = items.count
        }
        let saved = ["foreach", "velocityCount", "velocityHasNext", variable].map { ($0, variables[$0]) }
        let scope = LoopScope(parent: variables["foreach"])
        variables["foreach"] = .scope(scope)
        var flow = Flow.normal
        var count = 0
        while count < total, count < limits.maximumIterationsPerLoop {
            iterations += 1
            guard iterations <= limits.maximumTotalIterations else {
                throw template.sourceMap.error(
                    .tooManyIterations, "The loops ran more than \(limits.maximumTotalIterations) times", at: position)
            }
            let element: TemplateValue? = range.map { .int($0.from + count * $0.step) } ?? items[count]
            let hasNext = count + 1 < total
            variables["velocityCount"] = .int(count + 1)
            variables["velocityHasNext"] = .bool(hasNext)
            variables[variable] = element
            scope.index = count
            scope.hasNext = hasNext
            let result = try render(body, into: &output)
            if case .breakLoop(let target) = result, target == nil || target === scope { break }
            if case .normal = result {} else {
                flow = result
                break
            }
            count += 1
        }
        for (name, value) in saved { variables[name] = value }
        return flow
    }

    /// A macro call: the arguments' values bound to the parameters for the body. Without such a macro, the call is
    /// text, as Velocity prints an unknown directive.
    private mutating func callMacro(
        _ name: String, _ arguments: [Expression], literal: String, at position: SourcePosition, into output: inout TemplateOutput
    ) throws(MappingTemplateError) -> Flow {
        guard let macro = template.macros[name] else {
            try write(literal, into: &output)
            return .normal
        }
        try descend(at: position)
        defer { depth -= 1 }
        var values: [TemplateValue?] = []
        for argument in arguments { values.append(try value(of: argument)) }
        let saved = macro.parameters.map { ($0, variables[$0]) }
        for (offset, parameter) in macro.parameters.enumerated() {
            variables[parameter] = offset < values.count ? values[offset] : nil
        }
        let flow = try render(macro.body, into: &output)
        for (parameter, value) in saved { variables[parameter] = value }
        if case .stop = flow { return .stop }
        return .normal
    }

    // MARK: - Expressions

    /// A reference's value, or nil when any step is null or unknown.
    mutating func resolve(_ reference: ReferenceNode) throws(MappingTemplateError) -> TemplateValue? {
        try step()
        guard var current = variables[reference.root] else { return nil }
        for accessor in reference.accessors {
            guard let next = try apply(accessor, to: current) else { return nil }
            current = next
        }
        return current
    }

    private mutating func apply(_ accessor: Accessor, to value: TemplateValue) throws(MappingTemplateError) -> TemplateValue? {
        try step()
        switch accessor {
        case .property(let name):
            return try property(name, of: value)
        case .method(let name, let arguments, let position):
            var values: [TemplateValue?] = []
            for argument in arguments { values.append(try self.value(of: argument)) }
            return try call(name, on: value, values, at: position)
        case .index(let keyExpression, let position):
            guard let key = try self.value(of: keyExpression) else { return nil }
            switch value {
            case .list(let list):
                guard case .int(let requested) = key else { return nil }
                let slot = requested < 0 ? requested + list.items.count : requested
                guard slot >= 0, slot < list.items.count else {
                    throw failure("Index \(requested) out of bounds for length \(list.items.count)", at: position)
                }
                return list.items[slot]
            case .map(let map):
                return map.get(key)
            default:
                return nil
            }
        }
    }

    /// `$x.name`: a map's entry, or the getters Velocity finds on the other types. `class` is a map key like any
    /// other: there is no reflection.
    mutating func property(_ name: String, of value: TemplateValue) throws(MappingTemplateError) -> TemplateValue? {
        switch value {
        case .map(let map):
            return map.get(.string(name))
        case .input:
            return name == "body" ? .string(try body()) : nil
        case .scope(let scope):
            switch name {
            case "index": return .int(scope.index)
            case "count": return .int(scope.index + 1)
            case "hasNext": return .bool(scope.hasNext)
            case "first": return .bool(scope.index == 0)
            case "last": return .bool(!scope.hasNext)
            case "parent": return scope.parent
            case "topmost":
                var topmost = scope
                while case .scope(let parent)? = topmost.parent { topmost = parent }
                return .scope(topmost)
            default: return nil
            }
        case .entry(let entry):
            switch name {
            case "key": return entry.key
            case "value": return entry.value
            default: return nil
            }
        case .string(let text):
            return name == "empty" ? .bool(text.isEmpty) : nil
        case .list(let list):
            return name == "empty" ? .bool(list.items.isEmpty) : nil
        default:
            return nil
        }
    }

    /// An expression's value (null is nil).
    mutating func value(of expression: Expression) throws(MappingTemplateError) -> TemplateValue? {
        try step()
        try descend()
        defer { depth -= 1 }
        switch expression {
        case .string(let text): return .string(text)
        case .interpolated(let nodes):
            var buffer = TemplateOutput(limit: limits.maximumOutputBytes)
            _ = try render(nodes, into: &buffer)
            return .string(buffer.text)
        case .integer(let number): return .int(number)
        case .bigNumber(let text): return .decimal(text)
        case .double(let number): return .double(number)
        case .bool(let flag): return .bool(flag)
        case .null: return nil
        case .word(let word): return .string(word)
        case .list(let expressions):
            var items: [TemplateValue?] = []
            for item in expressions {
                items.append(try value(of: item))
                try allocate(16)
            }
            return .list(makeList(items))
        case .map(let entries):
            let map = makeMap()
            for entry in entries {
                let key = try value(of: entry.key)
                let item = try value(of: entry.value)
                try allocate(16)
                if let key { map.put(key, item) }
            }
            return .map(map)
        case .range(let lower, let upper):
            guard case .int(let from)? = try value(of: lower), case .int(let to)? = try value(of: upper) else { return nil }
            let (difference, overflow) = to.subtractingReportingOverflow(from)
            guard !overflow, difference.magnitude < UInt(limits.maximumAllocatedBytes / 16) else {
                throw MappingTemplateError(.tooMuchMemory, "The range [\(from)..\(to)] is too large")
            }
            let count = Int(difference.magnitude) + 1
            try allocate(count * 16)
            try step(count)
            let direction = to >= from ? 1 : -1
            return .list(makeList((0..<count).map { .int(from + $0 * direction) }))
        case .reference(let reference): return try resolve(reference)
        case .not(let operand): return .bool(!(try evaluate(operand)))
        case .group(let inner): return try value(of: inner)
        case .operation(let first, let steps):
            switch steps.first?.operation {
            case .or?, .and?:
                return .bool(try evaluate(expression))
            case .add?, .subtract?, .multiply?, .divide?, .modulo?:
                var current = try value(of: first)
                var leftLiteral = Self.literal(of: first)
                for step in steps {
                    let right = try value(of: step.operand)
                    current = try arithmetic(step.operation, current, leftLiteral, right, Self.literal(of: step.operand))
                    leftLiteral = ""
                }
                return current
            default:
                var current = try value(of: first)
                for step in steps {
                    let right = try value(of: step.operand)
                    current = .bool(try compare(step.operation, current, right))
                }
                return current
            }
        }
    }

    /// An expression as a condition (Velocity 1.7's `evaluate`): a reference is true unless null or false;
    /// comparisons and logic as expected; a literal or an arithmetic result is false.
    mutating func evaluate(_ expression: Expression) throws(MappingTemplateError) -> Bool {
        try step()
        try descend()
        defer { depth -= 1 }
        switch expression {
        case .reference(let reference):
            switch try resolve(reference) {
            case nil: return false
            case .bool(let flag)?: return flag
            default: return true
            }
        case .group(let inner): return try evaluate(inner)
        case .bool(let flag): return flag
        case .not(let operand): return !(try evaluate(operand))
        case .operation(let first, let steps):
            switch steps.first?.operation {
            case .or?:
                if try evaluate(first) { return true }
                for step in steps {
                    if try evaluate(step.operand) { return true }
                }
                return false
            case .and?:
                guard try evaluate(first) else { return false }
                for step in steps {
                    guard try evaluate(step.operand) else { return false }
                }
                return true
            case .add?, .subtract?, .multiply?, .divide?, .modulo?:
                return false
            default:
                if case .bool(let flag)? = try value(of: expression) { return flag }
                return false
            }
        default:
            return false
        }
    }

    /// `== != < <= > >=`: equality as Java's (see ``javaEquals(_:_:)``), order only between numbers.
    private mutating func compare(
        _ operation: BinaryOperator, _ left: TemplateValue?, _ right: TemplateValue?
    ) throws(MappingTemplateError) -> Bool {
        switch operation {
        case .equal: return try javaEquals(left, right)
        case .notEqual: return !(try javaEquals(left, right))
        default:
            guard let a = TemplateNumber(left), let b = TemplateNumber(right) else { return false }
            let order = TemplateNumber.compare(a, b)
            switch operation {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    /// `+ - * / %`: `+` joins when either side is a string (a null side prints as its reference); otherwise both
    /// sides must be numbers, else null.
    private mutating func arithmetic(
        _ operation: BinaryOperator, _ a: TemplateValue?, _ leftLiteral: String, _ b: TemplateValue?, _ rightLiteral: String
    ) throws(MappingTemplateError) -> TemplateValue? {
        if operation == .add, Self.isString(a) || Self.isString(b) {
            var leftText = leftLiteral
            if let a { leftText = try javaString(a) }
            var rightText = rightLiteral
            if let b { rightText = try javaString(b) }
            return try made(leftText + rightText)
        }
        guard let x = TemplateNumber(a), let y = TemplateNumber(b) else { return nil }
        return TemplateNumber.apply(operation, x, y)
    }

    private static func isString(_ value: TemplateValue?) -> Bool {
        if case .string? = value { return true }
        return false
    }

    /// How a null operand prints in a concatenation: its source, for a reference.
    private static func literal(of expression: Expression) -> String {
        switch expression {
        case .reference(let reference): reference.literal
        case .group(let inner): literal(of: inner)
        case .null: "null"
        default: ""
        }
    }

    // MARK: - Java semantics

    /// Velocity's `==`: numbers by value, values of one type by `equals`, others by their text; null equals only null.
    mutating func javaEquals(_ left: TemplateValue?, _ right: TemplateValue?) throws(MappingTemplateError) -> Bool {
        guard let left, let right else { return left == nil && right == nil }
        if let a = TemplateNumber(left), let b = TemplateNumber(right) { return TemplateNumber.compare(a, b) == 0 }
        if Self.kind(left) == Self.kind(right) { return try valueEquals(left, right, depth: 0) }
        return try javaString(left) == javaString(right)
    }

    private static func kind(_ value: TemplateValue) -> Int {
        switch value {
        case .string: 0
        case .int, .double, .decimal: 1
        case .bool: 2
        case .list: 3
        case .map: 4
        case .entry: 5
        case .scope: 6
        case .block: 7
        case .input: 8
        case .util: 9
        }
    }

    /// Java's `equals`.
    mutating func valueEquals(_ left: TemplateValue?, _ right: TemplateValue?, depth: Int) throws(MappingTemplateError) -> Bool {
        guard depth <= limits.maximumNestingDepth else {
            throw MappingTemplateError(.nestingTooDeep, "Compared values nest more than \(limits.maximumNestingDepth) levels deep")
        }
        try step()
        switch (left, right) {
        case (nil, nil): return true
        case (.string(let a)?, .string(let b)?): return a == b
        case (.int(let a)?, .int(let b)?): return a == b
        case (.double(let a)?, .double(let b)?): return a == b || (a.isNaN && b.isNaN)
        case (.decimal(let a)?, .decimal(let b)?): return a == b
        case (.bool(let a)?, .bool(let b)?): return a == b
        case (.list(let a)?, .list(let b)?):
            if a === b { return true }
            guard a.items.count == b.items.count else { return false }
            for (x, y) in zip(a.items, b.items) {
                guard try valueEquals(x, y, depth: depth + 1) else { return false }
            }
            return true
        case (.map(let a)?, .map(let b)?):
            if a === b { return true }
            guard a.count == b.count else { return false }
            for (key, value) in zip(a.keys, a.values) {
                guard b.contains(key), try valueEquals(value, b.get(key), depth: depth + 1) else { return false }
            }
            return true
        case (.entry(let a)?, .entry(let b)?):
            guard try valueEquals(a.key, b.key, depth: depth + 1) else { return false }
            return try valueEquals(a.value, b.value, depth: depth + 1)
        case (.scope(let a)?, .scope(let b)?): return a === b
        case (.input?, .input?), (.util?, .util?): return true
        default: return false
        }
    }

    /// Java's `toString`.
    mutating func javaString(_ value: TemplateValue) throws(MappingTemplateError) -> String {
        if case .string(let text) = value { return text }
        var buffer = TemplateOutput(limit: limits.maximumOutputBytes)
        try writeJava(value, into: &buffer, depth: 0)
        return buffer.text
    }

    /// Writes Java's `toString`: `[a, b]` for lists, `{k=v, k2=v2}` for maps, compact JSON for JSON arrays,
    /// `(this Collection)` for a list inside itself.
    mutating func writeJava(_ value: TemplateValue, into output: inout TemplateOutput, depth: Int) throws(MappingTemplateError) {
        guard depth <= limits.maximumNestingDepth else {
            throw MappingTemplateError(.nestingTooDeep, "A printed value nests more than \(limits.maximumNestingDepth) levels deep")
        }
        switch value {
        case .string(let text): try write(text, into: &output)
        case .int(let number): try write(String(number), into: &output)
        case .double(let number): try write(JavaFormat.double(number), into: &output)
        case .decimal(let text): try write(text, into: &output)
        case .bool(let flag): try write(flag ? "true" : "false", into: &output)
        case .list(let list):
            if list.isJSON {
                try writeJSON(value, into: &output, depth: depth)
                return
            }
            try write("[", into: &output)
            for (offset, item) in list.items.enumerated() {
                try step()
                if offset > 0 { try write(", ", into: &output) }
                if case .list(let inner)? = item, inner === list {
                    try write("(this Collection)", into: &output)
                } else if let item {
                    try writeJava(item, into: &output, depth: depth + 1)
                } else {
                    try write("null", into: &output)
                }
            }
            try write("]", into: &output)
        case .map(let map):
            try write("{", into: &output)
            for (offset, (key, item)) in zip(map.keys, map.values).enumerated() {
                try step()
                if offset > 0 { try write(", ", into: &output) }
                try writeMapPart(key, of: map, into: &output, depth: depth)
                try write("=", into: &output)
                try writeMapPart(item, of: map, into: &output, depth: depth)
            }
            try write("}", into: &output)
        case .entry(let entry):
            try writeJava(entry.key, into: &output, depth: depth + 1)
            try write("=", into: &output)
            if let item = entry.value { try writeJava(item, into: &output, depth: depth + 1) } else { try write("null", into: &output) }
        case .scope:
            try write("ForeachScope", into: &output)
        case .block(let nodes):
            _ = try render(nodes, into: &output)
        case .input:
            try write("$input", into: &output)
        case .util:
            try write("$util", into: &output)
        }
    }

    private mutating func writeMapPart(
        _ part: TemplateValue?, of map: TemplateMap, into output: inout TemplateOutput, depth: Int
    ) throws(MappingTemplateError) {
        if case .map(let inner)? = part, inner === map {
            try write("(this Map)", into: &output)
        } else if let part {
            try writeJava(part, into: &output, depth: depth + 1)
        } else {
            try write("null", into: &output)
        }
    }

    /// Writes compact JSON, as json-smart serializes what API Gateway's JSONPath returns.
    mutating func writeJSON(_ value: TemplateValue?, into output: inout TemplateOutput, depth: Int) throws(MappingTemplateError) {
        guard depth <= limits.maximumNestingDepth + limits.maximumJSONDepth else {
            throw MappingTemplateError(.nestingTooDeep, "A value written as JSON nests too deeply")
        }
        try step()
        switch value {
        case nil: try write("null", into: &output)
        case .int(let number)?: try write(String(number), into: &output)
        case .double(let number)?: try write(number.isFinite ? JavaFormat.double(number) : "null", into: &output)
        case .decimal(let text)?: try write(text, into: &output)
        case .bool(let flag)?: try write(flag ? "true" : "false", into: &output)
        case .string(let text)?: try writeQuoted(text, into: &output)
        case .list(let list)?:
            try write("[", into: &output)
            for (offset, item) in list.items.enumerated() {
                if offset > 0 { try write(",", into: &output) }
                try writeJSON(item, into: &output, depth: depth + 1)
            }
            try write("]", into: &output)
        case .map(let map)?:
            try write("{", into: &output)
            for (offset, (key, item)) in zip(map.keys, map.values).enumerated() {
                if offset > 0 { try write(",", into: &output) }
                try writeQuoted(try javaString(key), into: &output)
                try write(":", into: &output)
                try writeJSON(item, into: &output, depth: depth + 1)
            }
            try write("}", into: &output)
        case .entry(let entry)?:
            try write("{", into: &output)
            try writeQuoted(try javaString(entry.key), into: &output)
            try write(":", into: &output)
            try writeJSON(entry.value, into: &output, depth: depth + 1)
            try write("}", into: &output)
        case let other?:
            try writeQuoted(try javaString(other), into: &output)
        }
    }

    private mutating func writeQuoted(_ text: String, into output: inout TemplateOutput) throws(MappingTemplateError) {
        var quoted = ""
        JSONWriter.quote(text, into: &quoted)
        try write(quoted, into: &output)
    }

    /// Compact JSON text of a value.
    mutating func jsonText(_ value: TemplateValue?) throws(MappingTemplateError) -> String {
        var buffer = TemplateOutput(limit: limits.maximumOutputBytes)
        try writeJSON(value, into: &buffer, depth: 0)
        return buffer.text
    }

    // MARK: - $input

    /// `$input.body`: the body as text; an empty body reads as `{}`, as API Gateway passes it.
    mutating func body() throws(MappingTemplateError) -> String {
        if let bodyText { return bodyText }
        let text = input.body.isEmpty ? "{}" : String(decoding: input.body, as: UTF8.self)
        try allocate(text.utf8.count)
        bodyText = text
        return text
    }

    /// The body as JSON, read once. Like API Gateway's permissive JSON reader, it accepts trailing commas
    /// (`{"a": 1, }`), and a body that is not JSON reads as its text (a form body, for
    /// `$input.path('$').split('&')`).
    mutating func bodyDocument() throws(MappingTemplateError) -> TemplateValue? {
        if case .read(let value) = document { return value }
        let bytes = input.body.isEmpty ? Array("{}".utf8) : input.body
        let value = try readJSON(bytes, fallbackToText: true)
        document = .read(value)
        return value
    }

    /// JSON text as values: objects as maps in their order, arrays as JSON lists, integers as Integer or Long,
    /// other numbers as BigDecimal (kept as written).
    mutating func readJSON(_ bytes: [UInt8], fallbackToText: Bool) throws(MappingTemplateError) -> TemplateValue? {
        guard Self.nesting(bytes) <= limits.maximumJSONDepth else {
            throw MappingTemplateError(.jsonTooDeep, "The JSON nests more than \(limits.maximumJSONDepth) levels deep")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes, maximumDepth: limits.maximumJSONDepth + 1)
        } catch {
            if let relaxed = Self.withoutTrailingCommas(bytes),
                let parsed = try? JSONParser.parse(relaxed, maximumDepth: limits.maximumJSONDepth + 1)
            {
                return try convert(parsed)
            }
            guard fallbackToText else {
                throw MappingTemplateError(.evaluation, "Invalid JSON at offset \(error.offset): \(error.reason)")
            }
            return .string(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return try convert(json)
    }

    /// JSON text without the commas that close nothing (`[1, 2, ]`), or nil when it has none.
    static func withoutTrailingCommas(_ bytes: [UInt8]) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var removed = false
        var inString = false
        var escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: ",") {
                var next = offset + 1
                while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
                if next < bytes.count, bytes[next] == UInt8(ascii: "]") || bytes[next] == UInt8(ascii: "}") {
                    removed = true
                    continue
                }
            }
            result.append(byte)
        }
        return removed ? result : nil
    }

    /// How deeply arrays and objects nest in JSON text (strings skipped), before parsing it.
    static func nesting(_ bytes: [UInt8]) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    private mutating func convert(_ json: JSONValue) throws(MappingTemplateError) -> TemplateValue? {
        switch json {
        case .null: return nil
        case .bool(let flag): return .bool(flag)
        case .number(let text): return Int(text).map(TemplateValue.int) ?? .decimal(text)
        case .string(let text): return .string(text)
        case .array(let items):
            var values: [TemplateValue?] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try convert(item)) }
            return .list(makeList(values, isJSON: true))
        case .object(let members):
            let map = makeMap()
            for member in members { map.put(.string(member.key), try convert(member.value)) }
            return .map(map)
        }
    }

    /// `$input.params()`: `path`, `querystring` and `header`, each a map (the last value of a repeated name).
    mutating func parameterMap() throws(MappingTemplateError) -> TemplateMap {
        if let parameters { return parameters }
        let all = makeMap()
        for (name, pairs) in [("path", input.pathParameters), ("querystring", input.queryString), ("header", input.headers)] {
            let map = makeMap()
            for pair in pairs {
                try allocate(pair.name.utf8.count + pair.value.utf8.count)
                map.put(.string(pair.name), .string(pair.value))
            }
            all.put(.string(name), .map(map))
        }
        parameters = all
        return all
    }

    /// `$input.params('name')`: the path, then the query string, then the headers (named case-insensitively);
    /// an empty string when none has it.
    func parameter(_ name: String) -> String {
        if let value = input.pathParameters.last(where: { $0.name == name }) { return value.value }
        if let value = input.queryString.last(where: { $0.name == name }) { return value.value }
        let lowered = name.lowercased()
        if let value = input.headers.last(where: { $0.name.lowercased() == lowered }) { return value.value }
        return ""
    }

    /// `$input.path(x)`: the selected value itself (null when a definite path selects nothing; a JSON list for
    /// `[*]` and `..`).
    mutating func inputPath(_ expression: String, at position: SourcePosition) throws(MappingTemplateError) -> TemplateValue? {
        switch try select(expression, at: position) {
        case .missing: return nil
        case .found(let value): return value
        case .many(let values): return .list(makeList(values, isJSON: true))
        }
    }

    /// `$input.json(x)`: the selected value as JSON text; `""` when a definite path selects nothing.
    mutating func inputJSON(_ expression: String, at position: SourcePosition) throws(MappingTemplateError) -> TemplateValue? {
        let text: String
        switch try select(expression, at: position) {
        case .missing: text = "\"\""
        case .found(let value): text = try jsonText(value)
        case .many(let values): text = try jsonText(.list(TemplateList(values, isJSON: true)))
        }
        return .string(text)
    }

    private mutating func select(_ expression: String, at position: SourcePosition) throws(MappingTemplateError) -> JSONPath.Selection {
        let path: JSONPath
        do {
            path = try JSONPath(expression)
        } catch {
            throw failure("Invalid JSONPath \(expression): \(error.message)", at: position)
        }
        let root = try bodyDocument()
        var budget = limits.maximumOperations - operations
        let selection = path.select(in: root, budget: &budget, maximumDepth: limits.maximumJSONDepth + limits.maximumNestingDepth)
        try step(limits.maximumOperations - operations - budget)
        guard let selection else {
            throw MappingTemplateError(.nestingTooDeep, "JSONPath \(expression) descends too deeply")
        }
        return selection
    }
}
