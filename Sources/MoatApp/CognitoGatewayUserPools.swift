import Foundation
import MoatAPIGateway
import MoatCognito
import MoatCore
import MoatTokenVerifier
import Synchronization

/// The `COGNITO_USER_POOLS` authorizer's check, made by the same verifier Swift backends use
/// (``CognitoTokenVerifier``), with each pool's keys read in-process rather than fetched.
///
/// The token's issuer must be one of the authorizer's pools (a token of another pool is refused as API Gateway
/// refuses it: 401 `Unauthorized`). Without scopes on the method only ID tokens pass; with scopes, only access tokens
/// holding one of them.
final class CognitoGatewayUserPools: GatewayUserPools {
    let cognito: CognitoDomain
    private let verifiers = Mutex<[String: CognitoTokenVerifier]>([:])

    init(cognito: CognitoDomain) { self.cognito = cognito }

    func verify(token: String, userPoolArns: [String], scopes: [String], now: Date) async -> UserPoolVerdict {
        guard let poolId = pool(of: token, among: userPoolArns) else { return .unauthorized }
        do {
            // A deleted pool's tokens stop working at once, even those the verifier remembers.
            guard try await cognito.poolExists(poolId) else { return .unauthorized }
            let verified = try await verifier(poolId).verify(token, requiredScopes: scopes, now: now)
            guard verified.tokenUse == (scopes.isEmpty ? .id : .access) else { return .unauthorized }
            return .verified(claims: verified.claims)
        } catch TokenVerificationError.expired {
            return .expired
        } catch {
            return .unauthorized
        }
    }

    /// The pool whose verifier is asked: the authorizer's one pool, or among several the one the token's (unverified)
    /// issuer names. A token of any other pool then fails that verifier's checks.
    private func pool(of token: String, among userPoolArns: [String]) -> String? {
        let poolIds = userPoolArns.compactMap(Self.poolId)
        if poolIds.count == 1 { return poolIds[0] }
        guard let issuer = CognitoTokenVerifier.unverifiedIssuer(of: token) else { return nil }
        return poolIds.first { cognito.issuer(poolId: $0) == issuer }
    }

    private func verifier(_ poolId: String) -> CognitoTokenVerifier {
        if let existing = verifiers.withLock({ $0[poolId] }) { return existing }
        let made = CognitoTokenVerifier(issuer: cognito.issuer(poolId: poolId), keys: PoolKeys(cognito: cognito, poolId: poolId))
        return verifiers.withLock { verifiers in
            if verifiers.count >= 1000 { verifiers.removeAll() }
            if let raced = verifiers[poolId] { return raced }
            verifiers[poolId] = made
            return made
        }
    }

    /// `arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID` → `POOL_ID`.
    static func poolId(_ arn: String) -> String? {
        guard let slash = arn.lastIndex(of: "/"), arn[..<slash].hasSuffix(":userpool") else { return nil }
        let id = arn[arn.index(after: slash)...]
        return id.isEmpty ? nil : String(id)
    }
}

/// A pool's public keys, read from Cognito once: a pool's key never changes while the pool exists.
final class PoolKeys: JSONWebKeySource {
    let cognito: CognitoDomain
    let poolId: String
    private let loaded = Mutex<JSONWebKeySet?>(nil)

    init(cognito: CognitoDomain, poolId: String) {
        self.cognito = cognito
        self.poolId = poolId
    }

    func keys(refresh: Bool) async throws -> JSONWebKeySet {
        if !refresh, let keys = loaded.withLock({ $0 }) { return keys }
        guard let document = try await cognito.jwks(poolId: poolId) else { throw TokenVerificationError.keysUnavailable }
        let keys = try JSONWebKeySet(json: Array(document.utf8))
        loaded.withLock { $0 = keys }
        return keys
    }
}
