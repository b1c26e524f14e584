package import Crypto
package import Foundation

/// The `SECRET_BLOCK` of a PASSWORD_VERIFIER challenge: opaque to clients, which hash its bytes into the claim and
/// send it back as `PASSWORD_CLAIM_SECRET_BLOCK`.
///
/// Moat's block is 73 bytes, base64:
///
///     version (1) = 0x01 ‖ nonce (32, random) ‖ expiresAt (8, big-endian seconds since 1970) ‖ tag (32)
///     tag = HMAC-SHA256(key, "moat.cognito.srp-secret-block.v1" ‖ 00 ‖ len‖poolId ‖ len‖userIdForSRP ‖ len‖B
///                            ‖ nonce ‖ expiresAt)         (len: 4-byte big-endian byte count)
///
/// - Unforgeable: without the server's key no one can make a tag, and the tag binds the block to its pool, its
///   user, the challenge's `B` and its expiry, so a block cannot be moved to another user or challenge.
/// - Single use: the service stores the pending challenge (`b`, `B`, `A`, pool, user, expiry) under
///   ``storageKey`` when it issues the block, and on RespondToAuthChallenge removes that row atomically
///   (`DELETE … RETURNING`, or a delete whose affected-row count must be 1) *before* it checks the claim; a block
///   whose row is gone is refused. The row, not the block, carries `b`, so a replayed block has nothing to
///   verify against.
///
/// Flow: ``issue(key:poolId:userIdForSRP:serverB:expiresAt:)`` → store under ``storageKey`` → send ``encoded``;
/// later ``decode(_:)`` → take the row by ``storageKey`` → ``isValid(key:poolId:userIdForSRP:serverB:now:)`` →
/// ``SRPServer/verifyClaim(verifier:clientA:ephemeral:poolName:userIdForSRP:secretBlock:timestamp:signature:)``
/// with ``bytes``.
package struct SRPSecretBlock: Sendable, Equatable {
    static let version: UInt8 = 1
    static let nonceCount = 32
    static let byteCount = 1 + nonceCount + 8 + 32
    private static let domain = Array("moat.cognito.srp-secret-block.v1".utf8) + [0]

    /// The random part, 32 bytes.
    package let nonce: [UInt8]
    /// When the challenge expires, in whole seconds since 1970.
    package let expiresAt: Int64
    /// The MAC over the block's binding.
    let tag: [UInt8]

    /// The raw block: what the claim's HMAC covers.
    package var bytes: [UInt8] {
        var out = [Self.version] + nonce
        withUnsafeBytes(of: UInt64(bitPattern: expiresAt).bigEndian) { out.append(contentsOf: $0) }
        return out + tag
    }

    /// The block as `SECRET_BLOCK` carries it (standard base64, padded).
    package var encoded: String { Data(bytes).base64EncodedString() }

    /// The key to store the pending challenge under: hex SHA-256 of the nonce, so a database reader cannot rebuild a
    /// block from a row.
    package var storageKey: String { SRPHex.encode(Array(SHA256.hash(data: nonce))) }

    /// A new block for a challenge.
    /// - Parameters:
    ///   - key: the server's secret-block key (per install; derive it from the master key).
    ///   - poolId: the full user pool id.
    ///   - userIdForSRP: the `USER_ID_FOR_SRP` of the challenge.
    ///   - serverB: the challenge's `B` (``SRPServerEphemeral/B``).
    ///   - expiresAt: when the challenge ends.
    package static func issue(key: SymmetricKey, poolId: String, userIdForSRP: String, serverB: [UInt8], expiresAt: Date) -> SRPSecretBlock
    {
        let nonce = SecureRandom.bytes(nonceCount)
        let expiry = Int64(expiresAt.timeIntervalSince1970.rounded(.up))
        let tag = Self.tag(key: key, poolId: poolId, userIdForSRP: userIdForSRP, serverB: serverB, nonce: nonce, expiresAt: expiry)
        return SRPSecretBlock(nonce: nonce, expiresAt: expiry, tag: tag)
    }

    /// Reads a block without checking it: enough to find its stored challenge.
    /// - Parameter encoded: `PASSWORD_CLAIM_SECRET_BLOCK` as the client sent it.
    /// - Throws: ``CognitoCryptoError/malformedSecretBlock`` unless it is base64 of a block in this format.
    package static func decode(_ encoded: String) throws(CognitoCryptoError) -> SRPSecretBlock {
        guard let data = Data(base64Encoded: encoded), data.count == byteCount, data.first == version else {
            throw .malformedSecretBlock
        }
        let raw = Array(data)
        let expiry = raw[(1 + nonceCount)..<(1 + nonceCount + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return SRPSecretBlock(
            nonce: Array(raw[1..<(1 + nonceCount)]), expiresAt: Int64(bitPattern: expiry), tag: Array(raw[(1 + nonceCount + 8)...]))
    }

    /// Whether this server issued the block for this pool, user and `B`, and it has not expired. The tag is
    /// compared in constant time.
    /// - Parameters:
    ///   - key: the key it was issued under.
    ///   - poolId: the pool of the stored challenge.
    ///   - userIdForSRP: the user of the stored challenge.
    ///   - serverB: the `B` of the stored challenge.
    ///   - now: the current time (injected).
    package func isValid(key: SymmetricKey, poolId: String, userIdForSRP: String, serverB: [UInt8], now: Date) -> Bool {
        let message = Self.message(poolId: poolId, userIdForSRP: userIdForSRP, serverB: serverB, nonce: nonce, expiresAt: expiresAt)
        let authentic = HMAC<SHA256>.isValidAuthenticationCode(tag, authenticating: message, using: key)
        return authentic && now.timeIntervalSince1970 < TimeInterval(expiresAt)
    }

    private static func tag(key: SymmetricKey, poolId: String, userIdForSRP: String, serverB: [UInt8], nonce: [UInt8], expiresAt: Int64)
        -> [UInt8]
    {
        let message = message(poolId: poolId, userIdForSRP: userIdForSRP, serverB: serverB, nonce: nonce, expiresAt: expiresAt)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    private static func message(poolId: String, userIdForSRP: String, serverB: [UInt8], nonce: [UInt8], expiresAt: Int64) -> [UInt8] {
        var out = domain
        for field in [Array(poolId.utf8), Array(userIdForSRP.utf8), SRPGroup.pad(serverB)] {
            withUnsafeBytes(of: UInt32(field.count).bigEndian) { out.append(contentsOf: $0) }
            out += field
        }
        out += nonce
        withUnsafeBytes(of: UInt64(bitPattern: expiresAt).bigEndian) { out.append(contentsOf: $0) }
        return out
    }
}
