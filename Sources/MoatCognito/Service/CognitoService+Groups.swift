import Foundation
import MoatCore

extension CognitoService {
    func createGroup(_ input: Cognito.CreateGroupRequest, context: OperationContext) async throws -> Cognito.CreateGroupResponse {
        let pool = try await pool(input.userPoolId)
        let group = GroupRecord(
            poolId: pool.id, name: input.groupName, description: input.description, roleArn: input.roleArn, precedence: input.precedence,
            createdAt: context.now, updatedAt: context.now
        )
        guard try await store.insertGroup(group) else {
            throw ServiceError(Cognito.Errors.groupExists, "A group with the name \(input.groupName) already exists.")
        }
        poolsWithGroups.remove(pool.id)
        return Cognito.CreateGroupResponse(group: describe(group))
    }

    func getGroup(_ input: Cognito.GetGroupRequest, context: OperationContext) async throws -> Cognito.GetGroupResponse {
        let pool = try await pool(input.userPoolId)
        return Cognito.GetGroupResponse(group: describe(try await existingGroup(input.groupName, pool: pool)))
    }

    func updateGroup(_ input: Cognito.UpdateGroupRequest, context: OperationContext) async throws -> Cognito.UpdateGroupResponse {
        let pool = try await pool(input.userPoolId)
        var group = try await existingGroup(input.groupName, pool: pool)
        // UpdateGroup changes only what the request names.
        if let description = input.description { group.description = description }
        if let roleArn = input.roleArn { group.roleArn = roleArn }
        if let precedence = input.precedence { group.precedence = precedence }
        group.updatedAt = context.now
        guard try await store.updateGroup(group) else { throw Self.groupNotFound }
        return Cognito.UpdateGroupResponse(group: describe(group))
    }

    func deleteGroup(_ input: Cognito.DeleteGroupRequest, context: OperationContext) async throws {
        let pool = try await pool(input.userPoolId)
        guard try await store.deleteGroup(poolId: pool.id, name: input.groupName) else { throw Self.groupNotFound }
        poolsWithGroups.remove(pool.id)
    }

    func listGroups(_ input: Cognito.ListGroupsRequest, context: OperationContext) async throws -> Cognito.ListGroupsResponse {
        let pool = try await pool(input.userPoolId)
        let limit = input.limit ?? 60
        let groups = try await store.groups(poolId: pool.id, after: try Self.pageKey(input.nextToken), limit: limit + 1)
        let page = groups.prefix(limit)
        return Cognito.ListGroupsResponse(
            groups: page.map(describe), nextToken: groups.count > limit ? page.last.map { PageToken.encode($0.name) } : nil)
    }

    func adminAddUserToGroup(_ input: Cognito.AdminAddUserToGroupRequest, context: OperationContext) async throws {
        let pool = try await pool(input.userPoolId)
        let user = try await existingUser(input.username, pool: pool)
        _ = try await existingGroup(input.groupName, pool: pool)
        try await store.addMember(poolId: pool.id, group: input.groupName, usernameKey: user.usernameKey)
    }

    func adminRemoveUserFromGroup(_ input: Cognito.AdminRemoveUserFromGroupRequest, context: OperationContext) async throws {
        let pool = try await pool(input.userPoolId)
        let user = try await existingUser(input.username, pool: pool)
        _ = try await existingGroup(input.groupName, pool: pool)
        try await store.removeMember(poolId: pool.id, group: input.groupName, usernameKey: user.usernameKey)
    }

    func adminListGroupsForUser(
        _ input: Cognito.AdminListGroupsForUserRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminListGroupsForUserResponse {
        let pool = try await pool(input.userPoolId)
        let user = try await existingUser(input.username, pool: pool)
        let limit = input.limit ?? 60
        let after = try Self.pageKey(input.nextToken)
        let groups = try await store.groups(poolId: pool.id, usernameKey: user.usernameKey).sorted { $0.name < $1.name }
            .filter { after == nil || $0.name > after! }
        let page = groups.prefix(limit)
        return Cognito.AdminListGroupsForUserResponse(
            groups: page.map(describe), nextToken: groups.count > limit ? page.last.map { PageToken.encode($0.name) } : nil)
    }

    func listUsersInGroup(_ input: Cognito.ListUsersInGroupRequest, context: OperationContext) async throws -> Cognito.ListUsersInGroupResponse {
        let pool = try await pool(input.userPoolId)
        _ = try await existingGroup(input.groupName, pool: pool)
        let limit = input.limit ?? 60
        let users = try await store.members(poolId: pool.id, group: input.groupName, after: try Self.pageKey(input.nextToken), limit: limit + 1)
        let page = users.prefix(limit)
        return Cognito.ListUsersInGroupResponse(
            users: page.map { describe($0, pool: pool) },
            nextToken: users.count > limit ? page.last.map { PageToken.encode($0.usernameKey) } : nil)
    }

    func existingGroup(_ name: String, pool: PoolRecord) async throws -> GroupRecord {
        guard let group = try await store.group(poolId: pool.id, name: name) else { throw Self.groupNotFound }
        return group
    }

    func describe(_ group: GroupRecord) -> Cognito.GroupType {
        Cognito.GroupType(
            groupName: group.name, userPoolId: group.poolId, description: group.description, roleArn: group.roleArn,
            precedence: group.precedence, lastModifiedDate: group.updatedAt, creationDate: group.createdAt)
    }

    static func pageKey(_ token: String?) throws -> String? {
        try token.map { token in
            guard let key = PageToken.decode(token) else { throw ServiceError(Cognito.Errors.invalidParameter, "Invalid pagination token.") }
            return key
        }
    }

    static var groupNotFound: ServiceError { ServiceError(Cognito.Errors.resourceNotFound, "Group not found.") }
}
