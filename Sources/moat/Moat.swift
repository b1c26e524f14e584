public import ArgumentParser
import Foundation
import Hummingbird
public import Logging
import MoatApp
import MoatCognito
import MoatLambda

@main
struct Moat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat",
        abstract: "The AWS stack for securing microservices, on your own machine: IAM, STS and more, on the AWS wire protocols.",
        subcommands: [Serve.self, Migrate.self, LogsCommand.self, UserCommand.self, MailCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by every command that opens Moat's data.
struct DataOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite database and the master key file.")
    var dataDir: String = "./.moat"

    @Option(help: "PostgreSQL URL (postgres://user:password@host:port/database) instead of the embedded SQLite.")
    var databaseURL: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the AWS APIs on one port (the default command).")

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int = 4566

    @OptionGroup var data: DataOptions

    @Option(help: "The URL clients reach Moat at (default http://HOST:PORT).")
    var publicURL: String?

    @Option(help: "The AWS account id Moat presents.")
    var accountId: String = "000000000000"

    @Option(help: "The AWS region Moat serves.")
    var region: String = "us-east-1"

    @Flag(help: "Enable POST /_moat/reset and POST /moto-api/reset, which wipe all state.")
    var allowReset: Bool = false

    @Option(help: "Seconds after which a connection that sends nothing is closed.")
    var idleTimeout: Int = 60

    @Option(help: "The shortest STS session in seconds (AWS: 900). Lower it only so that tests can see credentials expire.")
    var minimumSessionDuration: Int = 900

    @Option(help: "Lambda: concurrent executions of the account (default: one per 256 MiB of memory, 10…1000; AWS: 1000).")
    var lambdaConcurrency: Int = LambdaLimits.machineConcurrency()

    @Option(help: "Lambda: seconds before each of the two retries of a failed Event invocation (AWS: 60,120).")
    var lambdaEventRetryDelays: String = "60,120"

    @Option(help: "Lambda: directory added to python functions' PYTHONPATH, holding boto3 (scripts/lambda-python-sdk.sh installs it).")
    var lambdaPythonSDK: String?

    @Option(help: "Lambda: directory for unpacked packages and instances, a cache (default: one under /tmp per data directory).")
    var lambdaWorkDir: String?

    @Option(help: "Cognito: PBKDF2-SHA256 iterations of new password hashes (OWASP: 600000). Lower it only for tests.")
    var cognitoPasswordIterations: Int = 600_000

    @Option(help: "Cognito: seconds of the first lockout after 5 failed sign-ins, doubling with each further failure (AWS: 1).")
    var cognitoLockoutBase: Double = 1

    @Option(help: "Cognito: the shortest access and ID token validity in seconds an app client may set (AWS: 300).")
    var cognitoMinimumTokenValidity: Int = 300

    @Option(help: "Cognito: seconds a verification or password-reset code stays valid (AWS: 86400 and 3600). Lower it only for tests.")
    var cognitoCodeValidity: Int?

    var eventRetryDelays: [Duration]? {
        let parts = lambdaEventRetryDelays.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return parts.map { .milliseconds(Int64(($0 ?? 0) * 1000)) }
    }

    func validate() throws {
        let environment = ProcessInfo.processInfo.environment
        guard (1_000...10_000_000).contains(cognitoPasswordIterations) else {
            throw ValidationError("--cognito-password-iterations must be 1000…10000000")
        }
        guard cognitoLockoutBase > 0 else { throw ValidationError("--cognito-lockout-base must be positive") }
        guard (1...300).contains(cognitoMinimumTokenValidity) else { throw ValidationError("--cognito-minimum-token-validity must be 1…300") }
        if let smtp = environment["MOAT_SMTP"], !smtp.isEmpty {
            do { _ = try SMTPConfiguration(hostPort: smtp) } catch { throw ValidationError("MOAT_SMTP: \(error)") }
        }
        if let validity = cognitoCodeValidity, validity < 1 { throw ValidationError("--cognito-code-validity must be at least 1") }
        guard lambdaConcurrency >= 1 else { throw ValidationError("--lambda-concurrency must be at least 1") }
        guard eventRetryDelays != nil else { throw ValidationError("--lambda-event-retry-delays must be two non-negative numbers of seconds, e.g. 60,120") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard (1...900).contains(minimumSessionDuration) else { throw ValidationError("--minimum-session-duration must be 1…900") }
        guard accountId.count == 12, accountId.allSatisfy(\.isNumber) else { throw ValidationError("--account-id must be 12 digits") }
        if (environment["MOAT_ROOT_ACCESS_KEY_ID"] == nil) != (environment["MOAT_ROOT_SECRET_ACCESS_KEY"] == nil) {
            throw ValidationError("MOAT_ROOT_ACCESS_KEY_ID and MOAT_ROOT_SECRET_ACCESS_KEY must be set together")
        }
    }

    func run() async throws {
        let logger = makeLogger(level: data.logLevel)
        let configuration = serverConfiguration(ProcessInfo.processInfo.environment)
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }

    /// Flags first, then the environment, then defaults.
    func serverConfiguration(_ environment: [String: String]) -> ServerConfiguration {
        ServerConfiguration(
            host: host,
            port: port,
            dataDirectory: URL(fileURLWithPath: data.dataDir),
            databaseURL: data.databaseURL ?? environment["MOAT_DATABASE_URL"],
            publicURL: publicURL,
            accountId: accountId,
            region: region,
            allowReset: allowReset,
            rootAccessKeyId: environment["MOAT_ROOT_ACCESS_KEY_ID"],
            rootSecretAccessKey: environment["MOAT_ROOT_SECRET_ACCESS_KEY"],
            masterKey: environment["MOAT_MASTER_KEY"],
            minimumSessionDuration: minimumSessionDuration,
            idleTimeout: .seconds(idleTimeout),
            logLevel: data.logLevel,
            lambdaConcurrency: lambdaConcurrency,
            lambdaEventRetryDelays: eventRetryDelays ?? [.seconds(60), .seconds(120)],
            lambdaPythonSDK: (lambdaPythonSDK ?? environment["MOAT_LAMBDA_PYTHON_SDK"]).map { URL(fileURLWithPath: $0, isDirectory: true) },
            lambdaWorkDirectory: lambdaWorkDir.map { URL(fileURLWithPath: $0, isDirectory: true) },
            cognito: CognitoSettings(
                passwordHashIterations: cognitoPasswordIterations,
                lockoutBase: cognitoLockoutBase,
                minimumTokenValidity: TimeInterval(cognitoMinimumTokenValidity),
                confirmationCodeValidity: cognitoCodeValidity.map(TimeInterval.init) ?? 86_400,
                passwordResetCodeValidity: cognitoCodeValidity.map(TimeInterval.init) ?? 3600
            ),
            smtp: environment["MOAT_SMTP"].flatMap { $0.isEmpty ? nil : $0 },
            smtpTrustRoots: environment["MOAT_SMTP_CA_FILE"]
        )
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = ServerConfiguration(
            dataDirectory: URL(fileURLWithPath: data.dataDir),
            databaseURL: data.databaseURL ?? environment["MOAT_DATABASE_URL"],
            logLevel: data.logLevel
        )
        try await migrateDatabase(configuration, logger: makeLogger(level: data.logLevel))
    }
}

func makeLogger(level: Logger.Level) -> Logger {
    var logger = Logger(label: "moat") { label in LineLogHandler(label: label) }
    logger.logLevel = level
    return logger
}
