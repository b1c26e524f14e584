// The @testable imports need a build with testing enabled: debug builds, and the fuzz build of scripts/fuzz.sh.
#if DEBUG || MOAT_FUZZING
import Foundation
import MoatCore
@testable import MoatWire

/// SigV4: one input is a whole HTTP request written as text (see ``FuzzRequest``).
///
/// Every header value goes through the `Authorization` header parser and both date parsers; the query string through
/// the presigned-query parser and the canonical forms. The request is verified as it is, then signed by the harness in
/// the header form and in the presigned form, and verified again.
///
/// Invariants: no trap; what the parsers accept, written back, parses to the same value; dates format back to what
/// was parsed; percent-encoding round-trips; the request as fuzzed never verifies (the fuzzer cannot forge an HMAC,
/// and the seeds carry no valid signature); the harness's own signatures always verify, and a signature with one
/// character changed never does.
struct SigV4Fuzz: Sendable {
    static let shared = SigV4Fuzz()

    static let service = "fuzz"
    let verifier = SigV4Verifier()

    func run(_ bytes: [UInt8]) {
        let request = FuzzRequest(parsing: bytes)
        Self.checkAuthorizationHeader(FuzzDriver.text(bytes))
        for header in request.headers {
            Self.checkAuthorizationHeader(header.value)
            Self.checkDates(header.value)
            let raw = Array(header.value.utf8)
            let encoded = Array(SigV4Canonical.percentEncode(raw).utf8)
            FuzzDriver.require(SigV4Canonical.percentDecode(encoded[...]) == raw, "percent-encoding does not round-trip: \(header.value)")
        }
        Self.checkPresignedQuery(request.query)
        _ = SigV4Canonical.canonicalURI(rawPath: request.path)

        if case .success = verify(request) {
            FuzzDriver.require(false, "a request the harness did not sign verified")
        }

        if !SigV4PresignedQuery.isPresigned(rawQuery: request.query) {
            let signed = FuzzSigner.sign(request, service: Self.service)
            switch verify(signed) {
            case .success(let verification):
                FuzzDriver.require(
                    !verification.isPresigned && verification.isPayloadSigned,
                    "header signature verified as \(verification)"
                )
                FuzzDriver.require(verification.signedAt == FuzzIdentity.now, "signed at \(verification.signedAt)")
            case .failure(let failure):
                FuzzDriver.require(false, "the harness's header signature was refused: \(failure)")
            }
            requireTamperingRefused(signed)
        }

        let presigned = Self.presign(request)
        switch verify(presigned) {
        case .success(let verification):
            FuzzDriver.require(verification.isPresigned, "presigned request verified as \(verification)")
            FuzzDriver.require(
                verification.expiresAt == FuzzIdentity.now.addingTimeInterval(300),
                "presigned request expires at \(String(describing: verification.expiresAt))"
            )
        case .failure(let failure):
            FuzzDriver.require(false, "the harness's presigned request was refused: \(failure)\nquery: \(presigned.query)")
        }
    }

    private func verify(_ request: FuzzRequest) -> Result<SigV4Verification, SigV4Failure> {
        let signed = SigV4Request(
            method: request.method,
            rawPath: request.path,
            rawQuery: request.query,
            headers: request.headers,
            payloadSHA256: SigV4Request.payloadSHA256(of: request.body),
            now: FuzzIdentity.now
        )
        let verifier = verifier
        return FuzzDriver.wait {
            do throws(SigV4Failure) {
                return .success(
                    try await verifier.verify(
                        signed,
                        expectedRegion: FuzzIdentity.region,
                        expectedService: SigV4Fuzz.service,
                        credentials: FuzzCredentials()
                    )
                )
            } catch {
                return .failure(error)
            }
        }
    }

    /// Changing one character of a valid header signature makes it a signature mismatch.
    private func requireTamperingRefused(_ signed: FuzzRequest) {
        guard let index = signed.headers.lastIndex(where: { $0.name == "Authorization" }) else { return }
        var tampered = signed
        var value = Array(signed.headers[index].value.utf8)
        value[value.count - 1] = value[value.count - 1] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        tampered.headers[index].value = String(decoding: value, as: UTF8.self)
        switch verify(tampered) {
        case .success: FuzzDriver.require(false, "a tampered signature verified")
        case .failure(let failure): FuzzDriver.require(failure.kind == .signatureMismatch, "tampered signature refused as \(failure.kind)")
        }
    }

    // MARK: Parsers

    /// An `Authorization` header the parser accepts, written back in the canonical form, parses to the same value.
    static func checkAuthorizationHeader(_ value: String) {
        guard let header = try? SigV4AuthorizationHeader.parse(value) else { return }
        let written = "\(SigV4Signing.algorithm) Credential=\(header.credential.accessKeyId)/\(header.credential.scope), "
            + "SignedHeaders=\(header.signedHeaders.joined(separator: ";")), Signature=\(header.signature)"
        guard written.utf8.count <= SigV4AuthorizationHeader.maximumLength else { return }
        do {
            let again = try SigV4AuthorizationHeader.parse(written)
            FuzzDriver.require(again == header, "Authorization header parses differently once written: \(written)")
        } catch {
            FuzzDriver.require(false, "written Authorization header refused (\(error)): \(written)")
        }
    }

