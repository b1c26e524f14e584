import Foundation
import MoatCore
import Synchronization

/// Cognito user pools' operations over the store.
///
/// Pools and app clients are here; users in `CognitoService+Users.swift`, sign-in in `CognitoService+Auth.swift`,
/// tokens in `CognitoService+Tokens.swift`.
struct CognitoService: CognitoOperations {
    let store: CognitoStore
    let outbox: Outbox
    let settings: CognitoSettings
    let hasher: any PasswordHashing
    let accountId: String
    let region: String
    /// The issuer prefix: `{public-url}`; a pool's issuer is `{public-url}/{poolId}`.
    let issuerBase: String
    /// Keys the service alone knows, derived from the master key: SRP secret blocks, and the fake SRP salts of
    /// unknown users.
    let serverKeys: ServerKeys
    let signingKeys = SigningKeyCache()
    /// Pools and clients are read on every sign-in and token check; another node's change shows within a second.
    let pools = RecordCache<PoolRecord>(lifetime: .seconds(1))
    let clients = RecordCache<ClientRecord>(lifetime: .seconds(1))
    let verifiedTokens = VerifiedTokenCache()
    let tokenHolders = TokenHolderCache()
    /// Whether each pool has groups, for token issue; a group made on another node shows within a second.
    let poolsWithGroups = RecordCache<Bool>(lifetime: .seconds(1))

    static let defaultPasswordPolicy = Cognito.PasswordPolicyType(
        minimumLength: 8, requireUppercase: true, requireLowercase: true, requireNumbers: true, requireSymbols: true,
        temporaryPasswordValidityDays: 7
    )

    func poolArn(_ poolId: String) -> String { "arn:aws:cognito-idp:\(region):\(accountId):userpool/\(poolId)" }

    func issuer(_ poolId: String) -> String { issuerBase + "/" + poolId }

    // MARK: pools

