import Foundation
import MoatCore

extension APIGatewayDataPlane {
    /// What TestInvokeMethod reports: the method's answer, the execution log, and how long it took.
    struct TestInvocation: Sendable {
        let answer: GatewayAnswer
        let log: String
        let latency: Int
    }

    /// Runs one method of the API as it is now (not as deployed), without its authorizer or throttling: the console's
    /// "Test" button (TestInvokeMethod). Integrations are called for real.
    func testInvoke(
        definition: APIDefinition,
        restApiId: String,
        resource: APIGateway.Resource,
        method: APIGateway.Method,
        request: IncomingRequest,
        stageVariables: [String: String],
        binaryMediaTypes: [String]
    ) async -> TestInvocation {
        let started = ContinuousClock.now
        let stage = DeployedStage(
            restApiId: restApiId,
            stageName: "test-invoke-stage",
            deploymentId: "test-invoke-deployment-id",
            resources: definition.resources,
            authorizers: definition.authorizers,
            variables: stageVariables,
            binaryMediaTypes: binaryMediaTypes,
            gatewayResponses: definition.gatewayResponses ?? [:],
            accessLogSettings: nil,
            methodSettings: [:]
        )
        let compiled = CompiledStage(stage)
        let methodKey = method.httpMethod ?? request.httpMethod
        var route = MatchedRoute(
            resourceId: resource.id ?? "", resourcePath: resource.path ?? "/", methodKey: methodKey, method: method, pathParameters: [:]
        )
        if case .matched(let matched) = compiled.router.route(httpMethod: request.httpMethod, path: request.path),
            matched.resourceId == route.resourceId
        {
            route = matched
        }
        var log = TestInvocationLog(requestId: request.requestId, time: request.time)
        log.add("Starting execution for request: \(request.requestId)")
        log.add("HTTP Method: \(request.httpMethod), Resource Path: \(request.path.isEmpty ? "/" : request.path)")
        log.add("Method request path: \(Self.logMap(route.orderedPathParameters))")
        log.add("Method request query string: \(Self.logMap(request.query))")
        log.add("Method request headers: \(Self.logMap(request.headers))")
        log.add("Method request body before transformations: \(String(decoding: request.body, as: UTF8.self))")
        var note = AccessLogNote()
        let answer: GatewayAnswer
        do {
            let exchange = Exchange(request: request, compiled: compiled, route: route, authorizer: .none, accountId: accountId)
            log.add("Endpoint request URI: \(method.methodIntegration?.uri ?? "")")
            answer = try await integrate(exchange, note: &note)
            if let status = note.integrationStatus { log.add("Received response. Status: \(status), Integration latency: \(note.integrationLatency ?? 0) ms") }
        } catch let refusal as Refusal {
            log.add("Execution failed: \(refusal.response.responseType)")
            answer = gatewayAnswer(refusal.response, message: refusal.message, compiled: compiled, request: request)
        } catch {
            log.add("Execution failed due to an internal error")
            answer = GatewayAnswer(.apiConfigurationError)
        }
        log.add("Method response body after transformations: \(String(decoding: answer.body, as: UTF8.self))")
        log.add("Method response headers: \(Self.logMap(answer.headers))")
        log.add("Successfully completed execution")
        log.add("Method completed with status: \(answer.status)")
        return TestInvocation(answer: answer, log: log.text, latency: Self.milliseconds(ContinuousClock.now - started))
    }

    /// `{a=1, b=2}`, as the execution log writes maps.
    static func logMap(_ pairs: [(name: String, value: String)]) -> String {
        "{" + pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + "}"
    }
}

/// An execution log as API Gateway writes it: a title line, then one line per step, each after the time.
struct TestInvocationLog {
    private var lines: [String]
    private let stamp: String

    init(requestId: String, time: Date) {
        lines = ["Execution log for request \(requestId)"]
        stamp = ProxyEvent.claimDate(epochSeconds: Int64(time.timeIntervalSince1970))
    }

    mutating func add(_ line: String) { lines.append("\(stamp) : \(line)") }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
