import AsyncAlgorithms
import Foundation
import Logging
import MoatIAM
import ServiceLifecycle

/// Deletes expired STS sessions periodically, so that the sessions table holds only live credentials.
struct ExpiredSessionSweeper: Service {
    let iam: IAMDomain
    let interval: Duration
    let logger: Logger

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            do {
                try await iam.deleteExpiredSessions(before: Date())
            } catch {
                logger.warning("could not delete expired sessions", metadata: ["error": "\(error)"])
            }
        }
    }
}
