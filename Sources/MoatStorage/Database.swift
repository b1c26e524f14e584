public import Logging
public import SQLKit
import NIOCore
import Synchronization

/// Moat's database: an SQLKit handle for queries, real transactions, and a migration target.
///
/// Domains write each query once, with SQLKit builders or `SQLQueryString`s with binds, and it runs on both
/// backends. Driver errors reach them already translated (``StorageError``).
///
/// ## SQLite: one connection, taken in turn
///
/// An SQLite database has a single writer at a time. Rather than let concurrent writers collide and spin on
/// `SQLITE_BUSY` (a busy timeout blocks the thread it waits on, and SQLite runs on a small `NIOThreadPool`, so a
/// waiter can starve the lock holder), a `Database` keeps **one connection** and hands it to one user at a time in
/// arrival order: each statement of ``sql`` takes it for that statement, each ``transaction(_:)`` for the whole
/// transaction (`BEGIN IMMEDIATE` … `COMMIT`). Waiting costs a suspended task, not a thread. Writers therefore never
/// see `SQLITE_BUSY` from each other; the 5 s busy timeout only covers another process (`moat migrate`) holding the
/// file. The price is that reads are serialised too, which suits one node; scale out on PostgreSQL. Keep transactions
/// short: never hash passwords or call out to other services inside one.
///
/// **Durability**: the file is opened in WAL mode with `synchronous=FULL`, so the WAL is synced to disk at every
/// commit: a write acknowledged after its `COMMIT` returned survives `kill -9` of the process and a power loss of
/// the machine. `foreign_keys=ON` is set on the connection.
///
/// ## PostgreSQL: a pool
///
/// Up to 16 connections per node; each transaction holds one connection from `BEGIN` to `COMMIT`. Transactions run
/// at PostgreSQL's default isolation, READ COMMITTED: make read-modify-write cycles atomic with a single statement
/// (`UPDATE … SET n = n + 1 … RETURNING n`) or lock the rows first with the select builder's `.for(.update)`, which
/// SQLKit leaves out on SQLite, where the transaction already excludes every other writer.
///
/// ## Inside a transaction
///
/// While a transaction body runs, ``sql`` and ``transaction(_:)`` called from the same task use the transaction's
/// connection, so code that takes a ``Database`` works unchanged inside a transaction. A nested ``transaction(_:)``
/// is a savepoint: if it throws, only its own changes are undone. After a constraint violation PostgreSQL refuses
/// every further statement of the transaction, so to recover from one (insert, else update) run the statement
/// that may fail in a nested transaction.
///
/// Close every database with ``close()`` (or use ``withDatabase(_:logger:_:)``).
public final class Database: Sendable {
    /// The SQL dialect, for the rare query that must differ.
    public let dialect: DatabaseDialect
    /// The logger given to ``open(_:logger:)``.
    public let logger: Logger
    let backend: any DatabaseBackend
    private let isClosed = Mutex(false)

    private init(backend: any DatabaseBackend, logger: Logger) {
        self.backend = backend
        self.dialect = backend.dialect
        self.logger = logger
    }

    deinit {
        if !self.isClosed.withLock({ $0 }) {
            self.logger.warning("a Database was released without close(); closing it now")
            self.backend.closeFromDeinit()
        }
    }

    /// Opens a database; for SQLite, creates the file (0600) and its directory (0700) when missing.
    ///
    /// - Parameters:
    ///   - configuration: Which database to open.
    ///   - logger: The logger of the database's drivers; SQL statements and bound values are never logged.
    /// - Throws: ``StorageError/invalidConfiguration`` for a bad PostgreSQL URL, ``StorageError/unavailable`` when the
    ///   database cannot be opened or reached.
    public static func open(_ configuration: DatabaseConfiguration, logger: Logger) async throws -> Database {
        let backend: any DatabaseBackend
        switch configuration {
        case .sqlite(let path):
            try configuration.validate()
            backend = try await SQLiteBackend.open(path: path, logger: logger)
        case .sqliteInMemory:
            backend = try await SQLiteBackend.open(path: nil, logger: logger)
        case .postgres(let url):
            backend = try await PostgresBackend.open(PostgresURL(parsing: url), logger: logger)
        }
        return Database(backend: backend, logger: logger)
    }

