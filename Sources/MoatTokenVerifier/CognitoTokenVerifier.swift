public import AsyncHTTPClient
import Crypto
public import Foundation
import MoatCore

/// Checks Cognito user-pool tokens (RS256 JWTs) the way API Gateway's Cognito authorizer does.
///
/// One verifier serves one issuer (one user pool). It refuses anything Cognito would not have issued for that pool:
/// another algorithm (no `none`, no HMAC keyed with the public key), a key outside the pool's set, a signature that
/// does not cover the header and payload as sent, another issuer, an expired token, another token use or app client,
/// and, per call, missing scopes. Tokens that pass are remembered (by digest, until they expire) so that a client's
/// repeated token costs one RSA verification, not one per request.
///
/// ```swift
/// let verifier = CognitoTokenVerifier.fetching(
///     issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf",
///     tokenUse: .access,
///     clientIds: ["4d3vd1k5r3pl1k3d7t9ld3nm0e"]
/// )
/// let token = try await verifier.verify(bearer, requiredScopes: ["orders/read"])
/// ```
public struct CognitoTokenVerifier: Sendable {
    /// The largest token read: Cognito's are 1–2 KiB, a few more with many groups or attributes.
    public static let maximumTokenSize = 16_384
    /// How far in the future `iat` and `nbf` may be, for clocks that disagree.
    static let maximumClockSkew: TimeInterval = 300

    /// The `iss` every token must carry: `https://cognito-idp.{region}.amazonaws.com/{poolId}`, or Moat's
    /// `{endpoint}/{poolId}`.
    public let issuer: String
    /// The only `token_use` accepted, or nil for both.
    public let tokenUse: CognitoTokenUse?
    /// The app clients accepted (`aud` of ID tokens, `client_id` of access tokens), or nil for any client of the pool.
    public let clientIds: Set<String>?
    private let keys: any JSONWebKeySource
    private let cache: VerifiedTokenCache

    /// A verifier for one issuer.
    /// - Parameters:
    ///   - issuer: the exact `iss` of the pool's tokens (no trailing slash).
    ///   - keys: where the pool's public keys come from.
    ///   - tokenUse: accept only ID or only access tokens; nil accepts both.
    ///   - clientIds: accept only tokens issued to these app clients; nil accepts any.
    ///   - cacheCapacity: how many verified tokens to remember; 0 verifies every token every time.
    public init(
        issuer: String,
        keys: any JSONWebKeySource,
        tokenUse: CognitoTokenUse? = nil,
        clientIds: Set<String>? = nil,
        cacheCapacity: Int = 10_000
    ) {
        self.issuer = issuer
        self.keys = keys
        self.tokenUse = tokenUse
        self.clientIds = clientIds
        self.cache = VerifiedTokenCache(capacity: cacheCapacity)
    }

    /// A verifier that fetches the pool's keys from `{issuer}/.well-known/jwks.json` with a ``JWKSFetcher``.
    /// - Parameters:
    ///   - issuer: `https://cognito-idp.{region}.amazonaws.com/{poolId}`, or Moat's `{endpoint}/{poolId}`.
    ///   - httpClient: the client that fetches the keys.
    ///   - tokenUse: accept only ID or only access tokens; nil accepts both.
    ///   - clientIds: accept only tokens issued to these app clients; nil accepts any.
    ///   - cacheCapacity: how many verified tokens to remember.
    ///   - keysCacheDuration: how long a fetched key set is used before it is fetched again.
    ///   - minimumRefreshInterval: the least time between two fetches, whatever the tokens name.
    ///   - timeout: the longest a fetch may take.
    public static func fetching(
        issuer: String,
        httpClient: HTTPClient = .shared,
        tokenUse: CognitoTokenUse? = nil,
        clientIds: Set<String>? = nil,
        cacheCapacity: Int = 10_000,
        keysCacheDuration: Duration = .seconds(3600),
        minimumRefreshInterval: Duration = .seconds(10),
        timeout: Duration = .seconds(10)
    ) -> CognitoTokenVerifier {
        let fetcher = JWKSFetcher(
            url: issuer + "/.well-known/jwks.json",
            httpClient: httpClient,
            cacheDuration: keysCacheDuration,
            minimumRefreshInterval: minimumRefreshInterval,
            timeout: timeout
        )
        return CognitoTokenVerifier(issuer: issuer, keys: fetcher, tokenUse: tokenUse, clientIds: clientIds, cacheCapacity: cacheCapacity)
    }

    /// Checks a token and returns what it says.
    /// - Parameters:
    ///   - token: the compact JWT (without `Bearer `).
    ///   - requiredScopes: when not empty, the token must be an access token whose `scope` holds at least one of them.
    ///   - now: the time to check expiry against.
    /// - Throws: ``TokenVerificationError`` naming the first check that failed.
    public func verify(
        _ token: String,
        requiredScopes: [String] = [],
        now: Date = Date()
    ) async throws(TokenVerificationError) -> VerifiedToken {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumTokenSize else { throw .malformed }
        let digest = SHA256.hash(data: bytes)
        let verified: VerifiedToken
        if let cached = cache.get(digest) {
            guard now < cached.expiresAt else {
                cache.remove(digest)
                throw .expired
            }
            verified = cached
        } else {
            verified = try await verifyUncached(bytes, now: now)
            cache.put(digest, verified, now: now)
        }
        try Self.check(requiredScopes, of: verified)
        return verified
    }

