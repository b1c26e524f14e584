import MoatCore
import Synchronization

/// What authorizing a request needs — access keys with their principals, and the policies of each principal — kept
/// per node so that a signed request does not read IAM's tables every time.
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
        var credentials: [String: SigningCredential] = [:]
        var policies: [String: IAMAuthorizer.ApplicablePolicies] = [:]
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
        let isDue = state.withLock { state in state.checkedAt.map { now - $0 >= refreshInterval } ?? true }
        guard isDue else { return }
        let generation = try await read()
        state.withLock { state in
            if state.generation != generation {
                Self.clear(&state)
                state.generation = generation
            }
            state.checkedAt = now
        }
    }

    /// The current epoch, to pass back when storing what was read after this call.
    var epoch: UInt64 { state.withLock { $0.epoch } }

    func credential(_ accessKeyId: String) -> SigningCredential? {
        state.withLock { $0.credentials[accessKeyId] }
    }

    func store(_ credential: SigningCredential, readAt epoch: UInt64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.credentials.count >= capacity { state.credentials.removeAll() }
            state.credentials[credential.accessKeyId] = credential
        }
    }

    func policies(_ key: String) -> IAMAuthorizer.ApplicablePolicies? {
        state.withLock { $0.policies[key] }
    }

    func store(_ policies: IAMAuthorizer.ApplicablePolicies, for key: String, readAt epoch: UInt64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.policies.count >= capacity { state.policies.removeAll() }
            state.policies[key] = policies
        }
    }

    private static func clear(_ state: inout State) {
        state.epoch &+= 1
        state.credentials.removeAll()
        state.policies.removeAll()
    }
}
