import Crypto
public import Foundation

/// Signs requests with AWS Signature Version 4 the way SDK clients do: the `Authorization` header form and the
/// presigned-query form. Tests sign with it, and so does `moat logs tail`.
///
/// Written apart from MoatWire's verifier (Foundation percent-encoding, raw query sorting as botocore does) so that a
/// shared mistake cannot make both agree; the AWS test-suite and botocore vectors pin both to AWS.
public struct RequestSigner: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    /// Temporary credentials: sent as `X-Amz-Security-Token` and signed.
    public var sessionToken: String?
    public var region: String
    /// The signing name (`iam`, `sts`, `cognito-idp`, …).
    public var service: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// How the body enters the signature.
    public enum PayloadSigning: Sendable {
        /// The body's SHA-256, as botocore signs by default.
        case hashed
        /// The body's SHA-256, also sent as `X-Amz-Content-Sha256`.
        case hashedWithHeader
        /// `UNSIGNED-PAYLOAD`, sent as `X-Amz-Content-Sha256`.
        case unsigned
    }

    /// A signed request, ready to send.
    public struct SignedRequest: Sendable {
        public var method: String
        /// The path as sent (percent-encoded).
        public var path: String
        /// The query as sent, without the `?`.
        public var query: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// `path?query`, or the path alone.
        public var requestTarget: String { query.isEmpty ? path : path + "?" + query }

        /// The first header with this name, ignoring case.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The request as the verifier receives it.
        ///
        /// - Parameter now: The instant to judge the request at.
        public func verificationInput(now: Date) -> SigV4Request {
            SigV4Request(method: method, requestTarget: requestTarget, headers: headers, body: body, now: now)
        }
    }

    /// Signs with an `Authorization` header.
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - path: The path as it will be sent, already percent-encoded.
    ///   - query: The query as it will be sent, already percent-encoded, without the `?`.
    ///   - headers: Headers to send and sign (a `host` header is added when absent).
    ///   - body: The body.
    ///   - host: The `host` header value to add when `headers` has none.
    ///   - date: The signing instant.
    ///   - payload: How the body enters the signature.
    ///   - useDateHeader: Send and sign an HTTP `Date` header instead of `X-Amz-Date`.
    public func sign(
        method: String = "POST",
        path: String = "/",
        query: String = "",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        host: String = "localhost:4566",
        date: Date,
        payload: PayloadSigning = .hashed,
        useDateHeader: Bool = false
    ) -> SignedRequest {
        var headers = headers
        if !headers.contains(where: { $0.name.lowercased() == "host" }) { headers.insert((name: "Host", value: host), at: 0) }
        let amzDate = Self.amzDate(date)
        if useDateHeader {
            headers.append((name: "Date", value: Self.httpDate(date)))
        } else {
            headers.append((name: "X-Amz-Date", value: amzDate))
        }
        if let sessionToken { headers.append((name: "X-Amz-Security-Token", value: sessionToken)) }
        let payloadHash: String
        switch payload {
        case .hashed:
            payloadHash = Self.hexSHA256(body)
        case .hashedWithHeader:
            payloadHash = Self.hexSHA256(body)
            headers.append((name: "X-Amz-Content-Sha256", value: payloadHash))
        case .unsigned:
            payloadHash = "UNSIGNED-PAYLOAD"
            headers.append((name: "X-Amz-Content-Sha256", value: payloadHash))
        }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let signature = signature(
            method: method,
            path: path,
            canonicalQuery: Self.sortedQuery(query),
            canonicalHeaders: canonicalHeaders,
            signedHeaders: signedHeaders,
            payloadHash: payloadHash,
            amzDate: amzDate
        )
        headers.append(
            (
                name: "Authorization",
                value:
                    "AWS4-HMAC-SHA256 Credential=\(accessKeyId)/\(scope(amzDate)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            )
        )
        return SignedRequest(method: method, path: path, query: query, headers: headers, body: body)
    }

    /// Signs in the query string (a presigned URL), as botocore's `generate_presigned_url` does for services other
    /// than S3: the body's hash is signed (the empty body's for a GET).
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - path: The path as it will be sent, already percent-encoded.
    ///   - query: The operation's own parameters, already percent-encoded, without the `?`.
    ///   - headers: Headers to send and sign (a `host` header is added when absent).
    ///   - body: The body.
    ///   - host: The `host` header value to add when `headers` has none.
    ///   - date: The signing instant.
    ///   - expires: `X-Amz-Expires` in seconds.
    ///   - unsignedPayload: Sign `UNSIGNED-PAYLOAD` instead of the body's hash, as S3 presigners do.
    public func presign(
        method: String = "GET",
        path: String = "/",
        query: String = "",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        host: String = "localhost:4566",
        date: Date,
        expires: Int = 900,
        unsignedPayload: Bool = false
    ) -> SignedRequest {
        var headers = headers
        if !headers.contains(where: { $0.name.lowercased() == "host" }) { headers.insert((name: "Host", value: host), at: 0) }
        let amzDate = Self.amzDate(date)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        var authParameters = [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=" + Self.encode("\(accessKeyId)/\(scope(amzDate))"),
            "X-Amz-Date=" + amzDate,
            "X-Amz-Expires=\(expires)",
            "X-Amz-SignedHeaders=" + Self.encode(signedHeaders),
        ]
        if let sessionToken { authParameters.append("X-Amz-Security-Token=" + Self.encode(sessionToken)) }
        let fullQuery = (query.isEmpty ? [] : [query]) + authParameters
        let signature = signature(
            method: method,
            path: path,
            canonicalQuery: Self.sortedQuery(fullQuery.joined(separator: "&")),
            canonicalHeaders: canonicalHeaders,
            signedHeaders: signedHeaders,
            payloadHash: unsignedPayload ? "UNSIGNED-PAYLOAD" : Self.hexSHA256(body),
            amzDate: amzDate
        )
        let signedQuery = (fullQuery + ["X-Amz-Signature=" + signature]).joined(separator: "&")
        return SignedRequest(method: method, path: path, query: signedQuery, headers: headers, body: body)
    }

    // MARK: Signature

    private func scope(_ amzDate: String) -> String { "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request" }

    private func signature(
        method: String,
        path: String,
        canonicalQuery: String,
        canonicalHeaders: String,
        signedHeaders: String,
        payloadHash: String,
        amzDate: String
    ) -> String {
        let canonicalRequest = [method, Self.canonicalPath(path), canonicalQuery, canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope(amzDate))\n" + Self.hexSHA256(Array(canonicalRequest.utf8))
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [String(amzDate.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Canonical forms, written independently of MoatWire

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Removes `.`/`..` and empty segments as botocore does, then encodes the (already encoded) path again.
    private static func canonicalPath(_ path: String) -> String {
        var kept: [String] = []
        for segment in path.components(separatedBy: "/") {
            switch segment {
            case "", ".": continue
            case "..": _ = kept.popLast()
            default: kept.append(segment)
            }
        }
        var normalized = (path.hasPrefix("/") ? "/" : "") + kept.joined(separator: "/")
        if path.hasSuffix("/"), !kept.isEmpty { normalized += "/" }
        if normalized.isEmpty { normalized = "/" }
        return normalized.addingPercentEncoding(withAllowedCharacters: unreserved.union(CharacterSet(charactersIn: "/"))) ?? normalized
    }

    /// Sorts the raw `name=value` pairs of an already-encoded query, `=` added to bare names (botocore's method).
    private static func sortedQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(name: String, value: String)] = []
        for pair in query.components(separatedBy: "&") {
            if let equals = pair.firstIndex(of: "=") {
                pairs.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
            } else {
                pairs.append((pair, ""))
            }
        }
        pairs.sort { lhs, rhs in lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name }
        return pairs.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// `name:value` lines for every header, names lowercased and sorted, values trimmed and inner whitespace runs
    /// collapsed, repeated names joined with `,`; and the `;`-joined names.
    private static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (String, String) {
        var grouped: [String: [String]] = [:]
        var order: [String] = []
        for header in headers {
            let name = header.name.lowercased().trimmingCharacters(in: .whitespaces)
            let value = header.value.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            if grouped[name] == nil { order.append(name) }
            grouped[name, default: []].append(value)
        }
        let names = order.sorted()
        let block = names.map { "\($0):\(grouped[$0, default: []].joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    private static func hexSHA256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    private static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
