import MoatCore
import Testing

@testable import MoatLambda

/// The generated Lambda model carries what the wire layer routes and encodes by.
@Suite struct LambdaModelTests {
    @Test func invokeIsARESTOperationWhosePayloadIsTheBody() throws {
        let invoke = try #require(ServiceModel.lambda.operations["Invoke"])
        #expect(ServiceModel.lambda.wireProtocol == .restJSON)
        #expect(invoke.httpMethod == "POST")
        #expect(invoke.requestURI == "/2015-03-31/functions/{FunctionName}/invocations")
        #expect(invoke.isImplemented)
        let inputName = try #require(invoke.input)
        let input = try #require(ServiceModel.lambda.schema[inputName])
        let payload = try #require(input.members.first { $0.name == "Payload" })
        #expect(payload.isPayload)
    }

    @Test func operationsMoatDoesNotImplementAreMarkedSo() throws {
        let publish = try #require(ServiceModel.lambda.operations["PublishLayerVersion"])
        #expect(!publish.isImplemented)
    }
}
