import Foundation
import MoatStorage
import SQLKit

/// A log group as stored.
struct GroupRecord: Sendable, Equatable {
    var name: String
    var createdAt: Int64
    var retentionInDays: Int?
    var tags: [String: String]
    /// The bytes of its events' messages (filled by listings).
    var storedBytes: Int64 = 0
}

/// A log stream as stored.
struct StreamRecord: Sendable, Equatable {
    var group: String
    var name: String
    var createdAt: Int64
    var firstEventTimestamp: Int64?
    var lastEventTimestamp: Int64?
    var lastIngestionTime: Int64?
    var storedBytes: Int64
    /// Bumped by every PutLogEvents; reported as the (ignored) sequence token.
    var sequence: Int64
}

/// One log event: its place in the group's order is (timestamp, id).
public struct LogEventRecord: Sendable, Equatable {
    public var id: Int64
    public var stream: String
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var ingestionTime: Int64
    public var message: String

    public var position: EventPosition { EventPosition(timestamp: timestamp, id: id) }
}

/// A place between events: everything at or before it, or after it, in (timestamp, id) order.
public struct EventPosition: Sendable, Equatable, Comparable {
    public var timestamp: Int64
    public var id: Int64

    public static let start = EventPosition(timestamp: Int64.min, id: 0)

    public static func < (lhs: EventPosition, rhs: EventPosition) -> Bool {
        (lhs.timestamp, lhs.id) < (rhs.timestamp, rhs.id)
    }
}

enum StreamInsert: Sendable, Equatable { case created, exists, noGroup }
enum AppendOutcome: Sendable, Equatable {
    case appended(sequence: Int64)
    case noGroup
    case noStream
}

enum StreamOrder: Sendable { case name, lastEventTime }

/// CloudWatch Logs' tables: groups, streams and events.
///
/// Every method is one statement or one transaction, so a failed call leaves nothing behind.
struct LogsStore: Sendable {
    let database: Database

    static let migrations: [Migration] = [
        Migration(
            module: "logs",
            name: "001-groups-streams-events",
            statements: [
                """
                CREATE TABLE logs_groups (
                    name TEXT PRIMARY KEY,
                    created_at BIGINT NOT NULL,
                    retention_days BIGINT,
                    tags TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE logs_streams (
                    group_name TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    first_event BIGINT,
                    last_event BIGINT,
                    last_ingestion BIGINT,
                    stored_bytes BIGINT NOT NULL,
                    sequence BIGINT NOT NULL,
                    PRIMARY KEY (group_name, name)
                )
                """,
                """
                CREATE TABLE logs_events (
                    id {{serial_primary_key}},
                    group_name TEXT NOT NULL,
                    stream_name TEXT NOT NULL,
                    timestamp BIGINT NOT NULL,
                    ingestion_time BIGINT NOT NULL,
                    message TEXT NOT NULL
                )
                """,
                "CREATE INDEX logs_events_by_stream ON logs_events (group_name, stream_name, timestamp, id)",
                "CREATE INDEX logs_events_by_group ON logs_events (group_name, timestamp, id)",
            ]
        )
    ]

    // MARK: groups

    /// False when a group of that name exists.
    func createGroup(_ group: GroupRecord) async throws -> Bool {
        do {
            try await database.sql.raw(
                """
                INSERT INTO logs_groups (name, created_at, retention_days, tags)
                VALUES (\(bind: group.name), \(bind: group.createdAt), \(bind: group.retentionInDays.map(Int64.init)),
                    \(bind: try Self.encode(group.tags)))
                """
            ).run()
            return true
        } catch let error as StorageError where error == .uniqueViolation {
            return false
        }
    }

    func group(named name: String) async throws -> GroupRecord? {
        try await database.sql.raw("SELECT * FROM logs_groups WHERE name = \(bind: name)").first().map(Self.group)
    }

    /// Groups by name after `after`, with the given prefix, at most `limit`, with their stored bytes.
    func groups(prefix: String?, after: String?, limit: Int) async throws -> [GroupRecord] {
        let rows = try await database.sql.raw(
            """
            SELECT g.*, CAST(COALESCE((SELECT SUM(s.stored_bytes) FROM logs_streams s WHERE s.group_name = g.name), 0) AS BIGINT) AS stored
            FROM logs_groups g
            WHERE g.name > \(bind: after ?? "") AND substr(g.name, 1, CAST(\(bind: (prefix ?? "").count) AS INTEGER)) = \(bind: prefix ?? "")
            ORDER BY g.name LIMIT \(bind: limit)
            """
        ).all()
        return try rows.map { row in
            var group = try Self.group(row)
            group.storedBytes = try row.decode(column: "stored", as: Int64.self)
            return group
        }
    }

