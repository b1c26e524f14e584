import Crypto
import Foundation
import MoatCognito
import Testing

@Suite struct VerificationCodeTests {
    let key = SymmetricKey(size: .bits256)
    let binding = "us-east-1_Pool/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/forgot-password"

    @Test func generatedCodesAreSixASCIIDigits() {
        for _ in 0..<1_000 {
            let code = VerificationCode.generate()
            #expect(code.utf8.count == 6 && VerificationCode.isWellFormed(code), "\(code)")
        }
    }

    @Test func generatedDigitsAreSpreadOverEveryPosition() {
        // 3,000 codes: each digit is expected 300 times per position (standard deviation ≈ 16.4); the bounds are
        // ±8 deviations, loose enough never to flake and tight enough to catch a stuck or biased position.
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 6)
        var seen = Set<String>()
        for _ in 0..<3_000 {
            let code = VerificationCode.generate()
            seen.insert(code)
            for (position, byte) in code.utf8.enumerated() { counts[position][Int(byte - UInt8(ascii: "0"))] += 1 }
        }
        for position in 0..<6 {
            for digit in 0..<10 {
                #expect((170...430).contains(counts[position][digit]), "digit \(digit) at position \(position): \(counts[position][digit])")
            }
        }
        #expect(seen.count > 2_950, "a million codes: 3,000 draws repeat a handful at most")
    }

    @Test func drawsMapUniformlyAndTheBiasedTailIsRejected() {
        #expect(VerificationCode.code(fromDraw: 0) == "000000")
        #expect(VerificationCode.code(fromDraw: 123) == "000123")
        #expect(VerificationCode.code(fromDraw: 999_999) == "999999")
        #expect(VerificationCode.code(fromDraw: 1_000_000) == "000000")
        #expect(VerificationCode.code(fromDraw: 4_293_999_999) == "999999")
        // 2³² = 4,294,967,296: the last 967,296 draws would make codes 000000…967295 more likely than the rest.
        #expect(VerificationCode.code(fromDraw: 4_294_000_000) == nil)
        #expect(VerificationCode.code(fromDraw: UInt32.max) == nil)
    }

    @Test func digestIsAKeyedBoundHexMAC() {
        // Python: hmac.new(bytes(range(32)), b"moat.cognito.verification-code.v1\0" + len-prefixed binding and code,
        // hashlib.sha256).hexdigest()
        let fixedKey = SymmetricKey(data: (0..<32).map { UInt8($0) })
        #expect(
            VerificationCode.digest("012345", key: fixedKey, binding: "us-east-1_Pool/sub-1/forgot-password")
                == "52fc763ad7ffe841c82545909e5306e53d61b8710d740204d73eeffb31e75b54")

        let digest = VerificationCode.digest("123456", key: key, binding: binding)
        #expect(digest.count == 64 && digest.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(digest == VerificationCode.digest("123456", key: key, binding: binding))
        #expect(digest != VerificationCode.digest("123457", key: key, binding: binding))
        #expect(digest != VerificationCode.digest("123456", key: key, binding: binding + "x"))
        #expect(digest != VerificationCode.digest("123456", key: SymmetricKey(size: .bits256), binding: binding))
    }

    @Test func matchesOnlyItsCodeKeyAndBinding() {
        let code = VerificationCode.generate()
        let digest = VerificationCode.digest(code, key: key, binding: binding)
        #expect(VerificationCode.matches(code, digest: digest, key: key, binding: binding))
        #expect(VerificationCode.matches(code, digest: digest.uppercased(), key: key, binding: binding), "hex of either case")

        let other = code == "000000" ? "000001" : "000000"
        #expect(!VerificationCode.matches(other, digest: digest, key: key, binding: binding))
        #expect(!VerificationCode.matches(code, digest: digest, key: SymmetricKey(size: .bits256), binding: binding))
        #expect(!VerificationCode.matches(code, digest: digest, key: key, binding: "us-east-1_Pool/other-user/forgot-password"))
        #expect(
            !VerificationCode.matches(code, digest: digest, key: key, binding: binding.replacingOccurrences(of: "forgot", with: "verify")))
    }

    @Test(arguments: [
        "", "12345", "1234567", "12345a", " 123456", "123456 ", "12 456", "+12345", "-12345", "\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}",
        "１２３４５６", "123456\n",
    ])
    func malformedCodesNeverMatch(_ code: String) {
        // Even against a digest made over that very text.
        let digest = VerificationCode.digest(code, key: key, binding: binding)
        #expect(!VerificationCode.isWellFormed(code))
        #expect(!VerificationCode.matches(code, digest: digest, key: key, binding: binding))
    }

    @Test func malformedDigestsNeverMatch() {
        let digest = VerificationCode.digest("123456", key: key, binding: binding)
        for bad in [
            "", String(digest.dropLast()), digest + "0", String(digest.dropLast()) + "g", " " + String(digest.dropFirst()),
            String(repeating: "0", count: 64),
        ] {
            #expect(!VerificationCode.matches("123456", digest: bad, key: key, binding: binding), "\(bad)")
        }
    }
}
