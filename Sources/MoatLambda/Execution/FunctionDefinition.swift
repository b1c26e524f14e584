public import Foundation

/// Everything an execution environment needs to run one function; built by the control plane.
public struct FunctionDefinition: Sendable {
    /// The function's name, `my-function`.
    public var name: String
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`; passed to the runtime as the invoked function ARN.
    public var arn: String
    /// `$LATEST` or a published version number.
    public var version: String
    /// Changes whenever code or configuration change; instances of another revision are never reused.
    public var revision: String
    /// `python3.12`, `nodejs20.x`, `provided.al2023`, …
    public var runtime: String
    /// `module.function` for the managed runtimes; free-form (or nil) for `provided.*`.
    public var handler: String?
    /// The unzipped code (`LAMBDA_TASK_ROOT`); never written.
    public var codeDirectory: URL
    /// Memory size in MB.
    public var memorySize: Int
    /// Timeout in seconds.
    public var timeout: Int
    /// The function's own environment variables; the reserved ones win over these.
    public var environment: [String: String]
    public var region: String
    /// The execution role's ARN, whose credentials the instance runs with.
    public var role: String

    public init(
        name: String,
        arn: String,
        version: String = "$LATEST",
        revision: String,
        runtime: String,
        handler: String?,
        codeDirectory: URL,
        memorySize: Int = 128,
        timeout: Int = 3,
        environment: [String: String] = [:],
        region: String,
        role: String
    ) {
        self.name = name
        self.arn = arn
        self.version = version
        self.revision = revision
        self.runtime = runtime
        self.handler = handler
        self.codeDirectory = codeDirectory
        self.memorySize = memorySize
        self.timeout = timeout
        self.environment = environment
        self.region = region
        self.role = role
    }

    /// `/aws/lambda/NAME`.
    public var logGroupName: String { "/aws/lambda/\(name)" }
}

/// One synchronous invocation.
public struct InvocationRequest: Sendable {
    public var requestId: String
    public var payload: [UInt8]
    /// The client context as JSON text. The Invoke API carries it base64-encoded in `X-Amz-Client-Context`; the
    /// Runtime API passes the decoded JSON in `Lambda-Runtime-Client-Context`, so the caller decodes it.
    public var clientContext: String?
    /// The Cognito identity as JSON text (`{"cognitoIdentityId":…,"cognitoIdentityPoolId":…}`).
    public var cognitoIdentity: String?
    /// `Root=1-…;Parent=…;Sampled=0`, passed as `Lambda-Runtime-Trace-Id`.
    public var traceId: String?

    public init(
        requestId: String,
        payload: [UInt8],
        clientContext: String? = nil,
        cognitoIdentity: String? = nil,
        traceId: String? = nil
    ) {
        self.requestId = requestId
        self.payload = payload
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.traceId = traceId
    }
}

/// What an invocation produced: the Invoke response body, `X-Amz-Function-Error`, and the log (`X-Amz-Log-Result`).
public struct InvocationResult: Sendable {
    public var payload: [UInt8]
    /// `Unhandled` when the function failed, nil on success.
    public var functionError: String?
    /// This invocation's log lines, each ending in a newline: `START …`, the function's output, `END …`, `REPORT …`.
    public var log: String
    /// From the moment the runtime received the event to its answer (or the timeout).
    public var duration: Duration
    /// Set on a cold start: from spawning the runtime to its first `GET /invocation/next`.
    public var initDuration: Duration?

    public init(payload: [UInt8], functionError: String?, log: String, duration: Duration, initDuration: Duration?) {
        self.payload = payload
        self.functionError = functionError
        self.log = log
        self.duration = duration
        self.initDuration = initDuration
    }
}

/// Temporary credentials of the function's execution role.
public struct FunctionCredentials: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String
    public var expiration: Date

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String, expiration: Date) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// Issues the credentials an instance runs with (the composition root: STS AssumeRole of the execution role).
public protocol FunctionCredentialProviding: Sendable {
    func credentials(for function: FunctionDefinition) async throws -> FunctionCredentials
}

/// Receives every log line of every instance (the composition root: CloudWatch Logs).
public protocol FunctionLogSink: Sendable {
    /// - Parameters:
    ///   - function: the function the lines belong to; the log group is `function.logGroupName`.
    ///   - stream: the instance's log stream, `YYYY/MM/DD/[VERSION]<32 hex>`.
    ///   - lines: in order, without trailing newlines.
    func append(function: FunctionDefinition, stream: String, lines: [(timestamp: Date, message: String)]) async
}
