import Foundation
public import MoatCore

/// IAM's policy evaluation logic: explicit deny, then allows, then implicit deny.
///
/// IAM User Guide, Policy evaluation logic ("Policy evaluation for requests within a single account",
/// "Cross-account policy evaluation logic"):
///
/// 1. A `Deny` statement that applies, in any policy (identity-based, resource-based, permissions boundary,
///    session), denies the request.
/// 2. Within one account, a resource-based policy `Allow` for the caller's own ARN (user ARN, role session ARN,
///    federated user session ARN, or `*`) allows the request by itself. An `Allow` for the role ARN (or the user
///    ARN behind a federated session) is still limited by the permissions boundary and session policies; one for
///    the account only delegates to identity-based policies (Session policies: "A resource-based policy can
///    specify the ARN of the user or role as a principal … The session policy limits the total permissions …
///    A resource-based policy can specify the ARN of the session as a principal … the permissions from the
///    resource-based policy are added after the session policy is applied").
/// 3. Otherwise an identity-based `Allow` is needed, and the permissions boundary (when set) and the session
///    policies (when passed) must also allow: the effective permissions are their intersection.
/// 4. Across accounts the identity-based path of 3 and a resource-policy `Allow` naming the caller or its account
///    are both needed. A role trust policy must allow explicitly even within the account ("IAM role trust
///    policies and KMS key policies are exceptions…").
///
/// Choices where the guide leaves room: the root user is not subject to identity-based policies, permissions
/// boundaries or session policies, so within its account it is allowed unless a resource-based policy denies it
/// (or a trust policy does not allow it); services and identity-provider callers have only resource-based policies.
public enum PolicyEvaluator {
    static let identityBased = "identity-based policy"
    static let resourceBased = "resource-based policy"
    static let permissionsBoundary = "permissions boundary"
    static let sessionPolicy = "session policy"

    /// Decides a request.
    public static func evaluate(_ input: EvaluationInput) -> AuthorizationDecision {
        let principal = input.principal
        let request = PolicyRequest(
            principal: principal,
            action: input.action,
            resource: input.resource,
            context: requestContext(input)
        )
        let usesIdentityPolicies: Bool =
            switch principal.kind {
            case .user, .assumedRole, .federatedUser: true
            case .root, .service, .identityProvider: false
            }

        // 1. Explicit deny.
        if usesIdentityPolicies, input.identityPolicies.contains(where: { $0.denies(request) }) {
            return .explicitDeny(policyType: identityBased)
        }
        if let resourcePolicy = input.resourcePolicy, resourcePolicy.denies(request) {
            return .explicitDeny(policyType: resourceBased)
        }
        if usesIdentityPolicies {
            if let boundary = input.permissionsBoundary, boundary.denies(request) {
                return .explicitDeny(policyType: permissionsBoundary)
            }
            if input.sessionPolicies.contains(where: { $0.denies(request) }) {
                return .explicitDeny(policyType: sessionPolicy)
            }
        }

        let resourceGrant = input.resourcePolicy?.match(.allow, request)
        let sameAccount = input.resourceAccountId == nil || input.resourceAccountId == principal.accountId
        let mustAllowExplicitly = input.resourcePolicy?.kind == .trust || !sameAccount
        let noResourcePolicyAllows = AuthorizationDecision.implicitDeny(reason: reason(resourceBased, input.action))

        // Principals without identity-based policies.
        guard usesIdentityPolicies else {
            if principal.kind == .root, !mustAllowExplicitly { return .allow }
            return resourceGrant != nil ? .allow : noResourcePolicyAllows
        }

        let boundaryAllows = input.permissionsBoundary?.allows(request) ?? true
        let sessionAllows = input.sessionPolicies.isEmpty || input.sessionPolicies.contains { $0.allows(request) }
        let limits: AuthorizationDecision =
            if !boundaryAllows {
                .implicitDeny(reason: reason(permissionsBoundary, input.action))
            } else if !sessionAllows {
                .implicitDeny(reason: reason(sessionPolicy, input.action))
            } else {
                .allow
            }

        // 2. Same-account resource-based grants.
        if sameAccount {
            switch resourceGrant {
            case .session?: return .allow
            case .entity?: return limits
            case .account?, nil: break
            }
            if mustAllowExplicitly, resourceGrant == nil { return noResourcePolicyAllows }
        }

        // 3. Identity-based grants, within the boundary and the session policies.
        guard input.identityPolicies.contains(where: { $0.allows(request) }) else {
            return .implicitDeny(reason: reason(identityBased, input.action))
        }
        guard limits == .allow else { return limits }

        // 4. Across accounts the resource's policy must agree.
        if !sameAccount, resourceGrant == nil { return noResourcePolicyAllows }
        return .allow
    }

    private static func reason(_ policyType: String, _ action: String) -> String {
        "no \(policyType) allows the \(action) action"
    }

    /// The request context with the principal's global keys and the time added.
    ///
    /// IAM User Guide, AWS global condition context keys: `aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:userid`, `aws:username` (IAM users only), `aws:PrincipalIsAWSService`,
    /// `aws:PrincipalServiceName`, `aws:CurrentTime`, `aws:EpochTime`.
    static func requestContext(_ input: EvaluationInput) -> PolicyRequestContext {
        var context = PolicyRequestContext(input.context)
        let principal = input.principal
        let isService = principal.kind == .service
        context["aws:PrincipalIsAWSService"] = [isService ? "true" : "false"]
        context["aws:PrincipalServiceName"] = isService ? [principal.arn] : nil
        context["aws:PrincipalArn"] = isService || principal.kind == .identityProvider ? nil : [principal.entityArn]
        context["aws:PrincipalAccount"] = principal.accountId.map { [$0] }
        context["aws:PrincipalType"] = principal.principalType.map { [$0] }
        context["aws:userid"] = isService || principal.kind == .identityProvider ? nil : [principal.userId]
        context["aws:username"] = principal.kind == .user ? principal.userName.map { [$0] } : nil
        if !context.contains("aws:CurrentTime") {
            context["aws:CurrentTime"] = [PolicyDate.iso8601(input.now)]
        }
        if !context.contains("aws:EpochTime") {
            context["aws:EpochTime"] = [String(Int64(input.now.timeIntervalSince1970.rounded(.down)))]
        }
        return context
    }
}
