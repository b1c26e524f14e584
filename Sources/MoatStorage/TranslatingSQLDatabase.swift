import Logging
import NIOCore
import SQLKit

/// Runs queries on a connection and translates driver errors into ``StorageError``s.
struct TranslatingSQLDatabase: SQLDatabase {
    let base: any SQLDatabase

    var logger: Logger { self.base.logger }
    var eventLoop: any EventLoop { self.base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { self.base.version }
    var dialect: any SQLDialect { self.base.dialect }
    var queryLogLevel: Logger.Level? { self.base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        self.base.execute(sql: query, onRow).flatMapErrorThrowing { throw StorageError.translate($0) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        do {
            try await self.base.execute(sql: query, onRow)
        } catch {
            throw StorageError.translate(error)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}
