import Foundation
import MoatCore
import MoatStorage
import MoatTesting
import Synchronization
import Testing

@testable import MoatAPIGateway

/// The data plane over a real store, with functions, user pools, upstreams and logs replaced by doubles.
@Suite("API Gateway data plane")
struct DataPlaneTests {
    typealias Service = APIGatewayService
    static var context: OperationContext { APIGatewayServiceTests.context }
    static let claims = JSONValue.object([
        ("sub", .string("5f1e")), ("email", .string("ann@example.com")), ("exp", .number("1800003600")), ("token_use", .string("id")),
    ])

    /// Functions that answer what the test says, remember how they were called, and may hang.
    final class Functions: GatewayFunctions {
        struct Call: Sendable {
            let functionArn: String
            let sourceArn: String
            let payload: JSONValue
        }

        let answer: @Sendable (String, JSONValue) async throws(GatewayFunctionError) -> GatewayFunctionAnswer
        let calls = Mutex<[Call]>([])

        init(_ answer: @escaping @Sendable (String, JSONValue) async throws(GatewayFunctionError) -> GatewayFunctionAnswer) {
            self.answer = answer
        }

        func invoke(functionArn: String, sourceArn: String, payload: [UInt8], requestId: String) async throws(GatewayFunctionError)
            -> GatewayFunctionAnswer
        {
            let event = (try? JSONParser.parse(payload)) ?? .null
            calls.withLock { $0.append(Call(functionArn: functionArn, sourceArn: sourceArn, payload: event)) }
            return try await answer(functionArn, event)
        }

        var count: Int { calls.withLock { $0.count } }
    }

    struct UserPools: GatewayUserPools {
        func verify(token: String, userPoolArns: [String], scopes: [String], now: Date) async -> UserPoolVerdict {
            switch token {
            case "good" where userPoolArns == [APIGatewayServiceTests.pool]: .verified(claims: DataPlaneTests.claims)
            case "old": .expired
            default: .unauthorized
            }
        }
    }

    /// Signatures: `Authorization: good` signs as the user `ann`, whom IAM allows `GET /ping` only; `bad` does not
    /// verify.
    struct Callers: GatewayCallers {
        static let ann = Principal(
            kind: .user, accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/ann", userId: "AIDAANN",
            entityName: "ann", entityArn: "arn:aws:iam::123456789012:user/ann", accessKeyId: "AKIAANN"
        )

        func authenticate(_ request: IncomingRequest) async -> CallerAuthentication {
            switch request.header("Authorization") {
            case nil: .unsigned
            case "good": .signed(Self.ann)
            default: .invalidSignature(message: "Signature mismatch")
            }
        }

        func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision {
            request.action == "execute-api:Invoke" && request.resource.hasSuffix("/GET/ping") ? .allow : .implicitDeny(reason: "no policy")
        }
    }

    struct NoUpstream: GatewayUpstream {
        func send(_ request: UpstreamRequest, timeout: Duration, maximumResponseSize: Int) async throws(UpstreamError) -> UpstreamResponse {
            throw .failed("no upstream in these tests")
        }
    }

    final class Lines: GatewayAccessLog {
        let lines = Mutex<[String]>([])
        func append(destinationArn: String, stream: String, line: String, at: Date) async { lines.withLock { $0.append(line) } }
    }

    static func proxyAnswer(_ body: String, status: Int = 200) -> GatewayFunctionAnswer {
        var text = ""
        JSONWriter.write(.object([("statusCode", .number(String(status))), ("body", .string(body))]), into: &text)
        return GatewayFunctionAnswer(payload: Array(text.utf8))
    }

    static func request(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: String = "") -> IncomingRequest {
        IncomingRequest(
            httpMethod: method,
            path: path,
            headers: headers,
            body: Array(body.utf8),
            sourceIp: "203.0.113.9",
            requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            extendedRequestId: "cMqfBHqoIAMFjYA=",
            time: Date(timeIntervalSince1970: 1_800_000_000),
            domainName: "localhost"
        )
    }

