import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// SQLite through one connection that every query and transaction takes in turn (see ``Database``).
///
/// Connections use threads of their own (``SQLiteThreads``): on NIO's shared threads, a statement would wait behind
/// password hashes on the blocking pool, and handing the connection on would wait behind whatever request work its
/// event loop runs; every other request waits on the connection meanwhile.
final class SQLiteBackend: DatabaseBackend {
    /// How long a connection waits for a lock held by another process (`moat migrate` next to `moat serve`).
    static let busyTimeoutMilliseconds = 5_000

    let connection: SQLiteConnection
    let descriptor: any SQLDatabase
    private let translating: TranslatingSQLDatabase
    private let gate = SerialGate()

    var dialect: DatabaseDialect { .sqlite }
    var eventLoop: any EventLoop { self.connection.eventLoop }
    /// `IMMEDIATE` takes the write lock at `BEGIN`, so a transaction never fails half-way on a lock upgrade.
    var beginStatement: String { "BEGIN IMMEDIATE" }

    private init(connection: SQLiteConnection) {
        self.connection = connection
        self.descriptor = connection.sql(queryLogLevel: nil)
        self.translating = TranslatingSQLDatabase(base: self.descriptor)
    }

    /// Opens the file (or a private in-memory database) and sets WAL, `synchronous=FULL`, foreign keys and the busy
    /// timeout.
    static func open(path: String?, logger: Logger) async throws -> SQLiteBackend {
        let storage: SQLiteConnection.Storage
        if let path {
            try Self.prepareFile(at: path)
            storage = .file(path: path)
        } else {
            storage = .memory
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: storage,
                threadPool: SQLiteThreads.statements,
                logger: logger,
                on: SQLiteThreads.eventLoop
            )
        } catch {
            throw StorageError(.unavailable, "cannot open the SQLite database \(path ?? ":memory:")", cause: error)
        }
        let backend = SQLiteBackend(connection: connection)
        do {
            let sql = backend.translating
            try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(Self.busyTimeoutMilliseconds))").run()
            if path != nil {
                let mode = try await sql.raw("PRAGMA journal_mode = WAL").first()?.decode(column: "journal_mode", as: String.self)
                guard mode?.lowercased() == "wal" else {
                    throw StorageError(.unavailable, "the SQLite database \(path ?? "") cannot use WAL mode")
                }
            }
            try await sql.raw("PRAGMA synchronous = FULL").run()
            try await sql.raw("PRAGMA foreign_keys = ON").run()
        } catch {
            try? await connection.close()
            throw error
        }
        return backend
    }

    /// Creates the parent directory (0700) and the database file (0600) when missing, so the file and the `-wal` and
    /// `-shm` files SQLite derives from its mode are readable by the owner only.
    private static func prepareFile(at path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            if !FileManager.default.fileExists(atPath: directory.path) {
                try FileManager.default.createDirectory(
                    at: directory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            }
        } catch {
            throw StorageError(.unavailable, "cannot create the directory of the SQLite database \(path)", cause: error)
        }
        let descriptor = SystemCalls.openFile(path, flags: O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        if descriptor >= 0 {
            _ = SystemCalls.changeMode(descriptor, 0o600)
            SystemCalls.closeFile(descriptor)
        } else if SystemCalls.lastError != EEXIST {
            throw StorageError(.unavailable, "cannot create the SQLite database \(path) (errno \(SystemCalls.lastError))")
        }
    }

    func lease(logger: Logger) -> EventLoopFuture<ConnectionLease> {
        let gate = self.gate
        let lease = ConnectionLease(
            connection: self.translating,
            release: { gate.release() },
            discard: { gate.release() }
        )
        return gate.acquire(on: self.connection.eventLoop).map { lease }
    }

    func close(logger: Logger) async {
        do {
            try await self.gate.close(on: self.connection.eventLoop).get()
            try await self.connection.close()
        } catch {
            logger.warning("closing the SQLite database failed", metadata: ["error.type": "\(type(of: error))"])
        }
    }

    func closeFromDeinit() {
        _ = self.connection.close()
    }
}

/// The threads SQLite connections use, for the life of the process (as NIO's singletons are): a blocking pool that
/// runs their statements, and an event loop that completes their futures and hands each connection on. Two statement
/// threads, so that a statement waiting on another process's lock (`moat migrate` next to `moat serve`) does not stop
/// the rest.
enum SQLiteThreads {
    static let statements: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    private static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static var eventLoop: any EventLoop { group.next() }
}
