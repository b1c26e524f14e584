import Foundation
import MoatTokenVerifier
import Testing

/// Verified tokens are remembered until they expire; keys rotated in are fetched when a token names them.
@Suite struct CacheAndRotationTests {
    let now = Claims.now.addingTimeInterval(60)

    @Test func aRepeatedTokenSkipsTheKeySource() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source)
        let token = try TestKey.pool.sign(Claims.access())
        let first = try await verifier.verify(token, now: now)
        #expect(source.calls == [false])
        let second = try await verifier.verify(token, now: now.addingTimeInterval(600))
        #expect(source.calls == [false])
        #expect(second.subject == first.subject && second.payload == first.payload)
        _ = try await verifier.verify(TestKey.pool.sign(Claims.id()), now: now)
        #expect(source.calls == [false, false])
    }

    @Test func aCachedTokenIsRefusedOnceItExpires() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source)
        let token = try TestKey.pool.sign(Claims.access(lifetime: 3600))
        _ = try await verifier.verify(token, now: now)
        await #expect(throws: TokenVerificationError.expired) {
            try await verifier.verify(token, now: Claims.now.addingTimeInterval(3600))
        }
        await #expect(throws: TokenVerificationError.expired) {
            try await verifier.verify(token, now: Claims.now.addingTimeInterval(3600))
        }
        #expect(source.calls == [false, false])
    }

    @Test func aCachedTokenIsStillCheckedForEachCallsScopes() async throws {
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: ScriptedKeySource([try TestKey.set(.pool)]))
        let token = try TestKey.pool.sign(Claims.access(scope: "orders/read"))
        _ = try await verifier.verify(token, requiredScopes: ["orders/read"], now: now)
        await #expect(throws: TokenVerificationError.missingScope) {
            try await verifier.verify(token, requiredScopes: ["orders/write"], now: now)
        }
        let idToken = try TestKey.pool.sign(Claims.id())
        _ = try await verifier.verify(idToken, now: now)
        await #expect(throws: TokenVerificationError.wrongTokenUse) {
            try await verifier.verify(idToken, requiredScopes: ["orders/read"], now: now)
        }
    }

    @Test func aRefusedTokenIsNotRemembered() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source, clientIds: ["someone-else"])
        let token = try TestKey.pool.sign(Claims.id())
        for _ in 0..<2 {
            await #expect(throws: TokenVerificationError.wrongClient) { try await verifier.verify(token, now: now) }
        }
        #expect(source.calls == [false, false])
    }

    @Test func aVerifierWithoutACacheChecksEveryTime() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source, cacheCapacity: 0)
        let token = try TestKey.pool.sign(Claims.id())
        _ = try await verifier.verify(token, now: now)
        _ = try await verifier.verify(token, now: now)
        #expect(source.calls == [false, false])
    }

    @Test func aFullCacheStillAcceptsNewTokens() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source, cacheCapacity: 2)
        let tokens = try (0..<3).map { try TestKey.pool.sign(Claims.access(issuedAt: Claims.now.addingTimeInterval(Double($0)))) }
        for token in tokens { _ = try await verifier.verify(token, now: now) }
        #expect(source.calls.count == 3)
        _ = try await verifier.verify(tokens[2], now: now)
        #expect(source.calls.count == 3)
    }

    @Test func aKeyRotatedInIsFetchedWhenATokenNamesIt() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool), try TestKey.set(.pool), try TestKey.set(.pool, .rotatedIn)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source)
        _ = try await verifier.verify(TestKey.pool.sign(Claims.id()), now: now)
        #expect(source.calls == [false])
        let rotated = try await verifier.verify(TestKey.rotatedIn.sign(Claims.access()), now: now)
        #expect(rotated.tokenUse == .access)
        #expect(source.calls == [false, false, true])
        _ = try await verifier.verify(TestKey.rotatedIn.sign(Claims.id()), now: now)
        #expect(source.calls == [false, false, true, false])
    }

    @Test func aKeyRotatedOutIsRefused() async throws {
        let source = ScriptedKeySource([try TestKey.set(.rotatedIn)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source, cacheCapacity: 0)
        await #expect(throws: TokenVerificationError.unknownKey) {
            try await verifier.verify(TestKey.pool.sign(Claims.id()), now: now)
        }
        #expect(source.calls == [false, true])
    }
}
