import Foundation
import MoatCore

/// Reads an OpenAPI 3.0 or Swagger 2.0 document the way API Gateway's import does, into an ``ImportedAPI``.
///
/// What is read: `info` (name, description, version), `paths` (each path a resource, each operation a method:
/// `parameters` as request parameters, `responses` as method responses with their headers, `security` as the
/// method's authorization and API key requirement, `x-amazon-apigateway-integration` as its integration), the
/// security schemes (`x-amazon-apigateway-authtype`, `x-amazon-apigateway-authorizer`) and the API-level extensions.
/// What API Gateway keeps elsewhere and Moat does not model (models and schemas, request validators, gateway
/// responses, documentation) is skipped with a warning. Every problem found is collected, and the document is
/// refused with all of them at once.
struct OpenAPIImporter {
    enum Dialect: Sendable, Equatable {
        case swagger2, openAPI3
    }

    /// The `basepath` import parameter: what becomes of the document's base path (Swagger's `basePath`, the path of
    /// an OpenAPI 3 document's first server URL).
    enum BasePathMode: String, Sendable {
        /// The base path is dropped (AWS's default).
        case ignore
        /// It is put in front of every path.
        case prepend
        /// Its first segment is dropped and the rest put in front of every path.
        case split
    }

    /// How an operation's `security` entry authorizes a method.
    private enum SecurityScheme {
        case authorizer(APIGateway.AuthorizerType)
        case apiKey
        case iam
        /// An authorizer's auth type without the `x-amazon-apigateway-authorizer` that would define it.
        case incomplete(authType: String)
        case unsupported(type: String)
    }

    /// The operations API Gateway has methods for, by their OpenAPI key.
    static let operationKeys: [String: String] = [
        "get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS", "head": "HEAD", "patch": "PATCH",
        "x-amazon-apigateway-any-method": "ANY",
    ]

    let document: JSONValue
    let dialect: Dialect
    let basePathMode: BasePathMode
    let ignoresDocumentation: Bool
    let endpointTypes: [APIGateway.EndpointType]?
    private var warnings: [String] = []
    /// The warnings already given, each given once.
    private var warned: Set<String> = []
    private var errors: [String] = []
    private var schemes: [String: SecurityScheme] = [:]

    /// The API `body` defines.
    /// - Parameters:
    ///   - body: the document, JSON or YAML, at most ``OpenAPIText/maximumSize`` bytes.
    ///   - parameters: the request's import parameters (`basepath`, `ignore`, `endpointConfigurationTypes`); others
    ///     are ignored.
    static func read(_ body: Data, parameters: [String: String]) throws -> ImportedAPI {
        var importer = try OpenAPIImporter(document: try OpenAPIText.parse(body), parameters: parameters)
        return try importer.read()
    }

    init(document: JSONValue, parameters: [String: String]) throws {
        guard document.members != nil else { throw GatewayError.badRequest("Invalid OpenAPI input: the document is not an object") }
        if let version = document["openapi"]?.text {
            guard version.hasPrefix("3.") else {
                throw GatewayError.badRequest("Invalid OpenAPI input: unsupported openapi version '\(version)'; 3.0.x is supported")
            }
            dialect = .openAPI3
        } else if let version = document["swagger"]?.text {
            guard version == "2.0" else {
                throw GatewayError.badRequest("Invalid OpenAPI input: unsupported swagger version '\(version)'; 2.0 is supported")
            }
            dialect = .swagger2
        } else {
            throw GatewayError.badRequest(
                "Invalid OpenAPI input: the document names neither an 'openapi' version (OpenAPI 3.0) nor a 'swagger' version (2.0)"
            )
        }
        self.document = document
        guard let mode = BasePathMode(rawValue: parameters["basepath"] ?? "ignore") else {
            throw GatewayError.badRequest(
                "Invalid basepath parameter: \(parameters["basepath"] ?? ""). Valid values are ignore, prepend, split"
            )
        }
        basePathMode = mode
        ignoresDocumentation = parameters["ignore"] == "documentation"
        if let types = parameters["endpointConfigurationTypes"] {
            var parsed: [APIGateway.EndpointType] = []
            for name in types.split(separator: ",") {
                let type = APIGateway.EndpointType(rawValue: name.trimmingCharacters(in: .whitespaces).uppercased())
                guard [.edge, .regional, .private].contains(type) else {
                    throw GatewayError.badRequest(
                        "Invalid endpointConfigurationTypes parameter: \(types). Valid values are EDGE, REGIONAL, PRIVATE"
                    )
                }
                parsed.append(type)
            }
            endpointTypes = parsed
        } else {
            endpointTypes = nil
        }
    }

