import Foundation
package import Logging
public import MoatCore
public import MoatStorage

/// API Gateway over one database: the REST control plane's binding, and the deployed stages the data plane serves.
public struct APIGatewayDomain: Sendable {
    let store: APIGatewayStore
    let service: APIGatewayService

    public static var migrations: [Migration] { APIGatewayStore.migrations }

    public init(database: Database) {
        let store = APIGatewayStore(database: database)
        self.store = store
        self.service = APIGatewayService(store: store)
    }

    public var binding: ServiceBinding {
        ServiceBinding(
            model: .apiGateway,
            handlers: service.operationHandlers(),
            authorizationTarget: { operation, input, context in Self.authorizationTarget(operation, input, context) },
            accessDenied: ErrorDescriptor(code: "AccessDeniedException", httpStatus: 403, isSenderFault: true),
            validationError: APIGateway.Errors.badRequest,
            internalError: APIGateway.Errors.serviceUnavailable
        )
    }

    /// The stage as its deployment froze the API, with the stage's variables and method settings; nil when the
    /// API or the stage does not exist.
    /// - Parameters:
    ///   - restApiId: the REST API's id.
    ///   - stageName: the stage's name.
    public func deployedStage(restApiId: String, stageName: String) async throws -> DeployedStage? {
        guard let (stage, deployment) = try await store.deployedStage(stageName, of: restApiId) else { return nil }
        return DeployedStage(stage: stage, deployment: deployment)
    }

    /// The data plane over this domain's stages.
    /// - Parameters:
    ///   - backends: the functions, user pools, upstream services and logs it calls.
    ///   - accountId: the account that owns the APIs.
    ///   - region: the region of `execute-api` ARNs.
    ///   - settings: limits and delays (API Gateway's by default).
    package func dataPlane(
        backends: GatewayBackends,
        accountId: String,
        region: String,
        settings: DataPlaneSettings = DataPlaneSettings(),
        logger: Logger = Logger(label: "moat.apigateway")
    ) -> APIGatewayDataPlane {
        let dataPlane = APIGatewayDataPlane(
            store: store, backends: backends, accountId: accountId, region: region, settings: settings, logger: logger)
        service.dataPlane.set(dataPlane)
        return dataPlane
    }

    /// Wipes every REST API (`--allow-reset`).
    public func reset() async throws {
        try await store.deleteAll()
    }

    /// API Gateway's control plane authorizes by HTTP verb on the request's path: `apigateway:GET` on
    /// `arn:aws:apigateway:REGION::/restapis/ID/resources/RID`, as AWS's service authorization reference lists it.
    static func authorizationTarget(_ operation: String, _ input: WireValue, _ context: OperationContext) -> AuthorizationTarget? {
        guard let descriptor = ServiceModel.apiGateway.operations[operation] else { return AuthorizationTarget(resource: "*") }
        var path = descriptor.requestURI
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        if case .object(let members) = input, let inputShape = descriptor.input.flatMap({ ServiceModel.apiGateway.schema[$0] }) {
            for member in inputShape.members where member.location == .uri {
                if case .string(let value)? = members[member.name] {
                    path = path.replacingOccurrences(of: "{\(member.wireName)}", with: value)
                }
            }
        }
        return AuthorizationTarget(resource: "arn:aws:apigateway:\(context.region)::\(path)", action: "apigateway:\(descriptor.httpMethod)")
    }
}
