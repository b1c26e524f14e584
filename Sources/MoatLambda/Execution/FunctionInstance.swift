import Foundation
import MoatCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One log line with the time Moat read it.
struct LogLine: Sendable {
    var timestamp: Date
    var message: String
}

/// The event `GET /invocation/next` answers with.
struct NextEvent: Sendable {
    var requestId: String
    var deadlineMs: Int64
    var functionArn: String
    var traceId: String?
    var clientContext: String?
    var cognitoIdentity: String?
    var payload: [UInt8]
}

/// What an invocation ended with, for the executor to report and to decide whether the instance stays.
struct InstanceOutcome: Sendable {
    var payload: [UInt8]
    var functionError: String?
    /// Output the runtime wrote before this invocation was handed to it (init, or between invocations).
    var preamble: [LogLine]
    /// Whether the runtime received the event; if not, the preamble belongs in the invocation's log too.
    var delivered: Bool
    /// The function's output during the invocation, then lines Lambda adds (timeout, exit error).
    var lines: [LogLine]
    var duration: Duration
    var initDuration: Duration?
    var maxMemoryUsedMB: Int
    /// False after a timeout, a crash or an init error: the instance must be discarded.
    var reusable: Bool
}

/// The answer of a Runtime API POST.
struct RuntimeAPIAnswer: Sendable {
    var status: HTTPResponseStatus
    var body: String

    static let accepted = RuntimeAPIAnswer(status: .accepted, body: #"{"status":"OK"}"#)
    /// RAPID's answer to a request id that is not the invocation in flight.
    static let invalidRequestID = RuntimeAPIAnswer(
        status: .badRequest,
        body: #"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#
    )
    static let payloadTooLarge = RuntimeAPIAnswer(
        status: .payloadTooLarge,
        body: #"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#
    )
    static func invalidStateTransition(from state: String, to next: String) -> RuntimeAPIAnswer {
        RuntimeAPIAnswer(
            status: .forbidden,
            body: #"{"errorMessage":"State transition from \#(state) to \#(next) failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}"#
        )
    }
}

/// An execution environment: one runtime process, its Runtime API listener and output pipe, one invocation at a time.
final class FunctionInstance: Sendable {
    /// The largest response a runtime may post (AWS: 6 MB as 6291556 bytes).
    static let maxResponseSize = 6_291_556

    let function: FunctionDefinition
    let logStreamName: String
    let eventLoop: any EventLoop
    private let initTimeout: Duration
    private let logger: Logger
    /// The instance's own directory (its HOME), removed once the process is gone.
    private let scratchDirectory: URL?
    /// The instance's memory cgroup, when the machine lets Moat make one.
    private let memoryCgroup: MemoryCgroup?
    private let state: Mutex<State>

    private enum Phase: Sendable {
        /// Spawned; has not asked for an invocation yet.
        case starting
        /// Has asked for an invocation at least once.
        case ready
        /// The process is gone (or being killed).
        case dead
    }

    private enum Completion: Sendable {
        case response([UInt8])
        case error([UInt8])
        case responseTooLarge
        case initError([UInt8])
        case timeout(at: Date, seconds: Double)
        case exited(ChildProcess.Termination)
    }

    private struct Pending: Sendable {
        var request: InvocationRequest
        var continuation: CheckedContinuation<InstanceOutcome, Never>
        var preamble: [LogLine]
        var deliveredAt: ContinuousClock.Instant?
        var timer: Scheduled<Void>?
        var lines: [LogLine] = []
        var completion: Completion?
        var endedAt: ContinuousClock.Instant?
        var drainAttempts = 0
    }

    private struct State: Sendable {
        var phase: Phase = .starting
        var process: ChildProcess?
        var serverChannel: (any Channel)?
        var outputOpen = false
        var waitingNext: EventLoopPromise<NextEvent>?
        var pending: Pending?
        var spawnedAt: ContinuousClock.Instant = .now
        var initDuration: Duration?
        var initReported = false
        var initTimer: Scheduled<Void>?
        var idleLines: [LogLine] = []
        var termination: ChildProcess.Termination?
        var maxMemoryUsedMB = 0
        /// The kernel killed the runtime for exceeding the memory limit.
        var outOfMemory = false
    }

