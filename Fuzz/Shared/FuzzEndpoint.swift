// Shared by the protocol harnesses (each target directory links this file); see Fuzz/README.md.
import CoreMetrics
import Foundation
import Logging
import MoatCore
@testable import MoatWire

/// Allows every request, so that signed requests reach the operation.
struct FuzzAuthorizer: RequestAuthorizing {
    func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision { .allow }
}

/// The real ``AWSEndpoint`` with the harness identity, an allow-all authorizer and a fixed clock.
struct FuzzEndpoint: Sendable {
    let endpoint: AWSEndpoint
    let logger = Logger(label: "moat.fuzz") { _ in SwiftLogNoOpLogHandler() }

    static let accessDenied = ErrorDescriptor(code: "AccessDenied", httpStatus: 403, isSenderFault: true)
    static let validationError = ErrorDescriptor(code: "ValidationError", httpStatus: 400, isSenderFault: true)
    static let internalError = ErrorDescriptor(code: "InternalFailure", httpStatus: 500, isSenderFault: false)

    init(services: [ServiceBinding]) {
        endpoint = AWSEndpoint(
            configuration: AWSEndpointConfiguration(accountId: FuzzIdentity.accountId, region: FuzzIdentity.region),
            services: services,
            credentials: FuzzCredentials(),
            authorizer: FuzzAuthorizer(),
            metricsFactory: NOOPMetricsHandler.instance,
            clock: { FuzzIdentity.now }
        )
    }

    /// A binding that gives every implemented operation of `model` the handler `run(operation, input)`.
    static func binding(
        _ model: ServiceModel,
        run: @escaping @Sendable (_ operation: String, _ input: WireValue) throws -> WireValue
    ) -> ServiceBinding {
        var handlers: [String: OperationHandler] = [:]
        for operation in model.operations.values where operation.isImplemented {
            let name = operation.name
            handlers[name] = OperationHandler { input, _ in try run(name, input) }
        }
        return ServiceBinding(
            model: model,
            handlers: handlers,
            authorizationTarget: { _, _, _ in AuthorizationTarget(resource: "*") },
            accessDenied: accessDenied,
            validationError: validationError,
            internalError: internalError
        )
    }

    /// Answers one request through the whole pipeline: routing, SigV4, decoding, validation, authorization, the
    /// operation, encoding.
    func handle(_ request: FuzzRequest) -> WireResponse {
        let wire = WireRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
            sourceIp: "192.0.2.1"
        )
        let endpoint = endpoint
        let logger = logger
        return FuzzDriver.wait { await endpoint.handle(wire, logger: logger) }
    }

    /// What holds for every response, whatever the request: a real status that is not an internal failure, a request
    /// id, and a JSON body that parses when the response says it is JSON.
    static func check(_ response: WireResponse) {
        FuzzDriver.require((200..<600).contains(response.status), "status \(response.status)")
        FuzzDriver.require(response.status != internalError.httpStatus, "internal failure: \(FuzzDriver.text(response.body))")
        FuzzDriver.require(response.header("x-amzn-RequestId") != nil, "response without a request id")
        let contentType = response.header("Content-Type") ?? ""
        if contentType.contains("json"), !response.body.isEmpty {
            do {
                _ = try JSONParser.parse(response.body)
            } catch {
                FuzzDriver.require(false, "response body is not JSON (\(error.reason)): \(FuzzDriver.text(response.body))")
            }
        }
        if response.status >= 400, contentType.contains("json") {
            FuzzDriver.require(response.header("x-amzn-ErrorType") != nil, "JSON error without x-amzn-ErrorType")
        }
    }
}
