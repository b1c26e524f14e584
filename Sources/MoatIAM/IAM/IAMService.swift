import Foundation
import MoatCore

/// The IAM API: users, access keys, roles, inline and managed policies, attachments, tags and the policy simulator.
struct IAMService: IAMOperations {
    let store: IAMStore
    let accountId: String
    let evaluator: IAMAuthorizer

    /// AWS's quotas that the API enforces.
    static let accessKeysPerUser = 2
    static let versionsPerManagedPolicy = 5
    static let tagsPerEntity = 50
    /// Managed policies attached to one user or role (AWS's default quota).
    static let managedPoliciesPerEntity = 10
    /// A role's trust policy, counted without whitespace (AWS's default `ACLSizePerRole`).
    static let trustPolicyBytes = 2048
    static let maximumItems = 1000
    static let defaultItems = 100
    /// Policy sizes, counted without whitespace as IAM counts them.
    static let userInlinePolicyBytes = 2048
    static let roleInlinePolicyBytes = 10240
    static let managedPolicyBytes = 6144

    // MARK: users

    func createUser(_ input: IAM.CreateUserRequest, context: OperationContext) async throws -> IAM.CreateUserResponse {
        let boundary = try await checkedBoundary(input.permissionsBoundary)
        let tags = try checkedTags(input.tags ?? [])
        let user = UserRecord(
            id: Identifiers.uniqueId(prefix: "AIDA"),
            name: input.userName,
            path: input.path ?? "/",
            createdAt: context.now,
            permissionsBoundary: boundary,
            tags: tags
        )
        do {
            try await store.insertUser(user)
        } catch is IAMStoreConflict {
            throw ServiceError(IAM.Errors.entityAlreadyExists, "User with name \(input.userName) already exists.")
        }
        return IAM.CreateUserResponse(user: userShape(user))
    }

    func getUser(_ input: IAM.GetUserRequest, context: OperationContext) async throws -> IAM.GetUserResponse {
        let user: UserRecord
        if let name = input.userName {
            user = try await existingUser(name)
        } else {
            user = try await callerUser(context)
        }
        return IAM.GetUserResponse(user: userShape(user))
    }

    func listUsers(_ input: IAM.ListUsersRequest, context: OperationContext) async throws -> IAM.ListUsersResponse {
        let page = try Page(marker: input.marker, maxItems: input.maxItems)
        let users = try await store.users(pathPrefix: input.pathPrefix ?? "/", after: page.after, limit: page.limit + 1)
        let (items, marker) = page.cut(users) { $0.name.lowercased() }
        return IAM.ListUsersResponse(users: items.map(userShape), isTruncated: marker != nil, marker: marker)
    }

    func updateUser(_ input: IAM.UpdateUserRequest, context: OperationContext) async throws {
        var user = try await existingUser(input.userName)
        if let newName = input.newUserName { user.name = newName }
        if let newPath = input.newPath { user.path = newPath }
        do {
            try await store.updateUser(user)
        } catch is IAMStoreConflict {
            throw ServiceError(IAM.Errors.entityAlreadyExists, "User with name \(user.name) already exists.")
        }
    }

    func deleteUser(_ input: IAM.DeleteUserRequest, context: OperationContext) async throws {
        let user = try await existingUser(input.userName)
        switch try await store.deleteUser(id: user.id) {
        case .deleted: return
        case .conflict(let what):
            let step = what == "attached policies" ? "detach all policies" : "delete \(what)"
            throw ServiceError(IAM.Errors.deleteConflict, "Cannot delete entity, must \(step) first.")
        }
    }

    func tagUser(_ input: IAM.TagUserRequest, context: OperationContext) async throws {
        var user = try await existingUser(input.userName)
        user.tags = try checkedTags(Self.merge(user.tags, input.tags.map { TagRecord(key: $0.key, value: $0.value) }).map(\.shape))
        try await store.updateUser(user)
    }

    func untagUser(_ input: IAM.UntagUserRequest, context: OperationContext) async throws {
        var user = try await existingUser(input.userName)
        let removed = Set(input.tagKeys.map { $0.lowercased() })
        user.tags.removeAll { removed.contains($0.key.lowercased()) }
        try await store.updateUser(user)
    }

