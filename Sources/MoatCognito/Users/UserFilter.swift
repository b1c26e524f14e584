package import MoatCore

/// The `Filter` of ListUsers: `attribute_name filter_type "value"`, one attribute at a time.
///
/// - `filter_type` is `=` (exact match) or `^=` (prefix match).
/// - The value is in double quotes; inside it a backslash escapes the next character (`\"` is a quote, `\\` a
///   backslash).
/// - Whitespace (spaces and tabs, and line breaks) may surround each token; `email="a@b.c"` parses too.
/// - An empty or all-whitespace filter means no filter (ListUsers returns every user).
///
/// Searchable attributes are the ones AWS documents: `username`, `email`, `phone_number`, `name`, `given_name`,
/// `family_name`, `preferred_username`, `cognito:user_status` (the console's Status), `status` (the console's
/// Enabled: `Enabled` or `Disabled`) and `sub`. Custom attributes are not searchable. Attribute names are
/// case-sensitive.
///
/// Parsing fails with `InvalidParameterException` and AWS's "Error while parsing filter." for bad syntax, and with
/// "Invalid search attribute: <name>" (the text moto reproduces) for an attribute outside the list. Matching is
/// ``matches(username:attributes:status:enabled:usernameCaseSensitive:)``, independent of storage so the service
/// can run it on stored users or turn it into a query.
package struct UserFilter: Sendable, Equatable {
    /// A searchable attribute, by its name in the filter.
    package enum Attribute: String, Sendable, Equatable, CaseIterable {
        /// The username; case-insensitive in a pool whose usernames are.
        case username
        /// The `email` attribute.
        case email
        /// The `phone_number` attribute.
        case phoneNumber = "phone_number"
        /// The `name` attribute.
        case name
        /// The `given_name` attribute.
        case givenName = "given_name"
        /// The `family_name` attribute.
        case familyName = "family_name"
        /// The `preferred_username` attribute.
        case preferredUsername = "preferred_username"
        /// The account status (`UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, …), compared case-insensitively.
        case userStatus = "cognito:user_status"
        /// `Enabled` or `Disabled`, compared case-sensitively.
        case status
        /// The `sub` attribute.
        case sub
    }

    /// How the value is compared.
    package enum Kind: Sendable, Equatable {
        /// `=`: the whole value.
        case equals
        /// `^=`: the value starts with the filter's value.
        case prefix
    }

    /// The attribute searched.
    package let attribute: Attribute
    /// Exact or prefix match.
    package let kind: Kind
    /// The value, unescaped.
    package let value: String

    /// A filter from its parts.
    /// - Parameters:
    ///   - attribute: the attribute searched.
    ///   - kind: exact or prefix match.
    ///   - value: the unescaped value.
    package init(attribute: Attribute, kind: Kind, value: String) {
        self.attribute = attribute
        self.kind = kind
        self.value = value
    }

    /// AWS's message for a filter that does not parse.
    package static let parseErrorMessage = "Error while parsing filter."

    /// The message for a well-formed filter on an attribute that is not searchable.
    /// - Parameter name: the attribute name as written.
    package static func unsupportedAttributeMessage(_ name: String) -> String { "Invalid search attribute: \(name)" }

    /// The filter `text` describes, or nil when it is absent, empty or only whitespace.
    /// - Parameter text: ListUsers' `Filter`.
    /// - Throws: `InvalidParameterException` (``parseErrorMessage`` or ``unsupportedAttributeMessage(_:)``).
    package static func parse(_ text: String?) throws(ServiceError) -> UserFilter? {
        guard let text else { return nil }
        var scanner = Scanner(text)
        scanner.skipWhitespace()
        if scanner.isAtEnd { return nil }

        let name = scanner.take(while: isNameCharacter)
        guard !name.isEmpty else { throw parseError }
        scanner.skipWhitespace()
        let kind: Kind
        if scanner.consume("^=") {
            kind = .prefix
        } else if scanner.consume("=") {
            kind = .equals
        } else {
            throw parseError
        }
        scanner.skipWhitespace()
        guard scanner.consume("\"") else { throw parseError }
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = scanner.next() else { throw parseError }  // no closing quote
            if scalar == "\"" { break }
            if scalar == "\\" {
                guard let escaped = scanner.next() else { throw parseError }
                value.append(escaped)
            } else {
                value.append(scalar)
            }
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw parseError }

        let attributeName = String(String.UnicodeScalarView(name))
        guard let attribute = Attribute(rawValue: attributeName) else {
            throw ServiceError(Cognito.Errors.invalidParameter, unsupportedAttributeMessage(attributeName))
        }
        return UserFilter(attribute: attribute, kind: kind, value: String(value))
    }

    /// Whether a user matches.
    ///
    /// Values are compared exactly, scalar by scalar (no Unicode normalization), except that `username` ignores case
    /// when `usernameCaseSensitive` is false and `cognito:user_status` always ignores case. A user without the
    /// attribute does not match.
    /// - Parameters:
    ///   - username: the user's username.
    ///   - attributes: the user's attributes by name, including `sub`.
    ///   - status: the user's status as the API spells it (`CONFIRMED`, …).
    ///   - enabled: whether the user is enabled.
    ///   - usernameCaseSensitive: the pool's `UsernameConfiguration.CaseSensitive`.
    package func matches(username: String, attributes: [String: String], status: String, enabled: Bool, usernameCaseSensitive: Bool) -> Bool
    {
        let candidate: String?
        var ignoreCase = false
        switch attribute {
        case .username:
            candidate = username
            ignoreCase = !usernameCaseSensitive
        case .userStatus:
            candidate = status
            ignoreCase = true
        case .status:
            candidate = enabled ? "Enabled" : "Disabled"
        case .email, .phoneNumber, .name, .givenName, .familyName, .preferredUsername, .sub:
            candidate = attributes[attribute.rawValue]
        }
        guard let candidate else { return false }
        let subject = ignoreCase ? candidate.lowercased() : candidate
        let wanted = ignoreCase ? value.lowercased() : value
        switch kind {
        case .equals: return subject.unicodeScalars.elementsEqual(wanted.unicodeScalars)
        case .prefix: return subject.unicodeScalars.starts(with: wanted.unicodeScalars)
        }
    }

    private static var parseError: ServiceError { ServiceError(Cognito.Errors.invalidParameter, parseErrorMessage) }

    /// Attribute names are letters, digits, `_`, `:` and `-` (enough for every standard name and for custom ones,
    /// which are then refused as unsearchable rather than as a syntax error).
    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ":", "-": true
        default: false
        }
    }
}

/// A cursor over the Unicode scalars of a filter.
private struct Scanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var isAtEnd: Bool { index == scalars.count }

    mutating func next() -> Unicode.Scalar? {
        guard index < scalars.count else { return nil }
        defer { index += 1 }
        return scalars[index]
    }

    mutating func skipWhitespace() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    mutating func take(while predicate: (Unicode.Scalar) -> Bool) -> [Unicode.Scalar] {
        let start = index
        while index < scalars.count, predicate(scalars[index]) { index += 1 }
        return Array(scalars[start..<index])
    }

    /// Consumes `literal` when the text continues with it.
    mutating func consume(_ literal: String) -> Bool {
        let wanted = Array(literal.unicodeScalars)
        guard scalars[index...].starts(with: wanted) else { return false }
        index += wanted.count
        return true
    }
}
