public import Foundation
package import MoatCore

/// A token that passed every check: who it is for, which client it was issued to, and what it allows.
public struct VerifiedToken: Sendable {
    /// `token_use`.
    public let tokenUse: CognitoTokenUse
    /// `sub`: the user's stable id in the pool (user names can be reused; subjects are not).
    public let subject: String
    /// `cognito:username` of an ID token, `username` of an access token.
    public let username: String?
    /// `aud` of an ID token, `client_id` of an access token.
    public let clientId: String?
    /// `cognito:groups`, empty when the user is in no group.
    public let groups: [String]
    /// The space-separated `scope` of an access token, split; empty for an ID token.
    public let scopes: [String]
    /// `iat`.
    public let issuedAt: Date
    /// `exp`.
    public let expiresAt: Date
    /// The payload JSON exactly as sent, for claims this type does not name (custom attributes, `auth_time`, …).
    public let payload: [UInt8]
    /// The parsed payload, members in the order sent (what Moat's gateway passes on as the authorizer's claims).
    package let claims: JSONValue

    /// The value of a string claim (`email`, `custom:tenant`, `origin_jti`, …); nil when the claim is missing or is
    /// not a string.
    /// - Parameter name: the claim's name.
    public func claim(_ name: String) -> String? {
        if case .string(let value)? = claims[name] { return value }
        return nil
    }
}

extension VerifiedToken {
    /// The token's fields from its verified claims.
    /// - Parameters:
    ///   - claims: the payload, already checked to be an object with the right issuer, use, expiry and client.
    ///   - tokenUse: the checked `token_use`.
    ///   - clientId: the checked client.
    /// - Throws: ``TokenVerificationError/malformed`` when `sub`, `iat` or `exp` is missing or of the wrong type.
    init(claims: JSONValue, payload: [UInt8], tokenUse: CognitoTokenUse, clientId: String?) throws(TokenVerificationError) {
        guard case .string(let subject)? = claims["sub"], !subject.isEmpty,
            let issuedAt = CognitoTokenVerifier.seconds(claims["iat"]),
            let expiresAt = CognitoTokenVerifier.seconds(claims["exp"])
        else { throw .malformed }
        self.tokenUse = tokenUse
        self.subject = subject
        if case .string(let name)? = claims[tokenUse == .id ? "cognito:username" : "username"] {
            username = name
        } else {
            username = nil
        }
        self.clientId = clientId
        if case .array(let names)? = claims["cognito:groups"] {
            groups = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        } else {
            groups = []
        }
        if tokenUse == .access, case .string(let scope)? = claims["scope"] {
            scopes = scope.split(separator: " ").map(String.init)
        } else {
            scopes = []
        }
        self.issuedAt = Date(timeIntervalSince1970: issuedAt)
        self.expiresAt = Date(timeIntervalSince1970: expiresAt)
        self.payload = payload
        self.claims = claims
    }
}
