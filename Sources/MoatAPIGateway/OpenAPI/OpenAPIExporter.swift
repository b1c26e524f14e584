import Foundation
import MoatCore

/// Writes a deployed REST API as GetExport does: an OpenAPI 3.0.1 (`oas30`) or Swagger 2.0 (`swagger`) document of
/// the deployment's snapshot, served from the stage's URL, which ``OpenAPIImporter`` reads back into the same API.
struct OpenAPIExporter {
    /// Which of API Gateway's extensions the document carries (the `extensions` export parameter).
    struct Extensions: Sendable, Equatable {
        /// `x-amazon-apigateway-integration` on every method that has one.
        var integrations = false
        /// `x-amazon-apigateway-authorizer` on every authorizer's security scheme.
        var authorizers = false
        /// The API's own extensions (binary media types, policy, API key source, endpoint configuration, minimum
        /// compression size): written unless only Postman's extensions are asked for.
        var api = true

        /// `integrations`, `authorizers`, `apigateway` (both), `postman` (none of API Gateway's), comma-separated.
        init(_ parameter: String?) {
            let names = Set((parameter ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            integrations = names.contains("integrations") || names.contains("apigateway")
            authorizers = names.contains("authorizers") || names.contains("apigateway")
            api = names != ["postman"]
        }
    }

    let api: APIGateway.RestApi
    let definition: APIDefinition
    let stageName: String
    let region: String
    /// When the deployment was made: the document's version when the API has none.
    let deployedAt: Date
    let dialect: OpenAPIImporter.Dialect
    let extensions: Extensions

    /// The document: `info`, the stage's server, one path per resource that has methods (or is a leaf), the
    /// security schemes its methods use and its authorizers define.
    func document() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        let host = "\(api.id ?? "").execute-api.\(region).amazonaws.com"
        switch dialect {
        case .openAPI3:
            members.append(("openapi", .string("3.0.1")))
            members.append(("info", info))
            var server: [(key: String, value: JSONValue)] = [
                ("url", .string("https://\(host)/{basePath}")),
                ("variables", .object([("basePath", .object([("default", .string("/\(stageName)"))]))])),
            ]
            if extensions.api, let configuration = endpointConfiguration {
                server.append(("x-amazon-apigateway-endpoint-configuration", configuration))
            }
            members.append(("servers", .array([.object(server)])))
        case .swagger2:
            members.append(("swagger", .string("2.0")))
            members.append(("info", info))
            members.append(("host", .string(host)))
            members.append(("basePath", .string("/\(stageName)")))
            members.append(("schemes", .array([.string("https")])))
        }
        let schemes = securitySchemes
        members.append(("paths", paths(schemes: schemes)))
        let definitions = securityDefinitions(schemes)
        if !definitions.isEmpty {
            switch dialect {
            case .openAPI3: members.append(("components", .object([("securitySchemes", .object(definitions))])))
            case .swagger2: members.append(("securityDefinitions", .object(definitions)))
            }
        }
        if extensions.api { members += apiExtensions }
        return .object(members)
    }

    private var info: JSONValue {
        var info: [(key: String, value: JSONValue)] = [("title", .string(api.name ?? ""))]
        if let description = api.description { info.append(("description", .string(description))) }
        let version = api.version ?? CivilDate.iso8601(epochSeconds: Int64(deployedAt.timeIntervalSince1970.rounded(.down)))
        info.append(("version", .string(version)))
        return .object(info)
    }

    // MARK: API extensions

    private var endpointConfiguration: JSONValue? {
        var members: [(key: String, value: JSONValue)] = []
        if api.disableExecuteApiEndpoint ?? false { members.append(("disableExecuteApiEndpoint", .bool(true))) }
        if let ids = api.endpointConfiguration?.vpcEndpointIds, !ids.isEmpty {
            members.append(("vpcEndpointIds", .array(ids.map(JSONValue.string))))
        }
        return members.isEmpty ? nil : .object(members)
    }

    private var apiExtensions: [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = []
        if let types = api.binaryMediaTypes, !types.isEmpty {
            members.append(("x-amazon-apigateway-binary-media-types", .array(types.map(JSONValue.string))))
        }
        if let source = api.apiKeySource, source != .header {
            members.append(("x-amazon-apigateway-api-key-source", .string(source.rawValue)))
        }
        if let policy = api.policy, !policy.isEmpty {
            members.append(("x-amazon-apigateway-policy", (try? JSONParser.parse(Array(policy.utf8))) ?? .string(policy)))
        }
        if let size = api.minimumCompressionSize {
            members.append(("x-amazon-apigateway-minimum-compression-size", .number(String(size))))
        }
        if dialect == .swagger2, let configuration = endpointConfiguration {
            members.append(("x-amazon-apigateway-endpoint-configuration", configuration))
        }
        return members
    }

    // MARK: security

    /// The name of each authorizer's security scheme (its own name, made unique), and the names of the schemes
    /// for API keys and for AWS_IAM.
    private struct SchemeNames {
        var authorizers: [String: String] = [:]
        var apiKey = "api_key"
        var iam = "sigv4"
    }

