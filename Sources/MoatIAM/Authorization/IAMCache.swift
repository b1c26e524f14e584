import MoatCore
import Synchronization

/// What authorizing and answering a request needs — access keys with their principals, the policies of each principal,
/// users and roles by name — kept per node so that a signed request does not read IAM's tables every time.
///
/// Changes made on this node drop the cache at once (``IAMStore/write(_:)``). Changes made by another node sharing the
/// database advance the IAM generation there; this node reads the generation at most once per ``refreshInterval`` and
/// drops everything when it moved, so another node's change is seen within that interval (IAM on AWS is eventually
/// consistent too). Entries are bounded by ``capacity``; unknown keys are never cached.
final class IAMCache: Sendable {
    let refreshInterval: Duration
    let capacity: Int

    private struct State {
        /// Advanced on every invalidation; a value read before an invalidation must not be stored after it.
        var epoch: UInt64 = 0
        var generation: Int64?
        var checkedAt: ContinuousClock.Instant?
        var entries: [Key: any Sendable] = [:]
    }

    /// What an entry is: an access key's credential, a caller's policies, a user or role by lowercased name.
    enum Key: Hashable, Sendable {
        case credential(String)
        case policies(String)
        case user(String)
        case role(String)
    }

    private let state = Mutex(State())

    init(refreshInterval: Duration = .seconds(1), capacity: Int = 10_000) {
        self.refreshInterval = refreshInterval
        self.capacity = capacity
    }

    func invalidate() {
        state.withLock { Self.clear(&$0) }
    }

    /// Drops everything when the database's generation moved since the last check, checking at most once per interval.
    func synchronize(generation read: () async throws -> Int64) async throws {
        let now = ContinuousClock.now
        // The first request past the interval claims the check; the others go on with the cache meanwhile.
        let isDue = state.withLock { state in
            guard state.checkedAt.map({ now - $0 >= refreshInterval }) ?? true else { return false }
            state.checkedAt = now
            return true
        }
        guard isDue else { return }
        let generation: Int64
        do {
            generation = try await read()
        } catch {
            state.withLock { $0.checkedAt = nil }
            throw error
        }
        state.withLock { state in
            if state.generation != generation {
                Self.clear(&state)
                state.generation = generation
            }
        }
    }

    /// The current epoch, to pass back when storing what was read after this call.
    var epoch: UInt64 { state.withLock { $0.epoch } }

    func value<Value: Sendable>(_ key: Key, as type: Value.Type = Value.self) -> Value? {
        state.withLock { $0.entries[key] as? Value }
    }

    /// Keeps `value` unless the cache was invalidated since `epoch`, when it may already be stale.
    func store<Value: Sendable>(_ value: Value, for key: Key, readAt epoch: UInt64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.entries.count >= capacity { state.entries.removeAll() }
            state.entries[key] = value
        }
    }

    /// The cached value of `key`, or else what `load` reads, remembered when it exists. Nothing absent is cached.
    func readThrough<Value: Sendable>(
        _ key: Key,
        generation: () async throws -> Int64,
        load: () async throws -> Value?
    ) async throws -> Value? {
        try await synchronize(generation: generation)
        if let cached: Value = value(key) { return cached }
        let epoch = self.epoch
        guard let loaded = try await load() else { return nil }
        store(loaded, for: key, readAt: epoch)
        return loaded
    }

    private static func clear(_ state: inout State) {
        state.epoch &+= 1
        state.entries.removeAll()
    }
}
