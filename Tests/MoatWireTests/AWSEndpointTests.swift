import CoreMetrics
import Foundation
import Logging
import MoatCore
import MoatTesting
import Synchronization
import Testing

@testable import MoatWire

/// The whole pipeline of the endpoint — route, SigV4, 501, decode, validate, authorize, run, encode — on one small
/// service per protocol, with doubles for credentials and authorization that record what they were asked.
@Suite("AWS endpoint pipeline")
struct AWSEndpointTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let accessKeyId = "AKIATESTKEY000000001"
    static let secret = "testsecrettestsecrettestsecrettestsecret"

    struct Credentials: CredentialResolving {
        func recordUse(of accessKeyId: String, service: String, region: String, at date: Date) async {}

        func credential(forAccessKeyId accessKeyId: String) async throws -> SigningCredential? {
            guard accessKeyId == AWSEndpointTests.accessKeyId else { return nil }
            return SigningCredential(
                accessKeyId: accessKeyId,
                secretAccessKey: AWSEndpointTests.secret,
                principal: Principal(
                    kind: .user,
                    accountId: "123456789012",
                    arn: "arn:aws:iam::123456789012:user/tester",
                    userId: "AIDATESTER",
                    entityName: "tester",
                    entityArn: "arn:aws:iam::123456789012:user/tester",
                    accessKeyId: accessKeyId
                )
            )
        }
    }

    final class Authorizer: RequestAuthorizing {
        let decision: AuthorizationDecision
        let asked = Mutex<[AuthorizationRequest]>([])
        init(_ decision: AuthorizationDecision) { self.decision = decision }
        func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision {
            asked.withLock { $0.append(request) }
            return decision
        }
    }

    final class Calls: Sendable {
        let inputs = Mutex<[WireValue]>([])
    }

    static func binding(_ wireProtocol: WireProtocol, calls: Calls) -> ServiceBinding {
        let handler = OperationHandler { input, context in
            calls.inputs.withLock { $0.append(input) }
            if input["Name"]?.stringValue == "boom" {
                throw ServiceError(ErrorDescriptor(code: "ThingBroken", httpStatus: 409, isSenderFault: true), "it broke")
            }
            return .object([
                "Thing": .object(["Name": input["Name"] ?? .null, "Created": .timestamp(context.now)]),
                "Etag": .string("abc"),
            ])
        }
        return ServiceBinding(
            model: TestModels.model(wireProtocol),
            handlers: ["CreateThing": handler, "GetThing": handler],
            authorizationTarget: { _, input, _ in AuthorizationTarget(resource: "arn:aws:things:::thing/\(input["Name"]?.stringValue ?? "")") },
            accessDenied: ErrorDescriptor(code: "AccessDeniedException", httpStatus: 403, isSenderFault: true),
            validationError: ErrorDescriptor(code: "ValidationException", httpStatus: 400, isSenderFault: true),
            internalError: ErrorDescriptor(code: "InternalFailure", httpStatus: 500, isSenderFault: false)
        )
    }

    static func endpoint(_ wireProtocol: WireProtocol, decision: AuthorizationDecision = .allow) -> (AWSEndpoint, Authorizer, Calls) {
        let calls = Calls()
        let authorizer = Authorizer(decision)
        let endpoint = AWSEndpoint(
            configuration: AWSEndpointConfiguration(accountId: "123456789012", region: "us-east-1"),
            services: [binding(wireProtocol, calls: calls)],
            credentials: Credentials(),
            authorizer: authorizer,
            metricsFactory: NOOPMetricsHandler.instance,
            clock: { now }
        )
        return (endpoint, authorizer, calls)
    }

    static func signed(method: String = "POST", path: String = "/", query: String = "", headers: [(name: String, value: String)], body: String)
        -> WireRequest
    {
        let signer = RequestSigner(accessKeyId: accessKeyId, secretAccessKey: secret, region: "us-east-1", service: "things")
        let request = signer.sign(method: method, path: path, query: query, headers: headers, body: Array(body.utf8), date: now)
        return WireRequest(method: method, path: path, query: query, headers: request.headers, body: request.body, sourceIp: "127.0.0.1")
    }

    static func json(_ body: String, target: String = "Things_20200101.CreateThing") -> WireRequest {
        signed(headers: [("X-Amz-Target", target), ("Content-Type", "application/x-amz-json-1.1")], body: body)
    }

    static func text(_ response: WireResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func awsJsonRunsAnAuthorizedOperation() async throws {
        let (endpoint, authorizer, calls) = Self.endpoint(.json)
        let response = await endpoint.handle(Self.json(#"{"Name":"abc","Count":2}"#), logger: logger)
        #expect(response.status == 200)
        #expect(Self.text(response) == #"{"Thing":{"Name":"abc","Created":1800000000}}"#)
        #expect(response.header("x-amzn-RequestId") != nil)
        #expect(calls.inputs.withLock { $0 } == [.object(["Name": .string("abc"), "Count": .integer(2)])])
        let asked = authorizer.asked.withLock { $0 }
        #expect(asked.map(\.action) == ["things:CreateThing"])
        #expect(asked.first?.resource == "arn:aws:things:::thing/abc")
        #expect(asked.first?.context["aws:SourceIp"] == ["127.0.0.1"])
    }

    @Test(arguments: [
        (#"{"Name":"abc","#, "ValidationException", "Could not parse request body"),
        (#"{"Count":2}"#, "ValidationException", "Value null at 'name' failed to satisfy constraint: Member must not be null"),
        (#"{"Name":"abc","Count":"two"}"#, "ValidationException", "at 'count'"),
        (#"{"Name":"ABC"}"#, "ValidationException", "Member must satisfy regular expression pattern"),
        (#"{"Name":"boom"}"#, "ThingBroken", "it broke"),
    ])
    func awsJsonAnswersErrorsInItsShape(body: String, code: String, message: String) async throws {
        let (endpoint, _, _) = Self.endpoint(.json)
        let response = await endpoint.handle(Self.json(body), logger: logger)
        #expect(response.header("x-amzn-ErrorType") == code)
        #expect(response.header("Content-Type") == "application/x-amz-json-1.1")
        #expect(Self.text(response).hasPrefix("{\"__type\":\"\(code)\",\"message\":"))
        #expect(Self.text(response).contains(message))
    }

    @Test func invalidInputNeverReachesTheOperationOrTheAuthorizer() async throws {
        let (endpoint, authorizer, calls) = Self.endpoint(.json)
        _ = await endpoint.handle(Self.json(#"{"Count":2}"#), logger: logger)
        #expect(calls.inputs.withLock { $0 }.isEmpty)
        #expect(authorizer.asked.withLock { $0 }.isEmpty)
    }

    @Test func unknownTargetsAndUnimplementedOperationsAreTold() async throws {
        let (endpoint, _, _) = Self.endpoint(.json)
        let unknown = await endpoint.handle(Self.json("{}", target: "Things_20200101.Nope"), logger: logger)
        #expect(unknown.status == 400)
        #expect(unknown.header("x-amzn-ErrorType") == "UnknownOperationException")
        let unbuilt = await endpoint.handle(Self.json("{}", target: "Things_20200101.Unbuilt"), logger: logger)
        #expect(unbuilt.status == 501)
        #expect(unbuilt.header("x-amzn-ErrorType") == "NotImplemented")
        #expect(Self.text(unbuilt).contains("Unbuilt of service things"))
    }

    @Test func refusalsNameTheActionAndResource() async throws {
        let (endpoint, _, calls) = Self.endpoint(.json, decision: .implicitDeny(reason: "no identity-based policy allows the things:CreateThing action"))
        let response = await endpoint.handle(Self.json(#"{"Name":"abc"}"#), logger: logger)
        #expect(response.status == 403)
        #expect(response.header("x-amzn-ErrorType") == "AccessDeniedException")
        #expect(
            Self.text(response).contains(
                "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: things:CreateThing on resource: "
                    + "arn:aws:things:::thing/abc because no identity-based policy allows the things:CreateThing action"
            )
        )
        #expect(calls.inputs.withLock { $0 }.isEmpty)
    }

    @Test func aTamperedBodyIsRefused() async throws {
        let (endpoint, _, calls) = Self.endpoint(.json)
        var request = Self.json(#"{"Name":"abc"}"#)
        request.body = Array(#"{"Name":"xyz"}"#.utf8)
        let response = await endpoint.handle(request, logger: logger)
        #expect(response.status == 400)
        #expect(response.header("x-amzn-ErrorType") == "InvalidSignatureException")
        #expect(calls.inputs.withLock { $0 }.isEmpty)
    }

    @Test func restJsonBindsLabelsQueryAndHeaders() async throws {
        let (endpoint, _, calls) = Self.endpoint(.restJSON)
        let request = Self.signed(method: "GET", path: "/things/abc", query: "version=3", headers: [("X-Trace", "xyz")], body: "")
        let response = await endpoint.handle(request, logger: logger)
        #expect(response.status == 200)
        #expect(response.header("ETag") == "abc")
        #expect(Self.text(response) == #"{"Thing":{"Name":"abc","Created":1800000000}}"#)
        #expect(calls.inputs.withLock { $0 } == [.object(["Name": .string("abc"), "Version": .integer(3), "Trace": .string("xyz")])])
    }

    @Test func restJsonAnswersMalformedInputAndUnknownPaths() async throws {
        let (endpoint, _, _) = Self.endpoint(.restJSON)
        let bad = await endpoint.handle(Self.signed(method: "GET", path: "/things/abc", query: "version=x", headers: [], body: ""), logger: logger)
        #expect(bad.status == 400)
        #expect(bad.header("x-amzn-ErrorType") == "ValidationException")
        #expect(Self.text(bad).hasPrefix("{\"message\":"))
        let unknown = await endpoint.handle(Self.signed(method: "GET", path: "/nothing", headers: [], body: ""), logger: logger)
        #expect(unknown.status == 404)
        #expect(unknown.header("x-amzn-ErrorType") == "UnknownOperationException")
    }

    @Test(arguments: [
        ("/restapis/a1b2c3d4e5/dev/_user_request_/hello", true),
        ("/restapis/a1b2c3d4e5/stages/_user_request_", true),
        ("/restapis/a1b2c3d4e5/stages/dev", false),
        ("/restapis/a1b2c3d4e5/_user_request_", false),
        ("/other/a1b2c3d4e5/dev/_user_request_/hello", false),
    ])
    func callsOfDeployedAPIsAreNotControlPlaneOperations(path: String, isUserRequest: Bool) {
        #expect(AWSEndpoint.isGatewayUserRequest(path: path) == isUserRequest)
    }

    @Test func awsQueryAnswersInXML() async throws {
        let (endpoint, _, _) = Self.endpoint(.query)
        let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let ok = await endpoint.handle(Self.signed(headers: form, body: "Action=CreateThing&Version=2020-01-01&Name=abc"), logger: logger)
        #expect(ok.status == 200)
        #expect(Self.text(ok).contains("<CreateThingResult><Thing><Name>abc</Name><Created>2027-01-15T08:00:00Z</Created></Thing></CreateThingResult>"))
        let unknown = await endpoint.handle(Self.signed(headers: form, body: "Action=Nope&Version=2020-01-01"), logger: logger)
        #expect(unknown.status == 400)
        #expect(Self.text(unknown).contains("<Code>InvalidAction</Code>"))
        let missing = await endpoint.handle(Self.signed(headers: form, body: "Version=2020-01-01"), logger: logger)
        #expect(Self.text(missing).contains("<Code>MissingAction</Code>"))
        let unsigned = await endpoint.handle(
            WireRequest(method: "POST", path: "/", query: "", headers: form, body: Array("Action=CreateThing&Name=abc".utf8), sourceIp: "::1"),
            logger: logger
        )
        #expect(unsigned.status == 403)
        #expect(Self.text(unsigned).contains("<Code>MissingAuthenticationToken</Code>"))
        #expect(Self.text(unsigned).contains("<RequestId>"))
    }

    @Test(arguments: [
        ("identity-based policy", "an"), ("resource-based policy", "a"), ("permissions boundary", "a"), ("session policy", "a"),
    ])
    func explicitDenialsReadAsAWSWritesThem(policyType: String, article: String) async throws {
        let (endpoint, _, _) = Self.endpoint(.json, decision: .explicitDeny(policyType: policyType))
        let response = await endpoint.handle(Self.json(#"{"Name":"abc"}"#), logger: logger)
        #expect(Self.text(response).contains("with an explicit deny in \(article) \(policyType)"))
    }
}