    /// Presigned parameters the parser accepts, written back encoded, parse to the same value.
    static func checkPresignedQuery(_ query: String) {
        _ = SigV4Canonical.canonicalQuery(SigV4Canonical.queryParameters(rawQuery: query))
        guard let parsed = try? SigV4PresignedQuery.parse(rawQuery: query) else { return }
        var pairs = [
            ("X-Amz-Algorithm", SigV4Signing.algorithm),
            ("X-Amz-Credential", "\(parsed.credential.accessKeyId)/\(parsed.credential.scope)"),
            ("X-Amz-Date", parsed.date),
            ("X-Amz-SignedHeaders", parsed.signedHeaders.joined(separator: ";")),
            ("X-Amz-Signature", parsed.signature),
        ]
        if let expires = parsed.expires { pairs.append(("X-Amz-Expires", String(expires))) }
        if let token = parsed.securityToken { pairs.append(("X-Amz-Security-Token", token)) }
        let written = pairs.map { "\($0.0)=\(SigV4Canonical.percentEncode($0.1.utf8))" }.joined(separator: "&")
        do {
            let again = try SigV4PresignedQuery.parse(rawQuery: written)
            FuzzDriver.require(again == parsed, "presigned query parses differently once written: \(written)")
        } catch {
            FuzzDriver.require(false, "written presigned query refused (\(error)): \(written)")
        }
    }

    /// A date either parser accepts formats back to itself (basic format) or to the same instant (HTTP dates).
    static func checkDates(_ value: String) {
        if let seconds = SigV4Date.parseBasic(value) {
            FuzzDriver.require(SigV4Date.formatBasic(seconds) == value, "basic date \(value) formats as \(SigV4Date.formatBasic(seconds))")
        }
        if let seconds = SigV4Date.parseHTTPDate(value), (-62_135_596_800...253_402_300_799).contains(seconds) {
            let basic = SigV4Date.formatBasic(seconds)
            FuzzDriver.require(SigV4Date.parseBasic(basic) == seconds, "HTTP date \(value) formats as \(basic)")
        }
    }

    // MARK: Presigning

    /// The query parameters presigning sets; fuzzed copies are removed first.
    static let presignParameters: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
        "X-Amz-Security-Token", "X-Amz-Content-Sha256",
    ]

    /// The request signed in its query string, valid for 300 seconds, with no `Authorization` header.
    static func presign(_ request: FuzzRequest) -> FuzzRequest {
        var presigned = request
        presigned.headers = request.headers.filter { header in
            !FuzzSigner.replacedHeaders.contains { SigV4Canonical.headerName(header.name, equals: Array($0.utf8)) }
        }
        if !presigned.headers.contains(where: { SigV4Canonical.headerName($0.name, equals: Array("host".utf8)) }) {
            presigned.headers.insert((name: "Host", value: "localhost:4566"), at: 0)
        }
        var names: [String] = []
        for header in presigned.headers {
            let name = FuzzSigner.signedName(header.name)
            if FuzzSigner.isListable(name), !names.contains(name) { names.append(name) }
        }
        names = FuzzSigner.signable(names)

        let kept = request.query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).filter { piece in
            let name = piece.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false).first ?? piece[...]
            let decoded = SigV4Canonical.percentDecode(ArraySlice(name))
            return !presignParameters.contains(String(decoding: decoded, as: UTF8.self))
        }.map { String(decoding: $0, as: UTF8.self) }

        let amzDate = SigV4Date.formatBasic(Int(FuzzIdentity.now.timeIntervalSince1970))
        let scope = SigV4Credential(
            accessKeyId: FuzzIdentity.accessKeyId,
            date: String(amzDate.prefix(8)),
            region: FuzzIdentity.region,
            service: service
        )
        let authentication = [
            "X-Amz-Algorithm=\(SigV4Signing.algorithm)",
            "X-Amz-Credential=\(SigV4Canonical.percentEncode("\(FuzzIdentity.accessKeyId)/\(scope.scope)".utf8))",
            "X-Amz-Date=\(amzDate)",
            "X-Amz-Expires=300",
            "X-Amz-SignedHeaders=\(SigV4Canonical.percentEncode(names.joined(separator: ";").utf8))",
        ]
        let unsignedQuery = (kept + authentication).joined(separator: "&")
        let canonicalRequest = SigV4Signing.canonicalRequest(
            method: request.method,
            canonicalURI: SigV4Canonical.canonicalURI(rawPath: request.path),
            canonicalQuery: SigV4Canonical.canonicalQuery(SigV4Canonical.queryParameters(rawQuery: unsignedQuery)),
            canonicalHeaders: SigV4Canonical.canonicalHeaders(signedHeaders: names, headers: presigned.headers),
            signedHeaders: names,
            payloadHash: SigV4Request.payloadSHA256(of: request.body)
        )
        let stringToSign = SigV4Signing.stringToSign(requestDate: amzDate, scope: scope, canonicalRequest: canonicalRequest)
        let key = SigV4Signing.signingKey(secretAccessKey: FuzzIdentity.secretAccessKey, scope: scope)
        presigned.query = unsignedQuery + "&X-Amz-Signature=" + SigV4Signing.signature(stringToSign: stringToSign, key: key)
        return presigned
    }
}
#else
import Foundation
#endif

#if MOAT_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    SigV4Fuzz.shared.run(FuzzDriver.bytes(data, size))
    return 0
}
#elseif DEBUG
@main
enum SigV4Replay {
    static func main() {
        exit(FuzzDriver.replay(Array(CommandLine.arguments.dropFirst()), SigV4Fuzz.shared.run))
    }
}
#else
@main
enum SigV4Replay {
    static func main() {
        FileHandle.standardError.write(Data("MoatFuzzSigV4 replays inputs in debug builds only; fuzz with scripts/fuzz.sh.\n".utf8))
        exit(69)
    }
}
#endif
