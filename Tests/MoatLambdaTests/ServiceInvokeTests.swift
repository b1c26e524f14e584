import Foundation
import MoatCore
import Testing

@testable import MoatLambda

/// A service (API Gateway) may invoke a function only as the function's policy allows: AddPermission's principal and
/// SourceArn, evaluated as AWS does.
@Suite struct ServiceInvokeTests {
    let functionArn = "arn:aws:lambda:us-east-1:000000000000:function:hello"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func record(permissions: [Lambda.AddPermissionRequest]) -> FunctionRecord {
        let statements = permissions.map { LambdaService.statement($0, resource: functionArn) }
        return FunctionRecord(
            name: "hello", runtime: "python3.12", role: "arn:aws:iam::000000000000:role/r", handler: "app.handler",
            description: "", timeout: 3, memorySize: 128, environment: [:], codeSha256: "", codeSize: 0, revisionId: "r",
            lastModified: now, createdAt: now,
            policy: statements.isEmpty ? nil : LambdaService.policyText(statements)
        )
    }

    func gatewayPermission(sourceArn: String?) -> Lambda.AddPermissionRequest {
        Lambda.AddPermissionRequest(
            functionName: "hello", statementId: "apigateway", action: "lambda:InvokeFunction",
            principal: "apigateway.amazonaws.com", sourceArn: sourceArn
        )
    }

    func allows(_ record: FunctionRecord, service: String = "apigateway.amazonaws.com", sourceArn: String) throws -> Bool {
        try LambdaService.allows(
            record, servicePrincipal: service, sourceArn: sourceArn, functionArn: functionArn, accountId: "000000000000", now: now)
    }

    @Test func aFunctionWithoutPolicyRefusesEveryService() throws {
        #expect(try !allows(record(permissions: []), sourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/hello"))
    }

    @Test func theSourceArnPatternOfAddPermissionDecides() throws {
        let function = record(permissions: [gatewayPermission(sourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/hello")])
        #expect(try allows(function, sourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/hello"))
        #expect(try allows(function, sourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/hello"))
        #expect(try !allows(function, sourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/POST/hello"))
        #expect(try !allows(function, sourceArn: "arn:aws:execute-api:us-east-1:000000000000:other1/dev/GET/hello"))
    }

    @Test func onlyTheNamedServiceIsLetIn() throws {
        let function = record(permissions: [gatewayPermission(sourceArn: nil)])
        #expect(try allows(function, sourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/hello"))
        #expect(try !allows(function, service: "sns.amazonaws.com", sourceArn: "arn:aws:sns:us-east-1:000000000000:topic"))
    }
}
