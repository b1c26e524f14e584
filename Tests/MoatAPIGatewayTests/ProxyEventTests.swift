import Foundation
import MoatCore
import Testing

@testable import MoatAPIGateway

/// The Lambda proxy event (REST, payload format 1.0): members, order, nulls, authorizers and bodies.
@Suite("API Gateway data plane: proxy event")
struct ProxyEventTests {
    static let stage = DeployedStage(
        restApiId: "a1b2c3d4e5",
        stageName: "dev",
        deploymentId: "d1",
        resources: [
            StageRouterTests.resource("root", "/", ["GET"]),
            StageRouterTests.resource("pet", "/pets/{id}", ["GET", "POST"]),
            StageRouterTests.resource("proxy", "/{proxy+}", ["ANY"]),
        ],
        authorizers: [],
        variables: [:],
        binaryMediaTypes: [],
        gatewayResponses: [:],
        accessLogSettings: nil,
        methodSettings: [:]
    )
    static let router = StageRouter(stage: stage)
    /// 2020-03-10T00:03:59.428Z
    static let time = Date(timeIntervalSince1970: 1_583_798_639.428)

    static func request(
        _ method: String = "GET",
        _ path: String,
        headers: [(name: String, value: String)] = [],
        query: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) -> IncomingRequest {
        IncomingRequest(
            httpMethod: method,
            path: path,
            headers: headers,
            query: query,
            body: body,
            sourceIp: "203.0.113.7",
            requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            extendedRequestId: "JJbxmHc0IAMFZcA=",
            time: time,
            domainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
        )
    }

    static func text(_ value: JSONValue) -> String {
        String(decoding: ProxyEvent.payload(value), as: UTF8.self)
    }

    static func event(
        _ request: IncomingRequest,
        stage: DeployedStage = stage,
        binaryMediaTypes: [String] = [],
        authorizer: AuthorizerOutput = .none
    ) throws -> JSONValue {
        guard case .matched(let route) = StageRouter(stage: stage).route(httpMethod: request.httpMethod, path: request.path) else {
            throw RouteMissing()
        }
        return ProxyEvent.build(
            request: request,
            route: route,
            stage: stage,
            accountId: "123456789012",
            binaryMediaTypes: BinaryMediaTypes(binaryMediaTypes),
            authorizer: authorizer
        )
    }

    struct RouteMissing: Error {}

    @Test("A bare GET of the root: every member, in AWS's order, nulls where AWS sends null")
    func bareRoot() throws {
        let event = try Self.event(Self.request("GET", ""))
        let expected =
            #"{"resource":"/","path":"/","httpMethod":"GET","headers":null,"multiValueHeaders":null,"#
            + #""queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,"#
            + #""stageVariables":null,"requestContext":{"resourceId":"root","resourcePath":"/","httpMethod":"GET","#
            + #""extendedRequestId":"JJbxmHc0IAMFZcA=","requestTime":"10/Mar/2020:00:03:59 +0000","path":"/dev/","#
            + #""accountId":"123456789012","protocol":"HTTP/1.1","stage":"dev","domainPrefix":"a1b2c3d4e5","#
            + #""requestTimeEpoch":1583798639428,"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","#
            + #""identity":{"cognitoIdentityPoolId":null,"accountId":null,"cognitoIdentityId":null,"caller":null,"#
            + #""sourceIp":"203.0.113.7","principalOrgId":null,"accessKey":null,"cognitoAuthenticationType":null,"#
            + #""cognitoAuthenticationProvider":null,"userArn":null,"userAgent":null,"user":null},"#
            + #""domainName":"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com","apiId":"a1b2c3d4e5"},"#
            + #""body":null,"isBase64Encoded":false}"#
        #expect(Self.text(event) == expected)
    }

