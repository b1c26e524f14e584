public import Crypto
public import Foundation

/// Encryption at rest for secrets stored in the database: signing keys, secret values, client secrets, IAM secret
/// access keys.
///
/// AES-256-GCM under a key derived (HKDF-SHA256) from the master key. A sealed value is
/// `version (1 byte) ‖ nonce (12 bytes, random) ‖ ciphertext ‖ tag (16 bytes)`. The version byte and the `context`
/// are authenticated, so a value opens only with the context it was sealed with: name the table, column and row in
/// it (`"iam.access_keys.secret:AKIA…"`) and a ciphertext copied to another row or column fails to open.
///
/// Random 96-bit nonces keep the probability of a repeat negligible for well over a billion values per master key.
public struct SecretBox: Sendable {
    /// The format version written as the first byte of every sealed value.
    public static let formatVersion: UInt8 = 1

    private static let nonceByteCount = 12
    private static let tagByteCount = 16

    private let key: SymmetricKey

    /// - Parameter key: The 256-bit master key, from ``MasterKey/load(environmentValue:dataDirectory:)``.
    ///   Passing a key of another size is a programming error.
    public init(key: SymmetricKey) {
        precondition(key.bitCount == 256, "SecretBox needs a 256-bit key")
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key,
            info: Data("moat.secret-box.v1".utf8),
            outputByteCount: 32
        )
    }

    /// Encrypts `plaintext`, binding it to `context`.
    ///
    /// - Parameters:
    ///   - plaintext: The secret.
    ///   - context: Where the value will be stored (table, column, row id); needed again to open it.
    /// - Returns: The sealed value, 29 bytes longer than `plaintext`.
    public func seal(_ plaintext: Data, context: String) throws -> Data {
        let box = try AES.GCM.seal(
            plaintext,
            using: self.key,
            nonce: AES.GCM.Nonce(),
            authenticating: Self.authenticatedData(version: Self.formatVersion, context: context)
        )
        guard let combined = box.combined else { throw SecretBoxError.malformed }
        var sealed = Data([Self.formatVersion])
        sealed.append(combined)
        return sealed
    }

    /// Decrypts a value sealed with ``seal(_:context:)-(Data,_)`` under the same master key and `context`.
    ///
    /// - Parameters:
    ///   - sealed: The sealed value.
    ///   - context: The context it was sealed with.
    /// - Throws: ``SecretBoxError/authenticationFailed`` when the value was altered, sealed under another key or
    ///   with another context; ``SecretBoxError/unsupportedVersion`` or ``SecretBoxError/malformed`` when it is not a
    ///   sealed value.
    public func open(_ sealed: Data, context: String) throws -> Data {
        guard let version = sealed.first else { throw SecretBoxError.malformed }
        guard version == Self.formatVersion else { throw SecretBoxError.unsupportedVersion }
        let combined = Data(sealed.dropFirst())
        guard combined.count >= Self.nonceByteCount + Self.tagByteCount else { throw SecretBoxError.malformed }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(combined: combined)
        } catch {
            throw SecretBoxError.malformed
        }
        do {
            return try AES.GCM.open(
                box,
                using: self.key,
                authenticating: Self.authenticatedData(version: version, context: context)
            )
        } catch {
            throw SecretBoxError.authenticationFailed
        }
    }

    /// Encrypts a UTF-8 string, binding it to `context`.
    public func seal(_ plaintext: String, context: String) throws -> Data {
        try self.seal(Data(plaintext.utf8), context: context)
    }

    /// Decrypts a value sealed with ``seal(_:context:)-(String,_)``.
    ///
    /// - Throws: As ``open(_:context:)``, and ``SecretBoxError/malformed`` when the plaintext is not UTF-8.
    public func openString(_ sealed: Data, context: String) throws -> String {
        guard let string = String(data: try self.open(sealed, context: context), encoding: .utf8) else {
            throw SecretBoxError.malformed
        }
        return string
    }

    private static func authenticatedData(version: UInt8, context: String) -> Data {
        var data = Data([version])
        data.append(contentsOf: context.utf8)
        return data
    }
}

/// Why a ``SecretBox`` refused to open a value. Equal when the codes are equal.
public struct SecretBoxError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case authenticationFailed, unsupportedVersion, malformed
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The value was altered, or sealed under another key or another context.
    public static var authenticationFailed: SecretBoxError { .init(.authenticationFailed) }
    /// The value was sealed in a format this version does not know.
    public static var unsupportedVersion: SecretBoxError { .init(.unsupportedVersion) }
    /// The value is too short or otherwise not a sealed value.
    public static var malformed: SecretBoxError { .init(.malformed) }

    public var description: String {
        switch self.code {
        case .authenticationFailed: "SecretBoxError.authenticationFailed: the sealed value failed authentication"
        case .unsupportedVersion: "SecretBoxError.unsupportedVersion: the sealed value has an unknown format version"
        case .malformed: "SecretBoxError.malformed: the data is not a sealed value"
        }
    }
}
