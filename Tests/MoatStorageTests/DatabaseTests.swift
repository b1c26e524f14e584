import Foundation
import MoatStorage
import MoatTesting
import SQLKit
import Testing

private struct Expected: Error, Equatable {}

private let counterMigrations = [
    Migration(
        module: "test",
        name: "0001_counters",
        statements: [
            "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            "CREATE TABLE increments (id {{serial_primary_key}}, counter TEXT NOT NULL REFERENCES counters (name))",
        ]
    )
]

/// Expects `body` to throw anything (a driver error that no StorageError stands for).
private func expectFailure(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch {}
}

private func count(_ table: String, in sql: any SQLDatabase) async throws -> Int {
    let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
    return try row?.decode(column: "n", as: Int.self) ?? -1
}

@Suite("Database on every backend")
struct DatabaseTests {
    @Test(arguments: TestBackend.all)
    func migrationsAreAppliedOnceAndRecorded(backend: TestBackend) async throws {
        try await backend.withDatabase { database in
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            let runs = Counter()
            let first = [
                Migration(
                    module: "alpha",
                    name: "0001_things",
                    statements: [
                        """
                        CREATE TABLE alpha_things (
                            id {{serial_primary_key}},
                            name TEXT NOT NULL UNIQUE,
                            size BIGINT NOT NULL,
                            enabled BOOLEAN NOT NULL,
                            payload {{ blob }}
                        )
                        """,
                        "CREATE INDEX alpha_things_size ON alpha_things (size)",
                    ]
                ),
                Migration(module: "alpha", name: "0002_seed") { sql in
                    runs.increment()
                    try await sql.insert(into: "alpha_things")
                        .columns("name", "size", "enabled")
                        .values(SQLBind("seed"), SQLBind(Int64(1) << 40), SQLBind(true))
                        .run()
                },
            ]
            let applied = try await Migrator.run(first, on: database, now: now)
            #expect(applied == ["alpha/0001_things", "alpha/0002_seed"])
            #expect(try await Migrator.appliedMigrations(on: database) == ["alpha/0001_things", "alpha/0002_seed"])
            let recorded = try await database.sql.select().column("applied_at").from(Migrator.tableName).all()
            #expect(try recorded.map { try $0.decode(column: "applied_at", as: String.self) } == [
                "2023-11-14T22:13:20Z", "2023-11-14T22:13:20Z",
            ])

            #expect(try await Migrator.run(first, on: database, now: now).isEmpty)
            #expect(runs.value == 1)
            #expect(try await count("alpha_things", in: database.sql) == 1)

