public import Logging

/// Applies every module's pending migrations to the configured database (`moat migrate`).
public func migrateDatabase(_ configuration: ServerConfiguration, logger: Logger) async throws {
    try await MoatDomains.migrate(configuration, logger: logger)
}
