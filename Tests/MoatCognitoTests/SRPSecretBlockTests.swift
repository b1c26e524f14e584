import Crypto
import Foundation
import MoatCognito
import Testing

@Suite struct SRPSecretBlockTests {
    let key = SymmetricKey(size: .bits256)
    let serverB: [UInt8] = [0x9A] + SecureRandom.bytes(383)
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func issue() -> SRPSecretBlock {
        SRPSecretBlock.issue(
            key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB, expiresAt: now.addingTimeInterval(180))
    }

    @Test func decodesWhatItIssuedAndValidatesItsBinding() throws {
        let block = issue()
        let decoded = try SRPSecretBlock.decode(block.encoded)
        #expect(decoded == block)
        #expect(decoded.bytes == Array(Data(base64Encoded: block.encoded)!))
        #expect(decoded.storageKey == block.storageKey && block.storageKey.count == 64)
        #expect(decoded.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB, now: now))
        #expect(
            decoded.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: [0] + serverB, now: now), "B as an integer"
        )
    }

    @Test func refusesAnyOtherBinding() throws {
        let block = issue()
        #expect(
            !block.isValid(key: SymmetricKey(size: .bits256), poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB, now: now))
        #expect(!block.isValid(key: key, poolId: "us-east-1_Other", userIdForSRP: "user-1", serverB: serverB, now: now))
        #expect(!block.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-2", serverB: serverB, now: now))
        #expect(!block.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB.dropLast() + [0], now: now))
        // Length prefixes keep field boundaries: moving a character from pool to user changes the tag.
        #expect(!block.isValid(key: key, poolId: "us-east-1_Poo", userIdForSRP: "luser-1", serverB: serverB, now: now))
    }

    @Test func expires() {
        let block = issue()
        #expect(
            block.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB, now: now.addingTimeInterval(179)))
        #expect(
            !block.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB, now: now.addingTimeInterval(180)))
    }

    @Test func everyFlippedBitIsRefused() throws {
        let block = issue()
        let raw = block.bytes
        for index in raw.indices {
            var altered = raw
            altered[index] ^= 0x40
            let text = Data(altered).base64EncodedString()
            if let decoded = try? SRPSecretBlock.decode(text) {
                #expect(
                    !decoded.isValid(key: key, poolId: "us-east-1_Pool", userIdForSRP: "user-1", serverB: serverB, now: now),
                    "byte \(index)")
                #expect(decoded.storageKey != block.storageKey || index >= 33, "a changed nonce changes the storage key")
            }
        }
    }

    @Test func eachIssueIsUnique() {
        let blocks = (0..<32).map { _ in issue() }
        #expect(Set(blocks.map(\.storageKey)).count == 32)
        #expect(Set(blocks.map(\.encoded)).count == 32)
    }

    @Test(arguments: [
        "", "not base64", Data([1, 2, 3]).base64EncodedString(), Data([UInt8](repeating: 2, count: 73)).base64EncodedString(),
        Data([UInt8](repeating: 1, count: 74)).base64EncodedString(),
    ])
    func malformedBlocksAreRefused(text: String) {
        #expect(throws: CognitoCryptoError.malformedSecretBlock) { try SRPSecretBlock.decode(text) }
    }
}
