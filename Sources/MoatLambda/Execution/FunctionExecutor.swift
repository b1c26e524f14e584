import Foundation
public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Runs Lambda functions as host processes speaking the Lambda Runtime API; one per server.
///
/// An idle instance of the same function and revision is reused; when all are busy a new one starts, up to
/// ``ExecutorConfiguration/accountConcurrency`` busy instances across all functions. Beyond that, invokes fail at once
/// with ``ExecutionError/tooManyRequests`` (AWS throttles synchronous invokes, it does not queue them).
public final class FunctionExecutor: Sendable {
    private let configuration: ExecutorConfiguration
    private let catalog: RuntimeCatalog
    private let credentials: any FunctionCredentialProviding
    private let logs: any FunctionLogSink
    private let logger: Logger
    private let registry = Mutex(Registry())
    private let sandbox: FunctionSandbox
    /// Where instances' memory cgroups go; nil when the machine allows none (the data segment is limited instead).
    private let memoryCgroups: MemoryCgroup.Parent?

    private struct Entry: Sendable {
        var instance: FunctionInstance
        var busy: Bool
        var retired = false
        /// Bumped each time the instance goes idle, so that a stale idle timer does nothing.
        var idleGeneration = 0
    }

    private struct Registry: Sendable {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// Instances being started, by function: they count as busy.
        var launching: [String: Int] = [:]
        /// Reserved concurrency by function (PutFunctionConcurrency); the others share what is left of the account's.
        var reservations: [String: Int] = [:]
        var isShutDown = false

        func busyCount(of function: String) -> Int {
            entries.values.filter { $0.busy && $0.instance.function.name == function }.count + launching[function, default: 0]
        }

        /// Busy instances of the functions without a reservation, which share the unreserved concurrency.
        var unreservedBusyCount: Int {
            entries.values.filter { $0.busy && reservations[$0.instance.function.name] == nil }.count
                + launching.filter { reservations[$0.key] == nil }.values.reduce(0, +)
        }

        var launchingCount: Int { launching.values.reduce(0, +) }
    }

    /// - Parameters:
    ///   - configuration: listener, scratch directory, limits.
    ///   - credentials: the execution role's credentials for each new instance.
    ///   - logs: every line of every instance, with Lambda's START/END/REPORT lines.
    ///   - logger: Moat's own diagnostics.
    public init(
        configuration: ExecutorConfiguration,
        credentials: any FunctionCredentialProviding,
        logs: any FunctionLogSink,
        logger: Logger
    ) {
        self.configuration = configuration
        self.memoryCgroups = configuration.enforceMemoryLimit ? MemoryCgroup.makeParent() : nil
        let isolates = configuration.isolation ?? FunctionSandbox.canIsolate
        self.sandbox = FunctionSandbox(isolates: isolates, baseUID: configuration.isolationBaseUID)
        self.catalog = RuntimeCatalog(
            bootstrapDirectory: configuration.bootstrapDirectory,
            searchPath: configuration.interpreterSearchPath,
            requiresOthersExecutable: isolates
        )
        self.credentials = credentials
        self.logs = logs
        self.logger = logger
    }

    /// Runs one synchronous invocation. A function's failure (error, timeout, crash, init error) is a result with
    /// `functionError` set; only a failure to run at all throws.
    public func invoke(_ function: FunctionDefinition, _ request: InvocationRequest) async throws(ExecutionError) -> InvocationResult {
        let instance = try await acquire(function)
        let outcome = await instance.run(request)
        release(instance, reusable: outcome.reusable)

        let requestId = request.requestId
        var invocationLines: [LogLine] = []
        let startedAt = outcome.lines.first?.timestamp ?? Date()
        invocationLines.append(LogLine(timestamp: startedAt, message: InvocationLog.start(requestId: requestId, version: function.version)))
        invocationLines += outcome.lines
        let now = Date()
        invocationLines.append(LogLine(timestamp: now, message: InvocationLog.end(requestId: requestId)))
        let report = InvocationLog.report(
            requestId: requestId,
            duration: outcome.duration,
            memorySize: function.memorySize,
            maxMemoryUsed: outcome.maxMemoryUsedMB,
            initDuration: outcome.initDuration
        )
        invocationLines.append(LogLine(timestamp: now, message: report))

        let sinkLines = outcome.preamble + invocationLines
        await logs.append(function: function, stream: instance.logStreamName, lines: sinkLines.map { ($0.timestamp, $0.message) })

        let logged = outcome.delivered ? invocationLines : sinkLines
        return InvocationResult(
            payload: outcome.payload,
            functionError: outcome.functionError,
            log: logged.map { $0.message + "\n" }.joined(),
            duration: outcome.duration,
            initDuration: outcome.initDuration
        )
    }

