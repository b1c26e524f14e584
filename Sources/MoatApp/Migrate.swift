public import Logging
public import MoatCognito

/// Applies every module's pending migrations to the configured database (`moat migrate`).
public func migrateDatabase(_ configuration: ServerConfiguration, logger: Logger) async throws {
    try await MoatDomains.migrate(configuration, logger: logger)
}

/// The messages Cognito kept in its outbox, oldest first (`moat mail`).
public func readOutbox(_ configuration: ServerConfiguration, logger: Logger) async throws -> [OutgoingMessage] {
    try await MoatDomains.readOutbox(configuration, logger: logger)
}
