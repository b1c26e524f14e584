import Foundation
import Logging
import MoatAPIGateway
import MoatCognito
import MoatCore
import MoatIAM
import MoatLambda
import MoatLogs
import MoatStorage

/// The domains of Moat over one database, assembled once per process.
struct MoatDomains: Sendable {
    let configuration: ServerConfiguration
    let database: Database
    let iam: IAMDomain
    let lambda: LambdaDomain
    let logs: LogsDomain
    let cognito: CognitoDomain
    let apiGateway: APIGatewayDomain
    let functionLogs: FunctionLogBuffer
    let executor: FunctionExecutor
    /// Where Moat installs the python functions' boto3 itself, when no `--lambda-python-sdk` was given.
    let pythonSDKToInstall: URL?

    /// Every module's migrations, in dependency order.
    static let migrations: [Migration] = IAMDomain.migrations + LambdaDomain.migrations + LogsDomain.migrations + CognitoDomain.migrations
        + APIGatewayDomain.migrations

    static func open(_ configuration: ServerConfiguration, logger: Logger) async throws -> MoatDomains {
        let database = try await openDatabase(configuration, logger: logger)
        do {
            try await Migrator.run(migrations, on: database)
            let masterKey = try MasterKey.load(environmentValue: configuration.masterKey, dataDirectory: configuration.dataDirectory)
            let iam = IAMDomain(
                database: database,
                secretBox: SecretBox(key: masterKey),
                accountId: configuration.accountId,
                minimumSessionDuration: configuration.minimumSessionDuration,
                logger: logger
            )
            let logs = LogsDomain(database: database, accountId: configuration.accountId, region: configuration.region, logger: logger)
            let functionLogs = FunctionLogBuffer(logs: logs, logger: logger)
            let lambdaWork = configuration.lambdaWorkDirectory ?? LambdaRuntimes.defaultWorkDirectory(for: configuration.dataDirectory)
            try LambdaRuntimes.prepareWorkDirectory(lambdaWork, sharedWithFunctions: LambdaRuntimes.isolatesByDefault)
            let executor = FunctionExecutor(
                configuration: ExecutorConfiguration(
                    bootstrapDirectory: LambdaRuntimes.bootstrapDirectory,
                    endpointURL: configuration.resolvedPublicURL,
                    accountConcurrency: configuration.lambdaConcurrency,
                    scratchDirectory: lambdaWork.appendingPathComponent("instances", isDirectory: true),
                    interpreterSearchPath: LambdaRuntimes.hostSearchPath,
                    pythonSDKDirectory: configuration.lambdaPythonSDK ?? lambdaWork.appendingPathComponent("python-sdk", isDirectory: true)
                ),
                credentials: IAMFunctionCredentials(iam: iam),
                logs: functionLogs,
                logger: logger
            )
            let lambda = LambdaDomain(
                database: database,
                codeDirectory: lambdaWork.appendingPathComponent("code", isDirectory: true),
                accountId: configuration.accountId,
                region: configuration.region,
                roles: IAMExecutionRoles(iam: iam),
                executor: executor,
                limits: LambdaLimits(accountConcurrency: configuration.lambdaConcurrency)
            )
            let smtp = try configuration.smtp.map { hostPort in
                var smtp = try SMTPConfiguration(hostPort: hostPort)
                smtp.additionalTrustRootsPath = configuration.smtpTrustRoots
                return smtp
            }
            let cognito = CognitoDomain(
                database: database,
                masterKey: masterKey,
                accountId: configuration.accountId,
                region: configuration.region,
                publicURL: configuration.resolvedPublicURL,
                settings: configuration.cognito,
                smtp: smtp,
                logger: logger
            )
            return MoatDomains(
                configuration: configuration,
                database: database,
                iam: iam,
                lambda: lambda,
                logs: logs,
                cognito: cognito,
                apiGateway: APIGatewayDomain(database: database),
                functionLogs: functionLogs,
                executor: executor,
                pythonSDKToInstall: configuration.lambdaPythonSDK == nil ? lambdaWork.appendingPathComponent("python-sdk", isDirectory: true) : nil
            )
        } catch {
            await database.close()
            throw error
        }
    }

    /// Opens the configured database: PostgreSQL when a URL is given, else SQLite in the data directory.
    static func openDatabase(_ configuration: ServerConfiguration, logger: Logger) async throws -> Database {
        if let url = configuration.databaseURL {
            return try await Database.open(.postgres(url: url), logger: logger)
        }
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let path = configuration.dataDirectory.appendingPathComponent("moat.sqlite").path
        let database = try await Database.open(.sqlite(path: path), logger: logger)
        // Moat's user alone reads the database (SQLite gives its -wal and -shm files the database file's mode).
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
        return database
    }

    /// Applies every pending migration and returns; `moat migrate`.
    static func migrate(_ configuration: ServerConfiguration, logger: Logger) async throws {
        let database = try await openDatabase(configuration, logger: logger)
        do {
            try await Migrator.run(migrations, on: database)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    /// The Cognito outbox of the configured database (`moat mail`), without starting anything else.
    static func readOutbox(_ configuration: ServerConfiguration, logger: Logger) async throws -> [OutgoingMessage] {
        let database = try await openDatabase(configuration, logger: logger)
        do {
            try await Migrator.run(migrations, on: database)
            let masterKey = try MasterKey.load(environmentValue: configuration.masterKey, dataDirectory: configuration.dataDirectory)
            let cognito = CognitoDomain(
                database: database, masterKey: masterKey, accountId: configuration.accountId, region: configuration.region,
                publicURL: configuration.resolvedPublicURL, logger: logger
            )
            let messages = try await cognito.outboxMessages()
            await database.close()
            return messages
        } catch {
            await database.close()
            throw error
        }
    }

    var serviceBindings: [ServiceBinding] { [iam.iamBinding, iam.stsBinding, lambda.binding, logs.binding, cognito.binding, apiGateway.binding] }

    /// Installs the root key from the configuration, or generates one on first start.
    /// - Returns: the generated key when one was made now, so that it can be shown once.
    func ensureRootKey() async throws -> RootKey? {
        if let id = configuration.rootAccessKeyId, let secret = configuration.rootSecretAccessKey {
            try await iam.installRootKey(RootKey(accessKeyId: id, secretAccessKey: secret))
            return nil
        }
        return try await iam.generateRootKeyIfMissing()
    }

    /// Wipes all state (`--allow-reset`) but the root key, so that clients keep working.
    func reset() async throws {
        try await apiGateway.reset()
        try await lambda.reset()
        // Lines of the functions just removed, not yet written, must not recreate their log groups afterwards.
        await functionLogs.discard()
        try await logs.reset()
        try await cognito.reset()
        try await iam.reset()
    }
}
