import AsyncHTTPClient
import Foundation
import Logging
import MoatAPIGateway
import MoatCore
import MoatLambda
import MoatWire
import NIOCore
import NIOHTTP1
import Synchronization

/// API Gateway invokes functions as the `apigateway.amazonaws.com` service, which each function's policy must allow.
struct LambdaGatewayFunctions: GatewayFunctions {
    let lambda: LambdaDomain
    let accountId: String
    let region: String
    let logger: Logger

    static let principal = "apigateway.amazonaws.com"

    func invoke(functionArn: String, sourceArn: String, payload: [UInt8], requestId: String) async throws(GatewayFunctionError)
        -> GatewayFunctionAnswer
    {
        let context = OperationContext(
            requestId: requestId, principal: nil, accountId: accountId, region: region, sourceIp: "", now: Date(), logger: logger
        )
        do {
            let result = try await lambda.invoke(functionArn, asService: Self.principal, sourceArn: sourceArn, payload: payload, context: context)
            return GatewayFunctionAnswer(payload: result.payload, functionError: result.functionError)
        } catch let error as ServiceError {
            logger.notice("API Gateway could not invoke a function", metadata: ["aws.lambda.function": "\(functionArn)", "error": "\(error)"])
            switch error.code {
            case "AccessDeniedException": throw .notPermitted
            case "ResourceNotFoundException": throw .notFound
            default: throw .failed(error.message)
            }
        } catch {
            throw .failed("\(error)")
        }
    }
}

/// Access log lines go to CloudWatch Logs through the same buffer as function output.
struct LogsGatewayAccessLog: GatewayAccessLog {
    let buffer: FunctionLogBuffer

    func append(destinationArn: String, stream: String, line: String, at: Date) async {
        // arn:aws:logs:REGION:ACCOUNT:log-group:NAME, optionally followed by `:*`.
        guard let marker = destinationArn.range(of: ":log-group:") else { return }
        var group = String(destinationArn[marker.upperBound...])
        if group.hasSuffix(":*") { group.removeLast(2) }
        guard !group.isEmpty else { return }
        buffer.append(group: group, stream: stream, lines: [(at, line)])
    }
}

/// `HTTP` and `HTTP_PROXY` integrations call their endpoints with AsyncHTTPClient, each call bounded by the
/// integration's timeout and the answer by a size limit.
struct HTTPClientUpstream: GatewayUpstream {
    let client: UpstreamClient

    func send(_ request: UpstreamRequest, timeout: Duration, maximumResponseSize: Int) async throws(UpstreamError) -> UpstreamResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await client.shared().execute(outgoing, timeout: .nanoseconds(nanoseconds))
            let body = try await response.body.collect(upTo: maximumResponseSize)
            return UpstreamResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer: body)
            )
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw .timedOut
        } catch {
            throw .failed("\(error)")
        }
    }
}

/// `AWS_IAM` methods: the request's SigV4 signature for `execute-api`, checked as every signed call of Moat is
/// (the same credentials, skew and signing-key cache), then IAM policy evaluation.
struct IAMGatewayCallers: GatewayCallers {
    static let signingName = "execute-api"

    let credentials: any CredentialResolving
    let authorizer: any RequestAuthorizing
    let region: String
    let allowedSkew: TimeInterval
    let signingKeys = SigV4SigningKeyCache()

    func authenticate(_ request: IncomingRequest) async -> CallerAuthentication {
        let signed = SigV4Request(
            method: request.httpMethod,
            rawPath: request.rawPath,
            rawQuery: request.rawQuery,
            headers: request.headers,
            payloadSHA256: SigV4Request.payloadSHA256(of: request.body),
            now: request.time
        )
        let verifier = SigV4Verifier(allowedSkew: allowedSkew, signingKeys: signingKeys)
        do {
            let verified = try await verifier.verify(signed, expectedRegion: region, expectedService: Self.signingName, credentials: credentials)
            await credentials.recordUse(of: verified.credential.accessKeyId, service: Self.signingName, region: verified.region, at: request.time)
            return .signed(verified.credential.principal)
        } catch {
            switch error.kind {
            case .missingAuthentication: return .unsigned
            case .unknownAccessKey, .missingSecurityToken, .invalidSecurityToken: return .invalidSecurityToken
            case .expiredSecurityToken: return .expiredSecurityToken
            case .credentialLookupFailed: return .unavailable(error.message)
            case .incompleteSignature, .missingDate, .invalidDate, .requestTimeTooSkewed, .presignedURLExpired, .credentialScopeDateMismatch,
                .credentialScopeRegionMismatch, .credentialScopeServiceMismatch, .credentialScopeTerminatorInvalid, .payloadHashMismatch,
                .signatureMismatch:
                return .invalidSignature(message: error.message)
            }
        }
    }

    func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision {
        try await authorizer.authorize(request)
    }
}

/// The HTTP client of HTTP and HTTP_PROXY integrations, made at the first such call (a server whose APIs have none
/// never opens one) and shut down with the server.
final class UpstreamClient: Sendable {
    private let client = Mutex<HTTPClient?>(nil)
    private let closed = Atomic<Bool>(false)

    func shared() throws(UpstreamError) -> HTTPClient {
        try client.withLock { (client: inout HTTPClient?) throws(UpstreamError) -> HTTPClient in
            if let client { return client }
            guard !closed.load(ordering: .relaxed) else { throw .failed("the server is shutting down") }
            // Redirects are the endpoint's answer, passed back to the caller as API Gateway does, never followed.
            let made = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
            )
            client = made
            return made
        }
    }

    func shutdown() async throws {
        let made = client.withLock { client in
            closed.store(true, ordering: .relaxed)
            return client
        }
        try await made?.shutdown()
    }
}
