import Crypto
import CryptoExtras
import Foundation
@testable import MoatCognito
import MoatCore
import Testing

@Suite(.timeLimit(.minutes(10))) struct TokenSignerTests {
    /// Key generation is slow in a debug build: the suite shares two keys.
    static let key = try! TokenSigningKey.generate()
    static let otherKey = try! TokenSigningKey.generate()

    static func claims(now: Int64 = Int64(Date().timeIntervalSince1970), audience: String = "client-123") -> JSONValue {
        .object([
            ("sub", .string("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
            ("cognito:groups", .array([.string("admins")])),
            ("email_verified", .bool(true)),
            ("iss", .string("http://localhost:4566/us-east-1_AbC")),
            ("cognito:username", .string("älice")),
            ("aud", .string(audience)),
            ("token_use", .string("id")),
            ("auth_time", .number(String(now))),
            ("exp", .number(String(now + 3600))),
            ("iat", .number(String(now))),
        ])
    }

    func parts(_ token: String) throws -> [[UInt8]] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        return try parts.map { try #require(Base64URL.decode($0)) }
    }

    @Test func headerAndClaimsAreSerializedInOrder() throws {
        let key = Self.key
        let claims = Self.claims(now: 1_790_000_000)
        let token = try TokenSigner.sign(claims: claims, with: key)
        let decoded = try parts(token)
        #expect(String(decoding: decoded[0], as: UTF8.self) == #"{"kid":"\#(key.kid)","alg":"RS256"}"#)
        var expected = ""
        JSONWriter.write(claims, into: &expected)
        #expect(String(decoding: decoded[1], as: UTF8.self) == expected)
        #expect(expected.hasPrefix(#"{"sub":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","cognito:groups":["admins"]"#))
        #expect(decoded[2].count == 256)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
    }

    /// The signature verifies with a public key built by swift-crypto from the JWKS's `n` and `e` alone.
    @Test func signatureVerifiesWithThePublicKeyFromTheJWKS() throws {
        let key = Self.key
        let token = try TokenSigner.sign(claims: Self.claims(), with: key)
        let jwk = try #require(JWKS.document(keys: [key])["keys"].flatMap { if case .array(let keys) = $0 { keys.first } else { nil } })
        guard case .string(let n) = jwk["n"], case .string(let e) = jwk["e"] else {
            Issue.record("n, e")
            return
        }
        let modulus = try #require(Base64URL.decode(n))
        let exponent = try #require(Base64URL.decode(e))
        let publicKey = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
        #expect(Array(publicKey.derRepresentation) == key.publicKeyDER)
        let segments = token.split(separator: ".")
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Base64URL.decode(segments[2])))
        let input = Array("\(segments[0]).\(segments[1])".utf8)
        #expect(publicKey.isValidSignature(signature, for: input, padding: .insecurePKCS1v1_5))
        #expect(!publicKey.isValidSignature(signature, for: input + [0x20], padding: .insecurePKCS1v1_5))
    }

    @Test func verifyReturnsTheClaimsAndRefusesEveryAlteration() throws {
        let key = Self.key
        let claims = Self.claims()
        let token = try TokenSigner.sign(claims: claims, with: key)
        #expect(try TokenSigner.verify(token, keys: [Self.otherKey, key]) == claims)

        let segments = token.split(separator: ".").map(String.init)
        let forgedClaims = Base64URL.encode(Array(#"{"sub":"someone-else"}"#.utf8))
        #expect(throws: CognitoCryptoError.invalidTokenSignature) {
            try TokenSigner.verify("\(segments[0]).\(forgedClaims).\(segments[2])", keys: [key])
        }
        #expect(throws: CognitoCryptoError.unknownTokenKey) { try TokenSigner.verify(token, keys: [Self.otherKey]) }
        let noneHeader = Base64URL.encode(Array(#"{"kid":"\#(key.kid)","alg":"none"}"#.utf8))
        #expect(throws: CognitoCryptoError.unsupportedTokenAlgorithm) {
            try TokenSigner.verify("\(noneHeader).\(segments[1]).", keys: [key])
        }
        let hsHeader = Base64URL.encode(Array(#"{"kid":"\#(key.kid)","alg":"HS256"}"#.utf8))
        #expect(throws: CognitoCryptoError.unsupportedTokenAlgorithm) {
            try TokenSigner.verify("\(hsHeader).\(segments[1]).\(segments[2])", keys: [key])
        }
        // The other key, claiming this key's kid.
        let otherSigned = try TokenSigner.sign(claims: claims, with: Self.otherKey).split(separator: ".").map(String.init)
        #expect(throws: CognitoCryptoError.invalidTokenSignature) {
            try TokenSigner.verify("\(segments[0]).\(segments[1]).\(otherSigned[2])", keys: [key])
        }
        for malformed in [
            "", "a.b", "a.b.c.d", "\(segments[0]).\(segments[1]).\(segments[2])=", "!!.\(segments[1]).\(segments[2])",
            "\(Base64URL.encode(Array("[]".utf8))).\(segments[1]).\(segments[2])",
        ] {
            #expect(throws: CognitoCryptoError.malformedToken) { try TokenSigner.verify(malformed, keys: [key]) }
        }
    }

    @Test func keyRoundTripsThroughPKCS8AndPEM() throws {
        let key = Self.key
        let der = key.pkcs8DER
        #expect(der.starts(with: [0x30, 0x82]))
        let fromDER = try TokenSigningKey(pkcs8DER: der)
        #expect(fromDER.kid == key.kid && fromDER.publicKeyDER == key.publicKeyDER && fromDER.pkcs8DER == der)
        #expect(key.pkcs8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let fromPEM = try TokenSigningKey(pem: key.pkcs8PEM)
        #expect(fromPEM.kid == key.kid)
        // A token signed by the reloaded key verifies with the original, and the reverse.
        let claims = Self.claims()
        #expect(try TokenSigner.verify(try TokenSigner.sign(claims: claims, with: fromDER), keys: [key]) == claims)
        #expect(key.kid != Self.otherKey.kid)
        #expect(throws: CognitoCryptoError.malformedKey) { try TokenSigningKey(pkcs8DER: Array(der.dropLast())) }
        #expect(throws: CognitoCryptoError.malformedKey) { try TokenSigningKey(pkcs8DER: [UInt8]()) }
        #expect(throws: CognitoCryptoError.malformedKey) {
            try TokenSigningKey(pem: "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----")
        }
    }

    @Test func jwksHasCognitosShape() throws {
        let text = JWKS.json(keys: [Self.key, Self.otherKey])
        let document = try JSONParser.parse(Array(text.utf8))
        guard case .array(let keys) = document["keys"] else {
            Issue.record("keys")
            return
        }
        #expect(keys.count == 2)
        for (jwk, key) in zip(keys, [Self.key, Self.otherKey]) {
            #expect(jwk.members?.map(\.key) == ["alg", "e", "kid", "kty", "n", "use"])
            #expect(
                jwk["alg"] == .string("RS256") && jwk["e"] == .string("AQAB") && jwk["kty"] == .string("RSA")
                    && jwk["use"] == .string("sig"))
            #expect(jwk["kid"] == .string(key.kid))
            #expect(key.kid.count == 44 && key.kid.hasSuffix("="))
            guard case .string(let n) = jwk["n"] else {
                Issue.record("n")
                continue
            }
            let modulus = try #require(Base64URL.decode(n))
            #expect(modulus.count == 256 && modulus[0] & 0x80 != 0, "2048 bits, no leading zero byte")
            #expect(!n.contains("="))
        }
        #expect(text.hasPrefix(#"{"keys":[{"alg":"RS256","e":"AQAB","kid":"#))
    }

    @Test func base64URLRefusesPaddingAndStandardAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("-_8=") == nil)
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("") == [])
    }

    // PyJWT (Tests/MoatCognitoTests/Python/jwt_verify.py), as a backend checks a Cognito token against jwks.json.

    func pyjwt(_ token: String, keys: [TokenSigningKey], audience: String? = "client-123") throws -> [String: Any] {
        let jwks = try JSONSerialization.jsonObject(with: Data(JWKS.json(keys: keys).utf8))
        return try PythonClient.run("jwt_verify.py", input: ["token": token, "jwks": jwks, "audience": audience ?? NSNull()])
    }

    @Test func pyjwtVerifiesTheTokenAgainstTheJWKS() throws {
        let token = try TokenSigner.sign(claims: Self.claims(), with: Self.key)
        let reply = try pyjwt(token, keys: [Self.otherKey, Self.key])
        #expect(reply["error"] == nil, "\(reply["error"] ?? "")")
        let header = try #require(reply["header"] as? [String: Any])
        #expect(header["kid"] as? String == Self.key.kid && header["alg"] as? String == "RS256")
        let claims = try #require(reply["claims"] as? [String: Any])
        #expect(claims["cognito:username"] as? String == "älice")
        #expect(claims["aud"] as? String == "client-123")
        #expect(claims["cognito:groups"] as? [String] == ["admins"])
    }

    @Test func pyjwtRefusesATamperedOrForeignToken() throws {
        let token = try TokenSigner.sign(claims: Self.claims(), with: Self.key)
        let segments = token.split(separator: ".").map(String.init)
        let forged = "\(segments[0]).\(Base64URL.encode(Array(#"{"sub":"x","exp":9999999999,"iat":1}"#.utf8))).\(segments[2])"
        #expect((try pyjwt(forged, keys: [Self.key])["error"] as? String)?.hasPrefix("InvalidSignatureError") == true)
        let otherSigned = try TokenSigner.sign(claims: Self.claims(), with: Self.otherKey).split(separator: ".").map(String.init)
        let swapped = "\(segments[0]).\(segments[1]).\(otherSigned[2])"
        #expect((try pyjwt(swapped, keys: [Self.key, Self.otherKey])["error"] as? String)?.hasPrefix("InvalidSignatureError") == true)
        #expect(
            (try pyjwt(token, keys: [Self.key], audience: "another-client")["error"] as? String)?.hasPrefix("InvalidAudienceError") == true)
        let expired = try TokenSigner.sign(claims: Self.claims(now: 1_000_000_000), with: Self.key)
        #expect((try pyjwt(expired, keys: [Self.key])["error"] as? String)?.hasPrefix("ExpiredSignatureError") == true)
    }

    /// OpenSSL signs, and its PKCS#1 v1.5 signature is byte for byte swift-crypto's: the two implementations agree.
    @Test func openSSLSignsAsSwiftCryptoDoes() throws {
        let key = Self.key
        let signer = try #require(key.signer)
        let message = Array("header.payload".utf8)
        let fromOpenSSL = try #require(signer.sign(message))
        let fromSwiftCrypto = try key.privateKey.signature(for: message, padding: .insecurePKCS1v1_5)
        #expect(fromOpenSSL == Array(fromSwiftCrypto.rawRepresentation))
        #expect(OpenSSLRSASigner(privateKeyDER: [0x30, 0x03, 0x02, 0x01, 0x00]) == nil)
    }
}
