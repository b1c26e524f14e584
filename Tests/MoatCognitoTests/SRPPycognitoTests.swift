import Crypto
import Foundation
import MoatCognito
import Testing

/// pycognito's `AWSSRP` (Tests/MoatCognitoTests/Python/srp_client.py) as the client, the Swift server math as the
/// server: Swift makes salt, verifier, B and the secret block; python makes A and the claim.
@Suite(.timeLimit(.minutes(10))) struct SRPPycognitoTests {
    struct Outcome {
        let accepted: Bool
        let responses: [String: Any]
        /// Re-checks the claim with altered responses.
        let verify: ([String: Any]) -> Bool
    }

    let key = SymmetricKey(size: .bits256)
    let now = Date()

    /// One USER_SRP_AUTH handshake. `clientPassword` is what the user types; `password` is what was stored.
    func handshake(poolId: String, user: String, password: String, clientPassword: String? = nil, clock: String? = nil) throws -> Outcome {
        let session = try PythonClient.Session("srp_client.py")
        defer { session.close() }
        let begin = try session.request(["op": "begin", "username": "alice", "password": clientPassword ?? password, "pool_id": poolId])
        let clientAHex = try #require(begin["A"] as? String)
        let clientA = try #require(SRPHex.decode(clientAHex))

        let poolName = SRPGroup.poolName(fromPoolId: poolId)
        let stored = SRPVerifier.make(password: password, poolName: poolName, userIdForSRP: user)
        let ephemeral = try SRPServer.start(verifier: stored.verifier, clientA: clientA)
        let block = SRPSecretBlock.issue(
            key: key, poolId: poolId, userIdForSRP: user, serverB: ephemeral.B, expiresAt: now.addingTimeInterval(180))
        let challenge = [
            "USER_ID_FOR_SRP": user, "SALT": stored.saltHex, "SRP_B": SRPHex.encode(ephemeral.B), "SECRET_BLOCK": block.encoded,
            "USERNAME": "alice",
        ]
        let responses = try session.request(["op": "answer", "challenge": challenge, "now": clock ?? NSNull()])

        let verify: ([String: Any]) -> Bool = { responses in
            guard let blockText = responses["PASSWORD_CLAIM_SECRET_BLOCK"] as? String,
                let received = try? SRPSecretBlock.decode(blockText),
                received.storageKey == block.storageKey,
                received.isValid(key: key, poolId: poolId, userIdForSRP: user, serverB: ephemeral.B, now: now),
                let timestamp = responses["TIMESTAMP"] as? String,
                let signature = responses["PASSWORD_CLAIM_SIGNATURE"] as? String
            else { return false }
            return SRPServer.verifyClaim(
                verifier: stored.verifier, clientA: clientA, ephemeral: ephemeral, poolName: poolName, userIdForSRP: user,
                secretBlock: received.bytes, timestamp: timestamp, signature: signature)
        }
        return Outcome(accepted: verify(responses), responses: responses, verify: verify)
    }

    @Test(arguments: [
        ("us-east-1_AbCdEf123", "alice", "Passw0rd!"),
        ("eu-central-1_Zz9", "3b7c2f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "pässwörd ✓ with spaces"),
        ("ap-southeast-2_Q", "x", String(repeating: "long", count: 64)),
    ])
    func pycognitoSignsInWithTheRightPassword(poolId: String, user: String, password: String) throws {
        let outcome = try handshake(poolId: poolId, user: user, password: password)
        #expect(outcome.accepted)
        #expect(outcome.responses["USERNAME"] as? String == "alice")
    }

    @Test func pycognitoWithAWrongPasswordIsRefused() throws {
        #expect(try !handshake(poolId: "us-east-1_AbC", user: "alice", password: "Passw0rd!", clientPassword: "Passw0rd?").accepted)
        #expect(try !handshake(poolId: "us-east-1_AbC", user: "alice", password: "Passw0rd!", clientPassword: "").accepted)
    }

    @Test func aTamperedTimestampIsRefused() throws {
        let outcome = try handshake(poolId: "us-east-1_AbC", user: "alice", password: "Passw0rd!")
        #expect(outcome.accepted)
        let timestamp = try #require(outcome.responses["TIMESTAMP"] as? String)
        let instant = try #require(CognitoTimestamp.parse(timestamp))
        var altered = outcome.responses
        altered["TIMESTAMP"] = CognitoTimestamp.format(instant.addingTimeInterval(1))
        #expect(!outcome.verify(altered))
        altered["TIMESTAMP"] = timestamp + " "
        #expect(!outcome.verify(altered))
        altered = outcome.responses
        altered["PASSWORD_CLAIM_SECRET_BLOCK"] =
            SRPSecretBlock.issue(
                key: key, poolId: "us-east-1_AbC", userIdForSRP: "alice", serverB: [1], expiresAt: now.addingTimeInterval(60)
            ).encoded
        #expect(!outcome.verify(altered), "another block")
    }

    /// A single-digit day through an injected clock: pycognito writes `Mon Nov 2 …` and the claim verifies.
    @Test func aSingleDigitDayVerifies() throws {
        let outcome = try handshake(poolId: "us-east-1_AbC", user: "alice", password: "Passw0rd!", clock: "2026-11-02T03:04:05")
        #expect(outcome.responses["TIMESTAMP"] as? String == "Mon Nov 2 03:04:05 UTC 2026")
        #expect(outcome.accepted)
    }

    @Test func timestampsMatchPycognitosFormatter() throws {
        var generator = SystemRandomNumberGenerator()
        let seconds: [Int64] =
            (0..<400).map { _ in Int64.random(in: 0..<4_102_444_800, using: &generator) } + [0, 1_793_588_645, 951_782_400]
        let reply = try PythonClient.run("srp_client.py", input: ["op": "timestamps", "seconds": seconds])
        let expected = try #require(reply["timestamps"] as? [String])
        #expect(expected == seconds.map { CognitoTimestamp.format(epochSeconds: $0) })
    }
}
