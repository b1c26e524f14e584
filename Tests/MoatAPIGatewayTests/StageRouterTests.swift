import Testing

@testable import MoatAPIGateway

/// Route matching of the data plane: precedence, greedy parts, verbs, decoding and path shapes.
@Suite("API Gateway data plane: routing")
struct StageRouterTests {
    static func resource(_ id: String, _ path: String, _ verbs: [String]) -> APIGateway.Resource {
        APIGateway.Resource(
            id: id,
            path: path,
            resourceMethods: Dictionary(
                uniqueKeysWithValues: verbs.map { ($0, APIGateway.Method(httpMethod: $0, authorizationType: "NONE")) })
        )
    }

    /// A tree with every kind of part at several levels.
    static let router = StageRouter(resources: [
        resource("root", "/", ["GET"]),
        resource("pets", "/pets", ["GET", "POST"]),
        resource("petid", "/pets/{id}", ["GET", "ANY"]),
        resource("mine", "/pets/mine", ["GET"]),
        resource("toys", "/pets/{id}/toys", ["GET"]),
        resource("toy", "/pets/{id}/toys/{toy}", ["DELETE"]),
        resource("petproxy", "/pets/{id}/{rest+}", ["GET"]),
        resource("files", "/files/{path+}", ["ANY"]),
        resource("proxy", "/{proxy+}", ["ANY"]),
        resource("empty", "/empty", []),
    ])

    static func matched(_ method: String, _ path: String, router: StageRouter = router) -> MatchedRoute? {
        if case .matched(let route) = router.route(httpMethod: method, path: path) { return route }
        return nil
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let method: String
        let path: String
        let resourceId: String
        let methodKey: String
        let parameters: [String: String]
        var testDescription: String { "\(method) \(path)" }
    }

