import Foundation
import MoatCore
import MoatPolicy

/// The policy simulator: the evaluator that authorizes every request, exposed as IAM exposes it.
extension IAMService {
    func simulatePrincipalPolicy(_ input: IAM.SimulatePrincipalPolicyRequest, context: OperationContext) async throws
        -> IAM.SimulatePolicyResponse
    {
        let source = try await simulationPrincipal(input.policySourceArn)
        var policies = try await evaluator.applicablePolicies(source)
        policies.identity += try parse(input.policyInputList ?? [], kind: .identity)
        if let boundaries = input.permissionsBoundaryPolicyInputList, !boundaries.isEmpty {
            policies.boundary = try parse(boundaries, kind: .identity).first
        }
        return try simulate(
            principal: PrincipalInfo(source),
            policies: policies,
            actions: input.actionNames,
            resources: input.resourceArns,
            resourcePolicy: input.resourcePolicy,
            contextEntries: input.contextEntries,
            page: try Page(marker: input.marker, maxItems: input.maxItems),
            now: context.now
        )
    }

    func simulateCustomPolicy(_ input: IAM.SimulateCustomPolicyRequest, context: OperationContext) async throws -> IAM.SimulatePolicyResponse {
        var policies = IAMAuthorizer.ApplicablePolicies()
        policies.identity = try parse(input.policyInputList, kind: .identity)
        if let boundaries = input.permissionsBoundaryPolicyInputList, !boundaries.isEmpty {
            policies.boundary = try parse(boundaries, kind: .identity).first
        }
        let caller: PrincipalInfo
        if let arn = input.callerArn {
            caller = PrincipalInfo(try await simulationPrincipal(arn))
        } else {
            caller = PrincipalInfo(kind: .user, accountId: accountId, arn: "arn:aws:iam::\(accountId):user/simulated", entityArn: "arn:aws:iam::\(accountId):user/simulated", userId: "AIDASIMULATED")
        }
        return try simulate(
            principal: caller,
            policies: policies,
            actions: input.actionNames,
            resources: input.resourceArns,
            resourcePolicy: input.resourcePolicy,
            contextEntries: input.contextEntries,
            page: try Page(marker: input.marker, maxItems: input.maxItems),
            now: context.now
        )
    }

    private func parse(_ texts: [String], kind: PolicyKind) throws -> [PolicyDocument] {
        try texts.map { text in
            do {
                return try PolicyDocument.parse(text, kind: kind)
            } catch let error as MalformedPolicy {
                throw ServiceError(IAM.Errors.invalidInput, error.message)
            }
        }
    }

    /// The principal an ARN names: a user, a role (simulated as a session of it) or the account root.
    private func simulationPrincipal(_ arn: String) async throws -> Principal {
        if arn == IAMArn.root(accountId: accountId) {
            return Principal(kind: .root, accountId: accountId, arn: arn, userId: accountId, entityName: nil, entityArn: arn, accessKeyId: "")
        }
        let userPrefix = "arn:aws:iam::\(accountId):user/"
        if arn.hasPrefix(userPrefix), let name = arn.split(separator: "/").last.map(String.init), let user = try await store.user(named: name) {
            let userArn = IAMArn.user(accountId: accountId, path: user.path, name: user.name)
            return Principal(kind: .user, accountId: accountId, arn: userArn, userId: user.id, entityName: user.name, entityArn: userArn, accessKeyId: "")
        }
        if let role = try await IAMRoleLookup(store: store, accountId: accountId).role(arn: arn) {
            let roleArn = IAMArn.role(accountId: accountId, path: role.path, name: role.name)
            return Principal(
                kind: .assumedRole,
                accountId: accountId,
                arn: "arn:aws:sts::\(accountId):assumed-role/\(role.name)/simulation",
                userId: "\(role.id):simulation",
                entityName: role.name,
                entityArn: roleArn,
                accessKeyId: ""
            )
        }
        throw ServiceError(IAM.Errors.noSuchEntity, "The entity \(arn) cannot be found.")
    }

    private func simulate(
        principal: PrincipalInfo,
        policies: IAMAuthorizer.ApplicablePolicies,
        actions: [String],
        resources: [String]?,
        resourcePolicy: String?,
        contextEntries: [IAM.ContextEntry]?,
        page: Page,
        now: Date
    ) throws -> IAM.SimulatePolicyResponse {
        var context: [String: [String]] = [:]
        for entry in contextEntries ?? [] {
            if let name = entry.contextKeyName { context[name] = entry.contextKeyValues ?? [] }
        }
        let resourceDocument = try resourcePolicy.map { try parse([$0], kind: .resource)[0] }
        var results: [IAM.EvaluationResult] = []
        for action in actions {
            for resource in resources ?? ["*"] {
                let decision = PolicyEvaluator.evaluate(
                    EvaluationInput(
                        principal: principal,
                        action: action,
                        resource: resource,
                        context: context,
                        identityPolicies: policies.identity,
                        permissionsBoundary: policies.boundary,
                        sessionPolicies: policies.session,
                        resourcePolicy: resourceDocument,
                        now: now
                    )
                )
                let name: String =
                    switch decision {
                    case .allow: "allowed"
                    case .explicitDeny: "explicitDeny"
                    case .implicitDeny: "implicitDeny"
                    }
                results.append(
                    IAM.EvaluationResult(
                        evalActionName: action,
                        evalResourceName: resource,
                        evalDecision: IAM.PolicyEvaluationDecisionType(rawValue: name),
                        matchedStatements: [],
                        missingContextValues: []
                    )
                )
            }
        }
        let numbered = results.enumerated().map { (String(format: "%08d", $0.offset), $0.element) }
        let (items, marker) = page.cut(numbered.filter { $0.0 > (page.after ?? "") }) { $0.0 }
        return IAM.SimulatePolicyResponse(evaluationResults: items.map(\.1), isTruncated: marker != nil, marker: marker)
    }
}
