import Foundation

/// A stage as the data plane serves it: the definition its deployment froze, and the stage's own variables and
/// method settings. Methods changed after the deployment are not here until the next one.
public struct DeployedStage: Sendable, Equatable {
    public let restApiId: String
    public let stageName: String
    public let deploymentId: String
    /// The resource tree, each resource with its path and its methods (authorization settings, integration and
    /// responses embedded).
    public let resources: [APIGateway.Resource]
    public let authorizers: [APIGateway.Authorizer]
    /// Stage variables (`${stageVariables.name}`).
    public let variables: [String: String]
    /// The API's binary media types as deployed.
    public let binaryMediaTypes: [String]
    /// The API's customised gateway responses as deployed, by response type.
    public let gatewayResponses: [String: APIGateway.GatewayResponse]
    /// Where the stage's access log goes, and in what format.
    public let accessLogSettings: APIGateway.AccessLogSettings?
    /// The stage's method settings by key: `*/*` for the stage's defaults, `{resource path}/{HTTP method}` with the
    /// resource path's slashes written `~1` (`~1hello/GET`) for one method, as UpdateStage names them.
    public let methodSettings: [String: APIGateway.MethodSetting]

    /// The settings a method runs with: its own, else the stage's `*/*` defaults, else API Gateway's.
    /// - Parameters:
    ///   - resourcePath: the resource's path, `/hello/{id}`.
    ///   - httpMethod: the method's HTTP method as defined (`GET`, `ANY`).
    public func settings(resourcePath: String, httpMethod: String) -> APIGateway.MethodSetting {
        methodSettings[MethodSettingsKey.key(resourcePath: resourcePath, httpMethod: httpMethod)]
            ?? methodSettings[MethodSettingsKey.stageDefaults]
            ?? MethodSettingsKey.defaults
    }
}

/// How a stage names its method settings, and the settings API Gateway starts from.
enum MethodSettingsKey {
    static let stageDefaults = "*/*"

    static func key(resourcePath: String, httpMethod: String) -> String {
        resourcePath.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") + "/" + httpMethod
    }

    /// API Gateway's account-level defaults: 10,000 requests per second with bursts of 5,000, no caching, logging
    /// or metrics.
    static let defaults = APIGateway.MethodSetting(
        metricsEnabled: false,
        loggingLevel: "OFF",
        dataTraceEnabled: false,
        throttlingBurstLimit: 5000,
        throttlingRateLimit: 10000,
        cachingEnabled: false,
        cacheTtlInSeconds: 300,
        cacheDataEncrypted: false,
        requireAuthorizationForCacheControl: true,
        unauthorizedCacheControlHeaderStrategy: .succeedWithResponseHeader
    )
}
