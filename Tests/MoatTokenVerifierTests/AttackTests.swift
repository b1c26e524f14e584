import Crypto
import CryptoExtras
import Foundation
import MoatCognito
import MoatCore
import MoatTokenVerifier
import Testing

/// The JWT attack set: each forged, altered or misdirected token is refused with the error that names its fault.
@Suite struct AttackTests {
    static let now = Claims.now.addingTimeInterval(60)

    /// A token and the verifier settings it is tried against.
    struct Attempt {
        var token: String
        var tokenUse: CognitoTokenUse? = nil
        var clientIds: Set<String>? = nil
        var requiredScopes: [String] = []
        var expected: TokenVerificationError
    }

    enum Attack: String, CaseIterable, CustomTestStringConvertible {
        case algNoneWithEmptySignature, algNoneKeepingTheSignature, algNoneSpelledOtherwise, algMissing, algOtherThanRS256
        case hs256KeyedWithPublicKeyPEM, hs256KeyedWithPublicKeyDER, hs256KeyedWithPKCS1PEM, hs256KeyedWithPKCS1DER
        case tamperedPayload, tamperedHeader, signatureFromAnotherKey, truncatedSignature
        case anotherPoolsKeySameIssuer, anotherPoolsKeyNamingOurKid, kidNotInTheSet, kidMissing, kidEmpty, kidNotAString
        case embeddedJWKIgnored, jkuIgnored
        case expired, expiredLongAgo, expiryMissing, expiryAsString, issuedInTheFuture, notBeforeInTheFuture
        case wrongIssuer, issuerWithTrailingSlash, issuerMissing
        case idTokenWhereAccessIsRequired, accessTokenWhereIDIsRequired, refreshTokenUse, tokenUseMissing
        case idTokenForAnotherClient, accessTokenForAnotherClient, audienceMissing
        case scopeMissing, scopesRequiredOfAnIDToken
        case oversize, garbageBase64, paddedBase64, standardBase64Alphabet, nonCanonicalBase64, twoParts, fourParts, empty
        case nonObjectPayload, stringPayload, nonObjectHeader, duplicateClaim, duplicateHeaderMember, criticalHeader, subjectMissing

        var testDescription: String { rawValue }

