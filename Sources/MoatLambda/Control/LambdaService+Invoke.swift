import Foundation
import MoatCore

extension LambdaService {
    /// The largest payload of a synchronous invocation, request or response: 6 MB.
    static let maximumSyncPayload = 6_291_456
    /// The largest payload of an asynchronous (`Event`) invocation: 1 MB.
    static let maximumAsyncPayload = 1_048_576
    /// Events nest at most this deep (the parser is recursive; hostile input must not exhaust the stack).
    static let maximumEventDepth = 512
    /// `LogType: Tail` returns the last 4 KB of the invocation's log.
    static let logTailSize = 4096

    func invoke(_ input: Lambda.InvocationRequest, context: OperationContext) async throws -> Lambda.InvocationResponse {
        let record = try await existing(input.functionName, qualifier: input.qualifier, context: context)
        let type = input.invocationType ?? .requestResponse
        let payload = input.payload.map(Array.init) ?? []
        let limit = type == .event ? Self.maximumAsyncPayload : Self.maximumSyncPayload
        guard payload.count <= limit else {
            throw ServiceError.lambda(
                LambdaDomain.requestEntityTooLarge,
                "Request must be smaller than \(limit) bytes for the InvokeFunction operation"
            )
        }
        let event = payload.isEmpty ? Array("{}".utf8) : payload
        do {
            _ = try JSONParser.parse(event, maximumDepth: Self.maximumEventDepth)
        } catch {
            throw ServiceError.lambda(
                Lambda.Errors.invalidRequestContent,
                "Could not parse request body into json: Could not parse payload into json: \(error.reason)"
            )
        }
        if type == .dryRun { return Lambda.InvocationResponse(statusCode: 204) }

        if type == .event {
            try await events.enqueue(
                QueuedEvent(requestId: context.requestId, functionName: record.name, payload: event, attempts: 0, queuedAt: context.now),
                at: context.now
            )
            eventsWaiting.signal()
            return Lambda.InvocationResponse(statusCode: 202)
        }
        let function = try await definition(of: record)
        let request = InvocationRequest(
            requestId: context.requestId,
            payload: event,
            clientContext: input.clientContext.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        )
        let result: InvocationResult
        do {
            result = try await executor.invoke(function, request)
        } catch {
            throw Self.serviceError(error)
        }
        return Lambda.InvocationResponse(
            statusCode: 200,
            functionError: result.functionError,
            logResult: input.logType == .tail ? Self.tail(result.log) : nil,
            payload: Data(result.payload),
            executedVersion: "$LATEST"
        )
    }

    /// What the executor needs to run `record`'s current revision.
    func definition(of record: FunctionRecord) async throws -> FunctionDefinition {
        guard let directory = try await code.directory(sha256: record.codeSha256, limits: limits, load: { try await store.code(sha256: record.codeSha256) })
        else {
            throw ServiceError.lambdaNotFound("Function not found: \(arn(record.name))")
        }
        return FunctionDefinition(
            name: record.name,
            arn: arn(record.name),
            version: "$LATEST",
            revision: record.executionFingerprint,
            runtime: record.runtime,
            handler: record.handler,
            codeDirectory: directory,
            memorySize: record.memorySize,
            timeout: record.timeout,
            environment: record.environment,
            region: region,
            role: record.role
        )
    }

    /// The last 4 KB of the log, base64, cut at a line start where one falls inside the window.
    static func tail(_ log: String) -> String {
        let bytes = Array(log.utf8)
        guard bytes.count > logTailSize else { return Data(bytes).base64EncodedString() }
        return Data(bytes.suffix(logTailSize)).base64EncodedString()
    }

    static func serviceError(_ error: ExecutionError) -> ServiceError {
        var members: [String: WireValue] = ["Type": .string(error.httpStatus < 500 ? "User" : "Service")]
        if let reason = error.reason { members["Reason"] = .string(reason) }
        return ServiceError(
            ErrorDescriptor(code: error.errorCode, httpStatus: error.httpStatus, isSenderFault: error.httpStatus < 500),
            error.message,
            extraMembers: members
        )
    }
}
