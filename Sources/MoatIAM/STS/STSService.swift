import Foundation
import MoatCore
import MoatPolicy

/// The STS API: who am I, assume a role, get a session token.
struct STSService: STSOperations {
    let store: IAMStore
    let accountId: String
    /// The shortest session STS issues (AWS: 900 seconds); lower only for tests that must see credentials expire.
    let minimumSessionDuration: Int

    /// AWS: a session policy's packed size may not exceed what 2,048 plaintext characters make.
    static let sessionPolicyCharacters = 2048
    /// Role chaining (a role session assuming a role) is limited to one hour.
    static let chainedSessionDuration = 3600

    func getCallerIdentity(_ input: STS.GetCallerIdentityRequest, context: OperationContext) async throws -> STS.GetCallerIdentityResponse {
        guard let principal = context.principal else { throw ServiceError(STS.Errors.accessDenied, "Request is not signed.") }
        return STS.GetCallerIdentityResponse(userId: principal.userId, account: principal.accountId, arn: principal.arn)
    }

    func assumeRole(_ input: STS.AssumeRoleRequest, context: OperationContext) async throws -> STS.AssumeRoleResponse {
        guard let principal = context.principal else { throw ServiceError(STS.Errors.accessDenied, "Request is not signed.") }
        if principal.kind == .root || (principal.kind == .userSession && principal.entityName == nil) {
            throw ServiceError(STS.Errors.accessDenied, "Roles may not be assumed by root accounts.")
        }
        guard let role = try await IAMRoleLookup(store: store, accountId: accountId).role(arn: input.roleArn) else {
            throw ServiceError(
                STS.Errors.accessDenied,
                "User: \(principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(input.roleArn)"
            )
        }
        let maximum = principal.kind == .assumedRole ? min(Self.chainedSessionDuration, role.maxSessionDuration) : role.maxSessionDuration
        let duration = input.durationSeconds ?? 3600
        if duration > maximum {
            throw ServiceError(
                STS.Errors.validationError,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        }
        try checkDuration(duration, path: "durationSeconds")
        var packedSize: Int?
        if let policy = input.policy {
            if policy.count > Self.sessionPolicyCharacters {
                throw ServiceError(STS.Errors.packedPolicyTooLarge, "Packed size of the session policies and tags exceeds the limit.")
            }
            do {
                _ = try PolicyDocument.parse(policy, kind: .session)
            } catch {
                throw ServiceError(STS.Errors.malformedPolicyDocument, error.message)
            }
            packedSize = max(1, PolicyText.size(policy) * 100 / Self.sessionPolicyCharacters)
        }
        let policyArns = (input.policyArns ?? []).compactMap(\.arn)
        for arn in policyArns where IAMArn.parsePolicy(arn, accountId: accountId) == nil {
            throw ServiceError(STS.Errors.invalidParameterValue, "The policy ARN \(arn) is not a managed policy of this account.")
        }

        let session = SessionRecord.assumedRole(
            role, sessionName: input.roleSessionName, policy: input.policy, policyArns: policyArns, seconds: duration, now: context.now
        )
        try await store.insertSession(session)
        try await store.recordRoleUse(id: role.id, at: context.now, region: context.region)
        return STS.AssumeRoleResponse(
            credentials: credentials(session),
            assumedRoleUser: STS.AssumedRoleUser(
                assumedRoleId: "\(role.id):\(input.roleSessionName)",
                arn: "arn:aws:sts::\(accountId):assumed-role/\(role.name)/\(input.roleSessionName)"
            ),
            packedPolicySize: packedSize,
            sourceIdentity: input.sourceIdentity
        )
    }

    func getSessionToken(_ input: STS.GetSessionTokenRequest, context: OperationContext) async throws -> STS.GetSessionTokenResponse {
        guard let principal = context.principal else { throw ServiceError(STS.Errors.accessDenied, "Request is not signed.") }
        guard principal.kind == .root || principal.kind == .user else {
            throw ServiceError(STS.Errors.accessDenied, "Cannot call GetSessionToken with session credentials")
        }
        let isRoot = principal.kind == .root
        let duration = input.durationSeconds ?? (isRoot ? 3600 : 43200)
        try checkDuration(duration, path: "durationSeconds")
        if isRoot && duration > 3600 {
            throw ServiceError(STS.Errors.validationError, "The requested DurationSeconds exceeds the 1 hour session limit for root accounts.")
        }
        var entityId: String?
        if !isRoot {
            guard let name = principal.entityName, let user = try await store.user(named: name) else {
                throw ServiceError(STS.Errors.accessDenied, "The user that signed the request no longer exists.")
            }
            entityId = user.id
        }
        let session = SessionRecord(
            accessKeyId: Identifiers.accessKeyId(temporary: true),
            secretAccessKey: Identifiers.secretAccessKey(),
            sessionToken: Identifiers.sessionToken(),
            kind: .userSession,
            entityId: entityId,
            sessionName: nil,
            sessionPolicy: nil,
            sessionPolicyArns: [],
            expiresAt: context.now.addingTimeInterval(TimeInterval(duration)),
            createdAt: context.now
        )
        try await store.insertSession(session)
        return STS.GetSessionTokenResponse(credentials: credentials(session))
    }

    /// The model's lower bound is AWS's 900 seconds; a lower configured minimum relaxes it for tests.
    private func checkDuration(_ duration: Int, path: String) throws {
        if duration < minimumSessionDuration {
            throw ServiceError(
                STS.Errors.validationError,
                "1 validation error detected: Value '\(duration)' at '\(path)' failed to satisfy constraint: "
                    + "Member must have value greater than or equal to \(minimumSessionDuration)"
            )
        }
    }

    private func credentials(_ session: SessionRecord) -> STS.Credentials {
        STS.Credentials(
            accessKeyId: session.accessKeyId,
            secretAccessKey: session.secretAccessKey,
            sessionToken: session.sessionToken,
            expiration: session.expiresAt
        )
    }
}

/// Finds a role by its ARN: the name must exist and the path must match.
struct IAMRoleLookup {
    let store: IAMStore
    let accountId: String

    func role(arn: String) async throws -> RoleRecord? {
        let prefix = "arn:aws:iam::\(accountId):role/"
        guard arn.hasPrefix(prefix) else { return nil }
        let rest = arn.dropFirst(prefix.count - 1)
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let path = String(rest[...slash])
        let name = String(rest[rest.index(after: slash)...])
        guard let role = try await store.role(named: name), role.path == path else { return nil }
        return role
    }
}
