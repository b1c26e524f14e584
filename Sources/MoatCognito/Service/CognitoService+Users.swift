import Foundation
import MoatCore

extension CognitoService {
    // MARK: admin user operations

    func adminCreateUser(_ input: Cognito.AdminCreateUserRequest, context: OperationContext) async throws -> Cognito.AdminCreateUserResponse {
        let pool = try await pool(input.userPoolId)
        let policy = pool.settings.policies?.passwordPolicy ?? Self.defaultPasswordPolicy
        if let temporary = input.temporaryPassword, let violation = PasswordPolicyCheck.violation(of: temporary, policy: policy) {
            throw violation.serviceError(member: "temporaryPassword", wording: .didNotConform)
        }
        if input.messageAction == .resend {
            return try await resendInvitation(input, pool: pool, policy: policy, context: context)
        }
        let attributes = input.userAttributes ?? []
        try Schema.checkWrite(attributes, schema: schema(pool), creating: true)
        let (username, values) = try newUser(input.username, attributes: attributes, pool: pool)
        let sub = Identifiers.uuid()
        let internalName = username ?? sub
        let temporary = input.temporaryPassword ?? PasswordPolicyCheck.generateTemporaryPassword(policy: policy)
        let credentials = try await passwordCredentials(temporary, pool: pool, userIdForSRP: internalName)
        var user = UserRecord(
            poolId: pool.id, username: internalName, usernameKey: usernameKey(internalName, pool: pool), sub: sub,
            status: .forceChangePassword, enabled: true, attributes: values,
            passwordHash: credentials.hash, srp: credentials.srp, passwordSetAt: context.now,
            createdAt: context.now, updatedAt: context.now, failedAttempts: 0, lockedUntil: nil
        )
        try await insert(user, pool: pool, forceAliasCreation: input.forceAliasCreation == true)
        if input.messageAction != .suppress {
            try await sendInvitation(to: user, temporaryPassword: temporary, pool: pool, mediums: input.desiredDeliveryMediums, context: context)
        }
        return Cognito.AdminCreateUserResponse(user: describe(user, pool: pool))
    }

    /// MessageAction RESEND: a new temporary password for a user who has not signed in yet.
    private func resendInvitation(
        _ input: Cognito.AdminCreateUserRequest,
        pool: PoolRecord,
        policy: Cognito.PasswordPolicyType,
        context: OperationContext
    ) async throws -> Cognito.AdminCreateUserResponse {
        var user = try await existingUser(input.username, pool: pool)
        guard user.status == .forceChangePassword else {
            throw ServiceError(Cognito.Errors.unsupportedUserState, "Resend not possible. \(user.username) status is not FORCE_CHANGE_PASSWORD")
        }
        let temporary = input.temporaryPassword ?? PasswordPolicyCheck.generateTemporaryPassword(policy: policy)
        let credentials = try await passwordCredentials(temporary, pool: pool, userIdForSRP: user.username)
        user.passwordHash = credentials.hash
        user.srp = credentials.srp
        user.passwordSetAt = context.now
        user.updatedAt = context.now
        try await save(user, pool: pool)
        try await sendInvitation(to: user, temporaryPassword: temporary, pool: pool, mediums: input.desiredDeliveryMediums, context: context)
        return Cognito.AdminCreateUserResponse(user: describe(user, pool: pool))
    }

    func adminGetUser(_ input: Cognito.AdminGetUserRequest, context: OperationContext) async throws -> Cognito.AdminGetUserResponse {
        let pool = try await pool(input.userPoolId)
        let user = try await existingUser(input.username, pool: pool)
        return Cognito.AdminGetUserResponse(
            username: user.username,
            userAttributes: attributeList(user),
            userCreateDate: user.createdAt,
            userLastModifiedDate: user.updatedAt,
            enabled: user.enabled,
            userStatus: Cognito.UserStatusType(rawValue: user.status.rawValue)
        )
    }

    func adminDeleteUser(_ input: Cognito.AdminDeleteUserRequest, context: OperationContext) async throws {
        let pool = try await pool(input.userPoolId)
        let user = try await existingUser(input.username, pool: pool)
        guard try await store.deleteUser(poolId: pool.id, usernameKey: user.usernameKey) else { throw Self.userNotFound }
    }

