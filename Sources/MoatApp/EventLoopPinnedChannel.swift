import HummingbirdCore
import Logging
import NIOCore

/// A connection whose task runs on its channel's event loop instead of Swift's cooperative pool.
///
/// By default every step of a request hops threads: the bytes arrive on an event loop, the connection's task runs on
/// the cooperative pool, each database answer completes a future on an event loop and resumes the task back on the
/// pool, and the response goes back to the loop. Each hop is a wake-up and a context switch, a large part of what a
/// cheap request costs. Pinned to its event loop, the task resumes where the I/O completes. Work that would hold a
/// loop for long (password hashing, RSA key generation, unpacking archives) goes to NIO's blocking thread pool.
struct EventLoopPinnedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// Runs a task's jobs on one event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with every connection's task on its event loop (``EventLoopPinnedChannel``).
    static func pinnedHTTP1(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in EventLoopPinnedChannel(base: HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}
