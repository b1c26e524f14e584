public import Foundation

/// Who signed a request: the identity a verified access key belongs to.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The account's root key: may do everything.
        case root
        /// An IAM user's long-term key.
        case user
        /// Temporary credentials from `sts:AssumeRole`.
        case assumedRole
        /// Temporary credentials from `sts:GetSessionToken` (act as the user or root that asked).
        case userSession
    }

    public let kind: Kind
    public let accountId: String
    /// The caller's ARN as `GetCallerIdentity` reports it
    /// (`arn:aws:iam::111122223333:user/Alice`, `arn:aws:sts::111122223333:assumed-role/Role/session`).
    public let arn: String
    /// The unique id as `GetCallerIdentity` reports it (`AIDA…`, `AROA…:session`, the account id for root).
    public let userId: String
    /// The IAM entity whose policies apply: user name for users, role name for assumed roles, nil for root.
    public let entityName: String?
    /// The ARN of the IAM entity (`arn:aws:iam::…:role/Role` for an assumed role), the value of `aws:PrincipalArn`.
    public let entityArn: String
    /// The access key that signed the request.
    public let accessKeyId: String
    /// For temporary credentials: the session they belong to.
    public let sessionId: String?

    public init(
        kind: Kind,
        accountId: String,
        arn: String,
        userId: String,
        entityName: String?,
        entityArn: String,
        accessKeyId: String,
        sessionId: String? = nil
    ) {
        self.kind = kind
        self.accountId = accountId
        self.arn = arn
        self.userId = userId
        self.entityName = entityName
        self.entityArn = entityArn
        self.accessKeyId = accessKeyId
        self.sessionId = sessionId
    }
}

/// What SigV4 verification needs to know of an access key.
public struct SigningCredential: Sendable {
    public let accessKeyId: String
    public let secretAccessKey: String
    /// Temporary credentials: the session token the request must carry in `X-Amz-Security-Token`.
    public let sessionToken: String?
    /// Temporary credentials: when they stop being valid.
    public let expiration: Date?
    public let principal: Principal

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, principal: Principal) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.principal = principal
    }
}

/// Looks up an access key for SigV4 verification. IAM conforms; the wire layer asks.
public protocol CredentialResolving: Sendable {
    /// The credential of an active access key, or nil when the key is unknown or inactive.
    func credential(forAccessKeyId accessKeyId: String) async throws -> SigningCredential?

    /// Notes that a key signed a request that passed verification (`GetAccessKeyLastUsed`).
    func recordUse(of accessKeyId: String, service: String, region: String, at date: Date) async
}
