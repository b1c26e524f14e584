/// Why a cryptographic input of a Cognito flow was refused.
///
/// These never reach a client as such: the service layer answers each with Cognito's own exception (usually
/// `NotAuthorizedException` or `InvalidParameterException`), so the description is for logs and tests only and
/// never carries the value that was refused.
package struct CognitoCryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    private enum Code: Equatable, Sendable {
        case invalidClientPublicValue
        case invalidVerifier
        case malformedSecretBlock
        case malformedKey
        case malformedToken
        case unsupportedTokenAlgorithm
        case unknownTokenKey
        case invalidTokenSignature
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// `SRP_A` is zero modulo N, or is not a number SRP accepts.
    package static let invalidClientPublicValue = CognitoCryptoError(.invalidClientPublicValue)
    /// A stored SRP verifier that is zero modulo N.
    package static let invalidVerifier = CognitoCryptoError(.invalidVerifier)
    /// A `SECRET_BLOCK` that is not one Moat issued in this format.
    package static let malformedSecretBlock = CognitoCryptoError(.malformedSecretBlock)
    /// A stored signing key that does not load as an RSA private key.
    package static let malformedKey = CognitoCryptoError(.malformedKey)
    /// A token that is not three base64url parts with a JSON header and payload.
    package static let malformedToken = CognitoCryptoError(.malformedToken)
    /// A token whose header names an algorithm other than RS256.
    package static let unsupportedTokenAlgorithm = CognitoCryptoError(.unsupportedTokenAlgorithm)
    /// A token whose `kid` is not one of the verifier's keys.
    package static let unknownTokenKey = CognitoCryptoError(.unknownTokenKey)
    /// A token whose signature does not verify.
    package static let invalidTokenSignature = CognitoCryptoError(.invalidTokenSignature)

    package var description: String {
        switch code {
        case .invalidClientPublicValue: "SRP_A is not a valid SRP public value"
        case .invalidVerifier: "The stored SRP verifier is not valid"
        case .malformedSecretBlock: "The SRP secret block is malformed"
        case .malformedKey: "The signing key does not load as an RSA private key"
        case .malformedToken: "The token is not a well-formed JWT"
        case .unsupportedTokenAlgorithm: "The token is not signed with RS256"
        case .unknownTokenKey: "The token names an unknown key id"
        case .invalidTokenSignature: "The token signature does not verify"
        }
    }
}
