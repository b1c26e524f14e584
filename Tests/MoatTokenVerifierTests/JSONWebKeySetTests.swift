import CryptoExtras
import Foundation
import MoatCognito
import MoatCore
import MoatTokenVerifier
import Testing

/// Reading JWKS documents: Moat's and Cognito's read, keys that cannot check RS256 skipped, bad documents refused.
@Suite struct JSONWebKeySetTests {
    func document(_ entries: [JSONValue]) -> [UInt8] {
        var text = ""
        JSONWriter.write(.object([("keys", .array(entries))]), into: &text)
        return Array(text.utf8)
    }

    @Test func moatsDocumentGivesEachKeyUnderItsKid() throws {
        let set = try JSONWebKeySet(json: Array(TestKey.jwks(.pool, .otherPool).utf8))
        let key = try #require(set.key(id: TestKey.pool.kid))
        #expect(key.id == TestKey.pool.kid)
        #expect(key.bits == 2048)
        #expect(Array(key.derRepresentation) == TestKey.pool.moat.publicKeyDER)
        #expect(set.key(id: TestKey.otherPool.kid) != nil)
        #expect(set.key(id: TestKey.rotatedIn.kid) == nil)
    }

    /// The shape Cognito serves: `alg`, `e`, `kid`, `kty`, `n`, `use`, and nothing else.
    @Test func anEntryMayOmitAlgAndUse() throws {
        let jwk = TestKey.pool.moat.jwk
        let bare = JSONValue.object((jwk.members ?? []).filter { $0.key != "alg" && $0.key != "use" })
        #expect(try JSONWebKeySet(json: document([bare])).key(id: TestKey.pool.kid) != nil)
    }

    @Test func entriesThatCannotCheckRS256AreSkipped() throws {
        let jwk = TestKey.pool.moat.jwk
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024)).publicKey.getKeyPrimitives()
        let entries: [JSONValue] = [
            .object([("kty", .string("EC")), ("kid", .string("ec")), ("crv", .string("P-256")), ("x", .string("AA")), ("y", .string("AA"))]
            ),
            Claims.with(Claims.with(jwk, "kid", .string("hs")), "alg", .string("HS256")),
            Claims.with(Claims.with(jwk, "kid", .string("enc")), "use", .string("enc")),
            Claims.with(
                Claims.with(jwk, "kid", .string("padded")),
                "n",
                .string((jwk["n"].flatMap { if case .string(let n) = $0 { n } else { nil } } ?? "") + "=")
            ),
            .object([
                ("kty", .string("RSA")), ("kid", .string("small")), ("n", .string(Base64URL.encode(small.modulus))),
                ("e", .string(Base64URL.encode(small.publicExponent))),
            ]),
            Claims.without(jwk, "kid"),
            .string("not a key"),
            jwk,
        ]
        let set = try JSONWebKeySet(json: document(entries))
        for kid in ["ec", "hs", "enc", "padded", "small"] { #expect(set.key(id: kid) == nil, "\(kid)") }
        #expect(set.key(id: TestKey.pool.kid) != nil)
    }

    @Test(arguments: [
        "", "null", "[]", #"{"keys":{}}"#, #"{"keys":[]}"#, #"{"Keys":[{"kty":"RSA"}]}"#, "{\"keys\":[",
        #"{"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]}"#,
    ])
    func aDocumentWithoutAUsableKeyIsRefused(_ text: String) {
        #expect(throws: TokenVerificationError.keysUnavailable) { try JSONWebKeySet(json: Array(text.utf8)) }
    }

    @Test func anOversizeDocumentIsRefusedBeforeItIsRead() throws {
        var text = TestKey.jwks(.pool)
        text += String(repeating: " ", count: JSONWebKeySet.maximumSize - text.utf8.count)
        _ = try JSONWebKeySet(json: Array(text.utf8))
        text += " "
        #expect(throws: TokenVerificationError.keysUnavailable) { try JSONWebKeySet(json: Array(text.utf8)) }
    }

    /// How a server holding the pool's keys (Moat's gateway) builds the set without a JWKS document.
    @Test func aSetOfKeysHeldInProcessVerifiesThePoolsTokens() async throws {
        let key = try #require(JSONWebKey(id: TestKey.pool.kid, derRepresentation: TestKey.pool.moat.publicKeyDER))
        #expect(JSONWebKey(id: "bad", derRepresentation: [0x30, 0x00]) == nil)
        let set = JSONWebKeySet(keys: [key, key])
        #expect(set.keys.count == 1)
        let verifier = CognitoTokenVerifier(issuer: Claims.issuer, keys: ScriptedKeySource([set]))
        let verified = try await verifier.verify(TestKey.pool.sign(Claims.id()), now: Claims.now)
        #expect(verified.subject == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    }
}
