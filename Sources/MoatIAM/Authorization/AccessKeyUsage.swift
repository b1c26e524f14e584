import Synchronization

/// Throttles the writes of access keys' last use: at most one per key per interval (AWS reports it to the minute at best).
final class AccessKeyUsage: Sendable {
    let interval: Duration
    let capacity: Int
    private let written = Mutex<[String: ContinuousClock.Instant]>([:])

    init(interval: Duration = .seconds(60), capacity: Int = 10_000) {
        self.interval = interval
        self.capacity = capacity
    }

    /// Whether a use of `accessKeyId` should be written now; claims the slot when it should.
    func isDue(_ accessKeyId: String) -> Bool {
        let now = ContinuousClock.now
        return written.withLock { written in
            if let last = written[accessKeyId], now - last < interval { return false }
            if written.count >= capacity { written.removeAll() }
            written[accessKeyId] = now
            return true
        }
    }
}