    /// The `iss` claim of a token, read without verifying anything: only to choose which pool's verifier to ask, when
    /// a service accepts the tokens of several pools. Nil for what is not a JWT with a string `iss`.
    public static func unverifiedIssuer(of token: String) -> String? {
        let bytes = token.utf8
        guard bytes.count <= maximumTokenSize, let first = bytes.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let rest = bytes[bytes.index(after: first)...]
        guard let second = rest.firstIndex(of: UInt8(ascii: ".")), let payload = JWTBase64URL.decode(rest[..<second]),
            case .string(let issuer)? = (try? JSONParser.parse(payload, rejectsDuplicateKeys: true))?["iss"]
        else { return nil }
        return issuer
    }

    /// Every check but the scopes, in order: structure, header, key, signature, payload, issuer, use, expiry, issue
    /// time, client.
    private func verifyUncached(_ bytes: [UInt8], now: Date) async throws(TokenVerificationError) -> VerifiedToken {
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        guard dots.count == 2,
            let headerBytes = JWTBase64URL.decode(bytes[..<dots[0]]),
            let payloadBytes = JWTBase64URL.decode(bytes[(dots[0] + 1)..<dots[1]]),
            let signature = JWTBase64URL.decode(bytes[(dots[1] + 1)...])
        else { throw .malformed }

        // The header decides nothing but the key: `jku`, `x5u`, `jwk` and `x5c` are ignored, so a token cannot bring
        // its own key, and `alg` must be the one algorithm Cognito uses.
        guard let header = try? JSONParser.parse(headerBytes, maximumDepth: 8, rejectsDuplicateKeys: true), header.members != nil
        else { throw .malformed }
        guard header["alg"] == .string("RS256") else { throw .unsupportedAlgorithm }
        guard header["crit"] == nil else { throw .malformed }
        guard case .string(let kid)? = header["kid"], !kid.isEmpty else { throw .unknownKey }
        let key = try await key(id: kid)
        guard key.isValidRS256Signature(signature, for: bytes[..<dots[1]]) else { throw .invalidSignature }

        // Duplicate claims are refused: parsers disagree on which one counts.
        guard let claims = try? JSONParser.parse(payloadBytes, rejectsDuplicateKeys: true), claims.members != nil else {
            throw .malformed
        }
        guard claims["iss"] == .string(issuer) else { throw .wrongIssuer }
        guard case .string(let use)? = claims["token_use"], let tokenUse = CognitoTokenUse(rawValue: use),
            self.tokenUse == nil || self.tokenUse == tokenUse
        else { throw .wrongTokenUse }
        guard let expiry = Self.seconds(claims["exp"]) else { throw .malformed }
        let current = now.timeIntervalSince1970
        guard current < expiry else { throw .expired }
        guard let issuedAt = Self.seconds(claims["iat"]), issuedAt <= current + Self.maximumClockSkew else { throw .malformed }
        if let notBefore = claims["nbf"] {
            guard let notBefore = Self.seconds(notBefore), notBefore <= current + Self.maximumClockSkew else { throw .malformed }
        }
        let clientId = try client(of: claims, tokenUse: tokenUse)
        return try VerifiedToken(claims: claims, payload: payloadBytes, tokenUse: tokenUse, clientId: clientId)
    }

    /// The key a token names: from the current set, or else from a refreshed one (a key rotated in since).
    private func key(id: String) async throws(TokenVerificationError) -> JSONWebKey {
        if let key = try await keySet(refresh: false).key(id: id) { return key }
        if let key = try await keySet(refresh: true).key(id: id) { return key }
        throw .unknownKey
    }

    private func keySet(refresh: Bool) async throws(TokenVerificationError) -> JSONWebKeySet {
        do {
            return try await keys.keys(refresh: refresh)
        } catch {
            throw .keysUnavailable
        }
    }

    /// The app client a token was issued to (`aud` of an ID token, `client_id` of an access token), checked against
    /// ``clientIds``. An `aud` array, which Cognito never sends but JWT allows, passes when one of its members does.
    private func client(of claims: JSONValue, tokenUse: CognitoTokenUse) throws(TokenVerificationError) -> String? {
        var candidates: [String] = []
        switch (tokenUse, claims[tokenUse == .id ? "aud" : "client_id"]) {
        case (_, .string(let client)?): candidates = [client]
        case (.id, .array(let audience)?): candidates = audience.compactMap { if case .string(let client) = $0 { client } else { nil } }
        default: break
        }
        guard let clientIds else { return candidates.first }
        guard let allowed = candidates.first(where: clientIds.contains) else { throw .wrongClient }
        return allowed
    }

    /// A route's scopes: an access token holding at least one of them (API Gateway's rule for authorization scopes).
    private static func check(_ requiredScopes: [String], of token: VerifiedToken) throws(TokenVerificationError) {
        guard !requiredScopes.isEmpty else { return }
        guard token.tokenUse == .access else { throw .wrongTokenUse }
        guard requiredScopes.contains(where: token.scopes.contains) else { throw .missingScope }
    }

    /// A NumericDate claim in seconds since 1970, or nil when it is not a finite number.
    static func seconds(_ value: JSONValue?) -> TimeInterval? {
        guard case .number(let text)? = value, let seconds = Double(text), seconds.isFinite else { return nil }
        return seconds
    }
}
