import MoatCore

/// A `Resource`, `NotResource` or condition value as written, with its policy variables located.
///
/// IAM User Guide, IAM policy elements: Variables and tags: variables are `${key}` (any request context key),
/// `${key, 'default'}` when the key may be absent, and the escapes `${*}`, `${?}`, `${$}` for a literal `*`, `?`
/// and `$`. They are recognised only in policies of version 2012-10-17; under 2008-10-17 (or with no `Version`)
/// `${aws:username}` is literal text.
struct PolicyValueTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        /// Policy text: `*` and `?` in it are wildcards.
        case text(String)
        /// A literal character from an escape.
        case escaped(Unicode.Scalar)
        /// A request context key, with the default used when the key has no value.
        case variable(key: String, defaultValue: String?)
    }

    /// The value exactly as written in the policy.
    let raw: String
    let parts: [Part]

    init(_ raw: String, variables: Bool) {
        self.raw = raw
        self.parts = variables ? Self.parse(raw) : [.text(raw)]
    }

    var hasVariables: Bool {
        parts.contains { if case .text = $0 { false } else { true } }
    }

    /// The value with its variables replaced from `context`, or nil when a variable has no single value and no
    /// default: IAM User Guide, "Policy variables with no value" — such a value matches nothing.
    func resolve(in context: PolicyRequestContext) -> PolicyPattern? {
        var elements: [PolicyPattern.Element] = []
        for part in parts {
            switch part {
            case .text(let text):
                elements += PolicyPattern(wildcards: text).elements
            case .escaped(let scalar):
                elements.append(.literal(scalar))
            case .variable(let key, let defaultValue):
                let values = context[key] ?? []
                if values.count == 1 {
                    elements += PolicyPattern(literal: values[0]).elements
                } else if values.isEmpty, let defaultValue {
                    elements += PolicyPattern(literal: defaultValue).elements
                } else {
                    return nil
                }
            }
        }
        return PolicyPattern(elements: elements)
    }

    private static func parse(_ raw: String) -> [Part] {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(raw)
        while let start = rest.firstRange(of: "${") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            let inner = rest[start.upperBound..<end]
            guard let part = variablePart(inner) else {
                // Not a variable: keep `${` as text and look again after it.
                text += rest[..<start.upperBound]
                rest = rest[start.upperBound...]
                continue
            }
            text += rest[..<start.lowerBound]
            if !text.isEmpty { parts.append(.text(text)) }
            text = ""
            parts.append(part)
            rest = rest[rest.index(after: end)...]
        }
        text += rest
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }

    private static func variablePart(_ inner: Substring) -> Part? {
        switch inner {
        case "*": return .escaped("*")
        case "?": return .escaped("?")
        case "$": return .escaped("$")
        default: break
        }
        var key = inner
        var defaultValue: String?
        if let comma = inner.firstIndex(of: ",") {
            key = inner[..<comma]
            let tail = inner[inner.index(after: comma)...].trimmingSpaces()
            guard tail.count >= 2, tail.first == "'", tail.last == "'" else { return nil }
            defaultValue = String(tail.dropFirst().dropLast())
        }
        let name = key.trimmingSpaces()
        guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "$" || $0 == "{" }) else { return nil }
        return .variable(key: String(name), defaultValue: defaultValue)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
