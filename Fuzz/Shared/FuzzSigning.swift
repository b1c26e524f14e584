// Shared by the harnesses that sign requests (each target directory links this file); see Fuzz/README.md.
// The @testable imports need a build with testing enabled: debug builds, and the fuzz build of scripts/fuzz.sh.
#if DEBUG || MOAT_FUZZING
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

    func recordUse(of accessKeyId: String, service: String, region: String, at date: Date) async {}
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
            let name = signedName(header.name)
            guard isListable(name), !names.contains(name) else { continue }
            names.append(name)
        }
        names = signable(names)

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

    /// The header names to sign, sorted: `host` and `x-amz-date`, then others while `SignedHeaders` stays within
    /// the limits on its count and on the `Authorization` header's length.
    static func signable(_ names: [String]) -> [String] {
        let required = ["host", "x-amz-date"].filter(names.contains)
        var chosen = required
        var length = required.reduce(0) { $0 + $1.utf8.count + 1 }
        for name in names where !required.contains(name) {
            guard chosen.count < SigV4AuthorizationHeader.maximumSignedHeaders,
                length + name.utf8.count + 1 <= SigV4AuthorizationHeader.maximumLength / 2
            else { break }
            chosen.append(name)
            length += name.utf8.count + 1
        }
        return chosen.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// A header name that survives `SignedHeaders=a;b;c` inside the `Authorization` header.
    static func isListable(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: ",") && byte != UInt8(ascii: ";")
        }
    }

    /// A received header name as `SignedHeaders` lists it: surrounding whitespace trimmed, ASCII lowercased.
    static func signedName(_ name: String) -> String {
        var bytes = name.utf8[...]
        while let first = bytes.first, SigV4Canonical.isWhitespace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, SigV4Canonical.isWhitespace(last) { bytes = bytes.dropLast() }
        return String(decoding: bytes.map(SigV4Canonical.asciiLowercase), as: UTF8.self)
    }
}
#endif
