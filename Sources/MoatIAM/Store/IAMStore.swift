import Foundation
import MoatCore
import MoatStorage
import SQLKit

/// The IAM and STS tables: users, roles, access keys, inline and managed policies, attachments and STS sessions.
///
/// Every method is one statement or one transaction, so a failed call leaves nothing behind.
struct IAMStore: Sendable {
    let database: Database
    let secretBox: SecretBox
    /// What authorizing a request needs, kept per node and dropped whenever IAM changes.
    let cache: IAMCache
    /// When each access key's last use was last written.
    let usage = AccessKeyUsage()

    /// Runs an IAM change in a transaction that also advances the IAM generation, so that the caches of every node
    /// (each checks the generation at most once per ``IAMCache/refreshInterval``) let go of what it changed.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let result = try await database.transaction { db in
            let value = try await body(db)
            try await db.raw("UPDATE iam_state SET generation = generation + 1 WHERE name = 'iam'").run()
            return value
        }
        cache.invalidate()
        return result
    }

    /// The IAM generation: how many changes IAM has seen, across all nodes.
    func generation() async throws -> Int64 {
        try await database.sql.raw("SELECT generation FROM iam_state WHERE name = 'iam'").first()?.decode(column: "generation", as: Int64.self) ?? 0
    }

    // MARK: users

    func insertUser(_ user: UserRecord) async throws {
        try await uniquely {
            try await write { db in
                try await db.raw(
                """
                INSERT INTO iam_users (id, name, name_key, path, created_at, permissions_boundary, tags)
                VALUES (\(bind: user.id), \(bind: user.name), \(bind: user.name.lowercased()), \(bind: user.path),
                        \(bind: StoredTime.millis(user.createdAt)), \(bind: user.permissionsBoundary), \(bind: Self.encodeTags(user.tags)))
                """
            ).run()
            }
        }
    }

    func user(named name: String) async throws -> UserRecord? {
        let key = name.lowercased()
        return try await cache.readThrough(.user(key), generation: generation) {
            try await database.sql.raw("SELECT * FROM iam_users WHERE name_key = \(bind: key)").first().map(Self.user)
        }
    }

    func user(id: String) async throws -> UserRecord? {
        try await database.sql.raw("SELECT * FROM iam_users WHERE id = \(bind: id)").first().map(Self.user)
    }

    /// Users whose path starts with `pathPrefix`, by name, after `marker` (a lowercased name), at most `limit`.
    func users(pathPrefix: String, after marker: String?, limit: Int) async throws -> [UserRecord] {
        try await database.sql.raw(
            """
            SELECT * FROM iam_users WHERE name_key > \(bind: marker ?? "") AND path LIKE \(bind: Self.likePrefix(pathPrefix)) ESCAPE '\\'
            ORDER BY name_key LIMIT \(bind: limit)
            """
        ).all().map(Self.user)
    }

    func updateUser(_ user: UserRecord) async throws {
        try await uniquely {
            try await write { db in
                try await db.raw(
                """
                UPDATE iam_users SET name = \(bind: user.name), name_key = \(bind: user.name.lowercased()), path = \(bind: user.path),
                    permissions_boundary = \(bind: user.permissionsBoundary), tags = \(bind: Self.encodeTags(user.tags))
                WHERE id = \(bind: user.id)
                """
            ).run()
            }
        }
    }

    /// Deletes a user that owns nothing; otherwise names what it still owns.
    func deleteUser(id: String) async throws -> DeleteOutcome {
        try await write { db in
            if try await Self.exists(db, "SELECT 1 FROM iam_access_keys WHERE user_id = \(bind: id)") { return .conflict("access keys") }
            if try await Self.exists(db, "SELECT 1 FROM iam_inline_policies WHERE owner_type = 'user' AND owner_id = \(bind: id)") {
                return .conflict("policies")
            }
            if try await Self.exists(db, "SELECT 1 FROM iam_attachments WHERE owner_type = 'user' AND owner_id = \(bind: id)") {
                return .conflict("attached policies")
            }
            try await db.raw("DELETE FROM iam_users WHERE id = \(bind: id)").run()
            return .deleted
        }
    }

    enum DeleteOutcome: Sendable, Equatable {
        case deleted
        /// The entity still has these (AWS's DeleteConflict names them).
        case conflict(String)
    }

    // MARK: roles

    func insertRole(_ role: RoleRecord) async throws {
        try await uniquely {
            try await write { db in
                try await db.raw(
                """
                INSERT INTO iam_roles (id, name, name_key, path, trust_policy, description, max_session_duration, created_at,
                                       permissions_boundary, tags)
                VALUES (\(bind: role.id), \(bind: role.name), \(bind: role.name.lowercased()), \(bind: role.path), \(bind: role.trustPolicy),
                        \(bind: role.description), \(bind: role.maxSessionDuration), \(bind: StoredTime.millis(role.createdAt)),
                        \(bind: role.permissionsBoundary), \(bind: Self.encodeTags(role.tags)))
                """
            ).run()
            }
        }
    }

    func role(named name: String) async throws -> RoleRecord? {
        let key = name.lowercased()
        return try await cache.readThrough(.role(key), generation: generation) {
            try await database.sql.raw("SELECT * FROM iam_roles WHERE name_key = \(bind: key)").first().map(Self.role)
        }
    }

    func role(id: String) async throws -> RoleRecord? {
        try await database.sql.raw("SELECT * FROM iam_roles WHERE id = \(bind: id)").first().map(Self.role)
    }

    func roles(pathPrefix: String, after marker: String?, limit: Int) async throws -> [RoleRecord] {
        try await database.sql.raw(
            """
            SELECT * FROM iam_roles WHERE name_key > \(bind: marker ?? "") AND path LIKE \(bind: Self.likePrefix(pathPrefix)) ESCAPE '\\'
            ORDER BY name_key LIMIT \(bind: limit)
            """
        ).all().map(Self.role)
    }

    func updateRole(_ role: RoleRecord) async throws {
        try await write { db in
                try await db.raw(
            """
            UPDATE iam_roles SET trust_policy = \(bind: role.trustPolicy), description = \(bind: role.description),
                max_session_duration = \(bind: role.maxSessionDuration), permissions_boundary = \(bind: role.permissionsBoundary),
                tags = \(bind: Self.encodeTags(role.tags))
            WHERE id = \(bind: role.id)
            """
        ).run()
            }
    }

    func recordRoleUse(id: String, at date: Date, region: String) async throws {
        try await database.sql.raw(
            "UPDATE iam_roles SET last_used_at = \(bind: StoredTime.millis(date)), last_used_region = \(bind: region) WHERE id = \(bind: id)"
        ).run()
    }

    func deleteRole(id: String) async throws -> DeleteOutcome {
        try await write { db in
            if try await Self.exists(db, "SELECT 1 FROM iam_inline_policies WHERE owner_type = 'role' AND owner_id = \(bind: id)") {
                return .conflict("policies")
            }
            if try await Self.exists(db, "SELECT 1 FROM iam_attachments WHERE owner_type = 'role' AND owner_id = \(bind: id)") {
                return .conflict("attached policies")
            }
            try await db.raw("DELETE FROM iam_roles WHERE id = \(bind: id)").run()
            return .deleted
        }
    }

    // MARK: access keys

    /// Inserts a user's access key unless the user already has `limit` keys.
    /// - Returns: false when the limit was reached.
    func insertAccessKey(_ key: AccessKeyRecord, limit: Int) async throws -> Bool {
        let sealed = try secretBox.seal(Data(key.secretAccessKey.utf8), context: "iam.access-key:\(key.id)").base64EncodedString()
        return try await write { db in
            if let userId = key.userId {
                // The owner's row is locked so that two concurrent calls cannot both pass the count (PostgreSQL).
                _ = try await db.select().column("id").from("iam_users").where("id", .equal, userId).for(.update).first()
                let count = try await db.raw("SELECT COUNT(*) AS n FROM iam_access_keys WHERE user_id = \(bind: userId)")
                    .first()?.decode(column: "n", as: Int.self) ?? 0
                if count >= limit { return false }
            }
            try await db.raw(
                """
                INSERT INTO iam_access_keys (id, user_id, secret, status, created_at)
                VALUES (\(bind: key.id), \(bind: key.userId), \(bind: sealed), \(bind: key.status.rawValue), \(bind: StoredTime.millis(key.createdAt)))
                """
            ).run()
            return true
        }
    }

    func accessKey(id: String) async throws -> AccessKeyRecord? {
        guard let row = try await database.sql.raw("SELECT * FROM iam_access_keys WHERE id = \(bind: id)").first() else { return nil }
        return try accessKey(row)
    }

    func accessKeys(userId: String?) async throws -> [AccessKeyRecord] {
        let rows: [any SQLRow]
        if let userId {
            rows = try await database.sql.raw("SELECT * FROM iam_access_keys WHERE user_id = \(bind: userId) ORDER BY created_at, id").all()
        } else {
            rows = try await database.sql.raw("SELECT * FROM iam_access_keys WHERE user_id IS NULL ORDER BY created_at, id").all()
        }
        return try rows.map(accessKey)
    }

    func setAccessKeyStatus(id: String, status: AccessKeyRecord.Status) async throws {
        try await write { db in
                try await db.raw("UPDATE iam_access_keys SET status = \(bind: status.rawValue) WHERE id = \(bind: id)").run()
            }
    }

    func deleteAccessKey(id: String) async throws {
        try await write { db in
                try await db.raw("DELETE FROM iam_access_keys WHERE id = \(bind: id)").run()
            }
    }

    func recordAccessKeyUse(id: String, at date: Date, service: String, region: String) async throws {
        try await database.sql.raw(
            """
            UPDATE iam_access_keys SET last_used_at = \(bind: StoredTime.millis(date)), last_used_service = \(bind: service),
                last_used_region = \(bind: region)
            WHERE id = \(bind: id)
            """
        ).run()
    }

    /// Makes `key` the only root key: a root key given at start replaces any generated before.
    func replaceRootKeys(with key: AccessKeyRecord) async throws {
        let sealed = try secretBox.seal(Data(key.secretAccessKey.utf8), context: "iam.access-key:\(key.id)").base64EncodedString()
        try await write { db in
            try await db.raw("DELETE FROM iam_access_keys WHERE user_id IS NULL AND id <> \(bind: key.id)").run()
            try await db.raw("DELETE FROM iam_access_keys WHERE id = \(bind: key.id)").run()
            try await db.raw(
                """
                INSERT INTO iam_access_keys (id, user_id, secret, status, created_at)
                VALUES (\(bind: key.id), NULL, \(bind: sealed), 'Active', \(bind: StoredTime.millis(key.createdAt)))
                """
            ).run()
        }
    }

    // MARK: inline policies

    func putInlinePolicy(owner: PolicyOwner, name: String, document: String) async throws {
        try await write { db in
            try await db.raw(
                """
                DELETE FROM iam_inline_policies
                WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND name_key = \(bind: name.lowercased())
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO iam_inline_policies (owner_type, owner_id, name, name_key, document)
                VALUES (\(bind: owner.type), \(bind: owner.id), \(bind: name), \(bind: name.lowercased()), \(bind: document))
                """
            ).run()
        }
    }

    func inlinePolicy(owner: PolicyOwner, name: String) async throws -> (name: String, document: String)? {
        guard
            let row = try await database.sql.raw(
                """
                SELECT name, document FROM iam_inline_policies
                WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND name_key = \(bind: name.lowercased())
                """
            ).first()
        else { return nil }
        return (try row.decode(column: "name", as: String.self), try row.decode(column: "document", as: String.self))
    }

    func inlinePolicies(owner: PolicyOwner) async throws -> [(name: String, document: String)] {
        try await database.sql.raw(
            """
            SELECT name, document FROM iam_inline_policies WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id)
            ORDER BY name_key
            """
        ).all().map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "document", as: String.self)) }
    }

    /// - Returns: false when there was no such policy.
    func deleteInlinePolicy(owner: PolicyOwner, name: String) async throws -> Bool {
        try await write { db in
            let found = try await Self.exists(
                db,
                """
                SELECT 1 FROM iam_inline_policies
                WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND name_key = \(bind: name.lowercased())
                """
            )
            guard found else { return false }
            try await db.raw(
                """
                DELETE FROM iam_inline_policies
                WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND name_key = \(bind: name.lowercased())
                """
            ).run()
            return true
        }
    }

    // MARK: managed policies

    func insertManagedPolicy(_ policy: ManagedPolicyRecord, document: String) async throws {
        try await uniquely {
            try await write { db in
                try await db.raw(
                    """
                    INSERT INTO iam_policies (id, name, name_key, path, description, default_version, next_version, created_at, updated_at, tags)
                    VALUES (\(bind: policy.id), \(bind: policy.name), \(bind: policy.name.lowercased()), \(bind: policy.path),
                            \(bind: policy.description), 'v1', 2, \(bind: StoredTime.millis(policy.createdAt)), \(bind: StoredTime.millis(policy.updatedAt)),
                            \(bind: Self.encodeTags(policy.tags)))
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO iam_policy_versions (policy_id, version_id, document, created_at)
                    VALUES (\(bind: policy.id), 'v1', \(bind: document), \(bind: StoredTime.millis(policy.createdAt)))
                    """
                ).run()
            }
        }
    }

    private static let policyColumns = """
        p.*, (SELECT COUNT(*) FROM iam_attachments a WHERE a.policy_id = p.id) AS attachment_count
        """

    func managedPolicy(named name: String) async throws -> ManagedPolicyRecord? {
        try await database.sql.raw(
            "SELECT \(unsafeRaw: Self.policyColumns) FROM iam_policies p WHERE p.name_key = \(bind: name.lowercased())"
        ).first().map(Self.managedPolicy)
    }

    func managedPolicies(pathPrefix: String, onlyAttached: Bool, after marker: String?, limit: Int) async throws -> [ManagedPolicyRecord] {
        let attached = onlyAttached ? "AND EXISTS (SELECT 1 FROM iam_attachments a WHERE a.policy_id = p.id)" : ""
        return try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.policyColumns) FROM iam_policies p
            WHERE p.name_key > \(bind: marker ?? "") AND p.path LIKE \(bind: Self.likePrefix(pathPrefix)) ESCAPE '\\' \(unsafeRaw: attached)
            ORDER BY p.name_key LIMIT \(bind: limit)
            """
        ).all().map(Self.managedPolicy)
    }

    /// Deletes a managed policy that is neither attached nor anyone's permissions boundary and has one version.
    func deleteManagedPolicy(id: String, arn: String) async throws -> DeleteOutcome {
        try await write { db in
            if try await Self.exists(db, "SELECT 1 FROM iam_attachments WHERE policy_id = \(bind: id)") { return .conflict("attachments") }
            let isBoundary = try await Self.exists(
                db,
                """
                SELECT 1 FROM iam_users WHERE permissions_boundary = \(bind: arn)
                UNION ALL SELECT 1 FROM iam_roles WHERE permissions_boundary = \(bind: arn)
                """
            )
            if isBoundary { return .conflict("attachments") }
            let versions = try await db.raw("SELECT COUNT(*) AS n FROM iam_policy_versions WHERE policy_id = \(bind: id)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            if versions > 1 { return .conflict("versions") }
            try await db.raw("DELETE FROM iam_policy_versions WHERE policy_id = \(bind: id)").run()
            try await db.raw("DELETE FROM iam_policies WHERE id = \(bind: id)").run()
            return .deleted
        }
    }

    enum VersionOutcome: Sendable, Equatable {
        case created(PolicyVersionRecord)
        case limitExceeded
    }

    /// Adds a version unless the policy already has `limit` versions.
    func addPolicyVersion(policyId: String, document: String, setAsDefault: Bool, at date: Date, limit: Int) async throws -> VersionOutcome {
        try await write { db in
            _ = try await db.select().column("id").from("iam_policies").where("id", .equal, policyId).for(.update).first()
            let count = try await db.raw("SELECT COUNT(*) AS n FROM iam_policy_versions WHERE policy_id = \(bind: policyId)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            if count >= limit { return .limitExceeded }
            guard let row = try await db.raw("SELECT next_version FROM iam_policies WHERE id = \(bind: policyId)").first() else {
                return .limitExceeded
            }
            let number = try row.decode(column: "next_version", as: Int64.self)
            let versionId = "v\(number)"
            try await db.raw(
                """
                INSERT INTO iam_policy_versions (policy_id, version_id, document, created_at)
                VALUES (\(bind: policyId), \(bind: versionId), \(bind: document), \(bind: StoredTime.millis(date)))
                """
            ).run()
            let defaultVersion = setAsDefault ? versionId : nil
            try await db.raw(
                """
                UPDATE iam_policies SET next_version = \(bind: number + 1), updated_at = \(bind: StoredTime.millis(date)),
                    default_version = COALESCE(\(bind: defaultVersion), default_version)
                WHERE id = \(bind: policyId)
                """
            ).run()
            return .created(PolicyVersionRecord(versionId: versionId, document: document, createdAt: date))
        }
    }

    func policyVersion(policyId: String, versionId: String) async throws -> PolicyVersionRecord? {
        try await database.sql.raw(
            "SELECT * FROM iam_policy_versions WHERE policy_id = \(bind: policyId) AND version_id = \(bind: versionId)"
        ).first().map(Self.policyVersion)
    }

    func policyVersions(policyId: String) async throws -> [PolicyVersionRecord] {
        try await database.sql.raw("SELECT * FROM iam_policy_versions WHERE policy_id = \(bind: policyId) ORDER BY created_at DESC, version_id DESC")
            .all().map(Self.policyVersion)
    }

    func deletePolicyVersion(policyId: String, versionId: String) async throws {
        try await write { db in
                try await db.raw(
            "DELETE FROM iam_policy_versions WHERE policy_id = \(bind: policyId) AND version_id = \(bind: versionId)"
        ).run()
            }
    }

    func setDefaultPolicyVersion(policyId: String, versionId: String, at date: Date) async throws {
        try await write { db in
                try await db.raw(
            "UPDATE iam_policies SET default_version = \(bind: versionId), updated_at = \(bind: StoredTime.millis(date)) WHERE id = \(bind: policyId)"
        ).run()
            }
    }

    // MARK: attachments

    /// Attaches a managed policy unless the owner already has `limit` attached.
    /// - Returns: false when the limit was reached.
    func attach(policyId: String, to owner: PolicyOwner, limit: Int) async throws -> Bool {
        try await write { db in
            let table = owner.type == "user" ? "iam_users" : "iam_roles"
            _ = try await db.select().column("id").from(table).where("id", .equal, owner.id).for(.update).first()
            let present = try await Self.exists(
                db,
                "SELECT 1 FROM iam_attachments WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND policy_id = \(bind: policyId)"
            )
            if present { return true }
            let count = try await db.raw(
                "SELECT COUNT(*) AS n FROM iam_attachments WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id)"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
            if count >= limit { return false }
            try await db.raw(
                "INSERT INTO iam_attachments (owner_type, owner_id, policy_id) VALUES (\(bind: owner.type), \(bind: owner.id), \(bind: policyId))"
            ).run()
            return true
        }
    }


    /// - Returns: false when the policy was not attached.
    func detach(policyId: String, from owner: PolicyOwner) async throws -> Bool {
        try await write { db in
            let present = try await Self.exists(
                db,
                "SELECT 1 FROM iam_attachments WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND policy_id = \(bind: policyId)"
            )
            guard present else { return false }
            try await db.raw(
                "DELETE FROM iam_attachments WHERE owner_type = \(bind: owner.type) AND owner_id = \(bind: owner.id) AND policy_id = \(bind: policyId)"
            ).run()
            return true
        }
    }

    /// The managed policies attached to an owner, with their default versions' documents.
    func attachedPolicies(owner: PolicyOwner) async throws -> [(policy: ManagedPolicyRecord, document: String)] {
        try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.policyColumns), v.document AS default_document
            FROM iam_attachments t JOIN iam_policies p ON p.id = t.policy_id
            JOIN iam_policy_versions v ON v.policy_id = p.id AND v.version_id = p.default_version
            WHERE t.owner_type = \(bind: owner.type) AND t.owner_id = \(bind: owner.id)
            ORDER BY p.name_key
            """
        ).all().map { (try Self.managedPolicy($0), try $0.decode(column: "default_document", as: String.self)) }
    }

    // MARK: sessions

    func insertSession(_ session: SessionRecord) async throws {
        let secret = try secretBox.seal(Data(session.secretAccessKey.utf8), context: "sts.secret:\(session.accessKeyId)").base64EncodedString()
        let token = try secretBox.seal(Data(session.sessionToken.utf8), context: "sts.token:\(session.accessKeyId)").base64EncodedString()
        let arns = String(decoding: try JSONEncoder().encode(session.sessionPolicyArns), as: UTF8.self)
        try await database.sql.raw(
            """
            INSERT INTO sts_sessions (access_key_id, secret, token, kind, entity_id, session_name, session_policy, session_policy_arns,
                                      expires_at, created_at)
            VALUES (\(bind: session.accessKeyId), \(bind: secret), \(bind: token), \(bind: session.kind.rawValue), \(bind: session.entityId),
                    \(bind: session.sessionName), \(bind: session.sessionPolicy), \(bind: arns), \(bind: StoredTime.millis(session.expiresAt)),
                    \(bind: StoredTime.millis(session.createdAt)))
            """
        ).run()
    }

    func session(accessKeyId: String) async throws -> SessionRecord? {
        guard let row = try await database.sql.raw("SELECT * FROM sts_sessions WHERE access_key_id = \(bind: accessKeyId)").first() else {
            return nil
        }
        let id = try row.decode(column: "access_key_id", as: String.self)
        let secret = try open(try row.decode(column: "secret", as: String.self), context: "sts.secret:\(id)")
        let token = try open(try row.decode(column: "token", as: String.self), context: "sts.token:\(id)")
        let arns = try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "session_policy_arns", as: String.self).utf8))
        return SessionRecord(
            accessKeyId: id,
            secretAccessKey: secret,
            sessionToken: token,
            kind: SessionRecord.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .userSession,
            entityId: try row.decode(column: "entity_id", as: String?.self),
            sessionName: try row.decode(column: "session_name", as: String?.self),
            sessionPolicy: try row.decode(column: "session_policy", as: String?.self),
            sessionPolicyArns: arns,
            expiresAt: StoredTime.date(try row.decode(column: "expires_at", as: Int64.self)),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self))
        )
    }

    /// Removes sessions that expired before `date`.
    func deleteSessions(expiredBefore date: Date) async throws {
        try await database.sql.raw("DELETE FROM sts_sessions WHERE expires_at < \(bind: StoredTime.millis(date))").run()
    }

    // MARK: reset

    /// Deletes everything but the root key.
    func deleteAllButRoot() async throws {
        try await write { db in
            for table in ["sts_sessions", "iam_attachments", "iam_policy_versions", "iam_policies", "iam_inline_policies"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table)").run()
            }
            try await db.raw("DELETE FROM iam_access_keys WHERE user_id IS NOT NULL").run()
            try await db.raw("DELETE FROM iam_roles").run()
            try await db.raw("DELETE FROM iam_users").run()
        }
    }
}

