/// What an OpenAPI document defines of a REST API, before identifiers are given out: ImportRestApi creates an API
/// from it, PutRestApi merges it into one or overwrites one with it.
struct ImportedAPI: Sendable, Equatable {
    /// `info.title`.
    var name: String?
    /// `info.description`.
    var description: String?
    /// `info.version`.
    var version: String?
    /// `x-amazon-apigateway-binary-media-types`.
    var binaryMediaTypes: [String]?
    /// `x-amazon-apigateway-api-key-source`.
    var apiKeySource: APIGateway.ApiKeySourceType?
    /// `x-amazon-apigateway-policy`, as the JSON text the API keeps.
    var policy: String?
    /// `x-amazon-apigateway-minimum-compression-size`.
    var minimumCompressionSize: Int?
    /// `x-amazon-apigateway-endpoint-configuration`.
    var disableExecuteApiEndpoint: Bool?
    var vpcEndpointIds: [String]?
    /// The `endpointConfigurationTypes` import parameter.
    var endpointTypes: [APIGateway.EndpointType]?
    /// One entry per path of the document, in document order.
    var resources: [ImportedResource] = []
    /// One per security scheme with an `x-amazon-apigateway-authorizer`, named after the scheme, without an id.
    var authorizers: [APIGateway.Authorizer] = []
    /// What the document holds that the import skipped.
    var warnings: [String] = []
}

/// A path of the document and the methods defined on it.
struct ImportedResource: Sendable, Equatable {
    /// The path as the resource tree will have it (`/pets/{petId}`), the base path applied.
    let path: String
    /// The path's parts below the root, each to become a resource (intermediate ones included).
    let pathParts: [String]
    var methods: [ImportedMethod]
}

/// An operation of the document as a method: everything but the authorizer's id, which only exists once the
/// authorizers are placed.
struct ImportedMethod: Sendable, Equatable {
    /// `httpMethod`, authorization, parameters, responses and integration set; `authorizerId` nil.
    var method: APIGateway.Method
    /// The security scheme whose authorizer authorizes the method.
    var authorizerName: String?
}
