import Foundation
import MoatCore
import MoatStorage
import MoatTesting
import Testing

@testable import MoatAPIGateway

/// Documents and helpers the OpenAPI import and export tests share.
enum OpenAPIFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xyZ"
    static let role = "arn:aws:iam::123456789012:role/apigateway"
    static let lambdaURI =
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations"
    static let authorizerURI =
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"

    static var context: OperationContext {
        OperationContext(
            requestId: "r",
            principal: nil,
            accountId: "123456789012",
            region: "us-east-1",
            sourceIp: "127.0.0.1",
            now: now,
            logger: TestBackend.logger
        )
    }

    static func withDomain(_ backend: TestBackend, _ body: @escaping @Sendable (APIGatewayDomain) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(APIGatewayDomain.migrations, on: database)
            try await body(APIGatewayDomain(database: database))
        }
    }

    /// An OpenAPI 3 document using every extension the import reads: three kinds of authorizer, AWS_IAM, an API
    /// key, five kinds of integration, parameters (one by reference), response headers, API-level extensions.
    static let petStore = #"""
        {
          "openapi": "3.0.1",
          "info": {"title": "pets", "description": "Pet store", "version": "1.0"},
          "servers": [{
            "url": "https://example.com/{basePath}",
            "variables": {"basePath": {"default": "/v1"}},
            "x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": true}
          }],
          "paths": {
            "/pets": {
              "get": {
                "operationId": "listPets",
                "parameters": [
                  {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}},
                  {"$ref": "#/components/parameters/Trace"}
                ],
                "responses": {"200": {"description": "ok", "headers": {"X-Total": {"schema": {"type": "string"}}}}},
                "security": [{"users": ["pets/read", "pets/write"]}],
                "x-amazon-apigateway-integration": {
                  "type": "aws_proxy", "httpMethod": "post",
                  "uri": "\#(lambdaURI)",
                  "passthroughBehavior": "when_no_match", "timeoutInMillis": 5000, "contentHandling": "convert_to_text",
                  "credentials": "arn:aws:iam::123456789012:role/apigateway",
                  "cacheKeyParameters": ["method.request.querystring.limit"], "cacheNamespace": "pets"
                }
              },
              "post": {
                "security": [{"sigv4": []}, {"api_key": []}],
                "responses": {
                  "200": {"description": "created"},
                  "400": {"description": "bad", "headers": {"X-Error": {"required": true, "schema": {"type": "string"}}}}
                },
                "x-amazon-apigateway-integration": {
                  "type": "HTTP", "httpMethod": "POST", "uri": "https://backend.example.com/pets",
                  "requestParameters": {"integration.request.header.X-Trace": "method.request.header.X-Trace"},
                  "requestTemplates": {"application/json": "{\"name\": $input.json('$.name')}"},
                  "passthroughBehavior": "never",
                  "responses": {
                    "default": {"statusCode": "200", "responseTemplates": {"application/json": "$input.body"}},
                    "4\\d{2}": {
                      "statusCode": 400,
                      "responseParameters": {"method.response.header.X-Error": "integration.response.header.X-Error"}
                    }
                  }
                }
              }
            },
            "/pets/{petId}": {
              "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
              "x-amazon-apigateway-any-method": {
                "security": [{"tokens": []}],
                "x-amazon-apigateway-integration": {
                  "type": "mock",
                  "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                  "responses": {"default": {"statusCode": "200"}}
                }
              }
            },
            "/files/{proxy+}": {
              "get": {
                "parameters": [{"name": "proxy", "in": "path", "required": true}],
                "security": [{"requests": []}],
                "x-amazon-apigateway-integration": {
                  "type": "http_proxy", "httpMethod": "ANY", "uri": "https://files.example.com/{proxy}",
                  "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
                  "tlsConfig": {"insecureSkipVerification": true}
                }
              }
            },
            "/health": {
              "get": {
                "x-amazon-apigateway-integration": {
                  "type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
                  "credentials": "arn:aws:iam::123456789012:role/apigateway"
                }
              }
            }
          },
          "components": {
            "parameters": {"Trace": {"name": "X-Trace", "in": "header", "required": true}},
            "securitySchemes": {
              "users": {
                "type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {
                  "type": "cognito_user_pools",
                  "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xyZ"]
                }
              },
              "tokens": {
                "type": "apiKey", "name": "X-Token", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                  "type": "token",
                  "authorizerUri": "\#(authorizerURI)",
                  "authorizerCredentials": "arn:aws:iam::123456789012:role/apigateway",
                  "identityValidationExpression": "^Bearer .+$",
                  "authorizerResultTtlInSeconds": 60
                }
              },
              "requests": {
                "type": "apiKey", "name": "Unused", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                  "type": "REQUEST",
                  "authorizerUri": "\#(authorizerURI)",
                  "identitySource": "method.request.header.X-User, method.request.querystring.tenant",
                  "authorizerResultTtlInSeconds": "0"
                }
              },
              "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
              "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
            }
          },
          "x-amazon-apigateway-binary-media-types": ["image/png", "application/octet-stream"],
          "x-amazon-apigateway-api-key-source": "AUTHORIZER",
          "x-amazon-apigateway-policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}]
          },
          "x-amazon-apigateway-minimum-compression-size": 1024
        }
        """#

    /// A Swagger 2.0 document in YAML as hand-written ones look: anchors and merge keys, a body parameter, a model,
    /// an unsupported extension.
    static let swaggerYAML = #"""
        swagger: "2.0"
        info:
          title: hello
          version: 2024-01-02
        basePath: /prod/api
        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true}
        securityDefinitions:
          users:
            type: apiKey
            name: Authorization
            in: header
            x-amazon-apigateway-authtype: cognito_user_pools
            x-amazon-apigateway-authorizer:
              type: cognito_user_pools
              providerARNs:
                - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xyZ
        x-defaults:
          integration: &lambda
            type: aws_proxy
            httpMethod: POST
            uri: \#(lambdaURI)
        paths:
          /hello:
            get:
              security:
                - users: []
              parameters:
                - name: name
                  in: query
                  required: true
                  type: string
              responses:
                200:
                  description: greeting
                  headers:
                    X-Greeting: {type: string}
              x-amazon-apigateway-integration: *lambda
            post:
              parameters:
                - in: body
                  name: body
                  schema: {$ref: '#/definitions/Greeting'}
              responses: {}
              x-amazon-apigateway-integration:
                <<: *lambda
                timeoutInMillis: 10000
        definitions:
          Greeting: {type: object}
        """#

    /// The document with `change` applied to its parsed form.
    static func petStore(_ change: (inout [(key: String, value: JSONValue)]) -> Void) -> String {
        guard case .object(var members)? = try? JSONParser.parse(Array(petStore.utf8)) else { return petStore }
        change(&members)
        var text = ""
        JSONWriter.write(.object(members), into: &text)
        return text
    }

    static func importAPI(_ service: APIGatewayService, _ document: String, parameters: [String: String]? = nil) async throws
        -> APIGateway.RestApi
    {
        try await service.importRestApi(.init(parameters: parameters, body: Data(document.utf8)), context: context)
    }

    /// The definition with its identifiers replaced by what names them (resource paths, authorizer names) and the
    /// default cache namespace (the resource's id) dropped: what two imports of one document share.
    static func shape(of definition: APIDefinition) -> [String: JSONValue] {
        var shape: [String: JSONValue] = [:]
        let names = Dictionary(definition.authorizers.map { ($0.id ?? "", $0.name ?? "") }) { first, _ in first }
        for resource in definition.resources {
            var methods: [(key: String, value: JSONValue)] = []
            for (verb, method) in (resource.resourceMethods ?? [:]).sorted(by: { $0.key < $1.key }) {
                var method = method
                method.authorizerId = method.authorizerId.map { "authorizer:" + (names[$0] ?? "?") }
                if method.methodIntegration?.cacheNamespace == resource.id { method.methodIntegration?.cacheNamespace = nil }
                methods.append((verb, encode(method)))
            }
            shape["resource " + (resource.path ?? "")] = .object(methods)
        }
        for authorizer in definition.authorizers {
            var authorizer = authorizer
            authorizer.id = nil
            shape["authorizer " + (authorizer.name ?? "")] = encode(authorizer)
        }
        return shape
    }

    private static func encode(_ value: some Encodable) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(value)) ?? Data()
        return (try? JSONParser.parse(Array(data))) ?? .null
    }

    /// Runs `body` and expects a BadRequestException whose message contains `fragment`.
    static func expectBadRequest(
        _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected BadRequestException containing \(fragment)", sourceLocation: sourceLocation)
        } catch let error as ServiceError {
            #expect(error.code == "BadRequestException", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// ImportRestApi and PutRestApi: what each part of a document becomes, what is skipped, what is refused.
@Suite("API Gateway OpenAPI import")
struct OpenAPIImportTests {
    typealias Fixtures = OpenAPIFixtures

    @Test(arguments: TestBackend.all)
    func anOpenAPI3DocumentBecomesTheAPI(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let api = try await Fixtures.importAPI(service, Fixtures.petStore)
            #expect(api.name == "pets")
            #expect(api.description == "Pet store")
            #expect(api.version == "1.0")
            #expect(api.warnings == nil)
            #expect(api.binaryMediaTypes == ["image/png", "application/octet-stream"])
            #expect(api.apiKeySource == .authorizer)
            #expect(api.minimumCompressionSize == 1024)
            #expect(api.disableExecuteApiEndpoint == true)
            #expect(api.endpointConfiguration?.types == [.edge])
            #expect(api.policy?.contains(#""Action":"execute-api:Invoke""#) == true)
            let apiId = try #require(api.id)
            #expect(try await service.getRestApi(.init(restApiId: apiId), context: Fixtures.context).warnings == nil)

            let resources = try await service.getResources(.init(restApiId: apiId, limit: 500), context: Fixtures.context).items ?? []
            #expect(resources.compactMap(\.path).sorted() == ["/", "/files", "/files/{proxy+}", "/health", "/pets", "/pets/{petId}"])
            func id(_ path: String) throws -> String { try #require(resources.first { $0.path == path }?.id) }
            let authorizers = try await service.getAuthorizers(.init(restApiId: apiId), context: Fixtures.context).items ?? []
            #expect(authorizers.compactMap(\.name).sorted() == ["requests", "tokens", "users"])
            let users = try #require(authorizers.first { $0.name == "users" })
            #expect(users.type == .cognitoUserPools)
            #expect(users.providerARNs == [Fixtures.pool])
            #expect(users.identitySource == "method.request.header.Authorization")
            #expect(users.authType == "cognito_user_pools")
            #expect(users.authorizerResultTtlInSeconds == 300)
            let tokens = try #require(authorizers.first { $0.name == "tokens" })
            #expect(tokens.type == .token)
            #expect(tokens.authorizerUri == Fixtures.authorizerURI)
            #expect(tokens.authorizerCredentials == Fixtures.role)
            #expect(tokens.identitySource == "method.request.header.X-Token")
            #expect(tokens.identityValidationExpression == "^Bearer .+$")
            #expect(tokens.authorizerResultTtlInSeconds == 60)
            let requests = try #require(authorizers.first { $0.name == "requests" })
            #expect(requests.type == .request)
            #expect(requests.identitySource == "method.request.header.X-User, method.request.querystring.tenant")
            #expect(requests.authorizerResultTtlInSeconds == 0)

            let list = try await service.getMethod(
                .init(restApiId: apiId, resourceId: try id("/pets"), httpMethod: "GET"), context: Fixtures.context)
            #expect(list.operationName == "listPets")
            #expect(list.authorizationType == "COGNITO_USER_POOLS")
            #expect(list.authorizerId == users.id)
            #expect(list.authorizationScopes == ["pets/read", "pets/write"])
            #expect(list.apiKeyRequired == false)
            #expect(list.requestParameters == ["method.request.querystring.limit": false, "method.request.header.X-Trace": true])
            #expect(list.methodResponses?["200"]?.responseParameters == ["method.response.header.X-Total": false])
            let proxy = try await service.getIntegration(
                .init(restApiId: apiId, resourceId: try id("/pets"), httpMethod: "GET"), context: Fixtures.context)
            #expect(proxy.type == .awsProxy)
            #expect(proxy.httpMethod == "POST")
            #expect(proxy.uri == Fixtures.lambdaURI)
            #expect(proxy.passthroughBehavior == "WHEN_NO_MATCH")
            #expect(proxy.timeoutInMillis == 5000)
            #expect(proxy.contentHandling == .convertToText)
            #expect(proxy.credentials == Fixtures.role)
            #expect(proxy.cacheKeyParameters == ["method.request.querystring.limit"])
            #expect(proxy.cacheNamespace == "pets")
            #expect(proxy.connectionType == .internet)

            let create = try await service.getMethod(
                .init(restApiId: apiId, resourceId: try id("/pets"), httpMethod: "POST"), context: Fixtures.context)
            #expect(create.authorizationType == "AWS_IAM")
            #expect(create.authorizerId == nil)
            #expect(create.apiKeyRequired == true)
            #expect(create.methodResponses?.keys.sorted() == ["200", "400"])
            #expect(create.methodResponses?["400"]?.responseParameters == ["method.response.header.X-Error": true])
            let http = try #require(create.methodIntegration)
            #expect(http.type == .http)
            #expect(http.passthroughBehavior == "NEVER")
            #expect(http.timeoutInMillis == 29_000)
            #expect(http.cacheNamespace == (try id("/pets")))
            #expect(http.requestParameters == ["integration.request.header.X-Trace": "method.request.header.X-Trace"])
            #expect(http.requestTemplates == ["application/json": #"{"name": $input.json('$.name')}"#])
            #expect(http.integrationResponses?["200"]?.selectionPattern == nil)
            #expect(http.integrationResponses?["200"]?.responseTemplates == ["application/json": "$input.body"])
            #expect(http.integrationResponses?["400"]?.selectionPattern == #"4\d{2}"#)
            #expect(
                http.integrationResponses?["400"]?.responseParameters == [
                    "method.response.header.X-Error": "integration.response.header.X-Error"
                ]
            )

            let any = try await service.getMethod(
                .init(restApiId: apiId, resourceId: try id("/pets/{petId}"), httpMethod: "ANY"), context: Fixtures.context)
            #expect(any.authorizationType == "CUSTOM")
            #expect(any.authorizerId == tokens.id)
            #expect(any.requestParameters == ["method.request.path.petId": true])
            #expect(any.methodIntegration?.type == .mock)
            #expect(any.methodIntegration?.integrationResponses?["200"]?.statusCode == "200")
            let files = try await service.getMethod(
                .init(restApiId: apiId, resourceId: try id("/files/{proxy+}"), httpMethod: "GET"), context: Fixtures.context)
            #expect(files.authorizerId == requests.id)
            #expect(files.methodIntegration?.type == .httpProxy)
            #expect(files.methodIntegration?.httpMethod == "ANY")
            #expect(files.methodIntegration?.tlsConfig?.insecureSkipVerification == true)
            let health = try await service.getIntegration(
                .init(restApiId: apiId, resourceId: try id("/health"), httpMethod: "GET"), context: Fixtures.context)
            #expect(health.type == .aws)
            #expect(health.uri == "arn:aws:apigateway:us-east-1:sqs:action/SendMessage")
            #expect(
                try await service.getResource(.init(restApiId: apiId, resourceId: try id("/files")), context: Fixtures.context)
                    .resourceMethods == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func aSwaggerYAMLDocumentBecomesTheAPI(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let api = try await Fixtures.importAPI(service, Fixtures.swaggerYAML, parameters: ["endpointConfigurationTypes": "REGIONAL"])
            #expect(api.name == "hello")
            #expect(api.version == "2024-01-02")
            #expect(api.endpointConfiguration?.types == [.regional])
            #expect(
                api.warnings == [
                    "The extension x-amazon-apigateway-request-validators is not supported and was ignored",
                    "Models (schemas, request bodies, response content) are not supported and were ignored",
                ]
            )
            let apiId = try #require(api.id)
            let definition = try #require(try await domain.store.api(apiId)).definition
            #expect(definition.resources.compactMap(\.path).sorted() == ["/", "/hello"])
            let hello = try #require(definition.resources.first { $0.path == "/hello" })
            let get = try #require(hello.resourceMethods?["GET"])
            #expect(get.authorizationType == "COGNITO_USER_POOLS")
            #expect(get.authorizerId == definition.authorizers.first?.id)
            #expect(get.requestParameters == ["method.request.querystring.name": true])
            #expect(get.methodResponses?["200"]?.responseParameters == ["method.response.header.X-Greeting": false])
            #expect(get.methodIntegration?.type == .awsProxy)
            #expect(get.methodIntegration?.uri == Fixtures.lambdaURI)
            let post = try #require(hello.resourceMethods?["POST"])
            #expect(post.authorizationType == "NONE")
            #expect(post.methodResponses == nil)
            #expect(post.methodIntegration?.timeoutInMillis == 10_000)
            #expect(post.methodIntegration?.uri == Fixtures.lambdaURI)
            #expect(definition.authorizers.map(\.providerARNs) == [[Fixtures.pool]])
        }
    }

    @Test(arguments: [("ignore", "/hello"), ("prepend", "/prod/api/hello"), ("split", "/api/hello")])
    func theBasePathParameterPlacesThePaths(mode: String, path: String) throws {
        let imported = try OpenAPIImporter.read(Data(Fixtures.swaggerYAML.utf8), parameters: ["basepath": mode])
        #expect(imported.resources.map(\.path) == [path])
        let oas = try OpenAPIImporter.read(Data(Fixtures.petStore.utf8), parameters: ["basepath": mode])
        #expect(oas.resources.first?.path == (mode == "prepend" ? "/v1/pets" : "/pets"))
    }

    /// A document refused for `reason`, and what the refusal says.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let reason: String
        let document: String
        let message: String
        var testDescription: String { reason }
    }

    static let refusals: [Refusal] = [
        Refusal(reason: "not JSON", document: #"{"openapi": "3.0.1", "#, message: "not valid JSON"),
        Refusal(reason: "not YAML", document: "openapi: [3.0\n  - x: : :", message: "neither JSON nor YAML"),
        Refusal(reason: "not a document", document: "just words", message: "not an object"),
        Refusal(
            reason: "neither openapi nor swagger",
            document: #"{"info": {"title": "x"}, "paths": {}}"#,
            message: "names neither an 'openapi' version"
        ),
        Refusal(reason: "swagger 1.2", document: #"{"swagger": "1.2", "info": {"title": "x"}}"#, message: "unsupported swagger version"),
        Refusal(reason: "no title", document: #"{"openapi": "3.0.1", "info": {}, "paths": {}}"#, message: "info.title"),
        Refusal(
            reason: "unknown integration type",
            document: Fixtures.petStore.replacingOccurrences(of: #""type": "aws", "httpMethod""#, with: #""type": "lambda", "httpMethod""#),
            message: "Unable to put integration on 'GET' for resource at path '/health': Invalid integration type specified: 'lambda'"
        ),
        Refusal(
            reason: "undefined security scheme",
            document: Fixtures.petStore.replacingOccurrences(of: #"[{"tokens": []}]"#, with: #"[{"nobody": []}]"#),
            message: "Unable to put method 'ANY' on resource at path '/pets/{petId}': security scheme 'nobody' is not defined"
        ),
        Refusal(
            reason: "unknown authorizer type",
            document: Fixtures.petStore.replacingOccurrences(of: #""type": "token","#, with: #""type": "jwt","#),
            message: "Unable to create authorizer 'tokens': Invalid authorizer type specified: 'jwt'"
        ),
        Refusal(
            reason: "bad path part",
            document: Fixtures.petStore.replacingOccurrences(of: #""/health": {"#, with: #""/health/{id": {"#),
            message: "Unable to create resource at path '/health/{id'"
        ),
        Refusal(
            reason: "two variables side by side",
            document: Fixtures.petStore.replacingOccurrences(of: #""/health": {"#, with: #""/pets/{name}": {"#),
            message: "Unable to create resource at path '/pets/{name}': A sibling ({petId}) of this resource already has a variable"
        ),
        Refusal(
            reason: "a child of a greedy resource",
            document: Fixtures.petStore.replacingOccurrences(of: #""/health": {"#, with: #""/files/{proxy+}/x": {"#),
            message: "Cannot create a child of a resource with a greedy path variable"
        ),
        Refusal(
            reason: "integration without a URI",
            document: Fixtures.petStore.replacingOccurrences(of: #""uri": "https://backend.example.com/pets","#, with: ""),
            message: "Unable to put integration on 'POST' for resource at path '/pets': Invalid HTTP endpoint specified for URI"
        ),
        Refusal(
            reason: "cognito authorizer without pools",
            document: Fixtures.petStore.replacingOccurrences(
                of: #""type": "cognito_user_pools","#, with: #""type": "cognito_user_pools", "providerARNs": [],"#
            )
            .replacingOccurrences(
                of: #""providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xyZ"]"#, with: #""x": 1"#),
            message: "Unable to create authorizer 'users': ProviderARNs need to be specified"
        ),
        Refusal(
            reason: "authorizer TTL out of range",
            document: Fixtures.petStore.replacingOccurrences(
                of: #""authorizerResultTtlInSeconds": 60"#, with: #""authorizerResultTtlInSeconds": 7200"#),
            message: "Invalid authorizer result TTL specified: 7200"
        ),
        Refusal(
            reason: "scheme without its authorizer",
            document: Fixtures.petStore(
                { members in
                    members.removeAll { $0.key == "components" }
                    members.append(
                        (
                            "components",
                            .object([
                                (
                                    "securitySchemes",
                                    .object([
                                        (
                                            "users",
                                            .object([
                                                ("type", .string("apiKey")),
                                                ("x-amazon-apigateway-authtype", .string("cognito_user_pools")),
                                            ])
                                        ),
                                        ("tokens", .object([("type", .string("apiKey")), ("name", .string("x-api-key"))])),
                                        ("requests", .object([("type", .string("apiKey")), ("name", .string("x-api-key"))])),
                                        ("sigv4", .object([("type", .string("apiKey")), ("name", .string("x-api-key"))])),
                                        ("api_key", .object([("type", .string("apiKey")), ("name", .string("x-api-key"))])),
                                    ])
                                ),
                                ("parameters", .object([("Trace", .object([("name", .string("X-Trace")), ("in", .string("header"))]))])),
                            ])
                        ))
                }),
            message: "security scheme 'users' of auth type 'cognito_user_pools' defines no x-amazon-apigateway-authorizer"
        ),
        Refusal(
            reason: "bad status code",
            document: Fixtures.petStore.replacingOccurrences(of: #""400": {"description": "bad""#, with: #""4000": {"description": "bad""#),
            message: "Unable to put method 'POST' on resource at path '/pets': Invalid response status code specified"
        ),
        Refusal(
            reason: "dangling reference",
            document: Fixtures.petStore.replacingOccurrences(of: "#/components/parameters/Trace", with: "#/components/parameters/Nope"),
            message: "the reference '#/components/parameters/Nope' names nothing"
        ),
        Refusal(
            reason: "bad API key source",
            document: Fixtures.petStore.replacingOccurrences(of: #""AUTHORIZER""#, with: #""COOKIE""#),
            message: "Invalid API Key source specified: COOKIE"
        ),
        Refusal(
            reason: "over 6 MB",
            document: #"{"openapi": "3.0.1", "info": {"title": "big", "description": ""# + String(repeating: "x", count: 6 * 1024 * 1024)
                + #""}}"#,
            message: "more than the 6291456 bytes"
        ),
    ]

    @Test func jsonNestedTooDeeplyIsRefused() async throws {
        let document =
            #"{"openapi": "3.0.1", "info": {"title": "deep"}, "x": "# + String(repeating: "[", count: 200)
            + String(repeating: "]", count: 200) + "}"
        await Fixtures.expectBadRequest("Document nested too deeply") {
            _ = try OpenAPIImporter.read(Data(document.utf8), parameters: [:])
        }
    }

    @Test func partsOfOperationsAPIGatewayLacksAreSkippedWithWarnings() throws {
        let document = #"""
            openapi: 3.0.1
            info: {title: t}
            paths:
              /things:
                trace: {}
                x-amazon-apigateway-cors: {}
                get:
                  parameters:
                    - {name: session, in: cookie}
                  responses:
                    default: {description: anything}
                    "204": {description: nothing}
                  security: [{oauth: [read]}]
                  x-amazon-apigateway-request-validator: all
                  x-amazon-apigateway-auth: {type: aws_iam}
            components:
              securitySchemes:
                oauth: {type: oauth2, flows: {}}
            """#
        let imported = try OpenAPIImporter.read(Data(document.utf8), parameters: [:])
        #expect(
            imported.warnings == [
                "TRACE on path '/things' is not supported by API Gateway and was ignored",
                "The extension x-amazon-apigateway-cors is not supported and was ignored",
                "Unable to put method 'GET' on resource at path '/things': parameters in 'cookie' are not supported; 'session' was ignored",
                "Unable to put method 'GET' on resource at path '/things': the 'default' response is not supported (responses need a "
                    + "status code) and was ignored",
                "Unable to put method 'GET' on resource at path '/things': security scheme 'oauth' of type 'oauth2' is not supported "
                    + "and was ignored",
                "The extension x-amazon-apigateway-request-validator is not supported and was ignored",
            ]
        )
        let method = try #require(imported.resources.first?.methods.first?.method)
        #expect(method.httpMethod == "GET")
        #expect(method.authorizationType == "AWS_IAM")
        #expect(method.methodResponses?.keys.sorted() == ["204"])
        #expect(method.requestParameters == nil)
    }

    @Test(arguments: refusals)
    func badDocumentsAreRefusedAndLeaveNoAPI(refusal: Refusal) async throws {
        try await Fixtures.withDomain(.sqliteInMemory) { domain in
            let service = domain.service
            await Fixtures.expectBadRequest(refusal.message) {
                _ = try await Fixtures.importAPI(service, refusal.document)
            }
            let remaining = try await service.getRestApis(.init(), context: Fixtures.context).items ?? []
            #expect(remaining.isEmpty)
        }
    }

    @Test func everyErrorOfADocumentIsReportedAtOnce() async throws {
        let document = Fixtures.petStore
            .replacingOccurrences(of: #""type": "aws", "httpMethod""#, with: #""type": "lambda", "httpMethod""#)
            .replacingOccurrences(of: #"[{"tokens": []}]"#, with: #"[{"nobody": []}]"#)
        do {
            _ = try OpenAPIImporter.read(Data(document.utf8), parameters: [:])
            Issue.record("the document was accepted")
        } catch let error as ServiceError {
            #expect(error.message.hasPrefix("Errors found during import:\n\t"))
            #expect(error.message.contains("security scheme 'nobody' is not defined"))
            #expect(error.message.contains("Invalid integration type specified: 'lambda'"))
        }
    }

    @Test(arguments: TestBackend.all)
    func warningsAreReturnedAndFailOnWarningsRefuses(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let document = Fixtures.petStore { members in
                members.append(("x-amazon-apigateway-gateway-responses", .object([])))
                members.append(("x-amazon-apigateway-documentation", .object([])))
            }
            await Fixtures.expectBadRequest("Warnings found during import:\n\tThe extension x-amazon-apigateway-gateway-responses") {
                _ = try await service.importRestApi(.init(failOnWarnings: true, body: Data(document.utf8)), context: Fixtures.context)
            }
            let remaining = try await service.getRestApis(.init(), context: Fixtures.context).items ?? []
            #expect(remaining.isEmpty)
            let api = try await Fixtures.importAPI(service, document, parameters: ["ignore": "documentation"])
            #expect(api.warnings == ["The extension x-amazon-apigateway-gateway-responses is not supported and was ignored"])
            let apiId = try #require(api.id)
            #expect(try await service.getRestApi(.init(restApiId: apiId), context: Fixtures.context).warnings == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func putRestApiMergesOrOverwritesAndLeavesStagesOnTheirDeployment(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let api = try await Fixtures.importAPI(service, Fixtures.petStore)
            let apiId = try #require(api.id)
            let before = try #require(try await domain.store.api(apiId)).definition
            let deployment = try await service.createDeployment(.init(restApiId: apiId, stageName: "dev"), context: Fixtures.context)

            let addition = #"""
                openapi: 3.0.1
                info: {title: pets v2}
                paths:
                  /pets:
                    get:
                      x-amazon-apigateway-integration: {type: mock}
                  /toys:
                    get:
                      security: [{tokens: []}]
                      x-amazon-apigateway-integration: {type: mock}
                components:
                  securitySchemes:
                    tokens:
                      type: apiKey
                      name: X-Other
                      in: header
                      x-amazon-apigateway-authtype: custom
                      x-amazon-apigateway-authorizer:
                        type: token
                        authorizerUri: \#(Fixtures.authorizerURI.replacingOccurrences(of: ":auth/", with: ":other/"))
                """#
            let merged = try await service.putRestApi(.init(restApiId: apiId, body: Data(addition.utf8)), context: Fixtures.context)
            #expect(merged.name == "pets v2")
            #expect(merged.binaryMediaTypes == api.binaryMediaTypes)
            let afterMerge = try #require(try await domain.store.api(apiId)).definition
            #expect(afterMerge.resources.first { $0.parentId == nil }?.id == api.rootResourceId)
            #expect(
                afterMerge.resources.compactMap(\.path).sorted() == [
                    "/", "/files", "/files/{proxy+}", "/health", "/pets", "/pets/{petId}", "/toys",
                ])
            let pets = try #require(afterMerge.resources.first { $0.path == "/pets" })
            #expect(pets.id == before.resources.first { $0.path == "/pets" }?.id)
            // GET is replaced whole, POST kept.
            #expect(pets.resourceMethods?["GET"]?.methodIntegration?.type == .mock)
            #expect(pets.resourceMethods?["GET"]?.authorizationType == "NONE")
            #expect(pets.resourceMethods?["POST"] == before.resources.first { $0.path == "/pets" }?.resourceMethods?["POST"])
            // The authorizer of the same name is replaced in place: methods that use it keep it.
            let tokens = try #require(afterMerge.authorizers.first { $0.name == "tokens" })
            #expect(tokens.id == before.authorizers.first { $0.name == "tokens" }?.id)
            #expect(tokens.identitySource == "method.request.header.X-Other")
            #expect(afterMerge.authorizers.count == 3)

            let replacement = #"""
                {"swagger": "2.0", "info": {"title": "small"},
                 "paths": {"/pets": {"delete": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}
                """#
            let overwritten = try await service.putRestApi(
                .init(restApiId: apiId, mode: .overwrite, body: Data(replacement.utf8)), context: Fixtures.context)
            #expect(overwritten.name == "small")
            #expect(overwritten.binaryMediaTypes == nil)
            #expect(overwritten.apiKeySource == .header)
            #expect(overwritten.disableExecuteApiEndpoint == true)
            #expect(overwritten.rootResourceId == api.rootResourceId)
            let afterOverwrite = try #require(try await domain.store.api(apiId)).definition
            #expect(afterOverwrite.resources.compactMap(\.path).sorted() == ["/", "/pets"])
            #expect(afterOverwrite.resources.first { $0.path == "/" }?.id == api.rootResourceId)
            #expect(afterOverwrite.resources.first { $0.path == "/pets" }?.id == pets.id)
            #expect(afterOverwrite.resources.first { $0.path == "/pets" }?.resourceMethods?.keys.sorted() == ["DELETE"])
            #expect(afterOverwrite.authorizers.isEmpty)

            // The stage still serves what was deployed.
            let deployed = try #require(try await domain.deployedStage(restApiId: apiId, stageName: "dev"))
            #expect(deployed.deploymentId == deployment.id)
            #expect(deployed.resources == before.resources)

            // A refused put changes nothing.
            await Fixtures.expectBadRequest("Invalid integration type specified") {
                _ = try await service.putRestApi(
                    .init(
                        restApiId: apiId, mode: .overwrite,
                        body: Data(replacement.replacingOccurrences(of: #""type": "mock""#, with: #""type": "ftp""#).utf8)
                    ),
                    context: Fixtures.context
                )
            }
            await Fixtures.expectBadRequest("Invalid mode specified: replace") {
                _ = try await service.putRestApi(
                    .init(restApiId: apiId, mode: .init(rawValue: "replace"), body: Data(replacement.utf8)), context: Fixtures.context)
            }
            #expect(try await domain.store.api(apiId)?.definition == afterOverwrite)
            await #expect(throws: GatewayError.notFound("")) {
                _ = try await service.putRestApi(.init(restApiId: "nope", body: Data(replacement.utf8)), context: Fixtures.context)
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func mergingCannotChangeTheKindOfAnAuthorizerMethodsUse(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let apiId = try #require(try await Fixtures.importAPI(service, Fixtures.petStore).id)
            let before = try #require(try await domain.store.api(apiId))
            // `tokens` becomes a user pool authorizer while ANY /pets/{petId} uses it as CUSTOM.
            let change = """
                {"openapi": "3.0.1", "info": {"title": "pets"}, "paths": {},
                 "components": {"securitySchemes": {"tokens": {"type": "apiKey", "name": "Authorization", "in": "header",
                   "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["\(Fixtures.pool)"]}}}}}
                """
            await Fixtures.expectBadRequest("Unable to put method 'ANY' on resource at path '/pets/{petId}'") {
                _ = try await service.putRestApi(.init(restApiId: apiId, body: Data(change.utf8)), context: Fixtures.context)
            }
            #expect(try await domain.store.api(apiId) == before)
        }
    }

    // MARK: YAML

    @Test func yamlScalarsAnchorsAndMergeKeysReadAsJSON() throws {
        let value = try OpenAPIText.parse(
            Data(
                """
                base: &base {a: 1, b: two}
                merged:
                  <<: *base
                  b: three
                flags: [yes, false, ~, 1.5, 0x1F, "200", 2024-01-02, 'it''s']
                200: ok
                """.utf8))
        #expect(value["merged"] == .object([("b", .string("three")), ("a", .number("1"))]))
        #expect(
            value["flags"]
                == .array([
                    .bool(true), .bool(false), .null, .number("1.5"), .string("0x1F"), .string("200"), .string("2024-01-02"),
                    .string("it's"),
                ])
        )
        #expect(value["200"] == .string("ok"))
    }

    @Test func yamlWrittenByTheExportReadsBackTheSame() throws {
        let value = JSONValue.object([
            ("plain", .string("text")), ("number-like", .string("200")), ("bool-like", .string("yes")), ("null-like", .string("null")),
            ("quotes", .string(#"say "hi" \ 'there' # not a comment: really"#)), ("controls", .string("line\nnext\u{2028}\u{85}\ttab")),
            ("unicode", .string("café ☕")), ("200", .number("29000")), ("yes", .bool(true)), ("4\\d{2}", .null),
            (
                "list",
                .array([.string("a"), .object([("k", .string("v")), ("l", .array([.number("1"), .array([.bool(false)])]))]), .array([])])
            ),
            ("empty", .object([])), ("nested", .object([("deeper", .object([("deepest", .string("x"))]))])),
        ])
        let text = YAMLText.write(value)
        #expect(try OpenAPIText.parse(Data(text.utf8)) == value)
        #expect(text.contains("number-like: \"200\"\n"))
    }

    /// Documents a hostile client could send to exhaust the stack or the CPU, and why each is refused.
    static let hostileYAML: [(String, String)] = [
        ("deep flow nesting", "a: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)),
        ("deep block nesting", (0..<200).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n") + " v"),
        ("deep compact sequences", String(repeating: "- ", count: 10_000) + "x"),
        ("alias as a key", "a: &a [1, 2]\n*a : b"),
        ("collection as a key", "[a, b]: c"),
        ("explicit key", "? a\n: b"),
        ("too many aliases", "a: &a x\nb: [" + Array(repeating: "*a", count: 101).joined(separator: ", ") + "]"),
        (
            "billion laughs",
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                + (1...8).map { level in
                    "l\(level): &l\(level) [" + Array(repeating: level == 1 ? "*a" : "*l\(level - 1)", count: 10).joined(separator: ", ")
                        + "]"
                }.joined(separator: "\n")
        ),
    ]

    @Test(arguments: hostileYAML.map(\.0))
    func hostileYAMLIsRefusedBeforeItCosts(name: String) async throws {
        let document = try #require(Self.hostileYAML.first { $0.0 == name }?.1)
        await Fixtures.expectBadRequest("Invalid OpenAPI input") {
            _ = try OpenAPIText.parse(Data(document.utf8))
        }
    }

    @Test func yamlGuardLetsOrdinaryDocumentsThrough() throws {
        // Quoted and block scalars may hold any text; a flow indicator inside a plain scalar is text.
        let document = #"""
            openapi: "3.0.1"
            info:
              title: 'a [b] {c}: ? * & | >'
              description: |
                ? not a key
                [a]: b
                *alias: x
              version: see [the notes here
            paths:
              /pets/{id}: {}
            """#
        let value = try OpenAPIText.parse(Data(document.utf8))
        #expect(value["paths"]?["/pets/{id}"] == .object([]))
        #expect(value["info"]?["title"] == .string("a [b] {c}: ? * & | >"))
        #expect(value["info"]?["description"] == .string("? not a key\n[a]: b\n*alias: x\n"))
    }

    @Test func authorizationTargetsOfImportAndExport() {
        let context = Fixtures.context
        let imported = APIGatewayDomain.authorizationTarget("ImportRestApi", .object([:]), context)
        #expect(imported?.action == "apigateway:POST")
        #expect(imported?.resource == "arn:aws:apigateway:us-east-1::/restapis")
        let put = APIGatewayDomain.authorizationTarget("PutRestApi", .object(["restApiId": .string("abc")]), context)
        #expect(put?.action == "apigateway:PUT")
        #expect(put?.resource == "arn:aws:apigateway:us-east-1::/restapis/abc")
        let export = APIGatewayDomain.authorizationTarget(
            "GetExport",
            .object(["restApiId": .string("abc"), "stageName": .string("dev"), "exportType": .string("oas30")]),
            context
        )
        #expect(export?.action == "apigateway:GET")
        #expect(export?.resource == "arn:aws:apigateway:us-east-1::/restapis/abc/stages/dev/exports/oas30")
    }
}