    /// The API, or `BadRequestException` listing every problem of the document.
    mutating func read() throws -> ImportedAPI {
        var api = ImportedAPI()
        let info = document["info"]
        api.name = info?["title"]?.text
        if api.name?.isEmpty ?? true { errors.append("Invalid OpenAPI input: info.title, the API's name, is required") }
        api.description = info?["description"]?.text
        api.version = info?["version"]?.text
        api.endpointTypes = endpointTypes
        readAPIExtensions(into: &api)
        readSecuritySchemes(into: &api)
        api.resources = readPaths()
        guard errors.isEmpty else {
            throw GatewayError.badRequest("Errors found during import:\n\t" + errors.joined(separator: "\n\t"))
        }
        api.warnings = warnings
        return api
    }

    // MARK: the API

    private mutating func readAPIExtensions(into api: inout ImportedAPI) {
        for (key, value) in document.members ?? [] {
            switch key {
            case "definitions":
                if !(value.members ?? []).isEmpty { warnModels() }
            case "components":
                if !(value["schemas"]?.members ?? []).isEmpty { warnModels() }
            case "servers":
                for server in value.arrayItems ?? [] {
                    if let configuration = server["x-amazon-apigateway-endpoint-configuration"] {
                        readEndpointConfiguration(configuration, into: &api)
                    }
                }
            case "x-amazon-apigateway-binary-media-types":
                api.binaryMediaTypes = strings(value, "x-amazon-apigateway-binary-media-types")
            case "x-amazon-apigateway-api-key-source":
                let source = APIGateway.ApiKeySourceType(rawValue: value.text?.uppercased() ?? "")
                if source == .header || source == .authorizer {
                    api.apiKeySource = source
                } else {
                    errors.append("Invalid API Key source specified: \(value.text ?? ""). Valid values are HEADER and AUTHORIZER")
                }
            case "x-amazon-apigateway-policy":
                if let text = value.text {
                    api.policy = text
                } else if value.members != nil || value.arrayItems != nil {
                    var text = ""
                    JSONWriter.write(value, into: &text)
                    api.policy = text
                } else {
                    errors.append("x-amazon-apigateway-policy must be a policy document")
                }
            case "x-amazon-apigateway-endpoint-configuration":
                readEndpointConfiguration(value, into: &api)
            case "x-amazon-apigateway-minimum-compression-size":
                guard let size = value.integer else {
                    errors.append("x-amazon-apigateway-minimum-compression-size must be an integer")
                    continue
                }
                do {
                    try APIGatewayService.checkCompressionSize(size)
                    api.minimumCompressionSize = size
                } catch {
                    errors.append(Self.message(error))
                }
            case "x-amazon-apigateway-documentation":
                if !ignoresDocumentation { warnUnsupported(key) }
            case "x-amazon-apigateway-importexport-version":
                continue
            case _ where key.hasPrefix("x-amazon-apigateway-"):
                warnUnsupported(key)
            default:
                continue
            }
        }
    }

    private mutating func readEndpointConfiguration(_ value: JSONValue, into api: inout ImportedAPI) {
        guard value.members != nil else {
            errors.append("x-amazon-apigateway-endpoint-configuration must be an object")
            return
        }
        if let disabled = value["disableExecuteApiEndpoint"] {
            if let flag = disabled.flag {
                api.disableExecuteApiEndpoint = flag
            } else {
                errors.append("x-amazon-apigateway-endpoint-configuration.disableExecuteApiEndpoint must be true or false")
            }
        }
        if let ids = value["vpcEndpointIds"] {
            api.vpcEndpointIds = strings(ids, "x-amazon-apigateway-endpoint-configuration.vpcEndpointIds")
        }
    }

    // MARK: security

