import Crypto
import CryptoExtras
import Foundation
import MoatCore
package import NIOPosix

/// Slow, salted password hashes for the passwords Moat checks itself (USER_PASSWORD_AUTH, ChangePassword's
/// previous password, AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH).
///
/// PBKDF2-HMAC-SHA256 with a 16-byte random salt and a 32-byte output, 600,000 iterations by default (OWASP's 2023
/// figure for PBKDF2-HMAC-SHA256), through swift-crypto's BoringSSL (`KDF.Insecure.PBKDF2`): in a release build it
/// takes about 90 ms at that cost, half the time of the system's OpenSSL 3 `PKCS5_PBKDF2_HMAC`. The stored form says
/// how it was made, in the PHC string format with unpadded standard base64:
///
///     $pbkdf2-sha256$i=600000$<salt, 22 characters>$<hash, 43 characters>
///
/// so the cost can change later while old hashes still verify (``needsRehash(_:)`` tells the caller when to store
/// a fresh one after a successful sign-in).
///
/// - Important: One hash is about a tenth of a second of CPU at the default cost. Never call ``hash(_:)``,
///   ``verify(_:against:)`` or ``burn(_:)`` on an event loop or from a task on the cooperative pool; use
///   ``hashOffLoop(_:on:)``, ``verifyOffLoop(_:against:on:)`` and ``burnOffLoop(_:on:)``, which run the work on an
///   `NIOThreadPool`.
package struct PasswordHasher: Sendable, Equatable {
    /// OWASP's 2023 iteration count for PBKDF2-HMAC-SHA256.
    package static let defaultIterations = 600_000
    /// The largest iteration count a stored hash may name; anything above is read as malformed, so a tampered or
    /// corrupted row cannot make one request spin for minutes.
    package static let maximumIterations = 10_000_000
    /// Salt length in bytes.
    package static let saltByteCount = 16
    /// Derived-key length in bytes (one SHA-256 block of output).
    package static let hashByteCount = 32
    /// The PHC identifier of the scheme.
    static let identifier = "pbkdf2-sha256"

    /// The iteration count new hashes are made with, and the cost of ``burn(_:)``.
    package let iterations: Int

    /// A hasher at `iterations` (tests use small counts such as 1,000).
    /// - Parameter iterations: 1 through ``maximumIterations``.
    package init(iterations: Int = PasswordHasher.defaultIterations) {
        precondition((1...Self.maximumIterations).contains(iterations), "PBKDF2 iterations must be in 1...\(Self.maximumIterations)")
        self.iterations = iterations
    }

    /// A new stored hash of `password` with a fresh random salt, at ``iterations``.
    /// - Parameter password: the password, hashed as its UTF-8 bytes (no normalization).
    package func hash(_ password: String) -> String {
        let salt = SecureRandom.bytes(Self.saltByteCount)
        let derived = Self.derive(password: Array(password.utf8), salt: salt, iterations: iterations, byteCount: Self.hashByteCount)
        return StoredPasswordHash(iterations: iterations, salt: salt, hash: derived).encoded
    }

    /// Whether `password` is the one `stored` was made from.
    ///
    /// Derives at the stored iteration count and compares the 32 bytes in constant time. A `stored` value that is not
    /// a hash in this format (another scheme, bad base64, a salt or hash of the wrong length, an iteration count of 0
    /// or above ``maximumIterations``) verifies nothing and costs nothing.
    /// - Parameters:
    ///   - password: the password the client sent.
    ///   - stored: a value ``hash(_:)`` returned, possibly at another cost.
    package func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = StoredPasswordHash(parsing: stored) else { return false }
        let derived = Self.derive(
            password: Array(password.utf8), salt: parsed.salt, iterations: parsed.iterations, byteCount: parsed.hash.count)
        return ConstantTime.equals(derived, parsed.hash)
    }

    /// Costs one derivation at ``iterations`` and returns nothing.
    ///
    /// For a user that does not exist (or has no password), so that the answer takes as long as a wrong password for
    /// a real user and the timing does not tell which usernames exist.
    /// - Parameter password: the password the client sent.
    package func burn(_ password: String) {
        let salt = SecureRandom.bytes(Self.saltByteCount)
        _ = Self.derive(password: Array(password.utf8), salt: salt, iterations: iterations, byteCount: Self.hashByteCount)
    }

    /// Whether `stored` should be replaced with a fresh ``hash(_:)`` after it verified: it was made at another
    /// iteration count, or it is not a hash this type reads.
    /// - Parameter stored: the stored value.
    package func needsRehash(_ stored: String) -> Bool {
        guard let parsed = StoredPasswordHash(parsing: stored) else { return true }
        return parsed.iterations != iterations
    }

    /// The iteration count `stored` names, or nil when it is not a hash this type reads.
    /// - Parameter stored: the stored value.
    package static func iterations(of stored: String) -> Int? {
        StoredPasswordHash(parsing: stored)?.iterations
    }

    /// ``hash(_:)`` on `pool`, keeping the event loops and the cooperative pool free.
    /// - Parameters:
    ///   - password: the password.
    ///   - pool: the thread pool for blocking work.
    /// - Throws: `CancellationError` when the task is cancelled before the work starts, or the pool's error when it
    ///   is not running.
    package func hashOffLoop(_ password: String, on pool: NIOThreadPool = .singleton) async throws -> String {
        try await pool.runIfActive { self.hash(password) }
    }

    /// ``verify(_:against:)`` on `pool`, keeping the event loops and the cooperative pool free.
    /// - Parameters:
    ///   - password: the password the client sent.
    ///   - stored: the stored hash.
    ///   - pool: the thread pool for blocking work.
    /// - Throws: `CancellationError` when the task is cancelled before the work starts, or the pool's error when it
    ///   is not running.
    package func verifyOffLoop(_ password: String, against stored: String, on pool: NIOThreadPool = .singleton) async throws -> Bool {
        try await pool.runIfActive { self.verify(password, against: stored) }
    }

    /// ``burn(_:)`` on `pool`, keeping the event loops and the cooperative pool free.
    /// - Parameters:
    ///   - password: the password the client sent.
    ///   - pool: the thread pool for blocking work.
    /// - Throws: `CancellationError` when the task is cancelled before the work starts, or the pool's error when it
    ///   is not running.
    package func burnOffLoop(_ password: String, on pool: NIOThreadPool = .singleton) async throws {
        try await pool.runIfActive { self.burn(password) }
    }

    /// PBKDF2-HMAC-SHA256 of `password` and `salt`. Exposed for known-answer tests (RFC 7914 §11); the service uses
    /// ``hash(_:)`` and ``verify(_:against:)``.
    /// - Parameters:
    ///   - password: the password bytes (may be empty).
    ///   - salt: the salt bytes (may be empty).
    ///   - iterations: 1 through ``maximumIterations``.
    ///   - byteCount: the output length.
    package static func derive(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int) -> [UInt8] {
        precondition((1...maximumIterations).contains(iterations) && byteCount > 0)
        // BoringSSL's wrapper force-unwraps the buffers' base addresses; an array with capacity always has one,
        // even when it is empty.
        var passwordBytes = [UInt8]()
        passwordBytes.reserveCapacity(max(password.count, 1))
        passwordBytes.append(contentsOf: password)
        var saltBytes = [UInt8]()
        saltBytes.reserveCapacity(max(salt.count, 1))
        saltBytes.append(contentsOf: salt)
        let key: SymmetricKey
        do {
            key = try KDF.Insecure.PBKDF2.deriveKey(
                from: passwordBytes, salt: saltBytes, using: .sha256, outputByteCount: byteCount, unsafeUncheckedRounds: iterations)
        } catch {
            // BoringSSL fails PKCS5_PBKDF2_HMAC only for a zero iteration count or an allocation failure; the
            // precondition above excludes the first.
            fatalError("PBKDF2 failed: \(error)")
        }
        return key.withUnsafeBytes { Array($0) }
    }
}

