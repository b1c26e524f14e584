public import Foundation
import Logging
import MoatCore
import MoatStorage
import SQLKit

/// A message Cognito sends a user: an invitation, a verification or reset code.
public struct OutgoingMessage: Sendable, Equatable {
    public enum Medium: String, Sendable { case email = "EMAIL", sms = "SMS" }

    public var poolId: String
    public var medium: Medium
    /// The email address or phone number.
    public var destination: String
    /// The sender (the pool's `EmailConfiguration.From`); nil for Cognito's default.
    public var from: String?
    public var subject: String?
    public var body: String
    public var createdAt: Date
}

/// Sends messages by some transport (SMTP for email).
protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async throws
}

/// Where Cognito's messages go: to the sender when one is configured for their medium, else to the outbox table,
/// which `moat mail` lists. Bodies carry codes and temporary passwords, so they are sealed at rest and never logged.
struct Outbox: Sendable {
    let database: Database
    let secretBox: SecretBox
    let emailSender: (any MessageSender)?
    let logger: Logger

    static let migration = Migration(
        module: "cognito",
        name: "002-outbox",
        statements: [
            """
            CREATE TABLE cognito_outbox (
                id {{serial_primary_key}},
                pool_id TEXT NOT NULL,
                medium TEXT NOT NULL,
                destination TEXT NOT NULL,
                subject TEXT,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """
        ]
    )

    /// Sends or keeps a message.
    /// - Throws: CodeDeliveryFailureException when the configured sender fails.
    func deliver(_ message: OutgoingMessage) async throws {
        if message.medium == .email, let emailSender {
            do {
                try await emailSender.send(message)
                logger.info("message sent", metadata: ["cognito.pool": "\(message.poolId)", "cognito.medium": "\(message.medium.rawValue)"])
                return
            } catch {
                logger.error("message delivery failed", metadata: ["cognito.pool": "\(message.poolId)", "error": "\(error)"])
                throw ServiceError(Cognito.Errors.codeDeliveryFailure, "Unable to deliver the message to \(message.destination).")
            }
        }
        let sealed = try secretBox.seal(Data(message.body.utf8), context: "cognito.outbox").base64EncodedString()
        try await database.sql.raw(
            """
            INSERT INTO cognito_outbox (pool_id, medium, destination, subject, body, created_at)
            VALUES (\(bind: message.poolId), \(bind: message.medium.rawValue), \(bind: message.destination), \(bind: message.subject),
                \(bind: sealed), \(bind: StoredTime.millis(message.createdAt)))
            """
        ).run()
        logger.info(
            "message kept in the outbox (moat mail lists it)",
            metadata: ["cognito.pool": "\(message.poolId)", "cognito.medium": "\(message.medium.rawValue)"]
        )
    }

    /// The messages kept, oldest first.
    func messages(limit: Int) async throws -> [OutgoingMessage] {
        try await database.sql.raw("SELECT * FROM cognito_outbox ORDER BY id LIMIT \(bind: limit)").all().map { row in
            let sealed = Data(base64Encoded: try row.decode(column: "body", as: String.self)) ?? Data()
            return OutgoingMessage(
                poolId: try row.decode(column: "pool_id", as: String.self),
                medium: OutgoingMessage.Medium(rawValue: try row.decode(column: "medium", as: String.self)) ?? .email,
                destination: try row.decode(column: "destination", as: String.self),
                subject: try row.decode(column: "subject", as: String?.self),
                body: try secretBox.openString(sealed, context: "cognito.outbox"),
                createdAt: StoredTime.date(try row.decode(column: "created_at", as: Int64.self))
            )
        }
    }

    func deleteAll() async throws {
        try await database.sql.raw("DELETE FROM cognito_outbox").run()
    }
}
