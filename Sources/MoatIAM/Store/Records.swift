import Foundation

/// A tag of an IAM user or role.
struct TagRecord: Codable, Sendable, Equatable {
    var key: String
    var value: String
}

struct UserRecord: Sendable, Equatable {
    let id: String
    var name: String
    var path: String
    let createdAt: Date
    var permissionsBoundary: String?
    var tags: [TagRecord]
}

struct RoleRecord: Sendable, Equatable {
    let id: String
    var name: String
    var path: String
    var trustPolicy: String
    var description: String?
    var maxSessionDuration: Int
    let createdAt: Date
    var permissionsBoundary: String?
    var tags: [TagRecord]
    var lastUsedAt: Date?
    var lastUsedRegion: String?
}

struct AccessKeyRecord: Sendable, Equatable {
    enum Status: String, Sendable {
        case active = "Active"
        case inactive = "Inactive"
    }

    let id: String
    /// The owning user; nil for the root key.
    let userId: String?
    let secretAccessKey: String
    var status: Status
    let createdAt: Date
    var lastUsedAt: Date?
    var lastUsedService: String?
    var lastUsedRegion: String?
}

struct ManagedPolicyRecord: Sendable, Equatable {
    let id: String
    let name: String
    let path: String
    let description: String?
    var defaultVersionId: String
    let createdAt: Date
    var updatedAt: Date
    var tags: [TagRecord]
    var attachmentCount: Int
}

struct PolicyVersionRecord: Sendable, Equatable {
    let versionId: String
    let document: String
    let createdAt: Date
}

/// Whose inline policies or attachments: a user or a role.
enum PolicyOwner: Sendable, Equatable {
    case user(id: String)
    case role(id: String)

    var type: String {
        switch self {
        case .user: return "user"
        case .role: return "role"
        }
    }

    var id: String {
        switch self {
        case .user(let id), .role(let id): return id
        }
    }
}

/// Temporary credentials issued by STS.
struct SessionRecord: Sendable, Equatable {
    enum Kind: String, Sendable {
        /// `AssumeRole`: acts as the role, narrowed by the session policy.
        case assumedRole = "assumed-role"
        /// `GetSessionToken`: acts as the user (or root) that asked.
        case userSession = "user-session"
    }

    let accessKeyId: String
    let secretAccessKey: String
    let sessionToken: String
    let kind: Kind
    /// The role (assumed-role) or user (user-session) id; nil for a root user-session.
    let entityId: String?
    let sessionName: String?
    let sessionPolicy: String?
    let sessionPolicyArns: [String]
    let expiresAt: Date
    let createdAt: Date
}

extension SessionRecord {
    /// A new session of `role` with fresh `ASIA…` keys and token, lasting `seconds` from `now`.
    static func assumedRole(
        _ role: RoleRecord,
        sessionName: String,
        policy: String? = nil,
        policyArns: [String] = [],
        seconds: Int,
        now: Date
    ) -> SessionRecord {
        SessionRecord(
            accessKeyId: Identifiers.accessKeyId(temporary: true),
            secretAccessKey: Identifiers.secretAccessKey(),
            sessionToken: Identifiers.sessionToken(),
            kind: .assumedRole,
            entityId: role.id,
            sessionName: sessionName,
            sessionPolicy: policy,
            sessionPolicyArns: policyArns,
            expiresAt: now.addingTimeInterval(TimeInterval(seconds)),
            createdAt: now
        )
    }
}
