import Crypto
import Foundation
import MoatStorage
import SQLKit

/// A function as stored: its configuration and the digest of its code.
struct FunctionRecord: Sendable, Equatable {
    var name: String
    var runtime: String
    var role: String
    var handler: String?
    var description: String
    var timeout: Int
    var memorySize: Int
    var environment: [String: String]
    /// The SHA-256 of the deployment package, base64, as Lambda reports `CodeSha256`.
    var codeSha256: String
    var codeSize: Int
    /// Changes on every update, as Lambda's `RevisionId` does.
    var revisionId: String
    var lastModified: Date
    var createdAt: Date
    /// The resource-based policy (AddPermission), a JSON policy document; nil when it has no statement.
    var policy: String? = nil
    /// PutFunctionConcurrency's reservation; nil when the function uses the unreserved pool.
    var reservedConcurrency: Int? = nil
}

extension FunctionRecord {
    /// What an instance depends on: code and configuration, not the policy or the reservation. Instances of another
    /// fingerprint are not reused.
    var executionFingerprint: String {
        let environment = self.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")
        let text = [codeSha256, runtime, role, handler ?? "", String(timeout), String(memorySize), environment].joined(separator: "\u{1}")
        return Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }
}

/// Lambda's tables: functions, and their deployment packages by digest (shared by functions with the same code).
///
/// Every method is one statement or one transaction, so a failed call leaves nothing behind.
struct LambdaStore: Sendable {
    let database: Database

