import Foundation

/// What a REST API defines and a deployment freezes: its resource tree, each resource's methods with their
/// integrations and responses (as the model's `Resource` shapes, methods embedded), and its authorizers.
struct APIDefinition: Codable, Sendable, Equatable {
    var resources: [APIGateway.Resource]
    var authorizers: [APIGateway.Authorizer]
    /// The API's binary media types when a deployment froze it (as on AWS, a change takes effect on the next
    /// deployment); nil in the live definition, where the API's attributes hold them.
    var binaryMediaTypes: [String]? = nil
    /// Customised gateway responses by response type (`UNAUTHORIZED`, `DEFAULT_4XX`…).
    var gatewayResponses: [String: APIGateway.GatewayResponse]? = nil

    /// Whether any resource has a method: an API without one cannot be deployed.
    var hasMethods: Bool {
        resources.contains { !($0.resourceMethods ?? [:]).isEmpty }
    }
}

/// A REST API as stored: its own attributes (the model's `RestApi`, `id` and `rootResourceId` set) and its definition.
struct RestApiRecord: Sendable, Equatable {
    let id: String
    var attributes: APIGateway.RestApi
    var definition: APIDefinition
}

/// A deployment as stored: what it reports, and the snapshot of the API's definition taken when it was made.
struct DeploymentRecord: Sendable, Equatable {
    let restApiId: String
    let id: String
    var description: String?
    var createdDate: Date
    var snapshot: APIDefinition
}

/// A stage as stored: the model's `Stage`, whose `deploymentId` is also kept in a column (it must name a deployment).
struct StageRecord: Sendable, Equatable {
    let restApiId: String
    let name: String
    var attributes: APIGateway.Stage

    var deploymentId: String { attributes.deploymentId ?? "" }
}
