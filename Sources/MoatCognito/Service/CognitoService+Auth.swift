import Foundation
import MoatCore

extension CognitoService {
    /// What a step of sign-in answers: a challenge to respond to, or tokens.
    struct AuthStep: Sendable {
        var challengeName: Cognito.ChallengeNameType?
        var session: String?
        var challengeParameters: [String: String]?
        var authenticationResult: Cognito.AuthenticationResultType?
    }

    /// The challenge SRP's first step leaves for the second: the client's `A`, the server's `b` and `B`, and whether
    /// the user was made up (an unknown user answered as a real one).
    struct SRPChallengeState {
        var clientA: [UInt8]
        var ephemeral: SRPServerEphemeral
        var unknownUser: Bool

        var encoded: [UInt8] {
            var out: [UInt8] = [unknownUser ? 1 : 0]
            for field in [clientA, ephemeral.b, ephemeral.B] {
                out += [UInt8(field.count >> 8), UInt8(field.count & 0xFF)] + field
            }
            return out
        }

        init(clientA: [UInt8], ephemeral: SRPServerEphemeral, unknownUser: Bool) {
            self.clientA = clientA
            self.ephemeral = ephemeral
            self.unknownUser = unknownUser
        }

        init?(_ bytes: [UInt8]) {
            guard let flag = bytes.first else { return nil }
            var fields: [[UInt8]] = []
            var index = 1
            while fields.count < 3 {
                guard index + 2 <= bytes.count else { return nil }
                let count = Int(bytes[index]) << 8 | Int(bytes[index + 1])
                index += 2
                guard index + count <= bytes.count else { return nil }
                fields.append(Array(bytes[index..<(index + count)]))
                index += count
            }
            self.init(clientA: fields[0], ephemeral: SRPServerEphemeral(b: fields[1], B: fields[2]), unknownUser: flag == 1)
        }
    }

    // MARK: operations

