import Crypto
import Foundation

/// AWS-shaped identifiers and secrets, from the system's CSPRNG.
enum Identifiers {
    private static let base32 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    private static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// `AIDA…` (user), `AROA…` (role), `ANPA…` (managed policy): a prefix and 17 base32 characters, 21 in all.
    static func uniqueId(prefix: String) -> String { prefix + random(from: base32, count: 17) }

    /// `AKIA…` (long-term) or `ASIA…` (temporary): 20 characters.
    static func accessKeyId(temporary: Bool) -> String { (temporary ? "ASIA" : "AKIA") + random(from: base32, count: 16) }

    /// 40 characters, as AWS's secret access keys.
    static func secretAccessKey() -> String { random(from: secretAlphabet, count: 40) }

    /// A session token: 48 random bytes, base64 (AWS's tokens are opaque base64 of varying length).
    static func sessionToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "IQoJb3JpZ2luX2Vj" + Data(bytes).base64EncodedString()
    }

    /// Picks characters uniformly: the alphabets have 32 or 64 characters, so masking a random byte has no bias.
    private static func random(from alphabet: [Character], count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let mask = UInt8(alphabet.count - 1)
        return String((0..<count).map { _ in alphabet[Int(UInt8.random(in: .min ... .max, using: &generator) & mask)] })
    }
}
