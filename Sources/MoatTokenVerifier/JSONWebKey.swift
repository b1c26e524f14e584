import CryptoExtras
package import Foundation

/// One RSA public key of an issuer's key set, as a JWK names it (`kid`) and as it checks RS256 signatures.
public struct JSONWebKey: Sendable {
    /// Keys below this size are refused by swift-crypto; Cognito's are 2048 bits.
    static let minimumBits = 2048
    /// Keys above this size are refused: verification cost grows with the modulus, and an issuer has no reason to
    /// publish one this large.
    static let maximumBits = 8192

    /// The key id (`kid`) that token headers name.
    public let id: String
    let publicKey: _RSA.Signing.PublicKey

    /// The modulus size in bits.
    public var bits: Int { publicKey.keySizeInBits }

    /// The public key as SubjectPublicKeyInfo DER, for comparison with a key held elsewhere.
    package var derRepresentation: Data { publicKey.derRepresentation }

    /// A key from its JWK numbers.
    /// - Parameters:
    ///   - id: the `kid`.
    ///   - modulus: `n`, big-endian.
    ///   - exponent: `e`, big-endian.
    /// - Returns: nil when the numbers are not an RSA key of 2048 to 8192 bits.
    init?(id: String, modulus: [UInt8], exponent: [UInt8]) {
        guard let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent),
            (Self.minimumBits...Self.maximumBits).contains(key.keySizeInBits)
        else { return nil }
        self.id = id
        self.publicKey = key
    }

    /// A key held in the same process (a user pool's own key), from its SubjectPublicKeyInfo DER.
    /// - Parameters:
    ///   - id: the `kid` its tokens carry.
    ///   - derRepresentation: the public key.
    /// - Returns: nil when the bytes are not an RSA public key of 2048 to 8192 bits.
    package init?(id: String, derRepresentation: some DataProtocol) {
        guard let key = try? _RSA.Signing.PublicKey(derRepresentation: derRepresentation),
            (Self.minimumBits...Self.maximumBits).contains(key.keySizeInBits)
        else { return nil }
        self.id = id
        self.publicKey = key
    }

    /// Whether `signature` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    ///
    /// BoringSSL compares the recovered encoding in constant time; the signature must be exactly the modulus length.
    func isValidRS256Signature(_ signature: [UInt8], for message: ArraySlice<UInt8>) -> Bool {
        publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: message, padding: .insecurePKCS1v1_5)
    }
}