    private mutating func readSecuritySchemes(into api: inout ImportedAPI) {
        let container = dialect == .openAPI3 ? document["components"]?["securitySchemes"] : document["securityDefinitions"]
        for (name, raw) in container?.members ?? [] {
            let scheme = resolve(raw)
            let authType = scheme["x-amazon-apigateway-authtype"]?.text
            if let definition = scheme["x-amazon-apigateway-authorizer"] {
                if let authorizer = readAuthorizer(name, definition, scheme: scheme, authType: authType) {
                    api.authorizers.append(authorizer)
                    schemes[name] = .authorizer(authorizer.type ?? .token)
                }
            } else if authType?.lowercased() == "awssigv4" {
                schemes[name] = .iam
            } else if let authType {
                schemes[name] = .incomplete(authType: authType)
            } else if scheme["type"]?.text == "apiKey" {
                schemes[name] = .apiKey
            } else {
                schemes[name] = .unsupported(type: scheme["type"]?.text ?? "unknown")
            }
        }
    }

    /// The authorizer of a security scheme named `name`; its identity source, unless given, is the header the scheme
    /// names (for TOKEN and COGNITO_USER_POOLS authorizers).
    private mutating func readAuthorizer(_ name: String, _ raw: JSONValue, scheme: JSONValue, authType: String?) -> APIGateway.Authorizer? {
        let definition = resolve(raw)
        let context = "Unable to create authorizer '\(name)'"
        guard definition.members != nil else {
            errors.append("\(context): x-amazon-apigateway-authorizer must be an object")
            return nil
        }
        let typeName = definition["type"]?.text ?? ""
        let type: APIGateway.AuthorizerType
        switch typeName.lowercased() {
        case "token": type = .token
        case "request": type = .request
        case "cognito_user_pools": type = .cognitoUserPools
        default:
            errors.append(
                "\(context): Invalid authorizer type specified: '\(typeName)'. Valid values are token, request, cognito_user_pools")
            return nil
        }
        var identitySource = definition["identitySource"]?.text
        if identitySource == nil, type != .request, scheme["in"]?.text == "header", let header = scheme["name"]?.text {
            identitySource = "method.request.header.\(header)"
        }
        var ttl = APIGatewayService.defaultAuthorizerTTL
        if let value = definition["authorizerResultTtlInSeconds"] {
            guard let seconds = value.integer else {
                errors.append("\(context): authorizerResultTtlInSeconds must be an integer")
                return nil
            }
            ttl = seconds
        }
        return APIGateway.Authorizer(
            name: name,
            type: type,
            providerARNs: definition["providerARNs"].flatMap { strings($0, "\(name).providerARNs") },
            authType: authType,
            authorizerUri: definition["authorizerUri"]?.text,
            authorizerCredentials: definition["authorizerCredentials"]?.text,
            identitySource: identitySource,
            identityValidationExpression: definition["identityValidationExpression"]?.text,
            authorizerResultTtlInSeconds: ttl
        )
    }

    /// Applies an operation's security requirements (its own, else the document's) to the method: an API key
    /// scheme requires a key, an `awsSigv4` scheme is AWS_IAM, an authorizer's scheme CUSTOM or COGNITO_USER_POOLS
    /// (its scopes as the method's authorization scopes). One authorization applies: later ones are warned about.
    private mutating func applySecurity(_ requirements: JSONValue?, to imported: inout ImportedMethod, context: String) {
        guard let requirements else { return }
        guard let list = requirements.arrayItems else {
            errors.append("\(context): security must be a list of security requirements")
            return
        }
        var authorized = false
        for requirement in list {
            for (name, scopes) in requirement.members ?? [] {
                guard let scheme = schemes[name] else {
                    errors.append("\(context): security scheme '\(name)' is not defined")
                    continue
                }
                switch scheme {
                case .apiKey:
                    imported.method.apiKeyRequired = true
                    continue
                case .incomplete(let authType):
                    errors.append(
                        "\(context): security scheme '\(name)' of auth type '\(authType)' defines no x-amazon-apigateway-authorizer"
                    )
                    continue
                case .unsupported(let type):
                    warn("\(context): security scheme '\(name)' of type '\(type)' is not supported and was ignored")
                    continue
                case .iam, .authorizer:
                    break
                }
                guard !authorized else {
                    warn("\(context): only one authorization applies to a method; security scheme '\(name)' was ignored")
                    continue
                }
                authorized = true
                if case .authorizer(let type) = scheme {
                    imported.method.authorizationType = type == .cognitoUserPools ? "COGNITO_USER_POOLS" : "CUSTOM"
                    imported.authorizerName = name
                    let granted = (scopes.arrayItems ?? []).compactMap(\.text)
                    if type == .cognitoUserPools, !granted.isEmpty { imported.method.authorizationScopes = granted }
                } else {
                    imported.method.authorizationType = "AWS_IAM"
                }
            }
        }
    }