        var attempt: Attempt {
            get throws {
                let pool = TestKey.pool
                let header = JSONValue.object([("kid", .string(pool.kid)), ("alg", .string("RS256"))])
                let valid = try pool.sign(Claims.id())
                let parts = valid.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                switch self {
                case .algNoneWithEmptySignature:
                    let none = TestKey.encode(.object([("kid", .string(pool.kid)), ("alg", .string("none"))]))
                    return Attempt(token: "\(none).\(parts[1]).", expected: .unsupportedAlgorithm)
                case .algNoneKeepingTheSignature:
                    let none = TestKey.encode(.object([("alg", .string("none"))]))
                    return Attempt(token: "\(none).\(parts[1]).\(parts[2])", expected: .unsupportedAlgorithm)
                case .algNoneSpelledOtherwise:
                    let none = TestKey.encode(.object([("kid", .string(pool.kid)), ("alg", .string("None"))]))
                    return Attempt(token: "\(none).\(parts[1]).", expected: .unsupportedAlgorithm)
                case .algMissing:
                    return Attempt(
                        token: try pool.sign(header: .object([("kid", .string(pool.kid))]), claims: Claims.id()),
                        expected: .unsupportedAlgorithm
                    )
                case .algOtherThanRS256:
                    let rs512 = JSONValue.object([("kid", .string(pool.kid)), ("alg", .string("RS512"))])
                    return Attempt(token: try pool.sign(header: rs512, claims: Claims.id()), expected: .unsupportedAlgorithm)
                case .hs256KeyedWithPublicKeyPEM:
                    return Attempt(
                        token: Self.hs256(secret: Array(pool.privateKey.publicKey.pemRepresentation.utf8)),
                        expected: .unsupportedAlgorithm
                    )
                case .hs256KeyedWithPublicKeyDER:
                    return Attempt(
                        token: Self.hs256(secret: Array(pool.privateKey.publicKey.derRepresentation)),
                        expected: .unsupportedAlgorithm
                    )
                case .hs256KeyedWithPKCS1PEM:
                    return Attempt(
                        token: Self.hs256(secret: Array(pool.privateKey.publicKey.pkcs1PEMRepresentation.utf8)),
                        expected: .unsupportedAlgorithm
                    )
                case .hs256KeyedWithPKCS1DER:
                    return Attempt(
                        token: Self.hs256(secret: Array(pool.privateKey.publicKey.pkcs1DERRepresentation)),
                        expected: .unsupportedAlgorithm
                    )
                case .tamperedPayload:
                    let forged = TestKey.encode(Claims.with(Claims.id(), "cognito:groups", .array([.string("admins"), .string("root")])))
                    return Attempt(token: "\(parts[0]).\(forged).\(parts[2])", expected: .invalidSignature)
                case .tamperedHeader:
                    let forged = TestKey.encode(.object([("kid", .string(pool.kid)), ("alg", .string("RS256")), ("typ", .string("JWT"))]))
                    return Attempt(token: "\(forged).\(parts[1]).\(parts[2])", expected: .invalidSignature)
                case .signatureFromAnotherKey:
                    let other = try TestKey.otherPool.sign(header: header, claims: Claims.id())
                    let signature = other.split(separator: ".").last.map(String.init) ?? ""
                    return Attempt(token: "\(parts[0]).\(parts[1]).\(signature)", expected: .invalidSignature)
                case .truncatedSignature:
                    return Attempt(token: "\(parts[0]).\(parts[1]).\(parts[2].dropLast(2))", expected: .invalidSignature)
                case .anotherPoolsKeySameIssuer:
                    return Attempt(token: try TestKey.otherPool.sign(Claims.id()), expected: .unknownKey)
                case .anotherPoolsKeyNamingOurKid:
                    return Attempt(token: try TestKey.otherPool.sign(header: header, claims: Claims.id()), expected: .invalidSignature)
                case .kidNotInTheSet:
                    let made = JSONValue.object([("kid", .string("made-up-kid")), ("alg", .string("RS256"))])
                    return Attempt(token: try pool.sign(header: made, claims: Claims.id()), expected: .unknownKey)
                case .kidMissing:
                    return Attempt(
                        token: try pool.sign(header: .object([("alg", .string("RS256"))]), claims: Claims.id()),
                        expected: .unknownKey
                    )
                case .kidEmpty:
                    let empty = JSONValue.object([("kid", .string("")), ("alg", .string("RS256"))])
                    return Attempt(token: try pool.sign(header: empty, claims: Claims.id()), expected: .unknownKey)
                case .kidNotAString:
                    let number = JSONValue.object([("kid", .number("1")), ("alg", .string("RS256"))])
                    return Attempt(token: try pool.sign(header: number, claims: Claims.id()), expected: .unknownKey)
                case .embeddedJWKIgnored:
                    // The attacker's own key travels in the header, under our kid: the signature is checked with ours.
                    let other = TestKey.otherPool
                    let embedded = JSONValue.object([
                        ("kid", .string(pool.kid)), ("alg", .string("RS256")), ("jwk", other.moat.jwk), ("x5c", .array([.string("MIIB")])),
                    ])
                    return Attempt(token: try other.sign(header: embedded, claims: Claims.id()), expected: .invalidSignature)
                case .jkuIgnored:
                    let other = TestKey.otherPool
                    let remote = JSONValue.object([
                        ("kid", .string(other.kid)), ("alg", .string("RS256")), ("jku", .string("https://attacker.example/jwks.json")),
                        ("x5u", .string("https://attacker.example/cert.pem")),
                    ])
                    return Attempt(token: try other.sign(header: remote, claims: Claims.id()), expected: .unknownKey)
                case .expired:
                    return Attempt(
                        token: try pool.sign(Claims.id(issuedAt: AttackTests.now.addingTimeInterval(-3600), lifetime: 3600)),
                        expected: .expired
                    )
                case .expiredLongAgo:
                    return Attempt(
                        token: try pool.sign(Claims.id(issuedAt: Date(timeIntervalSince1970: 1_000_000), lifetime: 60)),
                        expected: .expired
                    )
                case .expiryMissing:
                    return Attempt(token: try pool.sign(Claims.without(Claims.id(), "exp")), expected: .malformed)
                case .expiryAsString:
                    return Attempt(token: try pool.sign(Claims.with(Claims.id(), "exp", .string("9999999999"))), expected: .malformed)
                case .issuedInTheFuture:
                    return Attempt(
                        token: try pool.sign(Claims.id(issuedAt: AttackTests.now.addingTimeInterval(3600), lifetime: 7200)),
                        expected: .malformed
                    )
                case .notBeforeInTheFuture:
                    let claims = Claims.with(Claims.id(), "nbf", .number(String(Int(AttackTests.now.timeIntervalSince1970) + 1800)))
                    return Attempt(token: try pool.sign(claims), expected: .malformed)
                case .wrongIssuer:
                    return Attempt(
                        token: try pool.sign(Claims.id(issuer: "http://localhost:4566/us-east-1_OtherPool")),
                        expected: .wrongIssuer
                    )
                case .issuerWithTrailingSlash:
                    return Attempt(token: try pool.sign(Claims.id(issuer: Claims.issuer + "/")), expected: .wrongIssuer)
                case .issuerMissing:
                    return Attempt(token: try pool.sign(Claims.without(Claims.id(), "iss")), expected: .wrongIssuer)
                case .idTokenWhereAccessIsRequired:
                    return Attempt(token: valid, tokenUse: .access, expected: .wrongTokenUse)
                case .accessTokenWhereIDIsRequired:
                    return Attempt(token: try pool.sign(Claims.access()), tokenUse: .id, expected: .wrongTokenUse)
                case .refreshTokenUse:
                    return Attempt(token: try pool.sign(Claims.id(tokenUse: "refresh")), expected: .wrongTokenUse)
                case .tokenUseMissing:
                    return Attempt(token: try pool.sign(Claims.without(Claims.id(), "token_use")), expected: .wrongTokenUse)
                case .idTokenForAnotherClient:
                    return Attempt(
                        token: try pool.sign(Claims.id(audience: .string("another-client"))),
                        clientIds: [Claims.client],
                        expected: .wrongClient
                    )
                case .accessTokenForAnotherClient:
                    return Attempt(
                        token: try pool.sign(Claims.access(clientId: "another-client")),
                        clientIds: [Claims.client],
                        expected: .wrongClient
                    )
                case .audienceMissing:
                    return Attempt(
                        token: try pool.sign(Claims.without(Claims.id(), "aud")),
                        clientIds: [Claims.client],
                        expected: .wrongClient
                    )
                case .scopeMissing:
                    return Attempt(
                        token: try pool.sign(Claims.access()),
                        requiredScopes: ["orders/write", "admin"],
                        expected: .missingScope
                    )
                case .scopesRequiredOfAnIDToken:
                    return Attempt(token: valid, requiredScopes: ["orders/read"], expected: .wrongTokenUse)
                case .oversize:
                    let padded = Claims.with(Claims.id(), "custom:padding", .string(String(repeating: "x", count: 13_000)))
                    return Attempt(token: try pool.sign(padded), expected: .malformed)
                case .garbageBase64:
                    return Attempt(token: "!!!.@@@.###", expected: .malformed)
                case .paddedBase64:
                    return Attempt(token: "\(parts[0]).\(parts[1])==.\(parts[2])", expected: .malformed)
                case .standardBase64Alphabet:
                    return Attempt(token: "\(parts[0]).\(parts[1]).+/\(parts[2].dropFirst(2))", expected: .malformed)
                case .nonCanonicalBase64:
                    // 256 bytes end in a character with four unused bits; setting one spells the same bytes otherwise.
                    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                    let last = try #require(parts[2].last.flatMap { alphabet.firstIndex(of: $0) })
                    let altered = String(parts[2].dropLast()) + String(alphabet[last + 1])
                    return Attempt(token: "\(parts[0]).\(parts[1]).\(altered)", expected: .malformed)
                case .twoParts:
                    return Attempt(token: "\(parts[0]).\(parts[1])", expected: .malformed)
                case .fourParts:
                    return Attempt(token: "\(valid).\(parts[2])", expected: .malformed)
                case .empty:
                    return Attempt(token: "", expected: .malformed)
                case .nonObjectPayload:
                    return Attempt(
                        token: try pool.sign(header: header, claims: .array([.string("iss"), .string(Claims.issuer)])),
                        expected: .malformed
                    )
                case .stringPayload:
                    return Attempt(token: try pool.sign(header: header, claims: .string("hello")), expected: .malformed)
                case .nonObjectHeader:
                    return Attempt(token: try pool.sign(header: .array([.string("RS256")]), claims: Claims.id()), expected: .malformed)
                case .duplicateClaim:
                    // A parser that takes the last `iss` would see another issuer than one that takes the first.
                    let payload =
                        #"{"sub":"s","iss":"https://attacker.example","iss":"\#(Claims.issuer)","token_use":"id","exp":9999999999,"iat":1}"#
                    return Attempt(
                        token: try pool.signRaw(header: #"{"kid":"\#(pool.kid)","alg":"RS256"}"#, payload: payload),
                        expected: .malformed
                    )
                case .duplicateHeaderMember:
                    let raw = #"{"kid":"\#(pool.kid)","alg":"none","alg":"RS256"}"#
                    var payload = ""
                    JSONWriter.write(Claims.id(), into: &payload)
                    return Attempt(token: try pool.signRaw(header: raw, payload: payload), expected: .malformed)
                case .criticalHeader:
                    let critical = JSONValue.object([
                        ("kid", .string(pool.kid)), ("alg", .string("RS256")), ("crit", .array([.string("exp")])),
                    ])
                    return Attempt(token: try pool.sign(header: critical, claims: Claims.id()), expected: .malformed)
                case .subjectMissing:
                    return Attempt(token: try pool.sign(Claims.without(Claims.id(), "sub")), expected: .malformed)
                }
            }
        }

        /// `alg: HS256`, with the HMAC keyed by bytes of the pool's public key: a verifier that let the header pick the
        /// algorithm would check it with those same public bytes.
        static func hs256(secret: [UInt8]) -> String {
            let header = TestKey.encode(.object([("kid", .string(TestKey.pool.kid)), ("alg", .string("HS256"))]))
            let input = header + "." + TestKey.encode(Claims.id())
            let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret))
            return input + "." + Base64URL.encode(Array(mac))
        }
    }

    @Test(arguments: Attack.allCases)
    func isRefused(_ attack: Attack) async throws {
        let attempt = try attack.attempt
        let verifier = CognitoTokenVerifier(
            issuer: Claims.issuer,
            keys: ScriptedKeySource([try TestKey.set(.pool)]),
            tokenUse: attempt.tokenUse,
            clientIds: attempt.clientIds
        )
        await #expect(throws: attempt.expected) {
            try await verifier.verify(attempt.token, requiredScopes: attempt.requiredScopes, now: Self.now)
        }
    }

    /// The forged tokens that the verifier refuses do verify once the fault is undone, so each refusal is for the
    /// fault named and not for some other defect of the test's token.
    @Test func theTokensTheAttacksStartFromAreValid() async throws {
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: ScriptedKeySource([try TestKey.set(.pool)]))
        let header = JSONValue.object([("kid", .string(TestKey.pool.kid)), ("alg", .string("RS256"))])
        _ = try await verifier.verify(TestKey.pool.sign(header: header, claims: Claims.id()), now: Self.now)
        var payload = ""
        JSONWriter.write(Claims.id(), into: &payload)
        _ = try await verifier.verify(
            TestKey.pool.signRaw(header: #"{"kid":"\#(TestKey.pool.kid)","alg":"RS256"}"#, payload: payload),
            now: Self.now
        )
        let nearlyOversize = Claims.with(Claims.id(), "custom:padding", .string(String(repeating: "x", count: 10_000)))
        _ = try await verifier.verify(TestKey.pool.sign(nearlyOversize), now: Self.now)
    }

    @Test func anUnknownKidAsksForRefreshedKeysOnceAndAMissingKidNever() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source)
        let made = JSONValue.object([("kid", .string("made-up-kid")), ("alg", .string("RS256"))])
        await #expect(throws: TokenVerificationError.unknownKey) {
            try await verifier.verify(TestKey.pool.sign(header: made, claims: Claims.id()), now: Self.now)
        }
        #expect(source.calls == [false, true])
        await #expect(throws: TokenVerificationError.unknownKey) {
            try await verifier.verify(TestKey.pool.sign(header: .object([("alg", .string("RS256"))]), claims: Claims.id()), now: Self.now)
        }
        #expect(source.calls == [false, true])
    }

    @Test func aRejectedAlgorithmNeverReachesTheKeySource() async throws {
        let source = ScriptedKeySource([try TestKey.set(.pool)])
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: source)
        for attack in [Attack.algNoneWithEmptySignature, .hs256KeyedWithPublicKeyPEM, .garbageBase64, .oversize] {
            await #expect(throws: (any Error).self) { try await verifier.verify(attack.attempt.token, now: Self.now) }
        }
        #expect(source.calls.isEmpty)
    }
}

extension TestKey {
    /// A token over header and payload text exactly as given, RS256-signed with this key.
    func signRaw(header: String, payload: String) throws -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let signature = try privateKey.signature(for: Array(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
