import Synchronization

/// Bounds the AWS requests handled at once, so that a flood is refused quickly instead of slowing every client.
final class InFlightLimit: Sendable {
    let maximum: Int
    private let current = Mutex(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Takes a slot; false when all are taken.
    func acquire() -> Bool {
        current.withLock { count in
            guard count < maximum else { return false }
            count += 1
            return true
        }
    }

    func release() {
        current.withLock { $0 -= 1 }
    }

    var inFlight: Int { current.withLock { $0 } }
}
