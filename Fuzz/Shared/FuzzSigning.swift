// Shared by the harnesses that sign requests (each target directory links this file); see Fuzz/README.md.
import Foundation
import MoatCore
@testable import MoatWire

/// The one identity the harnesses sign with, and the instant every request is judged at.
enum FuzzIdentity {
    static let accessKeyId = "AKIAFUZZEXAMPLE00001"
    static let secretAccessKey = "fuzzSecretAccessKeyNotARealOne0000000000"
    static let accountId = "123456789012"
    static let region = "us-east-1"
    /// 2026-01-01T00:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    static let credential = SigningCredential(
        accessKeyId: accessKeyId,
        secretAccessKey: secretAccessKey,
        principal: Principal(
            kind: .root,
            accountId: accountId,
            arn: "arn:aws:iam::\(accountId):root",
            userId: accountId,
            entityName: nil,
            entityArn: "arn:aws:iam::\(accountId):root",
            accessKeyId: accessKeyId
        )
    )
}

/// Knows the harness identity's access key and no other.
struct FuzzCredentials: CredentialResolving {
    func credential(forAccessKeyId accessKeyId: String) async throws -> SigningCredential? {
        accessKeyId == FuzzIdentity.accessKeyId ? FuzzIdentity.credential : nil
    }
}

/// Signs fuzzed requests so that they get past SigV4 verification and reach decoding.
///
/// Built from MoatWire's own canonical forms: the point is to carry arbitrary paths, queries, headers and bodies
/// through verification, not to test the canonical forms against themselves (the SigV4 vector tests do that).
enum FuzzSigner {
    /// Headers the signer sets itself; fuzzed copies would only make the signature fail.
    static let replacedHeaders: Set<String> = ["authorization", "x-amz-date", "date", "x-amz-security-token", "x-amz-content-sha256"]

    /// The request with `Host` (when absent), `X-Amz-Date` and an `Authorization` header covering every header
    /// whose name can be listed in `SignedHeaders`.
    ///
    /// - Parameters:
    ///   - request: The request to sign.
    ///   - service: The signing name of the credential scope.
    ///   - now: The signing instant.
    static func sign(_ request: FuzzRequest, service: String, now: Date = FuzzIdentity.now) -> FuzzRequest {
        var signed = request
        signed.headers = request.headers.filter { header in
            !replacedHeaders.contains { SigV4Canonical.headerName(header.name, equals: Array($0.utf8)) }
        }
        if !signed.headers.contains(where: { SigV4Canonical.headerName($0.name, equals: Array("host".utf8)) }) {
            signed.headers.insert((name: "Host", value: "localhost:4566"), at: 0)
        }
        let amzDate = SigV4Date.formatBasic(Int(now.timeIntervalSince1970))
        signed.headers.append((name: "X-Amz-Date", value: amzDate))

        var names: [String] = []
        for header in signed.headers {
            let name = asciiLowercase(header.name)
            guard isListable(name), !names.contains(name) else { continue }
            names.append(name)
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if names.count > SigV4AuthorizationHeader.maximumSignedHeaders {
            names = Array(names.filter { $0 == "host" || $0 == "x-amz-date" }
                + names.filter { $0 != "host" && $0 != "x-amz-date" }.prefix(SigV4AuthorizationHeader.maximumSignedHeaders - 2))
            names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }

        let scope = SigV4Credential(
            accessKeyId: FuzzIdentity.accessKeyId,
            date: String(amzDate.prefix(8)),
            region: FuzzIdentity.region,
            service: service
        )
        let canonicalRequest = SigV4Signing.canonicalRequest(
            method: signed.method,
            canonicalURI: SigV4Canonical.canonicalURI(rawPath: signed.path),
            canonicalQuery: SigV4Canonical.canonicalQuery(SigV4Canonical.queryParameters(rawQuery: signed.query)),
            canonicalHeaders: SigV4Canonical.canonicalHeaders(signedHeaders: names, headers: signed.headers),
            signedHeaders: names,
            payloadHash: SigV4Request.payloadSHA256(of: signed.body)
        )
        let stringToSign = SigV4Signing.stringToSign(requestDate: amzDate, scope: scope, canonicalRequest: canonicalRequest)
        let key = SigV4Signing.signingKey(secretAccessKey: FuzzIdentity.secretAccessKey, scope: scope)
        let signature = SigV4Signing.signature(stringToSign: stringToSign, key: key)
        signed.headers.append(
            (
                name: "Authorization",
                value: "\(SigV4Signing.algorithm) Credential=\(FuzzIdentity.accessKeyId)/\(scope.scope), "
                    + "SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"
            )
        )
        return signed
    }

    /// A header name that survives `SignedHeaders=a;b;c` inside the `Authorization` header.
    static func isListable(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: ",") && byte != UInt8(ascii: ";")
        }
    }

    static func asciiLowercase(_ text: String) -> String {
        String(decoding: text.utf8.map(SigV4Canonical.asciiLowercase), as: UTF8.self)
    }
}
