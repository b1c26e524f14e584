import Crypto
import Foundation
import MoatCore

extension CognitoService {
    /// The scope of access tokens from the user-pool API's own sign-in flows.
    static let signInScope = "aws.cognito.signin.user.admin"

    /// A sign-in: when it happened and the `origin_jti` that every token issued from it carries.
    struct SignInSession: Sendable {
        var originJti: String
        var authTime: Date
    }

    /// Issues ID and access tokens, and for a new sign-in a refresh token too, as AuthenticationResult.
    /// - Parameters:
    ///   - user: the signed-in user.
    ///   - pool: their pool.
    ///   - client: the app client signed in through.
    ///   - session: the sign-in the tokens continue (REFRESH_TOKEN_AUTH), or nil for a new one.
    ///   - now: the time of issue.
    func issueTokens(
        user: UserRecord,
        pool: PoolRecord,
        client: ClientRecord,
        continuing session: SignInSession?,
        now: Date
    ) async throws -> Cognito.AuthenticationResultType {
        let units = client.settings.tokenValidityUnits
        let accessValidity = Self.validity(client.settings.accessTokenValidity, units?.accessToken ?? .hours)
        let idValidity = Self.validity(client.settings.idTokenValidity, units?.idToken ?? .hours)
        let refreshValidity = Self.validity(client.settings.refreshTokenValidity, units?.refreshToken ?? .days)
        let signIn = session ?? SignInSession(originJti: Identifiers.uuid(), authTime: now)
        var refreshToken: String?
        if session == nil {
            let token = Self.newRefreshToken()
            try await store.insertRefreshToken(
                RefreshTokenRecord(
                    tokenHash: Self.tokenHash(token), originJti: signIn.originJti, poolId: pool.id, clientId: client.id,
                    usernameKey: user.usernameKey, authTime: signIn.authTime, expiresAt: now.addingTimeInterval(refreshValidity), revoked: false
                )
            )
            refreshToken = token
        }
        let key = try await signingKey(pool.id)
        let eventId = Identifiers.uuid()
        let issuedAt = Int64(now.timeIntervalSince1970)
        let authTime = Int64(signIn.authTime.timeIntervalSince1970)
        let readable = client.settings.readAttributes.flatMap { $0.isEmpty ? nil : Set($0) }

        let hasGroups = try await poolsWithGroups.value(pool.id) { try await store.hasGroups(poolId: pool.id) } ?? true
        let groups = hasGroups ? try await store.groups(poolId: pool.id, usernameKey: user.usernameKey) : []
        var idClaims: [(String, JSONValue)] = [("sub", .string(user.sub))]
        if !groups.isEmpty {
            idClaims.append(("cognito:groups", .array(groups.map { .string($0.name) })))
            let roles = groups.compactMap(\.roleArn)
            if let preferred = roles.first {
                idClaims.append(("cognito:preferred_role", .string(preferred)))
                idClaims.append(("cognito:roles", .array(roles.map(JSONValue.string))))
            }
        }
        if let verified = user.attributes["email_verified"], readable?.contains("email_verified") ?? true {
            idClaims.append(("email_verified", .bool(verified == "true")))
        }
        idClaims += [
            ("iss", .string(issuer(pool.id))),
            ("cognito:username", .string(user.username)),
            ("origin_jti", .string(signIn.originJti)),
            ("aud", .string(client.id)),
            ("event_id", .string(eventId)),
            ("token_use", .string("id")),
            ("auth_time", .number(String(authTime))),
            ("exp", .number(String(issuedAt + Int64(idValidity)))),
            ("iat", .number(String(issuedAt))),
            ("jti", .string(Identifiers.uuid())),
        ]
        for name in user.attributes.keys.sorted() where name != "email_verified" && (readable?.contains(name) ?? true) {
            idClaims.append((name, Self.claimValue(name: name, value: user.attributes[name] ?? "")))
        }
        var accessClaims: [(String, JSONValue)] = [("sub", .string(user.sub))]
        if !groups.isEmpty { accessClaims.append(("cognito:groups", .array(groups.map { .string($0.name) }))) }
        accessClaims += [
            ("iss", .string(issuer(pool.id))),
            ("client_id", .string(client.id)),
            ("origin_jti", .string(signIn.originJti)),
            ("event_id", .string(eventId)),
            ("token_use", .string("access")),
            ("scope", .string(Self.signInScope)),
            ("auth_time", .number(String(authTime))),
            ("exp", .number(String(issuedAt + Int64(accessValidity)))),
            ("iat", .number(String(issuedAt))),
            ("jti", .string(Identifiers.uuid())),
            ("username", .string(user.username)),
        ]
        // Two signatures take about half a millisecond: signed where the request runs, as a hop to the blocking pool
        // and back would add two thread wake-ups to every sign-in and refresh for no gain on a loaded server.
        let idToken = try TokenSigner.sign(claims: .object(idClaims), with: key)
        let accessToken = try TokenSigner.sign(claims: .object(accessClaims), with: key)
        return Cognito.AuthenticationResultType(
            accessToken: accessToken,
            expiresIn: Int(accessValidity),
            tokenType: "Bearer",
            refreshToken: refreshToken,
            idToken: idToken
        )
    }