    func initiateAuth(_ input: Cognito.InitiateAuthRequest, context: OperationContext) async throws -> Cognito.InitiateAuthResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        let step = try await authenticate(flow: input.authFlow, parameters: input.authParameters ?? [:], client: client, pool: pool, admin: false, context: context)
        return Cognito.InitiateAuthResponse(
            challengeName: step.challengeName, session: step.session, challengeParameters: step.challengeParameters ?? [:],
            authenticationResult: step.authenticationResult
        )
    }

    func adminInitiateAuth(_ input: Cognito.AdminInitiateAuthRequest, context: OperationContext) async throws -> Cognito.AdminInitiateAuthResponse {
        let pool = try await pool(input.userPoolId)
        let client = try await client(input.clientId, poolId: pool.id)
        let step = try await authenticate(flow: input.authFlow, parameters: input.authParameters ?? [:], client: client, pool: pool, admin: true, context: context)
        return Cognito.AdminInitiateAuthResponse(
            challengeName: step.challengeName, session: step.session, challengeParameters: step.challengeParameters ?? [:],
            authenticationResult: step.authenticationResult
        )
    }

    func respondToAuthChallenge(
        _ input: Cognito.RespondToAuthChallengeRequest,
        context: OperationContext
    ) async throws -> Cognito.RespondToAuthChallengeResponse {
        let client = try await signInClient(input.clientId)
        let pool = try await pool(client.poolId)
        let step = try await respond(
            to: input.challengeName, responses: input.challengeResponses ?? [:], session: input.session, client: client, pool: pool, context: context)
        return Cognito.RespondToAuthChallengeResponse(
            challengeName: step.challengeName, session: step.session, challengeParameters: step.challengeParameters ?? [:],
            authenticationResult: step.authenticationResult
        )
    }

    func adminRespondToAuthChallenge(
        _ input: Cognito.AdminRespondToAuthChallengeRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminRespondToAuthChallengeResponse {
        let pool = try await pool(input.userPoolId)
        let client = try await client(input.clientId, poolId: pool.id)
        let step = try await respond(
            to: input.challengeName, responses: input.challengeResponses ?? [:], session: input.session, client: client, pool: pool, context: context)
        return Cognito.AdminRespondToAuthChallengeResponse(
            challengeName: step.challengeName, session: step.session, challengeParameters: step.challengeParameters ?? [:],
            authenticationResult: step.authenticationResult
        )
    }

    // MARK: first step

    /// The client an unauthenticated sign-in names; its pool is the call's.
    func signInClient(_ id: String) async throws -> ClientRecord {
        guard let client = try await cachedClient(id) else { throw Self.clientNotFound(id) }
        return client
    }

    func authenticate(
        flow: Cognito.AuthFlowType,
        parameters: [String: String],
        client: ClientRecord,
        pool: PoolRecord,
        admin: Bool,
        context: OperationContext
    ) async throws -> AuthStep {
        try checkFlowAllowed(flow, client: client, admin: admin)
        switch flow {
        case .userPasswordAuth, .adminUserPasswordAuth, .adminNoSrpAuth:
            let username = try Self.required("USERNAME", in: parameters)
            let password = try Self.required("PASSWORD", in: parameters)
            try checkSecretHash(parameters["SECRET_HASH"], client: client, usernames: [username])
            let user = try await verifyPassword(password, username: username, client: client, pool: pool, now: context.now)
            return try await completeSignIn(user, client: client, pool: pool, context: context)
        case .userSrpAuth:
            let username = try Self.required("USERNAME", in: parameters)
            let clientA = try Self.required("SRP_A", in: parameters)
            try checkSecretHash(parameters["SECRET_HASH"], client: client, usernames: [username])
            return try await startSRP(username: username, clientA: clientA, client: client, pool: pool, now: context.now)
        case .refreshTokenAuth, .refreshToken:
            let token = try Self.required("REFRESH_TOKEN", in: parameters)
            return try await refresh(token, secretHash: parameters["SECRET_HASH"], parameters: parameters, client: client, pool: pool, now: context.now)
        default:
            throw ServiceError(Cognito.Errors.invalidParameter, "Auth flow \(flow.rawValue) is not supported by Moat.")
        }
    }

    /// Refuses a flow the client does not enable (ExplicitAuthFlows; the defaults when it names none) or that the
    /// call cannot use (the admin flows only through AdminInitiateAuth, USER_PASSWORD_AUTH only through InitiateAuth).
    func checkFlowAllowed(_ flow: Cognito.AuthFlowType, client: ClientRecord, admin: Bool) throws {
        let configured = Set((client.settings.explicitAuthFlows ?? []).map(\.rawValue))
        let enabled = configured.isEmpty ? ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] : configured
        let legacy = configured.contains("ADMIN_NO_SRP_AUTH") || configured.contains("USER_PASSWORD_AUTH") || configured.contains("CUSTOM_AUTH_FLOW_ONLY")
        let allowed: Bool
        switch flow {
        case .userPasswordAuth:
            guard !admin else { throw Self.flowNotSupported }
            allowed = enabled.contains("ALLOW_USER_PASSWORD_AUTH") || enabled.contains("USER_PASSWORD_AUTH")
        case .adminUserPasswordAuth, .adminNoSrpAuth:
            guard admin else { throw Self.flowNotSupported }
            allowed = enabled.contains("ALLOW_ADMIN_USER_PASSWORD_AUTH") || enabled.contains("ADMIN_NO_SRP_AUTH")
        case .userSrpAuth:
            allowed = enabled.contains("ALLOW_USER_SRP_AUTH") || legacy
        case .refreshTokenAuth, .refreshToken:
            allowed = enabled.contains("ALLOW_REFRESH_TOKEN_AUTH") || legacy
            if !allowed { throw ServiceError(Cognito.Errors.invalidParameter, "Refresh Token flow not enabled for this client") }
        default:
            allowed = true
        }
        if !allowed { throw ServiceError(Cognito.Errors.invalidParameter, "\(flow.rawValue) flow not enabled for this client") }
    }

    static var flowNotSupported: ServiceError { ServiceError(Cognito.Errors.invalidParameter, "Initiate Auth method not supported.") }

    /// Checks SECRET_HASH, `Base64(HMAC-SHA256(secret, username ‖ clientId))`, for a client with a secret: against any
    /// of the names the user may have signed the hash with (what they typed, or their internal username).
    func checkSecretHash(_ given: String?, client: ClientRecord, usernames: [String]) throws {
        guard let secret = client.secret else { return }
        let refusal = ServiceError(Cognito.Errors.notAuthorized, "Unable to verify secret hash for client \(client.id)")
        guard let given, SecretHash.matches(given, secret: secret, usernames: usernames, clientId: client.id) else { throw refusal }
    }

    /// The user whose password this is, or the refusal Cognito gives: the same for an unknown user as for a wrong
    /// password when the client prevents user existence errors, after the same password-hash work.
    func verifyPassword(_ password: String, username: String, client: ClientRecord, pool: PoolRecord, now: Date) async throws -> UserRecord {
        let hasher = hasher
        guard let user = try await findUser(username, pool: pool), let stored = user.passwordHash else {
            try await OffLoop.run { hasher.burn(password) }
            throw unknownUserRefusal(client)
        }
        if let lockedUntil = user.lockedUntil, lockedUntil > now { throw Self.attemptsExceeded }
        let valid = try await OffLoop.run { hasher.verify(password, against: stored) }
        guard valid else {
            try await recordFailure(user, now: now)
            throw Self.incorrectPassword
        }
        if user.failedAttempts > 0 { try await store.clearFailedSignIns(poolId: user.poolId, usernameKey: user.usernameKey) }
        return user
    }

    func unknownUserRefusal(_ client: ClientRecord) -> ServiceError {
        client.settings.preventUserExistenceErrors == .enabled ? Self.incorrectPassword : Self.userNotFound
    }

    func recordFailure(_ user: UserRecord, now: Date) async throws {
        let settings = settings
        _ = try await store.recordFailedSignIn(poolId: user.poolId, usernameKey: user.usernameKey) { failures in
            settings.lockedUntil(failures: failures, now: now)
        }
    }

    static var incorrectPassword: ServiceError { ServiceError(Cognito.Errors.notAuthorized, "Incorrect username or password.") }
    static var attemptsExceeded: ServiceError { ServiceError(Cognito.Errors.notAuthorized, "Password attempts exceeded") }

    /// After the password is proven: the user's state decides between tokens, a NEW_PASSWORD_REQUIRED challenge and
    /// Cognito's refusals.
    func completeSignIn(_ user: UserRecord, client: ClientRecord, pool: PoolRecord, context: OperationContext) async throws -> AuthStep {
        guard user.enabled else { throw ServiceError(Cognito.Errors.notAuthorized, "User is disabled.") }
        switch user.status {
        case .unconfirmed:
            throw ServiceError(Cognito.Errors.userNotConfirmed, "User is not confirmed.")
        case .resetRequired:
            throw ServiceError(Cognito.Errors.passwordResetRequired, "Password reset required for the user")
        case .forceChangePassword:
            let days = pool.settings.policies?.passwordPolicy?.temporaryPasswordValidityDays ?? 7
            if let setAt = user.passwordSetAt, context.now > setAt.addingTimeInterval(TimeInterval(days) * 86_400) {
                throw ServiceError(Cognito.Errors.notAuthorized, "Temporary password has expired and must be reset by an administrator.")
            }
            let session = Base64URL.encode(SecureRandom.bytes(48))
            try await store.insertChallenge(
                ChallengeRecord(
                    key: Self.tokenHash(session), poolId: pool.id, clientId: client.id, usernameKey: user.usernameKey,
                    challenge: Cognito.ChallengeNameType.newPasswordRequired.rawValue, state: [],
                    expiresAt: context.now.addingTimeInterval(sessionValidity(client))
                )
            )
            let required = Schema.missingRequired(user.attributes, schema: schema(pool)).map { "userAttributes." + $0 }
            return AuthStep(
                challengeName: .newPasswordRequired,
                session: session,
                challengeParameters: [
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": Self.jsonText(.array(required.map(JSONValue.string))),
                    "userAttributes": Self.jsonText(.object(user.attributes.keys.sorted().map { ($0, .string(user.attributes[$0] ?? "")) })),
                ]
            )
        case .confirmed:
            let result = try await issueTokens(user: user, pool: pool, client: client, continuing: nil, now: context.now)
            return AuthStep(challengeParameters: [:], authenticationResult: result)
        }
    }

    func sessionValidity(_ client: ClientRecord) -> TimeInterval { TimeInterval(client.settings.authSessionValidity ?? 3) * 60 }

    /// USER_SRP_AUTH's first step: PASSWORD_VERIFIER with the user's salt, the server's `B` and a secret block naming
    /// the stored challenge.
    func startSRP(username: String, clientA: String, client: ClientRecord, pool: PoolRecord, now: Date) async throws -> AuthStep {
        guard let aBytes = SRPHex.decode(clientA) else { throw ServiceError(Cognito.Errors.invalidParameter, "Invalid SRP_A") }
        let user = try await findUser(username, pool: pool)
        let verifier: SRPVerifier
        let userIdForSRP: String
        if let user, let srp = user.srp {
            verifier = srp
            userIdForSRP = user.username
        } else if client.settings.preventUserExistenceErrors == .enabled {
            verifier = serverKeys.fakeVerifier(poolId: pool.id, username: username)
            userIdForSRP = username
        } else {
            throw Self.userNotFound
        }
        let ephemeral: SRPServerEphemeral
        do {
            ephemeral = try await OffLoop.run { try SRPServer.start(verifier: verifier.verifier, clientA: aBytes) }
        } catch is CognitoCryptoError {
            throw ServiceError(Cognito.Errors.invalidParameter, "Invalid SRP_A")
        }
        let expiresAt = now.addingTimeInterval(sessionValidity(client))
        let block = SRPSecretBlock.issue(key: serverKeys.secretBlock, poolId: pool.id, userIdForSRP: userIdForSRP, serverB: ephemeral.B, expiresAt: expiresAt)
        let state = SRPChallengeState(clientA: aBytes, ephemeral: ephemeral, unknownUser: user == nil)
        try await store.insertChallenge(
            ChallengeRecord(
                key: block.storageKey, poolId: pool.id, clientId: client.id, usernameKey: user?.usernameKey ?? usernameKey(username, pool: pool),
                challenge: Cognito.ChallengeNameType.passwordVerifier.rawValue, state: state.encoded, expiresAt: expiresAt
            )
        )
        return AuthStep(
            challengeName: .passwordVerifier,
            challengeParameters: [
                "SALT": verifier.saltHex,
                "SECRET_BLOCK": block.encoded,
                "SRP_B": SRPHex.encode(ephemeral.B),
                "USERNAME": userIdForSRP,
                "USER_ID_FOR_SRP": userIdForSRP,
            ]
        )
    }

    /// REFRESH_TOKEN_AUTH: new ID and access tokens from the same sign-in, while the refresh token is valid.
    func refresh(
        _ token: String,
        secretHash: String?,
        parameters: [String: String],
        client: ClientRecord,
        pool: PoolRecord,
        now: Date,
        secretChecked: Bool = false
    ) async throws -> AuthStep {
        guard let (record, holder) = try await store.refreshTokenAndUser(hash: Self.tokenHash(token)), record.clientId == client.id,
            record.poolId == pool.id
        else {
            throw ServiceError(Cognito.Errors.notAuthorized, "Invalid Refresh Token")
        }
        guard !record.revoked else { throw ServiceError(Cognito.Errors.notAuthorized, "Refresh Token has been revoked") }
        guard record.expiresAt > now else { throw ServiceError(Cognito.Errors.notAuthorized, "Refresh Token has expired") }
        guard let user = holder else { throw ServiceError(Cognito.Errors.notAuthorized, "Invalid Refresh Token") }
        if !secretChecked {
            try checkSecretHash(secretHash, client: client, usernames: [user.username, user.sub] + (parameters["USERNAME"].map { [$0] } ?? []))
        }
        guard user.enabled else { throw ServiceError(Cognito.Errors.notAuthorized, "User is disabled.") }
        let result = try await issueTokens(
            user: user, pool: pool, client: client, continuing: SignInSession(originJti: record.originJti, authTime: record.authTime), now: now)
        return AuthStep(challengeParameters: [:], authenticationResult: result)
    }

    // MARK: challenges

    func respond(
        to challenge: Cognito.ChallengeNameType,
        responses: [String: String],
        session: String?,
        client: ClientRecord,
        pool: PoolRecord,
        context: OperationContext
    ) async throws -> AuthStep {
        switch challenge {
        case .passwordVerifier:
            return try await answerPasswordVerifier(responses, client: client, pool: pool, context: context)
        case .newPasswordRequired:
            return try await answerNewPasswordRequired(responses, session: session, client: client, pool: pool, context: context)
        default:
            throw ServiceError(Cognito.Errors.invalidParameter, "Challenge \(challenge.rawValue) is not supported by Moat.")
        }
    }

    static var invalidSession: ServiceError { ServiceError(Cognito.Errors.notAuthorized, "Invalid session for the user.") }

    func answerPasswordVerifier(_ responses: [String: String], client: ClientRecord, pool: PoolRecord, context: OperationContext) async throws -> AuthStep {
        let username = try Self.required("USERNAME", in: responses)
        let encodedBlock = try Self.required("PASSWORD_CLAIM_SECRET_BLOCK", in: responses)
        let signature = try Self.required("PASSWORD_CLAIM_SIGNATURE", in: responses)
        let timestamp = try Self.required("TIMESTAMP", in: responses)
        try checkSecretHash(responses["SECRET_HASH"], client: client, usernames: [username])
        guard let block = try? SRPSecretBlock.decode(encodedBlock) else { throw Self.invalidSession }
        // Taken before the claim is checked: a secret block answers one claim, right or wrong.
        guard let challenge = try await store.takeChallenge(key: block.storageKey), challenge.clientId == client.id,
            challenge.poolId == pool.id, challenge.challenge == Cognito.ChallengeNameType.passwordVerifier.rawValue,
            let state = SRPChallengeState(challenge.state)
        else { throw Self.invalidSession }
        guard block.isValid(key: serverKeys.secretBlock, poolId: pool.id, userIdForSRP: username, serverB: state.ephemeral.B, now: context.now) else {
            if context.now.timeIntervalSince1970 >= TimeInterval(block.expiresAt) {
                throw ServiceError(Cognito.Errors.notAuthorized, "Invalid session for the user, session is expired.")
            }
            throw Self.invalidSession
        }
        guard !state.unknownUser, let user = try await store.user(poolId: pool.id, usernameKey: challenge.usernameKey), let srp = user.srp,
            user.username == username
        else { throw Self.incorrectPassword }
        if let lockedUntil = user.lockedUntil, lockedUntil > context.now { throw Self.attemptsExceeded }
        let poolName = pool.srpName
        let valid = try await OffLoop.run {
            SRPServer.verifyClaim(
                verifier: srp.verifier, clientA: state.clientA, ephemeral: state.ephemeral, poolName: poolName, userIdForSRP: username,
                secretBlock: block.bytes, timestamp: timestamp, signature: signature
            )
        }
        guard valid else {
            try await recordFailure(user, now: context.now)
            throw Self.incorrectPassword
        }
        if user.failedAttempts > 0 { try await store.clearFailedSignIns(poolId: user.poolId, usernameKey: user.usernameKey) }
        return try await completeSignIn(user, client: client, pool: pool, context: context)
    }

    func answerNewPasswordRequired(
        _ responses: [String: String],
        session: String?,
        client: ClientRecord,
        pool: PoolRecord,
        context: OperationContext
    ) async throws -> AuthStep {
        guard let session, !session.isEmpty else { throw ServiceError(Cognito.Errors.invalidParameter, "Missing required parameter Session") }
        let username = try Self.required("USERNAME", in: responses)
        let password = try Self.required("NEW_PASSWORD", in: responses)
        try checkSecretHash(responses["SECRET_HASH"], client: client, usernames: [username])
        // A password the policy refuses leaves the session usable, so the user can try another.
        try checkPassword(password, pool: pool, member: "challengeResponses", wording: .doesNotConform)
        let attributes = responses.compactMap { name, value -> Cognito.AttributeType? in
            name.hasPrefix("userAttributes.") ? Cognito.AttributeType(name: String(name.dropFirst("userAttributes.".count)), value: value) : nil
        }
        try Schema.checkWrite(attributes, schema: schema(pool), creating: false)
        guard let challenge = try await store.takeChallenge(key: Self.tokenHash(session)), challenge.clientId == client.id,
            challenge.poolId == pool.id, challenge.challenge == Cognito.ChallengeNameType.newPasswordRequired.rawValue
        else { throw Self.invalidSession }
        guard challenge.expiresAt > context.now else {
            throw ServiceError(Cognito.Errors.notAuthorized, "Invalid session for the user, session is expired.")
        }
        guard var user = try await store.user(poolId: pool.id, usernameKey: challenge.usernameKey) else { throw Self.invalidSession }
        if user.usernameKey != usernameKey(username, pool: pool) {
            // USERNAME may also be the alias the user signed in with.
            guard try await findUser(username, pool: pool)?.sub == user.sub else { throw Self.invalidSession }
        }
        guard user.status == .forceChangePassword else { throw Self.invalidSession }
        let credentials = try await passwordCredentials(password, pool: pool, userIdForSRP: user.username)
        user.passwordHash = credentials.hash
        user.srp = credentials.srp
        user.passwordSetAt = context.now
        user.status = .confirmed
        try await update(&user, with: attributes, pool: pool, now: context.now)
        return try await completeSignIn(user, client: client, pool: pool, context: context)
    }

    // MARK: helpers

    static func required(_ name: String, in parameters: [String: String]) throws -> String {
        guard let value = parameters[name], !value.isEmpty else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Missing required parameter \(name)")
        }
        return value
    }

    static func jsonText(_ value: JSONValue) -> String {
        var text = ""
        JSONWriter.write(value, into: &text)
        return text
    }
}
