import Logging
import NIOCore
import SQLKit

/// Exclusive use of one connection until ``release`` is called.
struct ConnectionLease: Sendable {
    /// The connection, with driver errors translated (``StorageError/translate(_:)``).
    let connection: any SQLDatabase
    /// Gives the connection back.
    let release: @Sendable () -> Void
    /// Gives the connection back after closing it, when its session state is unknown (a failed `ROLLBACK`).
    let discard: @Sendable () -> Void
}

/// What ``Database`` needs from SQLite or PostgreSQL.
protocol DatabaseBackend: Sendable {
    var dialect: DatabaseDialect { get }
    /// An SQLKit handle used only for its dialect and version (no queries run on it).
    var descriptor: any SQLDatabase { get }
    var eventLoop: any EventLoop { get }
    /// The statement that opens a transaction.
    var beginStatement: String { get }
    func lease(logger: Logger) -> EventLoopFuture<ConnectionLease>
    func close(logger: Logger) async
    /// Last-resort cleanup when a ``Database`` is released without ``Database/close()``.
    func closeFromDeinit()
}
