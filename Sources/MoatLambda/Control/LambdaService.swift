import Crypto
import Foundation
import MoatCore

/// Lambda's control plane: functions' lifecycle, and Invoke.
struct LambdaService: LambdaOperations {
    let store: LambdaStore
    let code: CodeCache
    let roles: any ExecutionRoleChecking
    let executor: FunctionExecutor
    let events: EventQueue
    /// Wakes the event runner when an event was queued.
    let eventsWaiting: WakeSignal
    let limits: LambdaLimits
    let accountId: String
    let region: String

    /// The runtimes Moat runs (see docs/lambda.md for the interpreters each maps to).
    static let runtimes: Set<String> = [
        "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
        "nodejs18.x", "nodejs20.x", "nodejs22.x",
        "provided", "provided.al2", "provided.al2023",
    ]

    /// Variables Lambda sets itself, which a function may not define (AWS Lambda Developer Guide, "Defined runtime
    /// environment variables": the reserved ones).
    static let reservedVariables: Set<String> = [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ]

    // MARK: functions

    func createFunction(_ input: Lambda.CreateFunctionRequest, context: OperationContext) async throws -> Lambda.FunctionConfiguration {
        let name = try FunctionName.parse(input.functionName, accountId: context.accountId, region: context.region)
        guard name.qualifier == nil else {
            throw ServiceError.lambdaInvalidParameter("Function name cannot contain a qualifier: \(input.functionName)")
        }
        if let packageType = input.packageType, packageType != .zip {
            throw ServiceError.lambdaInvalidParameter("Moat runs .zip deployment packages only; PackageType \(packageType.rawValue) is not supported.")
        }
        guard let runtime = input.runtime?.rawValue, let handler = input.handler else {
            throw ServiceError.lambdaInvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        try Self.checkRuntime(runtime)
        try Self.checkTimeout(input.timeout)
        let environment = input.environment?.variables ?? [:]
        try Self.checkEnvironment(environment)
        guard let zip = input.code.zipFile.map(Array.init) else {
            throw ServiceError.lambdaInvalidParameter("Moat takes function code as ZipFile only; S3 locations and images are not supported.")
        }
        guard try await roles.lambdaCanAssume(roleArn: input.role) else {
            throw ServiceError.lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
        }
        let sha256 = try await code.prepare(zip, limits: limits, operation: "CreateFunction")

        let record = FunctionRecord(
            name: name.name,
            runtime: runtime,
            role: input.role,
            handler: handler,
            description: input.description ?? "",
            timeout: input.timeout ?? 3,
            memorySize: input.memorySize ?? 128,
            environment: environment,
            codeSha256: sha256,
            codeSize: zip.count,
            revisionId: UUID().uuidString.lowercased(),
            lastModified: context.now,
            createdAt: context.now
        )
        guard try await store.insert(record, zip: zip) else {
            throw ServiceError.lambda(Lambda.Errors.resourceConflict, "Function already exist: \(name.name)")
        }
        // The package is stored and unpacked before the answer, so the function is active at once; AWS reports the
        // first answer as Pending (clients wait with `function_active_v2`), and so does Moat.
        var configuration = configuration(of: record)
        configuration.state = .pending
        configuration.stateReason = "The function is being created."
        configuration.stateReasonCode = .creating
        return configuration
    }

    func getFunction(_ input: Lambda.GetFunctionRequest, context: OperationContext) async throws -> Lambda.GetFunctionResponse {
        let record = try await existing(input.functionName, qualifier: input.qualifier, context: context)
        return Lambda.GetFunctionResponse(
            configuration: configuration(of: record),
            code: Lambda.FunctionCodeLocation(repositoryType: "S3")
        )
    }

    func getFunctionConfiguration(
        _ input: Lambda.GetFunctionConfigurationRequest,
        context: OperationContext
    ) async throws -> Lambda.FunctionConfiguration {
        configuration(of: try await existing(input.functionName, qualifier: input.qualifier, context: context))
    }

    func listFunctions(_ input: Lambda.ListFunctionsRequest, context: OperationContext) async throws -> Lambda.ListFunctionsResponse {
        let limit = input.maxItems ?? 50
        let records = try await store.functions(after: input.marker, limit: limit + 1)
        let page = records.prefix(limit)
        return Lambda.ListFunctionsResponse(
            nextMarker: records.count > limit ? page.last?.name : nil,
            functions: page.map { configuration(of: $0) }
        )
    }

    func deleteFunction(_ input: Lambda.DeleteFunctionRequest, context: OperationContext) async throws -> Lambda.DeleteFunctionResponse {
        let name = try FunctionName.parse(input.functionName, accountId: context.accountId, region: context.region)
        if let qualifier = input.qualifier ?? name.qualifier, qualifier != "$LATEST" {
            throw ServiceError.lambdaNotFound("Function not found: \(arn(name.name)):\(qualifier)")
        }
        guard try await store.delete(named: name.name) else {
            throw ServiceError.lambdaNotFound("Function not found: \(arn(name.name))")
        }
        await executor.retire(functionName: name.name)
        return Lambda.DeleteFunctionResponse(statusCode: 204)
    }

    func getAccountSettings(
        _ input: Lambda.GetAccountSettingsRequest,
        context: OperationContext
    ) async throws -> Lambda.GetAccountSettingsResponse {
        let usage = try await store.usage()
        return Lambda.GetAccountSettingsResponse(
            accountLimit: Lambda.AccountLimit(
                totalCodeSize: 80_530_636_800,
                codeSizeUnzipped: Int64(limits.maximumUnzippedSize),
                codeSizeZipped: Int64(limits.maximumZipSize),
                concurrentExecutions: limits.accountConcurrency,
                unreservedConcurrentExecutions: limits.accountConcurrency
            ),
            accountUsage: Lambda.AccountUsage(totalCodeSize: usage.codeSize, functionCount: usage.functions)
        )
    }

    // MARK: helpers

    func existing(_ functionName: String, qualifier: String?, context: OperationContext) async throws -> FunctionRecord {
        let name = try FunctionName.parse(functionName, accountId: context.accountId, region: context.region)
        let qualifier = qualifier ?? name.qualifier
        guard let record = try await store.function(named: name.name), qualifier == nil || qualifier == "$LATEST" else {
            let suffix = qualifier.map { ":\($0)" } ?? ""
            throw ServiceError.lambdaNotFound("Function not found: \(arn(name.name))\(suffix)")
        }
        return record
    }

    func arn(_ name: String) -> String {
        "arn:aws:lambda:\(region):\(accountId):function:\(name)"
    }

    func configuration(of record: FunctionRecord) -> Lambda.FunctionConfiguration {
        Lambda.FunctionConfiguration(
            functionName: record.name,
            functionArn: arn(record.name),
            runtime: Lambda.Runtime(rawValue: record.runtime),
            role: record.role,
            handler: record.handler,
            codeSize: Int64(record.codeSize),
            description: record.description,
            timeout: record.timeout,
            memorySize: record.memorySize,
            lastModified: Self.lastModified(record.lastModified),
            codeSha256: record.codeSha256,
            version: "$LATEST",
            environment: record.environment.isEmpty ? nil : Lambda.EnvironmentResponse(variables: record.environment),
            tracingConfig: Lambda.TracingConfigResponse(mode: .passThrough),
            revisionId: record.revisionId,
            state: .active,
            lastUpdateStatus: .successful,
            packageType: .zip,
            architectures: [.x8664],
            ephemeralStorage: Lambda.EphemeralStorage(size: 512),
            snapStart: Lambda.SnapStartResponse(applyOn: Lambda.SnapStartApplyOn.none, optimizationStatus: .off),
            loggingConfig: Lambda.LoggingConfig(logFormat: .text, logGroup: "/aws/lambda/\(record.name)")
        )
    }

    /// `2026-01-02T03:04:05.678+0000`, as Lambda writes `LastModified`.
    static func lastModified(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = CivilDate.iso8601(epochSeconds: millis / 1000)  // 2026-01-02T03:04:05Z
        let fraction = String(millis % 1000)
        return String(seconds.dropLast()) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "+0000"
    }

    static func checkRuntime(_ runtime: String) throws {
        guard runtimes.contains(runtime) else {
            throw ServiceError.lambdaInvalidParameter(
                "The runtime parameter of \(runtime) is no longer supported for creating or updating AWS Lambda functions. We recommend "
                    + "you use a supported runtime while creating or updating functions."
            )
        }
    }

    /// The model sets no upper bound; Lambda's is 15 minutes, reported as a model constraint.
    static func checkTimeout(_ timeout: Int?) throws {
        guard let timeout, timeout > maximumTimeout else { return }
        throw ServiceError(
            LambdaDomain.validationError,
            "1 validation error detected: Value '\(timeout)' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to \(maximumTimeout)"
        )
    }

    static let maximumTimeout = 900

    static func checkEnvironment(_ variables: [String: String]) throws {
        let reserved = variables.keys.filter { reservedVariables.contains($0) }.sorted()
        if !reserved.isEmpty {
            throw ServiceError.lambdaInvalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains "
                    + "reserved keys that are currently not supported for modification. Reserved keys used in this request: "
                    + reserved.joined(separator: ", ")
            )
        }
        // Lambda measures the variables as JSON; 4 KB in all.
        let measured = "{" + variables.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}"
        if measured.utf8.count > 4096 {
            throw ServiceError.lambdaInvalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded "
                    + "the 4KB limit. String measured: \(measured)"
            )
        }
    }
}
