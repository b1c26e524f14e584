/// Why a request failed AWS Signature Version 4 verification: a kind to map to a wire error, and AWS's message.
///
/// The wire code depends on the service's protocol, so the kind says what went wrong and the protocol layer picks
/// the code. What AWS answers for each kind (status in brackets where AWS is consistent about it):
///
/// | kind | awsQuery (IAM, STS, SNS) | awsJson / restJson (Cognito, Lambda, …) |
/// | --- | --- | --- |
/// | `missingAuthentication` | `MissingAuthenticationToken` (403) | `MissingAuthenticationTokenException` (403) |
/// | `incompleteSignature` | `IncompleteSignature` (400) | `IncompleteSignatureException` (400) |
/// | `missingDate` | `IncompleteSignature` (400) | `IncompleteSignatureException` (400) |
/// | `invalidDate` | `IncompleteSignature` (400) | `IncompleteSignatureException` (400) |
/// | `requestTimeTooSkewed` | `SignatureDoesNotMatch` (403) | `InvalidSignatureException` (400) |
/// | `presignedURLExpired` | `SignatureDoesNotMatch` (403); S3 says `AccessDenied` | `InvalidSignatureException` (400) |
/// | `credentialScopeDateMismatch` | `SignatureDoesNotMatch` (403) | `InvalidSignatureException` (400) |
/// | `credentialScopeRegionMismatch` | `SignatureDoesNotMatch` (403) | `InvalidSignatureException` (400) |
/// | `credentialScopeServiceMismatch` | `SignatureDoesNotMatch` (403) | `InvalidSignatureException` (400) |
/// | `credentialScopeTerminatorInvalid` | `SignatureDoesNotMatch` (403) | `InvalidSignatureException` (400) |
/// | `unknownAccessKey` | `InvalidClientTokenId` (403) | `UnrecognizedClientException` (400; restJson 403) |
/// | `missingSecurityToken` | `InvalidClientTokenId` (403) | `UnrecognizedClientException` (400; restJson 403) |
/// | `invalidSecurityToken` | `InvalidClientTokenId` (403) | `UnrecognizedClientException` (400; restJson 403) |
/// | `expiredSecurityToken` | `ExpiredToken` | `ExpiredTokenException` (400) |
/// | `payloadHashMismatch` | `SignatureDoesNotMatch` (403); S3 `XAmzContentSHA256Mismatch` (400) | `InvalidSignatureException` (400) |
/// | `signatureMismatch` | `SignatureDoesNotMatch` (403) | `InvalidSignatureException` (400) |
/// | `credentialLookupFailed` | `InternalFailure` (500) | the service's internal error (500) |
public struct SigV4Failure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// Neither an `Authorization` header nor presigned query parameters.
        case missingAuthentication
        /// The `Authorization` header or the presigned parameters are malformed or incomplete.
        case incompleteSignature
        /// Neither `X-Amz-Date` nor `Date` is present.
        case missingDate
        /// `X-Amz-Date` or `Date` is not a date in the expected format.
        case invalidDate
        /// The request date is more than the allowed skew before or after now.
        case requestTimeTooSkewed
        /// A presigned request is used after `X-Amz-Date` + `X-Amz-Expires`.
        case presignedURLExpired
        /// The credential scope's date is not the day of the request date.
        case credentialScopeDateMismatch
        /// The credential scope names another region than the one served.
        case credentialScopeRegionMismatch
        /// The credential scope names another service than the one addressed.
        case credentialScopeServiceMismatch
        /// The credential scope does not end in `aws4_request`.
        case credentialScopeTerminatorInvalid
        /// No active access key has this id.
        case unknownAccessKey
        /// Temporary credentials signed the request but it carries no `X-Amz-Security-Token`.
        case missingSecurityToken
        /// The security token is not the one issued with the access key, or one came with a long-term key.
        case invalidSecurityToken
        /// The temporary credentials have expired.
        case expiredSecurityToken
        /// `X-Amz-Content-Sha256` does not match the body received: the body was altered.
        case payloadHashMismatch
        /// The signature is not the one the secret key gives for this request.
        case signatureMismatch
        /// The credential store failed; the request could not be judged.
        case credentialLookupFailed
    }

    public let kind: Kind
    /// The message AWS sends for this failure.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

extension SigV4Failure {
    static let signatureMismatchMessage =
        "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    static let invalidTokenMessage = "The security token included in the request is invalid."
    static let expiredTokenMessage = "The security token included in the request is expired"

    static func incomplete(_ message: String) -> SigV4Failure { SigV4Failure(.incompleteSignature, message) }

    /// Echoes client input in a message, cut short so a hostile value cannot make a huge error.
    static func echo(_ text: String, limit: Int = 256) -> String {
        if text.utf8.count <= limit { return text }
        var out = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            if used + size > limit { break }
            out.unicodeScalars.append(scalar)
            used += size
        }
        return out + "…"
    }
}
