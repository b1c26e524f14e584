/// The `Credential` of a SigV4 signature: `AKID/20260101/us-east-1/iam/aws4_request`.
public struct SigV4Credential: Sendable, Equatable {
    public let accessKeyId: String
    /// The scope's day, `yyyyMMdd`.
    public let date: String
    public let region: String
    public let service: String
    /// `aws4_request` in every valid credential.
    public let terminator: String

    public init(accessKeyId: String, date: String, region: String, service: String, terminator: String = "aws4_request") {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
        self.terminator = terminator
    }

    /// `date/region/service/terminator`, as it appears in the string to sign.
    public var scope: String { "\(date)/\(region)/\(service)/\(terminator)" }

    /// Splits a credential into its five slash-delimited parts; anything else is AWS's `IncompleteSignature`.
    ///
    /// - Parameter value: The `Credential` value of the header, or the decoded `X-Amz-Credential` parameter.
    public static func parse(_ value: String) throws(SigV4Failure) -> SigV4Credential {
        let parts = value.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard parts.count == 5 else {
            throw .incomplete(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"
                    + SigV4Failure.echo(value) + "'"
            )
        }
        return SigV4Credential(
            accessKeyId: parts[0],
            date: parts[1],
            region: parts[2],
            service: parts[3],
            terminator: parts[4]
        )
    }
}
