public import Foundation

/// How a ``FunctionExecutor`` runs instances.
public struct ExecutorConfiguration: Sendable {
    /// The `Runtimes/` directory holding `python/bootstrap.py` and `node/bootstrap.mjs`.
    public var bootstrapDirectory: URL
    /// Moat's public URL, given to functions as `AWS_ENDPOINT_URL`.
    public var endpointURL: String
    /// Most instances busy at once across all functions (AWS's default account limit is 1000).
    public var accountConcurrency: Int
    /// An instance idle this long is stopped.
    public var idleTimeout: Duration
    /// Where per-instance directories (the function's `HOME`, its `/tmp` equivalent) are created.
    public var scratchDirectory: URL
    /// Longest time from spawning a runtime to its first `GET /invocation/next` (AWS: 10 s).
    public var initTimeout: Duration
    /// Directories searched for `python3.X`, `python3` and `node`; the composition root may pass the host's `PATH`.
    public var interpreterSearchPath: [String]
    /// `PATH` of every function process, after the interpreter's own directory.
    public var functionPath: String
    /// Holds each instance to its function's memory size: in a memory cgroup of its own where Moat can create one
    /// (cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`), else by its data segment (`RLIMIT_DATA` through
    /// `prlimit(1)`, memory size plus ``memoryLimitHeadroom`` MB: interpreters reserve more than they touch).
    public var enforceMemoryLimit: Bool
    /// MB added to the memory size when ``enforceMemoryLimit`` is on.
    public var memoryLimitHeadroom: Int
    /// Whether each function runs under a uid of its own (see ``FunctionSandbox``); nil: when Moat runs as root and
    /// `setpriv` is installed.
    public var isolation: Bool?
    /// The first uid given to a function when isolating; the next functions get the following ones.
    public var isolationBaseUID: UInt32
    /// Put on python functions' `PYTHONPATH`: the SDK layer (boto3) that Lambda's python runtimes include.
    public var pythonSDKDirectory: URL?

    public init(
        bootstrapDirectory: URL,
        endpointURL: String,
        accountConcurrency: Int = 1000,
        idleTimeout: Duration = .seconds(300),
        scratchDirectory: URL = FileManager.default.temporaryDirectory.appendingPathComponent("moat-lambda", isDirectory: true),
        initTimeout: Duration = .seconds(10),
        interpreterSearchPath: [String] = ["/usr/local/bin", "/usr/bin", "/bin"],
        functionPath: String = "/usr/local/bin:/usr/bin:/bin",
        enforceMemoryLimit: Bool = true,
        memoryLimitHeadroom: Int = 64,
        pythonSDKDirectory: URL? = nil,
        isolation: Bool? = nil,
        isolationBaseUID: UInt32 = 200_000
    ) {
        self.bootstrapDirectory = bootstrapDirectory
        self.endpointURL = endpointURL
        self.accountConcurrency = accountConcurrency
        self.idleTimeout = idleTimeout
        self.scratchDirectory = scratchDirectory
        self.initTimeout = initTimeout
        self.interpreterSearchPath = interpreterSearchPath
        self.functionPath = functionPath
        self.enforceMemoryLimit = enforceMemoryLimit
        self.memoryLimitHeadroom = memoryLimitHeadroom
        self.pythonSDKDirectory = pythonSDKDirectory
        self.isolation = isolation
        self.isolationBaseUID = isolationBaseUID
    }
}

/// Why ``FunctionExecutor/invoke(_:_:)`` could not run an invocation. Equal when the codes are equal.
public struct ExecutionError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        case tooManyRequests
        case reservedConcurrencyExceeded
        case runtimeNotAvailable
        case credentialsUnavailable
        case launchFailed
        case shutDown
    }

    let code: Code
    /// Human-readable detail, also the wire message.
    public let message: String

    /// No instance free within the account concurrency: Lambda's `TooManyRequestsException`, `Rate Exceeded.`,
    /// reason `ConcurrentInvocationLimitExceeded`. AWS throttles synchronous invokes rather than queueing them.
    public static var tooManyRequests: ExecutionError { .init(code: .tooManyRequests, message: "Rate Exceeded.") }
    /// The function's reserved concurrency is in use: reason `ReservedFunctionConcurrentInvocationLimitExceeded`.
    public static var reservedConcurrencyExceeded: ExecutionError { .init(code: .reservedConcurrencyExceeded, message: "Rate Exceeded.") }
    /// Either kind of throttling: the invocation may succeed later.
    public var isThrottling: Bool { code == .tooManyRequests || code == .reservedConcurrencyExceeded }
    /// The runtime is unknown or its interpreter is not installed on this host.
    public static func runtimeNotAvailable(_ detail: String) -> ExecutionError { .init(code: .runtimeNotAvailable, message: detail) }
    /// The execution role's credentials could not be obtained.
    public static func credentialsUnavailable(_ detail: String) -> ExecutionError { .init(code: .credentialsUnavailable, message: detail) }
    /// The instance could not be started (listener, working directory, spawn).
    public static func launchFailed(_ detail: String) -> ExecutionError { .init(code: .launchFailed, message: detail) }
    /// ``FunctionExecutor/shutdown()`` has run.
    public static var shutDown: ExecutionError { .init(code: .shutDown, message: "The Lambda executor is shutting down.") }

    /// The Lambda error code to answer Invoke with.
    public var errorCode: String {
        switch code {
        case .tooManyRequests, .reservedConcurrencyExceeded: "TooManyRequestsException"
        case .runtimeNotAvailable: "InvalidRuntimeException"
        case .credentialsUnavailable, .launchFailed, .shutDown: "ServiceException"
        }
    }

    /// The `Reason` member of `TooManyRequestsException`.
    public var reason: String? {
        switch code {
        case .tooManyRequests: "ConcurrentInvocationLimitExceeded"
        case .reservedConcurrencyExceeded: "ReservedFunctionConcurrentInvocationLimitExceeded"
        default: nil
        }
    }

    /// The HTTP status of ``errorCode`` in the Lambda model.
    public var httpStatus: Int {
        switch code {
        case .tooManyRequests, .reservedConcurrencyExceeded: 429
        case .runtimeNotAvailable: 502
        case .credentialsUnavailable, .launchFailed, .shutDown: 500
        }
    }

    public var description: String { "\(errorCode): \(message)" }

    public static func == (lhs: ExecutionError, rhs: ExecutionError) -> Bool { lhs.code == rhs.code }
}
