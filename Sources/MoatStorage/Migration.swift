public import SQLKit

/// One step of a module's schema, applied once per database by ``Migrator``.
///
/// A migration is identified by its module and name, and must never change once released: add a new one instead.
/// Statement migrations may use the dialect placeholders of ``DatabaseDialect`` (`{{blob}}`,
/// `{{serial_primary_key}}`):
///
/// ```swift
/// Migration(module: "iam", name: "0001_users", statements: [
///     "CREATE TABLE iam_users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)",
///     "CREATE TABLE iam_secrets (key_id TEXT PRIMARY KEY, sealed {{blob}} NOT NULL)",
/// ])
/// ```
public struct Migration: Sendable {
    /// The module that owns the migration, e.g. `iam`.
    public let module: String
    /// The migration's name, unique within its module, e.g. `0001_users`.
    public let name: String
    let apply: @Sendable (any SQLDatabase, DatabaseDialect) async throws -> Void

    /// A migration made of SQL statements, run in order.
    ///
    /// - Parameters:
    ///   - module: The module that owns the migration.
    ///   - name: The migration's name, unique within its module.
    ///   - statements: One statement per element; `{{placeholders}}` are replaced with the dialect's spelling.
    public init(module: String, name: String, statements: [String]) {
        self.module = module
        self.name = name
        self.apply = { database, dialect in
            for statement in statements {
                let expanded = try dialect.expand(statement)
                try await database.raw(SQLQueryString(expanded)).run()
            }
        }
    }

    /// A migration written as code, for changes that need queries or differ by dialect
    /// (`DatabaseDialect(database)` tells which).
    ///
    /// - Parameters:
    ///   - module: The module that owns the migration.
    ///   - name: The migration's name, unique within its module.
    ///   - body: The migration's work, on the connection of its transaction.
    public init(module: String, name: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) {
        self.module = module
        self.name = name
        self.apply = { database, _ in try await body(database) }
    }
}
