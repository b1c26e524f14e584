import Foundation
import MoatCore
import MoatStorage
import MoatTesting
import Testing

@testable import MoatAPIGateway

/// GetExport: the deployed snapshot as OpenAPI 3 or Swagger 2, JSON or YAML, with the extensions asked for, and a
/// document that imports back into the same API.
@Suite("API Gateway OpenAPI export")
struct OpenAPIExportTests {
    typealias Fixtures = OpenAPIFixtures

    /// The pet store imported and deployed to `dev`.
    static func deployedPetStore(_ service: APIGatewayService) async throws -> String {
        let apiId = try #require(try await Fixtures.importAPI(service, Fixtures.petStore).id)
        _ = try await service.createDeployment(.init(restApiId: apiId, stageName: "dev"), context: Fixtures.context)
        return apiId
    }

    static func export(
        _ service: APIGatewayService,
        _ apiId: String,
        type: String = "oas30",
        extensions: String? = nil,
        accepts: String? = nil
    ) async throws -> (response: APIGateway.ExportResponse, document: JSONValue) {
        let response = try await service.getExport(
            .init(
                restApiId: apiId, stageName: "dev", exportType: type, parameters: extensions.map { ["extensions": $0] }, accepts: accepts),
            context: Fixtures.context
        )
        return (response, try OpenAPIText.parse(try #require(response.body)))
    }

    @Test(arguments: TestBackend.all)
    func anOpenAPI3ExportDescribesTheDeployedStage(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let apiId = try await Self.deployedPetStore(service)
            // Changes after the deployment are not exported until the next one.
            let root = try #require(try await service.getRestApi(.init(restApiId: apiId), context: Fixtures.context).rootResourceId)
            _ = try await service.createResource(.init(restApiId: apiId, parentId: root, pathPart: "later"), context: Fixtures.context)

            let (response, document) = try await Self.export(service, apiId)
            #expect(response.contentType == "application/json")
            #expect(response.contentDisposition == "attachment; filename=\"oas30_2027-01-15T08:00:00Z.json\"")
            #expect(String(decoding: try #require(response.body), as: UTF8.self).hasPrefix("{\n  \"openapi\" : \"3.0.1\",\n"))
            #expect(
                document["info"]
                    == .object([("title", .string("pets")), ("description", .string("Pet store")), ("version", .string("1.0"))]))
            #expect(
                document["servers"]
                    == .array([
                        .object([
                            ("url", .string("https://\(apiId).execute-api.us-east-1.amazonaws.com/{basePath}")),
                            ("variables", .object([("basePath", .object([("default", .string("/dev"))]))])),
                            ("x-amazon-apigateway-endpoint-configuration", .object([("disableExecuteApiEndpoint", .bool(true))])),
                        ])
                    ])
            )
            let paths = try #require(document["paths"]?.members).map(\.key)
            #expect(paths == ["/files/{proxy+}", "/health", "/pets", "/pets/{petId}"])
            let list = try #require(document["paths"]?["/pets"]?["get"])
            #expect(list["operationId"] == .string("listPets"))
            #expect(list["security"] == .array([.object([("users", .array([.string("pets/read"), .string("pets/write")]))])]))
            #expect(list["x-amazon-apigateway-integration"] == nil)
            #expect(
                list["parameters"]
                    == .array([
                        .object([
                            ("name", .string("X-Trace")), ("in", .string("header")), ("required", .bool(true)),
                            ("schema", .object([("type", .string("string"))])),
                        ]),
                        .object([
                            ("name", .string("limit")), ("in", .string("query")), ("required", .bool(false)),
                            ("schema", .object([("type", .string("string"))])),
                        ]),
                    ])
            )
            #expect(
                document["paths"]?["/pets"]?["post"]?["security"] == .array([.object([("api_key", .array([])), ("sigv4", .array([]))])]))
            #expect(document["paths"]?["/pets/{petId}"]?["x-amazon-apigateway-any-method"] != nil)
            let schemes = try #require(document["components"]?["securitySchemes"])
            #expect(schemes.members?.map(\.key) == ["api_key", "sigv4", "users", "tokens", "requests"])
            #expect(schemes["tokens"]?["name"] == .string("X-Token"))
            #expect(schemes["tokens"]?["x-amazon-apigateway-authtype"] == .string("custom"))
            #expect(schemes["tokens"]?["x-amazon-apigateway-authorizer"] == nil)
            #expect(
                document["x-amazon-apigateway-binary-media-types"] == .array([.string("image/png"), .string("application/octet-stream")]))
            #expect(document["x-amazon-apigateway-api-key-source"] == .string("AUTHORIZER"))
            #expect(document["x-amazon-apigateway-policy"]?["Version"] == .string("2012-10-17"))
            #expect(document["x-amazon-apigateway-minimum-compression-size"] == .number("1024"))
        }
    }

    @Test(arguments: TestBackend.all)
    func extensionsSelectWhatAPIGatewayAddsToTheDocument(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let apiId = try await Self.deployedPetStore(service)
            let integrations = try await Self.export(service, apiId, extensions: "integrations").document
            let proxy = try #require(integrations["paths"]?["/pets"]?["get"]?["x-amazon-apigateway-integration"])
            #expect(proxy["type"] == .string("aws_proxy"))
            #expect(proxy["passthroughBehavior"] == .string("when_no_match"))
            #expect(proxy["timeoutInMillis"] == .number("5000"))
            #expect(proxy["cacheNamespace"] == .string("pets"))
            #expect(integrations["components"]?["securitySchemes"]?["tokens"]?["x-amazon-apigateway-authorizer"] == nil)
            let http = try #require(integrations["paths"]?["/pets"]?["post"]?["x-amazon-apigateway-integration"])
            #expect(http["responses"]?.members?.map(\.key) == ["default", #"4\d{2}"#])
            #expect(http["timeoutInMillis"] == nil)
            #expect(http["cacheNamespace"] == nil)

            let authorizers = try await Self.export(service, apiId, extensions: "authorizers").document
            #expect(authorizers["paths"]?["/pets"]?["get"]?["x-amazon-apigateway-integration"] == nil)
            #expect(
                authorizers["components"]?["securitySchemes"]?["tokens"]?["x-amazon-apigateway-authorizer"]
                    == .object([
                        ("type", .string("token")), ("authorizerUri", .string(Fixtures.authorizerURI)),
                        ("authorizerCredentials", .string(Fixtures.role)), ("identityValidationExpression", .string("^Bearer .+$")),
                        ("authorizerResultTtlInSeconds", .number("60")),
                    ])
            )
            #expect(authorizers["components"]?["securitySchemes"]?["requests"]?["name"] == .string("Unused"))
            #expect(
                authorizers["components"]?["securitySchemes"]?["requests"]?["x-amazon-apigateway-authorizer"]?["identitySource"]
                    == .string("method.request.header.X-User, method.request.querystring.tenant")
            )

            let both = try await Self.export(service, apiId, extensions: "apigateway").document
            #expect(both["paths"]?["/pets"]?["get"]?["x-amazon-apigateway-integration"] != nil)
            #expect(both["components"]?["securitySchemes"]?["users"]?["x-amazon-apigateway-authorizer"] != nil)

            let postman = try await Self.export(service, apiId, extensions: "postman").document
            #expect(postman["x-amazon-apigateway-binary-media-types"] == nil)
            #expect(postman["servers"]?.arrayItems?.first?["x-amazon-apigateway-endpoint-configuration"] == nil)
            #expect(postman["paths"]?["/pets"]?["get"]?["x-amazon-apigateway-integration"] == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func aSwaggerYAMLExportNamesTheStageAsHostAndBasePath(backend: TestBackend) async throws {
        try await Fixtures.withDomain(backend) { domain in
            let service = domain.service
            let apiId = try await Self.deployedPetStore(service)
            let (response, document) = try await Self.export(service, apiId, type: "swagger", accepts: "application/yaml")
            #expect(response.contentType == "application/yaml")
            #expect(response.contentDisposition == "attachment; filename=\"swagger_2027-01-15T08:00:00Z.yaml\"")
            #expect(String(decoding: try #require(response.body), as: UTF8.self).hasPrefix("swagger: \"2.0\"\ninfo:\n  title: \"pets\"\n"))
            #expect(document["host"] == .string("\(apiId).execute-api.us-east-1.amazonaws.com"))
            #expect(document["basePath"] == .string("/dev"))
            #expect(document["schemes"] == .array([.string("https")]))
            #expect(document["securityDefinitions"]?["users"]?["x-amazon-apigateway-authtype"] == .string("cognito_user_pools"))
            #expect(document["x-amazon-apigateway-endpoint-configuration"] == .object([("disableExecuteApiEndpoint", .bool(true))]))
            #expect(
                document["paths"]?["/pets/{petId}"]?["x-amazon-apigateway-any-method"]?["parameters"]
                    == .array([
                        .object([
                            ("name", .string("petId")), ("in", .string("path")), ("required", .bool(true)), ("type", .string("string")),
                        ])
                    ])
            )
        }
    }

    @Test(arguments: ["oas30", "swagger"], ["application/json", "application/yaml"])
    func anExportWithItsExtensionsImportsBackIntoTheSameAPI(type: String, accepts: String) async throws {
        try await Fixtures.withDomain(.sqliteInMemory) { domain in
            let service = domain.service
            let apiId = try await Self.deployedPetStore(service)
            let body = try #require(
                try await Self.export(service, apiId, type: type, extensions: "apigateway", accepts: accepts).response.body)
            let copy = try await service.importRestApi(.init(body: body), context: Fixtures.context)
            #expect(copy.warnings == nil)
            var original = try #require(try await domain.store.api(apiId))
            if type == "swagger" {
                // Swagger 2 header objects cannot say that a response header is required.
                let pets = try #require(original.definition.resources.firstIndex { $0.path == "/pets" })
                original.definition.resources[pets].resourceMethods?["POST"]?.methodResponses?["400"]?.responseParameters = [
                    "method.response.header.X-Error": false
                ]
            }
            let copyId = try #require(copy.id)
            let imported = try #require(try await domain.store.api(copyId))
            let (copied, source) = (Fixtures.shape(of: imported.definition), Fixtures.shape(of: original.definition))
            #expect(copied.keys.sorted() == source.keys.sorted())
            for key in source.keys.sorted() {
                #expect(copied[key] == source[key], "\(key)")
            }
            #expect(imported.attributes.name == original.attributes.name)
            #expect(imported.attributes.description == original.attributes.description)
            #expect(imported.attributes.version == original.attributes.version)
            #expect(imported.attributes.binaryMediaTypes == original.attributes.binaryMediaTypes)
            #expect(imported.attributes.apiKeySource == original.attributes.apiKeySource)
            #expect(imported.attributes.policy == original.attributes.policy)
            #expect(imported.attributes.minimumCompressionSize == original.attributes.minimumCompressionSize)
            #expect(imported.attributes.disableExecuteApiEndpoint == original.attributes.disableExecuteApiEndpoint)
        }
    }

    @Test func aLeafResourceWithoutMethodsIsExportedEmpty() async throws {
        try await Fixtures.withDomain(.sqliteInMemory) { domain in
            let service = domain.service
            let document = #"""
                {"openapi": "3.0.1", "info": {"title": "t"},
                 "paths": {"/a/b": {}, "/c": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}
                """#
            let apiId = try #require(try await Fixtures.importAPI(service, document).id)
            _ = try await service.createDeployment(.init(restApiId: apiId, stageName: "dev"), context: Fixtures.context)
            let exported = try await Self.export(service, apiId).document
            #expect(
                exported["paths"] == .object([("/a/b", .object([])), ("/c", .object([("get", .object([("responses", .object([]))]))]))]))
        }
    }

    @Test func exportsAreRefusedForWhatAWSRefuses() async throws {
        try await Fixtures.withDomain(.sqliteInMemory) { domain in
            let service = domain.service
            let apiId = try await Self.deployedPetStore(service)
            await Fixtures.expectBadRequest("Invalid export type specified: postman") {
                _ = try await Self.export(service, apiId, type: "postman")
            }
            await Fixtures.expectBadRequest("Invalid accepts value specified: text/html") {
                _ = try await Self.export(service, apiId, accepts: "text/html")
            }
            #expect(
                try await Self.export(service, apiId, accepts: "text/html, application/yaml;q=0.9").response.contentType
                    == "application/yaml")
            #expect(try await Self.export(service, apiId, accepts: "*/*").response.contentType == "application/json")
            await #expect(throws: GatewayError.stageNotFound) {
                _ = try await service.getExport(.init(restApiId: apiId, stageName: "prod", exportType: "oas30"), context: Fixtures.context)
            }
            await #expect(throws: GatewayError.notFound("")) {
                _ = try await service.getExport(.init(restApiId: "nope", stageName: "dev", exportType: "oas30"), context: Fixtures.context)
            }
        }
    }
}
