/// Why a token was refused, or why it could not be checked.
///
/// The cases say which check failed and nothing about the token's content, so they are safe to log. Every case but
/// ``keysUnavailable`` means "this token is not valid here"; ``keysUnavailable`` means the issuer's keys could not be
/// had, which is the server's problem rather than the caller's.
public enum TokenVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a compact JWT of three base64url parts with JSON object header and payload, larger than the size limit,
    /// or carrying claims that Cognito never issues (no `sub`, no numeric `exp` or `iat`, `iat` or `nbf` in the future,
    /// duplicate members, a `crit` header).
    case malformed
    /// The header's `alg` is not exactly `RS256` (`none`, `HS256` and every other algorithm are refused).
    case unsupportedAlgorithm
    /// The header names no `kid`, or one that is not in the issuer's key set even after fetching it again.
    case unknownKey
    /// The RS256 signature does not match the header and payload as sent.
    case invalidSignature
    /// `exp` is not in the future.
    case expired
    /// `iss` is not the configured issuer.
    case wrongIssuer
    /// `token_use` is neither `id` nor `access`, or not the use the verifier accepts; or scopes were required of an
    /// ID token.
    case wrongTokenUse
    /// The app client (`aud` of an ID token, `client_id` of an access token) is not one of the allowed clients.
    case wrongClient
    /// None of the required scopes is in the access token's `scope`.
    case missingScope
    /// The issuer's key set could not be fetched or read.
    case keysUnavailable

    public var description: String {
        switch self {
        case .malformed: "The token is malformed"
        case .unsupportedAlgorithm: "The token's algorithm is not RS256"
        case .unknownKey: "The token's key is not in the issuer's key set"
        case .invalidSignature: "The token's signature is invalid"
        case .expired: "The token has expired"
        case .wrongIssuer: "The token was issued by another issuer"
        case .wrongTokenUse: "The token's use is not accepted"
        case .wrongClient: "The token was issued to a client that is not allowed"
        case .missingScope: "The token has none of the required scopes"
        case .keysUnavailable: "The issuer's keys are unavailable"
        }
    }
}