    /// Sets or clears (nil) the function's reserved concurrency: at most that many of its invocations run at once,
    /// and the other functions share the account's concurrency minus all reservations.
    public func reserveConcurrency(_ reserved: Int?, for functionName: String) {
        registry.withLock { $0.reservations[functionName] = reserved }
    }

    /// Stops idle instances of the function now, busy ones when their invocation ends (after update or delete).
    public func retire(functionName: String) async {
        let idle = registry.withLock { registry -> [FunctionInstance] in
            var idle: [FunctionInstance] = []
            for (key, entry) in registry.entries where entry.instance.function.name == functionName {
                if entry.busy {
                    registry.entries[key]?.retired = true
                } else {
                    registry.entries[key] = nil
                    idle.append(entry.instance)
                }
            }
            return idle
        }
        await stop(idle)
    }

    /// Kills every instance and waits until each process has been reaped. Later invokes throw ``ExecutionError/shutDown``.
    public func shutdown() async {
        let all = registry.withLock { registry -> [FunctionInstance] in
            registry.isShutDown = true
            defer { registry.entries = [:] }
            return registry.entries.values.map(\.instance)
        }
        await stop(all)
        // Empty once every instance is gone; another executor of this process may still use it (then it stays).
        if let memoryCgroups { rmdir(memoryCgroups.path) }
    }

    /// The number of live instances, busy or idle (for tests and metrics).
    public var instanceCount: Int { registry.withLock { $0.entries.count } }

    // MARK: Pool

    private func acquire(_ function: FunctionDefinition) async throws(ExecutionError) -> FunctionInstance {
        enum Decision {
            case warm(FunctionInstance)
            case cold
        }
        var stale: [FunctionInstance] = []
        let decision = registry.withLock { registry -> Result<Decision, ExecutionError> in
            guard !registry.isShutDown else { return .failure(.shutDown) }
            var reusable: FunctionInstance?
            for (key, entry) in registry.entries where entry.instance.function.name == function.name {
                let current = entry.instance.function.revision == function.revision && !entry.retired
                if !entry.instance.isAlive || !current {
                    if entry.busy {
                        registry.entries[key]?.retired = true
                    } else {
                        registry.entries[key] = nil
                        stale.append(entry.instance)
                    }
                } else if !entry.busy, reusable == nil {
                    reusable = entry.instance
                }
            }
            // The limits hold for warm and cold starts alike: a reservation lowered to 0 stops the function at once.
            if let reserved = registry.reservations[function.name] {
                guard registry.busyCount(of: function.name) < reserved else { return .failure(.reservedConcurrencyExceeded) }
            } else {
                let unreserved = configuration.accountConcurrency - registry.reservations.values.reduce(0, +)
                guard registry.unreservedBusyCount < unreserved else { return .failure(.tooManyRequests) }
            }
            if let reusable {
                registry.entries[ObjectIdentifier(reusable)]?.busy = true
                return .success(.warm(reusable))
            }
            registry.launching[function.name, default: 0] += 1
            // Idle instances of other functions make room so that live processes stay within the limit.
            let idle = registry.entries.filter { !$0.value.busy }
            if registry.entries.count + registry.launchingCount > configuration.accountConcurrency, let victim = idle.first {
                registry.entries[victim.key] = nil
                stale.append(victim.value.instance)
            }
            return .success(.cold)
        }
        for instance in stale { instance.terminate() }
        switch decision {
        case .failure(let error):
            throw error
        case .success(.warm(let instance)):
            return instance
        case .success(.cold):
            do {
                let instance = try await launch(function)
                let accepted = registry.withLock { registry -> Bool in
                    registry.launching[function.name, default: 1] -= 1
                    guard !registry.isShutDown else { return false }
                    registry.entries[ObjectIdentifier(instance)] = Entry(instance: instance, busy: true)
                    return true
                }
                guard accepted else {
                    instance.terminate()
                    await instance.waitForExit(limit: .seconds(2))
                    throw ExecutionError.shutDown
                }
                return instance
            } catch let error as ExecutionError {
                registry.withLock { $0.launching[function.name, default: 1] -= 1 }
                throw error
            } catch {
                registry.withLock { $0.launching[function.name, default: 1] -= 1 }
                throw .launchFailed("\(error)")
            }
        }
    }

