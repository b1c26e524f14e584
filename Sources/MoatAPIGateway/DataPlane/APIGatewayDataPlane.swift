import Foundation
import Logging
import MoatCore
import Synchronization

/// An answer of the data plane, ready to send.
package struct GatewayAnswer: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package init(_ response: GatewayResponse) {
        self.init(status: response.status, headers: response.headers, body: response.bodyBytes)
    }
}

/// The limits and delays of the data plane: API Gateway's by default.
package struct DataPlaneSettings: Sendable {
    /// The largest request body (API Gateway's payload quota, 10 MB): more is answered 413.
    package var maximumBodySize = 10_485_760
    /// How long an integration may take when its `timeoutInMillis` does not say (API Gateway's 29 seconds).
    package var integrationTimeout: Duration = .seconds(29)
    /// The largest answer read from an upstream HTTP service (the same 10 MB).
    package var maximumUpstreamResponseSize = 10_485_760
    /// How long a stage served from memory may lag behind a deployment made on another node.
    package var stageCacheLifetime: Duration = .seconds(1)

    package init() {}
}

/// API Gateway's data plane for REST APIs: a request to a deployed stage is routed, throttled, authorized and
/// handed to its method's integration, and the integration's answer mapped back, as API Gateway does.
package final class APIGatewayDataPlane: Sendable {
    let store: APIGatewayStore
    let backends: GatewayBackends
    let accountId: String
    let region: String
    package let settings: DataPlaneSettings
    /// Where configuration errors are told (API Gateway writes them to the stage's execution log).
    let logger: Logger
    let stages: StageCache
    let buckets = TokenBuckets()
    let authorizerResults = AuthorizerResultCache()
    let templateCache = TemplateCache()
    let patterns = SelectionPatterns()

    init(store: APIGatewayStore, backends: GatewayBackends, accountId: String, region: String, settings: DataPlaneSettings, logger: Logger) {
        self.logger = logger
        self.store = store
        self.backends = backends
        self.accountId = accountId
        self.region = region
        self.settings = settings
        stages = StageCache(lifetime: settings.stageCacheLifetime)
    }

    /// A request refused by the gateway itself, with the answer it gets.
    struct Refusal: Error {
        let response: GatewayResponse
        /// The message the answer carries instead of the type's fixed one (a signature's failure, the caller an IAM
        /// policy refused).
        let message: String?
        /// Why, for the log, when the cause is the API's configuration rather than the caller (never a value of the
        /// request: templates and bodies may carry secrets).
        let detail: String?
        init(_ response: GatewayResponse, message: String? = nil, detail: String? = nil) {
            self.response = response
            self.message = message
            self.detail = detail
        }
    }

    /// Serves one request to a stage.
    /// - Parameters:
    ///   - request: the request, its path below the stage.
    ///   - restApiId: the API the URL named.
    ///   - stageName: the stage the URL named.
    package func handle(_ request: IncomingRequest, restApiId: String, stageName: String) async -> GatewayAnswer {
        let started = ContinuousClock.now
        var answer: GatewayAnswer
        var compiled: CompiledStage?
        var note = AccessLogNote()
        do {
            let generation = store.changes.value
            compiled = try await stages.stage(restApiId: restApiId, stageName: stageName, generation: generation) {
                try await self.deployedStage(restApiId: restApiId, stageName: stageName)
            }
            guard let compiled else { throw Refusal(.forbidden) }
            if request.body.count > settings.maximumBodySize { throw Refusal(.requestTooLarge) }
            answer = try await serve(request, compiled, note: &note)
        } catch let refusal as Refusal {
            answer = gatewayAnswer(refusal.response, message: refusal.message, compiled: compiled, request: request)
            note.errorType = refusal.response.responseType
            let message = refusal.message ?? GatewayResponse.message(of: refusal.response)
            note.errorMessage = message.isEmpty ? nil : message
            if let detail = refusal.detail { logConfigurationError(detail, request: request, restApiId: restApiId, stageName: stageName) }
        } catch {
            answer = GatewayAnswer(.apiConfigurationError)
            note.errorType = GatewayResponse.apiConfigurationError.responseType
            logConfigurationError("\(type(of: error))", request: request, restApiId: restApiId, stageName: stageName)
        }
        answer.headers.append(("x-amzn-RequestId", request.requestId))
        answer.headers.append(("x-amz-apigw-id", request.extendedRequestId))
        answer.headers.append(("X-Amzn-Trace-Id", Self.traceId(request)))
        if let compiled, let settings = compiled.stage.accessLogSettings, let destination = settings.destinationArn,
            let format = settings.format
        {
            note.latency = Self.milliseconds(ContinuousClock.now - started)
            let line = AccessLog.line(format: format, request: request, stage: compiled.stage, answer: answer, note: note)
            await backends.accessLog.append(destinationArn: destination, stream: compiled.stage.deploymentId, line: line, at: request.time)
        }
        return answer
    }

    private func logConfigurationError(_ detail: String, request: IncomingRequest, restApiId: String, stageName: String) {
        logger.notice(
            "Execution failed due to configuration error",
            metadata: [
                "request_id": "\(request.requestId)", "rest_api_id": "\(restApiId)", "stage": "\(stageName)",
                "detail": "\(detail)",
            ])
    }

    /// A gateway response: API Gateway's default, or the API's customisation of its type (else of `DEFAULT_4XX` or
    /// `DEFAULT_5XX`, whose status, headers and templates apply to every response of their class that is not
    /// customised itself).
    func gatewayAnswer(_ response: GatewayResponse, message: String? = nil, compiled: CompiledStage?, request: IncomingRequest)
        -> GatewayAnswer
    {
        var answer = GatewayAnswer(response)
        if let message { answer.body = Array(GatewayResponse.body(of: response, message: message).utf8) }
        guard let customised = compiled?.stage.gatewayResponses, !customised.isEmpty else { return answer }
        guard let chosen = customised[response.responseType] ?? customised[response.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"] else { return answer }
        // A DEFAULT_4XX/5XX status applies to every response of its class that is not customised itself, as on AWS.
        if let status = chosen.statusCode.flatMap(Int.init) { answer.status = status }
        for (target, source) in (chosen.responseParameters ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let name = target.dropPrefix("gatewayresponse.header.") else { continue }
            let value: String?
            if source.count >= 2, source.hasPrefix("'"), source.hasSuffix("'") {
                value = String(source.dropFirst().dropLast())
            } else if let header = source.dropPrefix("method.request.header.") {
                value = request.header(header)
            } else if let parameter = source.dropPrefix("method.request.querystring.") {
                value = request.query.last { $0.name == parameter }?.value
            } else if let variable = source.dropPrefix("stageVariables.") {
                value = compiled?.stage.variables[variable]
            } else {
                value = nil
            }
            if let value {
                answer.headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
                answer.headers.append((name, value))
            }
        }
        let templates = chosen.responseTemplates ?? [:]
        if let (type, source) = templates["application/json"].map({ ("application/json", $0) })
            ?? templates.sorted(by: { $0.key < $1.key }).first.map({ ($0.key, $0.value) }),
            let stage = compiled?.stage
        {
            let message = message ?? GatewayResponse.message(of: response)
            var quoted = ""
            JSONWriter.quote(message, into: &quoted)
            let context = JSONValue.object([
                ("requestId", .string(request.requestId)), ("extendedRequestId", .string(request.extendedRequestId)),
                ("apiId", .string(stage.restApiId)), ("stage", .string(stage.stageName)), ("httpMethod", .string(request.httpMethod)),
                ("error", .object([
                    ("message", .string(message)), ("messageString", .string(quoted)), ("responseType", .string(response.responseType)),
                    ("validationErrorString", .string("")),
                ])),
            ])
            let input = MappingTemplateInput(
                body: request.body, pathParameters: [], queryString: request.query, headers: request.headers, context: context,
                stageVariables: stage.variables
            )
            if let rendered = try? templateCache.template(source).render(input) {
                answer.body = Array(rendered.body.utf8)
                answer.headers.removeAll { $0.name.equalsIgnoringASCIICase("Content-Type") }
                answer.headers.insert(("Content-Type", type), at: 0)
            }
        }
        return answer
    }

    /// The stage as deployed, read from the store.
    func deployedStage(restApiId: String, stageName: String) async throws -> DeployedStage? {
        guard let (stage, deployment) = try await store.deployedStage(stageName, of: restApiId) else { return nil }
        return DeployedStage(stage: stage, deployment: deployment)
    }

    private func serve(_ request: IncomingRequest, _ compiled: CompiledStage, note: inout AccessLogNote) async throws -> GatewayAnswer {
        guard case .matched(let route) = compiled.router.route(httpMethod: request.httpMethod, path: request.path) else {
            throw Refusal(.missingAuthenticationToken)
        }
        note.resourcePath = route.resourcePath
        let throttle = compiled.throttle(for: route)
        guard buckets.tryTake(key: throttle.bucket, rate: throttle.rate, burst: throttle.burst, now: .now) else { throw Refusal(.throttled) }
        let authorizer = try await authorize(request, route: route, compiled: compiled, note: &note)
        // API keys and usage plans are not built: no key can be valid, so a method that requires one refuses every call.
        if route.method.apiKeyRequired == true { throw Refusal(.forbidden) }
        let exchange = Exchange(request: request, compiled: compiled, route: route, authorizer: authorizer, accountId: accountId)
        return try await integrate(exchange, note: &note)
    }

    /// Hands the request to the method's integration and maps its answer back.
    func integrate(_ exchange: Exchange, note: inout AccessLogNote) async throws -> GatewayAnswer {
        guard let integration = exchange.route.method.methodIntegration else {
            throw Refusal(.apiConfigurationError, detail: "the method has no integration")
        }
        let integrationStarted = ContinuousClock.now
        defer { note.integrationLatency = Self.milliseconds(ContinuousClock.now - integrationStarted) }
        switch integration.type {
        case .mock?: return try mock(exchange, integration)
        case .awsProxy?: return try await lambdaProxy(exchange, integration, note: &note)
        case .aws?: return try await lambdaCustom(exchange, integration, note: &note)
        case .httpProxy?: return try await httpProxy(exchange, integration, note: &note)
        case .http?: return try await httpCustom(exchange, integration, note: &note)
        default: throw Refusal(.apiConfigurationError, detail: "integration type \(integration.type?.rawValue ?? "none") is not served")
        }
    }

    /// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/PATH`: what Lambda authorizers evaluate their policy
    /// against (with the request's own path) and what a function's policy sees as `aws:SourceArn` (with the
    /// resource's path, as defined).
    func executeAPIArn(_ stage: DeployedStage, verb: String, path: String) -> String {
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return "arn:aws:execute-api:\(region):\(accountId):\(stage.restApiId)/\(stage.stageName)/\(verb)/\(trimmed)"
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// An X-Ray style trace id: the request's time and 96 bits of its request id.
    static func traceId(_ request: IncomingRequest) -> String {
        let seconds = String(Int(request.time.timeIntervalSince1970), radix: 16)
        let random = String(decoding: request.requestId.utf8.lazy.filter { $0 != UInt8(ascii: "-") }.prefix(24), as: UTF8.self)
        return "Root=1-\(seconds)-\(random)"
    }
}

extension DeployedStage {
    init(stage: StageRecord, deployment: DeploymentRecord) {
        self.init(
            restApiId: stage.restApiId,
            stageName: stage.name,
            deploymentId: deployment.id,
            resources: deployment.snapshot.resources,
            authorizers: deployment.snapshot.authorizers,
            variables: stage.attributes.variables ?? [:],
            binaryMediaTypes: deployment.snapshot.binaryMediaTypes ?? [],
            gatewayResponses: deployment.snapshot.gatewayResponses ?? [:],
            accessLogSettings: stage.attributes.accessLogSettings,
            methodSettings: stage.attributes.methodSettings ?? [:]
        )
    }
}