/// A parsed `$pbkdf2-sha256$i=<n>$<salt>$<hash>` string.
struct StoredPasswordHash: Equatable {
    let iterations: Int
    let salt: [UInt8]
    let hash: [UInt8]

    init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// Nil unless `text` is exactly the canonical form ``encoded`` writes, with a 16-byte salt, a 32-byte hash and
    /// an iteration count in `1...PasswordHasher.maximumIterations` written without sign or leading zeros.
    init?(parsing text: String) {
        guard text.utf8.count <= 128 else { return nil }
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == PasswordHasher.identifier,
            let iterations = Self.iterationCount(fields[2]),
            let salt = PHCBase64.decode(fields[3]), salt.count == PasswordHasher.saltByteCount,
            let hash = PHCBase64.decode(fields[4]), hash.count == PasswordHasher.hashByteCount
        else { return nil }
        self.init(iterations: iterations, salt: salt, hash: hash)
    }

    /// The stored form.
    var encoded: String {
        "$\(PasswordHasher.identifier)$i=\(iterations)$\(PHCBase64.encode(salt))$\(PHCBase64.encode(hash))"
    }

    /// `i=<decimal>` with 1 to 8 digits, no leading zero, within the allowed range.
    private static func iterationCount(_ field: Substring) -> Int? {
        guard field.hasPrefix("i=") else { return nil }
        let digits = field.utf8.dropFirst(2)
        guard (1...8).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return (1...PasswordHasher.maximumIterations).contains(value) ? value : nil
    }
}

/// Standard base64 without padding, as the PHC string format writes salts and hashes.
enum PHCBase64 {
    /// Unpadded standard base64 of `bytes`.
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of canonical unpadded base64 (the form ``encode(_:)`` writes); nil for padding, other characters,
    /// an impossible length or unused low bits that are not zero.
    static func decode(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count % 4 != 1,
            text.utf8.allSatisfy({ byte in
                (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2F
            })
        else { return nil }
        let padded = String(text) + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { return nil }
        let bytes = Array(data)
        return encode(bytes) == text ? bytes : nil
    }
}
