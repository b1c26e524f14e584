import Foundation
import MoatCore

@testable import MoatPolicy

/// Shared fixtures of the policy tests: one account, its users and roles, a fixed clock.
enum PolicyFixtures {
    static let account = "123456789012"
    static let otherAccount = "111122223333"
    /// 2024-03-05T10:20:30Z.
    static let now = Date(timeIntervalSince1970: 1_709_634_030)

    static let alice = PrincipalInfo.user(accountId: account, name: "alice", userId: "AIDAALICEEXAMPLE00001")
    static let bob = PrincipalInfo.user(accountId: account, name: "bob", userId: "AIDABOBEXAMPLE0000001")
    static let root = PrincipalInfo.root(accountId: account)
    /// A session of role `Deployer` (path `/ops/`), session name `build-42`.
    static let deployerSession = PrincipalInfo.assumedRole(
        accountId: account,
        roleName: "Deployer",
        rolePath: "/ops/",
        sessionName: "build-42",
        roleId: "AROADEPLOYEREXAMPLE01"
    )
    static let deployerRoleArn = "arn:aws:iam::\(account):role/ops/Deployer"
    static let deployerSessionArn = "arn:aws:sts::\(account):assumed-role/Deployer/build-42"
    static let foreignUser = PrincipalInfo.user(accountId: otherAccount, name: "carol", userId: "AIDACAROLEXAMPLE00001")

    static func identity(_ json: String) throws -> PolicyDocument { try PolicyDocument.parse(json, kind: .identity) }
    static func resource(_ json: String) throws -> PolicyDocument { try PolicyDocument.parse(json, kind: .resource) }
    static func trust(_ json: String) throws -> PolicyDocument { try PolicyDocument.parse(json, kind: .trust) }
    static func session(_ json: String) throws -> PolicyDocument { try PolicyDocument.parse(json, kind: .session) }

    /// A 2012-10-17 identity policy of one statement.
    static func allow(_ action: String, on resource: String = "*", condition: String? = nil) throws -> PolicyDocument {
        try statement("Allow", action, resource, condition)
    }

    static func deny(_ action: String, on resource: String = "*", condition: String? = nil) throws -> PolicyDocument {
        try statement("Deny", action, resource, condition)
    }

    private static func statement(_ effect: String, _ action: String, _ resource: String, _ condition: String?) throws -> PolicyDocument {
        let conditionMember = condition.map { ", \"Condition\": \($0)" } ?? ""
        return try identity(
            """
            {"Version": "2012-10-17", "Statement": {"Effect": "\(effect)", "Action": "\(action)", "Resource": "\(resource)"\
            \(conditionMember)}}
            """
        )
    }

    static func evaluate(
        _ principal: PrincipalInfo = alice,
        _ action: String,
        _ resource: String = "*",
        context: [String: [String]] = [:],
        identity: [PolicyDocument] = [],
        boundary: PolicyDocument? = nil,
        session: [PolicyDocument] = [],
        resourcePolicy: PolicyDocument? = nil,
        resourceAccount: String? = nil
    ) -> AuthorizationDecision {
        PolicyEvaluator.evaluate(
            EvaluationInput(
                principal: principal,
                action: action,
                resource: resource,
                context: context,
                identityPolicies: identity,
                permissionsBoundary: boundary,
                sessionPolicies: session,
                resourcePolicy: resourcePolicy,
                resourceAccountId: resourceAccount,
                now: now
            )
        )
    }
}
