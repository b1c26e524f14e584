import Foundation
import MoatStorage
import MoatTesting
import Testing

@testable import MoatLambda

/// Lambda's tables on every backend: functions with their packages, and the queue of asynchronous invocations.
@Suite("Lambda store")
struct LambdaStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func withDatabase(_ backend: TestBackend, _ body: @escaping @Sendable (LambdaStore, EventQueue) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(LambdaDomain.migrations, on: database)
            try await body(LambdaStore(database: database), EventQueue(database: database))
        }
    }

    static func function(_ name: String, zip: [UInt8]) -> FunctionRecord {
        FunctionRecord(
            name: name, runtime: "python3.12", role: "arn:aws:iam::000000000000:role/r", handler: "app.handler", description: "",
            timeout: 3, memorySize: 128, environment: ["A": "1"], codeSha256: CodeCache.digest(zip), codeSize: zip.count,
            revisionId: UUID().uuidString, lastModified: now, createdAt: now
        )
    }

    @Test(arguments: TestBackend.all)
    func functionsKeepTheirConfigurationAndShareIdenticalPackages(backend: TestBackend) async throws {
        try await withDatabase(backend) { store, _ async throws in
            let zip: [UInt8] = [1, 2, 3]
            #expect(try await store.insert(Self.function("a", zip: zip), zip: zip))
            #expect(try await store.insert(Self.function("b", zip: zip), zip: zip))
            #expect(try await !store.insert(Self.function("a", zip: zip), zip: zip))
            let a = try #require(try await store.function(named: "a"))
            #expect(a.environment == ["A": "1"] && a.lastModified == Self.now && a.policy == nil && a.reservedConcurrency == nil)

            #expect(try await store.delete(named: "a"))
            #expect(try await store.code(sha256: CodeCache.digest(zip)) == zip, "b still uses the package")
            #expect(try await store.delete(named: "b"))
            #expect(try await store.code(sha256: CodeCache.digest(zip)) == nil, "the last user took the package with it")
            #expect(try await !store.delete(named: "b"))
        }
    }

    @Test(arguments: TestBackend.all)
    func anUpdateAppliesOnlyOverTheRevisionItRead(backend: TestBackend) async throws {
        try await withDatabase(backend) { store, _ async throws in
            let old: [UInt8] = [1]
            let new: [UInt8] = [2, 2]
            let original = Self.function("f", zip: old)
            #expect(try await store.insert(original, zip: old))
            var changed = original
            changed.codeSha256 = CodeCache.digest(new)
            changed.codeSize = new.count
            changed.revisionId = "second"
            changed.policy = #"{"Statement":[]}"#
            changed.reservedConcurrency = 2
            #expect(try await store.update(changed, zip: new, replacingRevision: original.revisionId))
            #expect(try await !store.update(changed, zip: nil, replacingRevision: original.revisionId), "a stale revision changes nothing")
            #expect(try await store.function(named: "f") == changed)
            #expect(try await store.code(sha256: CodeCache.digest(old)) == nil)
            #expect(try await store.reservations() == ["f": 2])
        }
    }

    @Test(arguments: TestBackend.all)
    func eventsAreClaimedOnceUntilRetriedOrFinished(backend: TestBackend) async throws {
        try await withDatabase(backend) { _, queue async throws in
            let first = QueuedEvent(requestId: "1", functionName: "f", payload: Array("{}".utf8), attempts: 0, queuedAt: Self.now)
            let second = QueuedEvent(requestId: "2", functionName: "f", payload: Array("[1]".utf8), attempts: 0, queuedAt: Self.now)
            try await queue.enqueue(first, at: Self.now)
            try await queue.enqueue(second, at: Self.now.addingTimeInterval(1))

            #expect(try await queue.claimNext(at: Self.now) == first, "the second is not due yet")
            #expect(try await queue.claimNext(at: Self.now) == nil, "a claimed event is not handed out twice")
            #expect(try await queue.claimNext(at: Self.now.addingTimeInterval(2)) == second)

            try await queue.retry("1", attempts: 1, at: Self.now.addingTimeInterval(60))
            #expect(try await queue.claimNext(at: Self.now.addingTimeInterval(59)) == nil)
            var retried = first
            retried.attempts = 1
            #expect(try await queue.claimNext(at: Self.now.addingTimeInterval(60)) == retried)

            // A claim whose lease ran out is taken again (its node died).
            let afterLease = Self.now.addingTimeInterval(2 + EventQueue.lease)
            #expect(try await queue.claimNext(at: afterLease) == second)
            try await queue.finish("2")
            #expect(try await queue.claimNext(at: afterLease.addingTimeInterval(EventQueue.lease * 2))?.requestId == "1")
        }
    }
}
