import Foundation
import MoatCore

/// The environment of a function process: exactly these variables, nothing inherited from Moat.
enum FunctionEnvironment {
    /// Variables a function may not set (AWS refuses them at CreateFunction; here Moat's values win).
    static let reserved: Set<String> = [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR", "AWS_ENDPOINT_URL",
    ]

    /// Everything but `AWS_LAMBDA_RUNTIME_API`, which the instance adds once its listener is bound.
    static func make(
        function: FunctionDefinition,
        command: RuntimeCatalog.Launch,
        credentials: FunctionCredentials,
        logStreamName: String,
        home: String,
        configuration: ExecutorConfiguration
    ) -> [String: String] {
        let interpreterDirectory = (command.executable as NSString).deletingLastPathComponent
        var path = configuration.functionPath
        if !interpreterDirectory.isEmpty, !path.split(separator: ":").contains(Substring(interpreterDirectory)) {
            path = interpreterDirectory + ":" + path
        }
        // Overridable, as on AWS (PATH, LANG, TZ).
        var environment: [String: String] = [
            "PATH": path,
            "HOME": home,
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
        ]
        if function.runtime.hasPrefix("python"), let sdk = configuration.pythonSDKDirectory {
            environment["PYTHONPATH"] = sdk.path
        }
        for (name, value) in function.environment where !reserved.contains(name) {
            environment[name] = value
        }
        environment["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = function.version
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.memorySize)
        environment["AWS_REGION"] = function.region
        environment["AWS_DEFAULT_REGION"] = function.region
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = function.logGroupName
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName
        environment["_HANDLER"] = function.handler ?? ""
        environment["LAMBDA_TASK_ROOT"] = function.codeDirectory.path
        environment["LAMBDA_RUNTIME_DIR"] = command.runtimeDirectory
        if let executionEnvironment = command.executionEnvironment {
            environment["AWS_EXECUTION_ENV"] = executionEnvironment
        }
        environment["AWS_ENDPOINT_URL"] = configuration.endpointURL
        environment["AWS_ACCESS_KEY_ID"] = credentials.accessKeyId
        environment["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
        environment["AWS_SESSION_TOKEN"] = credentials.sessionToken
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        return environment
    }

    /// `YYYY/MM/DD/[VERSION]<32 hex>`, the date in UTC.
    static func logStreamName(version: String, date: Date = Date()) -> String {
        let (days, _) = CivilDate.split(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
        let (year, month, day) = CivilDate.civil(fromDays: days)
        let random = (0..<16).map { _ in UInt8.random(in: 0...255) }
        return "\(CivilDate.pad(year, 4))/\(CivilDate.pad(month, 2))/\(CivilDate.pad(day, 2))/[\(version)]\(Hex.lowercase(random))"
    }
}

/// Lambda's platform lines around an invocation's output.
enum InvocationLog {
    static func start(requestId: String, version: String) -> String {
        "START RequestId: \(requestId) Version: \(version)"
    }

    static func end(requestId: String) -> String {
        "END RequestId: \(requestId)"
    }

    /// `REPORT RequestId: …\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 35 MB\t`
    /// and, on a cold start, `Init Duration: 80.12 ms\t`.
    static func report(requestId: String, duration: Duration, memorySize: Int, maxMemoryUsed: Int, initDuration: Duration?) -> String {
        let milliseconds = Self.milliseconds(duration)
        var line = "REPORT RequestId: \(requestId)\tDuration: \(String(format: "%.2f", milliseconds)) ms"
        line += "\tBilled Duration: \(max(1, Int(milliseconds.rounded(.up)))) ms"
        line += "\tMemory Size: \(memorySize) MB\tMax Memory Used: \(maxMemoryUsed) MB\t"
        if let initDuration {
            line += "Init Duration: \(String(format: "%.2f", Self.milliseconds(initDuration))) ms\t"
        }
        return line
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
