import Crypto
import Foundation
import MoatCore
import MoatStorage
import MoatTesting
import SQLKit
import Synchronization
import Testing

@testable import MoatCognito

/// Counts the hash work of each kind, so tests can see what a sign-in cost.
final class CountingHasher: PasswordHashing {
    let inner = PasswordHasher(iterations: 1_000)
    let counts = Mutex<(hashes: Int, verifications: Int, burns: Int)>((0, 0, 0))

    func hash(_ password: String) -> String {
        counts.withLock { $0.hashes += 1 }
        return inner.hash(password)
    }

    func verify(_ password: String, against stored: String) -> Bool {
        counts.withLock { $0.verifications += 1 }
        return inner.verify(password, against: stored)
    }

    func burn(_ password: String) {
        counts.withLock { $0.burns += 1 }
        inner.burn(password)
    }
}

/// The user-pool service over every backend: the same SQL keeps the same promises on SQLite and PostgreSQL.
@Suite("Cognito service")
struct CognitoServiceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func context(_ now: Date = now) -> OperationContext {
        OperationContext(requestId: "r", principal: nil, accountId: "123456789012", region: "us-east-1", sourceIp: "127.0.0.1", now: now, logger: TestBackend.logger)
    }

    func withDomain(_ backend: TestBackend, hasher: any PasswordHashing = PasswordHasher(iterations: 1_000), _ body: @escaping @Sendable (CognitoDomain) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(CognitoDomain.migrations, on: database)
            let domain = CognitoDomain(
                database: database, masterKey: SymmetricKey(size: .bits256), accountId: "123456789012", region: "us-east-1",
                publicURL: "http://moat.test", settings: CognitoSettings(), hasher: hasher, logger: TestBackend.logger
            )
            try await body(domain)
        }
    }

    /// A pool, a client allowing the password flows (and hiding unknown users, when asked), and a confirmed user.
    static func setUp(_ service: CognitoService, prevent: Cognito.PreventUserExistenceErrorTypes = .enabled) async throws -> (pool: String, client: String) {
        let pool = try await service.createUserPool(Cognito.CreateUserPoolRequest(poolName: "p"), context: context()).userPool?.id ?? ""
        let client = try await service.createUserPoolClient(
            Cognito.CreateUserPoolClientRequest(
                userPoolId: pool, clientName: "c", explicitAuthFlows: [.allowUserPasswordAuth, .allowRefreshTokenAuth],
                preventUserExistenceErrors: prevent
            ),
            context: context()
        ).userPoolClient?.clientId ?? ""
        _ = try await service.adminCreateUser(
            Cognito.AdminCreateUserRequest(userPoolId: pool, username: "alice", messageAction: .suppress), context: context())
        _ = try await service.adminSetUserPassword(
            Cognito.AdminSetUserPasswordRequest(userPoolId: pool, username: "alice", password: "Correct-Horse-9", permanent: true), context: context())
        return (pool, client)
    }

    static func signIn(_ service: CognitoService, client: String, username: String, password: String, at now: Date = now) async throws
        -> Cognito.InitiateAuthResponse
    {
        try await service.initiateAuth(
            Cognito.InitiateAuthRequest(authFlow: .userPasswordAuth, authParameters: ["USERNAME": username, "PASSWORD": password], clientId: client),
            context: context(now)
        )
    }

    @Test(arguments: TestBackend.all)
    func anUnknownUserCostsOnePasswordHashAndGetsTheWrongPasswordAnswer(backend: TestBackend) async throws {
        let hasher = CountingHasher()
        try await withDomain(backend, hasher: hasher) { cognito in
            let service = cognito.service
            let (_, client) = try await Self.setUp(service)
            hasher.counts.withLock { $0 = (0, 0, 0) }

            let unknown = await #expect(throws: ServiceError.self) {
                _ = try await Self.signIn(service, client: client, username: "nobody", password: "Correct-Horse-9")
            }
            #expect(hasher.counts.withLock { $0.burns + $0.verifications } == 1)
            let wrong = await #expect(throws: ServiceError.self) {
                _ = try await Self.signIn(service, client: client, username: "alice", password: "Wrong-Horse-9")
            }
            #expect(hasher.counts.withLock { $0.burns + $0.verifications } == 2)
            #expect(unknown?.code == "NotAuthorizedException" && unknown?.code == wrong?.code && unknown?.message == wrong?.message)
        }
    }

    @Test(arguments: TestBackend.all)
    func secretsAreSealedAndPasswordsHashed(backend: TestBackend) async throws {
        try await withDomain(backend) { cognito in
            let service = cognito.service
            let (pool, _) = try await Self.setUp(service)
            let secretClient = try await service.createUserPoolClient(
                Cognito.CreateUserPoolClientRequest(userPoolId: pool, clientName: "s", generateSecret: true), context: Self.context()
            ).userPoolClient
            let secret = try #require(secretClient?.clientSecret)
            let rows = try await cognito.store.database.sql.raw("SELECT secret FROM cognito_clients WHERE secret IS NOT NULL").all()
            let stored = try rows.map { try $0.decode(column: "secret", as: String.self) }
            #expect(stored.count == 1 && !stored[0].contains(secret))
            let users = try await cognito.store.database.sql.raw("SELECT password_hash, srp FROM cognito_users").all()
            let hash = try users[0].decode(column: "password_hash", as: String.self)
            #expect(hash.hasPrefix("$pbkdf2-sha256$") && !hash.contains("Correct-Horse-9"))
            // The SRP verifier is sealed: a wrong master key cannot read the user back.
            let other = CognitoStore(database: cognito.store.database, secretBox: SecretBox(key: SymmetricKey(size: .bits256)))
            await #expect(throws: (any Error).self) { _ = try await other.user(poolId: pool, usernameKey: "alice") }
        }
    }

    @Test(arguments: TestBackend.all)
    func aChallengeIsTakenOnce(backend: TestBackend) async throws {
        try await withDomain(backend) { cognito in
            let challenge = ChallengeRecord(
                key: "k", poolId: "p", clientId: "c", usernameKey: "u", challenge: "NEW_PASSWORD_REQUIRED", state: [1, 2, 3],
                expiresAt: Self.now.addingTimeInterval(180))
            try await cognito.store.insertChallenge(challenge)
            let store = cognito.store
            let taken = try await withThrowingTaskGroup(of: ChallengeRecord?.self) { group in
                for _ in 0..<8 { group.addTask { try await store.takeChallenge(key: "k") } }
                return try await group.reduce(into: [ChallengeRecord]()) { if let record = $1 { $0.append(record) } }
            }
            #expect(taken.count == 1 && taken.first?.state == [1, 2, 3])
        }
    }

    @Test(arguments: TestBackend.all)
    func lockoutDoublesAndEnds(backend: TestBackend) async throws {
        try await withDomain(backend) { cognito in
            let service = cognito.service
            let (_, client) = try await Self.setUp(service)
            for _ in 0..<5 {
                await #expect(throws: ServiceError(Cognito.Errors.notAuthorized, "Incorrect username or password.")) {
                    _ = try await Self.signIn(service, client: client, username: "alice", password: "Wrong-Horse-9")
                }
            }
            await #expect(throws: ServiceError(Cognito.Errors.notAuthorized, "Password attempts exceeded")) {
                _ = try await Self.signIn(service, client: client, username: "alice", password: "Correct-Horse-9", at: Self.now.addingTimeInterval(0.5))
            }
            let result = try await Self.signIn(service, client: client, username: "alice", password: "Correct-Horse-9", at: Self.now.addingTimeInterval(2))
            #expect(result.authenticationResult?.accessToken != nil)
        }
        let settings = CognitoSettings()
        #expect(settings.lockedUntil(failures: 4, now: Self.now) == nil)
        #expect(settings.lockedUntil(failures: 5, now: Self.now) == Self.now.addingTimeInterval(1))
        #expect(settings.lockedUntil(failures: 7, now: Self.now) == Self.now.addingTimeInterval(4))
        #expect(settings.lockedUntil(failures: 40, now: Self.now) == Self.now.addingTimeInterval(900))
    }

    @Test func temporaryPasswordsExpireAndCanBeResent() async throws {
        try await withDomain(.sqliteInMemory) { cognito in
            let service = cognito.service
            let (pool, client) = try await Self.setUp(service)
            _ = try await service.adminCreateUser(
                Cognito.AdminCreateUserRequest(userPoolId: pool, username: "tom", temporaryPassword: "Temp-Pass-1", messageAction: .suppress),
                context: Self.context())
            let eightDaysLater = Self.now.addingTimeInterval(8 * 86_400)
            await #expect(throws: ServiceError(Cognito.Errors.notAuthorized, "Temporary password has expired and must be reset by an administrator.")) {
                _ = try await Self.signIn(service, client: client, username: "tom", password: "Temp-Pass-1", at: eightDaysLater)
            }
            _ = try await service.adminCreateUser(
                Cognito.AdminCreateUserRequest(userPoolId: pool, username: "tom", temporaryPassword: "Temp-Pass-2", messageAction: .resend),
                context: Self.context(eightDaysLater))
            let challenge = try await Self.signIn(service, client: client, username: "tom", password: "Temp-Pass-2", at: eightDaysLater)
            #expect(challenge.challengeName == .newPasswordRequired && challenge.session != nil)
            await #expect(throws: ServiceError(Cognito.Errors.unsupportedUserState, "")) {
                _ = try await service.adminCreateUser(
                    Cognito.AdminCreateUserRequest(userPoolId: pool, username: "alice", messageAction: .resend), context: Self.context())
            }
        }
    }

    @Test func verifiedEmailAliasesSignIn() async throws {
        try await withDomain(.sqliteInMemory) { cognito in
            let service = cognito.service
            let pool = try await service.createUserPool(
                Cognito.CreateUserPoolRequest(poolName: "a", aliasAttributes: [.email], usernameConfiguration: Cognito.UsernameConfigurationType(caseSensitive: false)),
                context: Self.context()
            ).userPool?.id ?? ""
            let client = try await service.createUserPoolClient(
                Cognito.CreateUserPoolClientRequest(userPoolId: pool, clientName: "c", explicitAuthFlows: [.allowUserPasswordAuth]), context: Self.context()
            ).userPoolClient?.clientId ?? ""
            for (name, verified) in [("uma", "true"), ("vic", "false")] {
                _ = try await service.adminCreateUser(
                    Cognito.AdminCreateUserRequest(
                        userPoolId: pool, username: name,
                        userAttributes: [.init(name: "email", value: "\(name)@example.com"), .init(name: "email_verified", value: verified)],
                        messageAction: .suppress),
                    context: Self.context())
                _ = try await service.adminSetUserPassword(
                    Cognito.AdminSetUserPasswordRequest(userPoolId: pool, username: name, password: "Correct-Horse-9", permanent: true), context: Self.context())
            }
            let signedIn = try await Self.signIn(service, client: client, username: "UMA@example.com", password: "Correct-Horse-9")
            #expect(signedIn.authenticationResult?.idToken != nil)
            // An unverified email is no alias.
            await #expect(throws: ServiceError(Cognito.Errors.userNotFound, "User does not exist.")) {
                _ = try await Self.signIn(service, client: client, username: "vic@example.com", password: "Correct-Horse-9")
            }
            // A verified email belongs to one user only.
            await #expect(throws: ServiceError(Cognito.Errors.aliasExists, "")) {
                _ = try await service.adminUpdateUserAttributes(
                    Cognito.AdminUpdateUserAttributesRequest(
                        userPoolId: pool, username: "vic",
                        userAttributes: [.init(name: "email", value: "uma@example.com"), .init(name: "email_verified", value: "true")]),
                    context: Self.context())
            }
            await #expect(throws: ServiceError(Cognito.Errors.invalidParameter, "")) {
                _ = try await service.adminCreateUser(
                    Cognito.AdminCreateUserRequest(userPoolId: pool, username: "walt@example.com", messageAction: .suppress), context: Self.context())
            }
        }
    }

    @Test func listUsersPagesThroughFilteredUsers() async throws {
        try await withDomain(.sqliteInMemory) { cognito in
            let service = cognito.service
            let (pool, _) = try await Self.setUp(service)
            for index in 0..<7 {
                _ = try await service.adminCreateUser(
                    Cognito.AdminCreateUserRequest(
                        userPoolId: pool, username: "user\(index)", userAttributes: [.init(name: "family_name", value: index.isMultiple(of: 2) ? "even" : "odd")],
                        messageAction: .suppress),
                    context: Self.context())
            }
            var names: [String] = []
            var token: String?
            repeat {
                let page = try await service.listUsers(
                    Cognito.ListUsersRequest(userPoolId: pool, limit: 2, paginationToken: token, filter: "family_name = \"even\""), context: Self.context())
                names += (page.users ?? []).compactMap(\.username)
                token = page.paginationToken
            } while token != nil
            #expect(names == ["user0", "user2", "user4", "user6"])
            await #expect(throws: ServiceError(Cognito.Errors.invalidParameter, "Error while parsing filter.")) {
                _ = try await service.listUsers(Cognito.ListUsersRequest(userPoolId: pool, filter: "family_name == even"), context: Self.context())
            }
        }
    }
}
