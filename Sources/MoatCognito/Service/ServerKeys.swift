import Crypto
import Foundation
import MoatCore
import NIOPosix

/// The service's own keys, derived from the master key so that every node of an install agrees on them and no other
/// install shares them.
struct ServerKeys: Sendable {
    /// Authenticates SRP secret blocks (``SRPSecretBlock``).
    let secretBlock: SymmetricKey
    /// Derives the stable fake SRP salt and verifier of users who do not exist, so that USER_SRP_AUTH answers for
    /// them exactly as for real users when the client prevents user existence errors.
    let unknownUser: SymmetricKey
    /// Keys the digests of verification codes (``VerificationCode``).
    let codes: SymmetricKey

    init(masterKey: SymmetricKey) {
        func derive(_ label: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("moat.cognito.\(label).v1".utf8), outputByteCount: 32)
        }
        secretBlock = derive("srp-secret-block")
        unknownUser = derive("unknown-user")
        codes = derive("verification-code")
    }

    /// The verifier Moat pretends an unknown user has: a random-looking `v` and salt, the same on every call for the
    /// same pool and name, so that two attempts cannot tell a real user from a missing one.
    func fakeVerifier(poolId: String, username: String) -> SRPVerifier {
        let seed = Array(HMAC<SHA256>.authenticationCode(for: Data("\(poolId)\u{0}\(username)".utf8), using: unknownUser))
        var salt = Array(seed.prefix(16))
        if salt[0] == 0 { salt[0] = 1 }
        // Any password will do: the verifier's only use is to answer with a plausible `B`.
        return SRPVerifier.make(password: Hex.lowercase(seed), poolName: poolId, userIdForSRP: username, salt: salt)
    }
}

/// Runs long CPU-bound work (password hashing, SRP, RSA key generation) on NIO's blocking thread pool, off the event
/// loop that every request's task runs on.
enum OffLoop {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
