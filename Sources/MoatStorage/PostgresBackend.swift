import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// PostgreSQL through a connection pool on the shared `MultiThreadedEventLoopGroup`.
final class PostgresBackend: DatabaseBackend {
    /// Connections a node opens at most, spread over the event loops; several nodes must stay under the server's
    /// `max_connections` (100 by default).
    static let maximumConnections = 16

    private let box: PoolBox
    let descriptor: any SQLDatabase

    var dialect: DatabaseDialect { .postgres }
    var eventLoop: any EventLoop { self.box.pool.eventLoopGroup.any() }
    var beginStatement: String { "BEGIN" }

    private init(pool: EventLoopGroupConnectionPool<PostgresConnectionSource>, logger: Logger) {
        self.box = PoolBox(pool: pool)
        self.descriptor = pool.database(logger: logger).sql(queryLogLevel: nil)
    }

    /// Creates the pool and checks that the server answers.
    static func open(_ url: PostgresURL, logger: Logger) async throws -> PostgresBackend {
        let configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url.canonicalURL)
        } catch {
            // Never surface the driver's error here: it quotes the URL, password included.
            throw StorageError(.invalidConfiguration, "invalid PostgreSQL URL: cannot configure TLS for sslmode \(url.sslMode)")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let loops = Array(group.makeIterator()).count
        let pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: max(2, Self.maximumConnections / max(1, loops)),
            requestTimeout: .seconds(30),
            logger: logger,
            on: group
        )
        let backend = PostgresBackend(pool: pool, logger: logger)
        do {
            let lease = try await backend.lease(logger: logger).get()
            defer { lease.release() }
            try await lease.connection.raw("SELECT 1").run()
        } catch {
            await backend.close(logger: logger)
            throw StorageError(.unavailable, "cannot connect to PostgreSQL at \(url.redacted)", cause: error)
        }
        return backend
    }

    func lease(logger: Logger) -> EventLoopFuture<ConnectionLease> {
        let pool = self.box.pool
        let box = self.box
        return pool.requestConnection(logger: logger).map { connection in
            ConnectionLease(
                connection: TranslatingSQLDatabase(base: connection.sql(queryLogLevel: nil)),
                release: { box.pool.releaseConnection(connection, logger: logger) },
                discard: {
                    connection.close().whenComplete { _ in box.pool.releaseConnection(connection, logger: logger) }
                }
            )
        }.flatMapErrorThrowing { throw StorageError.translate($0) }
    }

    func close(logger: Logger) async {
        do {
            try await self.box.pool.shutdownAsync()
        } catch {
            logger.debug("PostgreSQL pool already shut down")
        }
    }

    func closeFromDeinit() {
        self.box.pool.shutdownGracefully { _ in }
    }
}

/// AsyncKit's pool predates `Sendable` but guards its state with a lock and is documented as usable from any thread.
private struct PoolBox: @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
}

extension PostgresURL {
    /// The URL rebuilt from the parsed parts, in the form PostgresKit reads, with the TLS mode it understands.
    var canonicalURL: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = self.user
        components.password = self.password
        components.host = self.host.contains(":") ? "[\(self.host)]" : self.host
        components.port = self.port
        components.path = "/" + self.database
        let tls: String =
            switch self.sslMode {
            case .disable: "disable"
            case .allow, .prefer: "prefer"
            case .require, .verifyCA, .verifyFull: "require"
            }
        components.queryItems = [URLQueryItem(name: "sslmode", value: tls)]
        return components.string ?? ""
    }
}
