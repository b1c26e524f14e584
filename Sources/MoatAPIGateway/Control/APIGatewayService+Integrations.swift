import MoatCore

extension APIGatewayService {
    static let passthroughBehaviors = ["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]
    static let defaultTimeout = 29_000
    static let timeouts = 50...29_000

    func putIntegration(_ input: APIGateway.PutIntegrationRequest, context: OperationContext) async throws -> APIGateway.Integration {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyMethod(input.httpMethod, of: input.resourceId) { method in
                let integration = APIGateway.Integration(
                    type: input.type,
                    httpMethod: input.integrationHttpMethod,
                    uri: input.uri,
                    connectionType: input.connectionType ?? .internet,
                    connectionId: input.connectionId,
                    credentials: input.credentials,
                    requestParameters: input.requestParameters,
                    requestTemplates: input.requestTemplates,
                    passthroughBehavior: input.passthroughBehavior ?? "WHEN_NO_MATCH",
                    contentHandling: input.contentHandling,
                    timeoutInMillis: input.timeoutInMillis ?? Self.defaultTimeout,
                    cacheNamespace: input.cacheNamespace ?? input.resourceId,
                    cacheKeyParameters: input.cacheKeyParameters ?? [],
                    tlsConfig: input.tlsConfig
                )
                try Self.checkIntegration(integration)
                method.methodIntegration = integration
                return integration
            }
        }
    }

    func getIntegration(_ input: APIGateway.GetIntegrationRequest, context: OperationContext) async throws -> APIGateway.Integration {
        let method = try await existing(input.restApiId, context: context).definition.method(input.httpMethod, of: input.resourceId)
        guard let integration = method.methodIntegration else { throw GatewayError.integrationNotFound }
        return integration
    }

