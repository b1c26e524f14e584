import Foundation
import Hummingbird
import HummingbirdTesting
import MoatCore
import MoatTokenVerifier
import Synchronization
import Testing

/// The issuer's side of a fetch: a JWKS document that a test can change, and a count of the requests for it.
final class JWKSEndpoint: Sendable {
    private let state: Mutex<(status: HTTPResponse.Status, body: String, requests: Int)>

    init(_ body: String) { state = Mutex((.ok, body, 0)) }

    /// How many times the document was asked for.
    var requests: Int { state.withLock { $0.requests } }

    /// Serve another answer from now on.
    func serve(_ body: String, status: HTTPResponse.Status = .ok) {
        state.withLock {
            $0.status = status
            $0.body = body
        }
    }

    func respond() -> Response {
        let (status, body) = state.withLock { state in
            state.requests += 1
            return (state.status, state.body)
        }
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    /// Runs `body` with the issuer URL of a live local server that serves this endpoint at `{issuer}/.well-known/jwks.json`.
    func withIssuer(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("us-east-1_TestPool1/.well-known/jwks.json") { _, _ in self.respond() }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            try await body("http://localhost:\(port)/us-east-1_TestPool1")
        }
    }
}

/// ``JWKSFetcher`` against a real HTTP server: one fetch shared, kept for its lifetime, refreshed at most once per
/// interval however many unknown kids arrive.
@Suite(.timeLimit(.minutes(2))) struct JWKSFetcherTests {
    func fetcher(_ issuer: String, clock: ManualClock, maximumSize: Int = JSONWebKeySet.maximumSize) -> JWKSFetcher {
        JWKSFetcher(url: issuer + "/.well-known/jwks.json", maximumSize: maximumSize, now: { clock.now })
    }

    @Test func aFetchingVerifierGetsThePoolsKeysOnceAndKeepsThem() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            let verifier = CognitoTokenVerifier.fetching(issuer: issuer, tokenUse: .access, clientIds: [Claims.client])
            let now = Date()
            let first = try await verifier.verify(TestKey.pool.sign(Claims.access(issuer: issuer, issuedAt: now)), now: now)
            #expect(first.clientId == Claims.client)
            _ = try await verifier.verify(TestKey.pool.sign(Claims.access(issuer: issuer, issuedAt: now.addingTimeInterval(-5))), now: now)
            #expect(endpoint.requests == 1)
        }
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            let fetcher = fetcher(issuer, clock: ManualClock())
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 { group.addTask { try await fetcher.keys(refresh: index % 2 == 0).keys.count } }
                for try await count in group { #expect(count == 1) }
            }
            #expect(endpoint.requests == 1)
        }
    }

    @Test func aFloodOfUnknownKidsFetchesAtMostOncePerInterval() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            let clock = ManualClock()
            let verifier = CognitoTokenVerifier(issuer: issuer, keys: fetcher(issuer, clock: clock), cacheCapacity: 0)
            _ = try await verifier.verify(TestKey.pool.sign(Claims.id(issuer: issuer)), now: clock.now)
            #expect(endpoint.requests == 1)
            let floods = try (0..<2).map { _ in
                try (0..<25).map { _ in
                    let made = JSONValue.object([("kid", .string(UUID().uuidString)), ("alg", .string("RS256"))])
                    return try TestKey.otherPool.sign(header: made, claims: Claims.id(issuer: issuer))
                }
            }
            for (round, flood) in floods.enumerated() {
                let now = clock.now
                try await withThrowingTaskGroup(of: TokenVerificationError?.self) { group in
                    for token in flood {
                        group.addTask {
                            do throws(TokenVerificationError) {
                                _ = try await verifier.verify(token, now: now)
                                return nil
                            } catch {
                                return error
                            }
                        }
                    }
                    for try await error in group { #expect(error == .unknownKey) }
                }
                // Within the interval of the first fetch, no refresh; after it, exactly one.
                #expect(endpoint.requests == round + 1)
                clock.advance(by: 10)
            }
        }
    }

    @Test func aKeyRotatedInIsFetchedOnceTheIntervalHasPassed() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            let clock = ManualClock()
            let verifier = CognitoTokenVerifier(issuer: issuer, keys: fetcher(issuer, clock: clock))
            _ = try await verifier.verify(TestKey.pool.sign(Claims.id(issuer: issuer)), now: clock.now)
            endpoint.serve(TestKey.jwks(.rotatedIn, .pool))
            let rotated = try TestKey.rotatedIn.sign(Claims.access(issuer: issuer))
            await #expect(throws: TokenVerificationError.unknownKey) { try await verifier.verify(rotated, now: clock.now) }
            #expect(endpoint.requests == 1)
            clock.advance(by: 10)
            #expect(try await verifier.verify(rotated, now: clock.now).tokenUse == .access)
            #expect(endpoint.requests == 2)
        }
    }

    @Test func theSetIsFetchedAgainWhenItIsOld() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            let clock = ManualClock()
            let fetcher = fetcher(issuer, clock: clock)
            _ = try await fetcher.keys(refresh: false)
            clock.advance(by: 3599)
            _ = try await fetcher.keys(refresh: false)
            #expect(endpoint.requests == 1)
            endpoint.serve(TestKey.jwks(.rotatedIn))
            clock.advance(by: 1)
            let keys = try await fetcher.keys(refresh: false)
            #expect(keys.key(id: TestKey.rotatedIn.kid) != nil)
            #expect(keys.key(id: TestKey.pool.kid) == nil)
            #expect(endpoint.requests == 2)
        }
    }

    @Test func aFailedFetchKeepsThePreviousKeysInUse() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            let clock = ManualClock()
            let verifier = CognitoTokenVerifier(issuer: issuer, keys: fetcher(issuer, clock: clock), cacheCapacity: 0)
            let token = try TestKey.pool.sign(Claims.id(issuer: issuer, lifetime: 86_400))
            _ = try await verifier.verify(token, now: clock.now)
            endpoint.serve(#"{"message":"Internal error"}"#, status: .internalServerError)
            clock.advance(by: 3600)
            _ = try await verifier.verify(token, now: clock.now)
            _ = try await verifier.verify(token, now: clock.now)
            #expect(endpoint.requests == 2)
            clock.advance(by: 10)
            _ = try await verifier.verify(token, now: clock.now)
            #expect(endpoint.requests == 3)
        }
    }

    @Test func withoutKeysAFailedFetchIsRetriedOnlyAfterTheInterval() async throws {
        let endpoint = JWKSEndpoint("")
        endpoint.serve("Not found", status: .notFound)
        try await endpoint.withIssuer { issuer in
            let clock = ManualClock()
            let fetcher = fetcher(issuer, clock: clock)
            for _ in 0..<3 {
                await #expect(throws: TokenVerificationError.keysUnavailable) { try await fetcher.keys(refresh: true) }
            }
            #expect(endpoint.requests == 1)
            endpoint.serve(TestKey.jwks(.pool))
            clock.advance(by: 9)
            await #expect(throws: TokenVerificationError.keysUnavailable) { try await fetcher.keys(refresh: false) }
            clock.advance(by: 1)
            let keys = try await fetcher.keys(refresh: false)
            #expect(keys.key(id: TestKey.pool.kid) != nil)
            #expect(endpoint.requests == 2)
        }
    }

    static let unusableDocuments: [(String, String)] = [
        ("oversize", #"{"keys":[],"padding":""# + String(repeating: "x", count: 70_000) + #""}"#),
        ("not JSON", "<html>Moved</html>"),
        ("no keys", #"{"keys":[]}"#),
        ("not an object", #"[{"kty":"RSA"}]"#),
        ("elliptic-curve keys only", #"{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"AA","y":"AA"}]}"#),
    ]

    @Test(arguments: unusableDocuments)
    func anUnusableDocumentLeavesNoKeys(_ name: String, _ document: String) async throws {
        let endpoint = JWKSEndpoint(document)
        try await endpoint.withIssuer { issuer in
            await #expect(throws: TokenVerificationError.keysUnavailable) {
                try await fetcher(issuer, clock: ManualClock()).keys(refresh: false)
            }
            #expect(endpoint.requests == 1)
        }
    }

    @Test func aDocumentOverTheConfiguredSizeIsRefused() async throws {
        let endpoint = JWKSEndpoint(TestKey.jwks(.pool))
        try await endpoint.withIssuer { issuer in
            await #expect(throws: TokenVerificationError.keysUnavailable) {
                try await fetcher(issuer, clock: ManualClock(), maximumSize: 100).keys(refresh: false)
            }
        }
    }

    @Test func anUnreachableIssuerLeavesNoKeys() async throws {
        let fetcher = JWKSFetcher(url: "http://127.0.0.1:1/us-east-1_TestPool1/.well-known/jwks.json", timeout: .seconds(1))
        await #expect(throws: TokenVerificationError.keysUnavailable) { try await fetcher.keys(refresh: false) }
    }
}
