import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MoatTokenVerifier
import MoatTokenVerifierHummingbird
import NIOCore
import Testing

/// A backend's request context, as the middleware's documentation declares one.
struct AuthenticatedContext: CognitoAuthenticatedRequestContext {
    var coreContext: CoreRequestContextStorage
    var cognitoToken: VerifiedToken?
    init(source: Source) { coreContext = .init(source: source) }
}

/// The middleware in front of a route, as a Swift backend uses it: API Gateway's refusals, the token in the context.
@Suite struct CognitoAuthenticationMiddlewareTests {
    static let now = Claims.now.addingTimeInterval(60)

    func app(keys: ScriptedKeySource? = nil, requiredScopes: [String] = []) throws -> some ApplicationProtocol {
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: try keys ?? ScriptedKeySource([TestKey.set(.pool)]))
        let router = Router(context: AuthenticatedContext.self)
        router.get("public") { _, _ in "open" }
        router.group("orders")
            .add(middleware: CognitoAuthenticationMiddleware(verifier: verifier, requiredScopes: requiredScopes, now: { Self.now }))
            .get { _, context -> String in
                let token = try #require(context.cognitoToken)
                return "\(token.subject) \(token.username ?? "-") \(token.groups.joined(separator: ","))"
            }
        return Application(router: router)
    }

    func get(_ app: some ApplicationProtocol, authorization: String?) async throws -> (HTTPResponse.Status, String, String?) {
        try await app.test(.router) { client in
            var headers: HTTPFields = [:]
            if let authorization { headers[.authorization] = authorization }
            return try await client.execute(uri: "/orders", method: .get, headers: headers) { response in
                (response.status, String(buffer: response.body), response.headers[.contentType])
            }
        }
    }

    @Test func aRequestWithoutATokenIsUnauthorized() async throws {
        let (status, body, contentType) = try await get(app(), authorization: nil)
        #expect(status == .unauthorized)
        #expect(body == #"{"message":"Unauthorized"}"#)
        #expect(contentType == "application/json")
    }

    @Test(arguments: ["Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Bearer not.a.token", "garbage"])
    func aRequestWithoutAValidTokenIsUnauthorized(_ authorization: String) async throws {
        let (status, body, _) = try await get(app(), authorization: authorization)
        #expect(status == .unauthorized)
        #expect(body == #"{"message":"Unauthorized"}"#)
    }

    @Test(arguments: ["Bearer ", "bearer ", "BEARER  ", ""])
    func aValidTokenReachesTheRouteWithItsClaims(_ prefix: String) async throws {
        let token = try TestKey.pool.sign(Claims.access())
        let (status, body, _) = try await get(app(), authorization: prefix + token)
        #expect(status == .ok)
        #expect(body == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 alice admins")
    }

    @Test func anExpiredTokenIsSaidToHaveExpired() async throws {
        let token = try TestKey.pool.sign(Claims.id(issuedAt: Self.now.addingTimeInterval(-7200)))
        let (status, body, contentType) = try await get(app(), authorization: "Bearer " + token)
        #expect(status == .unauthorized)
        #expect(body == #"{"message":"The incoming token has expired"}"#)
        #expect(contentType == "application/json")
    }

    @Test func aRouteWithScopesNeedsAnAccessTokenHoldingOne() async throws {
        let app = try app(requiredScopes: ["orders/read"])
        #expect(try await get(app, authorization: "Bearer " + TestKey.pool.sign(Claims.access())).0 == .ok)
        #expect(try await get(app, authorization: "Bearer " + TestKey.pool.sign(Claims.access(scope: "openid"))).0 == .unauthorized)
        #expect(try await get(app, authorization: "Bearer " + TestKey.pool.sign(Claims.id())).0 == .unauthorized)
    }

    @Test func keysThatCannotBeHadAreAServerProblem() async throws {
        let (status, body, _) = try await get(
            app(keys: ScriptedKeySource([nil])),
            authorization: "Bearer " + TestKey.pool.sign(Claims.id())
        )
        #expect(status == .serviceUnavailable)
        #expect(body == #"{"message":"Service Unavailable"}"#)
    }

    @Test func routesOutsideTheGroupNeedNoToken() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/public", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "open")
            }
        }
    }
}
