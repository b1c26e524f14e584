import Foundation
import Logging
import MoatIAM
import MoatLambda
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

/// Function output goes to Moat's log at debug level, one line per line the function wrote.
struct LoggerFunctionLogSink: FunctionLogSink {
    let logger: Logger

    func append(function: FunctionDefinition, stream: String, lines: [(timestamp: Date, message: String)]) async {
        for line in lines {
            logger.debug(
                "\(line.message)",
                metadata: ["aws.lambda.function": "\(function.name)", "aws.log.group": "\(function.logGroupName)", "aws.log.stream": "\(stream)"]
            )
        }
    }
}

/// Runs queued `Event` invocations for the server's lifetime, and stops every function instance at shutdown.
struct LambdaLifecycle: Service {
    let lambda: LambdaDomain
    let executor: FunctionExecutor
    let configuration: EventRunnerConfiguration
    let logger: Logger

    func run() async throws {
        try await lambda.resume()
        await cancelWhenGracefulShutdown {
            await lambda.runEvents(configuration, logger: logger)
        }
        await executor.shutdown()
    }
}
