/// The SigV4 parameters of a presigned request's query string (`X-Amz-Algorithm`, `X-Amz-Credential`, …).
///
/// Parsing never traps, whatever the input: it is fed straight from the network.
public struct SigV4PresignedQuery: Sendable, Equatable {
    /// The longest validity a presigned request may ask for: seven days.
    public static let maximumExpires = 604_800

    public let credential: SigV4Credential
    /// `X-Amz-Date` as given (`yyyyMMdd'T'HHmmss'Z'` when well-formed).
    public let date: String
    /// `X-Amz-Expires` in seconds, 1…604800; nil when absent (the request is then held to the clock-skew window).
    public let expires: Int?
    /// The signed header names, lowercased, in the order listed.
    public let signedHeaders: [String]
    public let signature: String
    public let securityToken: String?

    public init(
        credential: SigV4Credential,
        date: String,
        expires: Int?,
        signedHeaders: [String],
        signature: String,
        securityToken: String?
    ) {
        self.credential = credential
        self.date = date
        self.expires = expires
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.securityToken = securityToken
    }

    /// Whether a query carries SigV4 authentication (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Signature` or
    /// `X-Amz-SignedHeaders`).
    ///
    /// - Parameter rawQuery: The query string as received.
    public static func isPresigned(rawQuery: String) -> Bool {
        isPresigned(SigV4Canonical.queryParameters(rawQuery: rawQuery))
    }

    /// Reads the SigV4 parameters of a query string.
    ///
    /// - Parameter rawQuery: The query string as received, without the `?`.
    /// - Throws: `SigV4Failure` of kind `incompleteSignature`, with AWS's message.
    public static func parse(rawQuery: String) throws(SigV4Failure) -> SigV4PresignedQuery {
        try parse(SigV4Canonical.queryParameters(rawQuery: rawQuery))
    }

    static func isPresigned(_ parameters: [SigV4QueryParameter]) -> Bool {
        parameters.contains { parameter in
            markers.contains { parameter.hasName($0) }
        }
    }

    static func parse(_ parameters: [SigV4QueryParameter]) throws(SigV4Failure) -> SigV4PresignedQuery {
        var found: [String: String] = [:]
        for parameter in parameters {
            guard let name = known.first(where: { parameter.hasName($0) }) else { continue }
            guard found[name] == nil else {
                throw .incomplete("The query string has more than one '\(name)' parameter. Re-examine the query-string parameters.")
            }
            found[name] = parameter.valueText
        }

        let missing = required.filter { found[$0] == nil }
        guard missing.isEmpty,
            let algorithm = found["X-Amz-Algorithm"],
            let credential = found["X-Amz-Credential"],
            let signature = found["X-Amz-Signature"],
            let date = found["X-Amz-Date"],
            let signedHeaders = found["X-Amz-SignedHeaders"]
        else {
            throw .incomplete(
                missing.map { "AWS query-string parameters must include '\($0)'." }.joined(separator: " ")
                    + " Re-examine the query-string parameters."
            )
        }
        guard algorithm.utf8.elementsEqual(SigV4Signing.algorithm.utf8) else {
            throw .incomplete("Unsupported AWS 'algorithm': '\(SigV4Failure.echo(algorithm))'")
        }

        var expires: Int?
        if let text = found["X-Amz-Expires"] {
            expires = try parseExpires(text)
        }
        return SigV4PresignedQuery(
            credential: try SigV4Credential.parse(credential),
            date: date,
            expires: expires,
            signedHeaders: try SigV4AuthorizationHeader.parseSignedHeaders(signedHeaders),
            signature: signature,
            securityToken: found["X-Amz-Security-Token"]
        )
    }

    private static func parseExpires(_ text: String) throws(SigV4Failure) -> Int {
        let bytes = Array(text.utf8)
        let negative = bytes.first == UInt8(ascii: "-")
        let digits = negative ? bytes.dropFirst() : bytes[...]
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            throw .incomplete("X-Amz-Expires should be a number")
        }
        let magnitude = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        if negative && magnitude > 0 { throw .incomplete("X-Amz-Expires must be non-negative") }
        guard magnitude >= 1 else { throw .incomplete("X-Amz-Expires must be at least 1 second") }
        guard magnitude <= maximumExpires else {
            throw .incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        }
        return magnitude
    }

    static let signatureParameter = "X-Amz-Signature"
    private static let required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"]
    private static let known = required + ["X-Amz-Expires", "X-Amz-Security-Token"]
    private static let markers = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders"]
}
