public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Fetches an issuer's key set over HTTP(S), keeps it, and fetches it again when it is old or a token names a key
/// it lacks.
///
/// - The set is used for ``cacheDuration`` (an hour by default); Cognito publishes a new key well before it signs
///   with it, and a token naming an unknown `kid` causes a fetch anyway.
/// - Fetches happen at most once per ``minimumRefreshInterval`` (10 s by default), whether for an unknown `kid`, an
///   old set or a failed fetch: `kid`s cost an attacker nothing, and a flood of made-up ones must not turn every
///   request into a request to the issuer.
/// - Concurrent callers share one fetch in flight.
/// - A fetch is bounded in time (``timeout``) and size (``maximumSize``); one that fails, answers other than 200 or
///   holds no usable key keeps the previous set in use (so an issuer's outage does not stop verification), or, with no
///   previous set, answers ``TokenVerificationError/keysUnavailable``.
///
/// Redirects are followed as the HTTP client is configured to (``HTTPClient/shared`` follows them); plain `http` URLs
/// are accepted for local issuers and should only be used over a trusted network.
public final class JWKSFetcher: JSONWebKeySource {
    /// The JWKS document's URL.
    public let url: String
    /// How long a fetched set is used before it is fetched again.
    public let cacheDuration: Duration
    /// The least time between two fetches.
    public let minimumRefreshInterval: Duration
    /// The longest a fetch may take, from connecting to the last byte.
    public let timeout: Duration
    /// The largest document read.
    public let maximumSize: Int
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date
    private let state: Mutex<StateMachine>

    /// A fetcher for one JWKS URL.
    /// - Parameters:
    ///   - url: `{issuer}/.well-known/jwks.json`.
    ///   - httpClient: the client that fetches.
    ///   - cacheDuration: how long a fetched set is used before it is fetched again.
    ///   - minimumRefreshInterval: the least time between two fetches.
    ///   - timeout: the longest a fetch may take.
    ///   - maximumSize: the largest document read.
    ///   - now: the current time (injected by tests; the wall clock otherwise).
    public init(
        url: String,
        httpClient: HTTPClient = .shared,
        cacheDuration: Duration = .seconds(3600),
        minimumRefreshInterval: Duration = .seconds(10),
        timeout: Duration = .seconds(10),
        maximumSize: Int = JSONWebKeySet.maximumSize,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.url = url
        self.httpClient = httpClient
        self.cacheDuration = cacheDuration
        self.minimumRefreshInterval = minimumRefreshInterval
        self.timeout = timeout
        self.maximumSize = min(maximumSize, JSONWebKeySet.maximumSize)
        self.now = now
        self.state = Mutex(StateMachine(cacheDuration: cacheDuration.seconds, minimumRefreshInterval: minimumRefreshInterval.seconds))
    }

    /// The current key set: the kept one while it is fresh (and, for `refresh`, while a fetch was made less than
    /// ``minimumRefreshInterval`` ago), otherwise a fetched one.
    /// - Parameter refresh: a token named a key the last set lacks.
    /// - Throws: ``TokenVerificationError/keysUnavailable`` when no set has been fetched and none can be now.
    public func keys(refresh: Bool) async throws -> JSONWebKeySet {
        switch state.withLock({ $0.start(refresh: refresh, now: now()) }) {
        case .use(let keys):
            return keys
        case .fail:
            throw TokenVerificationError.keysUnavailable
        case .join(let fetch):
            let result = await withCheckedContinuation { continuation in
                if let finished = state.withLock({ $0.join(fetch, continuation) }) { continuation.resume(returning: finished) }
            }
            return try result.get()
        case .fetch:
            let fetched = await fetch()
            let cancelled = Task.isCancelled
            let (result, waiters) = state.withLock { $0.finish(fetched, cancelled: cancelled, now: now()) }
            for waiter in waiters { waiter.resume(returning: result) }
            return try result.get()
        }
    }

