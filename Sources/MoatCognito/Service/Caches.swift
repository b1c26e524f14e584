import Crypto
import Foundation
import MoatCore
import Synchronization

/// Records the sign-in paths read on every request (pools, app clients), kept decoded for a short time.
///
/// A node drops an entry at once when it changes the record itself; a change made on another node of a PostgreSQL
/// scale-out is seen within ``lifetime``. Missing records are not kept, so a new pool or client is seen at once.
final class RecordCache<Record: Sendable>: Sendable {
    private struct Entry {
        var record: Record
        var loadedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration
    /// Past this many entries the cache starts again empty: pools and clients are few, and a flood of ids must not
    /// grow memory without bound.
    let capacity: Int

    init(lifetime: Duration, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The record under `key`, loading it when it is missing or older than ``lifetime``.
    func value(_ key: String, load: () async throws -> Record?) async throws -> Record? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), now - entry.loadedAt < lifetime { return entry.record }
        guard let record = try await load() else {
            remove(key)
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = Entry(record: record, loadedAt: now)
        }
        return record
    }

    func remove(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
    func removeAll() { entries.withLock { $0.removeAll() } }
}

/// Access tokens whose signature was checked, by SHA-256 of the whole token, until they expire.
///
/// Verifying RS256 and parsing the claims is most of what a token-authenticated call costs; a token's signature stays
/// valid as long as its pool's key, which never changes (a deleted pool's entries are dropped with it). Expiry,
/// revocation and the user's state are still checked on every call.
final class VerifiedTokenCache: Sendable {
    struct Verified: Sendable {
        var poolId: String
        var claims: JSONValue
        var expiresAt: Double
    }

    private let entries = Mutex<[SHA256Digest: Verified]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func get(_ token: String) -> Verified? {
        let key = SHA256.hash(data: Data(token.utf8))
        return entries.withLock { $0[key] }
    }

    func put(_ token: String, _ verified: Verified, now: Date) {
        let key = SHA256.hash(data: Data(token.utf8))
        entries.withLock { entries in
            if entries.count >= capacity {
                let now = now.timeIntervalSince1970
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = verified
        }
    }

    func remove(poolId: String) { entries.withLock { $0 = $0.filter { $0.value.poolId != poolId } } }
    func removeAll() { entries.withLock { $0.removeAll() } }
}

/// GetUser's answer to "whose token is this, and is its sign-in live", kept for a second at most and dropped by any
/// change this node makes to users or sign-ins (``ChangeCounter``). On a PostgreSQL scale-out, a revocation made on
/// another node reaches this node's GetUser within the second; every other token-authenticated call reads the
/// database.
final class TokenHolderCache: Sendable {
    private struct Entry {
        var user: UserRecord
        var live: Bool
        var generation: Int
        var loadedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(1), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func get(originJti: String, sub: String, generation: Int) -> (user: UserRecord, live: Bool)? {
        let now = ContinuousClock.now
        guard let entry = entries.withLock({ $0[originJti + "/" + sub] }), entry.generation == generation,
            now - entry.loadedAt < lifetime
        else { return nil }
        return (entry.user, entry.live)
    }

    func put(originJti: String, sub: String, user: UserRecord, live: Bool, generation: Int) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[originJti + "/" + sub] = Entry(user: user, live: live, generation: generation, loadedAt: .now)
        }
    }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
