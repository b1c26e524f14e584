import Synchronization

/// Runs an integration call with API Gateway's integration timeout.
///
/// When the time is up the caller gets its 504 at once and the call is abandoned, not awaited: a function or an
/// upstream that hangs holds nothing but its own task (the function runs on until its own timeout, as on AWS). That
/// is why the call runs in a task of its own rather than in a task group, which would wait for it.
enum IntegrationDeadline {
    /// The call's result, or nil when `timeout` passed first.
    static func run<T: Sendable>(timeout: Duration, _ call: @escaping @Sendable () async -> T) async -> T? {
        let race = Race<T>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            let work = Task { race.finish(await call()) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { race.finish(nil) }
            }
            race.keep(work: work, timer: timer)
        }
    }

    /// Whichever of the call and the timer ends first resumes the caller; the other is cancelled.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T?, Never>?
            var finished = false
            var work: Task<Void, Never>?
            var timer: Task<Void, Never>?
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T?, Never>) {
            state.withLock { $0.continuation = continuation }
        }

        func keep(work: Task<Void, Never>, timer: Task<Void, Never>) {
            let finished = state.withLock { state in
                state.work = work
                state.timer = timer
                return state.finished
            }
            if finished { timer.cancel() }
        }

        func finish(_ value: T?) {
            let (continuation, other) = state.withLock { state -> (CheckedContinuation<T?, Never>?, Task<Void, Never>?) in
                guard !state.finished else { return (nil, nil) }
                state.finished = true
                defer { state.continuation = nil }
                return (state.continuation, value == nil ? state.work : state.timer)
            }
            other?.cancel()
            continuation?.resume(returning: value)
        }
    }
}