            let second = first + [Migration(module: "beta", name: "0001", statements: ["CREATE TABLE beta_x (id TEXT PRIMARY KEY)"])]
            #expect(try await Migrator.run(second, on: database, now: now) == ["beta/0001"])
            #expect(try await Migrator.appliedMigrations(on: database).count == 3)
        }
    }

    @Test(arguments: TestBackend.all)
    func aFailedMigrationLeavesNoTrace(backend: TestBackend) async throws {
        try await backend.withDatabase { database async throws in
            let good = Migration(module: "m", name: "0001", statements: ["CREATE TABLE m_good (id TEXT PRIMARY KEY)"])
            let bad = Migration(
                module: "m",
                name: "0002",
                statements: ["CREATE TABLE m_half (id TEXT PRIMARY KEY)", "INSERT INTO m_missing (id) VALUES ('x')"]
            )
            await expectFailure { try await Migrator.run([good, bad], on: database) }
            #expect(try await Migrator.appliedMigrations(on: database) == ["m/0001"])
            #expect(try await count("m_good", in: database.sql) == 0)
            await expectFailure { _ = try await count("m_half", in: database.sql) }

            let fixed = Migration(module: "m", name: "0002", statements: ["CREATE TABLE m_half (id TEXT PRIMARY KEY)"])
            #expect(try await Migrator.run([good, fixed], on: database) == ["m/0002"])
        }
    }

    @Test(arguments: TestBackend.all)
    func concurrentMigratorsApplyEachMigrationOnce(backend: TestBackend) async throws {
        try await backend.withConfiguration { configuration in
            let migrations = [
                Migration(module: "race", name: "0001", statements: ["CREATE TABLE race (id TEXT PRIMARY KEY)"]),
                Migration(module: "race", name: "0002", statements: ["INSERT INTO race (id) VALUES ('once')"]),
            ]
            // Separate `Database`s stand for separate processes. An in-memory database cannot be shared, so there
            // the migrators share one. Two SQLite files at most: in one process they share the small thread pool
            // that SQLite's busy wait blocks, which separate processes do not.
            let shared = configuration == .sqliteInMemory ? try await Database.open(configuration, logger: TestBackend.logger) : nil
            let migrators = backend == .sqliteFile ? 2 : 4
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<migrators {
                    group.addTask {
                        if let shared { return try await Migrator.run(migrations, on: shared) }
                        return try await Database.withDatabase(configuration, logger: TestBackend.logger) { database in
                            try await Migrator.run(migrations, on: database)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.flatMap { $0 }.sorted() == ["race/0001", "race/0002"])
            try await Database.withDatabase(configuration, logger: TestBackend.logger) { other async throws in
                let database = shared ?? other
                #expect(try await count("race", in: database.sql) == 1)
            }
            await shared?.close()
        }
    }

    @Test(arguments: TestBackend.all)
    func aThrowingTransactionIsRolledBack(backend: TestBackend) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(counterMigrations, on: database)
            await #expect(throws: Expected.self) {
                try await database.transaction { sql in
                    try await sql.insert(into: "counters").columns("name", "value").values(SQLBind("a"), SQLBind(1)).run()
                    try await sql.insert(into: "counters").columns("name", "value").values(SQLBind("b"), SQLBind(2)).run()
                    throw Expected()
                }
            }
            #expect(try await count("counters", in: database.sql) == 0)

            // A failing statement rolls back the statements before it.
            await #expect(throws: StorageError.uniqueViolation) {
                try await database.transaction { sql in
                    try await sql.insert(into: "counters").columns("name", "value").values(SQLBind("c"), SQLBind(1)).run()
                    try await sql.insert(into: "counters").columns("name", "value").values(SQLBind("c"), SQLBind(2)).run()
                }
            }
            #expect(try await count("counters", in: database.sql) == 0)

            // The connection is usable afterwards, and a committed transaction stays.
            let value = try await database.transaction { sql in
                try await sql.insert(into: "counters").columns("name", "value").values(SQLBind("d"), SQLBind(4)).run()
                return 4
            }
            #expect(value == 4)
            #expect(try await count("counters", in: database.sql) == 1)
        }
    }

    @Test(arguments: TestBackend.all)
    func uniqueAndForeignKeyViolationsAreTranslated(backend: TestBackend) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(
                counterMigrations + [
                    Migration(module: "test", name: "0002_users", statements: [
                        "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
                        "CREATE UNIQUE INDEX users_name ON users (name)",
                    ])
                ],
                on: database
            )
            try await database.sql.raw("INSERT INTO users (id, name) VALUES (\(bind: "u1"), \(bind: "alice"))").run()

            for (id, name) in [("u2", "alice"), ("u1", "bob")] {
                do {
                    try await database.sql.raw("INSERT INTO users (id, name) VALUES (\(bind: id), \(bind: name))").run()
                    Issue.record("a duplicate \(id)/\(name) was inserted")
                } catch let error as StorageError {
                    #expect(error == .uniqueViolation)
                    #expect(!error.description.contains("INSERT"))
                    #expect(!error.description.contains("users"))
                    #expect(!error.description.contains("alice"))
                    let cause = try #require(error.cause)
                    #expect(StorageError.translate(cause) as? StorageError == .uniqueViolation)
                }
            }

            await #expect(throws: StorageError.foreignKeyViolation) {
                try await database.sql.raw("INSERT INTO increments (counter) VALUES (\(bind: "missing"))").run()
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func nestedTransactionsAreSavepointsAndSqlJoinsTheTransaction(backend: TestBackend) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(counterMigrations, on: database)
            try await database.transaction { sql in
                try await sql.raw("INSERT INTO counters (name, value) VALUES ('a', 1)").run()
                do {
                    try await database.transaction { inner in
                        try await inner.raw("INSERT INTO counters (name, value) VALUES ('b', 1)").run()
                        try await inner.raw("INSERT INTO counters (name, value) VALUES ('a', 2)").run()
                    }
                    Issue.record("the duplicate was inserted")
                } catch let error as StorageError where error == .uniqueViolation {}
                // Still usable after the violation (PostgreSQL would refuse without the savepoint).
                try await sql.raw("INSERT INTO counters (name, value) VALUES ('c', 3)").run()
                // `database.sql` runs on this transaction's connection and sees its uncommitted rows.
                #expect(try await count("counters", in: database.sql) == 2)
            }
            let names = try await database.sql.select().column("name").from("counters").orderBy("name").all()
            #expect(try names.map { try $0.decode(column: "name", as: String.self) } == ["a", "c"])
        }
    }

    @Test(arguments: TestBackend.all)
    func concurrentTransactionalIncrementsAreExact(backend: TestBackend) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(counterMigrations, on: database)
            try await database.sql.raw("INSERT INTO counters (name, value) VALUES ('hits', 0)").run()
            let tasks = 50

            // Read-modify-write: locked with FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE excludes other writers.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        try await database.transaction { sql in
                            let current = try await sql.select().column("value").from("counters")
                                .where("name", .equal, "hits").for(.update)
                                .first(decodingColumn: "value", as: Int.self) ?? -1
                            try await sql.update("counters").set("value", to: current + 1).where("name", .equal, "hits").run()
                            try await sql.insert(into: "increments").columns("counter").values(SQLBind("hits")).run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let afterTransactions = try await database.sql.select().column("value").from("counters")
                .where("name", .equal, "hits").first(decodingColumn: "value", as: Int.self)
            #expect(afterTransactions == tasks)
            #expect(try await count("increments", in: database.sql) == tasks)

            // Single-statement increments outside any transaction.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        try await database.sql.raw("UPDATE counters SET value = value + 1 WHERE name = 'hits'").run()
                    }
                }
                try await group.waitForAll()
            }
            let total = try await database.sql.select().column("value").from("counters")
                .where("name", .equal, "hits").first(decodingColumn: "value", as: Int.self)
            #expect(total == 2 * tasks)
        }
    }

    @Test(arguments: TestBackend.all)
    func dialectNeutralTypesRoundTrip(backend: TestBackend) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(
                [
                    Migration(module: "t", name: "0001", statements: [
                        """
                        CREATE TABLE t_values (
                            id {{serial_primary_key}}, flag BOOLEAN NOT NULL, big BIGINT NOT NULL, data {{blob}} NOT NULL, note TEXT
                        )
                        """
                    ])
                ],
                on: database
            )
            let bytes = Data((0...255).map { UInt8($0) })
            let ids = try await database.transaction { sql in
                var ids: [Int64] = []
                for (flag, big) in [(true, Int64.max), (false, Int64.min)] {
                    let row = try await sql.raw(
                        """
                        INSERT INTO t_values (flag, big, data, note)
                        VALUES (\(bind: flag), \(bind: big), \(bind: bytes), NULL) RETURNING id
                        """
                    ).first()
                    ids.append(try #require(row).decode(column: "id", as: Int64.self))
                }
                return ids
            }
            #expect(ids.count == 2 && ids[0] < ids[1])

            let rows = try await database.sql.select().columns("flag", "big", "data", "note").from("t_values")
                .where("flag", .equal, true).all()
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(try row.decode(column: "flag", as: Bool.self) == true)
            #expect(try row.decode(column: "big", as: Int64.self) == .max)
            #expect(try row.decode(column: "data", as: Data.self) == bytes)
            #expect(try row.decode(column: "note", as: String?.self) == nil)
            #expect(DatabaseDialect(database.sql) == database.dialect)
        }
    }

    @Test(arguments: TestBackend.all)
    func aClosedDatabaseIsUnavailable(backend: TestBackend) async throws {
        try await backend.withConfiguration { configuration in
            let database = try await Database.open(configuration, logger: TestBackend.logger)
            try await database.sql.raw("SELECT 1").run()
            await database.close()
            await database.close()
            await #expect(throws: StorageError.unavailable) { try await database.sql.raw("SELECT 1").run() }
            await #expect(throws: StorageError.unavailable) { try await database.transaction { _ in 1 } }
        }
    }
}

