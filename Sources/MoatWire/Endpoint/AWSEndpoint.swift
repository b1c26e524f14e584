public import Foundation
public import Logging
public import MoatCore
public import CoreMetrics

/// Limits and identity of the endpoint that serves the AWS APIs.
public struct AWSEndpointConfiguration: Sendable {
    public var accountId: String
    public var region: String
    /// Accepted difference between a request's signing time and the server's clock (AWS: 5 minutes).
    public var allowedClockSkew: TimeInterval
    /// The largest request body accepted (larger → 413).
    public var maximumBodySize: Int

    public init(accountId: String, region: String, allowedClockSkew: TimeInterval = 300, maximumBodySize: Int = 10 * 1024 * 1024) {
        self.accountId = accountId
        self.region = region
        self.allowedClockSkew = allowedClockSkew
        self.maximumBodySize = maximumBodySize
    }
}

/// Serves every AWS API of Moat on one port: routes a request to its service and operation, verifies its signature,
/// decodes and validates its input, authorizes it by IAM policy, runs it and renders the answer in the service's protocol.
public struct AWSEndpoint: Sendable {
    let configuration: AWSEndpointConfiguration
    let services: [RegisteredService]
    let credentials: any CredentialResolving
    let authorizer: any RequestAuthorizing
    let clock: @Sendable () -> Date
    let metrics: RequestMetrics
    let signingKeys = SigV4SigningKeyCache()

    /// - Parameters:
    ///   - services: the services to serve.
    ///   - credentials: looks up access keys for SigV4 verification.
    ///   - authorizer: evaluates IAM policies for every signed request.
    ///   - metricsFactory: where request counts and durations go.
    ///   - clock: the current time (injected so tests control it).
    public init(
        configuration: AWSEndpointConfiguration,
        services: [ServiceBinding],
        credentials: any CredentialResolving,
        authorizer: any RequestAuthorizing,
        metricsFactory: any MetricsFactory,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.services = services.map(RegisteredService.init)
        self.credentials = credentials
        self.authorizer = authorizer
        self.clock = clock
        self.metrics = RequestMetrics(factory: metricsFactory)
    }

    /// Answers one request. Never throws: every failure becomes the AWS error of the service's protocol.
    public func handle(_ request: WireRequest, logger: Logger) async -> WireResponse {
        let requestId = RequestId.make()
        var logger = logger
        logger[metadataKey: "request.id"] = "\(requestId)"
        let started = ContinuousClock.now

        let routing: Routing
        do {
            routing = try route(request)
        } catch let failure as RoutingFailure {
            return finish(failure.response(requestId: requestId), service: failure.serviceName, operation: "unknown", started: started, logger: logger)
        } catch {
            return WireResponse(status: 500)
        }
        logger[metadataKey: "aws.service"] = "\(routing.service.binding.model.name)"
        logger[metadataKey: "aws.operation"] = "\(routing.operation.name)"

        let response: WireResponse
        do {
            let output = try await run(routing, request: request, requestId: requestId, logger: logger)
            response = routing.service.codec.encodeOutput(output, operation: routing.operation, requestId: requestId)
        } catch let error as ServiceError {
            logger.debug("request refused", metadata: ["aws.error.code": "\(error.code)"])
            response = routing.service.codec.encodeError(error, requestId: requestId)
        } catch let error as DecodingError {
            let failure = ServiceError(routing.service.binding.validationError, Self.describe(error))
            response = routing.service.codec.encodeError(failure, requestId: requestId)
        } catch {
            logger.error("operation failed unexpectedly", metadata: ["error": "\(String(reflecting: error))"])
            let failure = ServiceError(routing.service.binding.internalError, "An internal error occurred. Retry the request.")
            response = routing.service.codec.encodeError(failure, requestId: requestId)
        }
        return finish(response, service: routing.service.binding.model.name, operation: routing.operation.name, started: started, logger: logger)
    }

    private func finish(_ response: WireResponse, service: String, operation: String, started: ContinuousClock.Instant, logger: Logger)
        -> WireResponse
    {
        let elapsed = ContinuousClock.now - started
        metrics.record(service: service, operation: operation, status: response.status, duration: elapsed)
        logger.debug("request answered", metadata: ["http.response.status_code": "\(response.status)"])
        return response
    }

