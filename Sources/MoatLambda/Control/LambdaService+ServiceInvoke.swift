import Foundation
public import MoatCore
import MoatPolicy

/// What a function answered a service that invoked it.
public struct ServiceInvocationResult: Sendable, Equatable {
    /// The function's answer (its error document when ``functionError`` is set).
    public let payload: [UInt8]
    /// `Unhandled` or `Handled` when the function failed, as Invoke's `X-Amz-Function-Error`.
    public let functionError: String?
}

extension LambdaService {
    /// Invokes a function synchronously on behalf of another service (API Gateway's integrations and authorizers),
    /// as AWS does: only when the function's policy (AddPermission) lets `servicePrincipal` call
    /// `lambda:InvokeFunction` with this `aws:SourceArn` and the function's account as `aws:SourceAccount`.
    /// - Parameters:
    ///   - functionName: a name, partial or full ARN, optionally qualified with `$LATEST`.
    ///   - servicePrincipal: the calling service, `apigateway.amazonaws.com`.
    ///   - sourceArn: the ARN of what calls, `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/PATH`.
    ///   - payload: the event, JSON.
    ///   - context: the request that caused the call (its id becomes the invocation's).
    /// - Throws: `AccessDeniedException` when the function's policy does not allow the call, and Invoke's own
    ///   errors (ResourceNotFoundException, the executor's).
    func invoke(
        _ functionName: String,
        asService servicePrincipal: String,
        sourceArn: String,
        payload: [UInt8],
        context: OperationContext
    ) async throws -> ServiceInvocationResult {
        let record = try await existing(functionName, qualifier: nil, context: context)
        let functionArn = arn(record.name)
        guard try Self.allows(record, servicePrincipal: servicePrincipal, sourceArn: sourceArn, functionArn: functionArn, accountId: accountId, now: context.now)
        else {
            throw ServiceError(
                ErrorDescriptor(code: "AccessDeniedException", httpStatus: 403, isSenderFault: true),
                "The service \(servicePrincipal) is not authorized to perform: lambda:InvokeFunction on resource: \(functionArn) "
                    + "because no resource-based policy allows the lambda:InvokeFunction action"
            )
        }
        guard payload.count <= Self.maximumSyncPayload else {
            throw ServiceError.lambda(
                LambdaDomain.requestEntityTooLarge,
                "Request must be smaller than \(Self.maximumSyncPayload) bytes for the InvokeFunction operation"
            )
        }
        let function = try await definition(of: record)
        let request = InvocationRequest(requestId: context.requestId, payload: payload, clientContext: nil)
        do {
            let result = try await executor.invoke(function, request)
            return ServiceInvocationResult(payload: result.payload, functionError: result.functionError)
        } catch {
            throw Self.serviceError(error)
        }
    }

    /// Whether `record`'s policy lets the service principal invoke it from `sourceArn`.
    static func allows(
        _ record: FunctionRecord,
        servicePrincipal: String,
        sourceArn: String,
        functionArn: String,
        accountId: String,
        now: Date
    ) throws -> Bool {
        guard let text = record.policy else { return false }
        let policy: PolicyDocument
        do {
            policy = try PolicyDocument.parse(text, kind: .resource)
        } catch {
            return false
        }
        let decision = PolicyEvaluator.evaluate(
            EvaluationInput(
                principal: .service(servicePrincipal),
                action: "lambda:InvokeFunction",
                resource: functionArn,
                context: ["aws:SourceArn": [sourceArn], "aws:SourceAccount": [accountId]],
                resourcePolicy: policy,
                resourceAccountId: accountId,
                now: now
            )
        )
        return decision.isAllowed
    }
}

extension LambdaDomain {
    /// Invokes a function on behalf of another service; see ``LambdaService/invoke(_:asService:sourceArn:payload:context:)``.
    public func invoke(
        _ functionName: String,
        asService servicePrincipal: String,
        sourceArn: String,
        payload: [UInt8],
        context: OperationContext
    ) async throws -> ServiceInvocationResult {
        try await service.invoke(functionName, asService: servicePrincipal, sourceArn: sourceArn, payload: payload, context: context)
    }
}
