import Foundation
import MoatCore

/// A value while a template renders: the few Java types API Gateway's templates handle (String, Integer/Long,
/// Double, BigDecimal, Boolean, ArrayList, LinkedHashMap, json-smart's JSONArray), plus `$input`, `$util`, loop
/// scopes and `#define` blocks. Null is `nil` of `TemplateValue?`.
///
/// Lists and maps are reference types, as in Java: `$list.add(1)` changes every variable holding the list. They only
/// live during one rendering, which releases them at its end (a list may contain itself).
enum TemplateValue {
    case string(String)
    /// Java Integer or Long.
    case int(Int)
    /// Java Double (floating-point literals and arithmetic on them).
    case double(Double)
    /// Java BigDecimal or BigInteger: JSON numbers with a fraction or an exponent, integers beyond 64 bits.
    /// Kept as their text, which is how they print.
    case decimal(String)
    case bool(Bool)
    case list(TemplateList)
    case map(TemplateMap)
    /// A `Map.Entry` from `entrySet()`.
    case entry(TemplateEntry)
    /// `$foreach` inside a loop.
    case scope(LoopScope)
    /// A `#define` block: printing it renders it.
    case block([TemplateNode])
    /// `$input`.
    case input
    /// `$util`.
    case util
}

/// A Java list: an ArrayList made by the template (prints `[a, b]`), or a JSON array read from a body (json-smart's
/// JSONArray, which prints as compact JSON, as API Gateway shows it).
final class TemplateList {
    var items: [TemplateValue?]
    let isJSON: Bool

    init(_ items: [TemplateValue?] = [], isJSON: Bool = false) {
        self.items = items
        self.isJSON = isJSON
    }
}

/// A key of a map, compared as Java's `equals` would for the types templates produce.
enum TemplateMapKey: Hashable {
    case string(String)
    case int(Int)
    case double(UInt64)
    case decimal(String)
    case bool(Bool)
    case object(ObjectIdentifier)
    case special(String)

    init(_ value: TemplateValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number.bitPattern)
        case .decimal(let text): self = .decimal(text)
        case .bool(let flag): self = .bool(flag)
        case .list(let list): self = .object(ObjectIdentifier(list))
        case .map(let map): self = .object(ObjectIdentifier(map))
        case .entry(let entry): self = .object(ObjectIdentifier(entry))
        case .scope(let scope): self = .object(ObjectIdentifier(scope))
        case .block: self = .special("block")
        case .input: self = .special("input")
        case .util: self = .special("util")
        }
    }
}

/// A Java LinkedHashMap: entries in insertion order (Velocity's map literals, JSON objects, `$input.params()`).
final class TemplateMap {
    private(set) var keys: [TemplateValue] = []
    private(set) var values: [TemplateValue?] = []
    private var slots: [TemplateMapKey: Int] = [:]
    /// API Gateway's override maps (`$context.requestOverride.header`…) accept each key once: "overrides are final".
    let acceptsEachKeyOnce: Bool

    init(acceptsEachKeyOnce: Bool = false) {
        self.acceptsEachKeyOnce = acceptsEachKeyOnce
    }

    var count: Int { keys.count }

    /// Whether the key is present (its value may be null).
    func contains(_ key: TemplateValue) -> Bool { slots[TemplateMapKey(key)] != nil }

    func get(_ key: TemplateValue) -> TemplateValue? {
        guard let slot = slots[TemplateMapKey(key)] else { return nil }
        return values[slot]
    }

    /// Sets a key's value, keeping its place when present.
    /// - Returns: the previous value, and whether the key was present.
    @discardableResult
    func put(_ key: TemplateValue, _ value: TemplateValue?) -> (previous: TemplateValue?, replaced: Bool) {
        let mapKey = TemplateMapKey(key)
        if let slot = slots[mapKey] {
            let previous = values[slot]
            values[slot] = value
            return (previous, true)
        }
        slots[mapKey] = keys.count
        keys.append(key)
        values.append(value)
        return (nil, false)
    }

    @discardableResult
    func remove(_ key: TemplateValue) -> TemplateValue? {
        guard let slot = slots.removeValue(forKey: TemplateMapKey(key)) else { return nil }
        let previous = values[slot]
        keys.remove(at: slot)
        values.remove(at: slot)
        for index in slot..<keys.count { slots[TemplateMapKey(keys[index])] = index }
        return previous
    }

    func removeAll() {
        keys.removeAll()
        values.removeAll()
        slots.removeAll()
    }
}

/// A `Map.Entry`.
final class TemplateEntry {
    let key: TemplateValue
    let value: TemplateValue?

