public import Foundation
public import Logging
public import MoatCore
public import MoatStorage

/// What Lambda needs of IAM: whether a role may be a function's execution role (it exists and trusts
/// `lambda.amazonaws.com`). The composition root conforms with IAM's own evaluation of the role's trust policy.
public protocol ExecutionRoleChecking: Sendable {
    func lambdaCanAssume(roleArn: String) async throws -> Bool
}

/// Lambda over one database: the service's binding, and the engine that runs functions.
public struct LambdaDomain: Sendable {
    let store: LambdaStore
    let service: LambdaService

    /// Model validation failures: Lambda answers `ValidationException` (not in the model's error list).
    static let validationError = ErrorDescriptor(code: "ValidationException", httpStatus: 400, isSenderFault: true)
    /// A request over an operation's size limit: Lambda answers `RequestEntityTooLargeException` ("Request must be
    /// smaller than N bytes for the X operation"), which the model does not list.
    static let requestEntityTooLarge = ErrorDescriptor(code: "RequestEntityTooLargeException", httpStatus: 413, isSenderFault: true)

    public static var migrations: [Migration] { LambdaStore.migrations }

    /// - Parameters:
    ///   - codeDirectory: where unpacked packages go (a cache of the database's packages).
    ///   - roles: IAM's answer to "may Lambda assume this role?".
    ///   - executor: runs functions.
    public init(
        database: Database,
        codeDirectory: URL,
        accountId: String,
        region: String,
        roles: any ExecutionRoleChecking,
        executor: FunctionExecutor,
        limits: LambdaLimits = LambdaLimits()
    ) {
        let store = LambdaStore(database: database)
        self.store = store
        self.service = LambdaService(
            store: store,
            code: CodeCache(root: codeDirectory),
            roles: roles,
            executor: executor,
            events: EventQueue(database: database),
            eventsWaiting: WakeSignal(),
            limits: limits,
            accountId: accountId,
            region: region
        )
    }

    /// Picks up what a previous process left: the functions' reserved concurrency for the executor, and events it
    /// had claimed but not finished.
    public func resume() async throws {
        for (name, reserved) in try await store.reservations() {
            service.executor.reserveConcurrency(reserved, for: name)
        }
        try await service.events.releaseClaimsOfDeadProcesses()
    }

    /// Runs queued `Event` invocations until the task is cancelled.
    public func runEvents(_ configuration: EventRunnerConfiguration, logger: Logger) async {
        await EventRunner(service: service, configuration: configuration, logger: logger).run()
    }

    public var binding: ServiceBinding {
        let service = service
        return ServiceBinding(
            model: .lambda,
            handlers: service.operationHandlers(),
            authorizationTarget: { operation, input, context in try await service.authorizationTarget(operation, input, context) },
            accessDenied: ErrorDescriptor(code: "AccessDeniedException", httpStatus: 403, isSenderFault: true),
            validationError: Self.validationError,
            internalError: Lambda.Errors.service,
            // A 50 MB package inline, base64 in JSON, as AWS accepts it.
            maximumBodySizes: ["CreateFunction": service.limits.packageRequestSize, "UpdateFunctionCode": service.limits.packageRequestSize]
        )
    }

    /// Wipes every function (`--allow-reset`).
    public func reset() async throws {
        let names = try await store.functions(after: nil, limit: Int.max).map(\.name)
        try await service.events.deleteAll()
        try await store.deleteAll()
        for name in names { await service.executor.retire(functionName: name) }
    }
}

extension LambdaService {
    /// `lambda:<Operation>` (Invoke: `lambda:InvokeFunction`) on the function's ARN; ListFunctions and
    /// GetAccountSettings on `*`, as AWS's service authorization reference lists them.
    func authorizationTarget(_ operation: String, _ input: WireValue, _ context: OperationContext) async throws -> AuthorizationTarget? {
        guard case .object(let members) = input, case .string(let functionName)? = members["FunctionName"] else {
            return AuthorizationTarget(resource: "*")
        }
        let name = try FunctionName.parse(functionName, accountId: context.accountId, region: context.region)
        let resource = arn(name.name) + (name.qualifier.map { ":\($0)" } ?? "")
        // The function's own policy (AddPermission) lets other principals in; IAM evaluates it with the caller's.
        let policy = try await store.function(named: name.name)?.policy
        return AuthorizationTarget(resource: resource, resourcePolicy: policy, action: operation == "Invoke" ? "lambda:InvokeFunction" : nil)
    }
}
