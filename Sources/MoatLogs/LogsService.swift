import Foundation
import MoatCore

/// CloudWatch Logs' operations over the store.
struct LogsService: LogsOperations {
    let store: LogsStore
    let accountId: String
    let region: String

    /// The values PutRetentionPolicy accepts (the model's documentation of `retentionInDays`).
    static let retentionValues = [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]
    /// PutLogEvents: events per batch, bytes per batch (message bytes plus 26 per event), span of a batch.
    static let maximumBatchBytes = 1_048_576
    static let eventOverhead = 26
    static let maximumSpan: Int64 = 24 * 3_600_000
    static let maximumAge: Int64 = 14 * 86_400_000
    static let maximumFuture: Int64 = 2 * 3_600_000
    static let maximumTags = 50
    /// FilterLogEvents reads at most this many events per call before answering with a token.
    static let filterScanBudget = 100_000
    static let responseBytes = 1_048_576

    // MARK: groups

    func createLogGroup(_ input: Logs.CreateLogGroupRequest, context: OperationContext) async throws {
        if let tags = input.tags { try Self.checkTags(tags) }
        if let kmsKeyId = input.kmsKeyId, !kmsKeyId.isEmpty {
            throw ServiceError(Logs.Errors.invalidParameter, "Moat does not encrypt log groups with KMS keys; kmsKeyId is not supported.")
        }
        let record = GroupRecord(name: input.logGroupName, createdAt: Self.millis(context.now), retentionInDays: nil, tags: input.tags ?? [:])
        guard try await store.createGroup(record) else {
            throw ServiceError(Logs.Errors.resourceAlreadyExists, "The specified log group already exists")
        }
    }

