import Foundation
import Synchronization

/// Checks a decoded input against the constraints of its model: required members, lengths, ranges, patterns, enums.
///
/// Messages follow AWS's validation wording, e.g.
/// `1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`.
public struct ShapeValidator: Sendable {
    public let schema: ShapeSchema
    private let patterns: PatternCache

    public init(schema: ShapeSchema) {
        self.schema = schema
        self.patterns = PatternCache()
    }

    /// The violations of `value` against shape `shapeName`, empty when it is valid.
    public func violations(of value: WireValue, shape shapeName: String) -> [String] {
        var found: [String] = []
        check(value, shapeName: shapeName, path: "", sensitive: false, into: &found)
        return found
    }

    /// The whole message for a list of violations, or nil when there are none.
    public static func message(for violations: [String]) -> String? {
        guard !violations.isEmpty else { return nil }
        let count = violations.count
        let head = "\(count) validation error\(count == 1 ? "" : "s") detected: "
        return head + violations.joined(separator: "; ")
    }

    private func check(_ value: WireValue, shapeName: String, path: String, sensitive: Bool, into found: inout [String]) {
        guard let shape = schema[shapeName] else { return }
        let isSensitive = sensitive || shape.isSensitive
        switch (shape.type, value) {
        case (.structure, .object(let members)):
            for member in shape.members {
                let memberPath = path.isEmpty ? Self.lowerFirst(member.name) : "\(path).\(Self.lowerFirst(member.name))"
                guard let memberValue = members[member.name], memberValue != .null else {
                    if member.isRequired {
                        found.append("Value null at '\(memberPath)' failed to satisfy constraint: Member must not be null")
                    }
                    continue
                }
                check(memberValue, shapeName: member.shape, path: memberPath, sensitive: isSensitive, into: &found)
            }
        case (.list, .list(let elements)):
            checkCount(elements.count, shape: shape, value: value, path: path, sensitive: isSensitive, into: &found)
            if let element = shape.member {
                for (index, item) in elements.enumerated() {
                    let itemPath = "\(path).\(index + 1).member"
                    if item == .null {
                        found.append("Value null at '\(itemPath)' failed to satisfy constraint: Member must not be null")
                        continue
                    }
                    check(item, shapeName: element.shape, path: itemPath, sensitive: isSensitive, into: &found)
                }
            }
        case (.map, .object(let entries)):
            checkCount(entries.count, shape: shape, value: value, path: path, sensitive: isSensitive, into: &found)
            for (key, item) in entries.sorted(by: { $0.key < $1.key }) {
                if let keyShape = shape.key {
                    check(.string(key), shapeName: keyShape.shape, path: "\(path).key", sensitive: isSensitive, into: &found)
                }
                if item == .null {
                    found.append("Value null at '\(path).\(key).value' failed to satisfy constraint: Member must not be null")
                } else if let valueShape = shape.value {
                    check(item, shapeName: valueShape.shape, path: "\(path).\(key).value", sensitive: isSensitive, into: &found)
                }
            }
        case (.string, .string(let text)):
            checkString(text, shape: shape, path: path, sensitive: isSensitive, into: &found)
        case (.blob, .blob(let data)):
            checkCount(data.count, shape: shape, value: value, path: path, sensitive: true, into: &found)
        case (.integer, .integer(let number)), (.long, .integer(let number)):
            checkRange(Double(number), shape: shape, value: value, path: path, sensitive: isSensitive, into: &found)
        case (.double, .double(let number)), (.float, .double(let number)):
            checkRange(number, shape: shape, value: value, path: path, sensitive: isSensitive, into: &found)
        default:
            break
        }
    }

    private func checkString(_ text: String, shape: Shape, path: String, sensitive: Bool, into found: inout [String]) {
        let value = WireValue.string(text)
        if let allowed = shape.enumValues, !allowed.contains(text) {
            found.append(
                "\(Self.describe(value, sensitive: sensitive)) at '\(path)' failed to satisfy constraint: "
                    + "Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]"
            )
            return
        }
        checkCount(text.count, shape: shape, value: value, path: path, sensitive: sensitive, into: &found)
        if let pattern = shape.pattern, !patterns.matches(text, pattern: pattern) {
            found.append(
                "\(Self.describe(value, sensitive: sensitive)) at '\(path)' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: \(pattern)"
            )
        }
    }

    private func checkCount(_ count: Int, shape: Shape, value: WireValue, path: String, sensitive: Bool, into found: inout [String]) {
        if let min = shape.min, Double(count) < min {
            found.append(
                "\(Self.describe(value, sensitive: sensitive)) at '\(path)' failed to satisfy constraint: "
                    + "Member must have length greater than or equal to \(Self.format(min))"
            )
        }
        if let max = shape.max, Double(count) > max {
            found.append(
                "\(Self.describe(value, sensitive: sensitive)) at '\(path)' failed to satisfy constraint: "
                    + "Member must have length less than or equal to \(Self.format(max))"
            )
        }
    }

    private func checkRange(_ number: Double, shape: Shape, value: WireValue, path: String, sensitive: Bool, into found: inout [String]) {
        if let min = shape.min, number < min {
            found.append(
                "\(Self.describe(value, sensitive: sensitive)) at '\(path)' failed to satisfy constraint: "
                    + "Member must have value greater than or equal to \(Self.format(min))"
            )
        }
        if let max = shape.max, number > max {
            found.append(
                "\(Self.describe(value, sensitive: sensitive)) at '\(path)' failed to satisfy constraint: "
                    + "Member must have value less than or equal to \(Self.format(max))"
            )
        }
    }

    /// AWS quotes the offending value, except for sensitive members and structured values.
    static func describe(_ value: WireValue, sensitive: Bool) -> String {
        if sensitive { return "Value" }
        switch value {
        case .string(let text): return "Value '\(text)'"
        case .integer(let number): return "Value '\(number)'"
        case .double(let number): return "Value '\(number)'"
        default: return "Value"
        }
    }

    package static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    package static func lowerFirst(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }
}

/// Compiled model patterns, shared by every request of a service.
///
/// Model patterns are Java regular expressions matched against the whole value; ICU's syntax accepts them.
private final class PatternCache: Sendable {
    private let compiled = Mutex<[String: UnsafeRegex]>([:])

    func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = regex(for: pattern) else { return true }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.value.firstMatch(in: text, options: [], range: range) != nil
    }

    private func regex(for pattern: String) -> UnsafeRegex? {
        if let cached = compiled.withLock({ $0[pattern] }) { return cached }
        guard let regex = try? NSRegularExpression(pattern: "\\A(?:\(pattern))\\z", options: [.dotMatchesLineSeparators]) else {
            return nil
        }
        let boxed = UnsafeRegex(value: regex)
        compiled.withLock { $0[pattern] = boxed }
        return boxed
    }
}

/// `NSRegularExpression` is immutable once built and documented as safe to share between threads,
/// but corelibs-foundation does not mark it `Sendable`.
private struct UnsafeRegex: @unchecked Sendable {
    let value: NSRegularExpression
}
