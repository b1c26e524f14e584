import Foundation
import MoatCore

/// A function's resource-based policy: who besides the account's own principals may invoke or manage it.
extension LambdaService {
    func addPermission(_ input: Lambda.AddPermissionRequest, context: OperationContext) async throws -> Lambda.AddPermissionResponse {
        let name = try FunctionName.parse(input.functionName, accountId: accountId, region: region)
        let qualifier = try latestOnly(input.qualifier ?? name.qualifier, of: name.name)
        let statement = Self.statement(input, resource: arn(name.name) + (qualifier.map { ":\($0)" } ?? ""))
        var written = ""
        JSONWriter.write(statement, into: &written)
        _ = try await modify(input.functionName, revisionId: input.revisionId, context: context) { record in
            var statements = try Self.statements(of: record)
            if statements.contains(where: { $0["Sid"] == .string(input.statementId) }) {
                throw ServiceError.lambda(
                    Lambda.Errors.resourceConflict,
                    "The statement id (\(input.statementId)) provided already exists. Please provide a new statement id, or remove the "
                        + "existing statement."
                )
            }
            statements.append(statement)
            record.policy = Self.policyText(statements)
        }
        return Lambda.AddPermissionResponse(statement: written)
    }

    func removePermission(_ input: Lambda.RemovePermissionRequest, context: OperationContext) async throws {
        let name = try FunctionName.parse(input.functionName, accountId: accountId, region: region)
        _ = try latestOnly(input.qualifier ?? name.qualifier, of: name.name)
        _ = try await modify(input.functionName, revisionId: input.revisionId, context: context) { record in
            let statements = try Self.statements(of: record)
            let remaining = statements.filter { $0["Sid"] != .string(input.statementId) }
            guard remaining.count < statements.count else {
                throw ServiceError.lambdaNotFound("Statement \(input.statementId) is not found in resource policy.")
            }
            record.policy = remaining.isEmpty ? nil : Self.policyText(remaining)
        }
    }

    func getPolicy(_ input: Lambda.GetPolicyRequest, context: OperationContext) async throws -> Lambda.GetPolicyResponse {
        let record = try await existing(input.functionName, qualifier: input.qualifier, context: context)
        guard let policy = record.policy else {
            throw ServiceError.lambdaNotFound("The resource you requested does not exist.")
        }
        return Lambda.GetPolicyResponse(policy: policy, revisionId: record.revisionId)
    }

    /// Permissions are kept for `$LATEST` only (Moat does not publish versions).
    private func latestOnly(_ qualifier: String?, of name: String) throws -> String? {
        guard let qualifier, qualifier != "$LATEST" else { return nil }
        throw ServiceError.lambdaNotFound("Function not found: \(arn(name)):\(qualifier)")
    }

    /// The statement Lambda writes for AddPermission: the principal in the form IAM expects, the source conditions.
    static func statement(_ input: Lambda.AddPermissionRequest, resource: String) -> JSONValue {
        let principal: JSONValue
        if input.principal == "*" {
            principal = .string("*")
        } else if input.principal.hasSuffix(".amazonaws.com") || input.principal.hasSuffix(".amazonaws.com.cn") {
            principal = .object([("Service", .string(input.principal))])
        } else if input.principal.count == 12, input.principal.allSatisfy(\.isNumber) {
            principal = .object([("AWS", .string("arn:aws:iam::\(input.principal):root"))])
        } else {
            principal = .object([("AWS", .string(input.principal))])
        }
        var members: [(key: String, value: JSONValue)] = [
            ("Sid", .string(input.statementId)),
            ("Effect", .string("Allow")),
            ("Principal", principal),
            ("Action", .string(input.action)),
            ("Resource", .string(resource)),
        ]
        var conditions: [(key: String, value: JSONValue)] = []
        var equals: [(key: String, value: JSONValue)] = []
        if let account = input.sourceAccount { equals.append(("AWS:SourceAccount", .string(account))) }
        if let organization = input.principalOrgID { equals.append(("aws:PrincipalOrgID", .string(organization))) }
        if let token = input.eventSourceToken { equals.append(("lambda:EventSourceToken", .string(token))) }
        if !equals.isEmpty { conditions.append(("StringEquals", .object(equals))) }
        if let source = input.sourceArn { conditions.append(("ArnLike", .object([("AWS:SourceArn", .string(source))]))) }
        if !conditions.isEmpty { members.append(("Condition", .object(conditions))) }
        return .object(members)
    }

    static func statements(of record: FunctionRecord) throws -> [JSONValue] {
        guard let policy = record.policy else { return [] }
        guard case .array(let statements)? = try JSONParser.parse(Array(policy.utf8))["Statement"] else { return [] }
        return statements
    }

    static func policyText(_ statements: [JSONValue]) -> String {
        var text = ""
        JSONWriter.write(.object([("Version", .string("2012-10-17")), ("Id", .string("default")), ("Statement", .array(statements))]), into: &text)
        return text
    }
}
