import Foundation
import MoatCognito
import Testing

@Suite struct SRPServerTests {
    // A vector computed with pycognito 2024.5.1's own functions (aws_srp.py: hex_hash, pad_hex, AWSSRP with a fixed
    // `a`, process_challenge with a fixed timestamp) and the server's B = (k·v + g^b) % N in python integers.
    enum Vector {
        static let poolId = "eu-west-1_Ab3dEfGhI"
        static let userIdForSRP = "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd"
        static let password = "Correct-Horse-9!ü"
        static let saltHex = "9c1f2e3d4c5b6a7988776655443322ff"
        static let b = String(repeating: "1", count: 64)
        static let k = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        static let v =
            "f26c206245de049c011c1a37a7ea8cc0ba1dd3fc4556f497bfcef2504f21f7c24b68e4676afc189db9b629d4b9d2b6f1a9b3d18c08df1a25"
            + "28bab2d32e72b593487eb413c0f9b4679261b793279cdf691b4b1d1f2791e2aa050d120cd40bae8b4ae2dfa8dd54157d2068f5bc723f8bce"
            + "1a4c3bdc2f672d182c81bc17701ce4002ec29f8322bec7c70649b10b659fc26ca47e9196542170d1ce878406ba119d4458fdc78a34204064"
            + "a182d1a6e96fed5e67284e3abfe1f5c74eca1c754932ec11e662c21c47a85c968d81a3a225bfaf73eb8bb697c5c663e8c7775d94dd1b92b2"
            + "263fb3c544c5f6013e134db05f2cb8193fb66babfb15936f3ae2e24b025642249995843f1ae13aa81908f7afc5121df901880646907b3bdc"
            + "f7cb10aeb2cddb224e4a61dea46bab91eee95e9ae9bc0999a728ecbd11a450d664db7ee0938797bb1d1fec1a908397f00a3e7b42ffbb2d2b"
            + "e8b36d3fd0154a3b9aee9170448e87666076d51612ec460069fb8c64fd1b708115dbc368ebe4b4031760cc9fe618345b"
        static let A =
            "7e0f382c7c9b97711b33e5bfdd9112f0dd632a761bb8cea06f406dfb287dd7803959d07876c4caa40585a4407a2620591b2fba1a2aa785cc"
            + "f3baf908ae9b51097e9d09d562bce555a87f6f5d8015d6c922ae9e869c7dbc49e1044ed766c8feb6b9758114b63d7c7aa4e8b0e78edefaca"
            + "0d16bfe6008e16a5ccc75da9285933c2ea7c3fc3c15e774fc0a2169ca94a03ceedad5c692f4eb1a55a237a12f2469e2f5cbc7a2ee39c257f"
            + "f207375a2266edefa92015a534b9fed46c0fb91bc9fc4fc6d5268019eba2baa66899fe184513d139ea7e50efefe2f5304cbed50197f057e1"
            + "24d5e14b79151a342265821d4b21c0ae8eb559883d774bc27737bd9326b64b9b299dfabc2219c4ef7874d5c138a49d37bb2585765e184e48"
            + "fbfb5696f82e8d2e7c249056f19012db0bfad233969f1533a4142d89f41c918b64afe274df4c2632c40ca467f7bdf92ea67638bb558b7fd7"
            + "3a1f62ca4a377f9c49731a39dd486e91c14444170810e165f4ff26ace531e6456dc8d30e65cf14db0a39ce84aaced442"
        static let B =
            "eaba8f8b11ef15ddd6851c8d486d0e57ee3834db947d7895c7ee6693b952c94dcb2fb9887eb4410a1e03470657fe9256fe515a3266d005a9"
            + "7904a70af7d252feb772e2084202ea81389fd6e44ae2d5b8cb855a6af0876a1c54ef047cca5edb9fd1867dae902d0ee8dccdca10acecd0f8"
            + "8312a006c78b934b1be170bb00d842c80fddf108c96037f502bac0fc5bfab0553898ae9fa1e500cabc6d0988da25043bce3dfc66f365b43d"
            + "2e47270ba16c60a5a42a28c6c0315258146ab677b352154031e8d208cb4c34e35f7194ccf7036e71254bc3e0ea30db43650e992dbfa8bb8d"
            + "dfbb0a8b0f55767d8d0899bf8232dbed402b74ace360ec9d3132944d1ed30aecd2fa434cf0dfe1376169a35d34e7d087fb8f8f58983f3ede"
            + "53300736b95daa8529057f9cb56201de60ee59fb1dffae54551456d0b81e68336730961d4948fbe62d97bab274199ea3b37d87c0fa55f473"
            + "5ca7e8be6a3be87653d9d9124f56c30158e7ef7f7a3f4dbe351771868d3cf88c5c483898eb5bdbec805ea42d00e3a316"
        static let secretBlock = [UInt8](0..<73)
        static let timestamp = "Mon Nov 2 03:04:05 UTC 2026"
        static let signature = "RwO695RoQbg07necSW1wl1kkSX4Lbv5GY3KaAO/Dd9w="
    }