    /// Opens a database, runs `body` with it and closes it, whether `body` returns or throws.
    ///
    /// - Parameters:
    ///   - configuration: Which database to open.
    ///   - logger: The logger of the database's drivers.
    ///   - body: The work to do with the open database.
    public static func withDatabase<T: Sendable>(
        _ configuration: DatabaseConfiguration,
        logger: Logger,
        _ body: (Database) async throws -> T
    ) async throws -> T {
        let database = try await Database.open(configuration, logger: logger)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// An SQLKit handle: each statement runs on a connection of its own (SQLite: the connection, in turn), or on
    /// the current transaction's connection when called from inside ``transaction(_:)``.
    public var sql: any SQLDatabase { DatabaseSQL(database: self) }

    /// Runs `body` in a transaction on one connection: `BEGIN` (SQLite: `BEGIN IMMEDIATE`), then `COMMIT` when
    /// `body` returns; `ROLLBACK` and rethrow when `body` or the commit throws.
    ///
    /// Run every statement of the transaction on the handle passed to `body`. Called from inside another
    /// transaction of this database, it runs as a savepoint of that transaction instead.
    ///
    /// - Parameter body: The transaction's work. It must not wait on another task that uses this database.
    /// - Returns: What `body` returns, once committed.
    /// - Throws: What `body` throws (driver errors translated by ``StorageError/translate(_:)``), or the commit's
    ///   error.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let scope = TransactionScope.active(in: self) {
            return try await self.savepoint(in: scope, body)
        }
        let lease = try await self.backend.lease(logger: self.logger).get()
        let connection = lease.connection
        do {
            try await connection.raw(SQLQueryString(self.backend.beginStatement)).run()
        } catch {
            lease.release()
            throw error
        }
        let scope = TransactionScope(owner: ObjectIdentifier(self), connection: connection, depth: 0, liveness: .init())
        do {
            let result = try await TransactionScope.$current.withValue(scope) {
                try await body(connection)
            }
            scope.liveness.end()
            try await connection.raw("COMMIT").run()
            lease.release()
            return result
        } catch {
            scope.liveness.end()
            do {
                try await connection.raw("ROLLBACK").run()
                lease.release()
            } catch let rollbackError {
                self.logger.warning(
                    "rollback failed; discarding the connection",
                    metadata: ["error.type": "\(type(of: rollbackError))"]
                )
                lease.discard()
            }
            throw error
        }
    }

    private func savepoint<T: Sendable>(
        in scope: TransactionScope,
        _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let inner = TransactionScope(
            owner: scope.owner,
            connection: scope.connection,
            depth: scope.depth + 1,
            liveness: scope.liveness
        )
        let name = "moat_savepoint_\(inner.depth)"
        let connection = scope.connection
        try await connection.raw("SAVEPOINT \(unsafeRaw: name)").run()
        do {
            let result = try await TransactionScope.$current.withValue(inner) {
                try await body(connection)
            }
            try await connection.raw("RELEASE SAVEPOINT \(unsafeRaw: name)").run()
            return result
        } catch {
            try? await connection.raw("ROLLBACK TO SAVEPOINT \(unsafeRaw: name)").run()
            try? await connection.raw("RELEASE SAVEPOINT \(unsafeRaw: name)").run()
            throw error
        }
    }

    /// Waits for the statements and transactions under way, then closes the connections. Later calls fail with
    /// ``StorageError/unavailable``; closing twice is harmless.
    public func close() async {
        let wasClosed = self.isClosed.withLock { isClosed in
            defer { isClosed = true }
            return isClosed
        }
        guard !wasClosed else { return }
        await self.backend.close(logger: self.logger)
    }
}

/// The transaction the current task runs in, so that ``Database/sql`` and nested ``Database/transaction(_:)`` calls
/// join it instead of waiting for a connection it holds.
struct TransactionScope: Sendable {
    @TaskLocal static var current: TransactionScope?

    /// Whether the outermost transaction still runs. An unstructured task started inside a transaction inherits the
    /// scope but may outlive it; once the transaction ended, its connection belongs to someone else.
    final class Liveness: Sendable {
        private let state = Mutex(true)
        var isActive: Bool { self.state.withLock { $0 } }
        func end() { self.state.withLock { $0 = false } }
    }

    let owner: ObjectIdentifier
    let connection: any SQLDatabase
    let depth: Int
    let liveness: Liveness

    /// The current task's scope in `database`, if its transaction is still running.
    static func active(in database: Database) -> TransactionScope? {
        guard let scope = Self.current, scope.owner == ObjectIdentifier(database), scope.liveness.isActive else { return nil }
        return scope
    }
}

/// The SQLKit handle behind ``Database/sql``.
struct DatabaseSQL: SQLDatabase {
    let database: Database

    var logger: Logger { self.database.logger }
    var eventLoop: any EventLoop { self.database.backend.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { self.database.backend.descriptor.version }
    var dialect: any SQLDialect { self.database.backend.descriptor.dialect }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        if let scope = TransactionScope.active(in: self.database) {
            return scope.connection.execute(sql: query, onRow)
        }
        return self.database.backend.lease(logger: self.logger).flatMap { lease in
            lease.connection.execute(sql: query, onRow).always { _ in lease.release() }
        }
    }

    /// Through the future above, so that the connection is given back the moment the statement completes, not once
    /// the calling task is scheduled again (SQLite has one connection: a busy caller would hold up every other).
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await self.execute(sql: query, onRow).get()
    }

    // `withSession` keeps SQLKit's default (the closure gets this handle): holding the SQLite connection for a whole
    // session would deadlock a transaction started inside it.
}
