import Foundation
import MoatCore

/// Finds the secret and the principal behind an access key: the root key, an IAM user's key, or an STS session.
struct IAMCredentialResolver: CredentialResolving {
    let store: IAMStore
    let accountId: String

    func credential(forAccessKeyId accessKeyId: String) async throws -> SigningCredential? {
        try await store.cache.readThrough(.credential(accessKeyId), generation: store.generation) { try await lookUp(accessKeyId) }
    }

    /// Long-term keys' last use, written at most once per ``AccessKeyUsage/interval`` per key so that signed requests
    /// do not each cost a write. Temporary credentials are not tracked, as on AWS.
    func recordUse(of accessKeyId: String, service: String, region: String, at date: Date) async {
        guard !accessKeyId.hasPrefix("ASIA"), store.usage.isDue(accessKeyId) else { return }
        try? await store.recordAccessKeyUse(id: accessKeyId, at: date, service: service, region: region)
    }

    private func lookUp(_ accessKeyId: String) async throws -> SigningCredential? {
        if accessKeyId.hasPrefix("ASIA") {
            return try await sessionCredential(accessKeyId)
        }
        guard let key = try await store.accessKey(id: accessKeyId), key.status == .active else { return nil }
        guard let userId = key.userId else {
            return SigningCredential(accessKeyId: key.id, secretAccessKey: key.secretAccessKey, principal: rootPrincipal(accessKeyId: key.id))
        }
        guard let user = try await store.user(id: userId) else { return nil }
        let arn = IAMArn.user(accountId: accountId, path: user.path, name: user.name)
        return SigningCredential(
            accessKeyId: key.id,
            secretAccessKey: key.secretAccessKey,
            principal: Principal(kind: .user, accountId: accountId, arn: arn, userId: user.id, entityName: user.name, entityArn: arn, accessKeyId: key.id)
        )
    }

    private func sessionCredential(_ accessKeyId: String) async throws -> SigningCredential? {
        guard let session = try await store.session(accessKeyId: accessKeyId) else { return nil }
        let principal: Principal
        switch session.kind {
        case .assumedRole:
            guard let roleId = session.entityId, let role = try await store.role(id: roleId), let sessionName = session.sessionName else {
                return nil
            }
            principal = Principal(
                kind: .assumedRole,
                accountId: accountId,
                arn: "arn:aws:sts::\(accountId):assumed-role/\(role.name)/\(sessionName)",
                userId: "\(role.id):\(sessionName)",
                entityName: role.name,
                entityArn: IAMArn.role(accountId: accountId, path: role.path, name: role.name),
                accessKeyId: accessKeyId,
                sessionId: accessKeyId
            )
        case .userSession:
            if let userId = session.entityId {
                guard let user = try await store.user(id: userId) else { return nil }
                let arn = IAMArn.user(accountId: accountId, path: user.path, name: user.name)
                principal = Principal(
                    kind: .userSession,
                    accountId: accountId,
                    arn: arn,
                    userId: user.id,
                    entityName: user.name,
                    entityArn: arn,
                    accessKeyId: accessKeyId,
                    sessionId: accessKeyId
                )
            } else {
                let root = rootPrincipal(accessKeyId: accessKeyId)
                principal = Principal(
                    kind: .userSession,
                    accountId: accountId,
                    arn: root.arn,
                    userId: root.userId,
                    entityName: nil,
                    entityArn: root.entityArn,
                    accessKeyId: accessKeyId,
                    sessionId: accessKeyId
                )
            }
        }
        return SigningCredential(
            accessKeyId: accessKeyId,
            secretAccessKey: session.secretAccessKey,
            sessionToken: session.sessionToken,
            expiration: session.expiresAt,
            principal: principal
        )
    }

    private func rootPrincipal(accessKeyId: String) -> Principal {
        let arn = IAMArn.root(accountId: accountId)
        return Principal(kind: .root, accountId: accountId, arn: arn, userId: accountId, entityName: nil, entityArn: arn, accessKeyId: accessKeyId)
    }
}