    private func run(_ routing: Routing, request: WireRequest, requestId: String, logger: Logger) async throws -> WireValue {
        let service = routing.service
        let operation = routing.operation
        let now = clock()

        var principal: Principal?
        if operation.requiresAuthentication {
            principal = try await authenticate(request, service: service, parameters: routing.parameters, now: now)
        }
        guard operation.isImplemented, let handler = service.binding.handlers[operation.name] else {
            throw ServiceError(
                ErrorDescriptor(code: "NotImplemented", httpStatus: 501, isSenderFault: false),
                "The operation \(operation.name) of service \(service.binding.model.name) is not implemented by Moat."
            )
        }

        let input: WireValue
        do {
            input = try service.codec.decodeInput(request, operation: operation, queryParameters: routing.parameters, labels: routing.labels)
        } catch {
            let message = error.message.hasPrefix("Value") ? "1 validation error detected: \(error.message)" : error.message
            throw ServiceError(service.binding.validationError, message)
        }
        if let inputShape = operation.input,
            let message = ShapeValidator.message(for: service.validator.violations(of: input, shape: inputShape))
        {
            throw ServiceError(service.binding.validationError, message)
        }

        let context = OperationContext(
            requestId: requestId,
            principal: principal,
            accountId: configuration.accountId,
            region: configuration.region,
            sourceIp: request.sourceIp,
            now: now,
            logger: logger
        )
        if let principal {
            try await authorize(principal, operation: operation, service: service, input: input, request: request, context: context)
        }
        return try await handler.run(input, context)
    }

    private func authorize(
        _ principal: Principal,
        operation: OperationDescriptor,
        service: RegisteredService,
        input: WireValue,
        request: WireRequest,
        context: OperationContext
    ) async throws {
        guard let target = try await service.binding.authorizationTarget(operation.name, input, context) else { return }
        let action = target.action ?? "\(service.binding.model.actionPrefix):\(operation.name)"
        let resource = target.resource
        var keys: [String: [String]] = [
            "aws:SourceIp": [request.sourceIp],
            "aws:CurrentTime": [Timestamp.iso8601(context.now)],
            "aws:EpochTime": [String(Int64(context.now.timeIntervalSince1970))],
            "aws:SecureTransport": ["false"],
            "aws:RequestedRegion": [configuration.region],
        ]
        if let agent = request.header("User-Agent") { keys["aws:UserAgent"] = [agent] }
        keys.merge(target.context) { _, operation in operation }
        var decision = try await authorizer.authorize(
            AuthorizationRequest(
                principal: principal,
                action: action,
                resource: resource,
                context: keys,
                resourcePolicy: target.resourcePolicy,
                now: context.now
            )
        )
        if target.isAllowedUnlessDenied, case .implicitDeny = decision { decision = .allow }
        switch decision {
        case .allow:
            return
        case .explicitDeny(let policyType):
            throw ServiceError(
                service.binding.accessDenied,
                "User: \(principal.arn) is not authorized to perform: \(action) on resource: \(resource) "
                    + "with an explicit deny in \(Self.article(for: policyType)) \(policyType)"
            )
        case .implicitDeny(let reason):
            throw ServiceError(
                service.binding.accessDenied,
                "User: \(principal.arn) is not authorized to perform: \(action) on resource: \(resource) because \(reason)"
            )
        }
    }

    /// "an identity-based policy", "a permissions boundary", as AWS's messages read.
    static func article(for noun: String) -> String {
        guard let first = noun.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { String($0 + 1) } ?? ShapeValidator.lowerFirst($0.stringValue) }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "1 validation error detected: Value at '\(path(context.codingPath))' failed to satisfy constraint: \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            let full = path(context.codingPath + [key])
            return "1 validation error detected: Value null at '\(full)' failed to satisfy constraint: Member must not be null"
        @unknown default:
            return "1 validation error detected"
        }
    }
}

/// A service with what the endpoint derives from its model once (a class: routing passes it around on every request).
final class RegisteredService: Sendable {
    let binding: ServiceBinding
    let codec: ServiceCodec
    let validator: ShapeValidator
    /// restJson1 operations with their parsed URI templates, most specific first.
    let routes: [(template: URITemplate, operation: OperationDescriptor)]
    /// The restJson1 operations with a body limit of their own (``ServiceBinding/maximumBodySizes``), checked before
    /// any request's body is read.
    let bodyLimitedRoutes: [(method: String, template: URITemplate, limit: Int)]

    init(_ binding: ServiceBinding) {
        self.binding = binding
        self.codec = ServiceCodec(model: binding.model)
        self.validator = ShapeValidator(schema: binding.model.schema)
        if binding.model.wireProtocol == .restJSON {
            self.routes = binding.model.operations.values
                .map { (URITemplate($0.requestURI), $0) }
                .sorted { $0.0.specificity > $1.0.specificity }
        } else {
            self.routes = []
        }
        self.bodyLimitedRoutes = routes.compactMap { template, operation in
            binding.maximumBodySizes[operation.name].map { (operation.httpMethod, template, $0) }
        }
    }
}
