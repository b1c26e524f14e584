package import Foundation
package import MoatCore

/// What the data plane asks of the rest of Moat: functions to invoke, user pools to check tokens against, signatures
/// and IAM policies for `AWS_IAM` methods, upstream HTTP services and the stage's access log. MoatApp wires them to
/// the Lambda, Cognito, IAM and Logs domains.
package struct GatewayBackends: Sendable {
    package var functions: any GatewayFunctions
    package var userPools: any GatewayUserPools
    package var callers: any GatewayCallers
    package var upstream: any GatewayUpstream
    package var accessLog: any GatewayAccessLog

    package init(
        functions: any GatewayFunctions,
        userPools: any GatewayUserPools,
        callers: any GatewayCallers,
        upstream: any GatewayUpstream,
        accessLog: any GatewayAccessLog
    ) {
        self.functions = functions
        self.userPools = userPools
        self.callers = callers
        self.upstream = upstream
        self.accessLog = accessLog
    }
}

/// Lambda, as API Gateway calls it: on behalf of `apigateway.amazonaws.com`, allowed only by the function's policy.
package protocol GatewayFunctions: Sendable {
    /// Invokes a function synchronously.
    /// - Parameters:
    ///   - functionArn: the function (from the integration's or authorizer's URI).
    ///   - sourceArn: the `execute-api` ARN the function's policy must allow.
    ///   - payload: the event.
    ///   - requestId: the gateway request that causes the call.
    /// - Throws: ``GatewayFunctionError``.
    func invoke(functionArn: String, sourceArn: String, payload: [UInt8], requestId: String) async throws(GatewayFunctionError)
        -> GatewayFunctionAnswer
}

/// What a function answered.
package struct GatewayFunctionAnswer: Sendable, Equatable {
    package var payload: [UInt8]
    /// `Unhandled` or `Handled` when the function failed (its payload is then the error document).
    package var functionError: String?

    package init(payload: [UInt8], functionError: String? = nil) {
        self.payload = payload
        self.functionError = functionError
    }
}

/// Why a function could not be invoked at all.
package enum GatewayFunctionError: Error, Sendable, Equatable {
    /// The function's policy does not let API Gateway invoke it from this ARN.
    case notPermitted
    /// There is no such function.
    case notFound
    /// Lambda refused or failed the invocation (throttled, too large, the runtime failed…), in its own words.
    case failed(String)
}

/// Cognito user pools, as the `COGNITO_USER_POOLS` authorizer checks tokens against them.
package protocol GatewayUserPools: Sendable {
    /// Checks a token from the request against the authorizer's pools.
    /// - Parameters:
    ///   - token: the identity source's value as sent.
    ///   - userPoolArns: the authorizer's `providerARNs`.
    ///   - scopes: the method's `authorizationScopes`: when there are some, an access token holding one of them is
    ///     required; when there are none, an ID token.
    ///   - now: the request's time.
    func verify(token: String, userPoolArns: [String], scopes: [String], now: Date) async -> UserPoolVerdict
}

/// What a user pool authorizer decided.
package enum UserPoolVerdict: Sendable, Equatable {
    /// The token is valid: its claims, as signed.
    case verified(claims: JSONValue)
    /// The token is not one of these pools', or not valid: 401 `Unauthorized`.
    case unauthorized
    /// A token of these pools, valid but for its expiry: 401 `The incoming token has expired`.
    case expired
}

/// An HTTP request to an `HTTP` or `HTTP_PROXY` integration's endpoint.
package struct UpstreamRequest: Sendable {
    package var method: String
    /// An absolute `http` or `https` URL, query included.
    package var url: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The endpoint's answer.
package struct UpstreamResponse: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Upstream HTTP services.
package protocol GatewayUpstream: Sendable {
    /// Sends the request and reads the whole answer.
    /// - Parameters:
    ///   - request: what to send.
    ///   - timeout: the integration's timeout: past it, the call is abandoned.
    ///   - maximumResponseSize: the most bytes of body read; more is an error.
    /// - Throws: ``UpstreamError``.
    func send(_ request: UpstreamRequest, timeout: Duration, maximumResponseSize: Int) async throws(UpstreamError) -> UpstreamResponse
}

/// Why an upstream call brought no answer.
package enum UpstreamError: Error, Sendable, Equatable {
    case timedOut
    /// Refused, reset, unresolvable, TLS failure, an answer too large…
    case failed(String)
}

/// Who signed a request to an `AWS_IAM` method (SigV4 for the signing name `execute-api`), and what IAM lets them do.
package protocol GatewayCallers: RequestAuthorizing {
    /// Verifies the request's signature (header or presigned query) over its ``IncomingRequest/rawPath``,
    /// ``IncomingRequest/rawQuery``, headers and body.
    func authenticate(_ request: IncomingRequest) async -> CallerAuthentication
}

/// What the signature of a request to an `AWS_IAM` method established.
package enum CallerAuthentication: Sendable, Equatable {
    case signed(Principal)
    /// No `Authorization` header and no presigned query.
    case unsigned
    /// The signature does not verify; the message is AWS's (a mismatch, a skewed or expired time, a wrong scope).
    case invalidSignature(message: String)
    /// An access key or session token IAM does not know.
    case invalidSecurityToken
    /// Temporary credentials that have expired.
    case expiredSecurityToken
    /// The credentials could not be looked up (the database failed): the caller gets a 500.
    case unavailable(String)
}

/// A stage's access log: CloudWatch Logs, written in the background.
package protocol GatewayAccessLog: Sendable {
    /// Appends one line to the log group `destinationArn` names, in the stream API Gateway would write.
    func append(destinationArn: String, stream: String, line: String, at: Date) async
}
