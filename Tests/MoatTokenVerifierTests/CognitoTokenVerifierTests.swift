import Crypto
import CryptoExtras
import Foundation
import MoatCognito
import MoatCore
import MoatTokenVerifier
import Testing

/// The checks of one token, with a key source that answers from memory.
@Suite struct CognitoTokenVerifierTests {
    let now = Claims.now.addingTimeInterval(60)

    func verifier(
        _ source: ScriptedKeySource? = nil,
        tokenUse: CognitoTokenUse? = nil,
        clientIds: Set<String>? = nil,
        cacheCapacity: Int = 10_000
    ) throws -> CognitoTokenVerifier {
        CognitoTokenVerifier(
            issuer: Claims.issuer,
            keys: try source ?? ScriptedKeySource([TestKey.set(.pool)]),
            tokenUse: tokenUse,
            clientIds: clientIds,
            cacheCapacity: cacheCapacity
        )
    }

    @Test func theUnverifiedIssuerChoosesAPoolWithoutTrustingIt() throws {
        let token = try TestKey.pool.sign(Claims.id())
        #expect(CognitoTokenVerifier.unverifiedIssuer(of: token) == Claims.issuer)
        let forged = try TestKey.otherPool.sign(header: .object([("alg", .string("none"))]), claims: Claims.id())
        #expect(CognitoTokenVerifier.unverifiedIssuer(of: forged) == Claims.issuer)  // read, not believed
        for garbage in ["", "a.b", "not a token", "x.!!!.y", TestKey.encode(.object([("iss", .number("1"))])) + ".e30.x"] {
            #expect(CognitoTokenVerifier.unverifiedIssuer(of: garbage) == nil)
        }
        let withoutIssuer = try TestKey.pool.sign(.object([("sub", .string("s"))]))
        #expect(CognitoTokenVerifier.unverifiedIssuer(of: withoutIssuer) == nil)
    }

    @Test func anIDTokenAsMoatIssuesItVerifies() async throws {
        let token = try TestKey.pool.sign(Claims.id())
        let verified = try await verifier(tokenUse: .id, clientIds: [Claims.client]).verify(token, now: now)
        #expect(verified.tokenUse == .id)
        #expect(verified.subject == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
        #expect(verified.username == "alice")
        #expect(verified.clientId == Claims.client)
        #expect(verified.groups == ["admins", "staff"])
        #expect(verified.scopes.isEmpty)
        #expect(verified.issuedAt == Claims.now)
        #expect(verified.expiresAt == Claims.now.addingTimeInterval(3600))
        #expect(verified.claim("email") == "alice@example.com")
        #expect(verified.claim("custom:tenant") == "acme")
        #expect(verified.claim("email_verified") == nil)
        #expect(verified.claim("missing") == nil)
        var expected = ""
        JSONWriter.write(Claims.id(), into: &expected)
        #expect(verified.payload == Array(expected.utf8))
        #expect(verified.claims == Claims.id())
    }

    @Test func anAccessTokenAsMoatIssuesItVerifiesWithItsScopes() async throws {
        let token = try TestKey.pool.sign(Claims.access())
        let verifier = try verifier(tokenUse: .access, clientIds: [Claims.client, "another-client"])
        let verified = try await verifier.verify(token, requiredScopes: ["orders/write", "orders/read"], now: now)
        #expect(verified.tokenUse == .access)
        #expect(verified.username == "alice")
        #expect(verified.clientId == Claims.client)
        #expect(verified.groups == ["admins"])
        #expect(verified.scopes == ["aws.cognito.signin.user.admin", "orders/read"])
        #expect(verified.claim("origin_jti") == "6a7b8c9d-0000-4000-8000-000000000001")
    }

    @Test func aVerifierForBothUsesAndAnyClientTakesEither() async throws {
        let verifier = try verifier()
        #expect(try await verifier.verify(TestKey.pool.sign(Claims.id()), now: now).tokenUse == .id)
        #expect(try await verifier.verify(TestKey.pool.sign(Claims.access(clientId: "any")), now: now).clientId == "any")
    }

    @Test func anAudienceArrayPassesWhenOneMemberIsAllowed() async throws {
        let claims = Claims.id(audience: .array([.string("someone-else"), .string(Claims.client)]))
        let verified = try await verifier(clientIds: [Claims.client]).verify(TestKey.pool.sign(claims), now: now)
        #expect(verified.clientId == Claims.client)
    }

    @Test func aTokenIsAcceptedUntilTheSecondItExpires() async throws {
        let token = try TestKey.pool.sign(Claims.id(lifetime: 3600))
        let verifier = try verifier(cacheCapacity: 0)
        _ = try await verifier.verify(token, now: Claims.now.addingTimeInterval(3599))
        await #expect(throws: TokenVerificationError.expired) {
            try await verifier.verify(token, now: Claims.now.addingTimeInterval(3600))
        }
    }

    @Test func anIssueTimeWithinTheClockSkewIsAccepted() async throws {
        let token = try TestKey.pool.sign(Claims.id(issuedAt: now.addingTimeInterval(299)))
        _ = try await verifier().verify(token, now: now)
    }

    @Test func keysThatCannotBeHadAreSaidSo() async throws {
        let verifier = try verifier(ScriptedKeySource([nil]))
        await #expect(throws: TokenVerificationError.keysUnavailable) {
            try await verifier.verify(TestKey.pool.sign(Claims.id()), now: now)
        }
    }

    @Test func everyErrorDescribesItselfWithoutTheToken() {
        let errors: [TokenVerificationError] = [
            .malformed, .unsupportedAlgorithm, .unknownKey, .invalidSignature, .expired, .wrongIssuer, .wrongTokenUse, .wrongClient,
            .missingScope, .keysUnavailable,
        ]
        let descriptions = errors.map(\.description)
        #expect(Set(descriptions).count == errors.count)
        #expect(TokenVerificationError.expired.description == "The token has expired")
        #expect(TokenVerificationError.unsupportedAlgorithm.description == "The token's algorithm is not RS256")
    }
}
