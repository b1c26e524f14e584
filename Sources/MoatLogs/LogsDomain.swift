public import Foundation
public import Logging
public import MoatCore
public import MoatStorage

/// Where a reader of a group's events is: after this event, in (timestamp, id) order.
public struct LogCursor: Sendable, Equatable {
    public let position: EventPosition

    public init(position: EventPosition) { self.position = position }
}

/// CloudWatch Logs over one database: the service's binding, and the API other domains append with.
public struct LogsDomain: Sendable {
    let store: LogsStore
    let service: LogsService
    let logger: Logger

    public static var migrations: [Migration] { LogsStore.migrations }

    public init(database: Database, accountId: String, region: String, logger: Logger) {
        let store = LogsStore(database: database)
        self.store = store
        self.service = LogsService(store: store, accountId: accountId, region: region)
        self.logger = logger
    }

    public var binding: ServiceBinding {
        let service = service
        return ServiceBinding(
            model: .logs,
            handlers: service.operationHandlers(),
            authorizationTarget: { operation, input, context in service.authorizationTarget(operation, input, context) },
            accessDenied: Logs.Errors.accessDenied,
            validationError: Logs.Errors.invalidParameter,
            internalError: Logs.Errors.serviceUnavailable
        )
    }

    /// Appends lines to group/stream, creating both when missing (Lambda does so for /aws/lambda/NAME).
    ///
    /// Events are stored in timestamp order; PutLogEvents' batch limits do not apply.
    public func append(group: String, stream: String, events: [(timestamp: Date, message: String)]) async throws {
        let sorted = events.map { (timestamp: LogsService.millis($0.timestamp), message: $0.message) }.sorted { $0.timestamp < $1.timestamp }
        _ = try await store.append(group: group, stream: stream, events: sorted, ingestionTime: LogsService.millis(Date()), createMissing: true)
    }

    /// Events of a group after a point, for `moat logs tail` (follow mode polls this).
    /// - Returns: at most `limit` events in (timestamp, id) order, and the cursor after the last (or `after` when none).
    public func events(group: String, after: LogCursor?, limit: Int) async throws -> ([LogEventRecord], LogCursor?) {
        let events = try await store.groupEvents(group: group, streams: nil, startTime: nil, endTime: nil, after: after?.position, limit: limit)
        return (events, events.last.map { LogCursor(position: $0.position) } ?? after)
    }

    /// Deletes the events older than their group's retention; the sweeper calls it.
    @discardableResult
    public func deleteExpiredEvents(now: Date) async throws -> Int {
        try await store.deleteExpiredEvents(now: LogsService.millis(now))
    }

    /// Wipes every group (`--allow-reset`).
    public func reset() async throws {
        try await store.deleteAll()
    }
}

extension LogsService {
    /// `logs:<Operation>` on the log group (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`) or, for the operations AWS's
    /// service authorization reference lists on log streams, on `…:log-group:NAME:log-stream:STREAM`; `*` for
    /// DescribeLogGroups.
    func authorizationTarget(_ operation: String, _ input: WireValue, _ context: OperationContext) -> AuthorizationTarget? {
        guard case .object(let members) = input else { return AuthorizationTarget(resource: "*") }
        func string(_ key: String) -> String? {
            if case .string(let value)? = members[key] { return value }
            return nil
        }
        let base = "arn:aws:logs:\(context.region):\(context.accountId):log-group:"
        if operation == "TagResource" || operation == "UntagResource" || operation == "ListTagsForResource" {
            return AuthorizationTarget(resource: string("resourceArn") ?? "*")
        }
        var group = string("logGroupName")
        if group == nil, let identifier = string("logGroupIdentifier") {
            group = identifier.hasPrefix("arn:") ? (try? groupName(fromArn: identifier)) : identifier
        }
        guard operation != "DescribeLogGroups", let group else { return AuthorizationTarget(resource: "*") }
        let streamOperations: Set<String> = ["PutLogEvents", "GetLogEvents", "DeleteLogStream"]
        if streamOperations.contains(operation), let stream = string("logStreamName") {
            return AuthorizationTarget(resource: base + group + ":log-stream:" + stream)
        }
        return AuthorizationTarget(resource: base + group + ":*")
    }
}
