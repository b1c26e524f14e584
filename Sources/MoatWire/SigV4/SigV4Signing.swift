import Crypto
import MoatCore

/// The string to sign, the signing key chain and the signature (AWS4-HMAC-SHA256).
enum SigV4Signing {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let terminator = "aws4_request"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The canonical request: method, canonical URI, canonical query, canonical headers, signed headers, payload.
    static func canonicalRequest(
        method: String,
        canonicalURI: String,
        canonicalQuery: String,
        canonicalHeaders: String,
        signedHeaders: [String],
        payloadHash: String
    ) -> String {
        [method, canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders.joined(separator: ";"), payloadHash]
            .joined(separator: "\n")
    }

    /// `AWS4-HMAC-SHA256\n<request date>\n<scope>\n<hex SHA-256 of the canonical request>`.
    static func stringToSign(requestDate: String, scope: SigV4Credential, canonicalRequest: String) -> String {
        [algorithm, requestDate, scope.scope, Hex.lowercase(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// HMAC-SHA256 chain: `AWS4`+secret, then date, region, service and terminator of the scope.
    static func signingKey(secretAccessKey: String, scope: SigV4Credential) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [scope.date, scope.region, scope.service, scope.terminator] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }

    /// The lowercase hex signature of a string to sign.
    static func signature(stringToSign: String, key: SymmetricKey) -> String {
        Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    static func bytes(of key: SymmetricKey) -> [UInt8] {
        key.withUnsafeBytes { Array($0) }
    }
}
