import Crypto
import Foundation

/// The server's ephemeral SRP values for one USER_SRP_AUTH challenge.
package struct SRPServerEphemeral: Sendable {
    /// The secret exponent `b`, 32 big-endian bytes. Kept server-side with the challenge, never sent.
    package let b: [UInt8]
    /// `B = (k·v + g^b) mod N`, big-endian without leading zero bytes; sent as `SRP_B` (``SRPHex/encode(_:)``).
    package let B: [UInt8]
}

/// The server side of Cognito's USER_SRP_AUTH (SRP-6a with Cognito's conventions, ``SRPGroup``).
///
/// InitiateAuth calls ``start(verifier:clientA:)`` and answers PASSWORD_VERIFIER with `SRP_B`, `SALT`,
/// `SECRET_BLOCK` (``SRPSecretBlock``) and `USER_ID_FOR_SRP`; RespondToAuthChallenge calls
/// ``verifyClaim(verifier:clientA:ephemeral:poolName:userIdForSRP:secretBlock:timestamp:signature:)``.
/// Both are milliseconds of CPU: run them off the event loops.
package enum SRPServer {
    /// Checks the client's `A` and makes the server's ephemeral values.
    /// - Parameters:
    ///   - verifier: the user's stored `v`, big-endian.
    ///   - clientA: `SRP_A`, big-endian (``SRPHex/decode(_:)`` of the parameter).
    /// - Throws: ``CognitoCryptoError/invalidClientPublicValue`` when `A mod N = 0` or `A` is longer than N;
    ///   ``CognitoCryptoError/invalidVerifier`` when `v mod N = 0`.
    package static func start(verifier: [UInt8], clientA: [UInt8]) throws(CognitoCryptoError) -> SRPServerEphemeral {
        try checkClientPublicValue(clientA)
        while true {
            let ephemeral = try ephemeral(verifier: verifier, b: SecureRandom.bytes(32))
            if !ephemeral.B.isEmpty { return ephemeral }  // empty: B mod N = 0, draw another b
        }
    }

    /// `B` for a given `b`. Exposed for known-answer tests; the service uses ``start(verifier:clientA:)``.
    /// - Parameters:
    ///   - verifier: the user's stored `v`, big-endian.
    ///   - b: the server's secret exponent, big-endian.
    package static func ephemeral(verifier: [UInt8], b: [UInt8]) throws(CognitoCryptoError) -> SRPServerEphemeral {
        let group = SRPGroup.modulus
        let v = group.reduce(BigNumber(bytes: verifier))
        guard !v.isZero else { throw .invalidVerifier }
        let kv = group.multiply(SRPGroup.multiplierNumber, v)
        let gb = group.power(SRPGroup.generatorNumber, BigNumber(bytes: b))
        return SRPServerEphemeral(b: b, B: group.add(kv, gb).bytes)
    }

    /// Whether `PASSWORD_CLAIM_SIGNATURE` proves knowledge of the password.
    ///
    /// Computes `u = H(PAD(A) | PAD(B))` (refusing `u = 0`), `S = (A · v^u)^b mod N`,
    /// `K = HKDF(PAD(S), salt: PAD(u), info: "Caldera Derived Key")[0..<16]` and compares, in constant time,
    /// `HMAC-SHA256(K, poolName | userIdForSRP | secretBlock | timestamp)` with the signature. A timestamp not in
    /// Cognito's exact format (``CognitoTimestamp``) is refused, as Cognito refuses a zero-padded day.
    /// The caller has already checked that the secret block is one it issued for this challenge and not yet used
    /// (``SRPSecretBlock``).
    /// - Parameters:
    ///   - verifier: the user's stored `v`.
    ///   - clientA: the `SRP_A` of the InitiateAuth that made this challenge.
    ///   - ephemeral: the values ``start(verifier:clientA:)`` returned for it.
    ///   - poolName: the part of the pool id after `_`.
    ///   - userIdForSRP: the `USER_ID_FOR_SRP` of the challenge.
    ///   - secretBlock: the bytes of `PASSWORD_CLAIM_SECRET_BLOCK` (base64-decoded).
    ///   - timestamp: `TIMESTAMP` as the client sent it.
    ///   - signature: `PASSWORD_CLAIM_SIGNATURE`, base64.
    package static func verifyClaim(
        verifier: [UInt8],
        clientA: [UInt8],
        ephemeral: SRPServerEphemeral,
        poolName: String,
        userIdForSRP: String,
        secretBlock: [UInt8],
        timestamp: String,
        signature: String
    ) -> Bool {
        guard CognitoTimestamp.isWellFormed(timestamp) else { return false }
        guard let claimed = Data(base64Encoded: signature), claimed.count == SHA256.byteCount else { return false }
        guard let key = try? sessionKey(verifier: verifier, clientA: clientA, ephemeral: ephemeral) else { return false }
        let message = Array(poolName.utf8) + Array(userIdForSRP.utf8) + secretBlock + Array(timestamp.utf8)
        return HMAC<SHA256>.isValidAuthenticationCode(claimed, authenticating: message, using: key)
    }

    /// `K`, the 16-byte key both sides derive.
    static func sessionKey(verifier: [UInt8], clientA: [UInt8], ephemeral: SRPServerEphemeral) throws(CognitoCryptoError) -> SymmetricKey {
        try checkClientPublicValue(clientA)
        let group = SRPGroup.modulus
        let u = SRPGroup.scrambler(clientA: clientA, serverB: ephemeral.B)
        guard u.contains(where: { $0 != 0 }) else { throw .invalidClientPublicValue }
        let v = group.reduce(BigNumber(bytes: verifier))
        guard !v.isZero else { throw .invalidVerifier }
        let vu = group.power(v, BigNumber(bytes: u))
        let base = group.multiply(BigNumber(bytes: clientA), vu)
        let s = group.power(base, BigNumber(bytes: ephemeral.b))
        return SRPGroup.sessionKey(premasterSecret: s.bytes, scrambler: u)
    }

    /// Refuses `A mod N = 0`, and any `A` longer than N: clients send `g^a mod N`, and the bound keeps a hostile
    /// `SRP_A` from costing more than one honest one.
    private static func checkClientPublicValue(_ clientA: [UInt8]) throws(CognitoCryptoError) {
        let significant = clientA.drop { $0 == 0 }
        guard significant.count <= SRPGroup.prime.count else { throw .invalidClientPublicValue }
        guard !SRPGroup.modulus.reduce(BigNumber(bytes: Array(significant))).isZero else { throw .invalidClientPublicValue }
    }
}