    // MARK: paths

    private mutating func readPaths() -> [ImportedResource] {
        guard let paths = document["paths"] else { return [] }
        guard let members = paths.members else {
            errors.append("Invalid OpenAPI input: paths must be an object")
            return []
        }
        var resources: [ImportedResource] = []
        var indexes: [String: Int] = [:]
        for (rawPath, rawItem) in members {
            if rawPath.hasPrefix("x-") {
                if rawPath.hasPrefix("x-amazon-apigateway-") { warnUnsupported(rawPath) }
                continue
            }
            let path = applyBasePath(rawPath)
            guard path.hasPrefix("/") else {
                errors.append("Unable to create resource at path '\(rawPath)': a path must start with '/'")
                continue
            }
            var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            if parts.last == "" { parts.removeLast() }
            let resourcePath = "/" + parts.joined(separator: "/")
            let item = resolve(rawItem)
            guard let operations = item.members else {
                errors.append("Unable to create resource at path '\(rawPath)': a path item must be an object")
                continue
            }
            let shared = item["parameters"]?.arrayItems ?? []
            var methods: [ImportedMethod] = []
            for (key, operation) in operations {
                guard let httpMethod = Self.operationKeys[key.lowercased()] else {
                    switch key {
                    case "parameters", "summary", "description", "servers": break
                    case "trace": warn("TRACE on path '\(rawPath)' is not supported by API Gateway and was ignored")
                    case "$ref": warn("Path item references ('$ref' on path '\(rawPath)') are not supported and were ignored")
                    case _ where key.hasPrefix("x-amazon-apigateway-"): warnUnsupported(key)
                    default: break
                    }
                    continue
                }
                if let method = readOperation(operation, httpMethod: httpMethod, path: resourcePath, shared: shared) {
                    methods.removeAll { $0.method.httpMethod == httpMethod }
                    methods.append(method)
                }
            }
            if let index = indexes[resourcePath] {
                for method in methods {
                    resources[index].methods.removeAll { $0.method.httpMethod == method.method.httpMethod }
                    resources[index].methods.append(method)
                }
            } else {
                indexes[resourcePath] = resources.count
                resources.append(ImportedResource(path: resourcePath, pathParts: parts, methods: methods))
            }
        }
        return resources
    }

    /// The document's base path: Swagger's `basePath`, or the path of the first server URL of an OpenAPI 3
    /// document with its variables at their defaults.
    var basePath: String? {
        switch dialect {
        case .swagger2:
            return document["basePath"]?.text
        case .openAPI3:
            guard let server = document["servers"]?.arrayItems?.first, var url = server["url"]?.text else { return nil }
            for (name, variable) in server["variables"]?.members ?? [] {
                url = url.replacingOccurrences(of: "{\(name)}", with: variable["default"]?.text ?? "")
            }
            if let scheme = url.range(of: "://") {
                guard let slash = url[scheme.upperBound...].firstIndex(of: "/") else { return nil }
                url = String(url[slash...])
            }
            return url.hasPrefix("/") ? url : nil
        }
    }

    /// `path` with the base path applied as the `basepath` parameter asks.
    func applyBasePath(_ path: String) -> String {
        guard basePathMode != .ignore, let basePath else { return path }
        var segments = basePath.split(separator: "/").map(String.init)
        if basePathMode == .split { segments = Array(segments.dropFirst()) }
        guard !segments.isEmpty else { return path }
        let prefix = "/" + segments.joined(separator: "/")
        return path == "/" ? prefix : prefix + path
    }

    // MARK: operations

