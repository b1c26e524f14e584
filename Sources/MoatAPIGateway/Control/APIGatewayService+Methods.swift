import MoatCore

extension APIGatewayService {
    static let httpMethods: Set<String> = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    static let authorizationTypes = ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]

    func putMethod(_ input: APIGateway.PutMethodRequest, context: OperationContext) async throws -> APIGateway.Method {
        try Self.checkHTTPMethod(input.httpMethod)
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            let index = try definition.resourceIndex(input.resourceId)
            if definition.resources[index].resourceMethods?[input.httpMethod] != nil {
                throw GatewayError.conflict("Method already exists for this resource")
            }
            var method = APIGateway.Method(
                httpMethod: input.httpMethod,
                authorizationType: input.authorizationType,
                authorizerId: input.authorizerId,
                apiKeyRequired: input.apiKeyRequired ?? false,
                requestValidatorId: input.requestValidatorId,
                operationName: input.operationName,
                requestParameters: input.requestParameters,
                requestModels: input.requestModels,
                authorizationScopes: input.authorizationScopes
            )
            try Self.checkAuthorization(&method, in: definition)
            definition.resources[index].resourceMethods.set(method, for: input.httpMethod)
            return method
        }
    }

    func getMethod(_ input: APIGateway.GetMethodRequest, context: OperationContext) async throws -> APIGateway.Method {
        try await existing(input.restApiId, context: context).definition.method(input.httpMethod, of: input.resourceId)
    }

    func updateMethod(_ input: APIGateway.UpdateMethodRequest, context: OperationContext) async throws -> APIGateway.Method {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            let unchanged = definition
            return try definition.modifyMethod(input.httpMethod, of: input.resourceId) { method in
                for patch in Patch.list(input.patchOperations) {
                    switch (patch.op, patch.segments.first ?? "", patch.segments.count) {
                    case ("replace", "authorizationType", 1): method.authorizationType = try patch.string()
                    case ("replace", "authorizerId", 1): method.authorizerId = try patch.string()
                    case ("replace", "apiKeyRequired", 1): method.apiKeyRequired = try patch.bool()
                    case ("replace", "operationName", 1): method.operationName = try patch.string()
                    case ("replace", "requestValidatorId", 1): method.requestValidatorId = try patch.optionalString()
                    case ("add", "authorizationScopes", 1):
                        let scope = try patch.string()
                        if !(method.authorizationScopes ?? []).contains(scope) {
                            method.authorizationScopes = (method.authorizationScopes ?? []) + [scope]
                        }
                    case ("remove", "authorizationScopes", 1):
                        let scope = try patch.string()
                        method.authorizationScopes = (method.authorizationScopes ?? []).filter { $0 != scope }
                    case ("add", "requestParameters", 2), ("replace", "requestParameters", 2):
                        method.requestParameters.set(try patch.bool(), for: patch.segments[1])
                    case ("remove", "requestParameters", 2):
                        method.requestParameters?[patch.segments[1]] = nil
                    case ("add", "requestModels", 2), ("replace", "requestModels", 2):
                        method.requestModels.set(try patch.string(), for: patch.segments[1])
                    case ("remove", "requestModels", 2):
                        method.requestModels?[patch.segments[1]] = nil
                    default:
                        throw patch.unsupported([
                            "/authorizationType", "/authorizerId", "/apiKeyRequired", "/operationName", "/requestValidatorId",
                            "/authorizationScopes", "/requestParameters/{name}", "/requestModels/{contentType}",
                        ])
                    }
                }
                try Self.checkAuthorization(&method, in: unchanged)
                return method
            }
        }
    }

    func deleteMethod(_ input: APIGateway.DeleteMethodRequest, context: OperationContext) async throws {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            let index = try definition.resourceIndex(input.resourceId)
            guard definition.resources[index].resourceMethods?.removeValue(forKey: input.httpMethod) != nil else {
                throw GatewayError.methodNotFound
            }
        }
    }

    // MARK: method responses

    func putMethodResponse(_ input: APIGateway.PutMethodResponseRequest, context: OperationContext) async throws
        -> APIGateway.MethodResponse
    {
        try Self.checkStatusCode(input.statusCode)
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyMethod(input.httpMethod, of: input.resourceId) { method in
                if method.methodResponses?[input.statusCode] != nil {
                    throw GatewayError.conflict("Response already exists for this resource")
                }
                let response = APIGateway.MethodResponse(
                    statusCode: input.statusCode,
                    responseParameters: input.responseParameters,
                    responseModels: input.responseModels
                )
                method.methodResponses.set(response, for: input.statusCode)
                return response
            }
        }
    }

    func getMethodResponse(_ input: APIGateway.GetMethodResponseRequest, context: OperationContext) async throws
        -> APIGateway.MethodResponse
    {
        let method = try await existing(input.restApiId, context: context).definition.method(input.httpMethod, of: input.resourceId)
        guard let response = method.methodResponses?[input.statusCode] else { throw GatewayError.responseNotFound }
        return response
    }

    func deleteMethodResponse(_ input: APIGateway.DeleteMethodResponseRequest, context: OperationContext) async throws {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            try definition.modifyMethod(input.httpMethod, of: input.resourceId) { method in
                guard method.methodResponses?.removeValue(forKey: input.statusCode) != nil else { throw GatewayError.responseNotFound }
                if method.methodResponses?.isEmpty ?? false { method.methodResponses = nil }
            }
        }
    }

    // MARK: rules

    static func checkHTTPMethod(_ httpMethod: String) throws {
        guard httpMethods.contains(httpMethod) else {
            throw GatewayError.badRequest("Invalid HttpMethod specified. Valid options are \(httpMethods.sorted().joined(separator: ","))")
        }
    }

    /// Response status codes are three digits, 100 to 599.
    static func checkStatusCode(_ statusCode: String) throws {
        guard statusCode.count == 3, let code = Int(statusCode), (100...599).contains(code) else {
            throw GatewayError.badRequest("Invalid response status code specified")
        }
    }

    /// The authorization type is one AWS knows; CUSTOM and COGNITO_USER_POOLS name an authorizer of the API of a
    /// matching type (TOKEN or REQUEST, COGNITO_USER_POOLS); NONE and AWS_IAM keep none.
    static func checkAuthorization(_ method: inout APIGateway.Method, in definition: APIDefinition) throws {
        let type = method.authorizationType ?? ""
        guard authorizationTypes.contains(type) else {
            throw GatewayError.badRequest(
                "Invalid authorization type specified: \(type). Valid values are \(authorizationTypes.joined(separator: ", "))"
            )
        }
        guard type == "CUSTOM" || type == "COGNITO_USER_POOLS" else {
            method.authorizerId = nil
            return
        }
        guard let authorizerId = method.authorizerId, let authorizer = definition.authorizers.first(where: { $0.id == authorizerId }) else {
            throw GatewayError.badRequest(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid "
                    + "authorizer."
            )
        }
        let authorizerType = authorizer.type ?? .token
        guard (type == "COGNITO_USER_POOLS") == (authorizerType == .cognitoUserPools) else {
            throw GatewayError.badRequest(
                "Authorizer \(authorizerId) is of type \(authorizerType.rawValue) and cannot be used with authorization type \(type)"
            )
        }
    }
}