    func createUserPool(_ input: Cognito.CreateUserPoolRequest, context: OperationContext) async throws -> Cognito.CreateUserPoolResponse {
        if input.aliasAttributes?.isEmpty == false, input.usernameAttributes?.isEmpty == false {
            throw ServiceError(Cognito.Errors.invalidParameter, "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
        }
        let (policies, adminCreateUser) = try Self.policies(input)
        let id = Identifiers.poolId(region: region)
        let settings = Cognito.UserPoolType(
            policies: policies,
            deletionProtection: input.deletionProtection ?? .inactive,
            lambdaConfig: input.lambdaConfig ?? Cognito.LambdaConfigType(),
            schemaAttributes: try Schema.make(from: input.schema ?? []),
            autoVerifiedAttributes: input.autoVerifiedAttributes,
            aliasAttributes: input.aliasAttributes,
            usernameAttributes: input.usernameAttributes,
            smsVerificationMessage: input.smsVerificationMessage,
            emailVerificationMessage: input.emailVerificationMessage,
            emailVerificationSubject: input.emailVerificationSubject,
            verificationMessageTemplate: Self.verificationTemplate(input.verificationMessageTemplate, input),
            smsAuthenticationMessage: input.smsAuthenticationMessage,
            userAttributeUpdateSettings: input.userAttributeUpdateSettings,
            mfaConfiguration: input.mfaConfiguration ?? Cognito.UserPoolMfaType(rawValue: "OFF"),
            deviceConfiguration: input.deviceConfiguration,
            emailConfiguration: input.emailConfiguration ?? Cognito.EmailConfigurationType(emailSendingAccount: .cognitoDefault),
            smsConfiguration: input.smsConfiguration,
            userPoolTags: input.userPoolTags,
            adminCreateUserConfig: adminCreateUser,
            userPoolAddOns: input.userPoolAddOns,
            usernameConfiguration: input.usernameConfiguration,
            accountRecoverySetting: input.accountRecoverySetting,
            userPoolTier: input.userPoolTier ?? .essentials
        )
        let pool = PoolRecord(id: id, name: input.poolName, settings: settings, createdAt: context.now, updatedAt: context.now)
        let key = try await OffLoop.run { try TokenSigningKey.generate() }
        try await store.insertPool(pool, signingKey: key)
        signingKeys.put(key, poolId: id)
        return Cognito.CreateUserPoolResponse(userPool: try await describe(pool))
    }

    func describeUserPool(_ input: Cognito.DescribeUserPoolRequest, context: OperationContext) async throws -> Cognito.DescribeUserPoolResponse {
        Cognito.DescribeUserPoolResponse(userPool: try await describe(try await pool(input.userPoolId)))
    }

    func updateUserPool(_ input: Cognito.UpdateUserPoolRequest, context: OperationContext) async throws -> Cognito.UpdateUserPoolResponse {
        var pool = try await pool(input.userPoolId)
        // UpdateUserPool resets every setting the request leaves out to its default, as on AWS.
        let (policies, adminCreateUser) = try Self.policies(input)
        var settings = pool.settings
        settings.policies = policies
        settings.deletionProtection = input.deletionProtection ?? .inactive
        settings.lambdaConfig = input.lambdaConfig ?? Cognito.LambdaConfigType()
        settings.autoVerifiedAttributes = input.autoVerifiedAttributes
        settings.smsVerificationMessage = input.smsVerificationMessage
        settings.emailVerificationMessage = input.emailVerificationMessage
        settings.emailVerificationSubject = input.emailVerificationSubject
        settings.verificationMessageTemplate = Self.verificationTemplate(input.verificationMessageTemplate, input)
        settings.smsAuthenticationMessage = input.smsAuthenticationMessage
        settings.userAttributeUpdateSettings = input.userAttributeUpdateSettings
        settings.mfaConfiguration = input.mfaConfiguration ?? Cognito.UserPoolMfaType(rawValue: "OFF")
        settings.deviceConfiguration = input.deviceConfiguration
        settings.emailConfiguration = input.emailConfiguration ?? Cognito.EmailConfigurationType(emailSendingAccount: .cognitoDefault)
        settings.smsConfiguration = input.smsConfiguration
        settings.userPoolTags = input.userPoolTags ?? pool.settings.userPoolTags
        settings.adminCreateUserConfig = adminCreateUser
        settings.userPoolAddOns = input.userPoolAddOns
        settings.accountRecoverySetting = input.accountRecoverySetting
        settings.userPoolTier = input.userPoolTier ?? pool.settings.userPoolTier
        pool.settings = settings
        if let name = input.poolName { pool.name = name }
        pool.updatedAt = context.now
        guard try await store.updatePool(pool) else { throw Self.poolNotFound(input.userPoolId) }
        pools.remove(pool.id)
        return Cognito.UpdateUserPoolResponse()
    }

    func listUserPools(_ input: Cognito.ListUserPoolsRequest, context: OperationContext) async throws -> Cognito.ListUserPoolsResponse {
        let after = try Self.pageKey(input.nextToken)
        let pools = try await store.pools(after: after, limit: input.maxResults + 1)
        let page = pools.prefix(input.maxResults)
        return Cognito.ListUserPoolsResponse(
            userPools: page.map {
                Cognito.UserPoolDescriptionType(
                    id: $0.id, name: $0.name, lambdaConfig: $0.settings.lambdaConfig, lastModifiedDate: $0.updatedAt, creationDate: $0.createdAt)
            },
            nextToken: pools.count > input.maxResults ? page.last.map { PageToken.encode($0.id) } : nil
        )
    }

    func deleteUserPool(_ input: Cognito.DeleteUserPoolRequest, context: OperationContext) async throws {
        let pool = try await pool(input.userPoolId)
        if pool.settings.deletionProtection == .active {
            throw ServiceError(
                Cognito.Errors.invalidParameter,
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."
            )
        }
        guard try await store.deletePool(id: pool.id) else { throw Self.poolNotFound(input.userPoolId) }
        signingKeys.remove(poolId: pool.id)
        pools.remove(pool.id)
        clients.removeAll()
        verifiedTokens.remove(poolId: pool.id)
    }

    func addCustomAttributes(_ input: Cognito.AddCustomAttributesRequest, context: OperationContext) async throws -> Cognito.AddCustomAttributesResponse {
        var pool = try await pool(input.userPoolId)
        var schema = pool.settings.schemaAttributes ?? Schema.standard
        for attribute in input.customAttributes {
            let custom = try Schema.customAttribute(attribute)
            if schema.contains(where: { $0.name == custom.name }) {
                throw ServiceError(Cognito.Errors.invalidParameter, "\(custom.name ?? ""): Existing attribute already has name \(custom.name ?? "").")
            }
            schema.append(custom)
        }
        try Schema.checkCustomCount(schema.count - Schema.standard.count)
        pool.settings.schemaAttributes = schema
        pool.updatedAt = context.now
        guard try await store.updatePool(pool) else { throw Self.poolNotFound(input.userPoolId) }
        pools.remove(pool.id)
        return Cognito.AddCustomAttributesResponse()
    }

    /// The pool as DescribeUserPool reports it.
    func describe(_ pool: PoolRecord) async throws -> Cognito.UserPoolType {
        var described = pool.settings
        described.id = pool.id
        described.name = pool.name
        described.arn = poolArn(pool.id)
        described.creationDate = pool.createdAt
        described.lastModifiedDate = pool.updatedAt
        described.estimatedNumberOfUsers = try await store.userCount(poolId: pool.id)
        described.status = nil
        return described
    }

    /// The policies and AdminCreateUserConfig of a new or updated pool, with AWS's defaults for what the request leaves
    /// out.
    static func policies(_ input: some PoolSettingsRequest) throws -> (Cognito.UserPoolPolicyType, Cognito.AdminCreateUserConfigType) {
        var policies = input.policies ?? Cognito.UserPoolPolicyType()
        policies.passwordPolicy = try passwordPolicy(input.policies?.passwordPolicy)
        var adminCreateUser = input.adminCreateUserConfig ?? Cognito.AdminCreateUserConfigType()
        adminCreateUser.allowAdminCreateUserOnly = adminCreateUser.allowAdminCreateUserOnly ?? false
        adminCreateUser.unusedAccountValidityDays = policies.passwordPolicy?.temporaryPasswordValidityDays ?? 7
        return (policies, adminCreateUser)
    }

    /// The pool's password policy with AWS's defaults for what the request leaves out, after checking its ranges.
    static func passwordPolicy(_ requested: Cognito.PasswordPolicyType?) throws -> Cognito.PasswordPolicyType {
        guard var policy = requested else { return defaultPasswordPolicy }
        policy.minimumLength = policy.minimumLength ?? 8
        policy.requireUppercase = policy.requireUppercase ?? false
        policy.requireLowercase = policy.requireLowercase ?? false
        policy.requireNumbers = policy.requireNumbers ?? false
        policy.requireSymbols = policy.requireSymbols ?? false
        policy.temporaryPasswordValidityDays = policy.temporaryPasswordValidityDays ?? 7
        if let length = policy.minimumLength, !(6...99).contains(length) {
            throw ServiceError(Cognito.Errors.invalidParameter, "Minimum length must be between 6 and 99.")
        }
        return policy
    }

    /// The verification template, defaulted as Cognito does from the legacy message fields.
    static func verificationTemplate(_ template: Cognito.VerificationMessageTemplateType?, _ legacy: some PoolSettingsRequest)
        -> Cognito.VerificationMessageTemplateType
    {
        var template = template ?? Cognito.VerificationMessageTemplateType()
        template.defaultEmailOption = template.defaultEmailOption ?? .confirmWithCode
        template.emailMessage = template.emailMessage ?? legacy.emailVerificationMessage
        template.emailSubject = template.emailSubject ?? legacy.emailVerificationSubject
        template.smsMessage = template.smsMessage ?? legacy.smsVerificationMessage
        return template
    }

    // MARK: clients

    func createUserPoolClient(
        _ input: Cognito.CreateUserPoolClientRequest,
        context: OperationContext
    ) async throws -> Cognito.CreateUserPoolClientResponse {
        let pool = try await pool(input.userPoolId)
        if input.clientSecret != nil, input.generateSecret != true {
            throw ServiceError(Cognito.Errors.invalidParameter, "ClientSecret can only be set when GenerateSecret is true.")
        }
        var settings = Self.clientSettings(input)
        try checkClientSettings(&settings, pool: pool)
        let client = ClientRecord(
            id: Identifiers.clientId(),
            poolId: pool.id,
            name: input.clientName,
            secret: input.generateSecret == true ? (input.clientSecret ?? Identifiers.clientSecret()) : nil,
            settings: settings,
            createdAt: context.now,
            updatedAt: context.now
        )
        try await store.insertClient(client)
        return Cognito.CreateUserPoolClientResponse(userPoolClient: describe(client))
    }

    func describeUserPoolClient(
        _ input: Cognito.DescribeUserPoolClientRequest,
        context: OperationContext
    ) async throws -> Cognito.DescribeUserPoolClientResponse {
        Cognito.DescribeUserPoolClientResponse(userPoolClient: describe(try await client(input.clientId, poolId: input.userPoolId)))
    }

    func updateUserPoolClient(
        _ input: Cognito.UpdateUserPoolClientRequest,
        context: OperationContext
    ) async throws -> Cognito.UpdateUserPoolClientResponse {
        let pool = try await pool(input.userPoolId)
        var client = try await client(input.clientId, poolId: input.userPoolId)
        // As on AWS, every setting the request leaves out returns to its default.
        var settings = Self.clientSettings(input)
        try checkClientSettings(&settings, pool: pool)
        client.settings = settings
        if let name = input.clientName { client.name = name }
        client.updatedAt = context.now
        guard try await store.updateClient(client) else { throw Self.clientNotFound(input.clientId) }
        clients.remove(client.id)
        return Cognito.UpdateUserPoolClientResponse(userPoolClient: describe(client))
    }

    func listUserPoolClients(
        _ input: Cognito.ListUserPoolClientsRequest,
        context: OperationContext
    ) async throws -> Cognito.ListUserPoolClientsResponse {
        _ = try await pool(input.userPoolId)
        let limit = input.maxResults ?? 60
        let after = try Self.pageKey(input.nextToken)
        let clients = try await store.clients(poolId: input.userPoolId, after: after, limit: limit + 1)
        let page = clients.prefix(limit)
        return Cognito.ListUserPoolClientsResponse(
            userPoolClients: page.map { Cognito.UserPoolClientDescription(clientId: $0.id, userPoolId: $0.poolId, clientName: $0.name) },
            nextToken: clients.count > limit ? page.last.map { PageToken.encode($0.id) } : nil
        )
    }

    func deleteUserPoolClient(_ input: Cognito.DeleteUserPoolClientRequest, context: OperationContext) async throws {
        _ = try await pool(input.userPoolId)
        guard try await store.deleteClient(id: input.clientId, poolId: input.userPoolId) else { throw Self.clientNotFound(input.clientId) }
        clients.remove(input.clientId)
    }

    /// A client's settings as CreateUserPoolClient or UpdateUserPoolClient gives them, with AWS's defaults for the
    /// flags the request leaves out (``checkClientSettings(_:pool:)`` fills the validities).
    static func clientSettings(_ input: some ClientSettingsRequest) -> Cognito.UserPoolClientType {
        Cognito.UserPoolClientType(
            refreshTokenValidity: input.refreshTokenValidity,
            accessTokenValidity: input.accessTokenValidity,
            idTokenValidity: input.idTokenValidity,
            tokenValidityUnits: input.tokenValidityUnits,
            readAttributes: input.readAttributes,
            writeAttributes: input.writeAttributes,
            explicitAuthFlows: input.explicitAuthFlows,
            supportedIdentityProviders: input.supportedIdentityProviders,
            callbackURLs: input.callbackURLs,
            logoutURLs: input.logoutURLs,
            defaultRedirectURI: input.defaultRedirectURI,
            allowedOAuthFlows: input.allowedOAuthFlows,
            allowedOAuthScopes: input.allowedOAuthScopes,
            allowedOAuthFlowsUserPoolClient: input.allowedOAuthFlowsUserPoolClient ?? false,
            analyticsConfiguration: input.analyticsConfiguration,
            preventUserExistenceErrors: input.preventUserExistenceErrors ?? .legacy,
            enableTokenRevocation: input.enableTokenRevocation ?? true,
            enablePropagateAdditionalUserContextData: input.enablePropagateAdditionalUserContextData ?? false,
            authSessionValidity: input.authSessionValidity ?? 3,
            refreshTokenRotation: input.refreshTokenRotation
        )
    }

    /// Fills a client's defaults and checks its values as Cognito does: token validities within their ranges in their
    /// units, read and write attributes that exist (and, for writes, are mutable).
    func checkClientSettings(_ settings: inout Cognito.UserPoolClientType, pool: PoolRecord) throws {
        var units = settings.tokenValidityUnits ?? Cognito.TokenValidityUnitsType()
        units.accessToken = units.accessToken ?? .hours
        units.idToken = units.idToken ?? .hours
        units.refreshToken = units.refreshToken ?? .days
        settings.tokenValidityUnits = units
        settings.accessTokenValidity = settings.accessTokenValidity ?? Int(60 * 60 / Self.seconds(units.accessToken))
        settings.idTokenValidity = settings.idTokenValidity ?? Int(60 * 60 / Self.seconds(units.idToken))
        settings.refreshTokenValidity = settings.refreshTokenValidity ?? Int(30 * 86_400 / Self.seconds(units.refreshToken))
        let access = Self.validity(settings.accessTokenValidity, units.accessToken)
        let id = Self.validity(settings.idTokenValidity, units.idToken)
        let refresh = Self.validity(settings.refreshTokenValidity, units.refreshToken)
        if access < self.settings.minimumTokenValidity || access > 86_400 {
            throw ServiceError(Cognito.Errors.invalidParameter, "Invalid range for token validity.")
        }
        if id < self.settings.minimumTokenValidity || id > 86_400 {
            throw ServiceError(Cognito.Errors.invalidParameter, "Invalid range for token validity.")
        }
        if refresh < self.settings.minimumRefreshTokenValidity || refresh > 3650 * 86_400 {
            throw ServiceError(Cognito.Errors.invalidParameter, "Invalid range for token validity.")
        }
        if refresh < access || refresh < id {
            throw ServiceError(Cognito.Errors.invalidParameter, "Refresh token validity must be greater than access and id token validity.")
        }
        if let minutes = settings.authSessionValidity, !(3...15).contains(minutes) {
            throw ServiceError(
                Cognito.Errors.invalidParameter,
                "1 validation error detected: Value '\(minutes)' at 'authSessionValidity' failed to satisfy constraint: Member must have value between 3 and 15"
            )
        }
        let schema = pool.settings.schemaAttributes ?? Schema.standard
        for name in settings.readAttributes ?? [] where !schema.contains(where: { $0.name == name }) {
            throw ServiceError(Cognito.Errors.invalidParameter, "Invalid read attributes specified while creating a client")
        }
        for name in settings.writeAttributes ?? [] {
            guard let attribute = schema.first(where: { $0.name == name }), attribute.mutable != false,
                !["email_verified", "phone_number_verified", "sub"].contains(name)
            else {
                throw ServiceError(Cognito.Errors.invalidParameter, "Invalid write attributes specified while creating a client")
            }
        }
        let legacy: Set<Cognito.ExplicitAuthFlowsType> = [.adminNoSrpAuth, .customAuthFlowOnly, .userPasswordAuth]
        let flows = settings.explicitAuthFlows ?? []
        if flows.contains(where: legacy.contains), flows.contains(where: { !legacy.contains($0) }) {
            throw ServiceError(Cognito.Errors.invalidParameter, "Mixing legacy and new explicit auth flows is not allowed.")
        }
    }

    /// The client as Describe/Create/UpdateUserPoolClient report it, secret included.
    func describe(_ client: ClientRecord) -> Cognito.UserPoolClientType {
        var described = client.settings
        described.userPoolId = client.poolId
        described.clientName = client.name
        described.clientId = client.id
        described.clientSecret = client.secret
        described.creationDate = client.createdAt
        described.lastModifiedDate = client.updatedAt
        if described.explicitAuthFlows?.isEmpty ?? true { described.explicitAuthFlows = nil }
        return described
    }

    static func seconds(_ unit: Cognito.TimeUnitsType?) -> TimeInterval {
        switch unit {
        case .seconds?: 1
        case .minutes?: 60
        case .days?: 86_400
        default: 3600
        }
    }

    static func validity(_ value: Int?, _ unit: Cognito.TimeUnitsType?) -> TimeInterval {
        TimeInterval(value ?? 0) * seconds(unit)
    }

    // MARK: lookups

    func pool(_ id: String) async throws -> PoolRecord {
        guard let pool = try await cachedPool(id) else { throw Self.poolNotFound(id) }
        return pool
    }

    func client(_ id: String, poolId: String) async throws -> ClientRecord {
        guard let client = try await cachedClient(id), client.poolId == poolId else { throw Self.clientNotFound(id) }
        return client
    }

    func cachedPool(_ id: String) async throws -> PoolRecord? {
        try await pools.value(id) { try await store.pool(id: id) }
    }

    func cachedClient(_ id: String) async throws -> ClientRecord? {
        try await clients.value(id) { try await store.client(id: id) }
    }

    static func poolNotFound(_ id: String) -> ServiceError {
        ServiceError(Cognito.Errors.resourceNotFound, "User pool \(id) does not exist.")
    }

    static func clientNotFound(_ id: String) -> ServiceError {
        ServiceError(Cognito.Errors.resourceNotFound, "User pool client \(id) does not exist.")
    }
}

/// The settings CreateUserPool and UpdateUserPool both carry.
protocol PoolSettingsRequest {
    var policies: Cognito.UserPoolPolicyType? { get }
    var adminCreateUserConfig: Cognito.AdminCreateUserConfigType? { get }
    var emailVerificationMessage: String? { get }
    var emailVerificationSubject: String? { get }
    var smsVerificationMessage: String? { get }
}

extension Cognito.CreateUserPoolRequest: PoolSettingsRequest {}
extension Cognito.UpdateUserPoolRequest: PoolSettingsRequest {}

/// The settings CreateUserPoolClient and UpdateUserPoolClient both carry.
protocol ClientSettingsRequest {
    var refreshTokenValidity: Int? { get }
    var accessTokenValidity: Int? { get }
    var idTokenValidity: Int? { get }
    var tokenValidityUnits: Cognito.TokenValidityUnitsType? { get }
    var readAttributes: [String]? { get }
    var writeAttributes: [String]? { get }
    var explicitAuthFlows: [Cognito.ExplicitAuthFlowsType]? { get }
    var supportedIdentityProviders: [String]? { get }
    var callbackURLs: [String]? { get }
    var logoutURLs: [String]? { get }
    var defaultRedirectURI: String? { get }
    var allowedOAuthFlows: [Cognito.OAuthFlowType]? { get }
    var allowedOAuthScopes: [String]? { get }
    var allowedOAuthFlowsUserPoolClient: Bool? { get }
    var analyticsConfiguration: Cognito.AnalyticsConfigurationType? { get }
    var preventUserExistenceErrors: Cognito.PreventUserExistenceErrorTypes? { get }
    var enableTokenRevocation: Bool? { get }
    var enablePropagateAdditionalUserContextData: Bool? { get }
    var authSessionValidity: Int? { get }
    var refreshTokenRotation: Cognito.RefreshTokenRotationType? { get }
}

extension Cognito.CreateUserPoolClientRequest: ClientSettingsRequest {}
extension Cognito.UpdateUserPoolClientRequest: ClientSettingsRequest {}

/// Pagination tokens: the last key of a page, base64 so that clients treat it as opaque.
enum PageToken {
    static func encode(_ key: String) -> String { Data(key.utf8).base64EncodedString() }

    static func decode(_ token: String) -> String? {
        Data(base64Encoded: token).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The pools' signing keys, loaded once per process.
final class SigningKeyCache: Sendable {
    private let keys = Mutex<[String: TokenSigningKey]>([:])

    func get(poolId: String) -> TokenSigningKey? { keys.withLock { $0[poolId] } }
    func put(_ key: TokenSigningKey, poolId: String) { keys.withLock { $0[poolId] = key } }
    func remove(poolId: String) { _ = keys.withLock { $0.removeValue(forKey: poolId) } }
    func removeAll() { keys.withLock { $0.removeAll() } }
}
