import MoatCore

/// The errors API Gateway's control plane answers with, in AWS's words.
enum GatewayError {
    static func badRequest(_ message: String) -> ServiceError { ServiceError(APIGateway.Errors.badRequest, message) }
    static func notFound(_ message: String) -> ServiceError { ServiceError(APIGateway.Errors.notFound, message) }
    static func conflict(_ message: String) -> ServiceError { ServiceError(APIGateway.Errors.conflict, message) }

    /// AWS names the account and the identifier it did not find.
    static func restApiNotFound(_ id: String, accountId: String) -> ServiceError {
        notFound("Invalid API identifier specified \(accountId):\(id)")
    }

    static let resourceNotFound = notFound("Invalid Resource identifier specified")
    static let methodNotFound = notFound("Invalid Method identifier specified")
    static let integrationNotFound = notFound("Invalid Integration identifier specified")
    static let noIntegration = notFound("No integration defined for method")
    static let responseNotFound = notFound("Invalid Response status code specified")
    static let authorizerNotFound = notFound("Invalid Authorizer identifier specified")
    static let deploymentNotFound = notFound("Invalid Deployment identifier specified")
    static let stageNotFound = notFound("Invalid stage identifier specified")
}
