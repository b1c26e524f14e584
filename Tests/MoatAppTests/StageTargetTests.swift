import Testing

@testable import MoatApp

@Suite("Stage URLs")
struct StageTargetTests {
    @Test("The execute-api host form names the API; the first path segment is the stage")
    func hostForm() {
        let target = StageTarget(authority: "a1b2c3.execute-api.localhost:4566", path: "/dev/pets/7")
        #expect(target?.restApiId == "a1b2c3")
        #expect(target?.stageName == "dev")
        #expect(target?.path == "/pets/7")
        #expect(target?.domainName == "a1b2c3.execute-api.localhost")
        #expect(StageTarget(authority: "a1b2c3.execute-api.localhost", path: "/") == nil)
    }

    @Test("The _user_request_ form on the endpoint's own host")
    func userRequestForm() {
        let target = StageTarget(authority: "127.0.0.1:4566", path: "/restapis/a1b2c3/prod/_user_request_/items")
        #expect(target?.restApiId == "a1b2c3" && target?.stageName == "prod" && target?.path == "/items")
        #expect(StageTarget(authority: "127.0.0.1", path: "/restapis/a1b2c3/prod/_user_request_")?.path == "")
        #expect(StageTarget(authority: "127.0.0.1", path: "/restapis/a1b2c3/_user_request_/x") == nil)
        #expect(StageTarget(authority: "127.0.0.1", path: "/restapis/a1b2c3/prod/_user_request_x") == nil)
        #expect(StageTarget(authority: "127.0.0.1", path: "/restapis/a1b2c3/resources") == nil)
    }
}

@Suite("Cognito authorizer wiring")
struct CognitoGatewayUserPoolsTests {
    @Test("A provider ARN names its pool; anything else names none")
    func poolIds() {
        #expect(CognitoGatewayUserPools.poolId("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbC123") == "us-east-1_AbC123")
        #expect(CognitoGatewayUserPools.poolId("arn:aws:cognito-idp:us-east-1:000000000000:userpool/") == nil)
        #expect(CognitoGatewayUserPools.poolId("arn:aws:cognito-idp:us-east-1:000000000000:identitypool/x") == nil)
        #expect(CognitoGatewayUserPools.poolId("us-east-1_AbC123") == nil)
    }
}
