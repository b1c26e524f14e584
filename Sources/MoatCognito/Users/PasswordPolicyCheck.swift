package import MoatCore

/// Cognito's checks of a new password against the user pool's `PasswordPolicyType`, and the temporary passwords
/// AdminCreateUser makes when the caller gives none.
///
/// Rules, in the order Cognito applies them (the first failing one is reported):
///
/// 1. At most ``maximumLength`` (256) characters and no leading or trailing whitespace. Cognito enforces both as
///    input validation, so they answer `InvalidParameterException` with its validation wording; the pattern the
///    service reports is ``whitespacePattern``, `^[\S]+.*[\S]+$` (a space inside a password is allowed).
/// 2. At least `MinimumLength` characters, then lowercase, uppercase, numeric and symbol characters when required,
///    each answering `InvalidPasswordException` ("Password did not conform with policy: Password not long
///    enough", "…: Password must have lowercase characters", and so on).
///
/// Character classes are Cognito's: uppercase and lowercase mean the Basic Latin letters `A-Z` and `a-z`, numbers
/// `0-9`, and symbols the documented set ``symbols`` (`^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~`
/// `` ` `` `= + -` and the space). Other characters (`é`, `€`, `٣`) are accepted but count for no class. Lengths
/// count Unicode scalars.
///
/// A pool without a policy gets AWS's default: length 8 and all four classes. A policy with members left out
/// reads them as Cognito stores them: `MinimumLength` 8, the `Require…` flags false.
package enum PasswordPolicyCheck {
    /// Cognito's limit on any password, whatever the policy.
    package static let maximumLength = 256
    /// Length of generated temporary passwords when the policy asks for less.
    package static let temporaryPasswordLength = 12
    /// The validation pattern Cognito reports for leading or trailing whitespace.
    package static let whitespacePattern = #"^[\S]+.*[\S]+$"#
    /// The policy of a pool that has none.
    package static let defaultPolicy = Cognito.PasswordPolicyType(
        minimumLength: 8, requireUppercase: true, requireLowercase: true, requireNumbers: true, requireSymbols: true)
    /// The characters that count as symbols, from Cognito's documentation; the space counts too (where it is
    /// allowed at all: not first, not last).
    package static let symbols: Set<Unicode.Scalar> = Set(#"^$*.[]{}()?"!@#%&/\,><':;|_~`=+- "#.unicodeScalars)
    /// Symbols used in generated passwords: ``symbols`` without the space, quotes, backslash and backtick, which
    /// break when a temporary password is pasted from a message into a shell or a JSON document.
    static let temporarySymbols: [Unicode.Scalar] = Array(#"^$*.[]{}()?!@#%&/,><:;|_~=+-"#.unicodeScalars)
    static let uppercase: [Unicode.Scalar] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
    static let lowercase: [Unicode.Scalar] = Array("abcdefghijklmnopqrstuvwxyz".unicodeScalars)
    static let digits: [Unicode.Scalar] = Array("0123456789".unicodeScalars)

    /// The first rule `password` breaks, or nil when the pool accepts it.
    /// - Parameters:
    ///   - password: the proposed password.
    ///   - policy: the pool's `Policies.PasswordPolicy`, nil when it has none.
    package static func violation(of password: String, policy: Cognito.PasswordPolicyType?) -> PasswordPolicyViolation? {
        let scalars = Array(password.unicodeScalars)
        let effective = EffectivePasswordPolicy(policy)
        let tooLong = scalars.count > maximumLength
        let badWhitespace = !matchesWhitespacePattern(scalars)
        if tooLong || badWhitespace { return .invalidParameter(tooLong: tooLong, whitespace: badWhitespace) }
        if scalars.count < effective.minimumLength { return .tooShort }
        if effective.requireLowercase && !scalars.contains(where: { lowercase.contains($0) }) { return .missingLowercase }
        if effective.requireUppercase && !scalars.contains(where: { uppercase.contains($0) }) { return .missingUppercase }
        if effective.requireNumbers && !scalars.contains(where: { digits.contains($0) }) { return .missingNumber }
        if effective.requireSymbols && !scalars.contains(where: { symbols.contains($0) }) { return .missingSymbol }
        return nil
    }

    /// The message of the `InvalidPasswordException` Cognito answers for `password`, or nil when the policy accepts
    /// it. Input-validation failures (``PasswordPolicyViolation/isInvalidParameter``) are not policy messages: use
    /// ``violation(of:policy:)`` to see those too.
    /// - Parameters:
    ///   - password: the proposed password.
    ///   - policy: the pool's password policy, nil when it has none.
    ///   - wording: the operation's phrasing (``PasswordPolicyWording``).
    package static func invalidPasswordMessage(
        for password: String, policy: Cognito.PasswordPolicyType?, wording: PasswordPolicyWording = .didNotConform
    ) -> String? {
        guard let violation = violation(of: password, policy: policy), !violation.isInvalidParameter else { return nil }
        return violation.message(member: "password", wording: wording)
    }

    /// A temporary password for AdminCreateUser without `TemporaryPassword`: max(`MinimumLength`, 12) characters
    /// drawn from the operating system's CSPRNG, with at least one lowercase letter, uppercase letter, digit and
    /// symbol whatever the policy requires, so it satisfies any policy.
    /// - Parameter policy: the pool's password policy, nil when it has none.
    package static func generateTemporaryPassword(policy: Cognito.PasswordPolicyType?) -> String {
        let length = min(max(EffectivePasswordPolicy(policy).minimumLength, temporaryPasswordLength), maximumLength)
        var generator = SystemRandomNumberGenerator()
        let alphabet = lowercase + uppercase + digits + temporarySymbols
        var characters: [Unicode.Scalar] = [lowercase, uppercase, digits, temporarySymbols].map { $0.randomElement(using: &generator)! }
        while characters.count < length { characters.append(alphabet.randomElement(using: &generator)!) }
        characters.shuffle(using: &generator)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: characters)
        return String(text)
    }

    /// `^[\S]+.*[\S]+$` as Java reads it, over the whole value: at least two characters, the first and last not
    /// Java whitespace (space, tab, line feed, vertical tab, form feed, carriage return), and no line terminator
    /// between the leading and trailing runs of non-whitespace (Java's `.` does not match one).
    static func matchesWhitespacePattern(_ scalars: [Unicode.Scalar]) -> Bool {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(scalar.value) }
        func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool { [0x0A, 0x0D, 0x85, 0x2028, 0x2029].contains(scalar.value) }
        guard scalars.count >= 2 else { return false }
        let leading = scalars.prefix(while: { !isSpace($0) }).count
        guard leading > 0 else { return false }
        guard leading < scalars.count else { return true }
        let trailing = scalars.reversed().prefix(while: { !isSpace($0) }).count
        guard trailing > 0 else { return false }
        return !scalars[leading..<(scalars.count - trailing)].contains(where: isLineTerminator)
    }
}

