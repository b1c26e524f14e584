import Foundation
import MoatStorage
import SQLKit

/// A group of a pool, as stored.
struct GroupRecord: Sendable {
    var poolId: String
    var name: String
    var description: String?
    var roleArn: String?
    var precedence: Int?
    var createdAt: Date
    var updatedAt: Date
}

/// A pending verification code: only its digest is stored.
struct CodeRecord: Sendable {
    var poolId: String
    var usernameKey: String
    /// `signup`, `password`, or `verify:ATTRIBUTE`.
    var purpose: String
    var digest: String
    var expiresAt: Date
    var failedAttempts: Int
}

extension CognitoStore {
    static let groupsAndCodes = Migration(
        module: "cognito",
        name: "003-groups-codes",
        statements: [
            """
            CREATE TABLE cognito_groups (
                pool_id TEXT NOT NULL,
                name TEXT NOT NULL,
                description TEXT,
                role_arn TEXT,
                precedence BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (pool_id, name)
            )
            """,
            """
            CREATE TABLE cognito_group_members (
                pool_id TEXT NOT NULL,
                group_name TEXT NOT NULL,
                username_key TEXT NOT NULL,
                PRIMARY KEY (pool_id, group_name, username_key)
            )
            """,
            "CREATE INDEX cognito_group_members_by_user ON cognito_group_members (pool_id, username_key)",
            """
            CREATE TABLE cognito_codes (
                pool_id TEXT NOT NULL,
                username_key TEXT NOT NULL,
                purpose TEXT NOT NULL,
                digest TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                failed_attempts BIGINT NOT NULL,
                PRIMARY KEY (pool_id, username_key, purpose)
            )
            """,
        ]
    )

    // MARK: groups

    /// False when the pool already has a group of that name.
    func insertGroup(_ group: GroupRecord) async throws -> Bool {
        do {
            try await database.sql.raw(
                """
                INSERT INTO cognito_groups (pool_id, name, description, role_arn, precedence, created_at, updated_at)
                VALUES (\(bind: group.poolId), \(bind: group.name), \(bind: group.description), \(bind: group.roleArn),
                    \(bind: group.precedence.map(Int64.init)), \(bind: StoredTime.millis(group.createdAt)), \(bind: StoredTime.millis(group.updatedAt)))
                """
            ).run()
            return true
        } catch let error as StorageError where error == .uniqueViolation {
            return false
        }
    }

    /// Whether the pool has any group (most have none, and then tokens need no group lookup).
    func hasGroups(poolId: String) async throws -> Bool {
        try await database.sql.raw("SELECT name FROM cognito_groups WHERE pool_id = \(bind: poolId) LIMIT 1").first() != nil
    }

    func group(poolId: String, name: String) async throws -> GroupRecord? {
        try await database.sql.raw("SELECT * FROM cognito_groups WHERE pool_id = \(bind: poolId) AND name = \(bind: name)").first().map(Self.group)
    }

    func groups(poolId: String, after: String?, limit: Int) async throws -> [GroupRecord] {
        try await database.sql.raw(
            "SELECT * FROM cognito_groups WHERE pool_id = \(bind: poolId) AND name > \(bind: after ?? "") ORDER BY name LIMIT \(bind: limit)"
        ).all().map(Self.group)
    }

    func updateGroup(_ group: GroupRecord) async throws -> Bool {
        let rows = try await database.sql.raw(
            """
            UPDATE cognito_groups SET description = \(bind: group.description), role_arn = \(bind: group.roleArn),
                precedence = \(bind: group.precedence.map(Int64.init)), updated_at = \(bind: StoredTime.millis(group.updatedAt))
            WHERE pool_id = \(bind: group.poolId) AND name = \(bind: group.name) RETURNING name
            """
        ).all()
        return !rows.isEmpty
    }

    func deleteGroup(poolId: String, name: String) async throws -> Bool {
        try await database.transaction { db in
            let rows = try await db.raw("DELETE FROM cognito_groups WHERE pool_id = \(bind: poolId) AND name = \(bind: name) RETURNING name").all()
            guard !rows.isEmpty else { return false }
            try await db.raw("DELETE FROM cognito_group_members WHERE pool_id = \(bind: poolId) AND group_name = \(bind: name)").run()
            return true
        }
    }