    private init(
        function: FunctionDefinition,
        logStreamName: String,
        eventLoop: any EventLoop,
        initTimeout: Duration,
        scratchDirectory: URL?,
        memoryCgroup: MemoryCgroup?,
        logger: Logger
    ) {
        self.scratchDirectory = scratchDirectory
        self.memoryCgroup = memoryCgroup
        self.function = function
        self.logStreamName = logStreamName
        self.eventLoop = eventLoop
        self.initTimeout = initTimeout
        self.logger = logger
        self.state = Mutex(State())
    }

    // MARK: Launch and termination

    /// Binds a Runtime API listener, spawns the runtime with `environment` plus `AWS_LAMBDA_RUNTIME_API`, and starts
    /// reading its output.
    static func launch(
        function: FunctionDefinition,
        command: RuntimeCatalog.Launch,
        environment: [String: String],
        workingDirectory: String,
        logStreamName: String,
        initTimeout: Duration,
        scratchDirectory: URL?,
        memoryCgroup: MemoryCgroup?,
        runAs: UInt32,
        eventLoop: any EventLoop,
        logger: Logger
    ) async throws(ExecutionError) -> FunctionInstance {
        let instance = FunctionInstance(
            function: function,
            logStreamName: logStreamName,
            eventLoop: eventLoop,
            initTimeout: initTimeout,
            scratchDirectory: scratchDirectory,
            memoryCgroup: memoryCgroup,
            logger: logger
        )
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: eventLoop)
                .serverChannelOption(ChannelOptions.backlog, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RuntimeAPIPeerCheck(expectedUID: runAs))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(instance: instance))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
        } catch {
            if let scratchDirectory { try? FileManager.default.removeItem(at: scratchDirectory) }
            memoryCgroup?.remove()
            throw .launchFailed("Runtime API listener: \(error)")
        }
        guard let port = server.localAddress?.port else {
            server.close(promise: nil)
            throw .launchFailed("Runtime API listener has no port")
        }
        var environment = environment
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(port)"

        let process: ChildProcess
        let spawnedAt = ContinuousClock.now
        do {
            process = try ChildProcess.spawn(
                executable: command.executable,
                arguments: command.arguments,
                environment: environment,
                directory: workingDirectory
            )
        } catch {
            server.close(promise: nil)
            if let scratchDirectory { try? FileManager.default.removeItem(at: scratchDirectory) }
            memoryCgroup?.remove()
            throw .launchFailed(error.description)
        }
        instance.state.withLock { state in
            state.process = process
            state.serverChannel = server
            state.spawnedAt = spawnedAt
            state.outputOpen = true
            state.initTimer = eventLoop.scheduleTask(in: TimeAmount(initTimeout)) { instance.initTimedOut() }
        }
        process.reap { termination in instance.processExited(termination) }
        do {
            _ = try await NIOPipeBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(OutputLineHandler(instance: instance))
                    }
                }
                .takingOwnershipOfDescriptor(input: process.outputDescriptor)
                .get()
        } catch {
            close(process.outputDescriptor)
            instance.state.withLock { $0.outputOpen = false }
            instance.terminate()
            throw .launchFailed("Runtime output pipe: \(error)")
        }
        logger.debug(
            "Started function instance",
            metadata: ["function.name": "\(function.name)", "process.pid": "\(process.pid)", "runtime.api.port": "\(port)"]
        )
        return instance
    }

    var pid: pid_t? { state.withLock { $0.process?.pid } }

    var isAlive: Bool { state.withLock { $0.phase != .dead } }

    /// Kills the process group. An invocation in flight then fails as a runtime exit.
    func terminate() {
        let process = state.withLock { state -> ChildProcess? in
            if state.termination == nil, state.phase != .dead { state.phase = .dead }
            return state.termination == nil ? state.process : nil
        }
        process?.killGroup()
    }

    /// Waits until the process has been reaped, at most `limit`.
    func waitForExit(limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.termination == nil && $0.process != nil }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Output written while no invocation was running, for the log sink.
    func drainIdleLines() -> [LogLine] {
        state.withLock { state in
            defer { state.idleLines = [] }
            return state.idleLines
        }
    }

    // MARK: Invocations

    /// Hands `request` to the runtime and waits for its outcome. Every path ends: response, error, timeout, exit.
    func run(_ request: InvocationRequest) async -> InstanceOutcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<InstanceOutcome, Never>) in
            let actions = state.withLock { state -> Actions in
                var actions = Actions()
                let preamble = state.idleLines
                state.idleLines = []
                state.pending = Pending(request: request, continuation: continuation, preamble: preamble)
                if state.phase == .dead {
                    state.pending?.completion = .exited(state.termination ?? .signaled(SIGKILL))
                    state.pending?.endedAt = .now
                    actions.finalize = true
                } else if let waiter = state.waitingNext {
                    state.waitingNext = nil
                    actions.deliver = (waiter, deliver(&state))
                }
                return actions
            }
            perform(actions)
        }
    }

    private struct Actions {
        var deliver: (EventLoopPromise<NextEvent>, NextEvent)?
        var failNext: EventLoopPromise<NextEvent>?
        var finalize = false
        var kill: ChildProcess?
        var closeServer: (any Channel)?
    }

    private func perform(_ actions: Actions) {
        actions.kill?.killGroup()
        if let (promise, event) = actions.deliver { promise.succeed(event) }
        actions.failNext?.fail(ChannelError.ioOnClosedChannel)
        actions.closeServer?.close(promise: nil)
        if actions.finalize {
            eventLoop.execute { self.finalize() }
        }
    }

    /// Marks the pending invocation delivered, arms its timeout, and returns the event.
    private func deliver(_ state: inout State) -> NextEvent {
        let request = state.pending!.request
        let timeout = Duration.seconds(function.timeout)
        state.pending!.deliveredAt = .now
        state.pending!.preamble += state.idleLines
        state.idleLines = []
        let requestId = request.requestId
        state.pending!.timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { self.timedOut(requestId) }
        return NextEvent(
            requestId: requestId,
            deadlineMs: Int64((Date().timeIntervalSince1970 + Double(function.timeout)) * 1000),
            functionArn: function.arn,
            traceId: request.traceId,
            clientContext: request.clientContext,
            cognitoIdentity: request.cognitoIdentity,
            payload: request.payload
        )
    }

    /// `GET /invocation/next`: answered now if an invocation waits, else when one is assigned.
    func nextInvocation(_ promise: EventLoopPromise<NextEvent>) {
        let actions = state.withLock { state -> Actions in
            var actions = Actions()
            switch state.phase {
            case .dead:
                actions.failNext = promise
                return actions
            case .starting:
                state.phase = .ready
                state.initDuration = .now - state.spawnedAt
                state.initTimer?.cancel()
                state.initTimer = nil
            case .ready:
                break
            }
            if let old = state.waitingNext { actions.failNext = old }
            if let pending = state.pending, pending.deliveredAt == nil, pending.completion == nil {
                state.waitingNext = nil
                actions.deliver = (promise, deliver(&state))
            } else {
                state.waitingNext = promise
            }
            return actions
        }
        perform(actions)
    }

    /// `POST /invocation/{id}/response` (`body` nil when over the limit) and `POST /invocation/{id}/error`.
    func post(requestId: String, body: [UInt8]?, isError: Bool) -> RuntimeAPIAnswer {
        var answer = RuntimeAPIAnswer.accepted
        let actions = state.withLock { state -> Actions in
            var actions = Actions()
            guard let pending = state.pending, pending.request.requestId == requestId, pending.deliveredAt != nil,
                pending.completion == nil
            else {
                answer = .invalidRequestID
                return actions
            }
            if let body {
                state.pending!.completion = isError ? .error(body) : .response(body)
            } else {
                state.pending!.completion = .responseTooLarge
                answer = .payloadTooLarge
            }
            state.pending!.endedAt = .now
            state.pending!.timer?.cancel()
            actions.finalize = true
            return actions
        }
        perform(actions)
        return answer
    }

    /// `POST /runtime/init/error`: the pending invocation fails with the runtime's error; the instance is discarded.
    func postInitError(body: [UInt8]) -> RuntimeAPIAnswer {
        var answer = RuntimeAPIAnswer.accepted
        let actions = state.withLock { state -> Actions in
            var actions = Actions()
            guard state.phase == .starting else {
                answer = .invalidStateTransition(from: state.phase == .dead ? "Exited" : "Ready", to: "InitError")
                return actions
            }
            state.phase = .dead
            state.initDuration = .now - state.spawnedAt
            state.initTimer?.cancel()
            state.initTimer = nil
            if state.pending != nil, state.pending!.completion == nil {
                state.pending!.completion = .initError(body)
                state.pending!.endedAt = .now
                actions.finalize = true
            } else {
                actions.kill = state.process
            }
            return actions
        }
        perform(actions)
        return answer
    }

    private func timedOut(_ requestId: String) {
        let actions = state.withLock { state -> Actions in
            var actions = Actions()
            guard let pending = state.pending, pending.request.requestId == requestId, pending.completion == nil else {
                return actions
            }
            state.maxMemoryUsedMB = max(state.maxMemoryUsedMB, state.process?.maxMemoryUsedMB() ?? 0)
            state.pending!.completion = .timeout(at: Date(), seconds: Double(function.timeout))
            state.pending!.endedAt = pending.deliveredAt.map { $0 + .seconds(function.timeout) } ?? .now
            state.phase = .dead
            if let waiter = state.waitingNext {
                state.waitingNext = nil
                actions.failNext = waiter
            }
            actions.kill = state.process
            actions.finalize = true
            return actions
        }
        perform(actions)
    }

    private func initTimedOut() {
        let actions = state.withLock { state -> Actions in
            var actions = Actions()
            guard state.phase == .starting else { return actions }
            state.phase = .dead
            state.initTimer = nil
            state.initDuration = .now - state.spawnedAt
            actions.kill = state.process
            if state.pending != nil, state.pending!.completion == nil {
                let seconds = Double(initTimeout.components.seconds) + Double(initTimeout.components.attoseconds) / 1e18
                state.pending!.completion = .timeout(at: Date(), seconds: seconds)
                state.pending!.endedAt = .now
                actions.finalize = true
            }
            return actions
        }
        perform(actions)
    }

    /// Called on the reaper thread once the process is gone.
    private func processExited(_ termination: ChildProcess.Termination) {
        let outOfMemory = memoryCgroup?.wasOutOfMemory ?? false
        let peak = memoryCgroup?.peakBytes.map(Self.megabytes)
        let actions = state.withLock { state -> Actions in
            var actions = Actions()
            state.termination = termination
            state.outOfMemory = outOfMemory
            if let peak { state.maxMemoryUsedMB = max(state.maxMemoryUsedMB, peak) }
            state.phase = .dead
            state.initTimer?.cancel()
            state.initTimer = nil
            if let waiter = state.waitingNext {
                state.waitingNext = nil
                actions.failNext = waiter
            }
            actions.closeServer = state.serverChannel
            state.serverChannel = nil
            if state.pending != nil, state.pending!.completion == nil {
                state.pending!.timer?.cancel()
                state.pending!.completion = .exited(termination)
                state.pending!.endedAt = .now
                actions.finalize = true
            }
            return actions
        }
        if let scratchDirectory { try? FileManager.default.removeItem(at: scratchDirectory) }
        memoryCgroup?.remove()
        logger.debug("Function instance exited", metadata: ["function.name": "\(function.name)", "process.exit": "\(termination.description)"])
        perform(actions)
    }

    // MARK: Output

    func outputLine(_ message: String) {
        let line = LogLine(timestamp: Date(), message: message)
        state.withLock { state in
            if state.pending != nil, state.pending!.deliveredAt != nil {
                state.pending!.lines.append(line)
            } else {
                state.idleLines.append(line)
            }
        }
    }

    func outputClosed() {
        state.withLock { $0.outputOpen = false }
    }

    /// Runs on the event loop: once the output pipe holds nothing the runtime wrote before answering (or after 50
    /// tries a millisecond apart), resumes the invocation.
    private func finalize() {
        let descriptor = state.withLock { state -> Int32? in
            guard state.outputOpen, let process = state.process, let pending = state.pending, pending.drainAttempts < 50 else {
                return nil
            }
            state.pending!.drainAttempts += 1
            return process.outputDescriptor
        }
        if let descriptor, ChildProcess.hasPendingOutput(descriptor) {
            eventLoop.scheduleTask(in: .milliseconds(1)) { self.finalize() }
            return
        }
        let memory = memoryCgroup?.peakBytes.map(Self.megabytes)
            ?? state.withLock { state in state.phase == .dead ? nil : state.process }?.maxMemoryUsedMB()
        let finished = state.withLock { state -> (CheckedContinuation<InstanceOutcome, Never>, InstanceOutcome)? in
            guard let pending = state.pending, let completion = pending.completion else { return nil }
            state.pending = nil
            if let memory { state.maxMemoryUsedMB = max(state.maxMemoryUsedMB, memory) }
            var initDuration: Duration?
            if !state.initReported, let measured = state.initDuration {
                initDuration = measured
                state.initReported = true
            }
            let started = pending.deliveredAt ?? pending.endedAt ?? .now
            var outcome = InstanceOutcome(
                payload: [],
                functionError: "Unhandled",
                preamble: pending.preamble,
                delivered: pending.deliveredAt != nil,
                lines: pending.lines,
                duration: (pending.endedAt ?? .now) - started,
                initDuration: initDuration,
                maxMemoryUsedMB: state.maxMemoryUsedMB,
                reusable: false
            )
            if pending.deliveredAt == nil {
                // Output of a failed init belongs to the invocation that waited for it.
                outcome.preamble += state.idleLines
                state.idleLines = []
            }
            let requestId = pending.request.requestId
            switch completion {
            case .response(let body):
                outcome.payload = body
                outcome.functionError = nil
                outcome.reusable = state.phase != .dead
            case .error(let body):
                outcome.payload = body
                outcome.reusable = state.phase != .dead
            case .responseTooLarge:
                outcome.payload = Array(
                    #"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#
                        .utf8
                )
                outcome.reusable = state.phase != .dead
            case .initError(let body):
                outcome.payload = body
            case .timeout(let at, let seconds):
                let message = "\(Self.timestamp(at)) \(requestId) Task timed out after \(String(format: "%.2f", seconds)) seconds"
                outcome.payload = Array(Self.jsonObject(["errorMessage": message]).utf8)
                outcome.lines.append(LogLine(timestamp: at, message: message))
            case .exited(let termination):
                let reason: String
                if case .exited(0) = termination {
                    reason = "Runtime exited without providing a reason"
                } else {
                    reason = "Runtime exited with error: \(termination.description)"
                }
                let message = "RequestId: \(requestId) Error: \(reason)"
                // Killed by the kernel at the memory limit: Lambda's own error type for it.
                let errorType = state.outOfMemory ? "Runtime.OutOfMemory" : "Runtime.ExitError"
                outcome.payload = Array(Self.jsonObject(["errorType": errorType, "errorMessage": message]).utf8)
                let now = Date()
                outcome.lines.append(LogLine(timestamp: now, message: message))
                outcome.lines.append(LogLine(timestamp: now, message: errorType))
            }
            return (pending.continuation, outcome)
        }
        if let (continuation, outcome) = finished {
            continuation.resume(returning: outcome)
        }
    }

    /// Bytes as whole megabytes, rounded up, as REPORT lines count them.
    static func megabytes(_ bytes: Int) -> Int { (bytes + (1 << 20) - 1) >> 20 }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// A JSON object with string members in the given order, as AWS writes these error bodies.
    static func jsonObject(_ members: KeyValuePairs<String, String>) -> String {
        var text = ""
        JSONWriter.write(.object(members.map { ($0.key, .string($0.value)) }), into: &text)
        return text
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