    private func release(_ instance: FunctionInstance, reusable: Bool) {
        let key = ObjectIdentifier(instance)
        let (discard, generation) = registry.withLock { registry -> (Bool, Int) in
            guard var entry = registry.entries[key] else { return (true, 0) }
            if !reusable || entry.retired || registry.isShutDown || !instance.isAlive {
                registry.entries[key] = nil
                return (true, 0)
            }
            entry.busy = false
            entry.idleGeneration += 1
            registry.entries[key] = entry
            return (false, entry.idleGeneration)
        }
        if discard {
            instance.terminate()
            return
        }
        instance.eventLoop.scheduleTask(in: TimeAmount(configuration.idleTimeout)) { [weak self] in
            self?.reapIfIdle(key, generation: generation)
        }
    }

    private func reapIfIdle(_ key: ObjectIdentifier, generation: Int) {
        let instance = registry.withLock { registry -> FunctionInstance? in
            guard let entry = registry.entries[key], !entry.busy, entry.idleGeneration == generation else { return nil }
            registry.entries[key] = nil
            return entry.instance
        }
        if let instance {
            logger.debug("Stopping idle function instance", metadata: ["function.name": "\(instance.function.name)"])
            instance.terminate()
        }
    }

    private func stop(_ instances: [FunctionInstance]) async {
        for instance in instances { instance.terminate() }
        for instance in instances {
            await instance.waitForExit(limit: .seconds(5))
            let lines = instance.drainIdleLines()
            if !lines.isEmpty {
                await logs.append(function: instance.function, stream: instance.logStreamName, lines: lines.map { ($0.timestamp, $0.message) })
            }
        }
    }

    private func launch(_ definition: FunctionDefinition) async throws(ExecutionError) -> FunctionInstance {
        let uid = sandbox.uid(for: definition.name)
        let prepared: FunctionSandbox.Prepared
        do {
            prepared = try sandbox.prepareInstance(root: configuration.scratchDirectory, function: definition, uid: uid)
        } catch {
            throw .launchFailed("Could not prepare the instance directory: \(error)")
        }
        // The function sees its own copy of the task root.
        var function = definition
        function.codeDirectory = prepared.taskRoot
        let issued: FunctionCredentials
        let command: RuntimeCatalog.Launch
        do throws(ExecutionError) {
            command = try catalog.launch(runtime: function.runtime, codeDirectory: function.codeDirectory)
            do {
                issued = try await credentials.credentials(for: function)
            } catch {
                throw .credentialsUnavailable("Could not obtain credentials of the execution role: \(error)")
            }
        } catch {
            try? FileManager.default.removeItem(at: prepared.directory)
            throw error
        }
        let logStreamName = FunctionEnvironment.logStreamName(version: function.version)
        let environment = FunctionEnvironment.make(
            function: function,
            command: command,
            credentials: issued,
            logStreamName: logStreamName,
            home: prepared.directory.path,
            configuration: configuration
        )
        var launchCommand = command
        (launchCommand.executable, launchCommand.arguments) = sandbox.command(command.executable, command.arguments, uid: uid)
        // The memory limit: the instance's own cgroup where possible, else the data segment's size.
        let cgroup = memoryCgroups.flatMap {
            MemoryCgroup.create(in: $0, name: prepared.directory.lastPathComponent, bytes: function.memorySize * 1024 * 1024)
        }
        if let cgroup {
            (launchCommand.executable, launchCommand.arguments) = cgroup.command(launchCommand.executable, launchCommand.arguments)
        } else if configuration.enforceMemoryLimit, FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") {
            let bytes = (function.memorySize + configuration.memoryLimitHeadroom) * 1024 * 1024
            launchCommand.arguments = ["--data=\(bytes)", "--", launchCommand.executable] + launchCommand.arguments
            launchCommand.executable = "/usr/bin/prlimit"
        }
        return try await FunctionInstance.launch(
            function: function,
            command: launchCommand,
            environment: environment,
            workingDirectory: function.codeDirectory.path,
            logStreamName: logStreamName,
            initTimeout: configuration.initTimeout,
            scratchDirectory: prepared.directory,
            memoryCgroup: cgroup,
            runAs: uid,
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
            logger: logger
        )
    }
}
