import CoreMetrics
import Synchronization

/// Request counts and durations by service, operation and status, with the metric objects cached.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        let service: String
        let operation: String
        let status: Int
    }

    private let cache = Mutex<[Key: (Counter, Timer)]>([:])
    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(service: String, operation: String, status: Int, duration: Duration) {
        let key = Key(service: service, operation: operation, status: status)
        let factory = self.factory
        let (counter, timer) = cache.withLock { cache in
            if let found = cache[key] { return found }
            let dimensions = [("aws_service", service), ("aws_operation", operation), ("http_response_status_code", String(status))]
            let made = (
                Counter(label: "moat_aws_requests_total", dimensions: dimensions, factory: factory),
                Timer(label: "moat_aws_request_duration_seconds", dimensions: dimensions, factory: factory)
            )
            cache[key] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