    private var securitySchemes: SchemeNames {
        var names = SchemeNames()
        var taken: Set<String> = []
        for authorizer in definition.authorizers {
            var name = authorizer.name ?? authorizer.id ?? "authorizer"
            var suffix = 2
            while taken.contains(name) {
                name = "\(authorizer.name ?? "authorizer")_\(suffix)"
                suffix += 1
            }
            taken.insert(name)
            names.authorizers[authorizer.id ?? ""] = name
        }
        while taken.contains(names.apiKey) { names.apiKey += "_" }
        while taken.contains(names.iam) { names.iam += "_" }
        return names
    }

    private func securityDefinitions(_ names: SchemeNames) -> [(key: String, value: JSONValue)] {
        var definitions: [(key: String, value: JSONValue)] = []
        let methods = definition.methods.map(\.method)
        if methods.contains(where: { $0.apiKeyRequired ?? false }) {
            definitions.append((names.apiKey, Self.headerScheme("x-api-key", extra: [])))
        }
        if methods.contains(where: { $0.authorizationType == "AWS_IAM" }) {
            definitions.append(
                (names.iam, Self.headerScheme("Authorization", extra: [("x-amazon-apigateway-authtype", .string("awsSigv4"))])))
        }
        for authorizer in definition.authorizers {
            let type = authorizer.type ?? .token
            var header = "Unused"
            var writesIdentitySource = true
            if type != .request, let source = authorizer.identitySource, source.hasPrefix("method.request.header."), !source.contains(",") {
                header = String(source.dropFirst("method.request.header.".count))
                writesIdentitySource = false
            }
            var extra: [(key: String, value: JSONValue)] = [
                (
                    "x-amazon-apigateway-authtype",
                    .string(authorizer.authType ?? (type == .cognitoUserPools ? "cognito_user_pools" : "custom"))
                )
            ]
            if extensions.authorizers {
                var object: [(key: String, value: JSONValue)] = [("type", .string(type.rawValue.lowercased()))]
                if let uri = authorizer.authorizerUri { object.append(("authorizerUri", .string(uri))) }
                if let credentials = authorizer.authorizerCredentials { object.append(("authorizerCredentials", .string(credentials))) }
                if writesIdentitySource, let source = authorizer.identitySource { object.append(("identitySource", .string(source))) }
                if let expression = authorizer.identityValidationExpression {
                    object.append(("identityValidationExpression", .string(expression)))
                }
                if let arns = authorizer.providerARNs, !arns.isEmpty { object.append(("providerARNs", .array(arns.map(JSONValue.string)))) }
                if let ttl = authorizer.authorizerResultTtlInSeconds {
                    object.append(("authorizerResultTtlInSeconds", .number(String(ttl))))
                }
                extra.append(("x-amazon-apigateway-authorizer", .object(object)))
            }
            definitions.append((names.authorizers[authorizer.id ?? ""] ?? "", Self.headerScheme(header, extra: extra)))
        }
        return definitions
    }

    private static func headerScheme(_ header: String, extra: [(key: String, value: JSONValue)]) -> JSONValue {
        .object([("type", .string("apiKey")), ("name", .string(header)), ("in", .string("header"))] + extra)
    }

    // MARK: paths

    private func paths(schemes: SchemeNames) -> JSONValue {
        var paths: [(key: String, value: JSONValue)] = []
        let parents = Set(definition.resources.compactMap(\.parentId))
        for resource in definition.resources.sorted(by: { ($0.path ?? "") < ($1.path ?? "") }) {
            let methods = (resource.resourceMethods ?? [:]).sorted { $0.key < $1.key }
            // A resource without methods is implied by the paths under it; a leaf one is written empty.
            guard !methods.isEmpty || (resource.parentId != nil && !parents.contains(resource.id ?? "")) else { continue }
            var item: [(key: String, value: JSONValue)] = []
            for (httpMethod, method) in methods {
                let key = httpMethod == "ANY" ? "x-amazon-apigateway-any-method" : httpMethod.lowercased()
                item.append((key, operation(method, of: resource, schemes: schemes)))
            }
            paths.append((resource.path ?? "/", .object(item)))
        }
        return .object(paths)
    }

