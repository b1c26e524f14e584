import Foundation
import MoatCore
import MoatPolicy

extension IAMService {
    // MARK: inline policies

    func putUserPolicy(_ input: IAM.PutUserPolicyRequest, context: OperationContext) async throws {
        let user = try await existingUser(input.userName)
        try PolicyText.check(input.policyDocument, kind: .identity)
        try await checkInlineSize(owner: .user(id: user.id), replacing: input.policyName, with: input.policyDocument, limit: Self.userInlinePolicyBytes) {
            "Maximum policy size of \(Self.userInlinePolicyBytes) bytes exceeded for user \(user.name)"
        }
        try await store.putInlinePolicy(owner: .user(id: user.id), name: input.policyName, document: input.policyDocument)
    }

    func getUserPolicy(_ input: IAM.GetUserPolicyRequest, context: OperationContext) async throws -> IAM.GetUserPolicyResponse {
        let user = try await existingUser(input.userName)
        guard let policy = try await store.inlinePolicy(owner: .user(id: user.id), name: input.policyName) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The user policy with name \(input.policyName) cannot be found.")
        }
        return IAM.GetUserPolicyResponse(userName: user.name, policyName: policy.name, policyDocument: Self.urlEncoded(policy.document))
    }

    func deleteUserPolicy(_ input: IAM.DeleteUserPolicyRequest, context: OperationContext) async throws {
        let user = try await existingUser(input.userName)
        guard try await store.deleteInlinePolicy(owner: .user(id: user.id), name: input.policyName) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The user policy with name \(input.policyName) cannot be found.")
        }
    }

    func listUserPolicies(_ input: IAM.ListUserPoliciesRequest, context: OperationContext) async throws -> IAM.ListUserPoliciesResponse {
        let user = try await existingUser(input.userName)
        let (names, marker) = try pageOfNames(try await store.inlinePolicies(owner: .user(id: user.id)).map(\.name), input.marker, input.maxItems)
        return IAM.ListUserPoliciesResponse(policyNames: names, isTruncated: marker != nil, marker: marker)
    }

    func putRolePolicy(_ input: IAM.PutRolePolicyRequest, context: OperationContext) async throws {
        let role = try await existingRole(input.roleName)
        try PolicyText.check(input.policyDocument, kind: .identity)
        try await checkInlineSize(owner: .role(id: role.id), replacing: input.policyName, with: input.policyDocument, limit: Self.roleInlinePolicyBytes) {
            "Maximum policy size of \(Self.roleInlinePolicyBytes) bytes exceeded for role \(role.name)"
        }
        try await store.putInlinePolicy(owner: .role(id: role.id), name: input.policyName, document: input.policyDocument)
    }

    func getRolePolicy(_ input: IAM.GetRolePolicyRequest, context: OperationContext) async throws -> IAM.GetRolePolicyResponse {
        let role = try await existingRole(input.roleName)
        guard let policy = try await store.inlinePolicy(owner: .role(id: role.id), name: input.policyName) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The role policy with name \(input.policyName) cannot be found.")
        }
        return IAM.GetRolePolicyResponse(roleName: role.name, policyName: policy.name, policyDocument: Self.urlEncoded(policy.document))
    }

    func deleteRolePolicy(_ input: IAM.DeleteRolePolicyRequest, context: OperationContext) async throws {
        let role = try await existingRole(input.roleName)
        guard try await store.deleteInlinePolicy(owner: .role(id: role.id), name: input.policyName) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The role policy with name \(input.policyName) cannot be found.")
        }
    }

    func listRolePolicies(_ input: IAM.ListRolePoliciesRequest, context: OperationContext) async throws -> IAM.ListRolePoliciesResponse {
        let role = try await existingRole(input.roleName)
        let (names, marker) = try pageOfNames(try await store.inlinePolicies(owner: .role(id: role.id)).map(\.name), input.marker, input.maxItems)
        return IAM.ListRolePoliciesResponse(policyNames: names, isTruncated: marker != nil, marker: marker)
    }

    /// IAM limits the total size of an entity's inline policies, counted without whitespace.
    private func checkInlineSize(owner: PolicyOwner, replacing name: String, with document: String, limit: Int, message: () -> String)
        async throws
    {
        let others = try await store.inlinePolicies(owner: owner).filter { $0.name.lowercased() != name.lowercased() }
        let total = others.reduce(PolicyText.size(document)) { $0 + PolicyText.size($1.document) }
        if total > limit { throw ServiceError(IAM.Errors.limitExceeded, message()) }
    }

    private func pageOfNames(_ names: [String], _ marker: String?, _ maxItems: Int?) throws -> ([String], String?) {
        let page = try Page(marker: marker, maxItems: maxItems)
        return page.cut(names.filter { $0.lowercased() > (page.after ?? "") }) { $0.lowercased() }
    }

    // MARK: managed policies

    func createPolicy(_ input: IAM.CreatePolicyRequest, context: OperationContext) async throws -> IAM.CreatePolicyResponse {
        try PolicyText.check(input.policyDocument, kind: .identity)
        if PolicyText.size(input.policyDocument) > Self.managedPolicyBytes {
            throw ServiceError(IAM.Errors.limitExceeded, "Cannot exceed quota for PolicySize: \(Self.managedPolicyBytes)")
        }
        let policy = ManagedPolicyRecord(
            id: Identifiers.uniqueId(prefix: "ANPA"),
            name: input.policyName,
            path: input.path ?? "/",
            description: input.description,
            defaultVersionId: "v1",
            createdAt: context.now,
            updatedAt: context.now,
            tags: try checkedTags(input.tags ?? []),
            attachmentCount: 0
        )
        do {
            try await store.insertManagedPolicy(policy, document: input.policyDocument)
        } catch is IAMStoreConflict {
            throw ServiceError(
                IAM.Errors.entityAlreadyExists,
                "A policy called \(input.policyName) already exists. Duplicate names are not allowed."
            )
        }
        return IAM.CreatePolicyResponse(policy: policyShape(policy))
    }

    func getPolicy(_ input: IAM.GetPolicyRequest, context: OperationContext) async throws -> IAM.GetPolicyResponse {
        IAM.GetPolicyResponse(policy: policyShape(try await existingPolicy(arn: input.policyArn), withTags: true))
    }

    func listPolicies(_ input: IAM.ListPoliciesRequest, context: OperationContext) async throws -> IAM.ListPoliciesResponse {
        let page = try Page(marker: input.marker, maxItems: input.maxItems)
        // Moat has no AWS managed policies: the `AWS` scope is empty and `All` is the account's own.
        if input.scope?.rawValue == "AWS" { return IAM.ListPoliciesResponse(policies: [], isTruncated: false) }
        let policies = try await store.managedPolicies(
            pathPrefix: input.pathPrefix ?? "/",
            onlyAttached: input.onlyAttached ?? false,
            after: page.after,
            limit: page.limit + 1
        )
        let (items, marker) = page.cut(policies) { $0.name.lowercased() }
        return IAM.ListPoliciesResponse(policies: items.map { policyShape($0) }, isTruncated: marker != nil, marker: marker)
    }

    func deletePolicy(_ input: IAM.DeletePolicyRequest, context: OperationContext) async throws {
        let policy = try await existingPolicy(arn: input.policyArn)
        let arn = IAMArn.policy(accountId: accountId, path: policy.path, name: policy.name)
        switch try await store.deleteManagedPolicy(id: policy.id, arn: arn) {
        case .deleted: return
        case .conflict("attachments"):
            throw ServiceError(IAM.Errors.deleteConflict, "Cannot delete a policy attached to entities.")
        case .conflict:
            throw ServiceError(
                IAM.Errors.deleteConflict,
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. "
                    + "The default version is deleted with the policy."
            )
        }
    }

    func createPolicyVersion(_ input: IAM.CreatePolicyVersionRequest, context: OperationContext) async throws
        -> IAM.CreatePolicyVersionResponse
    {
        let policy = try await existingPolicy(arn: input.policyArn)
        try PolicyText.check(input.policyDocument, kind: .identity)
        if PolicyText.size(input.policyDocument) > Self.managedPolicyBytes {
            throw ServiceError(IAM.Errors.limitExceeded, "Cannot exceed quota for PolicySize: \(Self.managedPolicyBytes)")
        }
        let setAsDefault = input.setAsDefault ?? false
        switch try await store.addPolicyVersion(
            policyId: policy.id,
            document: input.policyDocument,
            setAsDefault: setAsDefault,
            at: context.now,
            limit: Self.versionsPerManagedPolicy
        ) {
        case .limitExceeded:
            throw ServiceError(
                IAM.Errors.limitExceeded,
                "A managed policy can have up to \(Self.versionsPerManagedPolicy) versions. Before you create a new version, "
                    + "you must delete an existing version."
            )
        case .created(let version):
            return IAM.CreatePolicyVersionResponse(
                policyVersion: IAM.PolicyVersion(versionId: version.versionId, isDefaultVersion: setAsDefault, createDate: version.createdAt)
            )
        }
    }

    func getPolicyVersion(_ input: IAM.GetPolicyVersionRequest, context: OperationContext) async throws -> IAM.GetPolicyVersionResponse {
        let policy = try await existingPolicy(arn: input.policyArn)
        let version = try await existingVersion(policy, input.versionId, arn: input.policyArn)
        return IAM.GetPolicyVersionResponse(
            policyVersion: IAM.PolicyVersion(
                document: Self.urlEncoded(version.document),
                versionId: version.versionId,
                isDefaultVersion: version.versionId == policy.defaultVersionId,
                createDate: version.createdAt
            )
        )
    }

    func listPolicyVersions(_ input: IAM.ListPolicyVersionsRequest, context: OperationContext) async throws
        -> IAM.ListPolicyVersionsResponse
    {
        let policy = try await existingPolicy(arn: input.policyArn)
        let versions = try await store.policyVersions(policyId: policy.id)
        return IAM.ListPolicyVersionsResponse(
            versions: versions.map {
                IAM.PolicyVersion(versionId: $0.versionId, isDefaultVersion: $0.versionId == policy.defaultVersionId, createDate: $0.createdAt)
            },
            isTruncated: false
        )
    }

    func deletePolicyVersion(_ input: IAM.DeletePolicyVersionRequest, context: OperationContext) async throws {
        let policy = try await existingPolicy(arn: input.policyArn)
        let version = try await existingVersion(policy, input.versionId, arn: input.policyArn)
        guard version.versionId != policy.defaultVersionId else {
            throw ServiceError(IAM.Errors.deleteConflict, "Cannot delete the default version of a policy.")
        }
        try await store.deletePolicyVersion(policyId: policy.id, versionId: version.versionId)
    }

    func setDefaultPolicyVersion(_ input: IAM.SetDefaultPolicyVersionRequest, context: OperationContext) async throws {
        let policy = try await existingPolicy(arn: input.policyArn)
        let version = try await existingVersion(policy, input.versionId, arn: input.policyArn)
        try await store.setDefaultPolicyVersion(policyId: policy.id, versionId: version.versionId, at: context.now)
    }

    // MARK: attachments

    func attachUserPolicy(_ input: IAM.AttachUserPolicyRequest, context: OperationContext) async throws {
        let user = try await existingUser(input.userName)
        let policy = try await attachablePolicy(arn: input.policyArn)
        guard try await store.attach(policyId: policy.id, to: .user(id: user.id), limit: Self.managedPoliciesPerEntity) else {
            throw ServiceError(IAM.Errors.limitExceeded, "Cannot exceed quota for PoliciesPerUser: \(Self.managedPoliciesPerEntity)")
        }
    }

    func detachUserPolicy(_ input: IAM.DetachUserPolicyRequest, context: OperationContext) async throws {
        let user = try await existingUser(input.userName)
        let policy = try await existingPolicy(arn: input.policyArn)
        guard try await store.detach(policyId: policy.id, from: .user(id: user.id)) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "Policy \(input.policyArn) was not found.")
        }
    }

    func listAttachedUserPolicies(_ input: IAM.ListAttachedUserPoliciesRequest, context: OperationContext) async throws
        -> IAM.ListAttachedUserPoliciesResponse
    {
        let user = try await existingUser(input.userName)
        let (items, marker) = try await pageOfAttached(.user(id: user.id), pathPrefix: input.pathPrefix, input.marker, input.maxItems)
        return IAM.ListAttachedUserPoliciesResponse(attachedPolicies: items, isTruncated: marker != nil, marker: marker)
    }

    func attachRolePolicy(_ input: IAM.AttachRolePolicyRequest, context: OperationContext) async throws {
        let role = try await existingRole(input.roleName)
        let policy = try await attachablePolicy(arn: input.policyArn)
        guard try await store.attach(policyId: policy.id, to: .role(id: role.id), limit: Self.managedPoliciesPerEntity) else {
            throw ServiceError(IAM.Errors.limitExceeded, "Cannot exceed quota for PoliciesPerRole: \(Self.managedPoliciesPerEntity)")
        }
    }

    func detachRolePolicy(_ input: IAM.DetachRolePolicyRequest, context: OperationContext) async throws {
        let role = try await existingRole(input.roleName)
        let policy = try await existingPolicy(arn: input.policyArn)
        guard try await store.detach(policyId: policy.id, from: .role(id: role.id)) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "Policy \(input.policyArn) was not found.")
        }
    }

    func listAttachedRolePolicies(_ input: IAM.ListAttachedRolePoliciesRequest, context: OperationContext) async throws
        -> IAM.ListAttachedRolePoliciesResponse
    {
        let role = try await existingRole(input.roleName)
        let (items, marker) = try await pageOfAttached(.role(id: role.id), pathPrefix: input.pathPrefix, input.marker, input.maxItems)
        return IAM.ListAttachedRolePoliciesResponse(attachedPolicies: items, isTruncated: marker != nil, marker: marker)
    }

    private func pageOfAttached(_ owner: PolicyOwner, pathPrefix: String?, _ marker: String?, _ maxItems: Int?) async throws
        -> ([IAM.AttachedPolicy], String?)
    {
        let page = try Page(marker: marker, maxItems: maxItems)
        let prefix = pathPrefix ?? "/"
        let attached = try await store.attachedPolicies(owner: owner)
            .map(\.policy)
            .filter { $0.path.hasPrefix(prefix) && $0.name.lowercased() > (page.after ?? "") }
        let (items, next) = page.cut(attached) { $0.name.lowercased() }
        let shapes = items.map {
            IAM.AttachedPolicy(policyName: $0.name, policyArn: IAMArn.policy(accountId: accountId, path: $0.path, name: $0.name))
        }
        return (shapes, next)
    }

    // MARK: helpers

    func existingPolicy(arn: String) async throws -> ManagedPolicyRecord {
        guard let (path, name) = IAMArn.parsePolicy(arn, accountId: accountId),
            let policy = try await store.managedPolicy(named: name), policy.path == path
        else {
            throw ServiceError(IAM.Errors.noSuchEntity, "Policy \(arn) does not exist or is not attachable.")
        }
        return policy
    }

    private func attachablePolicy(arn: String) async throws -> ManagedPolicyRecord {
        try await existingPolicy(arn: arn)
    }

    private func existingVersion(_ policy: ManagedPolicyRecord, _ versionId: String, arn: String) async throws -> PolicyVersionRecord {
        guard let version = try await store.policyVersion(policyId: policy.id, versionId: versionId) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "Policy \(arn) version \(versionId) does not exist or is not attachable.")
        }
        return version
    }

    func policyShape(_ policy: ManagedPolicyRecord, withTags: Bool = false) -> IAM.Policy {
        IAM.Policy(
            policyName: policy.name,
            policyId: policy.id,
            arn: IAMArn.policy(accountId: accountId, path: policy.path, name: policy.name),
            path: policy.path,
            defaultVersionId: policy.defaultVersionId,
            attachmentCount: policy.attachmentCount,
            permissionsBoundaryUsageCount: 0,
            isAttachable: true,
            description: withTags ? policy.description : nil,
            createDate: policy.createdAt,
            updateDate: policy.updatedAt,
            tags: withTags && !policy.tags.isEmpty ? policy.tags.map(\.shape) : nil
        )
    }
}