    /// Runs `body` with the control plane and a data plane over one fresh database.
    func withGateway(
        functions: Functions,
        accessLog: Lines = Lines(),
        settings: DataPlaneSettings = DataPlaneSettings(),
        _ body: @escaping @Sendable (Service, APIGatewayDataPlane) async throws -> Void
    ) async throws {
        try await TestBackend.sqliteInMemory.withDatabase { database in
            try await Migrator.run(APIGatewayDomain.migrations, on: database)
            let domain = APIGatewayDomain(database: database)
            let backends = GatewayBackends(
                functions: functions, userPools: UserPools(), callers: Callers(), upstream: NoUpstream(), accessLog: accessLog
            )
            try await body(domain.service, domain.dataPlane(backends: backends, accountId: "123456789012", region: "us-east-1", settings: settings))
        }
    }

    func deploy(_ service: Service, _ apiId: String, stage: String = "dev") async throws {
        _ = try await service.createDeployment(.init(restApiId: apiId, stageName: stage), context: Self.context)
    }

    @Test("Tutorial 004: the user pool authorizer, then the proxy event with the claims, then the function's answer")
    func proxyIntegrationBehindAUserPool() async throws {
        let functions = Functions { _, _ in DataPlaneTests.proxyAnswer(#"{"message":"hi"}"#) }
        try await withGateway(functions: functions) { service, gateway in
            let api = try await APIGatewayServiceTests.helloAPI(service)
            try await deploy(service, api.apiId)

            let missing = await gateway.handle(Self.request("GET", "/hello"), restApiId: api.apiId, stageName: "dev")
            #expect(missing.status == 401 && missing.body == Array(#"{"message":"Unauthorized"}"#.utf8))
            let expired = await gateway.handle(Self.request("GET", "/hello", headers: [("Authorization", "old")]), restApiId: api.apiId, stageName: "dev")
            #expect(expired.body == Array(#"{"message":"The incoming token has expired"}"#.utf8))
            #expect(functions.count == 0)

            let answer = await gateway.handle(
                Self.request("GET", "/hello", headers: [("Authorization", "good")]), restApiId: api.apiId, stageName: "dev"
            )
            #expect(answer.status == 200)
            #expect(String(decoding: answer.body, as: UTF8.self) == #"{"message":"hi"}"#)
            #expect(answer.headers.contains { $0 == ("x-amzn-RequestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef") })
            let call = try #require(functions.calls.withLock { $0.first })
            #expect(call.functionArn == "arn:aws:lambda:us-east-1:123456789012:function:hello")
            #expect(call.sourceArn == "arn:aws:execute-api:us-east-1:123456789012:\(api.apiId)/dev/GET/hello")
            #expect(call.payload["requestContext"]?["authorizer"]?["claims"]?["email"] == .string("ann@example.com"))
            #expect(call.payload["requestContext"]?["authorizer"]?["claims"]?["exp"] == .string("Fri Jan 15 09:00:00 UTC 2027"))
        }
    }

    @Test("Gateway answers: unknown stage, unknown route, a function that may not be invoked, one that answers garbage")
    func gatewayAnswers() async throws {
        let functions = Functions { arn, _ throws(GatewayFunctionError) in
            if arn.hasSuffix(":hello") { throw .notPermitted }
            return GatewayFunctionAnswer(payload: Array("not json".utf8))
        }
        try await withGateway(functions: functions) { service, gateway in
            let api = try await APIGatewayServiceTests.helloAPI(service)
            try await deploy(service, api.apiId)
            let good = [(name: "Authorization", value: "good")]
            let cases: [(String, String, Int, String)] = [
                ("prod", "/hello", 403, #"{"message":"Forbidden"}"#),
                ("dev", "/nowhere", 403, #"{"message":"Missing Authentication Token"}"#),
                ("dev", "/hello", 500, #"{"message": "Internal server error"}"#),
            ]
            for (stage, path, status, body) in cases {
                let answer = await gateway.handle(Self.request("GET", path, headers: good), restApiId: api.apiId, stageName: stage)
                #expect(answer.status == status)
                #expect(String(decoding: answer.body, as: UTF8.self) == body)
            }
            _ = try await service.updateIntegration(
                .init(
                    restApiId: api.apiId, resourceId: api.helloId, httpMethod: "GET",
                    patchOperations: [.init(op: .replace, path: "/uri", value: APIGatewayServiceTests.lambdaURI.replacingOccurrences(of: ":hello", with: ":garbage"))]
                ),
                context: Self.context
            )
            try await deploy(service, api.apiId)
            let garbage = await gateway.handle(Self.request("GET", "/hello", headers: good), restApiId: api.apiId, stageName: "dev")
            #expect(garbage.status == 502)
        }
    }

    @Test("An integration that does not answer in time is a 504, and the caller does not wait for it")
    func integrationTimeout() async throws {
        let functions = Functions { _, _ in
            try? await Task.sleep(for: .seconds(3600))
            return DataPlaneTests.proxyAnswer("late")
        }
        try await withGateway(functions: functions) { service, gateway in
            let api = try await APIGatewayServiceTests.helloAPI(service)
            _ = try await service.updateIntegration(
                .init(
                    restApiId: api.apiId, resourceId: api.helloId, httpMethod: "GET",
                    patchOperations: [.init(op: .replace, path: "/timeoutInMillis", value: "50")]
                ),
                context: Self.context
            )
            try await deploy(service, api.apiId)
            let answer = await gateway.handle(
                Self.request("GET", "/hello", headers: [("Authorization", "good")]), restApiId: api.apiId, stageName: "dev"
            )
            #expect(answer.status == 504)
            #expect(String(decoding: answer.body, as: UTF8.self) == #"{"message": "Endpoint request timed out"}"#)
        }
    }

    /// A MOCK GET /ping answering `template`, deployed to `dev`.
    func mockAPI(_ service: Service, template: String, authorizer: APIGateway.CreateAuthorizerRequest? = nil) async throws -> String {
        let api = try await service.createRestApi(.init(name: "mock"), context: Self.context)
        let apiId = try #require(api.id)
        let ping = try await service.createResource(.init(restApiId: apiId, parentId: try #require(api.rootResourceId), pathPart: "ping"), context: Self.context)
        var authorizerId: String?
        if var authorizer {
            authorizer.restApiId = apiId
            authorizerId = try await service.createAuthorizer(authorizer, context: Self.context).id
        }
        let pingId = try #require(ping.id)
        _ = try await service.putMethod(
            .init(restApiId: apiId, resourceId: pingId, httpMethod: "GET", authorizationType: authorizerId == nil ? "NONE" : "CUSTOM", authorizerId: authorizerId),
            context: Self.context
        )
        _ = try await service.putIntegration(
            .init(restApiId: apiId, resourceId: pingId, httpMethod: "GET", type: .mock, requestTemplates: ["application/json": #"{"statusCode": 200}"#]),
            context: Self.context
        )
        _ = try await service.putMethodResponse(.init(restApiId: apiId, resourceId: pingId, httpMethod: "GET", statusCode: "200"), context: Self.context)
        _ = try await service.putIntegrationResponse(
            .init(restApiId: apiId, resourceId: pingId, httpMethod: "GET", statusCode: "200", responseTemplates: ["application/json": template]),
            context: Self.context
        )
        try await deploy(service, apiId)
        return apiId
    }

    @Test("A TOKEN authorizer's policy is evaluated against the method ARN, and its answer cached per token")
    func tokenAuthorizer() async throws {
        let functions = Functions { _, event throws(GatewayFunctionError) in
            guard case .string(let token)? = event["authorizationToken"], case .string(let methodArn)? = event["methodArn"] else {
                throw .failed("not an authorizer event")
            }
            if token == "boom" { return GatewayFunctionAnswer(payload: Array(#"{"errorMessage":"Unauthorized"}"#.utf8), functionError: "Unhandled") }
            let effect = token == "allow" ? "Allow" : "Deny"
            let answer = """
                {"principalId":"p-\(token)","policyDocument":{"Version":"2012-10-17","Statement":[\
                {"Effect":"\(effect)","Action":"execute-api:Invoke","Resource":"\(methodArn)"}]},"context":{"tier":"gold"}}
                """
            return GatewayFunctionAnswer(payload: Array(answer.utf8))
        }
        let authorizer = APIGateway.CreateAuthorizerRequest(
            restApiId: "",
            name: "token",
            type: .token,
            authorizerUri: APIGatewayServiceTests.lambdaURI.replacingOccurrences(of: ":hello", with: ":authorize"),
            identitySource: "method.request.header.Authorization"
        )
        try await withGateway(functions: functions) { service, gateway in
            let apiId = try await mockAPI(service, template: #"{"who": "$context.authorizer.principalId", "tier": "$context.authorizer.tier"}"#, authorizer: authorizer)
            let allowed = await gateway.handle(Self.request("GET", "/ping", headers: [("Authorization", "allow")]), restApiId: apiId, stageName: "dev")
            #expect(allowed.status == 200)
            #expect(String(decoding: allowed.body, as: UTF8.self) == #"{"who": "p-allow", "tier": "gold"}"#)
            _ = await gateway.handle(Self.request("GET", "/ping", headers: [("Authorization", "allow")]), restApiId: apiId, stageName: "dev")
            #expect(functions.count == 1)
            let call = try #require(functions.calls.withLock { $0.first })
            #expect(call.payload["methodArn"] == .string("arn:aws:execute-api:us-east-1:123456789012:\(apiId)/dev/GET/ping"))
            #expect(call.sourceArn.hasSuffix("/authorizers/" + (call.sourceArn.split(separator: "/").last.map(String.init) ?? "")))

            let denied = await gateway.handle(Self.request("GET", "/ping", headers: [("Authorization", "deny")]), restApiId: apiId, stageName: "dev")
            #expect(denied.status == 403)
            #expect(String(decoding: denied.body, as: UTF8.self) == #"{"Message":"User is not authorized to access this resource with an explicit deny"}"#)
            let failed = await gateway.handle(Self.request("GET", "/ping", headers: [("Authorization", "boom")]), restApiId: apiId, stageName: "dev")
            #expect(failed.status == 401)
            let missing = await gateway.handle(Self.request("GET", "/ping"), restApiId: apiId, stageName: "dev")
            #expect(missing.status == 401)
        }
    }

    @Test("Throttling by the stage's rate and burst, and the stage's access log")
    func throttlingAndAccessLog() async throws {
        let lines = Lines()
        try await withGateway(functions: Functions { _, _ in DataPlaneTests.proxyAnswer("") }, accessLog: lines) { service, gateway in
            let apiId = try await mockAPI(service, template: #"{"pong": true}"#)
            _ = try await service.updateStage(
                .init(
                    restApiId: apiId,
                    stageName: "dev",
                    patchOperations: [
                        .init(op: .replace, path: "/*/*/throttling/rateLimit", value: "0.001"),
                        .init(op: .replace, path: "/*/*/throttling/burstLimit", value: "2"),
                        .init(op: .replace, path: "/accessLogSettings/destinationArn", value: "arn:aws:logs:us-east-1:123456789012:log-group:access"),
                        .init(op: .replace, path: "/accessLogSettings/format", value: "$context.requestId $context.resourcePath $context.status $context.error.message."),
                    ]
                ),
                context: Self.context
            )
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(await gateway.handle(Self.request("GET", "/ping"), restApiId: apiId, stageName: "dev").status) }
            #expect(statuses == [200, 200, 429])
            #expect(
                lines.lines.withLock { $0 } == [
                    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef /ping 200 -.",
                    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef /ping 200 -.",
                    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef /ping 429 Too Many Requests.",
                ]
            )
        }
    }

    @Test("Gateway responses: a customised type, DEFAULT_4XX for the rest of its class, served from the next deployment")
    func gatewayResponses() async throws {
        try await withGateway(functions: Functions { _, _ in DataPlaneTests.proxyAnswer("") }) { service, gateway in
            let apiId = try await mockAPI(service, template: "{}")
            _ = try await service.putGatewayResponse(
                .init(
                    restApiId: apiId, responseType: .missingAuthenticationToken, statusCode: "404",
                    responseParameters: ["gatewayresponse.header.X-Asked": "method.request.header.X-Ask"],
                    responseTemplates: ["application/json": #"{"missing": "$context.error.responseType", "api": "$context.apiId"}"#]
                ),
                context: Self.context
            )
            _ = try await service.putGatewayResponse(
                .init(restApiId: apiId, responseType: .default4xx, statusCode: "400", responseParameters: ["gatewayresponse.header.X-Class": "'4xx'"]),
                context: Self.context
            )
            let before = await gateway.handle(Self.request("GET", "/nowhere"), restApiId: apiId, stageName: "dev")
            #expect(before.status == 403)

            try await deploy(service, apiId)
            let missing = await gateway.handle(Self.request("GET", "/nowhere", headers: [("X-Ask", "why")]), restApiId: apiId, stageName: "dev")
            #expect(missing.status == 404)
            #expect(String(decoding: missing.body, as: UTF8.self) == #"{"missing": "MISSING_AUTHENTICATION_TOKEN", "api": "\#(apiId)"}"#)
            #expect(missing.headers.contains { $0 == ("X-Asked", "why") })
            #expect(!missing.headers.contains { $0.name == "X-Class" })

            let tooLarge = await gateway.handle(Self.request("GET", "/ping", body: String(repeating: "x", count: 11_000_000)), restApiId: apiId, stageName: "dev")
            #expect(tooLarge.status == 400)
            #expect(tooLarge.headers.contains { $0 == ("X-Class", "4xx") })
            #expect(String(decoding: tooLarge.body, as: UTF8.self) == #"{"message":"Request Too Long"}"#)
        }
    }

    @Test("AWS_IAM: unsigned, badly signed and refused callers get API Gateway's answers; the signer reaches the integration")
    func iamAuthorization() async throws {
        try await withGateway(functions: Functions { _, _ in DataPlaneTests.proxyAnswer("") }) { service, gateway in
            let apiId = try await mockAPI(service, template: #"{"caller": "$context.identity.userArn", "key": "$context.identity.accessKey"}"#)
            let ping = try #require(try await service.getResources(.init(restApiId: apiId), context: Self.context).items?.first { $0.path == "/ping" }?.id)
            _ = try await service.updateMethod(
                .init(restApiId: apiId, resourceId: ping, httpMethod: "GET", patchOperations: [.init(op: .replace, path: "/authorizationType", value: "AWS_IAM")]),
                context: Self.context
            )
            try await deploy(service, apiId)
            func call(_ authorization: String?, method: String = "GET") async -> (Int, String) {
                let headers = authorization.map { [("Authorization", $0)] } ?? []
                let answer = await gateway.handle(Self.request(method, "/ping", headers: headers), restApiId: apiId, stageName: "dev")
                return (answer.status, String(decoding: answer.body, as: UTF8.self))
            }
            #expect(await call(nil) == (403, #"{"message":"Missing Authentication Token"}"#))
            #expect(await call("bad") == (403, #"{"message":"Signature mismatch"}"#))
            #expect(await call("good") == (200, #"{"caller": "arn:aws:iam::123456789012:user/ann", "key": "AKIAANN"}"#))
        }
    }

    @Test("A body over the limit is a 413")
    func bodyLimit() async throws {
        var settings = DataPlaneSettings()
        settings.maximumBodySize = 8
        try await withGateway(functions: Functions { _, _ in DataPlaneTests.proxyAnswer("") }, settings: settings) { service, gateway in
            let apiId = try await mockAPI(service, template: "{}")
            let answer = await gateway.handle(Self.request("GET", "/ping", body: "123456789"), restApiId: apiId, stageName: "dev")
            #expect(answer.status == 413)
            #expect(String(decoding: answer.body, as: UTF8.self) == #"{"message":"Request Too Long"}"#)
        }
    }

    @Test("Access log formats", arguments: [
        ("$context.httpMethod $context.path", "GET /dev/ping"),
        ("[$context.requestTime] $context.identity.sourceIp", "[15/Jan/2027:08:00:00 +0000] 203.0.113.9"),
        ("$context.unknown.", "-."),
    ])
    func accessLogFormats(format: String, expected: String) {
        let stage = DeployedStage(
            restApiId: "a1b2c3d4e5", stageName: "dev", deploymentId: "d", resources: [], authorizers: [], variables: [:],
            binaryMediaTypes: [], gatewayResponses: [:], accessLogSettings: nil, methodSettings: [:]
        )
        let answer = GatewayAnswer(status: 200, headers: [], body: [])
        #expect(AccessLog.line(format: format, request: Self.request("GET", "/ping"), stage: stage, answer: answer, note: AccessLogNote()) == expected)
    }
}