    func listUserTags(_ input: IAM.ListUserTagsRequest, context: OperationContext) async throws -> IAM.ListUserTagsResponse {
        let user = try await existingUser(input.userName)
        let page = try Page(marker: input.marker, maxItems: input.maxItems)
        let (items, marker) = page.cut(user.tags.filter { $0.key.lowercased() > (page.after ?? "") }) { $0.key.lowercased() }
        return IAM.ListUserTagsResponse(tags: items.map(\.shape), isTruncated: marker != nil, marker: marker)
    }

    // MARK: access keys

    func createAccessKey(_ input: IAM.CreateAccessKeyRequest, context: OperationContext) async throws -> IAM.CreateAccessKeyResponse {
        let user: UserRecord
        if let name = input.userName {
            user = try await existingUser(name)
        } else {
            user = try await callerUser(context)
        }
        let key = AccessKeyRecord(
            id: Identifiers.accessKeyId(temporary: false),
            userId: user.id,
            secretAccessKey: Identifiers.secretAccessKey(),
            status: .active,
            createdAt: context.now
        )
        guard try await store.insertAccessKey(key, limit: Self.accessKeysPerUser) else {
            throw ServiceError(IAM.Errors.limitExceeded, "Cannot exceed quota for AccessKeysPerUser: \(Self.accessKeysPerUser)")
        }
        return IAM.CreateAccessKeyResponse(
            accessKey: IAM.AccessKey(
                userName: user.name,
                accessKeyId: key.id,
                status: .active,
                secretAccessKey: key.secretAccessKey,
                createDate: key.createdAt
            )
        )
    }

    func listAccessKeys(_ input: IAM.ListAccessKeysRequest, context: OperationContext) async throws -> IAM.ListAccessKeysResponse {
        let user: UserRecord
        if let name = input.userName {
            user = try await existingUser(name)
        } else {
            user = try await callerUser(context)
        }
        let keys = try await store.accessKeys(userId: user.id)
        return IAM.ListAccessKeysResponse(
            accessKeyMetadata: keys.map {
                IAM.AccessKeyMetadata(userName: user.name, accessKeyId: $0.id, status: IAM.StatusType(rawValue: $0.status.rawValue), createDate: $0.createdAt)
            },
            isTruncated: false
        )
    }

    func updateAccessKey(_ input: IAM.UpdateAccessKeyRequest, context: OperationContext) async throws {
        let key = try await ownedAccessKey(input.accessKeyId, userName: input.userName, context: context)
        guard let status = AccessKeyRecord.Status(rawValue: input.status.rawValue) else {
            throw ServiceError(IAM.Errors.invalidInput, "Invalid status \(input.status.rawValue)")
        }
        try await store.setAccessKeyStatus(id: key.id, status: status)
    }

    func deleteAccessKey(_ input: IAM.DeleteAccessKeyRequest, context: OperationContext) async throws {
        let key = try await ownedAccessKey(input.accessKeyId, userName: input.userName, context: context)
        try await store.deleteAccessKey(id: key.id)
    }