    private func operation(_ method: APIGateway.Method, of resource: APIGateway.Resource, schemes: SchemeNames) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let name = method.operationName { members.append(("operationId", .string(name))) }
        let parameters = (method.requestParameters ?? [:]).sorted { $0.key < $1.key }.compactMap { name, required in
            parameter(name, required: required)
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        var responses: [(key: String, value: JSONValue)] = []
        for (status, response) in (method.methodResponses ?? [:]).sorted(by: { $0.key < $1.key }) {
            var object: [(key: String, value: JSONValue)] = [("description", .string("\(status) response"))]
            let headers = (response.responseParameters ?? [:]).sorted { $0.key < $1.key }.compactMap {
                name, required -> (key: String, value: JSONValue)? in
                guard name.hasPrefix("method.response.header.") else { return nil }
                var header: [(key: String, value: JSONValue)] = []
                switch dialect {
                case .openAPI3:
                    if required { header.append(("required", .bool(true))) }
                    header.append(("schema", .object([("type", .string("string"))])))
                case .swagger2:
                    header.append(("type", .string("string")))
                }
                return (String(name.dropFirst("method.response.header.".count)), .object(header))
            }
            if !headers.isEmpty { object.append(("headers", .object(headers))) }
            responses.append((status, .object(object)))
        }
        members.append(("responses", .object(responses)))
        var requirement: [(key: String, value: JSONValue)] = []
        if method.apiKeyRequired ?? false { requirement.append((schemes.apiKey, .array([]))) }
        switch method.authorizationType {
        case "AWS_IAM"?:
            requirement.append((schemes.iam, .array([])))
        case "CUSTOM"?, "COGNITO_USER_POOLS"?:
            if let name = schemes.authorizers[method.authorizerId ?? ""] {
                requirement.append((name, .array((method.authorizationScopes ?? []).map(JSONValue.string))))
            }
        default:
            break
        }
        if !requirement.isEmpty { members.append(("security", .array([.object(requirement)]))) }
        if extensions.integrations, let integration = method.methodIntegration {
            members.append(("x-amazon-apigateway-integration", self.integration(integration, of: resource)))
        }
        return .object(members)
    }

    /// A request parameter (`method.request.path.id`) as an OpenAPI parameter; nil for locations OpenAPI lacks.
    private func parameter(_ name: String, required: Bool) -> JSONValue? {
        let locations = [("method.request.path.", "path"), ("method.request.querystring.", "query"), ("method.request.header.", "header")]
        guard let (prefix, location) = locations.first(where: { name.hasPrefix($0.0) }) else { return nil }
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(String(name.dropFirst(prefix.count)))), ("in", .string(location)),
            ("required", .bool(location == "path" || required)),
        ]
        switch dialect {
        case .openAPI3: members.append(("schema", .object([("type", .string("string"))])))
        case .swagger2: members.append(("type", .string("string")))
        }
        return .object(members)
    }

    /// An integration as `x-amazon-apigateway-integration`: enum values in lowercase as AWS writes them, defaults
    /// (29 s timeout, INTERNET connection, the resource's cache namespace) left out.
    private func integration(_ integration: APIGateway.Integration, of resource: APIGateway.Resource) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("type", .string((integration.type ?? .mock).rawValue.lowercased()))]
        if let httpMethod = integration.httpMethod { members.append(("httpMethod", .string(httpMethod))) }
        if let uri = integration.uri { members.append(("uri", .string(uri))) }
        if let credentials = integration.credentials { members.append(("credentials", .string(credentials))) }
        if let connection = integration.connectionType, connection != .internet {
            members.append(("connectionType", .string(connection.rawValue)))
        }
        if let connectionId = integration.connectionId { members.append(("connectionId", .string(connectionId))) }
        if let parameters = integration.requestParameters, !parameters.isEmpty {
            members.append(("requestParameters", Self.stringMap(parameters)))
        }
        if let templates = integration.requestTemplates, !templates.isEmpty {
            members.append(("requestTemplates", Self.stringMap(templates)))
        }
        if let behavior = integration.passthroughBehavior { members.append(("passthroughBehavior", .string(behavior.lowercased()))) }
        if let handling = integration.contentHandling { members.append(("contentHandling", .string(handling.rawValue))) }
        if let timeout = integration.timeoutInMillis, timeout != APIGatewayService.defaultTimeout {
            members.append(("timeoutInMillis", .number(String(timeout))))
        }
        let keys = integration.cacheKeyParameters ?? []
        if let namespace = integration.cacheNamespace, namespace != resource.id || !keys.isEmpty {
            members.append(("cacheNamespace", .string(namespace)))
        }
        if !keys.isEmpty { members.append(("cacheKeyParameters", .array(keys.map(JSONValue.string)))) }
        if let skip = integration.tlsConfig?.insecureSkipVerification {
            members.append(("tlsConfig", .object([("insecureSkipVerification", .bool(skip))])))
        }
        var responses: [(key: String, value: JSONValue)] = []
        for (status, response) in (integration.integrationResponses ?? [:]).sorted(by: { $0.key < $1.key }) {
            var object: [(key: String, value: JSONValue)] = [("statusCode", .string(status))]
            if let parameters = response.responseParameters, !parameters.isEmpty {
                object.append(("responseParameters", Self.stringMap(parameters)))
            }
            if let templates = response.responseTemplates, !templates.isEmpty {
                object.append(("responseTemplates", Self.stringMap(templates)))
            }
            if let handling = response.contentHandling { object.append(("contentHandling", .string(handling.rawValue))) }
            responses.append((response.selectionPattern ?? "default", .object(object)))
        }
        if !responses.isEmpty { members.append(("responses", .object(responses))) }
        return .object(members)
    }

    private static func stringMap(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}
