import Foundation
import Logging
import MoatCore
import MoatPolicy

/// Authorizes signed requests: gathers the policies that apply to the caller and asks ``PolicyEvaluator``.
struct IAMAuthorizer: RequestAuthorizing {
    let store: IAMStore
    let accountId: String
    let logger: Logger

    func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision {
        // AWS: credentials from GetSessionToken without MFA cannot call IAM, and of STS only AssumeRole and
        // GetCallerIdentity (GetCallerIdentity needs no authorization at all).
        if request.principal.kind == .userSession {
            let action = request.action.lowercased()
            if action.hasPrefix("iam:") || (action.hasPrefix("sts:") && action != "sts:assumerole") {
                return .implicitDeny(reason: "credentials from GetSessionToken without MFA cannot perform \(request.action)")
            }
        }
        let policies = try await cachedPolicies(request.principal)
        // A role's trust policy is the resource policy of `sts:AssumeRole`; one that does not parse trusts no one.
        let resourceKind: PolicyKind = request.action.lowercased().hasPrefix("sts:assumerole") ? .trust : .resource
        let resourcePolicy = request.resourcePolicy.flatMap { try? PolicyDocument.parse($0, kind: resourceKind) }
        return PolicyEvaluator.evaluate(
            EvaluationInput(
                principal: PrincipalInfo(request.principal),
                action: request.action,
                resource: request.resource,
                context: request.context,
                identityPolicies: policies.identity,
                permissionsBoundary: policies.boundary,
                sessionPolicies: policies.session,
                resourcePolicy: resourcePolicy,
                now: request.now
            )
        )
    }

    /// The policies of a caller, from the node's cache when IAM has not changed since they were read.
    func cachedPolicies(_ principal: Principal) async throws -> ApplicablePolicies {
        let key = "\(principal.kind.rawValue):\(principal.entityName ?? ""):\(principal.sessionId ?? "")"
        return try await store.cache.readThrough(.policies(key), generation: store.generation) { try await applicablePolicies(principal) }
            ?? ApplicablePolicies()
    }

    struct ApplicablePolicies: Sendable {
        var identity: [PolicyDocument] = []
        var boundary: PolicyDocument?
        var session: [PolicyDocument] = []
    }

    /// The identity-based policies, permissions boundary and session policies of a caller.
    func applicablePolicies(_ principal: Principal) async throws -> ApplicablePolicies {
        var result = ApplicablePolicies()
        switch principal.kind {
        case .root:
            return result
        case .user, .userSession:
            guard let name = principal.entityName, let user = try await store.user(named: name) else { return result }
            result.identity = try await ownerPolicies(.user(id: user.id))
            result.boundary = try await boundaryPolicy(user.permissionsBoundary)
        case .assumedRole:
            guard let name = principal.entityName, let role = try await store.role(named: name) else { return result }
            result.identity = try await ownerPolicies(.role(id: role.id))
            result.boundary = try await boundaryPolicy(role.permissionsBoundary)
            if let sessionId = principal.sessionId, let session = try await store.session(accessKeyId: sessionId) {
                result.session = try await sessionPolicies(session)
            }
        }
        return result
    }

    private func ownerPolicies(_ owner: PolicyOwner) async throws -> [PolicyDocument] {
        let inline = try await store.inlinePolicies(owner: owner).map(\.document)
        let managed = try await store.attachedPolicies(owner: owner).map(\.document)
        return (inline + managed).map { stored($0, kind: .identity) }
    }

    /// A boundary that names a policy which no longer exists allows nothing: evaluation fails closed.
    private func boundaryPolicy(_ arn: String?) async throws -> PolicyDocument? {
        guard let arn else { return nil }
        guard let document = try await managedDocument(arn: arn) else { return Self.denyAll(.identity) }
        return stored(document, kind: .identity)
    }

    /// The inline session policy and the managed policies passed as `PolicyArns`, together one filter.
    /// A session policy that cannot be read allows nothing.
    func sessionPolicies(_ session: SessionRecord) async throws -> [PolicyDocument] {
        var documents: [PolicyDocument] = []
        if let text = session.sessionPolicy { documents.append(stored(text, kind: .session)) }
        for arn in session.sessionPolicyArns {
            documents.append(try await managedDocument(arn: arn).map { stored($0, kind: .session) } ?? Self.denyAll(.session))
        }
        return documents
    }

    /// The default version's document of a customer managed policy of the account.
    private func managedDocument(arn: String) async throws -> String? {
        guard let (path, name) = IAMArn.parsePolicy(arn, accountId: accountId), let policy = try await store.managedPolicy(named: name),
            policy.path == path
        else { return nil }
        return try await store.policyVersion(policyId: policy.id, versionId: policy.defaultVersionId)?.document
    }

    /// Policies were validated when stored. One that no longer parses is logged and replaced by a policy that denies
    /// everything, so that a lost `Deny` never widens what a caller may do.
    private func stored(_ text: String, kind: PolicyKind) -> PolicyDocument {
        do {
            return try PolicyDocument.parse(text, kind: kind)
        } catch {
            logger.error("stored policy does not parse; denying everything in its place", metadata: ["error": "\(error.message)"])
            return Self.denyAll(kind)
        }
    }

    static func denyAll(_ kind: PolicyKind) -> PolicyDocument {
        // A literal that parses for identity and session policies alike.
        try! PolicyDocument.parse(#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#, kind: kind)
    }
}