@Suite("SQLite file")
struct SQLiteFileTests {
    @Test func pragmasPermissionsAndDurability() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("data/moat.sqlite")
        try await Database.withDatabase(.sqlite(path: file.path), logger: TestBackend.logger) { database in
            func pragma(_ name: String) async throws -> String {
                guard let row = try await database.sql.raw("PRAGMA \(unsafeRaw: name)").first(),
                    let column = row.allColumns.first
                else { return "" }
                if let text = try? row.decode(column: column, as: String.self) { return text }
                return String(try row.decode(column: column, as: Int.self))
            }
            #expect(try await pragma("journal_mode") == "wal")
            #expect(try await pragma("synchronous") == "2")  // FULL
            #expect(try await pragma("foreign_keys") == "1")
            #expect(try await pragma("busy_timeout") == "5000")
            try await Migrator.run(counterMigrations, on: database)
            try await database.sql.raw("INSERT INTO counters (name, value) VALUES ('kept', 7)").run()
        }
        #expect(try permissions(of: file) == 0o600)
        #expect(try permissions(of: file.deletingLastPathComponent()) == 0o700)

        try await Database.withDatabase(.sqlite(path: file.path), logger: TestBackend.logger) { database in
            #expect(try await Migrator.run(counterMigrations, on: database).isEmpty)
            let value = try await database.sql.select().column("value").from("counters")
                .where("name", .equal, "kept").first(decodingColumn: "value", as: Int.self)
            #expect(value == 7)
        }
    }

    @Test func twoInMemoryDatabasesAreSeparate() async throws {
        try await Database.withDatabase(.sqliteInMemory, logger: TestBackend.logger) { first in
            try await Database.withDatabase(.sqliteInMemory, logger: TestBackend.logger) { second in
                try await first.sql.raw("CREATE TABLE only_here (id TEXT)").run()
                await expectFailure { try await second.sql.raw("SELECT * FROM only_here").run() }
            }
        }
    }
}