    /// One GET of the document, bounded by ``timeout`` as a whole: the HTTP client's deadline covers only the
    /// response head, so the body is raced against a timer.
    private func fetch() async -> Result<JSONWebKeySet, TokenVerificationError> {
        let timeout = self.timeout
        do {
            let body = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    var request = HTTPClientRequest(url: self.url)
                    request.method = .GET
                    request.headers.add(name: "Accept", value: "application/json")
                    let response = try await self.httpClient.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                    let body = try await response.body.collect(upTo: self.maximumSize)
                    guard response.status == .ok else { throw TokenVerificationError.keysUnavailable }
                    return body
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let body = first else { throw TokenVerificationError.keysUnavailable }
                return body
            }
            return .success(try JSONWebKeySet(json: body.readableBytesView))
        } catch {
            return .failure(.keysUnavailable)
        }
    }
}

extension JWKSFetcher {
    /// When to fetch, who waits for a fetch, and what the callers get: the fetcher's decisions without I/O.
    struct StateMachine {
        typealias Outcome = Result<JSONWebKeySet, TokenVerificationError>
        typealias Waiter = CheckedContinuation<Outcome, Never>

        /// What a caller does next.
        enum Decision {
            /// Answer with these keys.
            case use(JSONWebKeySet)
            /// Answer ``TokenVerificationError/keysUnavailable``: no keys, and the last fetch failed too recently.
            case fail
            /// Fetch, then call ``finish(_:cancelled:now:)``.
            case fetch
            /// Wait for the fetch with this number, through ``join(_:_:)``.
            case join(Int)
        }

        let cacheDuration: TimeInterval
        let minimumRefreshInterval: TimeInterval
        /// The last set fetched.
        private(set) var keys: JSONWebKeySet?
        private var fetchedAt: Date?
        private var attemptedAt: Date?
        private var attemptedBefore: Date?
        /// How many fetches were started; the number of the one in flight.
        private(set) var fetches = 0
        private var waiters: [Waiter]?

        init(cacheDuration: TimeInterval, minimumRefreshInterval: TimeInterval) {
            self.cacheDuration = cacheDuration
            self.minimumRefreshInterval = minimumRefreshInterval
        }

        /// A caller's request for keys.
        mutating func start(refresh: Bool, now: Date) -> Decision {
            if waiters != nil { return .join(fetches) }
            if let keys, !refresh, let fetchedAt, Self.within(cacheDuration, of: fetchedAt, now) { return .use(keys) }
            if let attemptedAt, Self.within(minimumRefreshInterval, of: attemptedAt, now) { return keys.map { .use($0) } ?? .fail }
            fetches += 1
            attemptedBefore = attemptedAt
            attemptedAt = now
            waiters = []
            return .fetch
        }

        /// Waits for fetch `fetch`; or, when it has ended already, the answer it left.
        mutating func join(_ fetch: Int, _ waiter: Waiter) -> Outcome? {
            if fetch == fetches, waiters != nil {
                waiters?.append(waiter)
                return nil
            }
            return current
        }

        /// The end of the fetch in flight: the answer for its caller and the waiters to resume with it (after the lock
        /// is released). A failed fetch leaves the previous set in use; one that failed because its caller was
        /// cancelled does not count against ``minimumRefreshInterval``.
        mutating func finish(_ fetched: Outcome, cancelled: Bool, now: Date) -> (Outcome, [Waiter]) {
            let resumed = waiters ?? []
            waiters = nil
            switch fetched {
            case .success(let fresh):
                keys = fresh
                fetchedAt = now
            case .failure:
                if cancelled { attemptedAt = attemptedBefore }
            }
            return (current, resumed)
        }

        private var current: Outcome { keys.map { .success($0) } ?? .failure(.keysUnavailable) }

        /// Whether `now` is less than `interval` after `start` (and not before it: a clock set back counts as elapsed).
        private static func within(_ interval: TimeInterval, of start: Date, _ now: Date) -> Bool {
            let elapsed = now.timeIntervalSince(start)
            return elapsed >= 0 && elapsed < interval
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (whole, overflow) = components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(components.attoseconds / 1_000_000_000).partialValue
    }
}