    func describeLogGroups(_ input: Logs.DescribeLogGroupsRequest, context: OperationContext) async throws -> Logs.DescribeLogGroupsResponse {
        if input.logGroupNamePrefix != nil, input.logGroupNamePattern != nil {
            throw ServiceError(Logs.Errors.invalidParameter, "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        }
        let limit = input.limit ?? 50
        let after = try input.nextToken.map { token -> String in
            guard let name = PageToken.decode(token, kind: "g") else { throw Self.invalidToken }
            return name
        }
        var groups = try await store.groups(prefix: input.logGroupNamePrefix, after: after, limit: limit + 1)
        if let pattern = input.logGroupNamePattern {
            // A substring match, case-insensitive, as AWS documents logGroupNamePattern.
            groups = try await store.groups(prefix: nil, after: after, limit: Int.max).filter {
                $0.name.range(of: pattern, options: .caseInsensitive) != nil
            }
        }
        let page = Array(groups.prefix(limit))
        return Logs.DescribeLogGroupsResponse(
            logGroups: page.map(logGroup),
            nextToken: groups.count > limit ? page.last.map { PageToken.encode($0.name, kind: "g") } : nil
        )
    }

    func deleteLogGroup(_ input: Logs.DeleteLogGroupRequest, context: OperationContext) async throws {
        guard try await store.deleteGroup(named: input.logGroupName) else { throw Self.groupNotFound }
    }

    func putRetentionPolicy(_ input: Logs.PutRetentionPolicyRequest, context: OperationContext) async throws {
        guard Self.retentionValues.contains(input.retentionInDays) else {
            throw ServiceError(
                Logs.Errors.invalidParameter,
                "1 validation error detected: Value '\(input.retentionInDays)' at 'retentionInDays' failed to satisfy constraint: "
                    + "Member must satisfy enum value set: [\(Self.retentionValues.map(String.init).joined(separator: ", "))]"
            )
        }
        guard try await store.setRetention(group: input.logGroupName, days: input.retentionInDays) else { throw Self.groupNotFound }
    }

    func deleteRetentionPolicy(_ input: Logs.DeleteRetentionPolicyRequest, context: OperationContext) async throws {
        guard try await store.setRetention(group: input.logGroupName, days: nil) else { throw Self.groupNotFound }
    }

    // MARK: streams

    func createLogStream(_ input: Logs.CreateLogStreamRequest, context: OperationContext) async throws {
        switch try await store.createStream(group: input.logGroupName, name: input.logStreamName, createdAt: Self.millis(context.now)) {
        case .created: return
        case .exists: throw ServiceError(Logs.Errors.resourceAlreadyExists, "The specified log stream already exists")
        case .noGroup: throw Self.groupNotFound
        }
    }

    func describeLogStreams(
        _ input: Logs.DescribeLogStreamsRequest,
        context: OperationContext
    ) async throws -> Logs.DescribeLogStreamsResponse {
        let group = try groupName(input.logGroupName, input.logGroupIdentifier)
        let order: StreamOrder = input.orderBy == .lastEventTime ? .lastEventTime : .name
        if order == .lastEventTime, input.logStreamNamePrefix != nil {
            throw ServiceError(Logs.Errors.invalidParameter, "Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        let offset = try input.nextToken.map { token -> Int in
            guard let text = PageToken.decode(token, kind: "s"), let offset = Int(text), offset >= 0 else { throw Self.invalidToken }
            return offset
        } ?? 0
        guard try await store.group(named: group) != nil else { throw Self.groupNotFound }
        let limit = input.limit ?? 50
        let streams = try await store.streams(
            group: group,
            prefix: input.logStreamNamePrefix,
            order: order,
            descending: input.descending ?? false,
            offset: offset,
            limit: limit + 1
        )
        return Logs.DescribeLogStreamsResponse(
            logStreams: streams.prefix(limit).map(logStream),
            nextToken: streams.count > limit ? PageToken.encode(String(offset + limit), kind: "s") : nil
        )
    }

    func deleteLogStream(_ input: Logs.DeleteLogStreamRequest, context: OperationContext) async throws {
        guard try await store.deleteStream(group: input.logGroupName, name: input.logStreamName) else {
            if try await store.group(named: input.logGroupName) == nil { throw Self.groupNotFound }
            throw Self.streamNotFound
        }
    }

    // MARK: events

    func putLogEvents(_ input: Logs.PutLogEventsRequest, context: OperationContext) async throws -> Logs.PutLogEventsResponse {
        let events = input.logEvents
        for (previous, next) in zip(events, events.dropFirst()) where next.timestamp < previous.timestamp {
            throw ServiceError(Logs.Errors.invalidParameter, "Log events in a single PutLogEvents request must be in chronological order.")
        }
        if let first = events.first, let last = events.last, last.timestamp - first.timestamp > Self.maximumSpan {
            throw ServiceError(
                Logs.Errors.invalidParameter,
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
            )
        }
        let size = events.reduce(0) { $0 + $1.message.utf8.count + Self.eventOverhead }
        if size > Self.maximumBatchBytes {
            throw ServiceError(Logs.Errors.invalidParameter, "Upload too large: \(size) bytes exceeds limit of \(Self.maximumBatchBytes)")
        }
        guard let group = try await store.group(named: input.logGroupName) else { throw Self.groupNotFound }

        let now = Self.millis(context.now)
        let tooOld = events.prefix { $0.timestamp < now - Self.maximumAge }.count
        let expired = group.retentionInDays.map { days in events.prefix { $0.timestamp < now - Int64(days) * 86_400_000 }.count } ?? 0
        let tooNewStart = events.firstIndex { $0.timestamp > now + Self.maximumFuture }
        let acceptedRange = max(tooOld, expired)..<max(max(tooOld, expired), tooNewStart ?? events.count)
        let accepted = events[acceptedRange].map { (timestamp: $0.timestamp, message: $0.message) }

        let outcome = try await store.append(group: input.logGroupName, stream: input.logStreamName, events: accepted, ingestionTime: now)
        switch outcome {
        case .noGroup: throw Self.groupNotFound
        case .noStream: throw Self.streamNotFound
        case .appended(let sequence):
            var rejected: Logs.RejectedLogEventsInfo?
            if tooOld > 0 || expired > 0 || tooNewStart != nil {
                rejected = Logs.RejectedLogEventsInfo(
                    tooNewLogEventStartIndex: tooNewStart,
                    tooOldLogEventEndIndex: tooOld > 0 ? tooOld : nil,
                    expiredLogEventEndIndex: expired > 0 ? expired : nil
                )
            }
            return Logs.PutLogEventsResponse(nextSequenceToken: Self.sequenceToken(sequence), rejectedLogEventsInfo: rejected)
        }
    }

    func getLogEvents(_ input: Logs.GetLogEventsRequest, context: OperationContext) async throws -> Logs.GetLogEventsResponse {
        let group = try groupName(input.logGroupName, input.logGroupIdentifier)
        let token = try input.nextToken.map { token -> StreamToken in
            guard let parsed = StreamToken(token) else { throw Self.invalidToken }
            return parsed
        }
        guard try await store.group(named: group) != nil else { throw Self.groupNotFound }
        guard try await store.stream(group: group, name: input.logStreamName) != nil else { throw Self.streamNotFound }
        let limit = input.limit ?? 10_000

        let forward: Bool
        var after: EventPosition?
        var before: EventPosition?
        switch token {
        case .forward(let position)?:
            forward = true
            after = position
        case .backward(let position)?:
            forward = false
            before = position
        case nil:
            forward = input.startFromHead ?? false
        }
        var events = try await store.streamEvents(
            group: group,
            stream: input.logStreamName,
            startTime: input.startTime,
            endTime: input.endTime,
            after: after,
            before: before,
            fromHead: forward,
            limit: limit
        )
        events = Self.trimmed(events, fromHead: forward)

        let nextForward: StreamToken
        let nextBackward: StreamToken
        if let first = events.first, let last = events.last {
            nextForward = .forward(last.position)
            nextBackward = .backward(first.position)
        } else {
            // Nothing (new): the same token again, so that a reader polls where it was.
            switch token {
            case .forward(let position)?:
                nextForward = .forward(position)
                nextBackward = .backward(EventPosition(timestamp: position.timestamp, id: position.id + 1))
            case .backward(let position)?:
                nextForward = .forward(.start)
                nextBackward = .backward(position)
            case nil:
                nextForward = .forward(.start)
                nextBackward = .backward(.start)
            }
        }
        return Logs.GetLogEventsResponse(
            events: events.map { Logs.OutputLogEvent(timestamp: $0.timestamp, message: $0.message, ingestionTime: $0.ingestionTime) },
            nextForwardToken: nextForward.text,
            nextBackwardToken: nextBackward.text
        )
    }

    func filterLogEvents(_ input: Logs.FilterLogEventsRequest, context: OperationContext) async throws -> Logs.FilterLogEventsResponse {
        let group = try groupName(input.logGroupName, input.logGroupIdentifier)
        if input.logStreamNames != nil, input.logStreamNamePrefix != nil {
            throw ServiceError(Logs.Errors.invalidParameter, "You cannot specify both logStreamNames and logStreamNamePrefix.")
        }
        let pattern: FilterPattern
        do {
            pattern = try FilterPattern(input.filterPattern ?? "")
        } catch {
            throw ServiceError(Logs.Errors.invalidParameter, error.message)
        }
        var position = try input.nextToken.map { token -> EventPosition in
            guard let text = PageToken.decode(token, kind: "e"), let position = EventPosition(digits: text) else { throw Self.invalidToken }
            return position
        }
        guard try await store.group(named: group) != nil else { throw Self.groupNotFound }
        var streams = input.logStreamNames
        if let prefix = input.logStreamNamePrefix {
            streams = try await store.streamNames(group: group, prefix: prefix)
        }
        let limit = input.limit ?? 10_000
        var matched: [LogEventRecord] = []
        var bytes = 0
        var scanned = 0
        var exhausted = false
        let chunk = 1_000
        scan: while matched.count < limit, scanned < Self.filterScanBudget {
            let page = try await store.groupEvents(
                group: group,
                streams: streams,
                startTime: input.startTime,
                endTime: input.endTime,
                after: position,
                limit: chunk
            )
            for event in page {
                scanned += 1
                position = event.position
                if pattern.matches(event.message) {
                    matched.append(event)
                    bytes += event.message.utf8.count
                    if matched.count == limit || bytes >= Self.responseBytes { break scan }
                }
            }
            if page.count < chunk {
                exhausted = true
                break
            }
        }
        return Logs.FilterLogEventsResponse(
            events: matched.map {
                Logs.FilteredLogEvent(
                    logStreamName: $0.stream,
                    timestamp: $0.timestamp,
                    message: $0.message,
                    ingestionTime: $0.ingestionTime,
                    eventId: $0.position.digits
                )
            },
            searchedLogStreams: [],
            nextToken: exhausted ? nil : position.map { PageToken.encode($0.digits, kind: "e") }
        )
    }

    // MARK: tags

    func tagResource(_ input: Logs.TagResourceRequest, context: OperationContext) async throws {
        let name = try groupName(fromArn: input.resourceArn)
        try Self.checkTags(input.tags)
        let updated = try await store.setTags(group: name) { tags in
            let merged = tags.merging(input.tags) { $1 }
            guard merged.count <= Self.maximumTags else {
                throw ServiceError(Logs.Errors.tooManyTags, "A resource can have no more than \(Self.maximumTags) tags.")
            }
            return merged
        }
        guard updated else { throw Self.resourceNotFound(input.resourceArn) }
    }

    func untagResource(_ input: Logs.UntagResourceRequest, context: OperationContext) async throws {
        let name = try groupName(fromArn: input.resourceArn)
        let keys = Set(input.tagKeys)
        guard try await store.setTags(group: name, { $0.filter { !keys.contains($0.key) } }) else {
            throw Self.resourceNotFound(input.resourceArn)
        }
    }

    func listTagsForResource(
        _ input: Logs.ListTagsForResourceRequest,
        context: OperationContext
    ) async throws -> Logs.ListTagsForResourceResponse {
        let name = try groupName(fromArn: input.resourceArn)
        guard let group = try await store.group(named: name) else { throw Self.resourceNotFound(input.resourceArn) }
        return Logs.ListTagsForResourceResponse(tags: group.tags)
    }

    // MARK: helpers

    static let groupNotFound = ServiceError(Logs.Errors.resourceNotFound, "The specified log group does not exist.")
    static let streamNotFound = ServiceError(Logs.Errors.resourceNotFound, "The specified log stream does not exist.")
    static let invalidToken = ServiceError(Logs.Errors.invalidParameter, "The specified nextToken is invalid.")

    static func resourceNotFound(_ arn: String) -> ServiceError {
        ServiceError(Logs.Errors.resourceNotFound, "The specified resource does not exist: \(arn)")
    }

    static func checkTags(_ tags: [String: String]) throws {
        if tags.count > maximumTags {
            throw ServiceError(Logs.Errors.tooManyTags, "A resource can have no more than \(maximumTags) tags.")
        }
    }

    /// The group a request names, by `logGroupName` or `logGroupIdentifier` (a name or an ARN), never both.
    func groupName(_ name: String?, _ identifier: String?) throws -> String {
        switch (name, identifier) {
        case (let name?, nil): return name
        case (nil, let identifier?):
            return identifier.hasPrefix("arn:") ? try groupName(fromArn: identifier) : identifier
        case (.some, .some):
            throw ServiceError(Logs.Errors.invalidParameter, "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        case (nil, nil):
            throw ServiceError(Logs.Errors.invalidParameter, "Should provide either name or ARN (logGroupIdentifier) of the log group.")
        }
    }

    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` (optionally `:*`).
    func groupName(fromArn arn: String) throws -> String {
        let parts = arn.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "arn", parts[2] == "logs", parts[5] == "log-group" else {
            throw ServiceError(Logs.Errors.invalidParameter, "Invalid ARN: \(arn)")
        }
        var name = String(parts[6])
        if name.hasSuffix(":*") { name.removeLast(2) }
        guard parts[3] == region, parts[4] == accountId, !name.isEmpty, !name.contains(":") else {
            throw Self.resourceNotFound(arn)
        }
        return name
    }

    func groupArn(_ name: String) -> String { "arn:aws:logs:\(region):\(accountId):log-group:\(name)" }

    func logGroup(_ record: GroupRecord) -> Logs.LogGroup {
        Logs.LogGroup(
            logGroupName: record.name,
            creationTime: record.createdAt,
            retentionInDays: record.retentionInDays,
            metricFilterCount: 0,
            arn: groupArn(record.name) + ":*",
            storedBytes: record.storedBytes,
            logGroupClass: .standard,
            logGroupArn: groupArn(record.name),
            deletionProtectionEnabled: false
        )
    }

    func logStream(_ record: StreamRecord) -> Logs.LogStream {
        Logs.LogStream(
            logStreamName: record.name,
            creationTime: record.createdAt,
            firstEventTimestamp: record.firstEventTimestamp,
            lastEventTimestamp: record.lastEventTimestamp,
            lastIngestionTime: record.lastIngestionTime,
            uploadSequenceToken: Self.sequenceToken(record.sequence),
            arn: groupArn(record.group) + ":log-stream:" + record.name,
            storedBytes: 0
        )
    }

    /// AWS's sequence tokens are long decimal strings; they are returned and ignored.
    static func sequenceToken(_ sequence: Int64) -> String {
        let digits = String(sequence)
        return "49" + String(repeating: "0", count: 54 - digits.count) + digits
    }

    /// GetLogEvents answers at most 1 MB: the events nearest the reading position.
    static func trimmed(_ events: [LogEventRecord], fromHead: Bool) -> [LogEventRecord] {
        var bytes = 0
        var kept = 0
        let ordered = fromHead ? events : events.reversed()
        for event in ordered {
            bytes += event.message.utf8.count + eventOverhead
            if bytes > responseBytes, kept > 0 { break }
            kept += 1
        }
        return fromHead ? Array(events.prefix(kept)) : Array(events.suffix(kept))
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// GetLogEvents' tokens: `f/<56 digits>/s` reads forward from after a position, `b/<56 digits>/s` backward from
/// before it, shaped like AWS's.
enum StreamToken: Equatable {
    case forward(EventPosition)
    case backward(EventPosition)

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "s", let position = EventPosition(digits: String(parts[1])) else { return nil }
        switch parts[0] {
        case "f": self = .forward(position)
        case "b": self = .backward(position)
        default: return nil
        }
    }

    var text: String {
        switch self {
        case .forward(let position): "f/\(position.digits)/s"
        case .backward(let position): "b/\(position.digits)/s"
        }
    }
}

extension EventPosition {
    /// 56 digits: the timestamp shifted to unsigned (20 digits), then the id (36 digits).
    var digits: String {
        let time = String(UInt64(bitPattern: timestamp) ^ (1 << 63))
        let idText = String(id)
        return String(repeating: "0", count: 20 - time.count) + time + String(repeating: "0", count: 36 - idText.count) + idText
    }

    init?(digits: String) {
        guard digits.count == 56, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let time = UInt64(digits.prefix(20)), let id = Int64(digits.suffix(36).drop { $0 == "0" }.isEmpty ? "0" : String(digits.suffix(36).drop { $0 == "0" }))
        else { return nil }
        self.init(timestamp: Int64(bitPattern: time ^ (1 << 63)), id: id)
    }
}

/// Opaque `nextToken`s of the listings: a kind letter and a value, base64url.
enum PageToken {
    static func encode(_ value: String, kind: String) -> String {
        Data((kind + "/" + value).utf8).base64EncodedString()
    }

    static func decode(_ token: String, kind: String) -> String? {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix(kind + "/") else {
            return nil
        }
        return String(text.dropFirst(kind.count + 1))
    }
}
