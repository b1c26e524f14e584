public import Foundation
public import Logging
public import MoatCognito

/// Everything `moat serve` needs, resolved from flags and environment by the command line.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Where the SQLite database and the master key file live.
    public var dataDirectory: URL
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite.
    public var databaseURL: String?
    /// The URL clients reach Moat at; defaults to `http://HOST:PORT`.
    public var publicURL: String?
    public var accountId: String
    public var region: String
    /// Enables `POST /_moat/reset` and `POST /moto-api/reset`, which wipe all state.
    public var allowReset: Bool
    /// The root key pair from `MOAT_ROOT_ACCESS_KEY_ID` / `MOAT_ROOT_SECRET_ACCESS_KEY`, if given.
    public var rootAccessKeyId: String?
    public var rootSecretAccessKey: String?
    /// `MOAT_MASTER_KEY`: base64 of 32 bytes; else a key file in the data directory.
    public var masterKey: String?
    /// Accepted SigV4 clock skew (AWS: 5 minutes).
    public var allowedClockSkew: TimeInterval
    /// The shortest STS session (AWS: 900 s); lower only so that tests can see credentials expire.
    public var minimumSessionDuration: Int
    /// Largest accepted request body.
    public var maximumBodySize: Int
    /// Largest accepted request head (request line and headers).
    public var maximumHeaderSize: Int
    /// The most AWS requests handled at once; more are refused with 503 at once.
    public var maximumConcurrentRequests: Int
    /// A connection that sends nothing for this long is closed, so that slow or stalled clients hold no resources.
    public var idleTimeout: Duration
    public var logLevel: Logger.Level
    /// Lambda: concurrent executions of the account on this node (AWS: 1000; `moat serve` sizes it for the machine).
    public var lambdaConcurrency: Int
    /// Lambda: the delays before the two retries of a failed `Event` invocation (AWS: 1 and 2 minutes).
    public var lambdaEventRetryDelays: [Duration]
    /// Lambda: a directory added to python functions' `PYTHONPATH` holding the SDK (boto3), as Lambda's python
    /// runtimes include one; `scripts/lambda-python-sdk.sh DIR` installs the pinned boto3 there.
    public var lambdaPythonSDK: URL?
    /// Lambda: where unpacked packages and instance directories go (a cache); default: a directory of the system's
    /// temporary directory named after the data directory.
    public var lambdaWorkDirectory: URL?
    /// Cognito: password-hash cost, lockout and token-validity floors (AWS's and OWASP's values by default).
    public var cognito: CognitoSettings
    /// `MOAT_SMTP=host:port`: where Cognito's email goes (STARTTLS when offered, certificates verified; extra trust
    /// roots from `MOAT_SMTP_CA_FILE`). Without it, messages wait in the outbox (`moat mail`).
    public var smtp: String?
    public var smtpTrustRoots: String?

    public init(
        host: String = "127.0.0.1",
        port: Int = 4566,
        dataDirectory: URL = URL(fileURLWithPath: ".moat"),
        databaseURL: String? = nil,
        publicURL: String? = nil,
        accountId: String = "000000000000",
        region: String = "us-east-1",
        allowReset: Bool = false,
        rootAccessKeyId: String? = nil,
        rootSecretAccessKey: String? = nil,
        masterKey: String? = nil,
        allowedClockSkew: TimeInterval = 300,
        minimumSessionDuration: Int = 900,
        maximumBodySize: Int = 10 * 1024 * 1024,
        maximumHeaderSize: Int = 64 * 1024,
        maximumConcurrentRequests: Int = 1024,
        idleTimeout: Duration = .seconds(60),
        logLevel: Logger.Level = .info,
        lambdaConcurrency: Int = 1000,
        lambdaEventRetryDelays: [Duration] = [.seconds(60), .seconds(120)],
        lambdaPythonSDK: URL? = nil,
        lambdaWorkDirectory: URL? = nil,
        cognito: CognitoSettings = CognitoSettings(),
        smtp: String? = nil,
        smtpTrustRoots: String? = nil
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.publicURL = publicURL
        self.accountId = accountId
        self.region = region
        self.allowReset = allowReset
        self.rootAccessKeyId = rootAccessKeyId
        self.rootSecretAccessKey = rootSecretAccessKey
        self.masterKey = masterKey
        self.allowedClockSkew = allowedClockSkew
        self.minimumSessionDuration = minimumSessionDuration
        self.maximumBodySize = maximumBodySize
        self.maximumHeaderSize = maximumHeaderSize
        self.maximumConcurrentRequests = maximumConcurrentRequests
        self.idleTimeout = idleTimeout
        self.logLevel = logLevel
        self.lambdaConcurrency = lambdaConcurrency
        self.lambdaEventRetryDelays = lambdaEventRetryDelays
        self.lambdaPythonSDK = lambdaPythonSDK
        self.lambdaWorkDirectory = lambdaWorkDirectory
        self.cognito = cognito
        self.smtp = smtp
        self.smtpTrustRoots = smtpTrustRoots
    }

    /// The endpoint URL clients use.
    public var resolvedPublicURL: String { publicURL ?? "http://\(host):\(port)" }
}
