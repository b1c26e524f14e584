public import Crypto
import Synchronization

/// Signing keys derived from a secret and a credential scope (four HMACs), kept so that a key that signs many
/// requests on one day for one service derives its signing key once.
///
/// Bounded: when full, it starts over. The secrets it is keyed by are already held in memory by the credential cache.
public final class SigV4SigningKeyCache: Sendable {
    public let capacity: Int
    private let keys = Mutex<[String: SymmetricKey]>([:])

    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func key(secretAccessKey: String, scope: SigV4Credential) -> SymmetricKey {
        let name = scope.scope + "\u{0}" + secretAccessKey
        if let cached = keys.withLock({ $0[name] }) { return cached }
        let derived = SigV4Signing.signingKey(secretAccessKey: secretAccessKey, scope: scope)
        keys.withLock { keys in
            if keys.count >= capacity { keys.removeAll() }
            keys[name] = derived
        }
        return derived
    }
}
