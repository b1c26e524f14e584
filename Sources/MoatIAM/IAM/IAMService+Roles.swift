import Foundation
import MoatCore
import MoatPolicy
import MoatPolicy

extension IAMService {
    /// AWS's range for a role's maximum session duration: 1 to 12 hours.
    static let sessionDurationRange = 3600...43200

    func createRole(_ input: IAM.CreateRoleRequest, context: OperationContext) async throws -> IAM.CreateRoleResponse {
        try checkTrustPolicy(input.assumeRolePolicyDocument)
        let duration = input.maxSessionDuration ?? 3600
        guard Self.sessionDurationRange.contains(duration) else {
            throw ServiceError(
                IAM.Errors.validationError,
                "1 validation error detected: Value '\(duration)' at 'maxSessionDuration' failed to satisfy constraint: "
                    + "Member must have value less than or equal to 43200"
            )
        }
        let role = RoleRecord(
            id: Identifiers.uniqueId(prefix: "AROA"),
            name: input.roleName,
            path: input.path ?? "/",
            trustPolicy: input.assumeRolePolicyDocument,
            description: input.description,
            maxSessionDuration: duration,
            createdAt: context.now,
            permissionsBoundary: try await checkedBoundary(input.permissionsBoundary),
            tags: try checkedTags(input.tags ?? [])
        )
        do {
            try await store.insertRole(role)
        } catch is IAMStoreConflict {
            throw ServiceError(IAM.Errors.entityAlreadyExists, "Role with name \(input.roleName) already exists.")
        }
        return IAM.CreateRoleResponse(role: roleShape(role))
    }

    func getRole(_ input: IAM.GetRoleRequest, context: OperationContext) async throws -> IAM.GetRoleResponse {
        IAM.GetRoleResponse(role: roleShape(try await existingRole(input.roleName)))
    }

    func listRoles(_ input: IAM.ListRolesRequest, context: OperationContext) async throws -> IAM.ListRolesResponse {
        let page = try Page(marker: input.marker, maxItems: input.maxItems)
        let roles = try await store.roles(pathPrefix: input.pathPrefix ?? "/", after: page.after, limit: page.limit + 1)
        let (items, marker) = page.cut(roles) { $0.name.lowercased() }
        return IAM.ListRolesResponse(roles: items.map { roleShape($0, listing: true) }, isTruncated: marker != nil, marker: marker)
    }

    func updateRole(_ input: IAM.UpdateRoleRequest, context: OperationContext) async throws -> IAM.UpdateRoleResponse {
        var role = try await existingRole(input.roleName)
        if let description = input.description { role.description = description }
        if let duration = input.maxSessionDuration {
            guard Self.sessionDurationRange.contains(duration) else {
                throw ServiceError(IAM.Errors.validationError, "The requested MaxSessionDuration \(duration) is out of range (3600-43200).")
            }
            role.maxSessionDuration = duration
        }
        try await store.updateRole(role)
        return IAM.UpdateRoleResponse()
    }

    func updateAssumeRolePolicy(_ input: IAM.UpdateAssumeRolePolicyRequest, context: OperationContext) async throws {
        var role = try await existingRole(input.roleName)
        try checkTrustPolicy(input.policyDocument)
        role.trustPolicy = input.policyDocument
        try await store.updateRole(role)
    }

    func deleteRole(_ input: IAM.DeleteRoleRequest, context: OperationContext) async throws {
        let role = try await existingRole(input.roleName)
        switch try await store.deleteRole(id: role.id) {
        case .deleted: return
        case .conflict(let what):
            let step = what == "attached policies" ? "detach all policies" : "delete \(what)"
            throw ServiceError(IAM.Errors.deleteConflict, "Cannot delete entity, must \(step) first.")
        }
    }

    func tagRole(_ input: IAM.TagRoleRequest, context: OperationContext) async throws {
        var role = try await existingRole(input.roleName)
        role.tags = try checkedTags(Self.merge(role.tags, input.tags.map { TagRecord(key: $0.key, value: $0.value) }).map(\.shape))
        try await store.updateRole(role)
    }

    func untagRole(_ input: IAM.UntagRoleRequest, context: OperationContext) async throws {
        var role = try await existingRole(input.roleName)
        let removed = Set(input.tagKeys.map { $0.lowercased() })
        role.tags.removeAll { removed.contains($0.key.lowercased()) }
        try await store.updateRole(role)
    }

    func listRoleTags(_ input: IAM.ListRoleTagsRequest, context: OperationContext) async throws -> IAM.ListRoleTagsResponse {
        let role = try await existingRole(input.roleName)
        let page = try Page(marker: input.marker, maxItems: input.maxItems)
        let (items, marker) = page.cut(role.tags.filter { $0.key.lowercased() > (page.after ?? "") }) { $0.key.lowercased() }
        return IAM.ListRoleTagsResponse(tags: items.map(\.shape), isTruncated: marker != nil, marker: marker)
    }

    private func checkTrustPolicy(_ text: String) throws {
        try PolicyText.check(text, kind: .trust)
        if PolicyText.size(text) > Self.trustPolicyBytes {
            throw ServiceError(IAM.Errors.limitExceeded, "Cannot exceed quota for ACLSizePerRole: \(Self.trustPolicyBytes)")
        }
    }

    func existingRole(_ name: String) async throws -> RoleRecord {
        guard let role = try await store.role(named: name) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The role with name \(name) cannot be found.")
        }
        return role
    }

    /// AWS returns policy documents URL-encoded; botocore decodes them back into JSON.
    static func urlEncoded(_ document: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return document.addingPercentEncoding(withAllowedCharacters: allowed) ?? document
    }

    /// ListRoles omits tags and the last-used details, as AWS does.
    func roleShape(_ role: RoleRecord, listing: Bool = false) -> IAM.Role {
        IAM.Role(
            path: role.path,
            roleName: role.name,
            roleId: role.id,
            arn: IAMArn.role(accountId: accountId, path: role.path, name: role.name),
            createDate: role.createdAt,
            assumeRolePolicyDocument: Self.urlEncoded(role.trustPolicy),
            description: role.description,
            maxSessionDuration: role.maxSessionDuration,
            permissionsBoundary: role.permissionsBoundary.map {
                IAM.AttachedPermissionsBoundary(permissionsBoundaryType: .permissionsBoundaryPolicy, permissionsBoundaryArn: $0)
            },
            tags: listing || role.tags.isEmpty ? nil : role.tags.map(\.shape),
            roleLastUsed: listing ? nil : IAM.RoleLastUsed(lastUsedDate: role.lastUsedAt, region: role.lastUsedRegion)
        )
    }
}
