import Foundation
import Logging
import MoatCore
import MoatStorage
import MoatTesting
import Testing

@testable import MoatAPIGateway

/// The control plane over every backend: tutorial 004's API, AWS's errors, patches, and the deployment snapshot.
@Suite("API Gateway control plane")
struct APIGatewayServiceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xyZ"
    static let lambdaURI =
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"

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

    func withDomain(_ backend: TestBackend, _ body: @escaping @Sendable (APIGatewayDomain) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(APIGatewayDomain.migrations, on: database)
            try await body(APIGatewayDomain(database: database))
        }
    }

    /// An API with `/hello` whose GET is authorized by a user pool and integrated with a Lambda function.
    struct HelloAPI {
        let apiId: String
        let rootId: String
        let helloId: String
        let authorizerId: String
    }

    static func helloAPI(_ service: APIGatewayService) async throws -> HelloAPI {
        let api = try await service.createRestApi(.init(name: "tutorial"), context: context)
        let apiId = try #require(api.id)
        let rootId = try #require(api.rootResourceId)
        let hello = try await service.createResource(.init(restApiId: apiId, parentId: rootId, pathPart: "hello"), context: context)
        let authorizer = try await service.createAuthorizer(
            .init(
                restApiId: apiId,
                name: "users",
                type: .cognitoUserPools,
                providerARNs: [pool],
                identitySource: "method.request.header.Authorization"
            ),
            context: context
        )
        let helloId = try #require(hello.id)
        let authorizerId = try #require(authorizer.id)
        _ = try await service.putMethod(
            .init(
                restApiId: apiId,
                resourceId: helloId,
                httpMethod: "GET",
                authorizationType: "COGNITO_USER_POOLS",
                authorizerId: authorizerId
            ),
            context: context
        )
        _ = try await service.putIntegration(
            .init(restApiId: apiId, resourceId: helloId, httpMethod: "GET", type: .awsProxy, integrationHttpMethod: "POST", uri: lambdaURI),
            context: context
        )
        return HelloAPI(apiId: apiId, rootId: rootId, helloId: helloId, authorizerId: authorizerId)
    }

    @Test(arguments: TestBackend.all)
    func anAPIHasARootAndResourcesBuildTheirPaths(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let hello = try await Self.helloAPI(service)
            #expect(hello.apiId.count == 10 && hello.apiId.allSatisfy { $0.isLowercase || $0.isNumber })
            let user = try await service.createResource(
                .init(restApiId: hello.apiId, parentId: hello.helloId, pathPart: "{user}"),
                context: Self.context
            )
            let proxy = try await service.createResource(
                .init(restApiId: hello.apiId, parentId: try #require(user.id), pathPart: "{proxy+}"),
                context: Self.context
            )
            #expect(user.path == "/hello/{user}")
            #expect(proxy.path == "/hello/{user}/{proxy+}")
            let resources = try await service.getResources(.init(restApiId: hello.apiId, embed: ["methods"]), context: Self.context)
            #expect(resources.items?.map(\.path) == ["/", "/hello", "/hello/{user}", "/hello/{user}/{proxy+}"])
            let helloResource = resources.items?.first { $0.path == "/hello" }
            #expect(helloResource?.resourceMethods?["GET"]?.methodIntegration?.uri == Self.lambdaURI)
            let plain = try await service.getResource(.init(restApiId: hello.apiId, resourceId: hello.helloId), context: Self.context)
            #expect(plain.resourceMethods == ["GET": APIGateway.Method()])
        }
    }

    @Test(arguments: TestBackend.all)
    func resourceRulesAnswerWithAWSErrors(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let hello = try await Self.helloAPI(service)
            await #expect(throws: GatewayError.conflict("")) {
                try await service.createResource(
                    .init(restApiId: hello.apiId, parentId: hello.rootId, pathPart: "hello"),
                    context: Self.context
                )
            }
            let id = try await service.createResource(
                .init(restApiId: hello.apiId, parentId: hello.helloId, pathPart: "{id}"),
                context: Self.context
            )
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.createResource(
                    .init(restApiId: hello.apiId, parentId: hello.helloId, pathPart: "{name}"),
                    context: Self.context
                )
            }
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.createResource(
                    .init(restApiId: hello.apiId, parentId: hello.rootId, pathPart: "a b"),
                    context: Self.context
                )
            }
            let greedy = try await service.createResource(
                .init(restApiId: hello.apiId, parentId: hello.rootId, pathPart: "{proxy+}"),
                context: Self.context
            )
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.createResource(
                    .init(restApiId: hello.apiId, parentId: try #require(greedy.id), pathPart: "x"),
                    context: Self.context
                )
            }
            do {
                _ = try await service.getRestApi(.init(restApiId: "nope"), context: Self.context)
                Issue.record("an unknown API was found")
            } catch let error as ServiceError {
                #expect(error.code == "NotFoundException")
                #expect(error.message == "Invalid API identifier specified 123456789012:nope")
            }
            await #expect(throws: GatewayError.resourceNotFound) {
                try await service.getResource(.init(restApiId: hello.apiId, resourceId: "nope"), context: Self.context)
            }
            // Moving /hello/{id} to the root rewrites its path; moving /hello under its own child is refused.
            let moved = try await service.updateResource(
                .init(
                    restApiId: hello.apiId,
                    resourceId: try #require(id.id),
                    patchOperations: [
                        .init(op: .replace, path: "/parentId", value: hello.rootId), .init(op: .replace, path: "/pathPart", value: "items"),
                    ]
                ),
                context: Self.context
            )
            #expect(moved.path == "/items")
            let child = try await service.createResource(
                .init(restApiId: hello.apiId, parentId: hello.helloId, pathPart: "child"),
                context: Self.context
            )
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.updateResource(
                    .init(
                        restApiId: hello.apiId,
                        resourceId: hello.helloId,
                        patchOperations: [.init(op: .replace, path: "/parentId", value: child.id)]
                    ),
                    context: Self.context
                )
            }
            // Deleting /hello deletes /hello/child, and leaves the others.
            try await service.deleteResource(.init(restApiId: hello.apiId, resourceId: hello.helloId), context: Self.context)
            let paths = try await service.getResources(.init(restApiId: hello.apiId), context: Self.context).items?.map(\.path)
            #expect(paths == ["/", "/items", "/{proxy+}"])
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.deleteResource(.init(restApiId: hello.apiId, resourceId: hello.rootId), context: Self.context)
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func methodsNeedAnAuthorizerOfTheirKind(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let hello = try await Self.helloAPI(service)
            let method = try await service.getMethod(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET"),
                context: Self.context
            )
            #expect(method.authorizationType == "COGNITO_USER_POOLS")
            #expect(method.authorizerId == hello.authorizerId)
            #expect(method.apiKeyRequired == false)
            await #expect(throws: GatewayError.conflict("")) {
                try await service.putMethod(
                    .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", authorizationType: "NONE"),
                    context: Self.context
                )
            }
            for (type, authorizerId) in [("COGNITO_USER_POOLS", nil), ("CUSTOM", hello.authorizerId), ("CUSTOM", "nope"), ("OAUTH", nil)] {
                await #expect(throws: GatewayError.badRequest("")) {
                    try await service.putMethod(
                        .init(
                            restApiId: hello.apiId,
                            resourceId: hello.helloId,
                            httpMethod: "POST",
                            authorizationType: type,
                            authorizerId: authorizerId
                        ),
                        context: Self.context
                    )
                }
            }
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.putMethod(
                    .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "FETCH", authorizationType: "NONE"),
                    context: Self.context
                )
            }
            let updated = try await service.updateMethod(
                .init(
                    restApiId: hello.apiId,
                    resourceId: hello.helloId,
                    httpMethod: "GET",
                    patchOperations: [
                        .init(op: .replace, path: "/apiKeyRequired", value: "true"),
                        .init(op: .add, path: "/authorizationScopes", value: "email"),
                    ]
                ),
                context: Self.context
            )
            #expect(updated.apiKeyRequired == true)
            #expect(updated.authorizationScopes == ["email"])
            // The authorizer is in use: it cannot be deleted.
            await #expect(throws: GatewayError.conflict("")) {
                try await service.deleteAuthorizer(.init(restApiId: hello.apiId, authorizerId: hello.authorizerId), context: Self.context)
            }
            let none = try await service.updateMethod(
                .init(
                    restApiId: hello.apiId,
                    resourceId: hello.helloId,
                    httpMethod: "GET",
                    patchOperations: [
                        .init(op: .replace, path: "/authorizationType", value: "NONE")
                    ]
                ),
                context: Self.context
            )
            #expect(none.authorizerId == nil)
            try await service.deleteAuthorizer(.init(restApiId: hello.apiId, authorizerId: hello.authorizerId), context: Self.context)
            await #expect(throws: GatewayError.authorizerNotFound) {
                try await service.getAuthorizer(.init(restApiId: hello.apiId, authorizerId: hello.authorizerId), context: Self.context)
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func integrationsAreCheckedAsAWSChecksThem(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let hello = try await Self.helloAPI(service)
            let integration = try await service.getIntegration(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET"),
                context: Self.context
            )
            #expect(integration.timeoutInMillis == 29000)
            #expect(integration.passthroughBehavior == "WHEN_NO_MATCH")
            #expect(integration.cacheNamespace == hello.helloId)
            let invalid: [APIGateway.PutIntegrationRequest] = [
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", type: .awsProxy, uri: Self.lambdaURI),
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", type: .http, integrationHttpMethod: "GET"),
                .init(
                    restApiId: hello.apiId,
                    resourceId: hello.helloId,
                    httpMethod: "GET",
                    type: .http,
                    integrationHttpMethod: "GET",
                    uri: "ftp://x"
                ),
                .init(
                    restApiId: hello.apiId,
                    resourceId: hello.helloId,
                    httpMethod: "GET",
                    type: .awsProxy,
                    integrationHttpMethod: "POST",
                    uri: "arn:aws:apigateway:us-east-1:sqs:path/123/queue"
                ),
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", type: .mock, timeoutInMillis: 30000),
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", type: .mock, passthroughBehavior: "SOMETIMES"),
            ]
            for request in invalid {
                await #expect(throws: GatewayError.badRequest("")) { try await service.putIntegration(request, context: Self.context) }
            }
            // A refused write leaves the integration as it was.
            let unchanged = try await service.getIntegration(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET"),
                context: Self.context
            )
            #expect(unchanged == integration)
            let patched = try await service.updateIntegration(
                .init(
                    restApiId: hello.apiId,
                    resourceId: hello.helloId,
                    httpMethod: "GET",
                    patchOperations: [
                        .init(op: .replace, path: "/timeoutInMillis", value: "5000")
                    ]
                ),
                context: Self.context
            )
            #expect(patched.timeoutInMillis == 5000)
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.updateIntegration(
                    .init(
                        restApiId: hello.apiId,
                        resourceId: hello.helloId,
                        httpMethod: "GET",
                        patchOperations: [
                            .init(op: .replace, path: "/nope", value: "1")
                        ]
                    ),
                    context: Self.context
                )
            }
            _ = try await service.putIntegrationResponse(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", statusCode: "200", selectionPattern: ""),
                context: Self.context
            )
            let response = try await service.getIntegrationResponse(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", statusCode: "200"),
                context: Self.context
            )
            #expect(response.statusCode == "200")
            await #expect(throws: GatewayError.responseNotFound) {
                try await service.getIntegrationResponse(
                    .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", statusCode: "404"),
                    context: Self.context
                )
            }
            _ = try await service.putMethodResponse(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", statusCode: "200"),
                context: Self.context
            )
            await #expect(throws: GatewayError.conflict("")) {
                try await service.putMethodResponse(
                    .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET", statusCode: "200"),
                    context: Self.context
                )
            }
            try await service.deleteIntegration(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET"),
                context: Self.context
            )
            await #expect(throws: GatewayError.integrationNotFound) {
                try await service.getIntegration(
                    .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "GET"),
                    context: Self.context
                )
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func authorizersOfEachKindNeedWhatTheyCall(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let api = try await service.createRestApi(.init(name: "a"), context: Self.context)
            let apiId = try #require(api.id)
            let token = try await service.createAuthorizer(
                .init(
                    restApiId: apiId,
                    name: "token",
                    type: .token,
                    authorizerUri: Self.lambdaURI,
                    identitySource: "method.request.header.Authorization"
                ),
                context: Self.context
            )
            #expect(token.authorizerResultTtlInSeconds == 300)
            let invalid: [APIGateway.CreateAuthorizerRequest] = [
                .init(restApiId: apiId, name: "pool", type: .cognitoUserPools, identitySource: "method.request.header.Authorization"),
                .init(restApiId: apiId, name: "token", type: .token, identitySource: "method.request.header.Authorization"),
                .init(restApiId: apiId, name: "request", type: .request, authorizerUri: Self.lambdaURI, authorizerResultTtlInSeconds: 3601),
            ]
            for request in invalid {
                await #expect(throws: GatewayError.badRequest("")) { try await service.createAuthorizer(request, context: Self.context) }
            }
            let renamed = try await service.updateAuthorizer(
                .init(
                    restApiId: apiId,
                    authorizerId: try #require(token.id),
                    patchOperations: [
                        .init(op: .replace, path: "/name", value: "renamed"),
                        .init(op: .replace, path: "/authorizerResultTtlInSeconds", value: "0"),
                    ]
                ),
                context: Self.context
            )
            #expect(renamed.name == "renamed")
            #expect(renamed.authorizerResultTtlInSeconds == 0)
            let all = try await service.getAuthorizers(.init(restApiId: apiId), context: Self.context)
            #expect(all.items?.map(\.name) == ["renamed"])
        }
    }

    @Test(arguments: TestBackend.all)
    func aDeploymentFreezesTheAPIForItsStage(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let empty = try await service.createRestApi(.init(name: "empty"), context: Self.context)
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.createDeployment(.init(restApiId: try #require(empty.id), stageName: "dev"), context: Self.context)
            }
            let hello = try await Self.helloAPI(service)
            let deployment = try await service.createDeployment(
                .init(restApiId: hello.apiId, stageName: "dev", variables: ["table": "hello"]),
                context: Self.context
            )
            let deploymentId = try #require(deployment.id)
            // A method added afterwards is not deployed until the next deployment.
            _ = try await service.putMethod(
                .init(restApiId: hello.apiId, resourceId: hello.helloId, httpMethod: "POST", authorizationType: "NONE"),
                context: Self.context
            )
            let deployed = try #require(try await domain.deployedStage(restApiId: hello.apiId, stageName: "dev"))
            #expect(deployed.deploymentId == deploymentId)
            #expect(deployed.variables == ["table": "hello"])
            let deployedHello = try #require(deployed.resources.first { $0.path == "/hello" })
            #expect(deployedHello.resourceMethods?.keys.sorted() == ["GET"])
            #expect(deployedHello.resourceMethods?["GET"]?.authorizerId == hello.authorizerId)
            #expect(deployedHello.resourceMethods?["GET"]?.methodIntegration?.type == .awsProxy)
            #expect(deployed.authorizers.map(\.providerARNs) == [[Self.pool]])
            let summary = try await service.getDeployment(
                .init(restApiId: hello.apiId, deploymentId: deploymentId, embed: ["apisummary"]),
                context: Self.context
            )
            #expect(
                summary.apiSummary == [
                    "/hello": ["GET": APIGateway.MethodSnapshot(authorizationType: "COGNITO_USER_POOLS", apiKeyRequired: false)]
                ]
            )
            // The new method has no integration yet: the API cannot be deployed.
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.createDeployment(.init(restApiId: hello.apiId, stageName: "dev"), context: Self.context)
            }
            #expect(try await domain.deployedStage(restApiId: hello.apiId, stageName: "dev")?.deploymentId == deploymentId)
            #expect(try await service.getDeployments(.init(restApiId: hello.apiId), context: Self.context).items?.count == 1)
            #expect(try await domain.deployedStage(restApiId: hello.apiId, stageName: "prod") == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func stagesTakeVariablesAndMethodSettings(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let hello = try await Self.helloAPI(service)
            let first = try #require(
                try await service.createDeployment(.init(restApiId: hello.apiId, stageName: "dev"), context: Self.context).id
            )
            let second = try #require(try await service.createDeployment(.init(restApiId: hello.apiId), context: Self.context).id)
            let stage = try await service.updateStage(
                .init(
                    restApiId: hello.apiId,
                    stageName: "dev",
                    patchOperations: [
                        .init(op: .replace, path: "/description", value: "development"),
                        .init(op: .replace, path: "/variables/table", value: "hello-dev"),
                        .init(op: .replace, path: "/*/*/throttling/rateLimit", value: "100"),
                        .init(op: .replace, path: "/*/*/throttling/burstLimit", value: "50"),
                        .init(op: .replace, path: "/~1hello/GET/throttling/rateLimit", value: "5"),
                    ]
                ),
                context: Self.context
            )
            #expect(stage.description == "development")
            #expect(stage.variables == ["table": "hello-dev"])
            #expect(stage.methodSettings?["*/*"]?.throttlingRateLimit == 100)
            #expect(stage.methodSettings?["~1hello/GET"]?.throttlingRateLimit == 5)
            #expect(stage.methodSettings?["~1hello/GET"]?.throttlingBurstLimit == 50)
            let deployed = try #require(try await domain.deployedStage(restApiId: hello.apiId, stageName: "dev"))
            #expect(deployed.settings(resourcePath: "/hello", httpMethod: "GET").throttlingRateLimit == 5)
            #expect(deployed.settings(resourcePath: "/", httpMethod: "GET").throttlingRateLimit == 100)
            for path in ["/nope", "/~1nope/GET/throttling/rateLimit", "/*/*/throttling/speed"] {
                await #expect(throws: GatewayError.badRequest("")) {
                    try await service.updateStage(
                        .init(restApiId: hello.apiId, stageName: "dev", patchOperations: [.init(op: .replace, path: path, value: "1")]),
                        context: Self.context
                    )
                }
            }
            // The stage is on the first deployment: it cannot be deleted until the stage moves.
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.deleteDeployment(.init(restApiId: hello.apiId, deploymentId: first), context: Self.context)
            }
            _ = try await service.updateStage(
                .init(
                    restApiId: hello.apiId,
                    stageName: "dev",
                    patchOperations: [.init(op: .replace, path: "/deploymentId", value: second)]
                ),
                context: Self.context
            )
            try await service.deleteDeployment(.init(restApiId: hello.apiId, deploymentId: first), context: Self.context)
            await #expect(throws: GatewayError.conflict("")) {
                try await service.createStage(.init(restApiId: hello.apiId, stageName: "dev", deploymentId: second), context: Self.context)
            }
            _ = try await service.createStage(.init(restApiId: hello.apiId, stageName: "prod", deploymentId: second), context: Self.context)
            let stages = try await service.getStages(.init(restApiId: hello.apiId, deploymentId: second), context: Self.context)
            #expect(stages.item?.map(\.stageName) == ["dev", "prod"])
            try await service.deleteStage(.init(restApiId: hello.apiId, stageName: "prod"), context: Self.context)
            await #expect(throws: GatewayError.stageNotFound) {
                try await service.getStage(.init(restApiId: hello.apiId, stageName: "prod"), context: Self.context)
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func deletingAnAPIDeletesEverythingOfIt(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            let hello = try await Self.helloAPI(service)
            let other = try await service.createRestApi(.init(name: "other"), context: Self.context)
            _ = try await service.createDeployment(.init(restApiId: hello.apiId, stageName: "dev"), context: Self.context)
            try await service.deleteRestApi(.init(restApiId: hello.apiId), context: Self.context)
            #expect(try await domain.deployedStage(restApiId: hello.apiId, stageName: "dev") == nil)
            #expect(try await domain.store.deployments(of: hello.apiId).isEmpty)
            let remaining = try await service.getRestApis(.init(), context: Self.context)
            #expect(remaining.items?.map(\.id) == [other.id])
            await #expect(throws: GatewayError.notFound("")) {
                try await service.deleteRestApi(.init(restApiId: hello.apiId), context: Self.context)
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func restApisPageAndPatch(backend: TestBackend) async throws {
        try await withDomain(backend) { domain in
            let service = domain.service
            var ids: [String] = []
            for name in ["a", "b", "c"] {
                ids.append(try #require(try await service.createRestApi(.init(name: name), context: Self.context).id))
            }
            let first = try await service.getRestApis(.init(limit: 2), context: Self.context)
            #expect(first.items?.count == 2)
            #expect(first.position != nil)
            let second = try await service.getRestApis(.init(position: first.position, limit: 2), context: Self.context)
            #expect(Set((first.items ?? []).compactMap(\.id) + (second.items ?? []).compactMap(\.id)) == Set(ids))
            #expect(second.position == nil)
            let patched = try await service.updateRestApi(
                .init(
                    restApiId: ids[0],
                    patchOperations: [
                        .init(op: .replace, path: "/name", value: "renamed"), .init(op: .replace, path: "/description", value: "d"),
                        .init(op: .add, path: "/binaryMediaTypes/image~1png"),
                    ]
                ),
                context: Self.context
            )
            #expect(patched.name == "renamed")
            #expect(patched.binaryMediaTypes == ["image/png"])
            // One bad operation refuses the whole patch.
            await #expect(throws: GatewayError.badRequest("")) {
                try await service.updateRestApi(
                    .init(
                        restApiId: ids[0],
                        patchOperations: [
                            .init(op: .replace, path: "/name", value: "again"), .init(op: .replace, path: "/color", value: "red"),
                        ]
                    ),
                    context: Self.context
                )
            }
            #expect(try await service.getRestApi(.init(restApiId: ids[0]), context: Self.context).name == "renamed")
        }
    }

    @Test func authorizationIsByVerbOnTheRequestPath() {
        let input = WireValue.object(["restApiId": .string("abc"), "resourceId": .string("r1"), "httpMethod": .string("GET")])
        let target = APIGatewayDomain.authorizationTarget("PutMethod", input, Self.context)
        #expect(target?.action == "apigateway:PUT")
        #expect(target?.resource == "arn:aws:apigateway:us-east-1::/restapis/abc/resources/r1/methods/GET")
        let list = APIGatewayDomain.authorizationTarget("GetRestApis", .object([:]), Self.context)
        #expect(list?.action == "apigateway:GET")
        #expect(list?.resource == "arn:aws:apigateway:us-east-1::/restapis")
    }
}
