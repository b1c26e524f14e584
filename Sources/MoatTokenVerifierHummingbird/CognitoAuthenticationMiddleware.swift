public import Foundation
public import Hummingbird
public import MoatTokenVerifier

/// Lets through only requests that carry a valid Cognito token, as an API Gateway Cognito authorizer does, and
/// hands the token to the routes behind it in ``CognitoAuthenticatedRequestContext/cognitoToken``.
///
/// The token is read from `Authorization`, as `Bearer <jwt>` or as the bare token (API Gateway accepts both). A
/// request without one, or with one the verifier refuses, gets API Gateway's answer: 401 with
/// `{"message":"Unauthorized"}`, or `{"message":"The incoming token has expired"}` for an expired token. When the
/// issuer's keys cannot be had, the answer is 503 `{"message":"Service Unavailable"}`: the client's token may be
/// fine, and it should retry rather than sign in again.
///
/// ```swift
/// let router = Router(context: AppRequestContext.self)
/// router.group("orders")
///     .add(middleware: CognitoAuthenticationMiddleware(verifier: verifier, requiredScopes: ["orders/read"]))
///     .get { _, context in "orders of \(context.cognitoToken?.subject ?? "")" }
/// ```
public struct CognitoAuthenticationMiddleware<Context: CognitoAuthenticatedRequestContext>: RouterMiddleware {
    /// The verifier of the pool's tokens.
    public let verifier: CognitoTokenVerifier
    /// When not empty, only access tokens with at least one of these scopes pass.
    public let requiredScopes: [String]
    private let now: @Sendable () -> Date

    /// A middleware that requires a token.
    /// - Parameters:
    ///   - verifier: the verifier of the pool's tokens.
    ///   - requiredScopes: when not empty, only access tokens with at least one of these scopes pass.
    ///   - now: the current time (injected by tests; the wall clock otherwise).
    public init(verifier: CognitoTokenVerifier, requiredScopes: [String] = [], now: @escaping @Sendable () -> Date = { Date() }) {
        self.verifier = verifier
        self.requiredScopes = requiredScopes
        self.now = now
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(request.headers[values: .authorization]) else { return Self.refusal(.unauthorized, "Unauthorized") }
        let verified: VerifiedToken
        do {
            verified = try await verifier.verify(token, requiredScopes: requiredScopes, now: now())
        } catch .expired {
            return Self.refusal(.unauthorized, "The incoming token has expired")
        } catch .keysUnavailable {
            return Self.refusal(.serviceUnavailable, "Service Unavailable")
        } catch {
            return Self.refusal(.unauthorized, "Unauthorized")
        }
        var context = context
        context.cognitoToken = verified
        return try await next(request, context)
    }

    /// The token of a request's one `Authorization` header: after `Bearer ` (any case), or the whole value.
    static func token(_ values: [String]) -> String? {
        guard values.count == 1 else { return nil }
        var value = Substring(values[0]).trimmingPrefix(while: { $0 == " " || $0 == "\t" })
        if value.count > 7, value.prefix(7).lowercased() == "bearer " {
            value = value.dropFirst(7).trimmingPrefix(while: { $0 == " " || $0 == "\t" })
        }
        while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
        return value.isEmpty ? nil : String(value)
    }

    /// API Gateway's JSON refusal.
    private static func refusal(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var body = ByteBuffer()
        body.writeString(#"{"message":"\#(message)"}"#)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: body)
        )
    }
}
