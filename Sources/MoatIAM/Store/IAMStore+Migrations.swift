import MoatStorage

extension IAMStore {
    /// The IAM and STS tables. Names are unique case-insensitively, as on AWS, through their `name_key` (lowercased).
    /// Times are epoch milliseconds; secrets are sealed by the master key and stored as base64 text.
    static let migrations: [Migration] = [
        Migration(
            module: "iam",
            name: "001-users-roles-keys-policies",
            statements: [
                """
                CREATE TABLE iam_users (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL UNIQUE,
                    path TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    permissions_boundary TEXT,
                    tags TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE iam_roles (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL UNIQUE,
                    path TEXT NOT NULL,
                    trust_policy TEXT NOT NULL,
                    description TEXT,
                    max_session_duration BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    permissions_boundary TEXT,
                    tags TEXT NOT NULL,
                    last_used_at BIGINT,
                    last_used_region TEXT
                )
                """,
                """
                CREATE TABLE iam_access_keys (
                    id TEXT PRIMARY KEY,
                    user_id TEXT REFERENCES iam_users(id),
                    secret TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT,
                    last_used_service TEXT,
                    last_used_region TEXT
                )
                """,
                "CREATE INDEX iam_access_keys_user ON iam_access_keys(user_id)",
                """
                CREATE TABLE iam_inline_policies (
                    owner_type TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (owner_type, owner_id, name_key)
                )
                """,
                """
                CREATE TABLE iam_policies (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL UNIQUE,
                    path TEXT NOT NULL,
                    description TEXT,
                    default_version TEXT NOT NULL,
                    next_version BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    tags TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE iam_policy_versions (
                    policy_id TEXT NOT NULL REFERENCES iam_policies(id),
                    version_id TEXT NOT NULL,
                    document TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (policy_id, version_id)
                )
                """,
                """
                CREATE TABLE iam_attachments (
                    owner_type TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    policy_id TEXT NOT NULL REFERENCES iam_policies(id),
                    PRIMARY KEY (owner_type, owner_id, policy_id)
                )
                """,
                "CREATE INDEX iam_attachments_policy ON iam_attachments(policy_id)",
                """
                CREATE TABLE sts_sessions (
                    access_key_id TEXT PRIMARY KEY,
                    secret TEXT NOT NULL,
                    token TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    entity_id TEXT,
                    session_name TEXT,
                    session_policy TEXT,
                    session_policy_arns TEXT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sts_sessions_expiry ON sts_sessions(expires_at)",
            ]
        ),
        Migration(
            module: "iam",
            name: "002-generation",
            statements: [
                "CREATE TABLE iam_state (name TEXT PRIMARY KEY, generation BIGINT NOT NULL)",
                "INSERT INTO iam_state (name, generation) VALUES ('iam', 0)",
            ]
        ),
    ]
}
