import Crypto
import Foundation
import MoatCore
import MoatPolicy
import MoatStorage
import MoatTesting
import SQLKit
import Testing

@testable import MoatIAM

/// The IAM store on every backend: the same SQL must keep the same promises on SQLite and PostgreSQL.
@Suite("IAM store")
struct IAMStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func withStore(_ backend: TestBackend, _ body: @escaping @Sendable (IAMStore) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(IAMDomain.migrations, on: database)
            try await body(IAMStore(database: database, secretBox: SecretBox(key: SymmetricKey(size: .bits256)), cache: IAMCache()))
        }
    }

    static func user(_ name: String, id: String = Identifiers.uniqueId(prefix: "AIDA")) -> UserRecord {
        UserRecord(id: id, name: name, path: "/", createdAt: now, permissionsBoundary: nil, tags: [TagRecord(key: "team", value: "a")])
    }

    @Test(arguments: TestBackend.all)
    func namesAreUniqueWithoutRegardToCase(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insertUser(Self.user("Alice"))
            await #expect(throws: IAMStoreConflict.self) { try await store.insertUser(Self.user("alice")) }
            let found = try #require(try await store.user(named: "ALICE"))
            #expect(found.name == "Alice")
            #expect(found.tags == [TagRecord(key: "team", value: "a")])
            #expect(found.createdAt == Self.now)
        }
    }

    @Test(arguments: TestBackend.all)
    func aUserWithKeysOrPoliciesIsNotDeleted(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let user = Self.user("bob")
            try await store.insertUser(user)
            let key = AccessKeyRecord(
                id: Identifiers.accessKeyId(temporary: false),
                userId: user.id,
                secretAccessKey: Identifiers.secretAccessKey(),
                status: .active,
                createdAt: Self.now
            )
            #expect(try await store.insertAccessKey(key, limit: 2))
            #expect(try await store.deleteUser(id: user.id) == .conflict("access keys"))
            try await store.deleteAccessKey(id: key.id)
            try await store.putInlinePolicy(owner: .user(id: user.id), name: "p", document: "{}")
            #expect(try await store.deleteUser(id: user.id) == .conflict("policies"))
            #expect(try await store.deleteInlinePolicy(owner: .user(id: user.id), name: "P"))
            #expect(try await store.deleteUser(id: user.id) == .deleted)
            #expect(try await store.user(id: user.id) == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func accessKeysStopAtTheLimitAndTheirSecretsAreSealed(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let user = Self.user("carol")
            try await store.insertUser(user)
            var secrets: [String] = []
            for index in 0..<3 {
                let secret = Identifiers.secretAccessKey()
                let key = AccessKeyRecord(
                    id: Identifiers.accessKeyId(temporary: false),
                    userId: user.id,
                    secretAccessKey: secret,
                    status: .active,
                    createdAt: Self.now
                )
                #expect(try await store.insertAccessKey(key, limit: 2) == (index < 2))
                if index < 2 { secrets.append(secret) }
            }
            let keys = try await store.accessKeys(userId: user.id)
            #expect(Set(keys.map(\.secretAccessKey)) == Set(secrets))
            let stored = try await store.database.sql.raw("SELECT secret FROM iam_access_keys").all()
                .map { try $0.decode(column: "secret", as: String.self) }
            for secret in secrets { #expect(!stored.contains { $0.contains(secret) }) }
        }
    }

    @Test(arguments: TestBackend.all)
    func aSealedSecretMovedToAnotherKeyDoesNotOpen(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let first = AccessKeyRecord(id: "AKIAFIRST00000000000", userId: nil, secretAccessKey: "a".padding(toLength: 40, withPad: "a", startingAt: 0), status: .active, createdAt: Self.now)
            try await store.replaceRootKeys(with: first)
            try await store.database.sql.raw("UPDATE iam_access_keys SET id = 'AKIASECOND0000000000'").run()
            await #expect(throws: (any Error).self) { try await store.accessKey(id: "AKIASECOND0000000000") }
        }
    }

    @Test(arguments: TestBackend.all)
    func policyVersionsStopAtTheLimitAndTrackTheDefault(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let policy = ManagedPolicyRecord(
                id: Identifiers.uniqueId(prefix: "ANPA"),
                name: "p",
                path: "/",
                description: nil,
                defaultVersionId: "v1",
                createdAt: Self.now,
                updatedAt: Self.now,
                tags: [],
                attachmentCount: 0
            )
            try await store.insertManagedPolicy(policy, document: "{\"v\":1}")
            for number in 2...5 {
                let outcome = try await store.addPolicyVersion(
                    policyId: policy.id,
                    document: "{\"v\":\(number)}",
                    setAsDefault: number == 3,
                    at: Self.now,
                    limit: 5
                )
                guard case .created(let version) = outcome else { Issue.record("version \(number) refused"); return }
                #expect(version.versionId == "v\(number)")
            }
            #expect(try await store.addPolicyVersion(policyId: policy.id, document: "{}", setAsDefault: false, at: Self.now, limit: 5) == .limitExceeded)
            #expect(try await store.managedPolicy(named: "P")?.defaultVersionId == "v3")
            #expect(try await store.deleteManagedPolicy(id: policy.id, arn: "arn:aws:iam::000000000000:policy/p") == .conflict("versions"))
        }
    }

    @Test(arguments: TestBackend.all)
    func attachmentsAreCountedAndBlockDeletion(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let user = Self.user("dave")
            try await store.insertUser(user)
            let policy = ManagedPolicyRecord(
                id: Identifiers.uniqueId(prefix: "ANPA"),
                name: "readers",
                path: "/team/",
                description: "d",
                defaultVersionId: "v1",
                createdAt: Self.now,
                updatedAt: Self.now,
                tags: [],
                attachmentCount: 0
            )
            try await store.insertManagedPolicy(policy, document: "{\"doc\":true}")
            #expect(try await store.attach(policyId: policy.id, to: .user(id: user.id), limit: 1))
            #expect(try await store.attach(policyId: policy.id, to: .user(id: user.id), limit: 1))
            #expect(try await store.managedPolicy(named: "readers")?.attachmentCount == 1)
            #expect(try await store.attachedPolicies(owner: .user(id: user.id)).map(\.document) == ["{\"doc\":true}"])
            #expect(try await store.deleteManagedPolicy(id: policy.id, arn: "arn:aws:iam::000000000000:policy/p") == .conflict("attachments"))
            #expect(try await store.detach(policyId: policy.id, from: .user(id: user.id)))
            #expect(try await store.detach(policyId: policy.id, from: .user(id: user.id)) == false)
            #expect(try await store.deleteManagedPolicy(id: policy.id, arn: "arn:aws:iam::000000000000:policy/p") == .deleted)
        }
    }

    @Test(arguments: TestBackend.all)
    func sessionsRoundTripSealed(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let session = SessionRecord(
                accessKeyId: Identifiers.accessKeyId(temporary: true),
                secretAccessKey: Identifiers.secretAccessKey(),
                sessionToken: Identifiers.sessionToken(),
                kind: .assumedRole,
                entityId: "AROAEXAMPLE",
                sessionName: "s",
                sessionPolicy: "{}",
                sessionPolicyArns: ["arn:aws:iam::000000000000:policy/x"],
                expiresAt: Self.now.addingTimeInterval(900),
                createdAt: Self.now
            )
            try await store.insertSession(session)
            #expect(try await store.session(accessKeyId: session.accessKeyId) == session)
            let token = try await store.database.sql.raw("SELECT token FROM sts_sessions").first()?.decode(column: "token", as: String.self)
            #expect(token != session.sessionToken)
            try await store.deleteSessions(expiredBefore: Self.now.addingTimeInterval(901))
            #expect(try await store.session(accessKeyId: session.accessKeyId) == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func everyChangeAdvancesTheGenerationAndDropsTheCache(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let before = try await store.generation()
            let credential = SigningCredential(
                accessKeyId: "AKIACACHED0000000000",
                secretAccessKey: "s",
                principal: Principal(kind: .root, accountId: "1", arn: "a", userId: "1", entityName: nil, entityArn: "a", accessKeyId: "AKIACACHED0000000000")
            )
            store.cache.store(credential, for: .credential("AKIACACHED0000000000"), readAt: store.cache.epoch)
            #expect(store.cache.value(.credential("AKIACACHED0000000000"), as: SigningCredential.self) != nil)
            try await store.insertUser(Self.user("erin"))
            #expect(try await store.generation() == before + 1)
            #expect(store.cache.value(.credential("AKIACACHED0000000000"), as: SigningCredential.self) == nil)
        }
    }

    @Test func aValueReadBeforeAnInvalidationIsNotCached() {
        let cache = IAMCache()
        let epoch = cache.epoch
        cache.invalidate()
        let credential = SigningCredential(
            accessKeyId: "AKIASTALE00000000000",
            secretAccessKey: "s",
            principal: Principal(kind: .root, accountId: "1", arn: "a", userId: "1", entityName: nil, entityArn: "a", accessKeyId: "AKIASTALE00000000000")
        )
        cache.store(credential, for: .credential("AKIASTALE00000000000"), readAt: epoch)
        #expect(cache.value(.credential("AKIASTALE00000000000"), as: SigningCredential.self) == nil)
    }

    @Test func anotherNodesChangeIsSeenAfterTheRefreshInterval() async throws {
        let cache = IAMCache(refreshInterval: .zero)
        try await cache.synchronize { 1 }
        let credential = SigningCredential(
            accessKeyId: "AKIAREMOTE0000000000",
            secretAccessKey: "s",
            principal: Principal(kind: .root, accountId: "1", arn: "a", userId: "1", entityName: nil, entityArn: "a", accessKeyId: "AKIAREMOTE0000000000")
        )
        cache.store(credential, for: .credential("AKIAREMOTE0000000000"), readAt: cache.epoch)
        try await cache.synchronize { 1 }
        #expect(cache.value(.credential("AKIAREMOTE0000000000"), as: SigningCredential.self) != nil)
        try await cache.synchronize { 2 }
        #expect(cache.value(.credential("AKIAREMOTE0000000000"), as: SigningCredential.self) == nil)
    }

    @Test(arguments: [PolicyKind.identity, .session])
    func theFailClosedPolicyParsesAndDeniesEverything(kind: PolicyKind) {
        let document = IAMAuthorizer.denyAll(kind)
        let decision = PolicyEvaluator.evaluate(
            EvaluationInput(
                principal: .user(accountId: "000000000000", name: "u", userId: "AIDAU"),
                action: "iam:ListUsers",
                resource: "*",
                identityPolicies: kind == .identity ? [document] : [],
                sessionPolicies: kind == .session ? [document] : [],
                now: Self.now
            )
        )
        #expect(decision != .allow)
    }
}