    /// An attribute as an ID token claim: the verified flags as booleans, `updated_at` as a number, `address` as an
    /// object with `formatted`, everything else as a string (custom attributes included), as Cognito writes them.
    static func claimValue(name: String, value: String) -> JSONValue {
        switch name {
        case "phone_number_verified", "email_verified": .bool(value == "true")
        case "updated_at": Int64(value).map { .number(String($0)) } ?? .string(value)
        case "address": .object([("formatted", .string(value))])
        default: .string(value)
        }
    }

    /// The pool's signing key, loaded once.
    func signingKey(_ poolId: String) async throws -> TokenSigningKey {
        if let key = signingKeys.get(poolId: poolId) { return key }
        guard let key = try await store.signingKey(poolId: poolId) else { throw Self.poolNotFound(poolId) }
        signingKeys.put(key, poolId: poolId)
        return key
    }

    /// 64 characters of base64url over 48 random bytes: opaque, and only its hash is stored.
    static func newRefreshToken() -> String { Base64URL.encode(SecureRandom.bytes(48)) }

    /// The stored form of a refresh token or session: hex SHA-256. The values are random and long, so a fast hash is
    /// enough to keep a database reader from using them.
    static func tokenHash(_ token: String) -> String { Hex.lowercase(SHA256.hash(data: Data(token.utf8))) }

    // MARK: access tokens

    /// The user an access token belongs to, after checking its signature, issuer, use, expiry and revocation.
    /// - Parameters:
    ///   - cached: whether the user and the sign-in's liveness may come from ``TokenHolderCache`` (GetUser, which
    ///     changes nothing); the calls that change the user read them from the database.
    /// - Throws: NotAuthorizedException in Cognito's words for a token that is not valid now.
    func authenticate(accessToken: String, now: Date, cached: Bool = false) async throws -> (pool: PoolRecord, user: UserRecord, clientId: String) {
        let invalid = ServiceError(Cognito.Errors.notAuthorized, "Invalid Access Token")
        let verified: VerifiedTokenCache.Verified
        if let cached = verifiedTokens.get(accessToken) {
            verified = cached
        } else {
            let parts = accessToken.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let payload = Base64URL.decode(parts[1]), let unverified = try? JSONParser.parse(payload),
                case .string(let iss)? = unverified["iss"], iss.hasPrefix(issuerBase + "/")
            else { throw invalid }
            let poolId = String(iss.dropFirst(issuerBase.count + 1))
            guard try await cachedPool(poolId) != nil else { throw invalid }
            let key = try await signingKey(poolId)
            guard let claims = try? TokenSigner.verify(accessToken, keys: [key]), claims["token_use"] == .string("access"),
                case .number(let expiry)? = claims["exp"], let exp = Double(expiry)
            else { throw invalid }
            verified = VerifiedTokenCache.Verified(poolId: poolId, claims: claims, expiresAt: exp)
            verifiedTokens.put(accessToken, verified, now: now)
        }
        let claims = verified.claims
        guard case .string(let sub)? = claims["sub"], case .string(let originJti)? = claims["origin_jti"],
            case .string(let clientId)? = claims["client_id"]
        else { throw invalid }
        guard now.timeIntervalSince1970 < verified.expiresAt else {
            throw ServiceError(Cognito.Errors.notAuthorized, "Access Token has expired")
        }
        guard let pool = try await cachedPool(verified.poolId) else { throw invalid }
        // One query (or none, for GetUser within a second of the last): the user and whether the token's sign-in is live.
        let generation = store.changes.value
        let holder: (user: UserRecord, live: Bool)
        if cached, let hit = tokenHolders.get(originJti: originJti, sub: sub, generation: generation) {
            holder = hit
        } else {
            guard let found = try await store.tokenHolder(poolId: pool.id, sub: sub, originJti: originJti) else {
                throw ServiceError(Cognito.Errors.notAuthorized, "Access Token has been revoked")
            }
            tokenHolders.put(originJti: originJti, sub: sub, user: found.user, live: found.live, generation: generation)
            holder = found
        }
        let (user, live) = holder
        guard live else { throw ServiceError(Cognito.Errors.notAuthorized, "Access Token has been revoked") }
        guard user.enabled else { throw ServiceError(Cognito.Errors.notAuthorized, "User is disabled.") }
        return (pool, user, clientId)
    }

