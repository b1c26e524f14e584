import NIOCore
import Synchronization

/// A first-in, first-out gate that lets one holder at a time use a resource (the single SQLite connection).
///
/// Waiters are parked as promises, never as blocked threads: a task waiting for the gate costs no thread of the
/// `NIOThreadPool` that runs SQLite, so the holder can always make progress. The lock inside guards only the queue,
/// never an `await`.
final class SerialGate: Sendable {
    private struct State {
        var isHeld = false
        var isClosed = false
        var waiters = CircularBuffer<EventLoopPromise<Void>>()
    }

    private let state = Mutex(State())

    /// Waits until the gate is free and takes it. Fails with ``StorageError/unavailable`` once the gate is closed.
    func acquire(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        enum Outcome { case acquired, closed, wait(EventLoopPromise<Void>) }
        let outcome: Outcome = self.state.withLock { state in
            if state.isClosed { return .closed }
            if !state.isHeld {
                state.isHeld = true
                return .acquired
            }
            let promise = eventLoop.makePromise(of: Void.self)
            state.waiters.append(promise)
            return .wait(promise)
        }
        switch outcome {
        case .acquired: return eventLoop.makeSucceededVoidFuture()
        case .closed: return eventLoop.makeFailedFuture(StorageError(.unavailable, "the database is closed"))
        case .wait(let promise): return promise.futureResult
        }
    }

    /// Hands the gate to the next waiter, or frees it.
    func release() {
        let next: EventLoopPromise<Void>? = self.state.withLock { state in
            if let next = state.waiters.popFirst() { return next }
            state.isHeld = false
            return nil
        }
        next?.succeed()
    }

    /// Refuses new holders and waits until every holder queued before has had its turn; the gate then stays taken
    /// by the closer for good.
    func close(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let waiter: EventLoopPromise<Void>? = self.state.withLock { state in
            if state.isClosed { return nil }
            state.isClosed = true
            if !state.isHeld {
                state.isHeld = true
                return nil
            }
            let promise = eventLoop.makePromise(of: Void.self)
            state.waiters.append(promise)
            return promise
        }
        return waiter?.futureResult ?? eventLoop.makeSucceededVoidFuture()
    }
}