    func updateIntegration(_ input: APIGateway.UpdateIntegrationRequest, context: OperationContext) async throws -> APIGateway.Integration {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyIntegration(input.httpMethod, of: input.resourceId) { integration in
                for patch in Patch.list(input.patchOperations) {
                    switch (patch.op, patch.segments.first ?? "", patch.segments.count) {
                    case ("replace", "uri", 1): integration.uri = try patch.string()
                    case ("replace", "httpMethod", 1): integration.httpMethod = try patch.string()
                    case ("replace", "type", 1): integration.type = APIGateway.IntegrationType(rawValue: try patch.string())
                    case ("replace", "timeoutInMillis", 1): integration.timeoutInMillis = try patch.integer()
                    case ("replace", "passthroughBehavior", 1): integration.passthroughBehavior = try patch.string()
                    case ("replace", "contentHandling", 1):
                        integration.contentHandling = try patch.optionalString().map(APIGateway.ContentHandlingStrategy.init(rawValue:))
                    case ("replace", "credentials", 1): integration.credentials = try patch.optionalString()
                    case ("replace", "connectionType", 1):
                        integration.connectionType = APIGateway.ConnectionType(rawValue: try patch.string())
                    case ("replace", "connectionId", 1): integration.connectionId = try patch.optionalString()
                    case ("replace", "cacheNamespace", 1): integration.cacheNamespace = try patch.string()
                    case ("add", "requestTemplates", 2), ("replace", "requestTemplates", 2):
                        integration.requestTemplates.set(try patch.string(), for: patch.segments[1])
                    case ("remove", "requestTemplates", 2):
                        integration.requestTemplates?[patch.segments[1]] = nil
                    case ("add", "requestParameters", 2), ("replace", "requestParameters", 2):
                        integration.requestParameters.set(try patch.string(), for: patch.segments[1])
                    case ("remove", "requestParameters", 2):
                        integration.requestParameters?[patch.segments[1]] = nil
                    case ("add", "cacheKeyParameters", 2):
                        integration.cacheKeyParameters =
                            (integration.cacheKeyParameters ?? []).filter { $0 != patch.segments[1] } + [patch.segments[1]]
                    case ("remove", "cacheKeyParameters", 2):
                        integration.cacheKeyParameters = (integration.cacheKeyParameters ?? []).filter { $0 != patch.segments[1] }
                    default:
                        throw patch.unsupported([
                            "/uri", "/httpMethod", "/type", "/timeoutInMillis", "/passthroughBehavior", "/contentHandling", "/credentials",
                            "/connectionType", "/connectionId", "/cacheNamespace", "/requestTemplates/{contentType}",
                            "/requestParameters/{name}", "/cacheKeyParameters/{name}",
                        ])
                    }
                }
                try Self.checkIntegration(integration)
                return integration
            }
        }
    }

    func deleteIntegration(_ input: APIGateway.DeleteIntegrationRequest, context: OperationContext) async throws {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyMethod(input.httpMethod, of: input.resourceId) { method in
                guard method.methodIntegration != nil else { throw GatewayError.integrationNotFound }
                method.methodIntegration = nil
            }
        }
    }

    // MARK: integration responses

    func putIntegrationResponse(
        _ input: APIGateway.PutIntegrationResponseRequest,
        context: OperationContext
    ) async throws -> APIGateway.IntegrationResponse {
        try Self.checkStatusCode(input.statusCode)
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyIntegration(input.httpMethod, of: input.resourceId, missing: GatewayError.noIntegration) { integration in
                let response = APIGateway.IntegrationResponse(
                    statusCode: input.statusCode,
                    selectionPattern: input.selectionPattern,
                    responseParameters: input.responseParameters,
                    responseTemplates: input.responseTemplates,
                    contentHandling: input.contentHandling
                )
                integration.integrationResponses.set(response, for: input.statusCode)
                return response
            }
        }
    }

    func getIntegrationResponse(
        _ input: APIGateway.GetIntegrationResponseRequest,
        context: OperationContext
    ) async throws -> APIGateway.IntegrationResponse {
        let method = try await existing(input.restApiId, context: context).definition.method(input.httpMethod, of: input.resourceId)
        guard let integration = method.methodIntegration else { throw GatewayError.noIntegration }
        guard let response = integration.integrationResponses?[input.statusCode] else { throw GatewayError.responseNotFound }
        return response
    }

    func deleteIntegrationResponse(_ input: APIGateway.DeleteIntegrationResponseRequest, context: OperationContext) async throws {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyIntegration(input.httpMethod, of: input.resourceId, missing: GatewayError.noIntegration) { integration in
                guard integration.integrationResponses?.removeValue(forKey: input.statusCode) != nil else {
                    throw GatewayError.responseNotFound
                }
                if integration.integrationResponses?.isEmpty ?? false { integration.integrationResponses = nil }
            }
        }
    }

    // MARK: rules

    /// What AWS checks of an integration: every type but MOCK calls out, with an HTTP method and a URI of its kind
    /// (an `http(s)://` endpoint; an `arn:aws:apigateway:` service ARN, a Lambda function's for AWS_PROXY); a timeout
    /// of 50 ms to 29 s; a known passthrough behavior.
    static func checkIntegration(_ integration: APIGateway.Integration) throws {
        let type = integration.type ?? .mock
        guard [.http, .httpProxy, .aws, .awsProxy, .mock].contains(type) else {
            throw GatewayError.badRequest(
                "Invalid integration type specified: \(type.rawValue). Valid values are HTTP, HTTP_PROXY, AWS, AWS_PROXY, MOCK"
            )
        }
        if let handling = integration.contentHandling, handling != .convertToBinary, handling != .convertToText {
            throw GatewayError.badRequest(
                "Invalid content handling specified: \(handling.rawValue). Valid values are CONVERT_TO_BINARY, CONVERT_TO_TEXT"
            )
        }
        if let connection = integration.connectionType, connection != .internet, connection != .vpcLink {
            throw GatewayError.badRequest("Invalid connection type specified: \(connection.rawValue). Valid values are INTERNET, VPC_LINK")
        }
        if type != .mock {
            guard let httpMethod = integration.httpMethod, !httpMethod.isEmpty else {
                throw GatewayError.badRequest("Enumeration value for HttpMethod must be non-empty")
            }
            try checkHTTPMethod(httpMethod)
            let uri = integration.uri ?? ""
            switch type {
            case .http, .httpProxy:
                guard uri.hasPrefix("http://") || uri.hasPrefix("https://") else {
                    throw GatewayError.badRequest("Invalid HTTP endpoint specified for URI")
                }
            default:
                guard uri.hasPrefix("arn:aws:apigateway:") else { throw GatewayError.badRequest("Invalid ARN specified in the request") }
                guard uri.contains(":path/") || uri.contains(":action/") else {
                    throw GatewayError.badRequest("AWS ARN for integration must contain path or action")
                }
                if type == .awsProxy, !uri.contains(":lambda:path/") && !uri.contains(":firehose:") {
                    throw GatewayError.badRequest(
                        "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."
                    )
                }
            }
        }
        if let timeout = integration.timeoutInMillis, !timeouts.contains(timeout) {
            throw GatewayError.badRequest("Timeout should be between \(timeouts.lowerBound) ms and \(timeouts.upperBound) ms")
        }
        if let behavior = integration.passthroughBehavior, !passthroughBehaviors.contains(behavior) {
            throw GatewayError.badRequest(
                "Invalid passthrough behavior specified: \(behavior). Valid values are \(passthroughBehaviors.joined(separator: ", "))"
            )
        }
    }
}