/// A pool's password policy with Cognito's defaults filled in.
package struct EffectivePasswordPolicy: Sendable, Equatable {
    /// Fewest characters.
    package let minimumLength: Int
    /// At least one `A-Z`.
    package let requireUppercase: Bool
    /// At least one `a-z`.
    package let requireLowercase: Bool
    /// At least one `0-9`.
    package let requireNumbers: Bool
    /// At least one of ``PasswordPolicyCheck/symbols``.
    package let requireSymbols: Bool

    /// The rules Cognito applies for `policy`: AWS's default policy when the pool has none; otherwise the given
    /// members, with `MinimumLength` 8 and the flags false where left out.
    /// - Parameter policy: the pool's `Policies.PasswordPolicy`.
    package init(_ policy: Cognito.PasswordPolicyType?) {
        let policy = policy ?? PasswordPolicyCheck.defaultPolicy
        minimumLength = policy.minimumLength ?? 8
        requireUppercase = policy.requireUppercase ?? false
        requireLowercase = policy.requireLowercase ?? false
        requireNumbers = policy.requireNumbers ?? false
        requireSymbols = policy.requireSymbols ?? false
    }
}

/// How an operation words its `InvalidPasswordException`.
///
/// Clients see two phrasings: SignUp answers "Password did not conform with policy: …", while ChangePassword,
/// ConfirmForgotPassword and the NEW_PASSWORD_REQUIRED challenge answer "Password does not conform to policy: …".
package enum PasswordPolicyWording: Sendable, Equatable {
    /// "Password did not conform with policy: " (SignUp).
    case didNotConform
    /// "Password does not conform to policy: " (ChangePassword, ConfirmForgotPassword, RespondToAuthChallenge).
    case doesNotConform

    /// The prefix before the rule.
    var prefix: String {
        switch self {
        case .didNotConform: "Password did not conform with policy: "
        case .doesNotConform: "Password does not conform to policy: "
        }
    }
}

