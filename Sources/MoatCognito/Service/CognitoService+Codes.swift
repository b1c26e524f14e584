import Foundation
import MoatCore

extension CognitoService {
    /// What a code is for, and so how long it lives and which message carries it.
    enum CodePurpose: Sendable {
        case signUp
        case passwordReset
        case verify(attribute: String)

        var key: String {
            switch self {
            case .signUp: "signup"
            case .passwordReset: "password"
            case .verify(let attribute): "verify:\(attribute)"
            }
        }
    }

    /// Makes a code, stores its digest and sends it to the user's email (or phone) as the pool's verification
    /// template says.
    /// - Parameters:
    ///   - attribute: `email` or `phone_number`: where to send it.
    /// - Returns: CodeDeliveryDetails as Cognito reports them (the destination masked).
    func sendCode(_ purpose: CodePurpose, to user: UserRecord, via attribute: String, pool: PoolRecord, now: Date) async throws
        -> Cognito.CodeDeliveryDetailsType
    {
        guard let destination = user.attributes[attribute] else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Cannot send a code: the user has no \(attribute).")
        }
        let code = VerificationCode.generate()
        let validity: TimeInterval =
            switch purpose {
            case .passwordReset: settings.passwordResetCodeValidity
            default: settings.confirmationCodeValidity
            }
        try await store.putCode(
            CodeRecord(
                poolId: pool.id, usernameKey: user.usernameKey, purpose: purpose.key,
                digest: VerificationCode.digest(code, key: serverKeys.codes, binding: codeBinding(pool.id, user.usernameKey, purpose)),
                expiresAt: now.addingTimeInterval(validity), failedAttempts: 0
            )
        )
        let template = pool.settings.verificationMessageTemplate
        let medium: OutgoingMessage.Medium = attribute == "phone_number" ? .sms : .email
        let body: String
        let subject: String?
        switch medium {
        case .email:
            subject = template?.emailSubject ?? "Your verification code"
            body = template?.emailMessage ?? "Your verification code is {####}. "
        case .sms:
            subject = nil
            body = template?.smsMessage ?? "Your verification code is {####}. "
        }
        try await outbox.deliver(
            OutgoingMessage(
                poolId: pool.id, medium: medium, destination: destination, from: pool.settings.emailConfiguration?.from, subject: subject,
                body: body.replacingOccurrences(of: "{####}", with: code).replacingOccurrences(of: "{username}", with: user.username),
                createdAt: now
            )
        )
        return Self.deliveryDetails(destination: destination, attribute: attribute)
    }

    /// Uses up a code if it is right: single use, expiring, and withdrawn after ``CognitoSettings/codeAttempts`` wrong
    /// guesses. Compared in constant time against its stored digest.
    func redeemCode(_ code: String, _ purpose: CodePurpose, user: UserRecord, pool: PoolRecord, now: Date) async throws {
        guard let stored = try await store.code(poolId: pool.id, usernameKey: user.usernameKey, purpose: purpose.key) else {
            throw Self.expiredCode
        }
        guard stored.expiresAt > now else {
            _ = try await store.takeCode(poolId: pool.id, usernameKey: user.usernameKey, purpose: purpose.key)
            throw Self.expiredCode
        }
        guard stored.failedAttempts < settings.codeAttempts else { throw Self.attemptLimit }
        let binding = codeBinding(pool.id, user.usernameKey, purpose)
        guard VerificationCode.matches(code, digest: stored.digest, key: serverKeys.codes, binding: binding) else {
            let failures = try await store.recordWrongCode(poolId: pool.id, usernameKey: user.usernameKey, purpose: purpose.key)
            if failures >= settings.codeAttempts { throw Self.attemptLimit }
            throw ServiceError(Cognito.Errors.codeMismatch, "Invalid verification code provided, please try again.")
        }
        // Taken only by the first of two concurrent right answers.
        guard try await store.takeCode(poolId: pool.id, usernameKey: user.usernameKey, purpose: purpose.key) else { throw Self.expiredCode }
    }

    func codeBinding(_ poolId: String, _ usernameKey: String, _ purpose: CodePurpose) -> String {
        "\(poolId)\u{0}\(usernameKey)\u{0}\(purpose.key)"
    }

    static var expiredCode: ServiceError { ServiceError(Cognito.Errors.expiredCode, "Invalid code provided, please request a code again.") }
    static var attemptLimit: ServiceError {
        ServiceError(Cognito.Errors.limitExceeded, "Attempt limit exceeded, please try after some time.")
    }

    /// `a***@e***` / `+*******1234`, as Cognito masks destinations.
    static func deliveryDetails(destination: String, attribute: String) -> Cognito.CodeDeliveryDetailsType {
        let masked: String
        if attribute == "phone_number" {
            masked = "+" + String(repeating: "*", count: max(0, destination.count - 5)) + String(destination.suffix(4))
        } else {
            let parts = destination.split(separator: "@", maxSplits: 1)
            masked = "\(parts.first?.first.map(String.init) ?? "")***@\(parts.last?.first.map(String.init) ?? "")***"
        }
        return Cognito.CodeDeliveryDetailsType(
            destination: masked, deliveryMedium: attribute == "phone_number" ? .sms : .email, attributeName: attribute)
    }

    /// The attribute a pool sends codes to for this user: its auto-verified email, else its auto-verified phone.
    func verificationAttribute(of user: UserRecord, pool: PoolRecord) -> String? {
        let verified = Set((pool.settings.autoVerifiedAttributes ?? []).map(\.rawValue))
        if verified.contains("email"), user.attributes["email"] != nil { return "email" }
        if verified.contains("phone_number"), user.attributes["phone_number"] != nil { return "phone_number" }
        return nil
    }

    /// Where a password-reset code goes: a verified email, else a verified phone.
    func recoveryAttribute(of user: UserRecord) -> String? {
        if user.attributes["email"] != nil, user.attributes["email_verified"] == "true" { return "email" }
        if user.attributes["phone_number"] != nil, user.attributes["phone_number_verified"] == "true" { return "phone_number" }
        return nil
    }
}