// MARK: - rows

extension IAMStore {

    /// A `LIKE` pattern for "starts with", with the pattern characters of the prefix escaped.
    static func likePrefix(_ prefix: String) -> String {
        prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    static func encodeTags(_ tags: [TagRecord]) -> String {
        (try? String(decoding: JSONEncoder().encode(tags), as: UTF8.self)) ?? "[]"
    }

    static func decodeTags(_ text: String) -> [TagRecord] {
        (try? JSONDecoder().decode([TagRecord].self, from: Data(text.utf8))) ?? []
    }

    static func exists(_ db: any SQLDatabase, _ query: SQLQueryString) async throws -> Bool {
        try await db.raw(query).first() != nil
    }

    /// Runs a write and reports a unique-key clash as ``IAMStoreConflict``.
    func uniquely<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageError where error == .uniqueViolation {
            throw IAMStoreConflict()
        }
    }

    func open(_ sealed: String, context: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw IAMStoreCorruption(context: context) }
        return String(decoding: try secretBox.open(data, context: context), as: UTF8.self)
    }

    static func user(_ row: any SQLRow) throws -> UserRecord {
        UserRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            path: try row.decode(column: "path", as: String.self),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            permissionsBoundary: try row.decode(column: "permissions_boundary", as: String?.self),
            tags: decodeTags(try row.decode(column: "tags", as: String.self))
        )
    }

    static func role(_ row: any SQLRow) throws -> RoleRecord {
        RoleRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            path: try row.decode(column: "path", as: String.self),
            trustPolicy: try row.decode(column: "trust_policy", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            maxSessionDuration: try row.decode(column: "max_session_duration", as: Int.self),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            permissionsBoundary: try row.decode(column: "permissions_boundary", as: String?.self),
            tags: decodeTags(try row.decode(column: "tags", as: String.self)),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(StoredTime.date),
            lastUsedRegion: try row.decode(column: "last_used_region", as: String?.self)
        )
    }

    func accessKey(_ row: any SQLRow) throws -> AccessKeyRecord {
        let id = try row.decode(column: "id", as: String.self)
        return AccessKeyRecord(
            id: id,
            userId: try row.decode(column: "user_id", as: String?.self),
            secretAccessKey: try open(try row.decode(column: "secret", as: String.self), context: "iam.access-key:\(id)"),
            status: AccessKeyRecord.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .inactive,
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(StoredTime.date),
            lastUsedService: try row.decode(column: "last_used_service", as: String?.self),
            lastUsedRegion: try row.decode(column: "last_used_region", as: String?.self)
        )
    }

    static func managedPolicy(_ row: any SQLRow) throws -> ManagedPolicyRecord {
        ManagedPolicyRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            path: try row.decode(column: "path", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            defaultVersionId: try row.decode(column: "default_version", as: String.self),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: StoredTime.date(try row.decode(column: "updated_at", as: Int64.self)),
            tags: decodeTags(try row.decode(column: "tags", as: String.self)),
            attachmentCount: try row.decode(column: "attachment_count", as: Int.self)
        )
    }

    static func policyVersion(_ row: any SQLRow) throws -> PolicyVersionRecord {
        PolicyVersionRecord(
            versionId: try row.decode(column: "version_id", as: String.self),
            document: try row.decode(column: "document", as: String.self),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self))
        )
    }
}

/// A write clashed with an existing name.
struct IAMStoreConflict: Error {}

/// A sealed secret that is not base64: the row was altered outside Moat.
struct IAMStoreCorruption: Error {
    let context: String
}
