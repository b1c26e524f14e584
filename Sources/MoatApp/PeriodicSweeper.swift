import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle

/// Runs a clean-up every `interval` for the server's lifetime: expired STS sessions, log events past their group's
/// retention. A failed round is logged and the next one tries again.
struct PeriodicSweeper: Service {
    /// What is swept, for the log line of a failed round ("expired STS sessions").
    let name: String
    let interval: Duration
    let logger: Logger
    let sweep: @Sendable (Date) async throws -> Void

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            do {
                try await sweep(Date())
            } catch {
                logger.warning("could not delete \(name)", metadata: ["error": "\(error)"])
            }
        }
    }
}
