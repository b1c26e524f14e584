import MoatCore

/// A value of a policy after its variables are resolved: literal characters and the wildcards `*` and `?`.
///
/// Characters that came from a variable's value or from the escapes `${*}`, `${?}`, `${$}` are literal, so a
/// user named `a*b` cannot widen a `${aws:username}` resource into a wildcard.
struct PolicyPattern: Sendable, Equatable {
    enum Element: Sendable, Equatable {
        case literal(Unicode.Scalar)
        /// `*`: any run of characters. `crossesColon` is false for a `*` inside an ARN segment that is not the
        /// segment's last character (see ``resourceMatches(_:)``).
        case anyRun(crossesColon: Bool)
        /// `?`: any one character.
        case anyOne
    }

    var elements: [Element]

    init(elements: [Element]) {
        self.elements = elements
    }

    /// A pattern where `*` and `?` are wildcards.
    init(wildcards text: String) {
        elements = text.unicodeScalars.map { scalar in
            switch scalar {
            case "*": .anyRun(crossesColon: true)
            case "?": .anyOne
            default: .literal(scalar)
            }
        }
    }

    /// A pattern of literal characters only.
    init(literal text: String) {
        elements = text.unicodeScalars.map { .literal($0) }
    }

    /// The pattern written back as text, wildcards as `*` and `?`.
    var text: String {
        var scalars = String.UnicodeScalarView()
        for element in elements {
            switch element {
            case .literal(let scalar): scalars.append(scalar)
            case .anyRun: scalars.append("*")
            case .anyOne: scalars.append("?")
            }
        }
        return String(scalars)
    }

    var hasWildcards: Bool {
        elements.contains { if case .literal = $0 { false } else { true } }
    }

    /// Whether `value` matches the whole pattern (`StringLike`, `Action`).
    func matches(_ value: String, caseInsensitive: Bool = false) -> Bool {
        if caseInsensitive {
            return lowercased().matchElements(Array(value.lowercased().unicodeScalars))
        }
        return matchElements(Array(value.unicodeScalars))
    }

    /// Whether a resource ARN matches this `Resource` pattern.
    ///
    /// IAM User Guide, IAM JSON policy elements: Resource: wildcards may be used within any ARN segment (the parts
    /// separated by colons); "if the * wildcard is the last character of a resource ARN segment, it can expand to
    /// match beyond the colon boundaries". A `*` in the middle of one of the first five segments stays inside it.
    func resourceMatches(_ resource: String) -> Bool {
        var adjusted = elements
        var colons = 0
        for index in adjusted.indices {
            switch adjusted[index] {
            case .literal(":"):
                colons += 1
            case .anyRun where colons < 5:
                let next = index + 1 < adjusted.count ? adjusted[index + 1] : nil
                let endsSegment = next == nil || next == .literal(":")
                adjusted[index] = .anyRun(crossesColon: endsSegment)
            default:
                break
            }
        }
        return PolicyPattern(elements: adjusted).matchElements(Array(resource.unicodeScalars))
    }

    /// Whether an ARN matches this pattern component by component (`ArnEquals`, `ArnLike`).
    ///
    /// IAM User Guide, Condition operators: ARN condition operators: "each of the six colon-delimited components
    /// of the ARN is checked separately and each can include multi-character match wildcards (*) or
    /// single-character match wildcards (?)".
    func arnMatches(_ arn: String) -> Bool {
        let components = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let patternComponents = splitArnComponents()
        guard patternComponents.count == 6 else {
            // Not an ARN pattern (`*` alone): compare the whole text.
            return matches(arn)
        }
        guard components.count == 6 else { return false }
        for (pattern, component) in zip(patternComponents, components) where !pattern.matches(String(component)) {
            return false
        }
        return true
    }

    /// The pattern cut at its first five literal colons.
    func splitArnComponents() -> [PolicyPattern] {
        var components: [PolicyPattern] = []
        var current: [Element] = []
        for element in elements {
            if element == .literal(":"), components.count < 5 {
                components.append(PolicyPattern(elements: current))
                current = []
            } else {
                current.append(element)
            }
        }
        components.append(PolicyPattern(elements: current))
        return components
    }

    private func lowercased() -> PolicyPattern {
        PolicyPattern(
            elements: elements.flatMap { element -> [Element] in
                guard case .literal(let scalar) = element else { return [element] }
                return String(scalar).lowercased().unicodeScalars.map { .literal($0) }
            }
        )
    }

    /// Glob matching by dynamic programming over pattern prefixes: O(pattern × value) time, O(pattern) memory,
    /// no backtracking blow-up on hostile patterns.
    private func matchElements(_ value: [Unicode.Scalar]) -> Bool {
        if !hasWildcards {
            return elements.count == value.count && zip(elements, value).allSatisfy { $0 == .literal($1) }
        }
        let count = elements.count
        var previous = [Bool](repeating: false, count: count + 1)
        previous[0] = true
        for index in 0..<count {
            guard case .anyRun = elements[index] else { break }
            previous[index + 1] = true
        }
        var current = [Bool](repeating: false, count: count + 1)
        for scalar in value {
            current[0] = false
            for index in 0..<count {
                switch elements[index] {
                case .anyRun(let crossesColon):
                    current[index + 1] = current[index] || (previous[index + 1] && (crossesColon || scalar != ":"))
                case .anyOne:
                    current[index + 1] = previous[index]
                case .literal(let literal):
                    current[index + 1] = previous[index] && literal == scalar
                }
            }
            swap(&previous, &current)
        }
        return previous[count]
    }
}
