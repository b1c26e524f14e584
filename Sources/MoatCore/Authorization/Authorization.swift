public import Foundation

/// A question for IAM policy evaluation: may this principal perform this action on this resource?
public struct AuthorizationRequest: Sendable {
    public let principal: Principal
    /// The IAM action, `service:Operation` (`iam:CreateUser`).
    public let action: String
    /// The ARN of the resource, or `*`.
    public let resource: String
    /// Request context keys (`aws:SourceIp`, `aws:CurrentTime`, service keys), each with its values.
    public let context: [String: [String]]
    /// The resource's own policy (a role's trust policy, a function's policy), when it has one.
    public let resourcePolicy: String?
    /// The time of the request, for date conditions.
    public let now: Date

    public init(
        principal: Principal,
        action: String,
        resource: String,
        context: [String: [String]],
        resourcePolicy: String? = nil,
        now: Date
    ) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
        self.resourcePolicy = resourcePolicy
        self.now = now
    }
}

/// The outcome of policy evaluation.
public enum AuthorizationDecision: Sendable, Equatable {
    case allow
    /// A statement with `Effect: Deny` matched; `policyType` names where it was ("identity-based policy", …).
    case explicitDeny(policyType: String)
    /// Nothing allowed the request; `reason` completes AWS's message ("no identity-based policy allows the … action").
    case implicitDeny(reason: String)

    public var isAllowed: Bool { self == .allow }
}

/// Evaluates IAM policies for signed requests. IAM conforms; the wire layer asks before running an operation.
public protocol RequestAuthorizing: Sendable {
    func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision
}
