import Foundation
import Logging
import MoatCore
import MoatStorage
import MoatTesting
import Testing

@testable import MoatLogs

/// The Logs store and service on every backend: the same SQL must keep the same promises on SQLite and PostgreSQL.
@Suite("Logs store")
struct LogsStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let nowMillis: Int64 = 1_800_000_000_000

    func withDomain(_ backend: TestBackend, _ body: @escaping @Sendable (LogsDomain) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await Migrator.run(LogsDomain.migrations, on: database)
            try await body(LogsDomain(database: database, accountId: "123456789012", region: "us-east-1", logger: TestBackend.logger))
        }
    }

    static var context: OperationContext {
        OperationContext(
            requestId: "r",
            principal: nil,
            accountId: "123456789012",
            region: "us-east-1",
            sourceIp: "127.0.0.1",
            now: now,
            logger: TestBackend.logger
        )
    }

    @Test(arguments: TestBackend.all)
    func groupsAndStreamsHaveOneOwnerEach(backend: TestBackend) async throws {
        try await withDomain(backend) { logs in
            let service = logs.service
            try await service.createLogGroup(Logs.CreateLogGroupRequest(logGroupName: "/app/a"), context: Self.context)
            await #expect(throws: ServiceError(Logs.Errors.resourceAlreadyExists, "")) {
                try await service.createLogGroup(Logs.CreateLogGroupRequest(logGroupName: "/app/a"), context: Self.context)
            }
            #expect(try await logs.store.createStream(group: "/app/a", name: "s1", createdAt: 1) == .created)
            #expect(try await logs.store.createStream(group: "/app/a", name: "s1", createdAt: 1) == .exists)
            #expect(try await logs.store.createStream(group: "/nope", name: "s1", createdAt: 1) == .noGroup)
            #expect(try await logs.store.deleteGroup(named: "/app/a"))
            #expect(try await logs.store.stream(group: "/app/a", name: "s1") == nil)
            #expect(try await !logs.store.deleteGroup(named: "/app/a"))
        }
    }

    @Test(arguments: TestBackend.all)
    func groupsPageByNameWithAPrefix(backend: TestBackend) async throws {
        try await withDomain(backend) { logs in
            for name in ["/b/1", "/a/2", "/a/1", "/a/3"] {
                try await logs.service.createLogGroup(Logs.CreateLogGroupRequest(logGroupName: name), context: Self.context)
            }
            let first = try await logs.service.describeLogGroups(Logs.DescribeLogGroupsRequest(logGroupNamePrefix: "/a/", limit: 2), context: Self.context)
            #expect(first.logGroups?.map(\.logGroupName) == ["/a/1", "/a/2"])
            let token = try #require(first.nextToken)
            let second = try await logs.service.describeLogGroups(
                Logs.DescribeLogGroupsRequest(logGroupNamePrefix: "/a/", nextToken: token, limit: 2),
                context: Self.context
            )
            #expect(second.logGroups?.map(\.logGroupName) == ["/a/3"])
            #expect(second.nextToken == nil)
        }
    }

    @Test(arguments: TestBackend.all)
    func putLogEventsRejectsOldAndNewEventsAsAWSDoes(backend: TestBackend) async throws {
        try await withDomain(backend) { logs in
            let service = logs.service
            try await service.createLogGroup(Logs.CreateLogGroupRequest(logGroupName: "g"), context: Self.context)
            try await service.createLogStream(Logs.CreateLogStreamRequest(logGroupName: "g", logStreamName: "s"), context: Self.context)
            let day: Int64 = 86_400_000
            let events = [
                Logs.InputLogEvent(timestamp: Self.nowMillis - 15 * day, message: "too old"),
                Logs.InputLogEvent(timestamp: Self.nowMillis - 15 * day + 1, message: "too old too"),
            ]
            // 24 h span rule: these two are within a day of each other.
            let response = try await service.putLogEvents(
                Logs.PutLogEventsRequest(logGroupName: "g", logStreamName: "s", logEvents: events),
                context: Self.context
            )
            #expect(response.rejectedLogEventsInfo?.tooOldLogEventEndIndex == 2)
            let mixed = [
                Logs.InputLogEvent(timestamp: Self.nowMillis - 1000, message: "ok"),
                Logs.InputLogEvent(timestamp: Self.nowMillis + 3 * 3_600_000, message: "too new"),
            ]
            let second = try await service.putLogEvents(
                Logs.PutLogEventsRequest(logGroupName: "g", logStreamName: "s", logEvents: mixed),
                context: Self.context
            )
            #expect(second.rejectedLogEventsInfo?.tooNewLogEventStartIndex == 1)
            #expect(second.rejectedLogEventsInfo?.tooOldLogEventEndIndex == nil)
            let stored = try await logs.store.streamEvents(
                group: "g", stream: "s", startTime: nil, endTime: nil, after: nil, before: nil, fromHead: true, limit: 100
            )
            #expect(stored.map(\.message) == ["ok"])

            await #expect(throws: ServiceError(Logs.Errors.invalidParameter, "")) {
                try await service.putLogEvents(
                    Logs.PutLogEventsRequest(logGroupName: "g", logStreamName: "s", logEvents: mixed.reversed()),
                    context: Self.context
                )
            }
            await #expect(throws: ServiceError(Logs.Errors.resourceNotFound, "")) {
                try await service.putLogEvents(
                    Logs.PutLogEventsRequest(logGroupName: "g", logStreamName: "missing", logEvents: mixed),
                    context: Self.context
                )
            }
        }
    }

    @Test(arguments: TestBackend.all)
    func getLogEventsTokensWalkBothWaysAndRepeatAtTheEnd(backend: TestBackend) async throws {
        try await withDomain(backend) { logs in
            let service = logs.service
            let base = Self.nowMillis - 60_000
            try await logs.append(
                group: "g",
                stream: "s",
                events: (0..<5).map { (timestamp: Date(timeIntervalSince1970: Double(base + Int64($0)) / 1000), message: "line \($0)") }
            )
            let request = Logs.GetLogEventsRequest(logGroupName: "g", logStreamName: "s", limit: 2, startFromHead: true)
            let first = try await service.getLogEvents(request, context: Self.context)
            #expect(first.events?.map(\.message) == ["line 0", "line 1"])
            var forward = try #require(first.nextForwardToken)
            var seen: [String] = []
            while true {
                var next = request
                next.nextToken = forward
                let page = try await service.getLogEvents(next, context: Self.context)
                seen += page.events?.compactMap(\.message) ?? []
                if page.nextForwardToken == forward { break }
                forward = try #require(page.nextForwardToken)
            }
            #expect(seen == ["line 2", "line 3", "line 4"])

            let tail = try await service.getLogEvents(
                Logs.GetLogEventsRequest(logGroupName: "g", logStreamName: "s", limit: 2),
                context: Self.context
            )
            #expect(tail.events?.map(\.message) == ["line 3", "line 4"])
            var back = Logs.GetLogEventsRequest(logGroupName: "g", logStreamName: "s", nextToken: tail.nextBackwardToken, limit: 2)
            let earlier = try await service.getLogEvents(back, context: Self.context)
            #expect(earlier.events?.map(\.message) == ["line 1", "line 2"])
            back.nextToken = "garbage"
            await #expect(throws: ServiceError(Logs.Errors.invalidParameter, "")) { try await service.getLogEvents(back, context: Self.context) }
        }
    }

    @Test(arguments: TestBackend.all)
    func filterLogEventsMatchesPatternsAcrossStreamsAndPages(backend: TestBackend) async throws {
        try await withDomain(backend) { logs in
            let base = Self.nowMillis - 60_000
            func at(_ offset: Int64) -> Date { Date(timeIntervalSince1970: Double(base + offset) / 1000) }
            try await logs.append(group: "g", stream: "a", events: [(at(0), "ERROR one"), (at(2), #"{"level":"error","latency":120}"#)])
            try await logs.append(group: "g", stream: "b", events: [(at(1), "INFO two"), (at(3), "ERROR three")])
            let service = logs.service
            let errors = try await service.filterLogEvents(
                Logs.FilterLogEventsRequest(logGroupName: "g", filterPattern: "ERROR", limit: 1),
                context: Self.context
            )
            #expect(errors.events?.map(\.message) == ["ERROR one"])
            let rest = try await service.filterLogEvents(
                Logs.FilterLogEventsRequest(logGroupName: "g", filterPattern: "ERROR", nextToken: errors.nextToken, limit: 1),
                context: Self.context
            )
            #expect(rest.events?.map(\.logStreamName) == ["b"])
            let json = try await service.filterLogEvents(
                Logs.FilterLogEventsRequest(logGroupName: "g", filterPattern: "{ $.latency > 100 }"),
                context: Self.context
            )
            #expect(json.events?.count == 1)
            let onlyB = try await service.filterLogEvents(
                Logs.FilterLogEventsRequest(logGroupName: "g", logStreamNamePrefix: "b"),
                context: Self.context
            )
            #expect(onlyB.events?.map(\.message) == ["INFO two", "ERROR three"])
            await #expect(throws: ServiceError(Logs.Errors.invalidParameter, "")) {
                try await service.filterLogEvents(Logs.FilterLogEventsRequest(logGroupName: "g", filterPattern: "a:b"), context: Self.context)
            }
            let (all, cursor) = try await logs.events(group: "g", after: nil, limit: 3)
            #expect(all.map(\.message).first == "ERROR one")
            let (more, _) = try await logs.events(group: "g", after: cursor, limit: 10)
            #expect(more.map(\.message) == ["ERROR three"])
        }
    }

    @Test(arguments: TestBackend.all)
    func retentionDeletesOldEvents(backend: TestBackend) async throws {
        try await withDomain(backend) { logs in
            let day = 86_400.0
            try await logs.append(
                group: "g",
                stream: "s",
                events: [(Self.now.addingTimeInterval(-3 * day), "old"), (Self.now.addingTimeInterval(-60), "new")]
            )
            #expect(try await logs.store.setRetention(group: "g", days: 1))
            #expect(try await logs.deleteExpiredEvents(now: Self.now) == 1)
            let (left, _) = try await logs.events(group: "g", after: nil, limit: 10)
            #expect(left.map(\.message) == ["new"])
            let stream = try #require(try await logs.store.stream(group: "g", name: "s"))
            #expect(stream.firstEventTimestamp == LogsService.millis(Self.now.addingTimeInterval(-60)))
        }
    }

    @Test func positionsRoundTripThroughTokens() {
        let position = EventPosition(timestamp: 1_700_000_000_123, id: 42)
        #expect(EventPosition(digits: position.digits) == position)
        #expect(position.digits.count == 56)
        #expect(StreamToken(StreamToken.forward(position).text) == .forward(position))
        #expect(EventPosition.start.digits == String(repeating: "0", count: 56))
        #expect(StreamToken("f/123/s") == nil)
    }
}
