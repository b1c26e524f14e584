import MoatCore

/// The resources IAM and STS operations act on, as AWS names them in policies and AccessDenied messages.
struct IAMAuthorizationTargets: Sendable {
    let store: IAMStore
    let accountId: String

    func iam(_ operation: String, _ input: WireValue, _ context: OperationContext) async throws -> AuthorizationTarget? {
        let string = { (name: String) in input[name]?.stringValue }
        switch operation {
        case "CreateUser":
            return AuthorizationTarget(resource: IAMArn.user(accountId: accountId, path: string("Path") ?? "/", name: string("UserName") ?? ""))
        case "ListUsers":
            return AuthorizationTarget(resource: "arn:aws:iam::\(accountId):user\(string("PathPrefix") ?? "/")")
        case "CreateRole":
            return AuthorizationTarget(resource: IAMArn.role(accountId: accountId, path: string("Path") ?? "/", name: string("RoleName") ?? ""))
        case "ListRoles":
            return AuthorizationTarget(resource: "arn:aws:iam::\(accountId):role\(string("PathPrefix") ?? "/")")
        case "CreatePolicy":
            return AuthorizationTarget(
                resource: IAMArn.policy(accountId: accountId, path: string("Path") ?? "/", name: string("PolicyName") ?? "")
            )
        case "ListPolicies", "SimulateCustomPolicy":
            return AuthorizationTarget(resource: "*")
        case "SimulatePrincipalPolicy":
            return AuthorizationTarget(resource: string("PolicySourceArn") ?? "*")
        case "GetAccessKeyLastUsed":
            guard let id = string("AccessKeyId"), let key = try await store.accessKey(id: id), let userId = key.userId,
                let user = try await store.user(id: userId)
            else { return AuthorizationTarget(resource: "*") }
            return AuthorizationTarget(resource: IAMArn.user(accountId: accountId, path: user.path, name: user.name))
        default:
            if let name = string("RoleName") {
                let path = try await store.role(named: name)?.path ?? "/"
                return AuthorizationTarget(resource: IAMArn.role(accountId: accountId, path: path, name: name))
            }
            if let name = string("UserName") {
                let path = try await store.user(named: name)?.path ?? "/"
                return AuthorizationTarget(resource: IAMArn.user(accountId: accountId, path: path, name: name))
            }
            if let arn = string("PolicyArn") {
                return AuthorizationTarget(resource: arn)
            }
            // Operations on the caller's own user when `UserName` is left out (GetUser, CreateAccessKey, …).
            if let principal = context.principal, principal.kind == .user || principal.kind == .userSession {
                return AuthorizationTarget(resource: principal.entityArn)
            }
            return AuthorizationTarget(resource: "*")
        }
    }

    func sts(_ operation: String, _ input: WireValue, _ context: OperationContext) async throws -> AuthorizationTarget? {
        switch operation {
        case "GetCallerIdentity":
            // AWS: "No permissions are required to perform this operation."
            return nil
        case "AssumeRole":
            let arn = input["RoleArn"]?.stringValue ?? ""
            let role = try await IAMRoleLookup(store: store, accountId: accountId).role(arn: arn)
            var keys: [String: [String]] = [:]
            for (key, member) in [("sts:ExternalId", "ExternalId"), ("sts:RoleSessionName", "RoleSessionName"), ("sts:SourceIdentity", "SourceIdentity")] {
                if let value = input[member]?.stringValue { keys[key] = [value] }
            }
            return AuthorizationTarget(resource: arn, resourcePolicy: role?.trustPolicy, context: keys)
        case "GetSessionToken":
            // AWS: no permission is needed, but a policy may deny it.
            return AuthorizationTarget(resource: "*", isAllowedUnlessDenied: true)
        default:
            return AuthorizationTarget(resource: "*")
        }
    }
}
