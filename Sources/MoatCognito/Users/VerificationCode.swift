package import Crypto
import MoatCore

/// The six-digit codes Cognito sends for sign-up confirmation, attribute verification and forgotten passwords.
///
/// A code is drawn uniformly from `000000...999999` and is never stored: the store keeps
/// ``digest(_:key:binding:)``, an HMAC-SHA256 under a server key over the code and what it is for, so a database
/// reader learns nothing usable (a bare SHA-256 of a six-digit code is reversed by trying a million values).
///
///     digest = hex(HMAC-SHA256(key, "moat.cognito.verification-code.v1" ‖ 00 ‖ len‖binding ‖ len‖code))
///                                                        (len: 4-byte big-endian byte count)
///
/// The binding names the pool, the user and the purpose (for example `"us-east-1_Pool/<sub>/forgot-password"`),
/// so a code issued for one of them never matches another. Expiry, single use and attempt limits are the
/// service's, kept with the stored digest.
package struct VerificationCode {
    /// Digits in a code.
    package static let length = 6
    /// `10^length`, the number of distinct codes.
    static let space: UInt32 = 1_000_000
    /// 4,294 × 10⁶, the largest multiple of ``space`` not above 2³²; draws at or above it are rejected so that every
    /// code is equally likely.
    static let rejectionBound: UInt32 = 4_294_000_000
    private static let domain = Array("moat.cognito.verification-code.v1".utf8) + [0]

    /// A new code: six ASCII digits, uniform over all million values, from the operating system's CSPRNG.
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let draw = generator.next() as UInt32
            if let code = code(fromDraw: draw) { return code }
        }
    }

    /// The code for one 32-bit draw, or nil when the draw falls in the rejected tail (`draw ≥ 4,294,000,000`),
    /// where reducing modulo 10⁶ would favour the low codes. Exposed to tests.
    package static func code(fromDraw draw: UInt32) -> String? {
        guard draw < rejectionBound else { return nil }
        let value = draw % space
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: length)
        var rest = value
        for index in digits.indices.reversed() {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// What the store keeps instead of `code`: 64 lowercase hex digits.
    /// - Parameters:
    ///   - code: the code as generated.
    ///   - key: the server's verification-code key (per install; derive it from the master key).
    ///   - binding: pool, user and purpose the code is for.
    package static func digest(_ code: String, key: SymmetricKey, binding: String) -> String {
        Hex.lowercase(HMAC<SHA256>.authenticationCode(for: message(code: code, binding: binding), using: key))
    }

    /// Whether `code` is the one `digest` was made from, for this key and binding, compared in constant time.
    ///
    /// Anything but exactly six ASCII digits never matches (no trimming, no other digit scripts), nor does a digest
    /// that is not 64 hex digits.
    /// - Parameters:
    ///   - code: the code the client sent.
    ///   - digest: the stored ``digest(_:key:binding:)``.
    ///   - key: the key it was made under.
    ///   - binding: the binding it was made for.
    package static func matches(_ code: String, digest: String, key: SymmetricKey, binding: String) -> Bool {
        guard isWellFormed(code), digest.utf8.count == 2 * SHA256.byteCount, let expected = SRPHex.decode(digest) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: message(code: code, binding: binding), using: key)
    }

    /// Exactly ``length`` ASCII digits.
    /// - Parameter code: the text to check.
    package static func isWellFormed(_ code: String) -> Bool {
        code.utf8.count == length && code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func message(code: String, binding: String) -> [UInt8] {
        var out = domain
        for field in [Array(binding.utf8), Array(code.utf8)] {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: field.count).bigEndian) { out.append(contentsOf: $0) }
            out += field
        }
        return out
    }
}
