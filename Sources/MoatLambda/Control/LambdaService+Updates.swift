import Foundation
import MoatCore

extension LambdaService {
    func updateFunctionCode(_ input: Lambda.UpdateFunctionCodeRequest, context: OperationContext) async throws -> Lambda.FunctionConfiguration {
        guard let zip = input.zipFile.map(Array.init) else {
            throw ServiceError.lambdaInvalidParameter("Moat takes function code as ZipFile only; S3 locations and images are not supported.")
        }
        let sha256 = try await code.prepare(zip, limits: limits, operation: "UpdateFunctionCode")
        if input.dryRun == true {
            var record = try await existing(input.functionName, qualifier: nil, context: context)
            try Self.checkRevision(input.revisionId, of: record)
            record.codeSha256 = sha256
            record.codeSize = zip.count
            return configuration(of: record)
        }
        let record = try await modify(input.functionName, revisionId: input.revisionId, context: context, zip: zip) { record in
            record.codeSha256 = sha256
            record.codeSize = zip.count
        }
        return updating(configuration(of: record))
    }

    func updateFunctionConfiguration(
        _ input: Lambda.UpdateFunctionConfigurationRequest,
        context: OperationContext
    ) async throws -> Lambda.FunctionConfiguration {
        if let runtime = input.runtime?.rawValue { try Self.checkRuntime(runtime) }
        try Self.checkTimeout(input.timeout)
        if let variables = input.environment?.variables { try Self.checkEnvironment(variables) }
        if let role = input.role, !(try await roles.lambdaCanAssume(roleArn: role)) {
            throw ServiceError.lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
        }
        let record = try await modify(input.functionName, revisionId: input.revisionId, context: context) { record in
            if let runtime = input.runtime?.rawValue { record.runtime = runtime }
            if let role = input.role { record.role = role }
            if let handler = input.handler { record.handler = handler }
            if let description = input.description { record.description = description }
            if let timeout = input.timeout { record.timeout = timeout }
            if let memorySize = input.memorySize { record.memorySize = memorySize }
            if let environment = input.environment { record.environment = environment.variables ?? [:] }
        }
        return updating(configuration(of: record))
    }

    /// Applies `change` to the stored function as one compare-and-set on its revision, gives it a new revision, and
    /// retires instances of the old one. Without a caller's `revisionId`, a concurrent change is retried over.
    func modify(
        _ functionName: String,
        revisionId: String?,
        context: OperationContext,
        zip: [UInt8]? = nil,
        changesRevision: Bool = true,
        _ change: (inout FunctionRecord) throws -> Void
    ) async throws -> FunctionRecord {
        for _ in 0..<Self.updateAttempts {
            let current = try await existing(functionName, qualifier: nil, context: context)
            try Self.checkRevision(revisionId, of: current)
            var record = current
            try change(&record)
            if changesRevision {
                record.revisionId = UUID().uuidString.lowercased()
                record.lastModified = context.now
            }
            if try await store.update(record, zip: zip, replacingRevision: current.revisionId) {
                if record.executionFingerprint != current.executionFingerprint { await executor.retire(functionName: record.name) }
                return record
            }
        }
        throw ServiceError.lambda(Lambda.Errors.resourceConflict, "The operation cannot be performed at this time. The function is being updated.")
    }

    static let updateAttempts = 5

    static func checkRevision(_ revisionId: String?, of record: FunctionRecord) throws {
        guard let revisionId, revisionId != record.revisionId else { return }
        throw ServiceError.lambda(
            Lambda.Errors.preconditionFailed,
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
        )
    }

    /// An update's own answer reports it in progress, as AWS's does (clients wait with `function_updated_v2`).
    private func updating(_ configuration: Lambda.FunctionConfiguration) -> Lambda.FunctionConfiguration {
        var configuration = configuration
        configuration.lastUpdateStatus = .inProgress
        return configuration
    }

    // MARK: concurrency

    func putFunctionConcurrency(_ input: Lambda.PutFunctionConcurrencyRequest, context: OperationContext) async throws -> Lambda.Concurrency {
        let reserved = input.reservedConcurrentExecutions
        let others = try await store.reservations().filter { $0.key != (try? FunctionName.parse(input.functionName, accountId: accountId, region: region).name) }
        let minimumUnreserved = min(Self.minimumUnreservedConcurrency, limits.accountConcurrency / 10)
        if limits.accountConcurrency - others.values.reduce(0, +) - reserved < minimumUnreserved {
            throw ServiceError.lambdaInvalidParameter(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum "
                    + "value of [\(minimumUnreserved)]."
            )
        }
        let record = try await modify(input.functionName, revisionId: nil, context: context, changesRevision: false) { record in
            record.reservedConcurrency = reserved
        }
        executor.reserveConcurrency(reserved, for: record.name)
        return Lambda.Concurrency(reservedConcurrentExecutions: reserved)
    }

    func deleteFunctionConcurrency(_ input: Lambda.DeleteFunctionConcurrencyRequest, context: OperationContext) async throws {
        let record = try await modify(input.functionName, revisionId: nil, context: context, changesRevision: false) { record in
            record.reservedConcurrency = nil
        }
        executor.reserveConcurrency(nil, for: record.name)
    }

    func getFunctionConcurrency(
        _ input: Lambda.GetFunctionConcurrencyRequest,
        context: OperationContext
    ) async throws -> Lambda.GetFunctionConcurrencyResponse {
        let record = try await existing(input.functionName, qualifier: nil, context: context)
        return Lambda.GetFunctionConcurrencyResponse(reservedConcurrentExecutions: record.reservedConcurrency)
    }

    /// AWS keeps 100 executions unreserved; scaled down for accounts configured below 1,000.
    static let minimumUnreservedConcurrency = 100
}