    func addMember(poolId: String, group: String, usernameKey: String) async throws {
        do {
            try await database.sql.raw(
                "INSERT INTO cognito_group_members (pool_id, group_name, username_key) VALUES (\(bind: poolId), \(bind: group), \(bind: usernameKey))"
            ).run()
        } catch let error as StorageError where error == .uniqueViolation {
            // Already a member: adding is idempotent, as on AWS.
        }
    }

    func removeMember(poolId: String, group: String, usernameKey: String) async throws {
        try await database.sql.raw(
            """
            DELETE FROM cognito_group_members
            WHERE pool_id = \(bind: poolId) AND group_name = \(bind: group) AND username_key = \(bind: usernameKey)
            """
        ).run()
    }

    /// The groups of a user, by precedence (lowest first, groups without one last), then name: the order of the
    /// `cognito:groups` claim.
    func groups(poolId: String, usernameKey: String) async throws -> [GroupRecord] {
        let rows = try await database.sql.raw(
            """
            SELECT g.* FROM cognito_groups g JOIN cognito_group_members m ON m.pool_id = g.pool_id AND m.group_name = g.name
            WHERE m.pool_id = \(bind: poolId) AND m.username_key = \(bind: usernameKey)
            """
        ).all()
        return try rows.map(Self.group).sorted { ($0.precedence ?? Int.max, $0.name) < ($1.precedence ?? Int.max, $1.name) }
    }

    func members(poolId: String, group: String, after: String?, limit: Int) async throws -> [UserRecord] {
        try await database.sql.raw(
            """
            SELECT u.* FROM cognito_users u JOIN cognito_group_members m ON m.pool_id = u.pool_id AND m.username_key = u.username_key
            WHERE m.pool_id = \(bind: poolId) AND m.group_name = \(bind: group) AND u.username_key > \(bind: after ?? "")
            ORDER BY u.username_key LIMIT \(bind: limit)
            """
        ).all().map(user)
    }

    private static func group(_ row: any SQLRow) throws -> GroupRecord {
        GroupRecord(
            poolId: try row.decode(column: "pool_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            roleArn: try row.decode(column: "role_arn", as: String?.self),
            precedence: try row.decode(column: "precedence", as: Int64?.self).map(Int.init),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: StoredTime.date(try row.decode(column: "updated_at", as: Int64.self))
        )
    }

    // MARK: codes

    /// Stores a user's code for a purpose, replacing the one before.
    func putCode(_ code: CodeRecord) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                DELETE FROM cognito_codes
                WHERE pool_id = \(bind: code.poolId) AND username_key = \(bind: code.usernameKey) AND purpose = \(bind: code.purpose)
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO cognito_codes (pool_id, username_key, purpose, digest, expires_at, failed_attempts)
                VALUES (\(bind: code.poolId), \(bind: code.usernameKey), \(bind: code.purpose), \(bind: code.digest),
                    \(bind: StoredTime.millis(code.expiresAt)), 0)
                """
            ).run()
        }
    }

    func code(poolId: String, usernameKey: String, purpose: String) async throws -> CodeRecord? {
        guard
            let row = try await database.sql.raw(
                """
                SELECT * FROM cognito_codes
                WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey) AND purpose = \(bind: purpose)
                """
            ).first()
        else { return nil }
        return CodeRecord(
            poolId: poolId, usernameKey: usernameKey, purpose: purpose,
            digest: try row.decode(column: "digest", as: String.self),
            expiresAt: StoredTime.date(try row.decode(column: "expires_at", as: Int64.self)),
            failedAttempts: Int(try row.decode(column: "failed_attempts", as: Int64.self))
        )
    }

    /// Counts a wrong guess in one statement, so that concurrent guesses all count.
    /// - Returns: the wrong guesses so far.
    func recordWrongCode(poolId: String, usernameKey: String, purpose: String) async throws -> Int {
        let row = try await database.sql.raw(
            """
            UPDATE cognito_codes SET failed_attempts = failed_attempts + 1
            WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey) AND purpose = \(bind: purpose)
            RETURNING failed_attempts
            """
        ).first()
        return Int(try row?.decode(column: "failed_attempts", as: Int64.self) ?? 0)
    }

    /// Removes a code; true only for the caller that removed it, so a code is used once.
    func takeCode(poolId: String, usernameKey: String, purpose: String) async throws -> Bool {
        let rows = try await database.sql.raw(
            """
            DELETE FROM cognito_codes
            WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey) AND purpose = \(bind: purpose) RETURNING purpose
            """
        ).all()
        return !rows.isEmpty
    }
}