    private mutating func readOperation(_ raw: JSONValue, httpMethod: String, path: String, shared: [JSONValue]) -> ImportedMethod? {
        let context = "Unable to put method '\(httpMethod)' on resource at path '\(path)'"
        let operation = resolve(raw)
        guard operation.members != nil else {
            errors.append("\(context): an operation must be an object")
            return nil
        }
        var imported = ImportedMethod(
            method: APIGateway.Method(
                httpMethod: httpMethod,
                authorizationType: "NONE",
                apiKeyRequired: false,
                operationName: operation["operationId"]?.text
            )
        )
        var requestParameters: [String: Bool] = [:]
        for parameter in shared + (operation["parameters"]?.arrayItems ?? []) {
            let parameter = resolve(parameter)
            guard let name = parameter["name"]?.text, let location = parameter["in"]?.text else {
                errors.append("\(context): a parameter needs a name and a location ('in')")
                continue
            }
            let required = parameter["required"]?.flag ?? false
            switch location {
            case "path": requestParameters["method.request.path.\(name)"] = true
            case "query": requestParameters["method.request.querystring.\(name)"] = required
            case "header": requestParameters["method.request.header.\(name)"] = required
            case "body": warnModels()
            default: warn("\(context): parameters in '\(location)' are not supported; '\(name)' was ignored")
            }
        }
        imported.method.requestParameters = requestParameters.isEmpty ? nil : requestParameters
        if operation["requestBody"] != nil { warnModels() }
        imported.method.methodResponses = readResponses(operation["responses"], context: context)
        applySecurity(operation["security"] ?? document["security"], to: &imported, context: context)
        for (key, value) in operation.members ?? [] {
            switch key {
            case "x-amazon-apigateway-integration":
                imported.method.methodIntegration = readIntegration(value, httpMethod: httpMethod, path: path)
            case "x-amazon-apigateway-auth":
                let type = resolve(value)["type"]?.text?.uppercased() ?? ""
                guard type == "AWS_IAM" || type == "NONE" else {
                    errors.append("\(context): x-amazon-apigateway-auth type must be AWS_IAM or NONE, not '\(type)'")
                    continue
                }
                imported.method.authorizationType = type
                imported.authorizerName = nil
                imported.method.authorizationScopes = nil
            case _ where key.hasPrefix("x-amazon-apigateway-"):
                warnUnsupported(key)
            default:
                continue
            }
        }
        return imported
    }

    /// Method responses by status code, each response header a `method.response.header.NAME` parameter.
    private mutating func readResponses(_ raw: JSONValue?, context: String) -> [String: APIGateway.MethodResponse]? {
        var responses: [String: APIGateway.MethodResponse] = [:]
        for (status, raw) in raw.map({ resolve($0) })?.members ?? [] {
            if status.hasPrefix("x-") { continue }
            if status == "default" {
                warn("\(context): the 'default' response is not supported (responses need a status code) and was ignored")
                continue
            }
            let response = resolve(raw)
            var parameters: [String: Bool] = [:]
            for (header, definition) in response["headers"]?.members ?? [] {
                parameters["method.response.header.\(header)"] = resolve(definition)["required"]?.flag ?? false
            }
            if response["schema"] != nil || !(response["content"]?.members ?? []).isEmpty { warnModels() }
            responses[status] = APIGateway.MethodResponse(statusCode: status, responseParameters: parameters.isEmpty ? nil : parameters)
        }
        return responses.isEmpty ? nil : responses
    }