    /// Lambda's migrations in order, the event queue's included.
    static let migrations: [Migration] = [
        Migration(
            module: "lambda",
            name: "001-functions-code",
            statements: [
                """
                CREATE TABLE lambda_code (
                    sha256 TEXT PRIMARY KEY,
                    zip {{blob}} NOT NULL,
                    size BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE lambda_functions (
                    name TEXT PRIMARY KEY,
                    runtime TEXT NOT NULL,
                    role TEXT NOT NULL,
                    handler TEXT,
                    description TEXT NOT NULL,
                    timeout BIGINT NOT NULL,
                    memory_size BIGINT NOT NULL,
                    environment TEXT NOT NULL,
                    code_sha256 TEXT NOT NULL REFERENCES lambda_code (sha256),
                    code_size BIGINT NOT NULL,
                    revision_id TEXT NOT NULL,
                    last_modified BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
            ]
        ),
        EventQueue.migration,
        Migration(
            module: "lambda",
            name: "003-policy-concurrency",
            statements: [
                "ALTER TABLE lambda_functions ADD COLUMN policy TEXT",
                "ALTER TABLE lambda_functions ADD COLUMN reserved_concurrency BIGINT",
            ]
        ),
    ]

    /// Stores the function and its package in one transaction; false when a function of that name exists.
    func insert(_ function: FunctionRecord, zip: [UInt8]) async throws -> Bool {
        do {
            try await database.transaction { db in
                try await Self.storeCode(zip, sha256: function.codeSha256, in: db)
                try await db.raw(
                    """
                    INSERT INTO lambda_functions (name, runtime, role, handler, description, timeout, memory_size, environment,
                        code_sha256, code_size, revision_id, last_modified, created_at)
                    VALUES (\(bind: function.name), \(bind: function.runtime), \(bind: function.role), \(bind: function.handler),
                        \(bind: function.description), \(bind: function.timeout), \(bind: function.memorySize),
                        \(bind: try Self.encode(function.environment)), \(bind: function.codeSha256), \(bind: function.codeSize),
                        \(bind: function.revisionId), \(bind: StoredTime.millis(function.lastModified)), \(bind: StoredTime.millis(function.createdAt)))
                    """
                ).run()
            }
            return true
        } catch let error as StorageError where error == .uniqueViolation {
            return false
        }
    }

    /// Replaces the function's configuration (and its package when `zip` is given) unless its revision is no longer
    /// `revision`; false then. A package no other function uses any more is dropped.
    func update(_ function: FunctionRecord, zip: [UInt8]?, replacingRevision revision: String) async throws -> Bool {
        try await database.transaction { db in
            guard
                let row = try await db.raw(
                    "SELECT code_sha256, revision_id FROM lambda_functions WHERE name = \(bind: function.name)"
                ).first(),
                try row.decode(column: "revision_id", as: String.self) == revision
            else { return false }
            let previousCode = try row.decode(column: "code_sha256", as: String.self)
            if let zip { try await Self.storeCode(zip, sha256: function.codeSha256, in: db) }
            try await db.raw(
                """
                UPDATE lambda_functions SET runtime = \(bind: function.runtime), role = \(bind: function.role),
                    handler = \(bind: function.handler), description = \(bind: function.description), timeout = \(bind: function.timeout),
                    memory_size = \(bind: function.memorySize), environment = \(bind: try Self.encode(function.environment)),
                    code_sha256 = \(bind: function.codeSha256), code_size = \(bind: function.codeSize),
                    revision_id = \(bind: function.revisionId), last_modified = \(bind: StoredTime.millis(function.lastModified)),
                    policy = \(bind: function.policy), reserved_concurrency = \(bind: function.reservedConcurrency)
                WHERE name = \(bind: function.name)
                """
            ).run()
            if previousCode != function.codeSha256 { try await Self.dropUnusedCode(previousCode, in: db) }
            return true
        }
    }

    /// The reservations of every function that has one, to restore the executor's limits at start.
    func reservations() async throws -> [String: Int] {
        let rows = try await database.sql.raw(
            "SELECT name, reserved_concurrency FROM lambda_functions WHERE reserved_concurrency IS NOT NULL"
        ).all()
        var result: [String: Int] = [:]
        for row in rows {
            result[try row.decode(column: "name", as: String.self)] = Int(try row.decode(column: "reserved_concurrency", as: Int64.self))
        }
        return result
    }

    func function(named name: String) async throws -> FunctionRecord? {
        try await database.sql.raw("SELECT * FROM lambda_functions WHERE name = \(bind: name)").first().map(Self.function)
    }

    /// Functions by name after `marker`, at most `limit`.
    func functions(after marker: String?, limit: Int) async throws -> [FunctionRecord] {
        try await database.sql.raw(
            "SELECT * FROM lambda_functions WHERE name > \(bind: marker ?? "") ORDER BY name LIMIT \(bind: limit)"
        ).all().map(Self.function)
    }

    /// Deletes the function, and its package when no other function uses it; false when there was no such function.
    func delete(named name: String) async throws -> Bool {
        try await database.transaction { db in
            guard let row = try await db.raw("SELECT code_sha256 FROM lambda_functions WHERE name = \(bind: name)").first() else {
                return false
            }
            let sha256 = try row.decode(column: "code_sha256", as: String.self)
            try await db.raw("DELETE FROM lambda_functions WHERE name = \(bind: name)").run()
            try await Self.dropUnusedCode(sha256, in: db)
            return true
        }
    }

    /// The deployment package with this digest.
    func code(sha256: String) async throws -> [UInt8]? {
        guard let row = try await database.sql.raw("SELECT zip FROM lambda_code WHERE sha256 = \(bind: sha256)").first() else {
            return nil
        }
        return Array(try row.decode(column: "zip", as: Data.self))
    }

    /// How many functions there are and the size of their packages, for GetAccountSettings.
    func usage() async throws -> (functions: Int64, codeSize: Int64) {
        let row = try await database.sql.raw("SELECT COUNT(*) AS functions, COALESCE(SUM(code_size), 0) AS code_size FROM lambda_functions").first()
        return (try row?.decode(column: "functions", as: Int64.self) ?? 0, try row?.decode(column: "code_size", as: Int64.self) ?? 0)
    }

    func deleteAll() async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM lambda_functions").run()
            try await db.raw("DELETE FROM lambda_code").run()
        }
    }

    // MARK: rows

    private static func storeCode(_ zip: [UInt8], sha256: String, in db: any SQLDatabase) async throws {
        let existing = try await db.raw("SELECT sha256 FROM lambda_code WHERE sha256 = \(bind: sha256)").first()
        guard existing == nil else { return }
        try await db.raw("INSERT INTO lambda_code (sha256, zip, size) VALUES (\(bind: sha256), \(bind: Data(zip)), \(bind: zip.count))").run()
    }

    private static func dropUnusedCode(_ sha256: String, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            DELETE FROM lambda_code WHERE sha256 = \(bind: sha256)
                AND NOT EXISTS (SELECT 1 FROM lambda_functions WHERE code_sha256 = \(bind: sha256))
            """
        ).run()
    }

    private static func function(_ row: any SQLRow) throws -> FunctionRecord {
        FunctionRecord(
            name: try row.decode(column: "name", as: String.self),
            runtime: try row.decode(column: "runtime", as: String.self),
            role: try row.decode(column: "role", as: String.self),
            handler: try row.decodeNil(column: "handler") ? nil : try row.decode(column: "handler", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            timeout: Int(try row.decode(column: "timeout", as: Int64.self)),
            memorySize: Int(try row.decode(column: "memory_size", as: Int64.self)),
            environment: try decode(try row.decode(column: "environment", as: String.self)),
            codeSha256: try row.decode(column: "code_sha256", as: String.self),
            codeSize: Int(try row.decode(column: "code_size", as: Int64.self)),
            revisionId: try row.decode(column: "revision_id", as: String.self),
            lastModified: StoredTime.date(try row.decode(column: "last_modified", as: Int64.self)),
            createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            policy: try row.decodeNil(column: "policy") ? nil : try row.decode(column: "policy", as: String.self),
            reservedConcurrency: try row.decodeNil(column: "reserved_concurrency")
                ? nil : Int(try row.decode(column: "reserved_concurrency", as: Int64.self))
        )
    }

    private static func encode(_ environment: [String: String]) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(environment), as: UTF8.self)
    }

    private static func decode(_ text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

}

extension JSONEncoder {
    fileprivate static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
