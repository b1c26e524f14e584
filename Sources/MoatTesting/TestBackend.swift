public import Foundation
public import Logging
public import MoatStorage
import SQLKit
public import Testing

/// The databases every store test runs against.
///
/// PostgreSQL runs when `MOAT_TEST_POSTGRES_URL` names a server (start one with `scripts/postgres.sh start DIR`);
/// each test then gets a database of its own, dropped afterwards. Without it the PostgreSQL cases record a warning
/// and are cancelled (skipped), unless `MOAT_REQUIRE_POSTGRES=1`, which makes them fail.
public enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqliteInMemory
    case sqliteFile
    case postgres

    public static let all: [TestBackend] = TestBackend.allCases

    public var testDescription: String { self.rawValue }

    public static var logger: Logger {
        var logger = Logger(label: "moat.tests")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with a fresh, empty database configuration of this backend, and cleans it up afterwards.
    public func withConfiguration(_ body: (DatabaseConfiguration) async throws -> Void) async throws {
        switch self {
        case .sqliteInMemory:
            try await body(.sqliteInMemory)
        case .sqliteFile:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try await body(.sqlite(path: directory.url.appendingPathComponent("moat.sqlite").path))
        case .postgres:
            let environment = ProcessInfo.processInfo.environment
            guard let url = environment["MOAT_TEST_POSTGRES_URL"], !url.isEmpty else {
                if environment["MOAT_REQUIRE_POSTGRES"] == "1" {
                    Issue.record("MOAT_REQUIRE_POSTGRES=1 but MOAT_TEST_POSTGRES_URL is not set: the PostgreSQL runs were skipped")
                    return
                }
                // A cancelled test case is reported as passed, so say it with a warning too.
                let reason = "PostgreSQL case skipped: MOAT_TEST_POSTGRES_URL is not set (see scripts/postgres.sh)"
                Issue.record(Comment(rawValue: reason), severity: .warning)
                try Test.cancel(Comment(rawValue: reason))
            }
            try await Self.withScratchPostgresDatabase(serverURL: url, body)
        }
    }

    /// Runs `body` with an open, empty database of this backend, closed afterwards.
    public func withDatabase(_ body: (Database) async throws -> Void) async throws {
        try await self.withConfiguration { configuration in
            try await Database.withDatabase(configuration, logger: Self.logger, body)
        }
    }

    private static func withScratchPostgresDatabase(
        serverURL: String,
        _ body: (DatabaseConfiguration) async throws -> Void
    ) async throws {
        let name = "moat_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        guard var components = URLComponents(string: serverURL) else {
            Issue.record("MOAT_TEST_POSTGRES_URL is not a URL")
            return
        }
        components.path = "/" + name
        guard let scratchURL = components.string else {
            Issue.record("cannot build a scratch database URL")
            return
        }
        try await Database.withDatabase(.postgres(url: serverURL), logger: Self.logger) { admin in
            try await admin.sql.raw("CREATE DATABASE \(ident: name)").run()
        }
        do {
            try await body(.postgres(url: scratchURL))
        } catch {
            try? await Self.drop(name, serverURL: serverURL)
            throw error
        }
        try await Self.drop(name, serverURL: serverURL)
    }

    private static func drop(_ name: String, serverURL: String) async throws {
        try await Database.withDatabase(.postgres(url: serverURL), logger: Self.logger) { admin in
            try await admin.sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
        }
    }
}

/// A directory under the system's temporary directory, removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: self.url)
    }
}