    // MARK: token operations

    func getUser(_ input: Cognito.GetUserRequest, context: OperationContext) async throws -> Cognito.GetUserResponse {
        let (_, user, clientId) = try await authenticate(accessToken: input.accessToken, now: context.now, cached: true)
        let readable = try await cachedClient(clientId)?.settings.readAttributes.flatMap { $0.isEmpty ? nil : Set($0 + ["sub"]) }
        return Cognito.GetUserResponse(username: user.username, userAttributes: attributeList(user, readable: readable))
    }

    func globalSignOut(_ input: Cognito.GlobalSignOutRequest, context: OperationContext) async throws -> Cognito.GlobalSignOutResponse {
        let (pool, user, _) = try await authenticate(accessToken: input.accessToken, now: context.now)
        try await store.revokeRefreshTokens(poolId: pool.id, usernameKey: user.usernameKey)
        return Cognito.GlobalSignOutResponse()
    }

    func adminUserGlobalSignOut(
        _ input: Cognito.AdminUserGlobalSignOutRequest,
        context: OperationContext
    ) async throws -> Cognito.AdminUserGlobalSignOutResponse {
        let pool = try await pool(input.userPoolId)
        let user = try await existingUser(input.username, pool: pool)
        try await store.revokeRefreshTokens(poolId: pool.id, usernameKey: user.usernameKey)
        return Cognito.AdminUserGlobalSignOutResponse()
    }

    func revokeToken(_ input: Cognito.RevokeTokenRequest, context: OperationContext) async throws -> Cognito.RevokeTokenResponse {
        guard let client = try await cachedClient(input.clientId) else {
            throw ServiceError(Cognito.Errors.notAuthorized, "Invalid client id provided: \(input.clientId)")
        }
        if let secret = client.secret {
            guard let given = input.clientSecret, ConstantTime.equals(Array(given.utf8), Array(secret.utf8)) else {
                throw ServiceError(Cognito.Errors.notAuthorized, "Client secret is invalid for client \(client.id)")
            }
        }
        guard client.settings.enableTokenRevocation != false else {
            throw ServiceError(Cognito.Errors.unsupportedOperation, "Token revocation is not enabled for this client.")
        }
        if input.token.split(separator: ".").count == 3 {
            throw ServiceError(Cognito.Errors.unsupportedTokenType, "Only refresh tokens can be revoked.")
        }
        let hash = Self.tokenHash(input.token)
        guard let token = try await store.refreshToken(hash: hash) else { return Cognito.RevokeTokenResponse() }
        guard token.clientId == client.id else {
            throw ServiceError(Cognito.Errors.unauthorized, "The refresh token was not issued to client \(client.id).")
        }
        try await store.revokeRefreshToken(hash: hash)
        return Cognito.RevokeTokenResponse()
    }
}