    @Test("Headers, query, path parameters and stage variables")
    func maps() throws {
        var stage = Self.stage
        stage = DeployedStage(
            restApiId: stage.restApiId,
            stageName: stage.stageName,
            deploymentId: stage.deploymentId,
            resources: stage.resources,
            authorizers: [],
            variables: ["b": "2", "a": "1"],
            binaryMediaTypes: [],
            gatewayResponses: [:],
            accessLogSettings: nil,
            methodSettings: [:]
        )
        let event = try Self.event(
            Self.request(
                "POST",
                "/pets/a%20b",
                headers: [
                    ("Host", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"), ("User-Agent", "curl/8.0"), ("Accept", "text/plain"),
                    ("accept", "application/json"), ("X-Empty", ""),
                ],
                query: [("q", "1"), ("Q", "x"), ("q", "2"), ("tag", "a b")],
                body: Array(#"{"name":"rex"}"#.utf8)
            ),
            stage: stage
        )
        #expect(event["resource"] == .string("/pets/{id}"))
        #expect(event["path"] == .string("/pets/a%20b"))
        #expect(event["httpMethod"] == .string("POST"))
        #expect(
            Self.text(event["headers"]!)
                == #"{"Host":"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com","User-Agent":"curl/8.0","#
                + #""Accept":"application/json","X-Empty":""}"#
        )
        #expect(
            Self.text(event["multiValueHeaders"]!)
                == #"{"Host":["a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"],"User-Agent":["curl/8.0"],"#
                + #""Accept":["text/plain","application/json"],"X-Empty":[""]}"#
        )
        #expect(Self.text(event["queryStringParameters"]!) == #"{"q":"2","Q":"x","tag":"a b"}"#)
        #expect(Self.text(event["multiValueQueryStringParameters"]!) == #"{"q":["1","2"],"Q":["x"],"tag":["a b"]}"#)
        #expect(Self.text(event["pathParameters"]!) == #"{"id":"a b"}"#)
        #expect(Self.text(event["stageVariables"]!) == #"{"a":"1","b":"2"}"#)
        #expect(event["body"] == .string(#"{"name":"rex"}"#))
        #expect(event["isBase64Encoded"] == .bool(false))
        let context = try #require(event["requestContext"])
        #expect(context["resourcePath"] == .string("/pets/{id}"))
        #expect(context["httpMethod"] == .string("POST"))
        #expect(context["path"] == .string("/dev/pets/a%20b"))
        #expect(context["identity"]?["userAgent"] == .string("curl/8.0"))
        #expect(context["authorizer"] == nil)
    }

    @Test("An ANY method reports the request's verb; a greedy parameter is the decoded rest of the path")
    func anyAndGreedy() throws {
        let event = try Self.event(Self.request("DELETE", "/files/a%2Fb/c"))
        #expect(event["httpMethod"] == .string("DELETE"))
        #expect(event["resource"] == .string("/{proxy+}"))
        #expect(event["requestContext"]?["httpMethod"] == .string("DELETE"))
        #expect(event["requestContext"]?["resourceId"] == .string("proxy"))
        #expect(Self.text(event["pathParameters"]!) == #"{"proxy":"files/a/b/c"}"#)
    }

