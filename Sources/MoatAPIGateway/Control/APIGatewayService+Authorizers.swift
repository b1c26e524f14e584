import Foundation
import MoatCore

extension APIGatewayService {
    static let defaultAuthorizerTTL = 300
    static let authorizerTTLs = 0...3600

    func createAuthorizer(_ input: APIGateway.CreateAuthorizerRequest, context: OperationContext) async throws -> APIGateway.Authorizer {
        var authorizer = APIGateway.Authorizer(
            id: Self.newIdentifier(),
            name: input.name,
            type: input.type,
            providerARNs: input.providerARNs,
            authType: input.authType,
            authorizerUri: input.authorizerUri,
            authorizerCredentials: input.authorizerCredentials,
            identitySource: input.identitySource,
            identityValidationExpression: input.identityValidationExpression,
            authorizerResultTtlInSeconds: input.authorizerResultTtlInSeconds ?? Self.defaultAuthorizerTTL
        )
        try Self.checkAuthorizer(&authorizer)
        let created = authorizer
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            definition.authorizers.append(created)
            return created
        }
    }

    func getAuthorizer(_ input: APIGateway.GetAuthorizerRequest, context: OperationContext) async throws -> APIGateway.Authorizer {
        let definition = try await existing(input.restApiId, context: context).definition
        return definition.authorizers[try definition.authorizerIndex(input.authorizerId)]
    }

    func getAuthorizers(_ input: APIGateway.GetAuthorizersRequest, context: OperationContext) async throws -> APIGateway.Authorizers {
        let limit = try Self.pageSize(input.limit)
        let definition = try await existing(input.restApiId, context: context).definition
        let page = Self.page(definition.authorizers, after: input.position, limit: limit) { $0.id ?? "" }
        return APIGateway.Authorizers(position: page.position, items: page.items)
    }

    func updateAuthorizer(_ input: APIGateway.UpdateAuthorizerRequest, context: OperationContext) async throws -> APIGateway.Authorizer {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            let index = try definition.authorizerIndex(input.authorizerId)
            var authorizer = definition.authorizers[index]
            for patch in Patch.list(input.patchOperations) {
                switch (patch.op, patch.segments.first ?? "", patch.segments.count) {
                case ("replace", "name", 1): authorizer.name = try patch.string()
                case ("replace", "type", 1): authorizer.type = APIGateway.AuthorizerType(rawValue: try patch.string())
                case ("replace", "authorizerUri", 1): authorizer.authorizerUri = try patch.optionalString()
                case ("replace", "authorizerCredentials", 1): authorizer.authorizerCredentials = try patch.optionalString()
                case ("replace", "identitySource", 1): authorizer.identitySource = try patch.optionalString()
                case ("replace", "identityValidationExpression", 1): authorizer.identityValidationExpression = try patch.optionalString()
                case ("replace", "authorizerResultTtlInSeconds", 1): authorizer.authorizerResultTtlInSeconds = try patch.integer()
                case ("replace", "authType", 1): authorizer.authType = try patch.optionalString()
                case ("add", "providerARNs", 1):
                    let arn = try patch.string()
                    authorizer.providerARNs = (authorizer.providerARNs ?? []).filter { $0 != arn } + [arn]
                case ("remove", "providerARNs", 1):
                    let arn = try patch.string()
                    authorizer.providerARNs = (authorizer.providerARNs ?? []).filter { $0 != arn }
                case ("replace", "providerARNs", 1):
                    // The CLI's form for a whole list: comma-separated ARNs.
                    authorizer.providerARNs = try patch.string().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                default:
                    throw patch.unsupported([
                        "/name", "/type", "/authorizerUri", "/authorizerCredentials", "/identitySource", "/identityValidationExpression",
                        "/authorizerResultTtlInSeconds", "/authType", "/providerARNs",
                    ])
                }
            }
            try Self.checkAuthorizer(&authorizer)
            if authorizer.type != definition.authorizers[index].type, let user = Self.firstMethod(using: input.authorizerId, in: definition)
            {
                throw GatewayError.conflict(
                    "Cannot change the type of authorizer \(input.authorizerId), it is referenced in method: \(user)"
                )
            }
            definition.authorizers[index] = authorizer
            return authorizer
        }
    }

    func deleteAuthorizer(_ input: APIGateway.DeleteAuthorizerRequest, context: OperationContext) async throws {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            let index = try definition.authorizerIndex(input.authorizerId)
            if let user = Self.firstMethod(using: input.authorizerId, in: definition) {
                throw GatewayError.conflict(
                    "Cannot delete authorizer '\(definition.authorizers[index].name ?? "")', is referenced in method: \(user)"
                )
            }
            definition.authorizers.remove(at: index)
        }
    }

    // MARK: rules

    /// `GET:/hello`: the first method whose authorization names the authorizer.
    static func firstMethod(using authorizerId: String, in definition: APIDefinition) -> String? {
        definition.methods.first { $0.method.authorizerId == authorizerId }.map {
            "\($0.method.httpMethod ?? ""):\($0.resource.path ?? "")"
        }
    }

    /// COGNITO_USER_POOLS authorizers name user pools; TOKEN and REQUEST ones a Lambda function to call; TOKEN and
    /// COGNITO_USER_POOLS ones read the identity from a header; the result TTL is 0 to 3600 seconds.
    static func checkAuthorizer(_ authorizer: inout APIGateway.Authorizer) throws {
        switch authorizer.type {
        case .cognitoUserPools?:
            guard let arns = authorizer.providerARNs, !arns.isEmpty else {
                throw GatewayError.badRequest("ProviderARNs need to be specified for COGNITO_USER_POOLS authorizers")
            }
            for arn in arns where !arn.hasPrefix("arn:aws:cognito-idp:") || !arn.contains(":userpool/") {
                throw GatewayError.badRequest("Invalid ARN specified in the request: \(arn) is not a Cognito user pool ARN")
            }
            authorizer.authorizerUri = nil
        case .token?, .request?:
            guard let uri = authorizer.authorizerUri, !uri.isEmpty else {
                throw GatewayError.badRequest("Authorizer URI must be specified for TOKEN and REQUEST authorizers")
            }
            guard uri.hasPrefix("arn:aws:apigateway:"), uri.contains(":lambda:path/") else {
                throw GatewayError.badRequest("Invalid Authorizer URI specified: \(uri) is not the invocation URI of a Lambda function")
            }
            authorizer.providerARNs = nil
        default:
            throw GatewayError.badRequest(
                "Invalid authorizer type specified: \(authorizer.type?.rawValue ?? ""). Valid values are TOKEN, REQUEST, COGNITO_USER_POOLS"
            )
        }
        if authorizer.type != .request, authorizer.identitySource?.isEmpty ?? true {
            throw GatewayError.badRequest("Identity source must be specified for \(authorizer.type?.rawValue ?? "") authorizers")
        }
        if let ttl = authorizer.authorizerResultTtlInSeconds, !authorizerTTLs.contains(ttl) {
            throw GatewayError.badRequest(
                "Invalid authorizer result TTL specified: \(ttl). It must be between \(authorizerTTLs.lowerBound) and "
                    + "\(authorizerTTLs.upperBound) seconds"
            )
        }
    }
}
