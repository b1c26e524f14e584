import Crypto
import MoatCore
public import Foundation

/// A request as SigV4 verification sees it, independent of any HTTP server type.
public struct SigV4Request: Sendable {
    /// The HTTP method as received (`GET`, `POST`, …).
    public var method: String
    /// The path exactly as received: still percent-encoded, without the query (`/2015-03-31/functions/my%20fn`).
    public var rawPath: String
    /// The query string exactly as received, without the `?`; empty when there is none.
    public var rawQuery: String
    /// The headers in the order received. Names match case-insensitively and may repeat.
    /// Over HTTP/2, pass the `:authority` pseudo-header as `host`.
    public var headers: [(name: String, value: String)]
    /// Lowercase hex SHA-256 of the body as received (the caller hashes the body it has buffered).
    public var payloadSHA256: String
    /// The instant the request is judged at.
    public var now: Date

    /// - Parameters:
    ///   - method: The HTTP method as received.
    ///   - rawPath: The percent-encoded path as received, without the query.
    ///   - rawQuery: The query as received, without the `?`.
    ///   - headers: The headers in the order received.
    ///   - payloadSHA256: Lowercase hex SHA-256 of the body.
    ///   - now: The instant the request is judged at.
    public init(
        method: String,
        rawPath: String,
        rawQuery: String,
        headers: [(name: String, value: String)],
        payloadSHA256: String,
        now: Date
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.payloadSHA256 = payloadSHA256
        self.now = now
    }

    /// A request whose body is hashed here.
    ///
    /// - Parameters:
    ///   - method: The HTTP method as received.
    ///   - requestTarget: The request target as received (`/path?query`), split at the first `?`.
    ///   - headers: The headers in the order received.
    ///   - body: The body as received.
    ///   - now: The instant the request is judged at.
    public init(
        method: String,
        requestTarget: String,
        headers: [(name: String, value: String)],
        body: some DataProtocol,
        now: Date
    ) {
        let path: Substring
        let query: Substring
        if let mark = requestTarget.firstIndex(of: "?") {
            path = requestTarget[..<mark]
            query = requestTarget[requestTarget.index(after: mark)...]
        } else {
            path = requestTarget[...]
            query = ""
        }
        self.init(
            method: method,
            rawPath: String(path),
            rawQuery: String(query),
            headers: headers,
            payloadSHA256: Self.payloadSHA256(of: body),
            now: now
        )
    }

    /// Lowercase hex SHA-256 of a body, as `payloadSHA256` expects it.
    public static func payloadSHA256(of body: some DataProtocol) -> String {
        Hex.lowercase(SHA256.hash(data: body))
    }

    /// The values of every header with this name, in the order received (`name` must be lowercase ASCII).
    func values(ofHeader name: String) -> [String] {
        let wanted = Array(name.utf8)
        var found: [String] = []
        for header in headers where SigV4Canonical.headerName(header.name, equals: wanted) {
            found.append(header.value)
        }
        return found
    }
}
