import Foundation
import MoatCore
import MoatStorage
import SQLKit

/// Cognito's tables: pools, app clients, users, refresh tokens and pending challenges.
///
/// Secrets are sealed under the master key (``SecretBox``) with a context naming their row: pool signing keys,
/// client secrets, SRP verifiers and challenge state. Passwords are stored only as slow hashes (``PasswordHasher``),
/// refresh tokens and challenge sessions only as SHA-256 of their random values. Every method is one statement or
/// one transaction, so a failed call leaves nothing behind.
struct CognitoStore: Sendable {
    let database: Database
    let secretBox: SecretBox
    /// Bumped by every change to a user or a sign-in, so that cached token checks see it (``TokenHolderCache``).
    let changes = ChangeCounter()

    static let migrations: [Migration] = [
        Migration(
            module: "cognito",
            name: "001-pools-clients-users",
            statements: [
                """
                CREATE TABLE cognito_pools (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    signing_key TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE cognito_clients (
                    id TEXT PRIMARY KEY,
                    pool_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    secret TEXT,
                    settings TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX cognito_clients_by_pool ON cognito_clients (pool_id, id)",
                """
                CREATE TABLE cognito_users (
                    pool_id TEXT NOT NULL,
                    username_key TEXT NOT NULL,
                    username TEXT NOT NULL,
                    sub TEXT NOT NULL,
                    status TEXT NOT NULL,
                    enabled BIGINT NOT NULL,
                    attributes TEXT NOT NULL,
                    password_hash TEXT,
                    srp TEXT,
                    password_set_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    failed_attempts BIGINT NOT NULL,
                    locked_until BIGINT,
                    email_key TEXT,
                    phone_key TEXT,
                    preferred_username_key TEXT,
                    PRIMARY KEY (pool_id, username_key)
                )
                """,
                "CREATE UNIQUE INDEX cognito_users_by_sub ON cognito_users (pool_id, sub)",
                "CREATE UNIQUE INDEX cognito_users_by_email ON cognito_users (pool_id, email_key)",
                "CREATE UNIQUE INDEX cognito_users_by_phone ON cognito_users (pool_id, phone_key)",
                "CREATE UNIQUE INDEX cognito_users_by_preferred_username ON cognito_users (pool_id, preferred_username_key)",
                """
                CREATE TABLE cognito_refresh_tokens (
                    token_hash TEXT PRIMARY KEY,
                    origin_jti TEXT NOT NULL,
                    pool_id TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    username_key TEXT NOT NULL,
                    auth_time BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX cognito_refresh_tokens_by_origin ON cognito_refresh_tokens (origin_jti)",
                "CREATE INDEX cognito_refresh_tokens_by_user ON cognito_refresh_tokens (pool_id, username_key)",
                """
                CREATE TABLE cognito_challenges (
                    challenge_key TEXT PRIMARY KEY,
                    pool_id TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    username_key TEXT NOT NULL,
                    challenge TEXT NOT NULL,
                    state TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
            ]
        )
    ]

    // MARK: pools

    func insertPool(_ pool: PoolRecord, signingKey: TokenSigningKey) async throws {
        let sealedKey = try secretBox.seal(Data(signingKey.pkcs8DER), context: "cognito.signing-key:\(pool.id)").base64EncodedString()
        try await database.sql.raw(
            """
            INSERT INTO cognito_pools (id, name, settings, signing_key, created_at, updated_at)
            VALUES (\(bind: pool.id), \(bind: pool.name), \(bind: try StoredJSON.encode(pool.settings)), \(bind: sealedKey),
                \(bind: StoredTime.millis(pool.createdAt)), \(bind: StoredTime.millis(pool.updatedAt)))
            """
        ).run()
    }

    func pool(id: String) async throws -> PoolRecord? {
        try await database.sql.raw("SELECT id, name, settings, created_at, updated_at FROM cognito_pools WHERE id = \(bind: id)")
            .first().map(Self.pool)
    }

    /// Pools in id order after `after`.
    func pools(after: String?, limit: Int) async throws -> [PoolRecord] {
        try await database.sql.raw(
            """
            SELECT id, name, settings, created_at, updated_at FROM cognito_pools
            WHERE id > \(bind: after ?? "") ORDER BY id LIMIT \(bind: limit)
            """
        ).all().map(Self.pool)
    }

    func signingKey(poolId: String) async throws -> TokenSigningKey? {
        guard let row = try await database.sql.raw("SELECT signing_key FROM cognito_pools WHERE id = \(bind: poolId)").first() else {
            return nil
        }
        let sealed = Data(base64Encoded: try row.decode(column: "signing_key", as: String.self)) ?? Data()
        return try TokenSigningKey(pkcs8DER: try secretBox.open(sealed, context: "cognito.signing-key:\(poolId)"))
    }

    /// False when the pool is gone.
    func updatePool(_ pool: PoolRecord) async throws -> Bool {
        let rows = try await database.sql.raw(
            """
            UPDATE cognito_pools SET name = \(bind: pool.name), settings = \(bind: try StoredJSON.encode(pool.settings)),
                updated_at = \(bind: StoredTime.millis(pool.updatedAt))
            WHERE id = \(bind: pool.id) RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Removes a pool and everything in it. False when it did not exist.
    func deletePool(id: String) async throws -> Bool {
        defer { changes.bump() }
        return try await database.transaction { db in
            let rows = try await db.raw("DELETE FROM cognito_pools WHERE id = \(bind: id) RETURNING id").all()
            guard !rows.isEmpty else { return false }
            for table in [
                "cognito_clients", "cognito_users", "cognito_refresh_tokens", "cognito_challenges", "cognito_groups",
                "cognito_group_members", "cognito_codes",
            ] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE pool_id = \(bind: id)").run()
            }
            return true
        }
    }

    func userCount(poolId: String) async throws -> Int {
        let row = try await database.sql.raw("SELECT COUNT(*) AS n FROM cognito_users WHERE pool_id = \(bind: poolId)").first()
        return Int(try row?.decode(column: "n", as: Int64.self) ?? 0)
    }

    // MARK: clients

    func insertClient(_ client: ClientRecord) async throws {
        let secret = try client.secret.map {
            try secretBox.seal(Data($0.utf8), context: "cognito.client-secret:\(client.id)").base64EncodedString()
        }
        try await database.sql.raw(
            """
            INSERT INTO cognito_clients (id, pool_id, name, secret, settings, created_at, updated_at)
            VALUES (\(bind: client.id), \(bind: client.poolId), \(bind: client.name), \(bind: secret),
                \(bind: try StoredJSON.encode(client.settings)), \(bind: StoredTime.millis(client.createdAt)),
                \(bind: StoredTime.millis(client.updatedAt)))
            """
        ).run()
    }

    func client(id: String) async throws -> ClientRecord? {
        guard let row = try await database.sql.raw("SELECT * FROM cognito_clients WHERE id = \(bind: id)").first() else { return nil }
        return try client(row)
    }

    func clients(poolId: String, after: String?, limit: Int) async throws -> [ClientRecord] {
        try await database.sql.raw(
            """
            SELECT * FROM cognito_clients WHERE pool_id = \(bind: poolId) AND id > \(bind: after ?? "")
            ORDER BY id LIMIT \(bind: limit)
            """
        ).all().map(client)
    }

    func updateClient(_ client: ClientRecord) async throws -> Bool {
        let rows = try await database.sql.raw(
            """
            UPDATE cognito_clients SET name = \(bind: client.name), settings = \(bind: try StoredJSON.encode(client.settings)),
                updated_at = \(bind: StoredTime.millis(client.updatedAt))
            WHERE id = \(bind: client.id) AND pool_id = \(bind: client.poolId) RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Removes a client and the refresh tokens issued to it.
    func deleteClient(id: String, poolId: String) async throws -> Bool {
        defer { changes.bump() }
        return try await database.transaction { db in
            let rows = try await db.raw("DELETE FROM cognito_clients WHERE id = \(bind: id) AND pool_id = \(bind: poolId) RETURNING id").all()
            guard !rows.isEmpty else { return false }
            try await db.raw("DELETE FROM cognito_refresh_tokens WHERE client_id = \(bind: id)").run()
            return true
        }
    }

    // MARK: users

    /// Why a user could not be inserted or renamed.
    enum UserConflict: Error, Equatable {
        case username
        case alias
    }

    /// Inserts a user.
    /// - Throws: ``UserConflict`` when the username or one of the aliases is taken.
    func insertUser(_ user: UserRecord) async throws {
        let srp = try sealedSRP(user)
        do {
            try await database.sql.raw(
                """
                INSERT INTO cognito_users (pool_id, username_key, username, sub, status, enabled, attributes, password_hash, srp,
                    password_set_at, created_at, updated_at, failed_attempts, locked_until, email_key, phone_key, preferred_username_key)
                VALUES (\(bind: user.poolId), \(bind: user.usernameKey), \(bind: user.username), \(bind: user.sub),
                    \(bind: user.status.rawValue), \(bind: user.enabled ? 1 : 0), \(bind: try StoredJSON.encode(user.attributes)),
                    \(bind: user.passwordHash), \(bind: srp), \(bind: user.passwordSetAt.map(StoredTime.millis)),
                    \(bind: StoredTime.millis(user.createdAt)), \(bind: StoredTime.millis(user.updatedAt)), \(bind: Int64(user.failedAttempts)),
                    \(bind: user.lockedUntil.map(StoredTime.millis)), \(bind: user.aliases.email), \(bind: user.aliases.phoneNumber),
                    \(bind: user.aliases.preferredUsername))
                """
            ).run()
        } catch let error as StorageError where error == .uniqueViolation {
            throw try await self.user(poolId: user.poolId, usernameKey: user.usernameKey) != nil ? UserConflict.username : UserConflict.alias
        }
    }

    func user(poolId: String, usernameKey: String) async throws -> UserRecord? {
        try await database.sql.raw("SELECT * FROM cognito_users WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey)")
            .first().map(user)
    }

    func user(poolId: String, sub: String) async throws -> UserRecord? {
        try await database.sql.raw("SELECT * FROM cognito_users WHERE pool_id = \(bind: poolId) AND sub = \(bind: sub)").first().map(user)
    }

    /// The user whose alias column `column` holds `key`.
    func user(poolId: String, alias column: AliasColumn, key: String) async throws -> UserRecord? {
        try await database.sql.raw("SELECT * FROM cognito_users WHERE pool_id = \(bind: poolId) AND \(unsafeRaw: column.rawValue) = \(bind: key)")
            .first().map(user)
    }

    enum AliasColumn: String, Sendable {
        case email = "email_key"
        case phoneNumber = "phone_key"
        case preferredUsername = "preferred_username_key"
    }

    /// Users in username-key order after `after`.
    func users(poolId: String, after: String?, limit: Int) async throws -> [UserRecord] {
        try await database.sql.raw(
            """
            SELECT * FROM cognito_users WHERE pool_id = \(bind: poolId) AND username_key > \(bind: after ?? "")
            ORDER BY username_key LIMIT \(bind: limit)
            """
        ).all().map(user)
    }

    /// Writes every mutable column of a user. False when the user is gone.
    /// - Throws: ``UserConflict/alias`` when a new alias is taken by another user.
    func updateUser(_ user: UserRecord) async throws -> Bool {
        defer { changes.bump() }
        let srp = try sealedSRP(user)
        do {
            let rows = try await database.sql.raw(
                """
                UPDATE cognito_users SET status = \(bind: user.status.rawValue), enabled = \(bind: user.enabled ? 1 : 0),
                    attributes = \(bind: try StoredJSON.encode(user.attributes)), password_hash = \(bind: user.passwordHash), srp = \(bind: srp),
                    password_set_at = \(bind: user.passwordSetAt.map(StoredTime.millis)), updated_at = \(bind: StoredTime.millis(user.updatedAt)),
                    failed_attempts = \(bind: Int64(user.failedAttempts)), locked_until = \(bind: user.lockedUntil.map(StoredTime.millis)),
                    email_key = \(bind: user.aliases.email), phone_key = \(bind: user.aliases.phoneNumber),
                    preferred_username_key = \(bind: user.aliases.preferredUsername)
                WHERE pool_id = \(bind: user.poolId) AND username_key = \(bind: user.usernameKey) RETURNING sub
                """
            ).all()
            return !rows.isEmpty
        } catch let error as StorageError where error == .uniqueViolation {
            throw UserConflict.alias
        }
    }

    /// Records a failed sign-in: one statement, so concurrent failures all count.
    /// - Returns: the number of consecutive failures now.
    func recordFailedSignIn(poolId: String, usernameKey: String, lockedUntil: @Sendable (Int) -> Date?) async throws -> Int {
        try await database.transaction { db in
            let row = try await db.raw(
                """
                UPDATE cognito_users SET failed_attempts = failed_attempts + 1
                WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey) RETURNING failed_attempts
                """
            ).first()
            let failures = Int(try row?.decode(column: "failed_attempts", as: Int64.self) ?? 0)
            if let until = lockedUntil(failures) {
                try await db.raw(
                    """
                    UPDATE cognito_users SET locked_until = \(bind: StoredTime.millis(until))
                    WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey)
                    """
                ).run()
            }
            return failures
        }
    }

    func clearFailedSignIns(poolId: String, usernameKey: String) async throws {
        try await database.sql.raw(
            """
            UPDATE cognito_users SET failed_attempts = 0, locked_until = NULL
            WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey) AND failed_attempts > 0
            """
        ).run()
    }

    /// Removes a user with its refresh tokens and challenges. False when the user did not exist.
    func deleteUser(poolId: String, usernameKey: String) async throws -> Bool {
        defer { changes.bump() }
        return try await database.transaction { db in
            let rows = try await db.raw(
                "DELETE FROM cognito_users WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey) RETURNING sub"
            ).all()
            guard !rows.isEmpty else { return false }
            for table in ["cognito_refresh_tokens", "cognito_challenges", "cognito_group_members", "cognito_codes"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey)").run()
            }
            return true
        }
    }

    // MARK: refresh tokens

    func insertRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await database.sql.raw(
            """
            INSERT INTO cognito_refresh_tokens (token_hash, origin_jti, pool_id, client_id, username_key, auth_time, expires_at, revoked)
            VALUES (\(bind: token.tokenHash), \(bind: token.originJti), \(bind: token.poolId), \(bind: token.clientId),
                \(bind: token.usernameKey), \(bind: StoredTime.millis(token.authTime)), \(bind: StoredTime.millis(token.expiresAt)),
                \(bind: token.revoked ? 1 : 0))
            """
        ).run()
    }

    func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        try await database.sql.raw("SELECT * FROM cognito_refresh_tokens WHERE token_hash = \(bind: hash)").first().map(Self.refreshToken)
    }

    /// A refresh token with the user it belongs to (nil when the user is gone), in one query.
    func refreshTokenAndUser(hash: String) async throws -> (token: RefreshTokenRecord, user: UserRecord?)? {
        guard
            let row = try await database.sql.raw(
                """
                SELECT r.token_hash, r.origin_jti, r.client_id, r.auth_time, r.expires_at, r.revoked, r.pool_id AS token_pool,
                    r.username_key AS token_user, u.*
                FROM cognito_refresh_tokens r
                LEFT JOIN cognito_users u ON u.pool_id = r.pool_id AND u.username_key = r.username_key
                WHERE r.token_hash = \(bind: hash)
                """
            ).first()
        else { return nil }
        let token = RefreshTokenRecord(
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            originJti: try row.decode(column: "origin_jti", as: String.self),
            poolId: try row.decode(column: "token_pool", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            usernameKey: try row.decode(column: "token_user", as: String.self),
            authTime: StoredTime.date(try row.decode(column: "auth_time", as: Int64.self)),
            expiresAt: StoredTime.date(try row.decode(column: "expires_at", as: Int64.self)),
            revoked: try row.decode(column: "revoked", as: Int64.self) != 0
        )
        let hasUser = try row.decode(column: "sub", as: String?.self) != nil
        return (token, hasUser ? try user(row) : nil)
    }

    func refreshToken(originJti: String) async throws -> RefreshTokenRecord? {
        try await database.sql.raw("SELECT * FROM cognito_refresh_tokens WHERE origin_jti = \(bind: originJti)").first().map(Self.refreshToken)
    }

    /// The user with this sub, and whether the sign-in `originJti` names is still live (not revoked, not swept);
    /// nil when there is no such user. One query, for every token-authenticated call.
    func tokenHolder(poolId: String, sub: String, originJti: String) async throws -> (user: UserRecord, live: Bool)? {
        guard
            let row = try await database.sql.raw(
                """
                SELECT u.*, r.revoked AS origin_revoked FROM cognito_users u
                LEFT JOIN cognito_refresh_tokens r ON r.origin_jti = \(bind: originJti) AND r.pool_id = u.pool_id
                WHERE u.pool_id = \(bind: poolId) AND u.sub = \(bind: sub)
                """
            ).first()
        else { return nil }
        let revoked = try row.decode(column: "origin_revoked", as: Int64?.self)
        return (try user(row), revoked == 0)
    }

    func revokeRefreshToken(hash: String) async throws {
        defer { changes.bump() }
        try await database.sql.raw("UPDATE cognito_refresh_tokens SET revoked = 1 WHERE token_hash = \(bind: hash)").run()
    }

    /// Revokes every refresh token of a user, and so every token issued from them (GlobalSignOut).
    func revokeRefreshTokens(poolId: String, usernameKey: String) async throws {
        defer { changes.bump() }
        try await database.sql.raw(
            "UPDATE cognito_refresh_tokens SET revoked = 1 WHERE pool_id = \(bind: poolId) AND username_key = \(bind: usernameKey)"
        ).run()
    }

    // MARK: challenges

    func insertChallenge(_ challenge: ChallengeRecord) async throws {
        let state = try secretBox.seal(Data(challenge.state), context: "cognito.challenge:\(challenge.key)").base64EncodedString()
        try await database.sql.raw(
            """
            INSERT INTO cognito_challenges (challenge_key, pool_id, client_id, username_key, challenge, state, expires_at)
            VALUES (\(bind: challenge.key), \(bind: challenge.poolId), \(bind: challenge.clientId), \(bind: challenge.usernameKey),
                \(bind: challenge.challenge), \(bind: state), \(bind: StoredTime.millis(challenge.expiresAt)))
            """
        ).run()
    }

    /// Removes and returns a pending challenge: whoever takes it first is the only one to answer it.
    func takeChallenge(key: String) async throws -> ChallengeRecord? {
        guard let row = try await database.sql.raw("DELETE FROM cognito_challenges WHERE challenge_key = \(bind: key) RETURNING *").first()
        else { return nil }
        let sealed = Data(base64Encoded: try row.decode(column: "state", as: String.self)) ?? Data()
        return ChallengeRecord(
            key: key,
            poolId: try row.decode(column: "pool_id", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            usernameKey: try row.decode(column: "username_key", as: String.self),
            challenge: try row.decode(column: "challenge", as: String.self),
            state: Array(try secretBox.open(sealed, context: "cognito.challenge:\(key)")),
            expiresAt: StoredTime.date(try row.decode(column: "expires_at", as: Int64.self))
        )
    }

    // MARK: housekeeping

    /// Deletes expired challenges, and refresh tokens a day past their expiry (when no access token issued from them
    /// can still be valid, so their revocation state is no longer needed).
    @discardableResult
    func deleteExpired(now: Date) async throws -> Int {
        let challenges = try await database.sql.raw(
            "DELETE FROM cognito_challenges WHERE expires_at < \(bind: StoredTime.millis(now)) RETURNING challenge_key"
        ).all()
        let tokens = try await database.sql.raw(
            "DELETE FROM cognito_refresh_tokens WHERE expires_at < \(bind: StoredTime.millis(now) - 86_400_000) RETURNING token_hash"
        ).all()
        let codes = try await database.sql.raw(
            "DELETE FROM cognito_codes WHERE expires_at < \(bind: StoredTime.millis(now)) RETURNING purpose"
        ).all()
        return challenges.count + tokens.count + codes.count
    }

    func deleteAll() async throws {
        defer { changes.bump() }
        return try await database.transaction { db in
            for table in [
                "cognito_pools", "cognito_clients", "cognito_users", "cognito_refresh_tokens", "cognito_challenges", "cognito_groups",
                "cognito_group_members", "cognito_codes",
            ] {
                try await db.raw("DELETE FROM \(unsafeRaw: table)").run()
            }
        }
    }

    // MARK: rows

    private func sealedSRP(_ user: UserRecord) throws -> String? {
        guard let srp = user.srp else { return nil }
        // salt (16) ‖ verifier: the salt has a fixed length.
        return try secretBox.seal(Data(srp.salt + srp.verifier), context: "cognito.srp:\(user.poolId):\(user.sub)").base64EncodedString()
    }

    private static func pool(_ row: any SQLRow) throws -> PoolRecord {
        PoolRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            settings: try StoredJSON.decode(Cognito.UserPoolType.self, try row.decode(column: "settings", as: String.self)),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: StoredTime.date(try row.decode(column: "updated_at", as: Int64.self))
        )
    }

    private func client(_ row: any SQLRow) throws -> ClientRecord {
        let id = try row.decode(column: "id", as: String.self)
        let secret = try row.decode(column: "secret", as: String?.self).map {
            try secretBox.openString(Data(base64Encoded: $0) ?? Data(), context: "cognito.client-secret:\(id)")
        }
        return ClientRecord(
            id: id,
            poolId: try row.decode(column: "pool_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            secret: secret,
            settings: try StoredJSON.decode(Cognito.UserPoolClientType.self, try row.decode(column: "settings", as: String.self)),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: StoredTime.date(try row.decode(column: "updated_at", as: Int64.self))
        )
    }

    func user(_ row: any SQLRow) throws -> UserRecord {
        let poolId = try row.decode(column: "pool_id", as: String.self)
        let sub = try row.decode(column: "sub", as: String.self)
        let srp = try row.decode(column: "srp", as: String?.self).map { sealed -> SRPVerifier in
            let bytes = Array(try secretBox.open(Data(base64Encoded: sealed) ?? Data(), context: "cognito.srp:\(poolId):\(sub)"))
            return SRPVerifier(salt: Array(bytes.prefix(16)), verifier: Array(bytes.dropFirst(16)))
        }
        return UserRecord(
            poolId: poolId,
            username: try row.decode(column: "username", as: String.self),
            usernameKey: try row.decode(column: "username_key", as: String.self),
            sub: sub,
            status: UserStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .confirmed,
            enabled: try row.decode(column: "enabled", as: Int64.self) != 0,
            attributes: try Self.attributes(try row.decode(column: "attributes", as: String.self)),
            passwordHash: try row.decode(column: "password_hash", as: String?.self),
            srp: srp,
            passwordSetAt: try row.decode(column: "password_set_at", as: Int64?.self).map(StoredTime.date),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: StoredTime.date(try row.decode(column: "updated_at", as: Int64.self)),
            failedAttempts: Int(try row.decode(column: "failed_attempts", as: Int64.self)),
            lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(StoredTime.date),
            aliases: SignInAliases(
                email: try row.decode(column: "email_key", as: String?.self),
                phoneNumber: try row.decode(column: "phone_key", as: String?.self),
                preferredUsername: try row.decode(column: "preferred_username_key", as: String?.self)
            )
        )
    }

    private static func refreshToken(_ row: any SQLRow) throws -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            originJti: try row.decode(column: "origin_jti", as: String.self),
            poolId: try row.decode(column: "pool_id", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            usernameKey: try row.decode(column: "username_key", as: String.self),
            authTime: StoredTime.date(try row.decode(column: "auth_time", as: Int64.self)),
            expiresAt: StoredTime.date(try row.decode(column: "expires_at", as: Int64.self)),
            revoked: try row.decode(column: "revoked", as: Int64.self) != 0
        )
    }

    /// A user's stored attributes: a flat JSON object of strings, read on every sign-in and token call, so parsed
    /// directly rather than through `JSONDecoder`.
    static func attributes(_ text: String) throws -> [String: String] {
        guard case .object(let members) = try JSONParser.parse(Array(text.utf8)) else { throw StoredAttributesError() }
        var attributes: [String: String] = [:]
        attributes.reserveCapacity(members.count)
        for (name, value) in members {
            guard case .string(let text) = value else { throw StoredAttributesError() }
            attributes[name] = text
        }
        return attributes
    }

    struct StoredAttributesError: Error {}
}