    @Test func multiplierIsPycognitosK() {
        #expect(SRPHex.encode(SRPGroup.multiplier) == Vector.k)
        #expect(SRPGroup.prime.count == 384)
    }

    @Test func knownAnswerFromPycognito() throws {
        let poolName = SRPGroup.poolName(fromPoolId: Vector.poolId)
        #expect(poolName == "Ab3dEfGhI")
        let stored = SRPVerifier.make(
            password: Vector.password, poolName: poolName, userIdForSRP: Vector.userIdForSRP,
            salt: try #require(SRPHex.decode(Vector.saltHex)))
        #expect(SRPHex.encode(stored.verifier) == Vector.v)
        let ephemeral = try SRPServer.ephemeral(verifier: stored.verifier, b: try #require(SRPHex.decode(Vector.b)))
        #expect(SRPHex.encode(ephemeral.B) == Vector.B)
        let clientA = try #require(SRPHex.decode(Vector.A))
        func verify(timestamp: String = Vector.timestamp, signature: String = Vector.signature, block: [UInt8] = Vector.secretBlock) -> Bool
        {
            SRPServer.verifyClaim(
                verifier: stored.verifier, clientA: clientA, ephemeral: ephemeral, poolName: poolName, userIdForSRP: Vector.userIdForSRP,
                secretBlock: block, timestamp: timestamp, signature: signature)
        }
        #expect(verify())
        #expect(!verify(timestamp: "Mon Nov 2 03:04:06 UTC 2026"))
        #expect(!verify(block: Array(Vector.secretBlock.dropLast())))
        #expect(!verify(signature: "SwO695RoQbg07necSW1wl1kkSX4Lbv5GY3KaAO/Dd9w="))
    }

    @Test(
        arguments: [
            ([], [0]), ([0, 0], [0]), ([0x7F], [0x7F]), ([0x80], [0, 0x80]), ([0, 0, 0x80, 1], [0, 0x80, 1]), ([0, 1, 2], [1, 2]),
        ] as [([UInt8], [UInt8])])
    func padIsPycognitosPadHex(input: [UInt8], padded: [UInt8]) {
        #expect(SRPGroup.pad(input) == padded)
    }

    @Test func hexDecodesEitherCaseAndOddLengths() {
        #expect(SRPHex.decode("aBc") == [0x0A, 0xBC])
        #expect(SRPHex.decode("00ff") == [0x00, 0xFF])
        #expect(SRPHex.decode("") == nil)
        #expect(SRPHex.decode("0x12") == nil)
        #expect(SRPHex.encodeInteger([0, 0, 0x0A]) == "0a")
        #expect(SRPHex.encodeInteger([]) == "0")
    }

    @Test(arguments: ["us-east-1_AbC123": "AbC123", "eu-west-1_x": "x", "nounderscore": "", "a_b_c": "b"])
    func poolNameIsWhatFollowsTheUnderscore(poolId: String, name: String) {
        #expect(SRPGroup.poolName(fromPoolId: poolId) == name)
    }

    /// Handshakes against the independent Swift client: the right password verifies, every altered input fails.
    @Test(arguments: 0..<12)
    func handshakeWithSwiftClient(round: Int) throws {
        let users = ["alice", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "Ünïcødé user", "a"]
        let passwords = ["Passw0rd!", "p", "pässwörd with spaces ✓", String(repeating: "x", count: 256)]
        let poolId = "us-east-1_Pool\(round)"
        let user = users[round % users.count]
        let password = passwords[(round / 2) % passwords.count]
        let poolName = SRPGroup.poolName(fromPoolId: poolId)

        let stored = SRPVerifier.make(password: password, poolName: poolName, userIdForSRP: user)
        #expect(stored.salt.count == 16 && stored.salt[0] != 0)
        let client = SRPTestClient(poolId: poolId, userIdForSRP: user, password: password)
        let clientA = try #require(SRPHex.decode(client.publicHex))
        let ephemeral = try SRPServer.start(verifier: stored.verifier, clientA: clientA)
        #expect(ephemeral.b.count == 32)
        #expect(!ephemeral.B.isEmpty && ephemeral.B[0] != 0)
        let block = SecureRandom.bytes(73)
        let timestamp = CognitoTimestamp.format(Date(timeIntervalSince1970: 1_790_000_000 + Double(round) * 86_400 * 3))
        let signature = client.signature(
            saltHex: stored.saltHex, serverBHex: SRPHex.encode(ephemeral.B), secretBlock: block, timestamp: timestamp)

        func verify(
            verifier: [UInt8] = stored.verifier, clientA: [UInt8] = clientA, ephemeral: SRPServerEphemeral = ephemeral,
            poolName: String = poolName, user: String = user, block: [UInt8] = block, timestamp: String = timestamp,
            signature: String = signature
        ) -> Bool {
            SRPServer.verifyClaim(
                verifier: verifier, clientA: clientA, ephemeral: ephemeral, poolName: poolName, userIdForSRP: user,
                secretBlock: block, timestamp: timestamp, signature: signature)
        }
        #expect(verify())
        #expect(verify(clientA: [0, 0] + clientA), "leading zero bytes of A do not change the integer")

        let wrongPassword = client.signature(
            saltHex: stored.saltHex, serverBHex: SRPHex.encode(ephemeral.B), secretBlock: block, timestamp: timestamp,
            passwordOverride: password + "x")
        #expect(!verify(signature: wrongPassword))
        #expect(!verify(timestamp: CognitoTimestamp.format(Date(timeIntervalSince1970: 1_790_000_001 + Double(round) * 86_400 * 3))))
        var tamperedBlock = block
        tamperedBlock[round % block.count] ^= 0x01
        #expect(!verify(block: tamperedBlock))
        #expect(!verify(user: user + "2"))
        #expect(!verify(poolName: poolName + "2"))
        let otherEphemeral = try SRPServer.start(verifier: stored.verifier, clientA: clientA)
        #expect(!verify(ephemeral: otherEphemeral), "another challenge's b and B")
        let otherVerifier = SRPVerifier.make(password: password, poolName: poolName, userIdForSRP: user)
        #expect(!verify(verifier: otherVerifier.verifier), "same password, other salt")
        #expect(!verify(signature: "not base64!"))
        #expect(!verify(signature: ""))
        #expect(!verify(clientA: []))
    }

    /// Cognito's timestamp format is part of the check: a claim signed over a zero-padded day is refused even though
    /// its HMAC is right, as Cognito refuses it.
    @Test func paddedDayIsRefusedEvenWhenSigned() throws {
        let stored = SRPVerifier.make(password: "pw", poolName: "P", userIdForSRP: "u")
        let client = SRPTestClient(poolId: "r_P", userIdForSRP: "u", password: "pw")
        let clientA = try #require(SRPHex.decode(client.publicHex))
        let ephemeral = try SRPServer.start(verifier: stored.verifier, clientA: clientA)
        for timestamp in ["Mon Nov 2 03:04:05 UTC 2026", "Mon Nov 02 03:04:05 UTC 2026"] {
            let signature = client.signature(
                saltHex: stored.saltHex, serverBHex: SRPHex.encode(ephemeral.B), secretBlock: [1, 2], timestamp: timestamp)
            let accepted = SRPServer.verifyClaim(
                verifier: stored.verifier, clientA: clientA, ephemeral: ephemeral, poolName: "P", userIdForSRP: "u", secretBlock: [1, 2],
                timestamp: timestamp, signature: signature)
            #expect(accepted == !timestamp.contains(" 02 "))
        }
    }

    static let multiplesOfN: [[UInt8]] = [[], [0], [0, 0, 0], SRPGroup.prime, [0] + SRPGroup.prime]

    @Test(arguments: multiplesOfN)
    func clientAZeroModuloNIsRefused(clientA: [UInt8]) {
        let stored = SRPVerifier.make(password: "pw", poolName: "P", userIdForSRP: "u")
        #expect(throws: CognitoCryptoError.invalidClientPublicValue) { try SRPServer.start(verifier: stored.verifier, clientA: clientA) }
    }

    @Test func clientALongerThanNIsRefused() {
        let stored = SRPVerifier.make(password: "pw", poolName: "P", userIdForSRP: "u")
        // 2N and N+1 shifted: more significant bytes than N has.
        #expect(throws: CognitoCryptoError.invalidClientPublicValue) {
            try SRPServer.start(verifier: stored.verifier, clientA: [1] + SRPGroup.prime)
        }
        #expect(throws: Never.self) { try SRPServer.start(verifier: stored.verifier, clientA: [2]) }
    }

    @Test func zeroVerifierIsRefused() {
        #expect(throws: CognitoCryptoError.invalidVerifier) { try SRPServer.start(verifier: SRPGroup.prime, clientA: [2]) }
        #expect(throws: CognitoCryptoError.invalidVerifier) { try SRPServer.ephemeral(verifier: [], b: [1]) }
    }

    @Test func errorsDescribeThemselvesWithoutValues() {
        let errors: [CognitoCryptoError] = [
            .invalidClientPublicValue, .invalidVerifier, .malformedSecretBlock, .malformedKey, .malformedToken, .unsupportedTokenAlgorithm,
            .unknownTokenKey, .invalidTokenSignature,
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(errors.allSatisfy { !$0.description.isEmpty })
        #expect(CognitoCryptoError.malformedKey != .malformedToken)
    }
}
