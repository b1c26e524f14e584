public import Foundation
import Logging
import SQLKit

/// Brings a database's schema up to date.
///
/// Applied migrations are recorded in `moat_migrations(module, name, applied_at)`. ``run(_:on:now:)`` applies the
/// missing ones in the order given, each in its own transaction together with its record, so a migration is
/// either fully applied and recorded or not at all. Running again is a no-op, and several processes may start at
/// once: on PostgreSQL each migration's transaction first takes a transaction-level advisory lock and checks the
/// record again; on SQLite `BEGIN IMMEDIATE` already excludes other writers.
public enum Migrator {
    /// The table that records applied migrations.
    public static let tableName = "moat_migrations"

    /// The key of the PostgreSQL advisory lock held while a migration is applied (ASCII `moat_mig`).
    static let advisoryLockKey: Int64 = 0x6D6F_6174_5F6D_6967

    /// Applies the migrations not yet recorded, in order.
    ///
    /// - Parameters:
    ///   - migrations: Every migration of every module, in the order to apply them (a module's own in sequence).
    ///   - database: The database to migrate.
    ///   - now: The time recorded as `applied_at`.
    /// - Returns: The migrations this call applied, as `module/name`; empty when the schema was up to date.
    /// - Throws: ``StorageError/invalidMigration`` for a duplicate `module/name`, or the first migration's error;
    ///   migrations before it stay applied.
    @discardableResult
    public static func run(_ migrations: [Migration], on database: Database, now: Date = Date()) async throws -> [String] {
        var seen: Set<String> = []
        for migration in migrations {
            guard seen.insert(Self.identifier(migration)).inserted else {
                throw StorageError(.invalidMigration, "duplicate migration \(Self.identifier(migration))")
            }
        }
        let dialect = database.dialect
        try await database.transaction { sql in
            try await Self.lock(sql, dialect: dialect)
            try await sql.raw(
                """
                CREATE TABLE IF NOT EXISTS \(unsafeRaw: Self.tableName) (
                    module TEXT NOT NULL,
                    name TEXT NOT NULL,
                    applied_at TEXT NOT NULL,
                    PRIMARY KEY (module, name)
                )
                """
            ).run()
        }
        let applied = try await Self.appliedMigrations(database.sql)
        let appliedAt = now.formatted(.iso8601)
        var newlyApplied: [String] = []
        for migration in migrations where !applied.contains(Self.identifier(migration)) {
            let didApply = try await database.transaction { sql in
                try await Self.lock(sql, dialect: dialect)
                let recorded = try await sql.select()
                    .column("name")
                    .from(Self.tableName)
                    .where("module", .equal, migration.module)
                    .where("name", .equal, migration.name)
                    .first()
                if recorded != nil { return false }
                try await migration.apply(sql, dialect)
                try await sql.insert(into: Self.tableName)
                    .columns("module", "name", "applied_at")
                    .values(SQLBind(migration.module), SQLBind(migration.name), SQLBind(appliedAt))
                    .run()
                return true
            }
            if didApply {
                database.logger.info(
                    "applied migration",
                    metadata: ["migration.module": "\(migration.module)", "migration.name": "\(migration.name)"]
                )
                newlyApplied.append(Self.identifier(migration))
            }
        }
        return newlyApplied
    }

    /// The recorded migrations, as `module/name`.
    ///
    /// - Parameter database: A database that ``run(_:on:now:)`` has migrated at least once (the table must exist).
    public static func appliedMigrations(on database: Database) async throws -> Set<String> {
        try await Self.appliedMigrations(database.sql)
    }

    private static func appliedMigrations(_ sql: any SQLDatabase) async throws -> Set<String> {
        let rows = try await sql.select().column("module").column("name").from(Self.tableName).all()
        return try Set(rows.map { "\(try $0.decode(column: "module", as: String.self))/\(try $0.decode(column: "name", as: String.self))" })
    }

    private static func identifier(_ migration: Migration) -> String {
        "\(migration.module)/\(migration.name)"
    }

    private static func lock(_ sql: any SQLDatabase, dialect: DatabaseDialect) async throws {
        guard dialect == .postgres else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.advisoryLockKey))").run()
    }
}
