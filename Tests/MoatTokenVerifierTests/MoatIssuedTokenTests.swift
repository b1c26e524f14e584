import Crypto
import Foundation
import MoatCore
import MoatStorage
import MoatTesting
import MoatTokenVerifier
import Testing

@testable import MoatCognito

/// Tokens from a real sign-in to Moat's Cognito verify with the pool's JWKS document as Moat serves it.
@Suite struct MoatIssuedTokenTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func context(_ now: Date = now) -> OperationContext {
        OperationContext(
            requestId: "r",
            principal: nil,
            accountId: "123456789012",
            region: "us-east-1",
            sourceIp: "127.0.0.1",
            now: now,
            logger: TestBackend.logger
        )
    }

    @Test func aSignInsTokensVerify() async throws {
        try await TestBackend.sqliteInMemory.withDatabase { database in
            try await Migrator.run(CognitoDomain.migrations, on: database)
            let domain = CognitoDomain(
                database: database,
                masterKey: SymmetricKey(size: .bits256),
                accountId: "123456789012",
                region: "us-east-1",
                publicURL: "http://moat.test",
                settings: CognitoSettings(),
                hasher: PasswordHasher(iterations: 1_000),
                logger: TestBackend.logger
            )
            let service = domain.service
            let context = Self.context()
            let pool = try #require(
                try await service.createUserPool(Cognito.CreateUserPoolRequest(poolName: "p"), context: context).userPool?.id
            )
            let client = try #require(
                try await service.createUserPoolClient(
                    Cognito.CreateUserPoolClientRequest(userPoolId: pool, clientName: "c", explicitAuthFlows: [.allowUserPasswordAuth]),
                    context: context
                ).userPoolClient?.clientId
            )
            _ = try await service.adminCreateUser(
                Cognito.AdminCreateUserRequest(userPoolId: pool, username: "alice", messageAction: .suppress),
                context: context
            )
            _ = try await service.adminSetUserPassword(
                Cognito.AdminSetUserPasswordRequest(userPoolId: pool, username: "alice", password: "Correct-Horse-9", permanent: true),
                context: context
            )
            _ = try await service.createGroup(Cognito.CreateGroupRequest(groupName: "admins", userPoolId: pool), context: context)
            try await service.adminAddUserToGroup(
                Cognito.AdminAddUserToGroupRequest(userPoolId: pool, username: "alice", groupName: "admins"),
                context: context
            )
            let result = try #require(
                try await service.initiateAuth(
                    Cognito.InitiateAuthRequest(
                        authFlow: .userPasswordAuth,
                        authParameters: ["USERNAME": "alice", "PASSWORD": "Correct-Horse-9"],
                        clientId: client
                    ),
                    context: context
                ).authenticationResult
            )
            let jwks = try #require(try await domain.jwks(poolId: pool))
            let keys = ScriptedKeySource([try JSONWebKeySet(json: Array(jwks.utf8))])
            let issuer = "http://moat.test/" + pool
            let now = Self.now.addingTimeInterval(10)

            let access = try await CognitoTokenVerifier(issuer: issuer, keys: keys, tokenUse: .access, clientIds: [client])
                .verify(try #require(result.accessToken), requiredScopes: ["aws.cognito.signin.user.admin"], now: now)
            #expect(access.username == "alice")
            #expect(access.clientId == client)
            #expect(access.groups == ["admins"])
            #expect(access.issuedAt == Self.now)

            let id = try await CognitoTokenVerifier(issuer: issuer, keys: keys, tokenUse: .id, clientIds: [client])
                .verify(try #require(result.idToken), now: now)
            #expect(id.username == "alice")
            #expect(id.subject == access.subject)
            #expect(id.clientId == client)

            await #expect(throws: TokenVerificationError.wrongIssuer) {
                try await CognitoTokenVerifier(issuer: "http://moat.test/us-east-1_Other", keys: keys).verify(
                    try #require(result.idToken),
                    now: now
                )
            }
        }
    }
}
