import Foundation
import MoatStorage
import SQLKit

/// An asynchronous (`Event`) invocation waiting to run.
struct QueuedEvent: Sendable, Equatable {
    var requestId: String
    var functionName: String
    var payload: [UInt8]
    /// Runs made so far.
    var attempts: Int
    var queuedAt: Date
}

/// Asynchronous invocations, kept in the database from the moment Invoke answers 202 until they succeed or have
/// used their retries, so that neither a restart nor a crash loses one. Any node may run any event: a node claims an
/// event for a lease (`claimed_until`) and an event whose lease ran out is claimed again.
struct EventQueue: Sendable {
    let database: Database
    /// How long a claimed event stays with its node before another may take it; longer than any function's timeout.
    static let lease: TimeInterval = 16 * 60

    static let migration = Migration(
        module: "lambda",
        name: "002-event-queue",
        statements: [
            """
            CREATE TABLE lambda_events (
                request_id TEXT PRIMARY KEY,
                function_name TEXT NOT NULL,
                payload {{blob}} NOT NULL,
                attempts BIGINT NOT NULL,
                not_before BIGINT NOT NULL,
                claimed_until BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX lambda_events_due ON lambda_events (not_before)",
        ]
    )

    func enqueue(_ event: QueuedEvent, at now: Date) async throws {
        try await database.sql.raw(
            """
            INSERT INTO lambda_events (request_id, function_name, payload, attempts, not_before, claimed_until, created_at)
            VALUES (\(bind: event.requestId), \(bind: event.functionName), \(bind: Data(event.payload)), \(bind: event.attempts),
                \(bind: StoredTime.millis(now)), 0, \(bind: StoredTime.millis(event.queuedAt)))
            """
        ).run()
    }

    /// Takes the next due event for this node, or nil when none is due.
    func claimNext(at now: Date) async throws -> QueuedEvent? {
        let nowMillis = StoredTime.millis(now)
        let lockClause = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { db in
            guard
                let row = try await db.raw(
                    SQLQueryString(
                        """
                        SELECT request_id, function_name, payload, attempts, created_at FROM lambda_events
                        WHERE not_before <= \(bind: nowMillis) AND claimed_until <= \(bind: nowMillis)
                        ORDER BY not_before LIMIT 1\(unsafeRaw: lockClause)
                        """
                    )
                ).first()
            else { return nil }
            let event = QueuedEvent(
                requestId: try row.decode(column: "request_id", as: String.self),
                functionName: try row.decode(column: "function_name", as: String.self),
                payload: Array(try row.decode(column: "payload", as: Data.self)),
                attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
                queuedAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self))
            )
            let until = StoredTime.millis(now.addingTimeInterval(Self.lease))
            try await db.raw("UPDATE lambda_events SET claimed_until = \(bind: until) WHERE request_id = \(bind: event.requestId)").run()
            return event
        }
    }

    /// The event is done: it succeeded, used its retries, or its function is gone.
    func finish(_ requestId: String) async throws {
        try await database.sql.raw("DELETE FROM lambda_events WHERE request_id = \(bind: requestId)").run()
    }

    /// Runs the event again at `date`, with `attempts` runs counted so far.
    func retry(_ requestId: String, attempts: Int, at date: Date) async throws {
        try await database.sql.raw(
            """
            UPDATE lambda_events SET attempts = \(bind: attempts), not_before = \(bind: StoredTime.millis(date)), claimed_until = 0
            WHERE request_id = \(bind: requestId)
            """
        ).run()
    }

    /// Releases every claim: on a single node (SQLite) a claim that exists at start belongs to a process that died,
    /// and its events should run now rather than when their lease runs out.
    func releaseClaimsOfDeadProcesses() async throws {
        guard database.dialect == .sqlite else { return }
        try await database.sql.raw("UPDATE lambda_events SET claimed_until = 0 WHERE claimed_until > 0").run()
    }

    func deleteAll() async throws {
        try await database.sql.raw("DELETE FROM lambda_events").run()
    }
}
