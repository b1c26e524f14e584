import Foundation
import MoatCore
import MoatWire
import Testing

/// A credential store for SigV4 tests that records every lookup, in order.
actor SigV4CredentialStore: CredentialResolving {
    private let known: [String: SigningCredential]
    private let failure: (any Error)?
    private(set) var lookups: [String] = []

    init(_ credentials: [SigningCredential], failingWith failure: (any Error)? = nil) {
        var known: [String: SigningCredential] = [:]
        for credential in credentials { known[credential.accessKeyId] = credential }
        self.known = known
        self.failure = failure
    }

    func recordUse(of accessKeyId: String, service: String, region: String, at date: Date) async {}

    func credential(forAccessKeyId accessKeyId: String) async throws -> SigningCredential? {
        lookups.append(accessKeyId)
        if let failure { throw failure }
        return known[accessKeyId]
    }
}

struct SigV4StoreUnavailable: Error {}

enum SigV4Fixtures {
    /// A user's principal for an access key.
    static func principal(accessKeyId: String, sessionId: String? = nil) -> Principal {
        Principal(
            kind: sessionId == nil ? .user : .assumedRole,
            accountId: "111122223333",
            arn: "arn:aws:iam::111122223333:user/Alice",
            userId: "AIDAEXAMPLEUSERID",
            entityName: "Alice",
            entityArn: "arn:aws:iam::111122223333:user/Alice",
            accessKeyId: accessKeyId,
            sessionId: sessionId
        )
    }

    static func credential(
        _ accessKeyId: String,
        _ secretAccessKey: String,
        sessionToken: String? = nil,
        expiration: Date? = nil
    ) -> SigningCredential {
        SigningCredential(
            accessKeyId: accessKeyId,
            secretAccessKey: secretAccessKey,
            sessionToken: sessionToken,
            expiration: expiration,
            principal: principal(accessKeyId: accessKeyId, sessionId: sessionToken == nil ? nil : "session")
        )
    }

    /// `yyyyMMdd'T'HHmmss'Z'` read with Foundation, independently of the verifier's own date code.
    static func date(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        guard let date = formatter.date(from: text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    /// A file under `Fixtures/sigv4/`, found next to this source file.
    static func url(_ relativePath: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4/" + relativePath)
    }
}

/// A request written as an HTTP/1.1 message, the format of the AWS SigV4 test suite's `*-signed-request.txt`.
struct SigV4RawRequest {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: String

    /// Parses the test suite's format: request line, `Name:value` lines, a blank line, the body. A line starting with
    /// whitespace (obsolete line folding) is, as the suite reads it, one more value of the previous header.
    init(parsing text: String) {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let firstSpace = requestLine.firstIndex(of: " ") ?? requestLine.endIndex
        let lastSpace = requestLine.lastIndex(of: " ") ?? requestLine.endIndex
        method = String(requestLine[..<firstSpace])
        target = firstSpace < lastSpace ? String(requestLine[requestLine.index(after: firstSpace)..<lastSpace]) : "/"
        headers = []
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            if line.first == " " || line.first == "\t", let last = headers.last {
                headers.append((last.name, line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        if !lines.isEmpty { lines.removeFirst() }
        body = lines.joined(separator: "\n")
    }

    func sigV4Request(now: Date) -> SigV4Request {
        SigV4Request(method: method, requestTarget: target, headers: headers, body: Array(body.utf8), now: now)
    }
}

/// One request signed by botocore (see `Fixtures/sigv4/generate_botocore_vectors.py`).
struct SigV4BotocoreVector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var form: String
    var service: String
    var region: String
    var accessKeyId: String
    var secretAccessKey: String
    var sessionToken: String?
    var signedAt: String
    var method: String
    var path: String
    var query: String
    var headers: [[String]]
    var body: String

    var testDescription: String { name }

    var headerPairs: [(name: String, value: String)] { headers.map { ($0[0], $0.count > 1 ? $0[1] : "") } }

    func request(now: Date, body: String? = nil, query: String? = nil) -> SigV4Request {
        SigV4Request(
            method: method,
            rawPath: path,
            rawQuery: query ?? self.query,
            headers: headerPairs,
            payloadSHA256: SigV4Request.payloadSHA256(of: Array((body ?? self.body).utf8)),
            now: now
        )
    }

    var credentials: SigV4CredentialStore {
        SigV4CredentialStore([SigV4Fixtures.credential(accessKeyId, secretAccessKey, sessionToken: sessionToken)])
    }

    static func all() -> [SigV4BotocoreVector] {
        struct File: Decodable { var vectors: [SigV4BotocoreVector] }
        guard let data = try? Data(contentsOf: SigV4Fixtures.url("botocore-vectors.json")),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.vectors
    }
}