    /// Deletes the group with its streams and events; false when there was none.
    func deleteGroup(named name: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.raw("SELECT name FROM logs_groups WHERE name = \(bind: name)").first() != nil else { return false }
            try await db.raw("DELETE FROM logs_events WHERE group_name = \(bind: name)").run()
            try await db.raw("DELETE FROM logs_streams WHERE group_name = \(bind: name)").run()
            try await db.raw("DELETE FROM logs_groups WHERE name = \(bind: name)").run()
            return true
        }
    }

    /// Sets or clears the retention; false when there is no such group.
    func setRetention(group name: String, days: Int?) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.raw("SELECT name FROM logs_groups WHERE name = \(bind: name)").first() != nil else { return false }
            try await db.raw("UPDATE logs_groups SET retention_days = \(bind: days.map(Int64.init)) WHERE name = \(bind: name)").run()
            return true
        }
    }

    /// Replaces the tags; false when there is no such group.
    func setTags(group name: String, _ update: @escaping @Sendable ([String: String]) throws -> [String: String]) async throws -> Bool {
        try await database.transaction { db in
            guard let row = try await db.raw("SELECT tags FROM logs_groups WHERE name = \(bind: name)").first() else { return false }
            let tags = try update(try Self.decode(try row.decode(column: "tags", as: String.self)))
            try await db.raw("UPDATE logs_groups SET tags = \(bind: try Self.encode(tags)) WHERE name = \(bind: name)").run()
            return true
        }
    }

    // MARK: streams

    func createStream(group: String, name: String, createdAt: Int64) async throws -> StreamInsert {
        do {
            return try await database.transaction { db in
                guard try await db.raw("SELECT name FROM logs_groups WHERE name = \(bind: group)").first() != nil else { return .noGroup }
                try await db.raw(
                    """
                    INSERT INTO logs_streams (group_name, name, created_at, stored_bytes, sequence)
                    VALUES (\(bind: group), \(bind: name), \(bind: createdAt), 0, 0)
                    """
                ).run()
                return .created
            }
        } catch let error as StorageError where error == .uniqueViolation {
            return .exists
        }
    }

    func stream(group: String, name: String) async throws -> StreamRecord? {
        try await database.sql.raw("SELECT * FROM logs_streams WHERE group_name = \(bind: group) AND name = \(bind: name)")
            .first().map(Self.stream)
    }

    /// A page of the group's streams, `offset` into the chosen order.
    func streams(group: String, prefix: String?, order: StreamOrder, descending: Bool, offset: Int, limit: Int) async throws -> [StreamRecord] {
        let direction = descending ? "DESC" : "ASC"
        let orderBy =
            switch order {
            case .name: "name \(direction)"
            case .lastEventTime: "COALESCE(last_event, 0) \(direction), name \(direction)"
            }
        return try await database.sql.raw(
            """
            SELECT * FROM logs_streams
            WHERE group_name = \(bind: group) AND substr(name, 1, CAST(\(bind: (prefix ?? "").count) AS INTEGER)) = \(bind: prefix ?? "")
            ORDER BY \(unsafeRaw: orderBy) LIMIT \(bind: limit) OFFSET \(bind: offset)
            """
        ).all().map(Self.stream)
    }

    /// Names of the group's streams with this prefix.
    func streamNames(group: String, prefix: String?) async throws -> [String] {
        try await database.sql.raw(
            """
            SELECT name FROM logs_streams
            WHERE group_name = \(bind: group) AND substr(name, 1, CAST(\(bind: (prefix ?? "").count) AS INTEGER)) = \(bind: prefix ?? "")
            ORDER BY name
            """
        ).all().map { try $0.decode(column: "name", as: String.self) }
    }

    /// Deletes the stream and its events; false when there was none.
    func deleteStream(group: String, name: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.raw("SELECT name FROM logs_streams WHERE group_name = \(bind: group) AND name = \(bind: name)").first() != nil
            else { return false }
            try await db.raw("DELETE FROM logs_events WHERE group_name = \(bind: group) AND stream_name = \(bind: name)").run()
            try await db.raw("DELETE FROM logs_streams WHERE group_name = \(bind: group) AND name = \(bind: name)").run()
            return true
        }
    }

    // MARK: events

    /// Rows per INSERT: 5 parameters each, well under SQLite's and PostgreSQL's parameter limits.
    static let insertChunk = 500

    /// Appends events (in order) to an existing stream and updates its summary.
    /// - Parameter createMissing: create the group and stream first when they do not exist (Lambda's log sink).
    func append(
        group: String,
        stream: String,
        events: [(timestamp: Int64, message: String)],
        ingestionTime: Int64,
        createMissing: Bool = false
    ) async throws -> AppendOutcome {
        try await database.transaction { db in
            if createMissing {
                try await Self.ensure(group: group, stream: stream, createdAt: ingestionTime, in: db)
            }
            guard let row = try await db.raw("SELECT * FROM logs_streams WHERE group_name = \(bind: group) AND name = \(bind: stream)").first()
            else {
                let groupExists = try await db.raw("SELECT name FROM logs_groups WHERE name = \(bind: group)").first() != nil
                return groupExists ? .noStream : .noGroup
            }
            var record = try Self.stream(row)
            for start in stride(from: 0, to: events.count, by: Self.insertChunk) {
                let chunk = events[start..<min(start + Self.insertChunk, events.count)]
                var query = SQLQueryString("INSERT INTO logs_events (group_name, stream_name, timestamp, ingestion_time, message) VALUES ")
                for (offset, event) in chunk.enumerated() {
                    if offset > 0 { query.appendLiteral(", ") }
                    query.appendInterpolation(
                        "(\(bind: group), \(bind: stream), \(bind: event.timestamp), \(bind: ingestionTime), \(bind: event.message))" as SQLQueryString
                    )
                }
                try await db.raw(query).run()
            }
            if let first = events.map(\.timestamp).min(), let last = events.map(\.timestamp).max() {
                record.firstEventTimestamp = min(record.firstEventTimestamp ?? first, first)
                record.lastEventTimestamp = max(record.lastEventTimestamp ?? last, last)
                record.lastIngestionTime = ingestionTime
                record.storedBytes += Int64(events.reduce(0) { $0 + $1.message.utf8.count })
            }
            record.sequence += 1
            try await db.raw(
                """
                UPDATE logs_streams SET first_event = \(bind: record.firstEventTimestamp), last_event = \(bind: record.lastEventTimestamp),
                    last_ingestion = \(bind: record.lastIngestionTime), stored_bytes = \(bind: record.storedBytes),
                    sequence = \(bind: record.sequence)
                WHERE group_name = \(bind: group) AND name = \(bind: stream)
                """
            ).run()
            return .appended(sequence: record.sequence)
        }
    }

    private static func ensure(group: String, stream: String, createdAt: Int64, in db: any SQLDatabase) async throws {
        if try await db.raw("SELECT name FROM logs_groups WHERE name = \(bind: group)").first() == nil {
            try await db.raw("INSERT INTO logs_groups (name, created_at, tags) VALUES (\(bind: group), \(bind: createdAt), '{}')").run()
        }
        if try await db.raw("SELECT name FROM logs_streams WHERE group_name = \(bind: group) AND name = \(bind: stream)").first() == nil {
            try await db.raw(
                """
                INSERT INTO logs_streams (group_name, name, created_at, stored_bytes, sequence)
                VALUES (\(bind: group), \(bind: stream), \(bind: createdAt), 0, 0)
                """
            ).run()
        }
    }

    /// Events of one stream within [startTime, endTime), strictly after `after` or strictly before `before`,
    /// `limit` of them nearest that bound, always returned in ascending order.
    func streamEvents(
        group: String,
        stream: String,
        startTime: Int64?,
        endTime: Int64?,
        after: EventPosition?,
        before: EventPosition?,
        fromHead: Bool,
        limit: Int
    ) async throws -> [LogEventRecord] {
        var query = SQLQueryString("SELECT * FROM logs_events WHERE group_name = \(bind: group) AND stream_name = \(bind: stream)")
        Self.appendBounds(&query, startTime: startTime, endTime: endTime, after: after, before: before)
        query.appendLiteral(fromHead ? " ORDER BY timestamp ASC, id ASC" : " ORDER BY timestamp DESC, id DESC")
        query.appendInterpolation(" LIMIT \(bind: limit)" as SQLQueryString)
        let events = try await database.sql.raw(query).all().map(Self.event)
        return fromHead ? events : events.reversed()
    }

    /// Events of a group in (timestamp, id) order after `after`, from the given streams (all when nil).
    func groupEvents(
        group: String,
        streams: [String]?,
        startTime: Int64?,
        endTime: Int64?,
        after: EventPosition?,
        limit: Int
    ) async throws -> [LogEventRecord] {
        var query = SQLQueryString("SELECT * FROM logs_events WHERE group_name = \(bind: group)")
        if let streams {
            if streams.isEmpty { return [] }
            query.appendInterpolation(" AND stream_name IN (\(binds: streams))" as SQLQueryString)
        }
        Self.appendBounds(&query, startTime: startTime, endTime: endTime, after: after, before: nil)
        query.appendInterpolation(" ORDER BY timestamp ASC, id ASC LIMIT \(bind: limit)" as SQLQueryString)
        return try await database.sql.raw(query).all().map(Self.event)
    }

    private static func appendBounds(
        _ query: inout SQLQueryString,
        startTime: Int64?,
        endTime: Int64?,
        after: EventPosition?,
        before: EventPosition?
    ) {
        if let startTime { query.appendInterpolation(" AND timestamp >= \(bind: startTime)" as SQLQueryString) }
        if let endTime { query.appendInterpolation(" AND timestamp < \(bind: endTime)" as SQLQueryString) }
        if let after {
            query.appendInterpolation(
                " AND (timestamp > \(bind: after.timestamp) OR (timestamp = \(bind: after.timestamp) AND id > \(bind: after.id)))"
                    as SQLQueryString
            )
        }
        if let before {
            query.appendInterpolation(
                " AND (timestamp < \(bind: before.timestamp) OR (timestamp = \(bind: before.timestamp) AND id < \(bind: before.id)))"
                    as SQLQueryString
            )
        }
    }

    /// Deletes events older than each group's retention at `now`; returns how many went.
    func deleteExpiredEvents(now: Int64) async throws -> Int {
        let groups = try await database.sql.raw("SELECT name, retention_days FROM logs_groups WHERE retention_days IS NOT NULL").all()
        var deleted = 0
        for row in groups {
            let name = try row.decode(column: "name", as: String.self)
            let days = try row.decode(column: "retention_days", as: Int64.self)
            let cutoff = now - days * 86_400_000
            deleted += try await database.transaction { db in
                let count = try await db.raw("SELECT COUNT(*) AS n FROM logs_events WHERE group_name = \(bind: name) AND timestamp < \(bind: cutoff)")
                    .first()?.decode(column: "n", as: Int64.self) ?? 0
                guard count > 0 else { return 0 }
                try await db.raw("DELETE FROM logs_events WHERE group_name = \(bind: name) AND timestamp < \(bind: cutoff)").run()
                // Recompute the summaries of the group's streams from what is left.
                try await db.raw(
                    """
                    UPDATE logs_streams SET
                        first_event = (SELECT MIN(e.timestamp) FROM logs_events e WHERE e.group_name = logs_streams.group_name AND e.stream_name = logs_streams.name),
                        last_event = (SELECT MAX(e.timestamp) FROM logs_events e WHERE e.group_name = logs_streams.group_name AND e.stream_name = logs_streams.name),
                        stored_bytes = CAST(COALESCE((SELECT SUM(LENGTH(e.message)) FROM logs_events e
                            WHERE e.group_name = logs_streams.group_name AND e.stream_name = logs_streams.name), 0) AS BIGINT)
                    WHERE group_name = \(bind: name)
                    """
                ).run()
                return Int(count)
            }
        }
        return deleted
    }

    func deleteAll() async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM logs_events").run()
            try await db.raw("DELETE FROM logs_streams").run()
            try await db.raw("DELETE FROM logs_groups").run()
        }
    }

    // MARK: rows

    private static func group(_ row: any SQLRow) throws -> GroupRecord {
        GroupRecord(
            name: try row.decode(column: "name", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            retentionInDays: try Self.optional(row, "retention_days").map { Int($0) },
            tags: try decode(try row.decode(column: "tags", as: String.self))
        )
    }

    private static func stream(_ row: any SQLRow) throws -> StreamRecord {
        StreamRecord(
            group: try row.decode(column: "group_name", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            firstEventTimestamp: try Self.optional(row, "first_event"),
            lastEventTimestamp: try Self.optional(row, "last_event"),
            lastIngestionTime: try Self.optional(row, "last_ingestion"),
            storedBytes: try row.decode(column: "stored_bytes", as: Int64.self),
            sequence: try row.decode(column: "sequence", as: Int64.self)
        )
    }

    private static func event(_ row: any SQLRow) throws -> LogEventRecord {
        LogEventRecord(
            id: try row.decode(column: "id", as: Int64.self),
            stream: try row.decode(column: "stream_name", as: String.self),
            timestamp: try row.decode(column: "timestamp", as: Int64.self),
            ingestionTime: try row.decode(column: "ingestion_time", as: Int64.self),
            message: try row.decode(column: "message", as: String.self)
        )
    }

    private static func optional(_ row: any SQLRow, _ column: String) throws -> Int64? {
        try row.decodeNil(column: column) ? nil : try row.decode(column: column, as: Int64.self)
    }

    private static func encode(_ tags: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(tags), as: UTF8.self)
    }

    private static func decode(_ text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