    func adminSetUserPassword(
        _ input: Cognito.AdminSetUserPasswordRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminSetUserPasswordResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        try checkPassword(input.password, pool: pool, member: "password", wording: .didNotConform)
        let credentials = try await passwordCredentials(input.password, pool: pool, userIdForSRP: user.username)
        user.passwordHash = credentials.hash
        user.srp = credentials.srp
        user.passwordSetAt = context.now
        user.updatedAt = context.now
        user.status = input.permanent == true ? .confirmed : .forceChangePassword
        user.failedAttempts = 0
        user.lockedUntil = nil
        try await save(user, pool: pool)
        return Cognito.AdminSetUserPasswordResponse()
    }

    func adminConfirmSignUp(
        _ input: Cognito.AdminConfirmSignUpRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminConfirmSignUpResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        guard user.status == .unconfirmed else {
            throw ServiceError(Cognito.Errors.notAuthorized, "User cannot be confirmed. Current status is \(user.status.rawValue)")
        }
        user.status = .confirmed
        user.updatedAt = context.now
        try await save(user, pool: pool)
        return Cognito.AdminConfirmSignUpResponse()
    }

    func adminDisableUser(_ input: Cognito.AdminDisableUserRequest, context: OperationContext) async throws -> Cognito.AdminDisableUserResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        user.enabled = false
        user.updatedAt = context.now
        try await save(user, pool: pool)
        // A disabled user's tokens stop working at once, as on AWS.
        try await store.revokeRefreshTokens(poolId: pool.id, usernameKey: user.usernameKey)
        return Cognito.AdminDisableUserResponse()
    }

    func adminEnableUser(_ input: Cognito.AdminEnableUserRequest, context: OperationContext) async throws -> Cognito.AdminEnableUserResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        user.enabled = true
        user.updatedAt = context.now
        try await save(user, pool: pool)
        return Cognito.AdminEnableUserResponse()
    }

    func adminUpdateUserAttributes(
        _ input: Cognito.AdminUpdateUserAttributesRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminUpdateUserAttributesResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        try Schema.checkWrite(input.userAttributes, schema: schema(pool), creating: false)
        try await update(&user, with: input.userAttributes, pool: pool, now: context.now)
        return Cognito.AdminUpdateUserAttributesResponse()
    }

    func adminDeleteUserAttributes(
        _ input: Cognito.AdminDeleteUserAttributesRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminDeleteUserAttributesResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        try removeAttributes(input.userAttributeNames, from: &user, pool: pool)
        user.updatedAt = context.now
        try await save(user, pool: pool)
        return Cognito.AdminDeleteUserAttributesResponse()
    }

    func listUsers(_ input: Cognito.ListUsersRequest, context: OperationContext) async throws -> Cognito.ListUsersResponse {
        let pool = try await pool(input.userPoolId)
        let limit = input.limit ?? 60
        let filter = try UserFilter.parse(input.filter)
        if let names = input.attributesToGet {
            let schema = schema(pool)
            for name in names where !schema.contains(where: { $0.name == name }) {
                throw ServiceError(Cognito.Errors.invalidParameter, "One or more requested attributes do not exist.")
            }
        }
        var after = try input.paginationToken.map { token -> String in
            guard let key = PageToken.decode(token) else { throw ServiceError(Cognito.Errors.invalidParameter, "Invalid pagination token.") }
            return key
        }
        var found: [UserRecord] = []
        var more = false
        // Reads the pool in batches, keeping the users the filter matches, until a page is full.
        scan: while true {
            let batch = try await store.users(poolId: pool.id, after: after, limit: 500)
            for user in batch {
                let matches = filter?.matches(
                    username: user.username, attributes: user.attributes.merging(["sub": user.sub]) { kept, _ in kept },
                    status: user.status.rawValue, enabled: user.enabled, usernameCaseSensitive: isCaseSensitive(pool)
                )
                guard matches ?? true else { continue }
                if found.count == limit {
                    more = true
                    break scan
                }
                found.append(user)
            }
            guard batch.count == 500, let last = batch.last else { break }
            after = last.usernameKey
        }
        return Cognito.ListUsersResponse(
            users: found.map { user in
                var described = describe(user, pool: pool)
                if let names = input.attributesToGet { described.attributes = described.attributes?.filter { names.contains($0.name) } }
                return described
            },
            paginationToken: more ? found.last.map { PageToken.encode($0.usernameKey) } : nil
        )
    }

    // MARK: shared by the user operations

    /// The username and attributes of a user being created. In pools that sign in with email or phone the given name
    /// must be one, becomes that attribute, and the username will be the sub (nil here).
    /// - Throws: InvalidParameterException for a name the pool cannot take, or a required attribute missing.
    func newUser(_ given: String, attributes: [Cognito.AttributeType], pool: PoolRecord) throws -> (username: String?, attributes: [String: String]) {
        var values = Dictionary(attributes.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        var username: String? = given
        if let kinds = pool.settings.usernameAttributes, !kinds.isEmpty {
            if kinds.contains(.email), Schema.isEmail(given) {
                values["email"] = given
            } else if kinds.contains(.phoneNumber), Schema.isPhoneNumber(given) {
                values["phone_number"] = given
            } else {
                throw ServiceError(Cognito.Errors.invalidParameter, "Username should be either an email or a phone number.")
            }
            username = nil
        } else if Schema.isEmail(given), pool.settings.aliasAttributes?.contains(.email) == true {
            throw ServiceError(Cognito.Errors.invalidParameter, "Username cannot be of email format, since user pool is configured for email alias.")
        }
        if let missing = Schema.missingRequired(values, schema: schema(pool)).first {
            throw ServiceError(Cognito.Errors.invalidParameter, "Attributes did not conform to the schema: \(missing): The attribute is required")
        }
        return (username, values.filter { !$0.value.isEmpty })
    }

    /// The user named by a username, an alias or (for pools whose usernames are email or phone) their sub.
    func existingUser(_ name: String, pool: PoolRecord) async throws -> UserRecord {
        guard let user = try await findUser(name, pool: pool) else { throw Self.userNotFound }
        return user
    }

    /// Finds a user by what they sign in with: the username, then each alias the pool allows, then the sub.
    func findUser(_ name: String, pool: PoolRecord) async throws -> UserRecord? {
        if let user = try await store.user(poolId: pool.id, usernameKey: usernameKey(name, pool: pool)) { return user }
        let signIn = Set((pool.settings.usernameAttributes ?? []).map(\.rawValue) + (pool.settings.aliasAttributes ?? []).map(\.rawValue))
        if signIn.contains("email"), Schema.isEmail(name),
            let user = try await store.user(poolId: pool.id, alias: .email, key: aliasKey(name, pool: pool))
        {
            return user
        }
        if signIn.contains("phone_number"), Schema.isPhoneNumber(name),
            let user = try await store.user(poolId: pool.id, alias: .phoneNumber, key: name)
        {
            return user
        }
        if signIn.contains("preferred_username"),
            let user = try await store.user(poolId: pool.id, alias: .preferredUsername, key: aliasKey(name, pool: pool))
        {
            return user
        }
        if UUID(uuidString: name) != nil { return try await store.user(poolId: pool.id, sub: name.lowercased()) }
        return nil
    }

    func isCaseSensitive(_ pool: PoolRecord) -> Bool { pool.settings.usernameConfiguration?.caseSensitive ?? true }

    func usernameKey(_ name: String, pool: PoolRecord) -> String { isCaseSensitive(pool) ? name : name.lowercased() }

    func aliasKey(_ value: String, pool: PoolRecord) -> String { isCaseSensitive(pool) ? value : value.lowercased() }

    func schema(_ pool: PoolRecord) -> [Cognito.SchemaAttributeType] { pool.settings.schemaAttributes ?? Schema.standard }

    /// The sign-in names a user's attributes give them in this pool: the email or phone of pools that sign in with
    /// them (verified or not for username attributes, verified only for aliases), and the preferred username.
    func aliases(of user: UserRecord, pool: PoolRecord) -> SignInAliases {
        let usernameAttributes = Set((pool.settings.usernameAttributes ?? []).map(\.rawValue))
        let aliasAttributes = Set((pool.settings.aliasAttributes ?? []).map(\.rawValue))
        var aliases = SignInAliases()
        if let email = user.attributes["email"],
            usernameAttributes.contains("email") || (aliasAttributes.contains("email") && user.attributes["email_verified"] == "true")
        {
            aliases.email = aliasKey(email, pool: pool)
        }
        if let phone = user.attributes["phone_number"],
            usernameAttributes.contains("phone_number")
                || (aliasAttributes.contains("phone_number") && user.attributes["phone_number_verified"] == "true")
        {
            aliases.phoneNumber = phone
        }
        if let preferred = user.attributes["preferred_username"], aliasAttributes.contains("preferred_username") {
            aliases.preferredUsername = aliasKey(preferred, pool: pool)
        }
        return aliases
    }

    /// Inserts a new user, or explains which name is taken. With `forceAliasCreation`, a verified email or phone
    /// alias moves from its current owner to the new user, as AdminCreateUser's ForceAliasCreation does.
    func insert(_ user: UserRecord, pool: PoolRecord, forceAliasCreation: Bool) async throws {
        var user = user
        user.aliases = aliases(of: user, pool: pool)
        do {
            try await store.insertUser(user)
        } catch CognitoStore.UserConflict.username {
            if pool.settings.usernameAttributes?.isEmpty == false {
                throw ServiceError(Cognito.Errors.usernameExists, "An account with the given \(signInAttributeName(pool)) already exists.")
            }
            throw ServiceError(Cognito.Errors.usernameExists, "User account already exists")
        } catch CognitoStore.UserConflict.alias {
            if pool.settings.usernameAttributes?.isEmpty == false {
                throw ServiceError(Cognito.Errors.usernameExists, "An account with the given \(signInAttributeName(pool)) already exists.")
            }
            guard forceAliasCreation else {
                throw ServiceError(Cognito.Errors.aliasExists, "An account with the given email already exists.")
            }
            try await releaseAliases(of: user, pool: pool)
            try await insert(user, pool: pool, forceAliasCreation: false)
        }
    }

    private func signInAttributeName(_ pool: PoolRecord) -> String {
        pool.settings.usernameAttributes?.first == .phoneNumber ? "phone_number" : "email"
    }

    /// Takes the aliases `user` wants away from the users who hold them now: their email or phone is no longer
    /// verified, so it is no longer an alias of theirs (``save(_:pool:)`` derives the aliases).
    private func releaseAliases(of user: UserRecord, pool: PoolRecord) async throws {
        let wanted: [(CognitoStore.AliasColumn, String?, verifiedFlag: String)] = [
            (.email, user.aliases.email, "email_verified"), (.phoneNumber, user.aliases.phoneNumber, "phone_number_verified"),
        ]
        for case let (column, key?, flag) in wanted {
            guard var holder = try await store.user(poolId: pool.id, alias: column, key: key), holder.usernameKey != user.usernameKey else {
                continue
            }
            holder.attributes[flag] = "false"
            try await save(holder, pool: pool)
        }
    }

    /// Writes a changed user, with the sign-in aliases its attributes now give it; the user must still exist.
    func save(_ user: UserRecord, pool: PoolRecord) async throws {
        var user = user
        user.aliases = aliases(of: user, pool: pool)
        do {
            guard try await store.updateUser(user) else { throw Self.userNotFound }
        } catch CognitoStore.UserConflict.alias {
            throw ServiceError(Cognito.Errors.aliasExists, "An account with the given email already exists.")
        }
    }

    /// Applies attribute changes (already checked against the schema): a changed email or phone is unverified
    /// unless the same call verifies it, and the aliases follow.
    func update(_ user: inout UserRecord, with attributes: [Cognito.AttributeType], pool: PoolRecord, now: Date) async throws {
        let names = Set(attributes.map(\.name))
        for attribute in attributes {
            let value = attribute.value ?? ""
            let previous = user.attributes[attribute.name]
            if value.isEmpty {
                user.attributes.removeValue(forKey: attribute.name)
            } else {
                user.attributes[attribute.name] = value
            }
            if attribute.name == "email", previous != value, !names.contains("email_verified") {
                user.attributes["email_verified"] = "false"
            }
            if attribute.name == "phone_number", previous != value, !names.contains("phone_number_verified") {
                user.attributes["phone_number_verified"] = "false"
            }
        }
        if let first = Schema.missingRequired(user.attributes, schema: schema(pool)).first {
            throw ServiceError(Cognito.Errors.invalidParameter, "Attributes did not conform to the schema: \(first): The attribute is required")
        }
        user.updatedAt = now
        try await save(user, pool: pool)
    }

    /// Removes attributes by name, refusing required, immutable and unknown ones as Cognito does.
    func removeAttributes(_ names: [String], from user: inout UserRecord, pool: PoolRecord) throws {
        let schema = schema(pool)
        for name in names {
            guard let definition = schema.first(where: { $0.name == name }) else {
                throw ServiceError(Cognito.Errors.invalidParameter, "Invalid attribute name: \(name)")
            }
            if definition.required == true || definition.mutable == false {
                throw ServiceError(Cognito.Errors.invalidParameter, "Cannot delete required or immutable attribute \(name)")
            }
            user.attributes.removeValue(forKey: name)
            if name == "email" { user.attributes.removeValue(forKey: "email_verified") }
            if name == "phone_number" { user.attributes.removeValue(forKey: "phone_number_verified") }
        }
    }

    /// Checks a new password against the pool's policy.
    /// - Parameters:
    ///   - member: the request member that carries it, as validation messages name it.
    ///   - wording: the operation's phrasing of a policy violation.
    func checkPassword(_ password: String, pool: PoolRecord, member: String, wording: PasswordPolicyWording) throws {
        if let violation = PasswordPolicyCheck.violation(of: password, policy: pool.settings.policies?.passwordPolicy ?? Self.defaultPasswordPolicy) {
            throw violation.serviceError(member: member, wording: wording)
        }
    }

    /// The slow hash and the SRP verifier of a password, computed off the event loops.
    func passwordCredentials(_ password: String, pool: PoolRecord, userIdForSRP: String) async throws -> (hash: String, srp: SRPVerifier) {
        let hasher = hasher
        let poolName = pool.srpName
        return try await OffLoop.run {
            (hasher.hash(password), SRPVerifier.make(password: password, poolName: poolName, userIdForSRP: userIdForSRP))
        }
    }

    /// A user as UserType reports it.
    func describe(_ user: UserRecord, pool: PoolRecord) -> Cognito.UserType {
        Cognito.UserType(
            username: user.username,
            attributes: attributeList(user),
            userCreateDate: user.createdAt,
            userLastModifiedDate: user.updatedAt,
            enabled: user.enabled,
            userStatus: Cognito.UserStatusType(rawValue: user.status.rawValue)
        )
    }

    /// The user's attributes, `sub` first, then by name.
    func attributeList(_ user: UserRecord, readable: Set<String>? = nil) -> [Cognito.AttributeType] {
        [Cognito.AttributeType(name: "sub", value: user.sub)]
            + user.attributes.keys.sorted().filter { readable?.contains($0) ?? true }.map {
                Cognito.AttributeType(name: $0, value: user.attributes[$0])
            }
    }

    /// Sends AdminCreateUser's invitation by the requested mediums (SMS by default, as on AWS) that the user has an
    /// address for.
    func sendInvitation(
        to user: UserRecord,
        temporaryPassword: String,
        pool: PoolRecord,
        mediums: [Cognito.DeliveryMediumType]?,
        context: OperationContext
    ) async throws {
        let template = pool.settings.adminCreateUserConfig?.inviteMessageTemplate
        // In pools that sign in with email or phone, the name the user signs in with is that attribute, not the sub.
        let signInName = pool.settings.usernameAttributes?.lazy.compactMap { user.attributes[$0.rawValue] }.first ?? user.username
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{username}", with: signInName).replacingOccurrences(of: "{####}", with: temporaryPassword)
        }
        for medium in mediums ?? [.sms] {
            if medium == .email, let email = user.attributes["email"] {
                try await outbox.deliver(
                    OutgoingMessage(
                        poolId: pool.id, medium: .email, destination: email, from: pool.settings.emailConfiguration?.from,
                        subject: fill(template?.emailSubject ?? "Your temporary password"),
                        body: fill(template?.emailMessage ?? "Your username is {username} and temporary password is {####}. "),
                        createdAt: context.now
                    )
                )
            } else if medium == .sms, let phone = user.attributes["phone_number"] {
                try await outbox.deliver(
                    OutgoingMessage(
                        poolId: pool.id, medium: .sms, destination: phone, subject: nil,
                        body: fill(template?.smsMessage ?? "Your username is {username} and temporary password is {####}. "),
                        createdAt: context.now
                    )
                )
            }
        }
    }

    static var userNotFound: ServiceError { ServiceError(Cognito.Errors.userNotFound, "User does not exist.") }
}