    func getAccessKeyLastUsed(_ input: IAM.GetAccessKeyLastUsedRequest, context: OperationContext) async throws
        -> IAM.GetAccessKeyLastUsedResponse
    {
        guard let key = try await store.accessKey(id: input.accessKeyId) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The Access Key with id \(input.accessKeyId) cannot be found.")
        }
        let userName = try await key.userId.asyncMap { try await store.user(id: $0)?.name } ?? nil
        return IAM.GetAccessKeyLastUsedResponse(
            userName: userName,
            accessKeyLastUsed: IAM.AccessKeyLastUsed(
                lastUsedDate: key.lastUsedAt,
                serviceName: key.lastUsedService ?? "N/A",
                region: key.lastUsedRegion ?? "N/A"
            )
        )
    }

    // MARK: helpers

    func existingUser(_ name: String) async throws -> UserRecord {
        guard let user = try await store.user(named: name) else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The user with name \(name) cannot be found.")
        }
        return user
    }

    /// The IAM user that signed the request, for operations whose `UserName` defaults to the caller.
    func callerUser(_ context: OperationContext) async throws -> UserRecord {
        guard let principal = context.principal, principal.kind == .user || principal.kind == .userSession,
            let name = principal.entityName, let user = try await store.user(named: name)
        else {
            throw ServiceError(IAM.Errors.validationError, "Must specify userName when calling with non-User credentials")
        }
        return user
    }

    private func ownedAccessKey(_ id: String, userName: String?, context: OperationContext) async throws -> AccessKeyRecord {
        let user: UserRecord
        if let userName {
            user = try await existingUser(userName)
        } else {
            user = try await callerUser(context)
        }
        guard let key = try await store.accessKey(id: id), key.userId == user.id else {
            throw ServiceError(IAM.Errors.noSuchEntity, "The Access Key with id \(id) cannot be found.")
        }
        return key
    }

    func userShape(_ user: UserRecord) -> IAM.User {
        IAM.User(
            path: user.path,
            userName: user.name,
            userId: user.id,
            arn: IAMArn.user(accountId: accountId, path: user.path, name: user.name),
            createDate: user.createdAt,
            permissionsBoundary: user.permissionsBoundary.map {
                IAM.AttachedPermissionsBoundary(permissionsBoundaryType: .permissionsBoundaryPolicy, permissionsBoundaryArn: $0)
            },
            tags: user.tags.isEmpty ? nil : user.tags.map(\.shape)
        )
    }

    /// A permissions boundary must be an existing managed policy of the account; its canonical ARN is kept.
    func checkedBoundary(_ arn: String?) async throws -> String? {
        guard let arn else { return nil }
        let policy = try await existingPolicy(arn: arn)
        return IAMArn.policy(accountId: accountId, path: policy.path, name: policy.name)
    }

    func checkedTags(_ tags: [IAM.Tag]) throws -> [TagRecord] {
        guard tags.count <= Self.tagsPerEntity else {
            throw ServiceError(IAM.Errors.limitExceeded, "The number of tags has reached the maximum limit.")
        }
        var seen: Set<String> = []
        for tag in tags where !seen.insert(tag.key.lowercased()).inserted {
            throw ServiceError(IAM.Errors.invalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        }
        return tags.map { TagRecord(key: $0.key, value: $0.value) }
    }

    /// Tags with the new values replacing those of the same key (keys compare case-insensitively).
    static func merge(_ current: [TagRecord], _ new: [TagRecord]) -> [TagRecord] {
        var result = current
        for tag in new {
            if let index = result.firstIndex(where: { $0.key.lowercased() == tag.key.lowercased() }) {
                result[index] = tag
            } else {
                result.append(tag)
            }
        }
        return result
    }
}

extension TagRecord {
    var shape: IAM.Tag { IAM.Tag(key: key, value: value) }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The ARNs of IAM entities.
enum IAMArn {
    static func user(accountId: String, path: String, name: String) -> String { "arn:aws:iam::\(accountId):user\(path)\(name)" }
    static func role(accountId: String, path: String, name: String) -> String { "arn:aws:iam::\(accountId):role\(path)\(name)" }
    static func policy(accountId: String, path: String, name: String) -> String { "arn:aws:iam::\(accountId):policy\(path)\(name)" }
    static func root(accountId: String) -> String { "arn:aws:iam::\(accountId):root" }

    /// The path and name of a customer managed policy ARN of `accountId`, or nil.
    static func parsePolicy(_ arn: String, accountId: String) -> (path: String, name: String)? {
        let prefix = "arn:aws:iam::\(accountId):policy"
        guard arn.hasPrefix(prefix) else { return nil }
        let rest = arn.dropFirst(prefix.count)
        guard rest.hasPrefix("/"), let slash = rest.lastIndex(of: "/") else { return nil }
        let name = rest[rest.index(after: slash)...]
        guard !name.isEmpty else { return nil }
        return (String(rest[...slash]), String(name))
    }
}

/// `Marker` / `MaxItems` pagination. The marker is opaque to clients: the sort key of the last item, base64.
struct Page {
    let after: String?
    let limit: Int

    init(marker: String?, maxItems: Int?) throws {
        if let marker {
            guard let data = Data(base64Encoded: marker) else {
                throw ServiceError(IAM.Errors.invalidInput, "Invalid Marker.")
            }
            after = String(decoding: data, as: UTF8.self)
        } else {
            after = nil
        }
        limit = min(maxItems ?? IAMService.defaultItems, IAMService.maximumItems)
    }

    /// The first `limit` items and, when more follow, the marker of the next page.
    func cut<T>(_ items: [T], key: (T) -> String) -> ([T], String?) {
        guard items.count > limit else { return (items, nil) }
        let page = Array(items.prefix(limit))
        return (page, page.last.map { Data(key($0).utf8).base64EncodedString() })
    }
}
