import Testing

@testable import MoatAPIGateway

/// Throttling buckets driven by a fake clock: burst, continuous refill, limits, sharing and bounded memory.
@Suite("API Gateway data plane: throttling")
struct TokenBucketTests {
    static let start = ContinuousClock.now

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    /// Takes a token at each instant (milliseconds from the start), in order.
    static func takes(_ bucket: inout TokenBucket, at instants: [Int]) -> [Bool] {
        instants.map { bucket.tryTake(now: at($0)) }
    }

    @Test("A full bucket allows a burst, then refills continuously at the rate")
    func burstAndRefill() {
        var bucket = TokenBucket(rate: 10, burst: 3, now: Self.at(0))
        // 10 a second: one token every 100 ms, fractions kept.
        let first = Self.takes(&bucket, at: [0, 0, 0, 0, 50, 100, 150, 200])
        #expect(first == [true, true, true, false, false, true, false, true])
        // Never more than the burst, however long the wait.
        let available = bucket.available(now: Self.at(60_000))
        #expect(available == 3)
        let later = Self.takes(&bucket, at: [60_000, 60_000, 60_000, 60_000])
        #expect(later == [true, true, true, false])
    }

    @Test("A fractional rate refills slowly; a clock going backwards adds nothing")
    func slowRateAndBackwardsClock() {
        var bucket = TokenBucket(rate: 0.5, burst: 1, now: Self.at(0))
        let results = Self.takes(&bucket, at: [0, 1_999, 4_000, 1_000, 4_500, 6_000])
        #expect(results == [true, false, true, false, false, true])
    }

    @Test("Zero limits throttle everything; negative ones throttle nothing")
    func limits() {
        var closed = TokenBucket(rate: 0, burst: 0, now: Self.at(0))
        let closedResults = Self.takes(&closed, at: [0, 10_000])
        #expect(closedResults == [false, false])
        var noBurst = TokenBucket(rate: 100, burst: 0, now: Self.at(0))
        let noBurstResults = Self.takes(&noBurst, at: [0, 10_000])
        #expect(noBurstResults == [false, false])
        var noRate = TokenBucket(rate: 0, burst: 2, now: Self.at(0))
        let noRateResults = Self.takes(&noRate, at: [0, 0, 100_000])
        #expect(noRateResults == [true, true, false])
        var open = TokenBucket(rate: -1, burst: -1, now: Self.at(0))
        let all = Self.takes(&open, at: Array(repeating: 0, count: 10_000))
        #expect(all.allSatisfy { $0 })
    }

    @Test("Limits from method settings, with API Gateway's defaults")
    func fromSettings() {
        let defaults = TokenBucket(settings: APIGateway.MethodSetting(), now: Self.at(0))
        #expect(defaults.rate == 10_000)
        #expect(defaults.burst == 5_000)
        let own = TokenBucket(settings: APIGateway.MethodSetting(throttlingBurstLimit: 2, throttlingRateLimit: 1), now: Self.at(0))
        #expect(own.rate == 1)
        #expect(own.burst == 2)
    }

    @Test("Buckets are kept per key, and a change of limits starts a new one")
    func keyed() {
        let buckets = TokenBuckets()
        let hello = TokenBuckets.key(restApiId: "a1", stageName: "dev", methodSettingsKey: "~1hello/GET")
        let other = TokenBuckets.key(restApiId: "a1", stageName: "prod", methodSettingsKey: "~1hello/GET")
        #expect(hello == "a1/dev/~1hello/GET")
        #expect(buckets.tryTake(key: hello, rate: 1, burst: 1, now: Self.at(0)))
        #expect(!buckets.tryTake(key: hello, rate: 1, burst: 1, now: Self.at(10)))
        #expect(buckets.tryTake(key: other, rate: 1, burst: 1, now: Self.at(10)))
        #expect(buckets.tryTake(key: hello, rate: 1, burst: 1, now: Self.at(1_010)))
        #expect(buckets.tryTake(key: hello, rate: 5, burst: 2, now: Self.at(1_020)))
        #expect(buckets.tryTake(key: hello, rate: 5, burst: 2, now: Self.at(1_020)))
        #expect(!buckets.tryTake(key: hello, rate: 5, burst: 2, now: Self.at(1_020)))
        #expect(buckets.count == 2)
    }

    @Test("Memory is bounded: full buckets go first, then the least recently used")
    func bounded() {
        let buckets = TokenBuckets(capacity: 3)
        #expect(buckets.tryTake(key: "a", rate: 1, burst: 1, now: Self.at(0)))
        #expect(buckets.tryTake(key: "b", rate: 1, burst: 1, now: Self.at(100)))
        #expect(buckets.tryTake(key: "c", rate: 1, burst: 1, now: Self.at(200)))
        // At 500 ms none is full again: the least recently used ("a") goes.
        #expect(buckets.tryTake(key: "d", rate: 1, burst: 1, now: Self.at(500)))
        #expect(buckets.count == 3)
        #expect(!buckets.tryTake(key: "b", rate: 1, burst: 1, now: Self.at(600)))
        #expect(!buckets.tryTake(key: "c", rate: 1, burst: 1, now: Self.at(600)))
        // "a" was forgotten, so it starts full.
        #expect(buckets.tryTake(key: "a", rate: 1, burst: 1, now: Self.at(600)))
        #expect(buckets.count == 3)
        // Much later every bucket is full again: all are dropped to make room.
        #expect(buckets.tryTake(key: "e", rate: 1, burst: 1, now: Self.at(10_000)))
        #expect(buckets.count == 1)
        for index in 0..<1_000 {
            _ = buckets.tryTake(key: "k\(index)", rate: 1, burst: 1, now: Self.at(20_000))
        }
        #expect(buckets.count <= 3)
    }

    @Test("Shared between concurrent requests, a bucket never hands out more than it holds")
    func concurrent() async {
        let buckets = TokenBuckets()
        let now = Self.at(0)
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<100).reduce(0) { count, _ in count + (buckets.tryTake(key: "k", rate: 1, burst: 50, now: now) ? 1 : 0) }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(allowed == 50)
    }
}
