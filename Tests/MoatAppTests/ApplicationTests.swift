import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Logging
@testable import MoatApp
import MoatTesting
import Testing

/// Moat as the server assembles it, driven in process.
@Suite("Moat application")
struct ApplicationTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func configuration(_ directory: TemporaryDirectory, allowReset: Bool = false) -> ServerConfiguration {
        ServerConfiguration(
            port: 0,
            dataDirectory: directory.url,
            allowReset: allowReset,
            rootAccessKeyId: "AKIAAPPTESTROOT00001",
            rootSecretAccessKey: "apptestsecretapptestsecretapptestsecret1",
            maximumBodySize: 1024,
            maximumHeaderSize: 2048,
            lambdaWorkDirectory: directory.url.appendingPathComponent("lambda-work")
        )
    }

    @Test func healthAnswersAndMetricsCountRequests() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try await buildApplication(configuration(directory), logger: logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/_moat/health", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/?Action=ListUsers&Version=2010-05-08", method: .get) { response in
                #expect(response.status.code == 403)
                #expect(String(buffer: response.body).contains("<Code>MissingAuthenticationToken</Code>"))
            }
            try await client.execute(uri: "/_moat/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("moat_aws_requests_total"))
                #expect(text.contains(#"aws_operation="ListUsers""#))
                #expect(text.contains(#"http_response_status_code="403""#))
            }
        }
    }

    @Test func limitsAreAnsweredBeforeAnythingElse() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try await buildApplication(configuration(directory), logger: logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .post, body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 2048)) { response in
                #expect(response.status.code == 413)
                #expect(response.headers[.init("x-amzn-ErrorType")!] == "RequestEntityTooLargeException")
            }
            try await client.execute(uri: "/", method: .post, headers: [.init("X-Padding")!: String(repeating: "b", count: 4096)]) { response in
                #expect(response.status.code == 431)
            }
        }
    }

    @Test func resetIsOffUnlessAllowed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let closed = try await buildApplication(configuration(directory), logger: logger)
        try await closed.test(.router) { client in
            try await client.execute(uri: "/_moat/reset", method: .post) { response in
                #expect(response.status == .notFound)
            }
        }
        let open = try await buildApplication(configuration(directory, allowReset: true), logger: logger)
        try await open.test(.router) { client in
            for path in ["/_moat/reset", "/moto-api/reset"] {
                try await client.execute(uri: path, method: .post) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    @Test func aGeneratedRootKeyIsAnnouncedOnceAndKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var generated = configuration(directory)
        generated.rootAccessKeyId = nil
        generated.rootSecretAccessKey = nil
        let announcements = Announcements()
        _ = try await buildApplication(generated, logger: logger) { announcements.append($0) }
        _ = try await buildApplication(generated, logger: logger) { announcements.append($0) }
        let said = announcements.all
        #expect(said.count == 1)
        #expect(said.first?.contains("export AWS_ACCESS_KEY_ID=AKIA") == true)
        #expect(said.first?.contains("export AWS_ENDPOINT_URL=http://127.0.0.1:0") == true)
        let keyFile = directory.url.appendingPathComponent("master.key")
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }
}

final class Announcements: @unchecked Sendable {
    private let lock = NSLock()
    private var said: [String] = []

    func append(_ text: String) {
        lock.lock()
        said.append(text)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return said
    }
}

@Suite("In-flight limit")
struct InFlightLimitTests {
    @Test func refusesBeyondTheMaximumUntilASlotIsReleased() {
        let limit = InFlightLimit(maximum: 2)
        #expect(limit.acquire())
        #expect(limit.acquire())
        #expect(limit.acquire() == false)
        limit.release()
        #expect(limit.acquire())
        #expect(limit.inFlight == 2)
    }
}
