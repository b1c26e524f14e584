import Crypto
import Foundation

/// The `Authorization` header of a SigV4-signed request:
/// `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=…`.
///
/// Parsing never traps, whatever the input: it is fed straight from the network.
public struct SigV4AuthorizationHeader: Sendable, Equatable {
    /// The longest `Authorization` header accepted, in bytes.
    public static let maximumLength = 8 * 1024
    /// The most headers a signature may cover.
    public static let maximumSignedHeaders = 64

    public let credential: SigV4Credential
    /// The signed header names, lowercased, in the order listed.
    public let signedHeaders: [String]
    /// The signature as given (lowercase hex when well-formed).
    public let signature: String

    public init(credential: SigV4Credential, signedHeaders: [String], signature: String) {
        self.credential = credential
        self.signedHeaders = signedHeaders
        self.signature = signature
    }

    /// Parses an `Authorization` header value as AWS does: the algorithm, then `key=value` components separated by
    /// commas and/or whitespace, in any order; unknown keys are ignored.
    ///
    /// - Parameter value: The header value.
    /// - Throws: `SigV4Failure` of kind `incompleteSignature`, with AWS's message.
    public static func parse(_ value: String) throws(SigV4Failure) -> SigV4AuthorizationHeader {
        let bytes = Array(value.utf8)
        guard bytes.count <= maximumLength else {
            throw .incomplete("The Authorization header is longer than \(maximumLength) bytes.")
        }
        var index = 0
        while index < bytes.count, SigV4Canonical.isWhitespace(bytes[index]) { index += 1 }
        let algorithmStart = index
        while index < bytes.count, !SigV4Canonical.isWhitespace(bytes[index]), bytes[index] != comma { index += 1 }
        let algorithm = String(decoding: bytes[algorithmStart..<index], as: UTF8.self)

        var credential: String?
        var signedHeaders: String?
        var signature: String?
        let components = bytes[index...].split { SigV4Canonical.isWhitespace($0) || $0 == comma }
        for component in components {
            guard let equals = component.firstIndex(of: equalsSign) else {
                throw .incomplete(
                    "Invalid key=value pair (missing equal-sign) in Authorization header "
                        + "(hashed with SHA-256 and encoded with Base64): '\(hashedForMessage(bytes))'."
                )
            }
            let key = component[component.startIndex..<equals]
            let text = String(decoding: component[component.index(after: equals)...], as: UTF8.self)
            if key.elementsEqual("Credential".utf8) {
                guard credential == nil else { throw duplicate("Credential") }
                credential = text
            } else if key.elementsEqual("SignedHeaders".utf8) {
                guard signedHeaders == nil else { throw duplicate("SignedHeaders") }
                signedHeaders = text
            } else if key.elementsEqual("Signature".utf8) {
                guard signature == nil else { throw duplicate("Signature") }
                signature = text
            }
        }

        var missing: [String] = []
        if credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        guard let credential, let signedHeaders, let signature else {
            throw .incomplete(missing.joined(separator: " "))
        }
        guard algorithm.utf8.elementsEqual(SigV4Signing.algorithm.utf8) else {
            throw .incomplete("Unsupported AWS 'algorithm': '\(SigV4Failure.echo(algorithm))'")
        }
        return SigV4AuthorizationHeader(
            credential: try SigV4Credential.parse(credential),
            signedHeaders: try parseSignedHeaders(signedHeaders),
            signature: signature
        )
    }

    /// Splits `host;x-amz-date` into lowercase names; `host` must be among them.
    static func parseSignedHeaders(_ value: String) throws(SigV4Failure) -> [String] {
        let names = value.utf8.split(separator: semicolon, omittingEmptySubsequences: false)
        guard names.count <= maximumSignedHeaders else {
            throw .incomplete("SignedHeaders lists \(names.count) headers; at most \(maximumSignedHeaders) may be signed.")
        }
        var lowercased: [String] = []
        for name in names {
            guard !name.isEmpty else {
                throw .incomplete("SignedHeaders contains an empty header name: '\(SigV4Failure.echo(value))'.")
            }
            lowercased.append(String(decoding: name.map(SigV4Canonical.asciiLowercase), as: UTF8.self))
        }
        guard lowercased.contains(where: { $0.utf8.elementsEqual("host".utf8) }) else {
            throw .incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        return lowercased
    }

    private static func duplicate(_ key: String) -> SigV4Failure {
        .incomplete("Authorization header has more than one '\(key)' parameter.")
    }

    /// AWS no longer echoes a malformed header; it quotes its SHA-256, Base64-encoded.
    private static func hashedForMessage(_ bytes: [UInt8]) -> String {
        Data(SHA256.hash(data: bytes)).base64EncodedString()
    }

    private static let comma = UInt8(ascii: ",")
    private static let equalsSign = UInt8(ascii: "=")
    private static let semicolon = UInt8(ascii: ";")
}
