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
        let policies = try await cachedPolicies(request.principal)
        let resourcePolicy = try request.resourcePolicy.flatMap { text in
            // A role's trust policy is the resource policy of `sts:AssumeRole`.
            try parsedStored(text, kind: request.action.lowercased().hasPrefix("sts:assumerole") ? .trust : .resource)
        }
        let now = request.context["aws:CurrentTime"]?.first.flatMap { try? Date($0, strategy: .iso8601) } ?? Date()
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
                now: now
            )
        )
    }

    /// The policies of a caller, from the node's cache when IAM has not changed since they were read.
    func cachedPolicies(_ principal: Principal) async throws -> ApplicablePolicies {
        try await store.cache.synchronize(generation: store.generation)
        let key = "\(principal.kind.rawValue):\(principal.entityName ?? ""):\(principal.sessionId ?? "")"
        if let cached = store.cache.policies(key) { return cached }
        let epoch = store.cache.epoch
        let policies = try await applicablePolicies(principal)
        store.cache.store(policies, for: key, readAt: epoch)
        return policies
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
        return try (inline + managed).compactMap { try parsedStored($0, kind: .identity) }
    }

    private func boundaryPolicy(_ arn: String?) async throws -> PolicyDocument? {
        guard let arn, let (_, name) = IAMArn.parsePolicy(arn, accountId: accountId), let policy = try await store.managedPolicy(named: name),
            let version = try await store.policyVersion(policyId: policy.id, versionId: policy.defaultVersionId)
        else { return nil }
        return try parsedStored(version.document, kind: .identity)
    }

    /// The inline session policy and the managed policies passed as `PolicyArns`, together one filter.
    func sessionPolicies(_ session: SessionRecord) async throws -> [PolicyDocument] {
        var documents: [PolicyDocument] = []
        if let text = session.sessionPolicy, let document = try parsedStored(text, kind: .session) { documents.append(document) }
        for arn in session.sessionPolicyArns {
            guard let (_, name) = IAMArn.parsePolicy(arn, accountId: accountId), let policy = try await store.managedPolicy(named: name),
                let version = try await store.policyVersion(policyId: policy.id, versionId: policy.defaultVersionId),
                let document = try parsedStored(version.document, kind: .session)
            else { continue }
            documents.append(document)
        }
        if documents.isEmpty && (session.sessionPolicy != nil || !session.sessionPolicyArns.isEmpty) {
            // Session policies were passed but none can be read: nothing is allowed through them.
            if let denyAll = try parsedStored(#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#, kind: .session) {
                documents.append(denyAll)
            }
        }
        return documents
    }

    /// Policies were validated when stored; one that no longer parses is skipped and logged, never trusted.
    private func parsedStored(_ text: String, kind: PolicyKind) throws -> PolicyDocument? {
        do {
            return try PolicyDocument.parse(text, kind: kind)
        } catch {
            logger.warning("stored policy does not parse; ignored", metadata: ["error": "\(error.message)"])
            return nil
        }
    }
}
