import Foundation
/// An HTTP request as the AWS endpoint sees it, independent of the server library.
public struct WireRequest: Sendable {
    public var method: String
    /// The path as received, still percent-encoded, without the query string.
    public var path: String
    /// The raw query string, without `?`.
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The client's address, for `aws:SourceIp`.
    public var sourceIp: String

    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8], sourceIp: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.sourceIp = sourceIp
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// An HTTP response of the AWS endpoint.
public struct WireResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
