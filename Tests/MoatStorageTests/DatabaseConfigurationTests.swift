import Foundation
import MoatStorage
import MoatTesting
import Testing

@Suite("DatabaseConfiguration")
struct DatabaseConfigurationTests {
    @Test(arguments: [
        ("postgres://moat:p%40ss@db.example:6543/moat?sslmode=disable", "postgres://moat:***@db.example:6543/moat?sslmode=disable"),
        ("postgresql://moat@127.0.0.1/moat_test", "postgres://moat@127.0.0.1:5432/moat_test?sslmode=prefer"),
        ("postgres://app:secret@localhost", "postgres://app:***@localhost:5432/app?sslmode=prefer"),
        ("postgres://app:secret@[::1]:5433/db?sslmode=verify-full", "postgres://app:***@[::1]:5433/db?sslmode=verify-full"),
    ])
    func validURLsParseAndRedact(url: String, redacted: String) throws {
        let configuration = DatabaseConfiguration.postgres(url: url)
        try configuration.validate()
        #expect(configuration.description == redacted)
        #expect(!configuration.description.contains("secret"))
        #expect(!configuration.description.contains("p%40ss"))
        #expect(configuration.dialect == .postgres)
    }

    @Test(arguments: [
        "mysql://user:secret@host/db",
        "postgres://host/db",
        "postgres://user:secret@/db",
        "postgres://user:secret@host/db/extra",
        "postgres://user:secret@host/db?sslmode=sometimes",
        "postgres://user:secret@host/db?application_name=x",
        "postgres://user:secret@host:70000/db",
        "not a url at all",
    ])
    func invalidURLsAreRefusedWithoutQuotingThePassword(url: String) throws {
        let error = try #require(throws: StorageError.self) { try DatabaseConfiguration.postgres(url: url).validate() }
        #expect(error == .invalidConfiguration)
        #expect(!error.description.contains("secret"))
        #expect(!DatabaseConfiguration.postgres(url: url).description.contains("secret"))
    }

    @Test func sqliteConfigurations() throws {
        #expect(DatabaseConfiguration.sqlite(path: "/data/moat.sqlite").description == "sqlite:/data/moat.sqlite")
        #expect(DatabaseConfiguration.sqliteInMemory.dialect == .sqlite)
        #expect(throws: StorageError.invalidConfiguration) { try DatabaseConfiguration.sqlite(path: "").validate() }
    }

    @Test func unreachablePostgresIsUnavailableWithoutQuotingThePassword() async throws {
        // Port 1 on loopback refuses connections.
        do {
            let database = try await Database.open(
                .postgres(url: "postgres://u:secret@127.0.0.1:1/db?sslmode=disable"),
                logger: TestBackend.logger
            )
            await database.close()
            Issue.record("opened a database on a closed port")
        } catch let error as StorageError {
            #expect(error == .unavailable)
            #expect(!error.description.contains("secret"))
            #expect(error.cause != nil)
        }
    }

    @Test func storageErrorDescriptionsAreDistinct() {
        let errors: [StorageError] = [
            .uniqueViolation, .foreignKeyViolation, .notFound, .unavailable, .invalidConfiguration, .invalidMigration,
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(errors.allSatisfy { $0.description.hasPrefix("StorageError.") })
        #expect(StorageError.translate(CancellationError()) is CancellationError)
    }
}