    static let precedenceCases: [Case] = [
        Case(method: "GET", path: "/", resourceId: "root", methodKey: "GET", parameters: [:]),
        Case(method: "GET", path: "", resourceId: "root", methodKey: "GET", parameters: [:]),
        Case(method: "GET", path: "/pets", resourceId: "pets", methodKey: "GET", parameters: [:]),
        Case(method: "POST", path: "/pets", resourceId: "pets", methodKey: "POST", parameters: [:]),
        // A literal beats a parameter at the same level.
        Case(method: "GET", path: "/pets/mine", resourceId: "mine", methodKey: "GET", parameters: [:]),
        Case(method: "GET", path: "/pets/42", resourceId: "petid", methodKey: "GET", parameters: ["id": "42"]),
        // The verb beats ANY on the same resource; ANY takes the others.
        Case(method: "PUT", path: "/pets/42", resourceId: "petid", methodKey: "ANY", parameters: ["id": "42"]),
        Case(method: "GET", path: "/pets/42/toys", resourceId: "toys", methodKey: "GET", parameters: ["id": "42"]),
        Case(
            method: "DELETE", path: "/pets/42/toys/ball", resourceId: "toy", methodKey: "DELETE", parameters: ["id": "42", "toy": "ball"]),
        // A greedy part loses to literal and parameter parts, and takes one or more segments.
        Case(method: "GET", path: "/pets/42/food", resourceId: "petproxy", methodKey: "GET", parameters: ["id": "42", "rest": "food"]),
        Case(
            method: "GET", path: "/pets/42/toys/ball/red", resourceId: "petproxy", methodKey: "GET",
            parameters: ["id": "42", "rest": "toys/ball/red"]
        ),
        // `/pets/mine` has no deeper resource: the parameter branch takes over.
        Case(method: "GET", path: "/pets/mine/toys", resourceId: "toys", methodKey: "GET", parameters: ["id": "mine"]),
        Case(method: "GET", path: "/files/a/b/c.txt", resourceId: "files", methodKey: "ANY", parameters: ["path": "a/b/c.txt"]),
        Case(method: "GET", path: "/other", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "other"]),
        Case(method: "PATCH", path: "/a/b/c", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "a/b/c"]),
        // A resource lacking the verb gives way to a less specific one that has it.
        Case(method: "DELETE", path: "/pets", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "pets"]),
        Case(method: "POST", path: "/pets/mine", resourceId: "petid", methodKey: "ANY", parameters: ["id": "mine"]),
        Case(method: "POST", path: "/pets/42/toys", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "pets/42/toys"]),
        Case(method: "GET", path: "/empty", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "empty"]),
        // Trailing slashes are ignored and leading ones collapse.
        Case(method: "GET", path: "/pets/", resourceId: "pets", methodKey: "GET", parameters: [:]),
        Case(method: "GET", path: "/pets/42//", resourceId: "petid", methodKey: "GET", parameters: ["id": "42"]),
        Case(method: "GET", path: "//pets", resourceId: "pets", methodKey: "GET", parameters: [:]),
        // An empty inner segment matches no literal or parameter, only a greedy part spanning it.
        Case(method: "GET", path: "/pets//42", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "pets//42"]),
        // Literals are case-sensitive.
        Case(method: "GET", path: "/Pets", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "Pets"]),
        Case(method: "GET", path: "/PETS/MINE", resourceId: "proxy", methodKey: "ANY", parameters: ["proxy": "PETS/MINE"]),
        // Parameters are percent-decoded segment by segment; `+` stays.
        Case(method: "GET", path: "/pets/a%20b", resourceId: "petid", methodKey: "GET", parameters: ["id": "a b"]),
        Case(method: "GET", path: "/pets/a+b", resourceId: "petid", methodKey: "GET", parameters: ["id": "a+b"]),
        Case(method: "GET", path: "/pets/a%2Fb", resourceId: "petid", methodKey: "GET", parameters: ["id": "a/b"]),
        Case(method: "GET", path: "/pets/caf%C3%A9", resourceId: "petid", methodKey: "GET", parameters: ["id": "café"]),
        Case(
            method: "GET", path: "/pets/%E2%9C%93/x%3Fy", resourceId: "petproxy", methodKey: "GET", parameters: ["id": "✓", "rest": "x?y"]),
        Case(method: "GET", path: "/files/a%20b/c%2Fd", resourceId: "files", methodKey: "ANY", parameters: ["path": "a b/c/d"]),
        // Literals compare decoded.
        Case(method: "GET", path: "/pets/%6Dine", resourceId: "mine", methodKey: "GET", parameters: [:]),
        // A bad escape is kept as sent.
        Case(method: "GET", path: "/pets/100%", resourceId: "petid", methodKey: "GET", parameters: ["id": "100%"]),
        Case(method: "GET", path: "/pets/%zz", resourceId: "petid", methodKey: "GET", parameters: ["id": "%zz"]),
        Case(method: "GET", path: "/pets/%FF", resourceId: "petid", methodKey: "GET", parameters: ["id": "%FF"]),
    ]

    @Test(arguments: precedenceCases)
    func precedence(_ expected: Case) throws {
        let route = try #require(Self.matched(expected.method, expected.path))
        #expect(route.resourceId == expected.resourceId)
        #expect(route.methodKey == expected.methodKey)
        #expect(route.pathParameters == expected.parameters)
        #expect(route.method.httpMethod == expected.methodKey)
    }

    @Test("No resource, or no method for the verb, is Missing Authentication Token")
    func missing() {
        let router = StageRouter(resources: [
            Self.resource("root", "/", []),
            Self.resource("hello", "/hello", ["GET"]),
            Self.resource("item", "/items/{id}", ["PUT"]),
            Self.resource("all", "/all/{proxy+}", ["GET"]),
        ])
        for (method, path) in [
            ("GET", "/"), ("GET", ""), ("POST", "/hello"), ("GET", "/nope"), ("GET", "/hello/there"), ("GET", "/items"),
            ("GET", "/items/1"), ("PUT", "/items/1/2"), ("PUT", "/items//"), ("GET", "/all"), ("GET", "/all/"),
            ("HEAD", "/hello"), ("get", "/hello"),
        ] {
            #expect(router.route(httpMethod: method, path: path) == .missingAuthenticationToken, "\(method) \(path)")
        }
        #expect(Self.matched("GET", "/all/x", router: router)?.pathParameters == ["proxy": "x"])
    }

    @Test("A root greedy resource does not take the root itself")
    func greedyNeedsASegment() {
        let router = StageRouter(resources: [Self.resource("root", "/", []), Self.resource("proxy", "/{proxy+}", ["ANY"])])
        #expect(router.route(httpMethod: "GET", path: "/") == .missingAuthenticationToken)
        #expect(Self.matched("GET", "/x", router: router)?.resourceId == "proxy")
    }

    @Test("The route names its settings key and orders its parameters as the path does")
    func routeDetails() throws {
        let route = try #require(Self.matched("DELETE", "/pets/7/toys/ball"))
        #expect(route.resourcePath == "/pets/{id}/toys/{toy}")
        #expect(route.methodSettingsKey == "~1pets~1{id}~1toys~1{toy}/DELETE")
        #expect(route.orderedPathParameters.map(\.name) == ["id", "toy"])
        #expect(route.orderedPathParameters.map(\.value) == ["7", "ball"])
        let proxy = try #require(Self.matched("GET", "/pets/7/a/b"))
        #expect(proxy.orderedPathParameters.map(\.name) == ["id", "rest"])
    }

    @Test("A stage's router serves its frozen resources")
    func fromStage() throws {
        let stage = DeployedStage(
            restApiId: "a1b2c3d4e5",
            stageName: "dev",
            deploymentId: "d1",
            resources: [Self.resource("r", "/", []), Self.resource("h", "/hello", ["GET"])],
            authorizers: [],
            variables: [:],
            binaryMediaTypes: [],
            gatewayResponses: [:],
            accessLogSettings: nil,
            methodSettings: [:]
        )
        let router = StageRouter(stage: stage)
        #expect(Self.matched("GET", "/hello", router: router)?.resourceId == "h")
        #expect(router.route(httpMethod: "GET", path: "/") == .missingAuthenticationToken)
    }
}