    /// The integration an `x-amazon-apigateway-integration` object describes; enum values in any case (`aws_proxy`,
    /// `when_no_match`). Its `responses` are keyed by selection pattern, `default` meaning none.
    private mutating func readIntegration(_ raw: JSONValue, httpMethod: String, path: String) -> APIGateway.Integration? {
        let context = "Unable to put integration on '\(httpMethod)' for resource at path '\(path)'"
        let definition = resolve(raw)
        guard definition.members != nil else {
            errors.append("\(context): x-amazon-apigateway-integration must be an object")
            return nil
        }
        let typeName = definition["type"]?.text ?? ""
        let type = APIGateway.IntegrationType(rawValue: typeName.uppercased())
        guard [.aws, .awsProxy, .http, .httpProxy, .mock].contains(type) else {
            errors.append(
                "\(context): Invalid integration type specified: '\(typeName)'. Valid values are aws, aws_proxy, http, http_proxy, mock")
            return nil
        }
        var integration = APIGateway.Integration(
            type: type,
            httpMethod: definition["httpMethod"]?.text?.uppercased(),
            uri: definition["uri"]?.text,
            connectionType: definition["connectionType"]?.text.map { APIGateway.ConnectionType(rawValue: $0.uppercased()) },
            connectionId: definition["connectionId"]?.text,
            credentials: definition["credentials"]?.text,
            requestParameters: definition["requestParameters"].flatMap { stringMap($0, "requestParameters", context: context) },
            requestTemplates: definition["requestTemplates"].flatMap { stringMap($0, "requestTemplates", context: context) },
            passthroughBehavior: definition["passthroughBehavior"]?.text?.uppercased(),
            contentHandling: definition["contentHandling"]?.text.map { APIGateway.ContentHandlingStrategy(rawValue: $0.uppercased()) },
            cacheNamespace: definition["cacheNamespace"]?.text,
            cacheKeyParameters: definition["cacheKeyParameters"].flatMap { strings($0, "cacheKeyParameters") }
        )
        if let timeout = definition["timeoutInMillis"] {
            guard let millis = timeout.integer else {
                errors.append("\(context): timeoutInMillis must be an integer")
                return nil
            }
            integration.timeoutInMillis = millis
        }
        if let tls = definition["tlsConfig"] {
            integration.tlsConfig = APIGateway.TlsConfig(insecureSkipVerification: tls["insecureSkipVerification"]?.flag)
        }
        var responses: [String: APIGateway.IntegrationResponse] = [:]
        for (pattern, raw) in definition["responses"].map({ resolve($0) })?.members ?? [] {
            let response = resolve(raw)
            guard let status = response["statusCode"]?.text else {
                errors.append("\(context): the integration response '\(pattern)' has no statusCode")
                continue
            }
            responses[status] = APIGateway.IntegrationResponse(
                statusCode: status,
                selectionPattern: pattern == "default" ? nil : pattern,
                responseParameters: response["responseParameters"].flatMap { stringMap($0, "responseParameters", context: context) },
                responseTemplates: response["responseTemplates"].flatMap { stringMap($0, "responseTemplates", context: context) },
                contentHandling: response["contentHandling"]?.text.map { APIGateway.ContentHandlingStrategy(rawValue: $0.uppercased()) }
            )
        }
        integration.integrationResponses = responses.isEmpty ? nil : responses
        return integration
    }

    // MARK: values

    /// The value at a local reference (`#/components/schemas/Pet`), followed through references up to 16 deep;
    /// a reference that leads nowhere is an error, one to another file a warning, and both read as `{}`.
    private mutating func resolve(_ value: JSONValue) -> JSONValue {
        var current = value
        for _ in 0..<16 {
            guard let reference = current["$ref"]?.text else { return current }
            guard reference.hasPrefix("#/") else {
                warn("External reference '\(reference)' is not supported and was ignored")
                return .object([])
            }
            var target: JSONValue? = document
            for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
                let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                if let items = target?.arrayItems, let index = Int(name), items.indices.contains(index) {
                    target = items[index]
                } else {
                    target = target?[name]
                }
            }
            guard let target else {
                errors.append("Invalid OpenAPI input: the reference '\(reference)' names nothing in the document")
                return .object([])
            }
            current = target
        }
        errors.append("Invalid OpenAPI input: references nest more than 16 deep (a reference cycle?)")
        return .object([])
    }

    private mutating func strings(_ value: JSONValue, _ field: String) -> [String]? {
        guard let items = value.arrayItems, items.allSatisfy({ $0.text != nil }) else {
            errors.append("\(field) must be a list of strings")
            return nil
        }
        return items.compactMap(\.text)
    }

    private mutating func stringMap(_ value: JSONValue, _ field: String, context: String) -> [String: String]? {
        guard let members = value.members, members.allSatisfy({ $0.value.text != nil }) else {
            errors.append("\(context): \(field) must map names to strings")
            return nil
        }
        var map: [String: String] = [:]
        for (key, item) in members { map[key] = item.text }
        return map.isEmpty ? nil : map
    }

    private mutating func warn(_ warning: String) {
        if warned.insert(warning).inserted { warnings.append(warning) }
    }

    private mutating func warnModels() {
        warn("Models (schemas, request bodies, response content) are not supported and were ignored")
    }

    private mutating func warnUnsupported(_ extensionName: String) {
        warn("The extension \(extensionName) is not supported and was ignored")
    }

    /// The message of a validation error thrown by the control plane's rules.
    static func message(_ error: any Error) -> String {
        (error as? ServiceError)?.message ?? String(describing: error)
    }
}
