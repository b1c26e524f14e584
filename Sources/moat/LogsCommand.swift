import ArgumentParser
import Foundation

/// `moat logs …`: CloudWatch Logs of a running Moat, read over HTTP as the AWS CLI would.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Read CloudWatch Logs of a running Moat.",
        subcommands: [Tail.self]
    )

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a log group's events as TIMESTAMP STREAM MESSAGE lines.",
            discussion: """
                Talks to the Moat at AWS_ENDPOINT_URL (default http://127.0.0.1:4566), signing with MOAT_ROOT_ACCESS_KEY_ID / \
                MOAT_ROOT_SECRET_ACCESS_KEY, or else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
                """
        )

        @Argument(help: "A function name (meaning /aws/lambda/NAME) or a log group name containing '/'.")
        var functionOrGroup: String

        @Flag(help: "Keep polling for new events every second until interrupted.")
        var follow: Bool = false

        @Option(help: "How far back to start: a number with s, m, h or d (10m, 2h, 1d).")
        var since: String = "10m"

        var groupName: String { functionOrGroup.contains("/") ? functionOrGroup : "/aws/lambda/\(functionOrGroup)" }

        func validate() throws {
            guard Self.duration(since) != nil else { throw ValidationError("--since must be a number with s, m, h or d, e.g. 10m") }
        }

        static func duration(_ text: String) -> Double? {
            guard let unit = text.last, let value = Double(text.dropLast()), value >= 0 else { return nil }
            switch unit {
            case "s": return value
            case "m": return value * 60
            case "h": return value * 3600
            case "d": return value * 86_400
            default: return nil
            }
        }

        func run() async throws {
            let client = try AWSJSONClient(service: "logs", targetPrefix: "Logs_20140328", environment: ProcessInfo.processInfo.environment)
            let start = Int64((Date().timeIntervalSince1970 - (Self.duration(since) ?? 600)) * 1000)
            var lastEventId: String?
            var startTime = start
            while true {
                var nextToken: String?
                repeat {
                    var request: [String: Any] = ["logGroupName": groupName, "startTime": startTime]
                    if let nextToken { request["nextToken"] = nextToken }
                    let page = try await client.call("FilterLogEvents", request)
                    for event in page["events"] as? [[String: Any]] ?? [] {
                        let eventId = event["eventId"] as? String ?? ""
                        if let lastEventId, eventId <= lastEventId { continue }
                        lastEventId = eventId
                        let timestamp = (event["timestamp"] as? NSNumber)?.int64Value ?? 0
                        startTime = max(startTime, timestamp)
                        let line = Self.line(timestamp: timestamp, stream: event["logStreamName"] as? String ?? "", message: event["message"] as? String ?? "")
                        FileHandle.standardOutput.write(Data((line + "\n").utf8))
                    }
                    nextToken = page["nextToken"] as? String
                } while nextToken != nil
                guard follow else { return }
                try await Task.sleep(for: .seconds(1))
            }
        }

        static func line(timestamp: Int64, stream: String, message: String) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let date = formatter.string(from: Date(timeIntervalSince1970: Double(timestamp) / 1000))
            var text = message
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return "\(date) \(stream) \(text)"
        }
    }
}