    init(key: TemplateValue, value: TemplateValue?) {
        self.key = key
        self.value = value
    }
}

/// `$foreach`: Velocity 1.7's ForeachScope.
final class LoopScope {
    /// 0-based.
    var index = -1
    var hasNext = false
    /// The enclosing loop's `$foreach`, or what `$foreach` held before.
    let parent: TemplateValue?

    init(parent: TemplateValue?) {
        self.parent = parent
    }
}

/// Java's number rules for the values that are numbers.
enum TemplateNumber {
    case int(Int)
    case double(Double)
    case decimal(Decimal)

    init?(_ value: TemplateValue?) {
        switch value {
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .decimal(let text):
            guard let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
            self = .decimal(number)
        default: return nil
        }
    }

    var decimal: Decimal {
        switch self {
        case .int(let number): Decimal(number)
        case .double(let number): Decimal(string: JavaFormat.double(number), locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(number)
        case .decimal(let number): number
        }
    }

    var double: Double {
        switch self {
        case .int(let number): Double(number)
        case .double(let number): number
        case .decimal(let number): NSDecimalNumber(decimal: number).doubleValue
        }
    }

    var isZero: Bool {
        switch self {
        case .int(let number): number == 0
        case .double(let number): number == 0
        case .decimal(let number): number.isZero
        }
    }

    /// Velocity's MathUtils.compare: -1, 0 or 1.
    static func compare(_ left: TemplateNumber, _ right: TemplateNumber) -> Int {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.decimal, _), (_, .decimal):
            let a = left.decimal
            let b = right.decimal
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            let a = left.double
            let b = right.double
            return a < b ? -1 : (a == b ? 0 : 1)
        }
    }

    /// Velocity's arithmetic: integers stay integers (widening past 64 bits to BigInteger, kept as a decimal),
    /// any BigDecimal makes the result one, otherwise doubles. Division or remainder by zero is null.
    static func apply(_ operation: BinaryOperator, _ left: TemplateNumber, _ right: TemplateNumber) -> TemplateValue? {
        if (operation == .divide || operation == .modulo), right.isZero { return nil }
        switch (left, right) {
        case (.int(let a), .int(let b)):
            let result: (partialValue: Int, overflow: Bool)
            switch operation {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide: result = a.dividedReportingOverflow(by: b)
            case .modulo: result = a.remainderReportingOverflow(dividingBy: b)
            default: return nil
            }
            if !result.overflow { return .int(result.partialValue) }
            return decimalResult(operation, Decimal(a), Decimal(b))
        case (.decimal, _), (_, .decimal):
            return decimalResult(operation, left.decimal, right.decimal)
        default:
            let a = left.double
            let b = right.double
            switch operation {
            case .add: return .double(a + b)
            case .subtract: return .double(a - b)
            case .multiply: return .double(a * b)
            case .divide: return .double(a / b)
            case .modulo: return .double(a.truncatingRemainder(dividingBy: b))
            default: return nil
            }
        }
    }

    private static func decimalResult(_ operation: BinaryOperator, _ a: Decimal, _ b: Decimal) -> TemplateValue? {
        let result: Decimal
        switch operation {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        case .divide: result = a / b
        case .modulo:
            var quotient = a / b
            var truncated = Decimal()
            NSDecimalRound(&truncated, &quotient, 0, a.isSignMinus != b.isSignMinus ? .up : .down)
            result = a - truncated * b
        default: return nil
        }
        guard !result.isNaN else { return nil }
        return .decimal(NSDecimalNumber(decimal: result).stringValue)
    }
}

/// Java's text forms of numbers.
enum JavaFormat {
    /// `Double.toString`: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`, from the shortest digits that
    /// read back as the same double.
    static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        var text = "\(value.magnitude)"
        var exponent = 0
        if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: marker)...].replacingOccurrences(of: "+", with: "")) ?? 0
            text = String(text[..<marker])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts.first.map(String.init) ?? ""
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = Array(integerPart + fraction)
        var point = integerPart.count + exponent
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        let all = String(digits)
        let magnitude = value.magnitude
        var result: String
        if magnitude >= 1e-3, magnitude < 1e7 {
            if point <= 0 {
                result = "0." + String(repeating: "0", count: -point) + all
            } else if point >= digits.count {
                result = all + String(repeating: "0", count: point - digits.count) + ".0"
            } else {
                result = String(digits[..<point]) + "." + String(digits[point...])
            }
        } else {
            let rest = digits.count > 1 ? String(digits[1...]) : "0"
            result = String(digits[0]) + "." + rest + "E" + String(point - 1)
        }
        return value < 0 ? "-" + result : result
    }
}
