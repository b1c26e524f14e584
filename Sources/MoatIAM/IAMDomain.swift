public import Foundation
public import Logging
public import MoatCore
public import MoatStorage

/// A root access key pair.
public struct RootKey: Sendable, Equatable {
    public let accessKeyId: String
    public let secretAccessKey: String

    public init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }
}

/// IAM and STS over one database: the two services' bindings, and the credential lookup and policy evaluation that
/// every signed request of every service goes through.
public struct IAMDomain: Sendable {
    let store: IAMStore
    let accountId: String
    let minimumSessionDuration: Int
    let logger: Logger

    /// - Parameters:
    ///   - secretBox: seals secret access keys and session tokens at rest.
    ///   - minimumSessionDuration: the shortest STS session (AWS: 900 s); lower it only for tests.
    public init(database: Database, secretBox: SecretBox, accountId: String, minimumSessionDuration: Int = 900, logger: Logger) {
        self.store = IAMStore(database: database, secretBox: secretBox, cache: IAMCache())
        self.accountId = accountId
        self.minimumSessionDuration = minimumSessionDuration
        self.logger = logger
    }

    public static var migrations: [Migration] { IAMStore.migrations }

    public var credentials: any CredentialResolving { IAMCredentialResolver(store: store, accountId: accountId) }

    public var authorizer: any RequestAuthorizing { evaluator }

    var evaluator: IAMAuthorizer { IAMAuthorizer(store: store, accountId: accountId, logger: logger) }

    public var iamBinding: ServiceBinding {
        let targets = IAMAuthorizationTargets(store: store, accountId: accountId)
        return ServiceBinding(
            model: .iam,
            handlers: IAMService(store: store, accountId: accountId, evaluator: evaluator).operationHandlers(),
            authorizationTarget: { try await targets.iam($0, $1, $2) },
            accessDenied: IAM.Errors.accessDenied,
            validationError: IAM.Errors.validationError,
            internalError: IAM.Errors.serviceFailure
        )
    }

    public var stsBinding: ServiceBinding {
        let targets = IAMAuthorizationTargets(store: store, accountId: accountId)
        var model = ServiceModel.sts
        if minimumSessionDuration < 900 {
            // STS checks the configured minimum itself; the model's 900 s would refuse shorter sessions first.
            let relaxed = model.schema
                .replacingMinimum(of: "roleDurationSecondsType", with: Double(minimumSessionDuration))
                .replacingMinimum(of: "durationSecondsType", with: Double(minimumSessionDuration))
            model = model.replacingSchema(relaxed)
        }
        return ServiceBinding(
            model: model,
            handlers: STSService(store: store, accountId: accountId, minimumSessionDuration: minimumSessionDuration).operationHandlers(),
            authorizationTarget: { try await targets.sts($0, $1, $2) },
            accessDenied: STS.Errors.accessDenied,
            validationError: STS.Errors.validationError,
            internalError: STS.Errors.internalFailure
        )
    }

    /// Makes `key` the account's only root key.
    public func installRootKey(_ key: RootKey, now: Date = Date()) async throws {
        if let existing = try await store.accessKey(id: key.accessKeyId), existing.userId == nil,
            existing.secretAccessKey == key.secretAccessKey, try await store.accessKeys(userId: nil).count == 1
        {
            return
        }
        try await store.replaceRootKeys(
            with: AccessKeyRecord(id: key.accessKeyId, userId: nil, secretAccessKey: key.secretAccessKey, status: .active, createdAt: now)
        )
    }

    /// Generates the root key on first start.
    /// - Returns: the new key, or nil when the account already has one.
    public func generateRootKeyIfMissing(now: Date = Date()) async throws -> RootKey? {
        guard try await store.accessKeys(userId: nil).isEmpty else { return nil }
        let key = RootKey(accessKeyId: Identifiers.accessKeyId(temporary: false), secretAccessKey: Identifiers.secretAccessKey())
        try await installRootKey(key, now: now)
        return key
    }

    /// Deletes STS sessions that expired before `date`; their credentials are refused either way.
    public func deleteExpiredSessions(before date: Date) async throws {
        try await store.deleteSessions(expiredBefore: date)
    }

    /// Deletes every user, role, policy and session; the root key stays.
    public func reset() async throws {
        try await store.deleteAllButRoot()
    }
}