@Suite("Migration definitions")
struct MigrationDefinitionTests {
    @Test func duplicateMigrationsAreRefused() async throws {
        try await Database.withDatabase(.sqliteInMemory, logger: TestBackend.logger) { database in
            let migration = Migration(module: "m", name: "0001", statements: ["CREATE TABLE m (id TEXT)"])
            await #expect(throws: StorageError.invalidMigration) { try await Migrator.run([migration, migration], on: database) }
        }
    }

    @Test(arguments: [DatabaseDialect.sqlite, .postgres])
    func placeholdersExpand(dialect: DatabaseDialect) throws {
        let expanded = try dialect.expand("CREATE TABLE x (id {{serial_primary_key}}, a {{blob}}, b {{ blob }})")
        let blob = dialect == .sqlite ? "BLOB" : "BYTEA"
        #expect(!expanded.contains("{{"))
        #expect(expanded.hasSuffix("a \(blob), b \(blob))"))
        #expect(throws: StorageError.invalidMigration) { try dialect.expand("CREATE TABLE x (a {{uuid}})") }
        #expect(throws: StorageError.invalidMigration) { try dialect.expand("CREATE TABLE x (a {{blob)") }
    }
}

/// A thread-safe counter for closures that run in migrations.
final class Counter: Sendable {
    private let storage = LockedBox(0)
    var value: Int { self.storage.value }
    func increment() { self.storage.update { $0 += 1 } }
}

import Synchronization

final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { self.mutex = Mutex(value) }
    var value: Value { self.mutex.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { self.mutex.withLock { body(&$0) } }
}

@Suite("Database lifecycle")
struct DatabaseLifecycleTests {
    @Test(arguments: TestBackend.all)
    func aDatabaseReleasedWithoutCloseIsClosedSafely(backend: TestBackend) async throws {
        try await backend.withConfiguration { configuration in
            var database: Database? = try await Database.open(configuration, logger: TestBackend.logger)
            try await database?.sql.raw("SELECT 1").run()
            database = nil
            // Opening again works: the file or server was released properly.
            try await Database.withDatabase(configuration, logger: TestBackend.logger) { reopened in
                try await reopened.sql.raw("SELECT 1").run()
            }
        }
    }
}