    @Test(
        "Bodies: text as is, binary media types as base64, none as null",
        arguments: [
            (["image/png"], "image/png", true),
            (["image/png"], "IMAGE/PNG; charset=x", true),
            (["image/*"], "image/jpeg", true),
            (["*/*"], "text/plain", true),
            (["application/octet-stream"], "image/png", false),
            (["image~1png"], "image/png", true),
            ([], "image/png", false),
        ])
    func bodies(types: [String], contentType: String, binary: Bool) throws {
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF]
        let event = try Self.event(
            Self.request("POST", "/pets/1", headers: [("Content-Type", contentType)], body: bytes),
            binaryMediaTypes: types
        )
        #expect(event["isBase64Encoded"] == .bool(binary))
        if binary {
            #expect(event["body"] == .string("iVBORwD/"))
        } else {
            #expect(event["body"] == .string(String(decoding: bytes, as: UTF8.self)))
        }
    }

    @Test("No body is null even for a binary type; `*/*` makes a body without Content-Type binary")
    func emptyAndUntypedBodies() throws {
        let empty = try Self.event(
            Self.request("POST", "/pets/1", headers: [("Content-Type", "image/png")]), binaryMediaTypes: ["image/png"])
        #expect(empty["body"] == .null)
        #expect(empty["isBase64Encoded"] == .bool(false))
        let untyped = try Self.event(Self.request("POST", "/pets/1", body: [1, 2, 3]), binaryMediaTypes: ["*/*"])
        #expect(untyped["body"] == .string("AQID"))
        #expect(untyped["isBase64Encoded"] == .bool(true))
        let text = try Self.event(Self.request("POST", "/pets/1", body: Array("hi".utf8)), binaryMediaTypes: ["image/png"])
        #expect(text["body"] == .string("hi"))
    }

    @Test("A Cognito authorizer passes every claim as a string")
    func cognitoClaims() throws {
        let claims = try JSONParser.parse(
            Array(
                #"""
                {"sub":"cdad23f0","cognito:groups":["admin","users"],"email_verified":true,"phone_number_verified":false,
                 "iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC","token_use":"id","auth_time":1469814773,
                 "exp":1469818373,"iat":1469814773,"custom:score":12.5,"address":{"street":"1 Main"},"nothing":null,
                 "one":["solo"],"none":[],"mixed":[1,true,"x"]}
                """#.utf8
            )
        )
        let event = try Self.event(Self.request("GET", "/"), authorizer: .cognitoUserPools(claims: claims))
        let authorizer = try #require(event["requestContext"]?["authorizer"])
        #expect(
            Self.text(authorizer)
                == #"{"claims":{"sub":"cdad23f0","cognito:groups":"admin,users","email_verified":"true","#
                + #""phone_number_verified":"false","iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC","#
                + #""token_use":"id","auth_time":"1469814773","exp":"Fri Jul 29 18:52:53 UTC 2016","#
                + #""iat":"Fri Jul 29 17:52:53 UTC 2016","custom:score":"12.5","address":"{\"street\":\"1 Main\"}","#
                + #""one":"solo","none":"","mixed":"1,true,x"}}"#
        )
        // The authorizer comes right after resourceId, as AWS places it.
        #expect(event["requestContext"]?.members?.map(\.key).prefix(3) == ["resourceId", "authorizer", "resourcePath"])
    }

    @Test("A Lambda authorizer passes its context as strings, then principalId and integrationLatency")
    func lambdaAuthorizer() throws {
        let context = try JSONParser.parse(Array(#"{"stringKey":"stringval","numberKey":123,"booleanKey":true}"#.utf8))
        let event = try Self.event(
            Self.request("GET", "/"),
            authorizer: .lambda(principalId: "user", context: context, integrationLatency: 303)
        )
        #expect(
            Self.text(event["requestContext"]!["authorizer"]!)
                == #"{"stringKey":"stringval","numberKey":"123","booleanKey":"true","principalId":"user","integrationLatency":303}"#
        )
        let bare = try Self.event(Self.request("GET", "/"), authorizer: .lambda(principalId: "me", context: nil, integrationLatency: 0))
        #expect(Self.text(bare["requestContext"]!["authorizer"]!) == #"{"principalId":"me","integrationLatency":0}"#)
    }

    @Test("Dates as AWS writes them")
    func dates() {
        #expect(ProxyEvent.requestTime(epochSeconds: 0) == "01/Jan/1970:00:00:00 +0000")
        #expect(ProxyEvent.requestTime(epochSeconds: 1_665_775_841) == "14/Oct/2022:19:30:41 +0000")
        #expect(ProxyEvent.claimDate(epochSeconds: 1_680_629_979 + 3600) == "Tue Apr 04 18:39:39 UTC 2023")
        #expect(ProxyEvent.claimDate(epochSeconds: 0) == "Thu Jan 01 00:00:00 UTC 1970")
        #expect(ProxyEvent.claimDate(epochSeconds: -1) == "Wed Dec 31 23:59:59 UTC 1969")
        #expect(ProxyEvent.claimString(name: "exp", value: .number("1.5e3")) == "Thu Jan 01 00:25:00 UTC 1970")
        #expect(ProxyEvent.claimString(name: "exp", value: .string("soon")) == "soon")
        #expect(ProxyEvent.claimString(name: "nbf", value: .number("1469814773")) == "1469814773")
    }

    @Test("The payload is the event's JSON text and parses back")
    func payloadRoundTrip() throws {
        let event = try Self.event(Self.request("GET", "/pets/%22q%22", headers: [("X-Quote", "say \"hi\"\n")]))
        let payload = ProxyEvent.payload(event)
        #expect(try JSONParser.parse(payload) == event)
        #expect(event["pathParameters"]?["id"] == .string("\"q\""))
    }
}
