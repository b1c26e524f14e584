import Crypto
import CryptoExtras
package import Foundation
package import MoatCore

/// One user pool's RSA-2048 key for RS256 tokens.
///
/// Generated per pool, never shared between pools or installs; stored as PKCS#8 (encrypted at rest by the store),
/// loaded back with ``init(pkcs8DER:)``. Its ``kid`` is derived from the public key, so it is the same after every
/// load.
package struct TokenSigningKey: Sendable {
    let privateKey: _RSA.Signing.PrivateKey
    /// The same key in OpenSSL, which signs (nil only if OpenSSL could not read what swift-crypto wrote).
    let signer: OpenSSLRSASigner?

    /// The key id in token headers and the JWKS: standard base64 of SHA-256 of the public key's
    /// SubjectPublicKeyInfo (44 characters, like Cognito's).
    package let kid: String

    private init(privateKey: _RSA.Signing.PrivateKey) {
        self.privateKey = privateKey
        signer = OpenSSLRSASigner(privateKeyDER: Array(privateKey.derRepresentation))
        kid = Data(SHA256.hash(data: privateKey.publicKey.derRepresentation)).base64EncodedString()
    }

    /// A new random 2048-bit key (about 0.1 s to several seconds of CPU: generate off the event loops).
    package static func generate() throws -> TokenSigningKey {
        TokenSigningKey(privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    /// Loads a key stored as PKCS#8 DER (or PKCS#1 DER).
    /// - Parameter pkcs8DER: the stored bytes.
    /// - Throws: ``CognitoCryptoError/malformedKey`` unless they hold an RSA private key of at least 2048 bits.
    package init(pkcs8DER: some DataProtocol) throws(CognitoCryptoError) {
        guard let key = try? _RSA.Signing.PrivateKey(derRepresentation: pkcs8DER) else { throw .malformedKey }
        self.init(privateKey: key)
    }

    /// Loads a key stored as PEM (`PRIVATE KEY` or `RSA PRIVATE KEY`).
    /// - Parameter pem: the stored text.
    /// - Throws: ``CognitoCryptoError/malformedKey`` unless it holds an RSA private key of at least 2048 bits.
    package init(pem: String) throws(CognitoCryptoError) {
        guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) else { throw .malformedKey }
        self.init(privateKey: key)
    }

    /// The private key as PKCS#8 DER, for storage.
    package var pkcs8DER: [UInt8] { Array(privateKey.pkcs8DERRepresentation) }

    /// The private key as PKCS#8 PEM, for storage.
    package var pkcs8PEM: String { privateKey.pkcs8PEMRepresentation }

    /// The public key as SubjectPublicKeyInfo DER.
    package var publicKeyDER: [UInt8] { Array(privateKey.publicKey.derRepresentation) }

    /// The key's JWK, members in Cognito's order: `alg`, `e`, `kid`, `kty`, `n`, `use`.
    package var jwk: JSONValue {
        // The primitives of a key that loaded are always readable; BoringSSL gives them without leading zeros.
        let primitives = try? privateKey.publicKey.getKeyPrimitives()
        let modulus = Array(primitives?.modulus ?? Data()).drop { $0 == 0 }
        let exponent = Array(primitives?.publicExponent ?? Data()).drop { $0 == 0 }
        return .object([
            ("alg", .string("RS256")),
            ("e", .string(Base64URL.encode(exponent))),
            ("kid", .string(kid)),
            ("kty", .string("RSA")),
            ("n", .string(Base64URL.encode(modulus))),
            ("use", .string("sig")),
        ])
    }
}
