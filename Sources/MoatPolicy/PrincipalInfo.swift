public import MoatCore

/// Who is asking, as policy evaluation needs to know it: the identities a `Principal` element can name and the
/// values of the principal's global condition keys.
public struct PrincipalInfo: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The account's root user.
        case root
        /// An IAM user (long-term keys, or a `GetSessionToken` session, which acts as the user).
        case user
        /// A role session from `AssumeRole*`.
        case assumedRole
        /// A `GetFederationToken` session.
        case federatedUser
        /// An AWS service acting on its own behalf (`lambda.amazonaws.com`), named by `{"Service": …}`.
        case service
        /// A caller authenticated by an external identity provider (`AssumeRoleWithWebIdentity`,
        /// `AssumeRoleWithSAML`), named by `{"Federated": …}`.
        case identityProvider
    }

    public let kind: Kind
    /// The principal's account; nil for services and identity providers.
    public let accountId: String?
    /// The caller's own ARN: the user ARN, the session ARN (`arn:aws:sts::…:assumed-role/Role/session`), the root
    /// ARN; the service name for services and the provider (`cognito-identity.amazonaws.com`) for identity providers.
    public let arn: String
    /// The IAM entity behind the caller, the value of `aws:PrincipalArn` (the role ARN for a role session).
    public let entityArn: String
    /// The value of `aws:userid` (`AIDA…`, `AROA…:session`, the account id for root).
    public let userId: String
    /// The value of `aws:username`, for IAM users only.
    public let userName: String?

    public init(kind: Kind, accountId: String?, arn: String, entityArn: String, userId: String, userName: String? = nil) {
        self.kind = kind
        self.accountId = accountId
        self.arn = arn
        self.entityArn = entityArn
        self.userId = userId
        self.userName = userName
    }

    /// The root user of `accountId`.
    public static func root(accountId: String) -> PrincipalInfo {
        let arn = "arn:aws:iam::\(accountId):root"
        return PrincipalInfo(kind: .root, accountId: accountId, arn: arn, entityArn: arn, userId: accountId)
    }

    /// An IAM user.
    /// - Parameters:
    ///   - path: The user's path, `/` or `/division/`.
    ///   - userId: The user's unique id (`AIDA…`).
    public static func user(accountId: String, name: String, path: String = "/", userId: String) -> PrincipalInfo {
        let arn = "arn:aws:iam::\(accountId):user\(path)\(name)"
        return PrincipalInfo(kind: .user, accountId: accountId, arn: arn, entityArn: arn, userId: userId, userName: name)
    }

    /// A session of a role.
    /// - Parameters:
    ///   - rolePath: The role's path; it appears in the role ARN but not in the session ARN.
    ///   - roleId: The role's unique id (`AROA…`); `aws:userid` is `roleId:sessionName`.
    public static func assumedRole(
        accountId: String,
        roleName: String,
        rolePath: String = "/",
        sessionName: String,
        roleId: String
    ) -> PrincipalInfo {
        PrincipalInfo(
            kind: .assumedRole,
            accountId: accountId,
            arn: "arn:aws:sts::\(accountId):assumed-role/\(roleName)/\(sessionName)",
            entityArn: "arn:aws:iam::\(accountId):role\(rolePath)\(roleName)",
            userId: "\(roleId):\(sessionName)"
        )
    }

    /// A `GetFederationToken` session named `name`, issued to the IAM user `issuingUserArn`.
    public static func federatedUser(accountId: String, name: String, issuingUserArn: String) -> PrincipalInfo {
        let arn = "arn:aws:sts::\(accountId):federated-user/\(name)"
        return PrincipalInfo(
            kind: .federatedUser, accountId: accountId, arn: arn, entityArn: issuingUserArn, userId: "\(accountId):\(name)")
    }

    /// An AWS service principal such as `lambda.amazonaws.com`.
    public static func service(_ name: String) -> PrincipalInfo {
        PrincipalInfo(kind: .service, accountId: nil, arn: name, entityArn: name, userId: name)
    }

    /// A caller vouched for by an identity provider: `cognito-identity.amazonaws.com`, an OIDC or SAML provider ARN.
    public static func identityProvider(_ provider: String) -> PrincipalInfo {
        PrincipalInfo(kind: .identityProvider, accountId: nil, arn: provider, entityArn: provider, userId: provider)
    }

    /// The principal of a verified request.
    public init(_ principal: Principal) {
        let isRoot: Bool =
            switch principal.kind {
            case .root: true
            case .userSession: principal.entityArn.hasSuffix(":root")
            case .user, .assumedRole: false
            }
        if isRoot {
            self = .root(accountId: principal.accountId)
            return
        }
        switch principal.kind {
        case .assumedRole:
            self.init(
                kind: .assumedRole,
                accountId: principal.accountId,
                arn: principal.arn,
                entityArn: principal.entityArn,
                userId: principal.userId
            )
        default:
            self.init(
                kind: .user,
                accountId: principal.accountId,
                arn: principal.entityArn,
                entityArn: principal.entityArn,
                userId: principal.userId,
                userName: principal.entityName
            )
        }
    }

    /// The value of `aws:PrincipalType`, where AWS defines one.
    var principalType: String? {
        switch kind {
        case .root: "Account"
        case .user: "User"
        case .assumedRole: "AssumedRole"
        case .federatedUser: "FederatedUser"
        case .service, .identityProvider: nil
        }
    }
}
