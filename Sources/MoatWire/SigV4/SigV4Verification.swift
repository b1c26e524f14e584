public import Foundation
public import MoatCore

/// What a verified signature establishes.
public struct SigV4Verification: Sendable {
    /// The access key that signed the request, with the principal it belongs to.
    public let credential: SigningCredential
    /// The region of the credential scope (the one the caller expected).
    public let region: String
    /// The service (signing name) of the credential scope.
    public let service: String
    /// The request date that was signed (`X-Amz-Date`, else `Date`).
    public let signedAt: Date
    /// True for the presigned-query form, false for the `Authorization` header.
    public let isPresigned: Bool
    /// For presigned requests with `X-Amz-Expires`: when the request stops being valid.
    public let expiresAt: Date?
    /// False when the signer declared `UNSIGNED-PAYLOAD` and the body is not empty: the signature then does not
    /// cover the body, and nothing read from it is authenticated.
    public let isPayloadSigned: Bool

    public init(
        credential: SigningCredential,
        region: String,
        service: String,
        signedAt: Date,
        isPresigned: Bool,
        expiresAt: Date?,
        isPayloadSigned: Bool
    ) {
        self.credential = credential
        self.region = region
        self.service = service
        self.signedAt = signedAt
        self.isPresigned = isPresigned
        self.expiresAt = expiresAt
        self.isPayloadSigned = isPayloadSigned
    }
}
