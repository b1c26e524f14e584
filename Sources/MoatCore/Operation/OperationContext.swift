public import Foundation
public import Logging

/// What an operation knows of the request that called it, beyond its input.
public struct OperationContext: Sendable {
    public let requestId: String
    /// The verified caller; nil for operations the model leaves unauthenticated.
    public let principal: Principal?
    public let accountId: String
    public let region: String
    /// The client's address, the value of `aws:SourceIp`.
    public let sourceIp: String
    /// The time the request is handled at, injected so that operations never read the clock themselves.
    public let now: Date
    public let logger: Logger

    public init(requestId: String, principal: Principal?, accountId: String, region: String, sourceIp: String, now: Date, logger: Logger) {
        self.requestId = requestId
        self.principal = principal
        self.accountId = accountId
        self.region = region
        self.sourceIp = sourceIp
        self.now = now
        self.logger = logger
    }
}

/// Runs one operation: decodes the validated input, calls the domain, encodes the output.
public struct OperationHandler: Sendable {
    public let run: @Sendable (_ input: WireValue, _ context: OperationContext) async throws -> WireValue

    public init(_ run: @escaping @Sendable (_ input: WireValue, _ context: OperationContext) async throws -> WireValue) {
        self.run = run
    }
}

/// A service as the wire layer serves it: the generated model, the domain's handlers, and how to authorize.
public struct ServiceBinding: Sendable {
    public let model: ServiceModel
    /// Handlers of the implemented operations, by operation name.
    public let handlers: [String: OperationHandler]
    /// What policy evaluation checks an operation against; nil for operations every caller may perform
    /// (`sts:GetCallerIdentity`).
    public let authorizationTarget: @Sendable (_ operation: String, _ input: WireValue, _ context: OperationContext) async throws -> AuthorizationTarget?
    /// The error a refused request answers with (IAM/STS `AccessDenied`, Cognito `AccessDeniedException`, …).
    public let accessDenied: ErrorDescriptor
    /// The error for input that fails model validation (IAM/STS `ValidationError`, Cognito `InvalidParameterException`, …).
    public let validationError: ErrorDescriptor
    /// The error for anything unexpected (IAM `ServiceFailure`, Cognito `InternalErrorException`, …).
    public let internalError: ErrorDescriptor
    /// Operations whose requests may be larger than the server's general body limit, with their own limit in bytes
    /// (Lambda's CreateFunction carries a 50 MB package in base64).
    public let maximumBodySizes: [String: Int]

    public init(
        model: ServiceModel,
        handlers: [String: OperationHandler],
        authorizationTarget: @escaping @Sendable (_ operation: String, _ input: WireValue, _ context: OperationContext) async throws -> AuthorizationTarget?,
        accessDenied: ErrorDescriptor,
        validationError: ErrorDescriptor,
        internalError: ErrorDescriptor,
        maximumBodySizes: [String: Int] = [:]
    ) {
        self.model = model
        self.handlers = handlers
        self.authorizationTarget = authorizationTarget
        self.accessDenied = accessDenied
        self.validationError = validationError
        self.internalError = internalError
        self.maximumBodySizes = maximumBodySizes
    }
}

/// The resource an operation acts on, as policy evaluation sees it.
public struct AuthorizationTarget: Sendable {
    /// The resource's ARN, or `*`.
    public let resource: String
    /// The resource's own policy (a role's trust policy, a function's policy), if it has one.
    public let resourcePolicy: String?
    /// Allowed unless a policy denies it explicitly (`sts:GetSessionToken` needs no permission on AWS).
    public let isAllowedUnlessDenied: Bool
    /// The operation's own condition keys (`sts:ExternalId`, `sts:RoleSessionName`, …), added to the request context.
    public let context: [String: [String]]
    /// The IAM action when it is not `prefix:OperationName` (Lambda's `Invoke` is `lambda:InvokeFunction`).
    public let action: String?

    public init(
        resource: String,
        resourcePolicy: String? = nil,
        isAllowedUnlessDenied: Bool = false,
        context: [String: [String]] = [:],
        action: String? = nil
    ) {
        self.action = action
        self.resource = resource
        self.resourcePolicy = resourcePolicy
        self.isAllowedUnlessDenied = isAllowedUnlessDenied
        self.context = context
    }
}
