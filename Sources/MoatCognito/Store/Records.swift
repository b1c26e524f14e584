import Foundation

/// A user pool as stored: its settings in the model's own shape, and its signing key.
struct PoolRecord: Sendable {
    var id: String
    var name: String
    /// Everything DescribeUserPool reports but the id, name, dates and counters, as the pool was created or updated.
    var settings: Cognito.UserPoolType
    var createdAt: Date
    var updatedAt: Date

    /// The part of the id after `_`, which SRP hashes into the password exponent.
    var srpName: String { String(id.split(separator: "_", maxSplits: 1).last ?? "") }
}

/// An app client as stored. The secret is kept apart from the settings, sealed.
struct ClientRecord: Sendable {
    var id: String
    var poolId: String
    var name: String
    var secret: String?
    /// The settings as created or updated, without id, pool, name, secret and dates.
    var settings: Cognito.UserPoolClientType
    var createdAt: Date
    var updatedAt: Date
}

/// Cognito's user statuses (`UserStatusType`) that Moat gives users.
enum UserStatus: String, Sendable {
    case unconfirmed = "UNCONFIRMED"
    case confirmed = "CONFIRMED"
    case forceChangePassword = "FORCE_CHANGE_PASSWORD"
    case resetRequired = "RESET_REQUIRED"
}

/// A user as stored.
struct UserRecord: Sendable {
    var poolId: String
    /// The username as created (for pools whose users sign in with email or phone, a UUID equal to `sub`).
    var username: String
    /// The key the user is found by: the username, lowercased in case-insensitive pools.
    var usernameKey: String
    var sub: String
    var status: UserStatus
    var enabled: Bool
    /// Every attribute but `sub`, by name.
    var attributes: [String: String]
    /// `PasswordHasher`'s string; nil for a user who never had a password.
    var passwordHash: String?
    /// The SRP salt and verifier of the current password.
    var srp: SRPVerifier?
    var passwordSetAt: Date?
    var createdAt: Date
    var updatedAt: Date
    /// Consecutive failed sign-ins, and until when the user is locked out after them.
    var failedAttempts: Int
    var lockedUntil: Date?

    /// The keys other than the username the user may sign in with (lowercased email and preferred username, phone as
    /// given), or nil when the pool does not let this attribute sign in or the user's value does not qualify.
    var aliases: SignInAliases = SignInAliases()
}

/// The sign-in names a user has besides the username, each unique in its pool.
struct SignInAliases: Sendable, Equatable {
    var email: String?
    var phoneNumber: String?
    var preferredUsername: String?
}

/// One issued refresh token, found by its hash; its id is the `origin_jti` of every token issued from the same sign-in.
struct RefreshTokenRecord: Sendable {
    var tokenHash: String
    var originJti: String
    var poolId: String
    var clientId: String
    var usernameKey: String
    var authTime: Date
    var expiresAt: Date
    var revoked: Bool
}

/// A pending challenge (NEW_PASSWORD_REQUIRED or PASSWORD_VERIFIER): single use, taken by its key.
struct ChallengeRecord: Sendable {
    /// The hash of the session or secret block that names it.
    var key: String
    var poolId: String
    var clientId: String
    var usernameKey: String
    var challenge: String
    /// The challenge's private state (for SRP: `A`, `b` and `B`), sealed.
    var state: [UInt8]
    var expiresAt: Date
}
