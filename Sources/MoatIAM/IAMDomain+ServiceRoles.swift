public import Foundation
import MoatCore
import MoatPolicy

/// Temporary credentials of a role session, as a service that assumes a role on a caller's behalf receives them.
public struct RoleSessionCredentials: Sendable, Equatable {
    public let accessKeyId: String
    public let secretAccessKey: String
    public let sessionToken: String
    public let expiration: Date
}

extension IAMDomain {
    /// Whether the AWS service `servicePrincipal` (`lambda.amazonaws.com`) may assume the role: the role exists and
    /// its trust policy allows `sts:AssumeRole` to that service.
    public func serviceMayAssume(roleArn: String, servicePrincipal: String, now: Date = Date()) async throws -> Bool {
        try await trustingRole(roleArn, servicePrincipal: servicePrincipal, now: now) != nil
    }

    /// A session of the role for `servicePrincipal`, as the service would get from STS: `ASIA…` keys that act as
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` and expire after `duration` seconds. Fails with nil when the
    /// role no longer exists or no longer trusts the service.
    public func assumeRoleForService(
        roleArn: String,
        servicePrincipal: String,
        sessionName: String,
        duration: Int,
        now: Date = Date()
    ) async throws -> RoleSessionCredentials? {
        guard let role = try await trustingRole(roleArn, servicePrincipal: servicePrincipal, now: now) else { return nil }
        let session = SessionRecord.assumedRole(role, sessionName: sessionName, seconds: min(duration, role.maxSessionDuration), now: now)
        try await store.insertSession(session)
        return RoleSessionCredentials(
            accessKeyId: session.accessKeyId,
            secretAccessKey: session.secretAccessKey,
            sessionToken: session.sessionToken,
            expiration: session.expiresAt
        )
    }

    /// The role, when it exists and its trust policy allows `sts:AssumeRole` to the service; a trust policy that no
    /// longer parses trusts no one.
    private func trustingRole(_ roleArn: String, servicePrincipal: String, now: Date) async throws -> RoleRecord? {
        guard let role = try await IAMRoleLookup(store: store, accountId: accountId).role(arn: roleArn),
            let trust = try? PolicyDocument.parse(role.trustPolicy, kind: .trust)
        else { return nil }
        let decision = PolicyEvaluator.evaluate(
            EvaluationInput(
                principal: .service(servicePrincipal),
                action: "sts:AssumeRole",
                resource: IAMArn.role(accountId: accountId, path: role.path, name: role.name),
                resourcePolicy: trust,
                now: now
            )
        )
        return decision == .allow ? role : nil
    }
}
