import Foundation
import MoatCore

extension CognitoService {
    // MARK: sign-up

    func signUp(_ input: Cognito.SignUpRequest, context: OperationContext) async throws -> Cognito.SignUpResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        try checkSecretHash(input.secretHash, client: client, usernames: [input.username])
        if pool.settings.adminCreateUserConfig?.allowAdminCreateUserOnly == true {
            throw ServiceError(Cognito.Errors.notAuthorized, "SignUp is not permitted for this user pool")
        }
        guard let password = input.password else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Missing required parameter Password")
        }
        try checkPassword(password, pool: pool, member: "password", wording: .didNotConform)
        let attributes = input.userAttributes ?? []
        try checkWritable(attributes, client: client)
        try Schema.checkWrite(attributes, schema: schema(pool), creating: true)
        if attributes.contains(where: { $0.name == "email_verified" || $0.name == "phone_number_verified" }) {
            throw ServiceError(Cognito.Errors.notAuthorized, "A client attempted to write unauthorized attribute")
        }
        let (username, values) = try newUser(input.username, attributes: attributes, pool: pool)
        let sub = Identifiers.uuid()
        let internalName = username ?? sub
        let credentials = try await passwordCredentials(password, pool: pool, userIdForSRP: internalName)
        var user = UserRecord(
            poolId: pool.id, username: internalName, usernameKey: usernameKey(internalName, pool: pool), sub: sub,
            status: .unconfirmed, enabled: true, attributes: values, passwordHash: credentials.hash, srp: credentials.srp,
            passwordSetAt: context.now, createdAt: context.now, updatedAt: context.now, failedAttempts: 0, lockedUntil: nil
        )
        do {
            try await insert(user, pool: pool, forceAliasCreation: false)
        } catch let error as ServiceError where error.code == Cognito.Errors.usernameExists.code && username != nil {
            throw ServiceError(Cognito.Errors.usernameExists, "User already exists")
        }
        var delivery: Cognito.CodeDeliveryDetailsType?
        if let attribute = verificationAttribute(of: user, pool: pool) {
            delivery = try await sendCode(.signUp, to: user, via: attribute, pool: pool, now: context.now)
        }
        return Cognito.SignUpResponse(userConfirmed: false, codeDeliveryDetails: delivery, userSub: sub)
    }

    func confirmSignUp(_ input: Cognito.ConfirmSignUpRequest, context: OperationContext) async throws -> Cognito.ConfirmSignUpResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        try checkSecretHash(input.secretHash, client: client, usernames: [input.username])
        guard var user = try await findUser(input.username, pool: pool) else { throw hiddenUnknownUser(client) }
        guard user.status == .unconfirmed else {
            throw ServiceError(Cognito.Errors.notAuthorized, "User cannot be confirmed. Current status is \(user.status.rawValue)")
        }
        try await redeemCode(input.confirmationCode, .signUp, user: user, pool: pool, now: context.now)
        user.status = .confirmed
        if let attribute = verificationAttribute(of: user, pool: pool) { user.attributes[attribute + "_verified"] = "true" }
        user.updatedAt = context.now
        try await save(user, pool: pool)
        return Cognito.ConfirmSignUpResponse()
    }

    func resendConfirmationCode(
        _ input: Cognito.ResendConfirmationCodeRequest,
        context: OperationContext
    ) async throws -> Cognito.ResendConfirmationCodeResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        try checkSecretHash(input.secretHash, client: client, usernames: [input.username])
        guard let user = try await findUser(input.username, pool: pool) else { throw hiddenUnknownUser(client) }
        guard user.status == .unconfirmed else { throw ServiceError(Cognito.Errors.invalidParameter, "User is already confirmed.") }
        guard let attribute = verificationAttribute(of: user, pool: pool) else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Auto verification not turned on.")
        }
        return Cognito.ResendConfirmationCodeResponse(
            codeDeliveryDetails: try await sendCode(.signUp, to: user, via: attribute, pool: pool, now: context.now))
    }

    /// UserNotFoundException, or for clients that prevent user existence errors the code mismatch a wrong code gets.
    func hiddenUnknownUser(_ client: ClientRecord) -> ServiceError {
        client.settings.preventUserExistenceErrors == .enabled
            ? ServiceError(Cognito.Errors.codeMismatch, "Invalid verification code provided, please try again.") : Self.userNotFound
    }

    // MARK: passwords

    func forgotPassword(_ input: Cognito.ForgotPasswordRequest, context: OperationContext) async throws -> Cognito.ForgotPasswordResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        try checkSecretHash(input.secretHash, client: client, usernames: [input.username])
        guard let user = try await findUser(input.username, pool: pool) else {
            guard client.settings.preventUserExistenceErrors == .enabled else { throw Self.userNotFound }
            // As Cognito does: a simulated delivery, indistinguishable from a real one.
            return Cognito.ForgotPasswordResponse(codeDeliveryDetails: Self.deliveryDetails(destination: input.username + "@example.com", attribute: "email"))
        }
        guard let attribute = recoveryAttribute(of: user) else {
            throw ServiceError(
                Cognito.Errors.invalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
        }
        return Cognito.ForgotPasswordResponse(
            codeDeliveryDetails: try await sendCode(.passwordReset, to: user, via: attribute, pool: pool, now: context.now))
    }

    func confirmForgotPassword(
        _ input: Cognito.ConfirmForgotPasswordRequest,
        context: OperationContext
    ) async throws -> Cognito.ConfirmForgotPasswordResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        try checkSecretHash(input.secretHash, client: client, usernames: [input.username])
        try checkPassword(input.password, pool: pool, member: "password", wording: .doesNotConform)
        guard var user = try await findUser(input.username, pool: pool) else { throw hiddenUnknownUser(client) }
        try await redeemCode(input.confirmationCode, .passwordReset, user: user, pool: pool, now: context.now)
        try await setPassword(input.password, of: &user, pool: pool, now: context.now)
        if user.status == .resetRequired || user.status == .forceChangePassword { user.status = .confirmed }
        try await save(user, pool: pool)
        return Cognito.ConfirmForgotPasswordResponse()
    }

    func adminResetUserPassword(
        _ input: Cognito.AdminResetUserPasswordRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminResetUserPasswordResponse {
        let pool = try await pool(input.userPoolId)
        var user = try await existingUser(input.username, pool: pool)
        guard let attribute = recoveryAttribute(of: user) else {
            throw ServiceError(
                Cognito.Errors.invalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
        }
        _ = try await sendCode(.passwordReset, to: user, via: attribute, pool: pool, now: context.now)
        user.status = .resetRequired
        user.updatedAt = context.now
        try await save(user, pool: pool)
        return Cognito.AdminResetUserPasswordResponse()
    }

    func changePassword(_ input: Cognito.ChangePasswordRequest, context: OperationContext) async throws -> Cognito.ChangePasswordResponse {
        let (pool, user, clientId) = try await authenticate(accessToken: input.accessToken, now: context.now)
        guard let client = try await cachedClient(clientId) else { throw ServiceError(Cognito.Errors.notAuthorized, "Invalid Access Token") }
        try checkPassword(input.proposedPassword, pool: pool, member: "proposedPassword", wording: .doesNotConform)
        guard let previous = input.previousPassword else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Missing required parameter PreviousPassword")
        }
        var verified = try await verifyPassword(previous, username: user.username, client: client, pool: pool, now: context.now)
        try await setPassword(input.proposedPassword, of: &verified, pool: pool, now: context.now)
        try await save(verified, pool: pool)
        return Cognito.ChangePasswordResponse()
    }

    /// Replaces a user's password hash and SRP verifier, and clears their failed sign-ins.
    func setPassword(_ password: String, of user: inout UserRecord, pool: PoolRecord, now: Date) async throws {
        let credentials = try await passwordCredentials(password, pool: pool, userIdForSRP: user.username)
        user.passwordHash = credentials.hash
        user.srp = credentials.srp
        user.passwordSetAt = now
        user.updatedAt = now
        user.failedAttempts = 0
        user.lockedUntil = nil
    }

    // MARK: the signed-in user's attributes

    func updateUserAttributes(
        _ input: Cognito.UpdateUserAttributesRequest,
        context: OperationContext
    ) async throws -> Cognito.UpdateUserAttributesResponse {
        let (pool, user, clientId) = try await authenticate(accessToken: input.accessToken, now: context.now)
        if let client = try await cachedClient(clientId) { try checkWritable(input.userAttributes, client: client) }
        if input.userAttributes.contains(where: { $0.name == "email_verified" || $0.name == "phone_number_verified" }) {
            throw ServiceError(Cognito.Errors.notAuthorized, "A client attempted to write unauthorized attribute")
        }
        try Schema.checkWrite(input.userAttributes, schema: schema(pool), creating: false)
        var updated = user
        try await update(&updated, with: input.userAttributes, pool: pool, now: context.now)
        var deliveries: [Cognito.CodeDeliveryDetailsType] = []
        let autoVerified = Set((pool.settings.autoVerifiedAttributes ?? []).map(\.rawValue))
        for attribute in ["email", "phone_number"] where autoVerified.contains(attribute) {
            guard updated.attributes[attribute] != nil, updated.attributes[attribute] != user.attributes[attribute] else { continue }
            deliveries.append(try await sendCode(.verify(attribute: attribute), to: updated, via: attribute, pool: pool, now: context.now))
        }
        return Cognito.UpdateUserAttributesResponse(codeDeliveryDetailsList: deliveries)
    }

    func deleteUserAttributes(
        _ input: Cognito.DeleteUserAttributesRequest,
        context: OperationContext
    ) async throws -> Cognito.DeleteUserAttributesResponse {
        let (pool, user, _) = try await authenticate(accessToken: input.accessToken, now: context.now)
        var updated = user
        try removeAttributes(input.userAttributeNames, from: &updated, pool: pool)
        updated.updatedAt = context.now
        try await save(updated, pool: pool)
        return Cognito.DeleteUserAttributesResponse()
    }

    func getUserAttributeVerificationCode(
        _ input: Cognito.GetUserAttributeVerificationCodeRequest,
        context: OperationContext
    ) async throws -> Cognito.GetUserAttributeVerificationCodeResponse {
        let (pool, user, _) = try await authenticate(accessToken: input.accessToken, now: context.now)
        guard ["email", "phone_number"].contains(input.attributeName) else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Invalid attribute name: \(input.attributeName)")
        }
        return Cognito.GetUserAttributeVerificationCodeResponse(
            codeDeliveryDetails: try await sendCode(
                .verify(attribute: input.attributeName), to: user, via: input.attributeName, pool: pool, now: context.now))
    }

    func verifyUserAttribute(
        _ input: Cognito.VerifyUserAttributeRequest,
        context: OperationContext
    ) async throws -> Cognito.VerifyUserAttributeResponse {
        let (pool, user, _) = try await authenticate(accessToken: input.accessToken, now: context.now)
        try await redeemCode(input.code, .verify(attribute: input.attributeName), user: user, pool: pool, now: context.now)
        var updated = user
        updated.attributes[input.attributeName + "_verified"] = "true"
        updated.updatedAt = context.now
        try await save(updated, pool: pool)
        return Cognito.VerifyUserAttributeResponse()
    }

    func deleteUser(_ input: Cognito.DeleteUserRequest, context: OperationContext) async throws {
        let (pool, user, _) = try await authenticate(accessToken: input.accessToken, now: context.now)
        guard try await store.deleteUser(poolId: pool.id, usernameKey: user.usernameKey) else { throw Self.userNotFound }
    }

    /// Refuses attributes the client may not write (its WriteAttributes, when set).
    func checkWritable(_ attributes: [Cognito.AttributeType], client: ClientRecord) throws {
        guard let writable = client.settings.writeAttributes, !writable.isEmpty else { return }
        for attribute in attributes where !writable.contains(attribute.name) {
            throw ServiceError(Cognito.Errors.notAuthorized, "A client attempted to write unauthorized attribute")
        }
    }

    // MARK: tokens from a refresh token

    func getTokensFromRefreshToken(
        _ input: Cognito.GetTokensFromRefreshTokenRequest,
        context: OperationContext
    ) async throws -> Cognito.GetTokensFromRefreshTokenResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        if let secret = client.secret {
            guard let given = input.clientSecret, ConstantTime.equals(Array(given.utf8), Array(secret.utf8)) else {
                throw ServiceError(Cognito.Errors.notAuthorized, "Unable to verify secret hash for client \(client.id)")
            }
        }
        let step = try await refresh(input.refreshToken, secretHash: nil, parameters: [:], client: client, pool: pool, now: context.now, secretChecked: true)
        return Cognito.GetTokensFromRefreshTokenResponse(authenticationResult: step.authenticationResult)
    }
}
