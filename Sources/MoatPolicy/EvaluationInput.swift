import MoatCore

public import Foundation

/// Everything ``PolicyEvaluator`` decides from: who asks for what, and every policy that applies.
public struct EvaluationInput: Sendable {
    public var principal: PrincipalInfo
    /// The IAM action, `service:Operation` (`iam:CreateUser`).
    public var action: String
    /// The ARN of the resource, or `*` for actions without one.
    public var resource: String
    /// Request context keys and their values (`aws:SourceIp`, `aws:RequestTag/…`, service keys); keys are matched
    /// without regard to case. The principal's keys (`aws:username`, `aws:userid`, `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, …) are derived from ``principal`` and replace any given here;
    /// `aws:CurrentTime` and `aws:EpochTime` come from ``now`` unless given.
    public var context: [String: [String]]
    /// The inline and managed policies of the user (and its groups) or role.
    public var identityPolicies: [PolicyDocument]
    public var permissionsBoundary: PolicyDocument?
    /// The inline and managed session policies of a session, together one filter; empty when none was passed.
    public var sessionPolicies: [PolicyDocument]
    /// The resource's own policy (a role's trust policy, a function's policy).
    public var resourcePolicy: PolicyDocument?
    /// The account that owns the resource; nil means the principal's own account.
    public var resourceAccountId: String?
    /// The time of the request.
    public var now: Date

    public init(
        principal: PrincipalInfo,
        action: String,
        resource: String,
        context: [String: [String]] = [:],
        identityPolicies: [PolicyDocument] = [],
        permissionsBoundary: PolicyDocument? = nil,
        sessionPolicies: [PolicyDocument] = [],
        resourcePolicy: PolicyDocument? = nil,
        resourceAccountId: String? = nil,
        now: Date
    ) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
        self.identityPolicies = identityPolicies
        self.permissionsBoundary = permissionsBoundary
        self.sessionPolicies = sessionPolicies
        self.resourcePolicy = resourcePolicy
        self.resourceAccountId = resourceAccountId
        self.now = now
    }
}
