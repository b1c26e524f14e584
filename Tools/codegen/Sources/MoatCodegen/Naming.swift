/// Conversions from botocore names to Swift names.
///
/// The rules, tested in `NamingTests`:
/// - a name with no lowercase letter is lowercased whole: `ARN` → `arn`, `ID` → `id`;
/// - otherwise only the leading run of capitals changes. One capital is lowercased (`UserName` → `userName`); a longer
///   run keeps its last capital when a lowercase letter follows, as that capital starts the next word
///   (`SAMLProviderList` → `samlProviderList`), except for an acronym's plural `s` (`ARNs` → `arns`, `IDsToKeep` →
///   `idsToKeep`); a run followed by a digit or the end is lowercased whole (`EC2InstanceId` → `ec2InstanceId`);
/// - capitals after the first word stay as they are: `PolicyARNs` → `policyARNs`;
/// - Swift keywords are escaped with backticks.
public enum Naming {
    /// Words that must be escaped with backticks to be used as identifiers.
    public static let keywords: Set<String> = [
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func", "import",
        "init", "inout", "internal", "let", "nonisolated", "open", "operator", "package", "private", "precedencegroup",
        "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch",
        "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "throws", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super",
        "true", "try", "Type", "Protocol",
    ]

    /// Type names that generated types must not take, because generated code refers to them unqualified
    /// (or because Swift reserves them); a shape with such a name gets the suffix `Shape`.
    public static let reservedTypeNames: Set<String> = [
        "Any", "Array", "Bool", "Codable", "CodingKey", "CodingKeys", "CustomReflectable", "Data", "Date", "Decodable",
        "Decoder", "Dictionary", "Double", "Encodable", "Encoder", "Equatable", "Error", "ErrorDescriptor", "Errors",
        "Float", "Foundation", "Hashable", "Int", "Int64", "MemberLocation", "Mirror", "Never", "OperationContext",
        "OperationDescriptor", "OperationHandler", "Optional", "Protocol", "RawRepresentable", "Self", "Sendable",
        "ServiceModel", "Shape", "ShapeMember", "ShapeReference", "ShapeSchema", "ShapeType", "String", "Swift", "Type",
        "Void", "WireValue", "WireValueDecoder", "WireValueEncoder", "IndirectBox", "MoatCore",
    ]

    /// `name` backquoted when it is a Swift keyword.
    public static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// The lowerCamelCase form of a model member or operation name (see the type's documentation for the rules).
    public static func lowerCamel(_ name: String) -> String {
        let chars = Array(name)
        guard !chars.isEmpty else { return name }
        if !chars.contains(where: \.isLowercase) {
            return name.lowercased()
        }
        var run = 0
        while run < chars.count, chars[run].isUppercase { run += 1 }
        if run == 0 { return name }
        let lowered: Int
        if run == 1 {
            lowered = 1
        } else if run < chars.count, chars[run].isLowercase {
            let isPlural = chars[run] == "s" && (run + 1 == chars.count || !chars[run + 1].isLowercase)
            lowered = isPlural ? run + 1 : run - 1
        } else {
            lowered = run
        }
        return String(chars[..<lowered]).lowercased() + String(chars[lowered...])
    }

    /// The UpperCamelCase form of a shape name: the first letter capitalized, the rest unchanged.
    public static func upperCamel(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.uppercased() + name.dropFirst()
    }

    /// The Swift name of an enum value: words split at anything that is not a letter or digit, the first word lowered
    /// by ``lowerCamel(_:)``, later words capitalized; all-capital words are treated as one word (`AWS_SERVICE` →
    /// `awsService`, `nodejs18.x` → `nodejs18X`, `us-east-1` → `usEast1`). A leading digit gets a `_` prefix.
    public static func enumCase(_ value: String) -> String {
        var words: [String] = []
        var current = ""
        for char in value {
            if char.isASCII && (char.isLetter || char.isNumber) {
                current.append(char)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        guard !words.isEmpty else {
            if value.isEmpty { return "_empty" }
            return "_" + value.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: "_")
        }
        var result = ""
        for (index, word) in words.enumerated() {
            let normalized = word.contains(where: \.isLowercase) ? word : word.lowercased()
            if index == 0 {
                result = lowerCamel(normalized)
            } else {
                result += upperCamel(normalized)
            }
        }
        if let first = result.first, first.isNumber { result = "_" + result }
        return result
    }

    /// The name of an error's static descriptor: the shape name minus `Exception`, lowerCamelCase.
    public static func errorName(_ shapeName: String) -> String {
        var base = shapeName
        if base.hasSuffix("Exception"), base != "Exception" { base.removeLast("Exception".count) }
        return lowerCamel(base)
    }

    /// Makes `name` unique within `used`, by appending `_2`, `_3`, … when taken; records the result in `used`.
    public static func unique(_ name: String, in used: inout Set<String>) -> String {
        var candidate = name
        var counter = 2
        while used.contains(candidate) {
            candidate = "\(name)_\(counter)"
            counter += 1
        }
        used.insert(candidate)
        return candidate
    }

    /// A Swift string literal for `text`: a raw literal (`#"..."#`) when the text has backslashes or quotes and no
    /// control characters, otherwise an escaped literal.
    public static func stringLiteral(_ text: String) -> String {
        let hasControl = text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        if !hasControl && (text.contains("\\") || text.contains("\"")) {
            var hashes = "#"
            while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
            return "\(hashes)\"\(text)\"\(hashes)"
        }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
