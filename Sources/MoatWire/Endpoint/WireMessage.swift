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
        headers.first { HeaderName.equal($0.name, name) }?.value
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
        headers.first { HeaderName.equal($0.name, name) }?.value
    }
}

/// Header names compare without regard to ASCII case (RFC 9110); Foundation's locale-aware comparison is needlessly slow.
enum HeaderName {
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let a?, let b?):
                if a == b { continue }
                if a | 0x20 != b | 0x20 { return false }
                // Only letters may differ by the case bit.
                if !((a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z")) { return false }
            default: return false
            }
        }
    }
}
