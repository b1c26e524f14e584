import Foundation
import Logging
import MoatIAM
import MoatLambda
import MoatLogs
import Synchronization
import ServiceLifecycle

/// Lambda's execution roles are IAM roles that trust `lambda.amazonaws.com`.
struct IAMExecutionRoles: ExecutionRoleChecking {
    let iam: IAMDomain

    func lambdaCanAssume(roleArn: String) async throws -> Bool {
        try await iam.serviceMayAssume(roleArn: roleArn, servicePrincipal: LambdaPrincipal.service)
    }
}

/// A function instance runs with a session of its execution role, named after the function, as on AWS.
struct IAMFunctionCredentials: FunctionCredentialProviding {
    let iam: IAMDomain

    func credentials(for function: FunctionDefinition) async throws -> FunctionCredentials {
        guard
            let session = try await iam.assumeRoleForService(
                roleArn: function.role,
                servicePrincipal: LambdaPrincipal.service,
                sessionName: function.name,
                duration: LambdaPrincipal.sessionDuration
            )
        else {
            throw ExecutionError.credentialsUnavailable("The role defined for the function cannot be assumed by Lambda.")
        }
        return FunctionCredentials(
            accessKeyId: session.accessKeyId,
            secretAccessKey: session.secretAccessKey,
            sessionToken: session.sessionToken,
            expiration: session.expiration
        )
    }
}

enum LambdaPrincipal {
    static let service = "lambda.amazonaws.com"
    /// Asked for 12 hours; the role's MaxSessionDuration (1 hour by default) caps it.
    static let sessionDuration = 43_200
}

/// Function output becomes CloudWatch Logs events of `/aws/lambda/NAME`, one stream per instance, as on Lambda.
///
/// Lines are written in batches a moment later, as CloudWatch receives them, so that an invocation never waits for
/// the database; what is buffered is bounded, and written at shutdown.
final class FunctionLogBuffer: FunctionLogSink, Service, Sendable {
    private struct Key: Hashable {
        let group: String
        let stream: String
    }

    private struct Buffer {
        var lines: [Key: [(timestamp: Date, message: String)]] = [:]
        var count = 0
        var dropped = 0
        /// Flushes writing at the moment.
        var flushing = 0
    }

    let logs: LogsDomain
    let logger: Logger
    let interval: Duration
    /// Lines kept waiting at most; beyond, the oldest batch waits no more (and a warning says how many were lost).
    let capacity: Int
    private let buffer = Mutex(Buffer())

    init(logs: LogsDomain, logger: Logger, interval: Duration = .milliseconds(200), capacity: Int = 200_000) {
        self.logs = logs
        self.logger = logger
        self.interval = interval
        self.capacity = capacity
    }

    func append(function: FunctionDefinition, stream: String, lines: [(timestamp: Date, message: String)]) async {
        append(group: function.logGroupName, stream: stream, lines: lines)
    }

    /// Buffers lines for a log group and stream (created when missing): function output, API Gateway access logs.
    func append(group: String, stream: String, lines: [(timestamp: Date, message: String)]) {
        buffer.withLock { buffer in
            if buffer.count + lines.count > capacity {
                buffer.dropped += buffer.count
                buffer.lines = [:]
                buffer.count = 0
            }
            buffer.lines[Key(group: group, stream: stream), default: []] += lines
            buffer.count += lines.count
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await flush()
    }

    /// Drops what is buffered and waits for a flush under way to end (`--allow-reset`, before the log groups go).
    func discard() async {
        buffer.withLock { buffer in
            buffer.lines = [:]
            buffer.count = 0
        }
        for _ in 0..<1000 where buffer.withLock({ $0.flushing > 0 }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func flush() async {
        let (batches, dropped) = buffer.withLock { buffer in
            defer {
                buffer.lines = [:]
                buffer.count = 0
                buffer.dropped = 0
                buffer.flushing += 1
            }
            return (buffer.lines, buffer.dropped)
        }
        defer { buffer.withLock { $0.flushing -= 1 } }
        if dropped > 0 { logger.warning("function log lines dropped: the buffer was full", metadata: ["count": "\(dropped)"]) }
        for (key, lines) in batches {
            do {
                try await logs.append(group: key.group, stream: key.stream, events: lines)
            } catch {
                logger.warning("function log lines could not be stored", metadata: ["aws.log.group": "\(key.group)", "error": "\(error)"])
            }
        }
    }
}

/// Runs queued `Event` invocations for the server's lifetime, and stops every function instance at shutdown.
struct LambdaLifecycle: Service {
    let lambda: LambdaDomain
    let executor: FunctionExecutor
    let configuration: EventRunnerConfiguration
    let pythonSDKToInstall: URL?
    let logger: Logger

    func run() async throws {
        try await lambda.resume()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let pythonSDKToInstall {
                    group.addTask { await PythonSDK.ensureInstalled(at: pythonSDKToInstall, logger: logger) }
                }
                await lambda.runEvents(configuration, logger: logger)
            }
        }
        await executor.shutdown()
    }
}