/// The rule a password broke (``PasswordPolicyCheck/violation(of:policy:)``) and the AWS error that reports it.
package enum PasswordPolicyViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// Longer than 256 characters and/or leading or trailing whitespace: `InvalidParameterException`.
    case invalidParameter(tooLong: Bool, whitespace: Bool)
    /// Shorter than the policy's `MinimumLength`.
    case tooShort
    /// No `a-z` where the policy requires one.
    case missingLowercase
    /// No `A-Z` where the policy requires one.
    case missingUppercase
    /// No `0-9` where the policy requires one.
    case missingNumber
    /// No symbol where the policy requires one.
    case missingSymbol

    /// Whether Cognito reports this as input validation (`InvalidParameterException`) rather than as a policy
    /// violation (`InvalidPasswordException`).
    package var isInvalidParameter: Bool {
        if case .invalidParameter = self { return true }
        return false
    }

    /// `Cognito.Errors.invalidParameter` or `Cognito.Errors.invalidPassword`.
    package var descriptor: ErrorDescriptor { isInvalidParameter ? Cognito.Errors.invalidParameter : Cognito.Errors.invalidPassword }

    /// The error's message.
    /// - Parameters:
    ///   - member: the request member that carried the password, as AWS's validation messages name it
    ///     (`password`, `proposedPassword`, `temporaryPassword`; only used for ``invalidParameter(tooLong:whitespace:)``).
    ///   - wording: the operation's phrasing of policy violations.
    package func message(member: String, wording: PasswordPolicyWording) -> String {
        switch self {
        case .invalidParameter(let tooLong, let whitespace):
            var constraints: [String] = []
            if tooLong {
                constraints.append(
                    "Value at '\(member)' failed to satisfy constraint: Member must have length less than or equal to "
                        + "\(PasswordPolicyCheck.maximumLength)")
            }
            if whitespace {
                constraints.append(
                    "Value at '\(member)' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                        + PasswordPolicyCheck.whitespacePattern)
            }
            return ShapeValidator.message(for: constraints) ?? ""
        case .tooShort: return wording.prefix + "Password not long enough"
        case .missingLowercase: return wording.prefix + "Password must have lowercase characters"
        case .missingUppercase: return wording.prefix + "Password must have uppercase characters"
        case .missingNumber: return wording.prefix + "Password must have numeric characters"
        case .missingSymbol: return wording.prefix + "Password must have symbol characters"
        }
    }

    /// The AWS error to throw.
    /// - Parameters:
    ///   - member: the request member that carried the password (see ``message(member:wording:)``).
    ///   - wording: the operation's phrasing of policy violations.
    package func serviceError(member: String, wording: PasswordPolicyWording) -> ServiceError {
        ServiceError(descriptor, message(member: member, wording: wording))
    }

    package var description: String { "\(descriptor.code): \(message(member: "password", wording: .didNotConform))" }
}
