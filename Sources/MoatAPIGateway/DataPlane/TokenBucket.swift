import Synchronization

/// API Gateway's throttling for one method: a bucket of `burst` tokens, full at first, refilled continuously at
/// `rate` tokens a second; a request takes one token or is throttled (429).
///
/// A negative rate or burst means "not throttled" (as `-1` does in method settings); a zero burst, or a zero rate
/// once the burst is spent, throttles everything.
package struct TokenBucket: Sendable, Equatable {
    package let rate: Double
    package let burst: Int
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    /// - Parameters:
    ///   - rate: tokens added per second (`throttlingRateLimit`).
    ///   - burst: the bucket's size (`throttlingBurstLimit`).
    ///   - now: when the bucket starts, full.
    package init(rate: Double, burst: Int, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = burst
        self.tokens = Double(max(burst, 0))
        self.updated = now
    }

    /// The bucket's limits from a method's settings (API Gateway's defaults, 10,000 a second with bursts of 5,000,
    /// for a setting left out).
    package init(settings: APIGateway.MethodSetting, now: ContinuousClock.Instant) {
        self.init(
            rate: settings.throttlingRateLimit ?? MethodSettingsKey.defaults.throttlingRateLimit ?? 10_000,
            burst: settings.throttlingBurstLimit ?? MethodSettingsKey.defaults.throttlingBurstLimit ?? 5_000,
            now: now
        )
    }

    private var isUnlimited: Bool { rate < 0 || burst < 0 }

    /// Tokens available at `now` (fractions included), after refilling.
    package func available(now: ContinuousClock.Instant) -> Double {
        guard !isUnlimited else { return .infinity }
        let elapsed = max(updated.duration(to: now), .zero)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(Double(burst), tokens + seconds * rate)
    }

    /// Takes one token if there is one.
    /// - Parameters:
    ///   - now: the current instant; an instant earlier than the last one seen adds nothing.
    /// - Returns: whether the request may go on.
    package mutating func tryTake(now: ContinuousClock.Instant) -> Bool {
        guard !isUnlimited else { return true }
        tokens = available(now: now)
        if now > updated { updated = now }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket is full at `now`: forgetting it then changes nothing, as a new one starts full.
    package func isFull(now: ContinuousClock.Instant) -> Bool {
        available(now: now) >= Double(burst)
    }
}

/// The token buckets of every stage and method, keyed `{restApiId}/{stage}/{method settings key}`, safe to share
/// between requests.
///
/// Memory is bounded: past `capacity` buckets, full ones are forgotten first (a new bucket starts full, so nothing
/// changes), then the least recently used.
package final class TokenBuckets: Sendable {
    private struct Entry {
        var bucket: TokenBucket
        var lastUsed: ContinuousClock.Instant
    }

    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    /// - Parameters:
    ///   - capacity: the most buckets kept at once.
    package init(capacity: Int = 10_000) {
        self.capacity = max(capacity, 1)
    }

    /// The key of a method's bucket.
    /// - Parameters:
    ///   - restApiId: the API.
    ///   - stageName: the stage.
    ///   - methodSettingsKey: the method's settings key (``MatchedRoute/methodSettingsKey``).
    package static func key(restApiId: String, stageName: String, methodSettingsKey: String) -> String {
        restApiId + "/" + stageName + "/" + methodSettingsKey
    }

    /// Takes a token from the key's bucket, creating it full with these limits if it does not exist, or if its
    /// limits changed (a stage update).
    /// - Parameters:
    ///   - key: the bucket's key (``key(restApiId:stageName:methodSettingsKey:)``).
    ///   - rate: tokens per second.
    ///   - burst: the bucket's size.
    ///   - now: the current instant.
    /// - Returns: whether the request may go on; false means 429.
    package func tryTake(key: String, rate: Double, burst: Int, now: ContinuousClock.Instant) -> Bool {
        entries.withLock { entries in
            var entry: Entry
            if let existing = entries[key], existing.bucket.rate == rate, existing.bucket.burst == burst {
                entry = existing
            } else {
                if entries[key] == nil, entries.count >= capacity { Self.evict(&entries, now: now, capacity: capacity) }
                entry = Entry(bucket: TokenBucket(rate: rate, burst: burst, now: now), lastUsed: now)
            }
            let allowed = entry.bucket.tryTake(now: now)
            if now > entry.lastUsed { entry.lastUsed = now }
            entries[key] = entry
            return allowed
        }
    }

    /// How many buckets are kept.
    package var count: Int { entries.withLock { $0.count } }

    private static func evict(_ entries: inout [String: Entry], now: ContinuousClock.Instant, capacity: Int) {
        entries = entries.filter { !$0.value.bucket.isFull(now: now) }
        guard entries.count >= capacity else { return }
        if let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            entries.removeValue(forKey: oldest)
        }
    }
}
