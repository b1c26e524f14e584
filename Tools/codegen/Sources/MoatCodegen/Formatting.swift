/// An argument of a generated call: a plain expression, or an array literal that may be split over lines.
enum Argument {
    case plain(String)
    case array([String])

    var inline: String {
        switch self {
        case .plain(let value): value
        case .array(let elements): "[\(elements.joined(separator: ", "))]"
        }
    }
}

/// Small helpers that lay generated calls out within the line limit.
enum Formatting {
    static let lineLimit = 140
    static let indentUnit = "    "

    /// `name(label: value, ...)` on one line when it fits after `prefix` at `indent`, else one argument per line, and
    /// an array argument one element per line when it does not fit either. `suffix` follows the closing parenthesis.
    static func call(
        _ name: String,
        _ arguments: [(label: String?, value: Argument)],
        indent: String,
        prefix: String = "",
        suffix: String = ""
    ) -> [String] {
        let rendered = arguments.map { argument in
            argument.label.map { "\($0): \(argument.value.inline)" } ?? argument.value.inline
        }
        let single = "\(indent)\(prefix)\(name)(\(rendered.joined(separator: ", ")))\(suffix)"
        if single.count <= lineLimit {
            return [single]
        }
        var lines = ["\(indent)\(prefix)\(name)("]
        let inner = indent + indentUnit
        for (index, argument) in arguments.enumerated() {
            let separator = index == arguments.count - 1 ? "" : ","
            let head = argument.label.map { "\($0): " } ?? ""
            let candidate = "\(inner)\(head)\(argument.value.inline)\(separator)"
            if case .array(let elements) = argument.value, candidate.count > lineLimit {
                lines.append("\(inner)\(head)[")
                for element in elements {
                    lines.append("\(inner)\(indentUnit)\(element),")
                }
                lines.append("\(inner)]\(separator)")
            } else {
                lines.append(candidate)
            }
        }
        lines.append("\(indent))\(suffix)")
        return lines
    }
}
