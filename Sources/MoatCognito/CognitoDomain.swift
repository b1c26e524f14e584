public import Crypto
public import Foundation
public import Logging
public import MoatCore
public import MoatStorage

/// Cognito user pools over one database: the cognito-idp binding, the pools' public keys, and the outbox.
public struct CognitoDomain: Sendable {
    let store: CognitoStore
    let service: CognitoService
    let outbox: Outbox

    public static var migrations: [Migration] { CognitoStore.migrations + [Outbox.migration, CognitoStore.groupsAndCodes] }

    /// - Parameters:
    ///   - database: the store.
    ///   - masterKey: seals signing keys, client secrets and SRP verifiers; the service's own keys derive from it.
    ///   - accountId: the account of pool ARNs.
    ///   - region: the region of pool ids and ARNs.
    ///   - publicURL: the server's public URL; a pool's token issuer is `{publicURL}/{poolId}`.
    ///   - settings: costs and delays (AWS's by default).
    ///   - smtp: where email goes (`MOAT_SMTP`); without it, to the outbox (`moat mail`).
    ///   - logger: where delivery is reported (never a message's content).
    package init(
        database: Database,
        masterKey: SymmetricKey,
        accountId: String,
        region: String,
        publicURL: String,
        settings: CognitoSettings = CognitoSettings(),
        smtp: SMTPConfiguration? = nil,
        logger: Logger
    ) {
        self.init(
            database: database, masterKey: masterKey, accountId: accountId, region: region, publicURL: publicURL, settings: settings,
            hasher: PasswordHasher(iterations: settings.passwordHashIterations), smtp: smtp, logger: logger
        )
    }

    init(
        database: Database,
        masterKey: SymmetricKey,
        accountId: String,
        region: String,
        publicURL: String,
        settings: CognitoSettings,
        hasher: any PasswordHashing,
        smtp: SMTPConfiguration? = nil,
        logger: Logger
    ) {
        let secretBox = SecretBox(key: masterKey)
        let store = CognitoStore(database: database, secretBox: secretBox)
        let sender = smtp.map { SMTPSender(client: SMTPClient(configuration: $0)) }
        let outbox = Outbox(database: database, secretBox: secretBox, emailSender: sender, logger: logger)
        self.store = store
        self.outbox = outbox
        self.service = CognitoService(
            store: store,
            outbox: outbox,
            settings: settings,
            hasher: hasher,
            accountId: accountId,
            region: region,
            issuerBase: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL,
            serverKeys: ServerKeys(masterKey: masterKey)
        )
    }

    public var binding: ServiceBinding {
        let service = service
        return ServiceBinding(
            model: .cognitoIdentityProvider,
            handlers: service.operationHandlers(),
            authorizationTarget: { operation, input, context in service.authorizationTarget(operation, input, context) },
            accessDenied: Cognito.Errors.accessDenied,
            validationError: Cognito.Errors.invalidParameter,
            internalError: Cognito.Errors.internalError
        )
    }

    /// A pool's token issuer, `{publicURL}/{poolId}` (whether or not the pool exists).
    public func issuer(poolId: String) -> String { service.issuer(poolId) }

    /// Whether the pool exists (from the service's cache of pools, which a deletion on this node clears).
    public func poolExists(_ poolId: String) async throws -> Bool { try await service.cachedPool(poolId) != nil }

    /// The JWKS document of a pool (`/{poolId}/.well-known/jwks.json`), or nil when there is no such pool.
    public func jwks(poolId: String) async throws -> String? {
        guard try await service.cachedPool(poolId) != nil else { return nil }
        return JWKS.json(keys: [try await service.signingKey(poolId)])
    }

    /// The pool's OpenID discovery document (`/{poolId}/.well-known/openid-configuration`), or nil when there is no
    /// such pool. It names what Moat serves: the issuer, the keys and the signing algorithm.
    public func openIDConfiguration(poolId: String) async throws -> String? {
        guard try await service.cachedPool(poolId) != nil else { return nil }
        let issuer = service.issuer(poolId)
        return CognitoService.jsonText(
            .object([
                ("id_token_signing_alg_values_supported", .array([.string("RS256")])),
                ("issuer", .string(issuer)),
                ("jwks_uri", .string(issuer + "/.well-known/jwks.json")),
                ("response_types_supported", .array([.string("code"), .string("token")])),
                ("scopes_supported", .array(["openid", "email", "phone", "profile"].map(JSONValue.string))),
                ("subject_types_supported", .array([.string("public")])),
                ("token_endpoint_auth_methods_supported", .array([.string("client_secret_basic"), .string("client_secret_post")])),
            ])
        )
    }

    /// The messages kept for users because no transport sends them (`moat mail`), oldest first.
    public func outboxMessages(limit: Int = 1000) async throws -> [OutgoingMessage] {
        try await outbox.messages(limit: limit)
    }

    /// Deletes expired challenges and refresh tokens; the sweeper calls it.
    @discardableResult
    public func deleteExpired(now: Date) async throws -> Int {
        try await store.deleteExpired(now: now)
    }

    /// Wipes every pool (`--allow-reset`).
    public func reset() async throws {
        try await store.deleteAll()
        try await outbox.deleteAll()
        service.signingKeys.removeAll()
        service.pools.removeAll()
        service.clients.removeAll()
        service.verifiedTokens.removeAll()
        service.tokenHolders.removeAll()
        service.poolsWithGroups.removeAll()
    }
}

extension CognitoService {
    /// `cognito-idp:<Operation>` on the pool (`arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID`); `*` for the operations
    /// without a pool (CreateUserPool, ListUserPools).
    func authorizationTarget(_ operation: String, _ input: WireValue, _ context: OperationContext) -> AuthorizationTarget? {
        guard case .object(let members) = input, case .string(let poolId)? = members["UserPoolId"] else {
            return AuthorizationTarget(resource: "*")
        }
        return AuthorizationTarget(resource: poolArn(poolId))
    }
}
