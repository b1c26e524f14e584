import Crypto
import Foundation
import Synchronization

/// Tokens that passed every check of one verifier, by SHA-256 of the token, until they expire.
///
/// An RS256 verification costs about as much as serving a small request, and a client sends the same token with
/// every request until it expires. A hit skips the signature and the claim checks, which depend only on the token and
/// the verifier's fixed settings; expiry is checked again on every hit, and the scopes a route requires on every
/// call. Keyed by a digest so that the cache holds no bearer token that could be read back from memory dumps.
final class VerifiedTokenCache: Sendable {
    private let entries = Mutex<[SHA256Digest: VerifiedToken]>([:])
    /// The most tokens kept; 0 turns the cache off.
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// The verified token with this digest, if one is kept.
    func get(_ digest: SHA256Digest) -> VerifiedToken? {
        guard capacity > 0 else { return nil }
        return entries.withLock { $0[digest] }
    }

    /// Keeps a verified token. When full, expired tokens are dropped first and, if that frees nothing, all of them:
    /// filling the cache takes that many valid tokens, and the cost of emptying it is one verification per token.
    func put(_ digest: SHA256Digest, _ token: VerifiedToken, now: Date) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[digest] = token
        }
    }

    /// Drops a token (found expired).
    func remove(_ digest: SHA256Digest) {
        _ = entries.withLock { $0.removeValue(forKey: digest) }
    }

    /// How many tokens are kept.
    var count: Int { entries.withLock { $0.count } }
}
