import Foundation
import Logging
import Synchronization

/// Wakes the one task that waits on it early; a signal given while nobody waits is kept for the next wait.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var lastWait: UInt64 = 0
        /// A wait whose time ran out before it registered its continuation.
        var expired: UInt64 = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns at the next signal or after `timeout`, whichever comes first. One waiter at a time.
    func wait(timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.lastWait += 1
            return state.lastWait
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.expire(id)
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending || state.expired == id {
                    state.pending = false
                    return true
                }
                state.waiter = (id, continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else {
                state.expired = id
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}

/// Runs queued `Event` invocations: each runs once and, when it fails, twice more after Lambda's delays (1 and 2
/// minutes by default); a throttled run is tried again shortly without counting. Events of deleted functions and
/// events older than six hours (Lambda's maximum event age) are dropped.
public struct EventRunnerConfiguration: Sendable {
    /// The delay before each retry; AWS: one minute, then two.
    public var retryDelays: [Duration]
    /// How often the queue is read when nothing wakes the runner (other nodes' events, retries coming due).
    public var pollInterval: Duration
    /// Events run at once by this node.
    public var parallelism: Int

    public init(retryDelays: [Duration] = [.seconds(60), .seconds(120)], pollInterval: Duration = .seconds(1), parallelism: Int = 16) {
        self.retryDelays = retryDelays
        self.pollInterval = pollInterval
        self.parallelism = parallelism
    }
}

struct EventRunner: Sendable {
    let service: LambdaService
    let configuration: EventRunnerConfiguration
    let logger: Logger
    static let maximumEventAge: TimeInterval = 6 * 3600
    static let throttleDelay: TimeInterval = 1

    /// Runs until the task is cancelled.
    func run() async {
        let running = RunningCount()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                while running.value.withLock({ $0 }) < configuration.parallelism {
                    let event: QueuedEvent?
                    do {
                        event = try await service.events.claimNext(at: Date())
                    } catch {
                        logger.warning("reading the Lambda event queue failed", metadata: ["error": "\(error)"])
                        event = nil
                    }
                    guard let event else { break }
                    running.value.withLock { $0 += 1 }
                    group.addTask {
                        await process(event)
                        running.value.withLock { $0 -= 1 }
                        service.eventsWaiting.signal()
                    }
                }
                await service.eventsWaiting.wait(timeout: configuration.pollInterval)
            }
        }
    }

    private func run(_ function: FunctionDefinition, _ request: InvocationRequest) async -> Result<InvocationResult, ExecutionError> {
        do {
            return .success(try await service.executor.invoke(function, request))
        } catch {
            return .failure(error)
        }
    }

    func process(_ event: QueuedEvent) async {
        do {
            guard let record = try await service.store.function(named: event.functionName),
                Date().timeIntervalSince(event.queuedAt) < Self.maximumEventAge
            else {
                try await service.events.finish(event.requestId)
                return
            }
            let function = try await service.definition(of: record)
            let request = InvocationRequest(requestId: event.requestId, payload: event.payload)
            let failed: Bool
            switch await run(function, request) {
            case .success(let result):
                failed = result.functionError != nil
            case .failure(let error) where error.isThrottling:
                try await service.events.retry(event.requestId, attempts: event.attempts, at: Date().addingTimeInterval(Self.throttleDelay))
                return
            case .failure:
                failed = true
            }
            let attempts = event.attempts + 1
            if failed, attempts <= configuration.retryDelays.count {
                let delay = configuration.retryDelays[attempts - 1].components
                let seconds = Double(delay.seconds) + Double(delay.attoseconds) / 1e18
                try await service.events.retry(event.requestId, attempts: attempts, at: Date().addingTimeInterval(seconds))
            } else {
                if failed { logger.info("event invocation failed after its retries", metadata: ["aws.request_id": "\(event.requestId)"]) }
                try await service.events.finish(event.requestId)
            }
        } catch {
            // Left claimed: the lease runs out and the event runs again.
            logger.warning("running a Lambda event failed", metadata: ["aws.request_id": "\(event.requestId)", "error": "\(error)"])
        }
    }
}

/// The events this node runs at the moment.
private final class RunningCount: Sendable {
    let value = Mutex(0)
}
