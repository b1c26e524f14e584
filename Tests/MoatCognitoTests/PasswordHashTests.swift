import Foundation
import MoatCognito
import MoatCore
import NIOPosix
import Testing

@Suite struct PasswordHashTests {
    /// A low cost keeps the suite fast; the scheme is the same at any count.
    let hasher = PasswordHasher(iterations: 1_000)

    static func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    @Test func knownAnswersFromRFC7914() {
        // RFC 7914 §11, PBKDF2-HMAC-SHA256.
        #expect(
            PasswordHasher.derive(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, byteCount: 64)
                == Self.hex(
                    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                        + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"))
        #expect(
            PasswordHasher.derive(password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80_000, byteCount: 64)
                == Self.hex(
                    "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                        + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"))
    }

    @Test func emptyPasswordAndSaltDerive() {
        // Python: hashlib.pbkdf2_hmac("sha256", b"", b"", 1, 32).
        #expect(
            PasswordHasher.derive(password: [], salt: [], iterations: 1, byteCount: 32)
                == Self.hex("f7ce0b653d2d72a4108cf5abe912ffdd777616dbbb27a70e8204f3ae2d0f6fad"))
    }

    @Test func storedFormIsSelfDescribing() throws {
        let stored = hasher.hash("correct horse battery staple")
        let fields = stored.split(separator: "$", omittingEmptySubsequences: false)
        try #require(fields.count == 5)
        #expect(fields[0] == "" && fields[1] == "pbkdf2-sha256" && fields[2] == "i=1000")
        #expect(fields[3].count == 22 && fields[4].count == 43, "16 and 32 bytes, unpadded base64")
        #expect(stored.filter { $0 == "=" }.count == 1, "the sign of i= and no base64 padding")
        #expect(PasswordHasher.iterations(of: stored) == 1_000)
    }

    @Test func roundTrip() {
        for password in ["correct horse battery staple", "Passw0rd!", "pässwörd ✓", "", String(repeating: "x", count: 256)] {
            let stored = hasher.hash(password)
            #expect(hasher.verify(password, against: stored), "\(password.count) characters")
        }
    }

    @Test func saltsDiffer() {
        let first = hasher.hash("same password")
        let second = hasher.hash("same password")
        #expect(first != second)
        #expect(hasher.verify("same password", against: first) && hasher.verify("same password", against: second))
    }

    @Test func wrongPasswordsFail() {
        let stored = hasher.hash("Passw0rd!")
        for wrong in ["passw0rd!", "Passw0rd", "Passw0rd! ", " Passw0rd!", "", "Passw0rd!!"] {
            #expect(!hasher.verify(wrong, against: stored), "\(wrong)")
        }
        // The same text in another Unicode normalization is another password: bytes are hashed as sent.
        let composed = hasher.hash("caf\u{E9}")
        #expect(!hasher.verify("cafe\u{301}", against: composed))
    }

    @Test func verifiesAtTheStoredCostAndAsksForARehash() {
        let old = hasher.hash("Passw0rd!")
        let newer = PasswordHasher(iterations: 2_000)
        #expect(newer.verify("Passw0rd!", against: old))
        #expect(newer.needsRehash(old))
        #expect(!hasher.needsRehash(old))
        #expect(!newer.needsRehash(newer.hash("Passw0rd!")))
        #expect(hasher.needsRehash("not a hash"))
    }

    @Test(arguments: [
        "",
        "Passw0rd!",
        "$pbkdf2-sha256$i=1000$",
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA",
        "pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),  // no leading $
        "$pbkdf2-sha512$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),  // another scheme
        "$PBKDF2-SHA256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$rounds=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=0$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=01000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=+1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=-1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=1e3$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i= 1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=\u{661}\u{660}\u{660}\u{660}$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),  // Arabic-Indic digits
        "$pbkdf2-sha256$i=10000001$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),  // above the ceiling
        "$pbkdf2-sha256$i=2147483648$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=99999999999999999999999$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),  // overflow
        "$pbkdf2-sha256$i=1000$!!!!!!!!!!!!!!!!!!!!!!$" + String(repeating: "A", count: 43),  // not base64
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$" + String(repeating: "A", count: 43),  // padded
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdB$" + String(repeating: "A", count: 43),  // non-canonical last bits
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2Fs$" + String(repeating: "A", count: 43),  // 15-byte salt
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdHM$" + String(repeating: "A", count: 43),  // 17-byte salt
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 42),  // 31-byte hash
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 44),  // 33-byte hash
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43) + "$",  // extra field
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43) + "\n",
        " $pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$" + String(repeating: "A", count: 43),
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRz-WF0c2FsdA$" + String(repeating: "A", count: 43),  // base64url alphabet
        String(repeating: "$", count: 100_000),
    ])
    func malformedStoredValuesVerifyNothing(_ stored: String) {
        #expect(!hasher.verify("", against: stored))
        #expect(!hasher.verify("Passw0rd!", against: stored))
        #expect(PasswordHasher.iterations(of: stored) == nil)
        #expect(hasher.needsRehash(stored))
    }

    @Test func wellFormedNeighboursOfTheMalformedCasesParse() {
        let hash = String(repeating: "A", count: 43)
        #expect(PasswordHasher.iterations(of: "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$\(hash)") == 1_000)
        #expect(PasswordHasher.iterations(of: "$pbkdf2-sha256$i=10000000$c2FsdHNhbHRzYWx0c2FsdA$\(hash)") == 10_000_000)
        #expect(PasswordHasher.iterations(of: "$pbkdf2-sha256$i=1$c2FsdHNhbHRzYWx0c2FsdA$\(hash)") == 1)
    }

    @Test func tamperedHashesFail() throws {
        let stored = hasher.hash("Passw0rd!")
        var fields = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        try #require(fields.count == 5)
        let original = fields
        // Another salt, another hash, another cost: all well-formed, none verifies.
        fields[3] = fields[3] == "AAAAAAAAAAAAAAAAAAAAAA" ? "BBBBBBBBBBBBBBBBBBBBBA" : "AAAAAAAAAAAAAAAAAAAAAA"
        #expect(!hasher.verify("Passw0rd!", against: fields.joined(separator: "$")))
        fields = original
        fields[4] = String(fields[4].reversed())
        #expect(!hasher.verify("Passw0rd!", against: fields.joined(separator: "$")))
        fields = original
        fields[2] = "i=1001"
        #expect(!hasher.verify("Passw0rd!", against: fields.joined(separator: "$")))
    }

    @Test func burnReturns() {
        hasher.burn("whatever")
        hasher.burn("")
    }

    @Test func offLoopVariantsAgreeWithTheBlockingOnes() async throws {
        let stored = try await hasher.hashOffLoop("Passw0rd!")
        #expect(hasher.verify("Passw0rd!", against: stored))
        #expect(try await hasher.verifyOffLoop("Passw0rd!", against: stored))
        #expect(try await !hasher.verifyOffLoop("wrong", against: stored))
        try await hasher.burnOffLoop("Passw0rd!")
    }

    @Test func offLoopOnAPoolThatIsNotRunningThrows() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        await #expect(throws: (any Error).self) { try await hasher.hashOffLoop("Passw0rd!", on: pool) }
    }

    @Test func defaultCostIsOWASPs() {
        // The one test at full cost: a single hash.
        let stored = PasswordHasher().hash("Passw0rd!")
        #expect(stored.hasPrefix("$pbkdf2-sha256$i=600000$"))
        #expect(PasswordHasher.iterations(of: stored) == 600_000)
        #expect(PasswordHasher.defaultIterations == 600_000)
    }
}
