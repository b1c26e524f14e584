import AsyncAlgorithms
import Foundation
import Logging
import MoatLogs
import ServiceLifecycle

/// Deletes log events older than their group's retention periodically, as CloudWatch Logs expires them.
struct LogRetentionSweeper: Service {
    let logs: LogsDomain
    let interval: Duration
    let logger: Logger

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            do {
                let deleted = try await logs.deleteExpiredEvents(now: Date())
                if deleted > 0 { logger.debug("expired log events deleted", metadata: ["count": "\(deleted)"]) }
            } catch {
                logger.warning("could not delete expired log events", metadata: ["error": "\(error)"])
            }
        }
    }
}
