import ArgumentParser
import Foundation
import MoatWire
import NIOHTTP1


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
            let client = try LogsClient(environment: ProcessInfo.processInfo.environment)
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

/// A minimal awsJson1.1 client of CloudWatch Logs, signed with SigV4.
struct LogsClient {
    let endpoint: URL
    let signer: RequestSigner

    init(environment: [String: String]) throws {
        let accessKeyId = environment["MOAT_ROOT_ACCESS_KEY_ID"] ?? environment["AWS_ACCESS_KEY_ID"]
        let secret = environment["MOAT_ROOT_SECRET_ACCESS_KEY"] ?? environment["AWS_SECRET_ACCESS_KEY"]
        guard let accessKeyId, let secret, !accessKeyId.isEmpty, !secret.isEmpty else {
            throw ValidationError("set MOAT_ROOT_ACCESS_KEY_ID and MOAT_ROOT_SECRET_ACCESS_KEY, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let sessionToken = environment["MOAT_ROOT_ACCESS_KEY_ID"] == nil ? environment["AWS_SESSION_TOKEN"] : nil
        guard let endpoint = URL(string: environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:4566"), endpoint.host != nil else {
            throw ValidationError("AWS_ENDPOINT_URL is not a URL")
        }
        self.endpoint = endpoint
        self.signer = RequestSigner(
            accessKeyId: accessKeyId,
            secretAccessKey: secret,
            sessionToken: sessionToken,
            region: environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1",
            service: "logs"
        )
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func call(_ operation: String, _ input: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: input)
        let host = endpoint.port.map { "\(endpoint.host ?? ""):\($0)" } ?? (endpoint.host ?? "")
        let signed = signer.sign(
            method: "POST",
            path: "/",
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "Logs_20140328.\(operation)"),
            ],
            body: Array(body),
            host: host,
            date: Date()
        )
        guard endpoint.scheme == "http", let hostName = endpoint.host else {
            throw Failure(description: "moat logs tail speaks plain HTTP to Moat; \(endpoint) is not an http:// URL")
        }
        let answer = try await PlainHTTPClient.send(
            host: hostName,
            port: endpoint.port ?? 80,
            method: .POST,
            path: "/",
            headers: signed.headers.filter { $0.name.lowercased() != "host" } + [(name: "Host", value: host)],
            body: Array(body)
        )
        let data = Data(answer.body)
        let status = answer.status
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard (200..<300).contains(status) else {
            let code = (object["__type"] as? String).map { $0.split(separator: "#").last.map(String.init) ?? $0 } ?? "HTTP \(status)"
            throw Failure(description: "\(code): \(object["message"] as? String ?? object["Message"] as? String ?? "")")
        }
        return object
    }
}
