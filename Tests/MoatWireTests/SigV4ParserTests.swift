import Foundation
import MoatCore
import MoatTesting
import Testing

@testable import MoatWire

@Suite struct SigV4AuthorizationHeaderTests {
    static let credential = "AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request"
    static let signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

    @Test(arguments: [
        "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host;x-amz-date, Signature=\(signature)",
        "AWS4-HMAC-SHA256 Credential=\(credential),SignedHeaders=host;x-amz-date,Signature=\(signature)",
        "AWS4-HMAC-SHA256 Credential=\(credential) SignedHeaders=host;x-amz-date Signature=\(signature)",
        "  AWS4-HMAC-SHA256   Credential=\(credential) ,\t SignedHeaders=host;x-amz-date,\n Signature=\(signature)  ",
        "AWS4-HMAC-SHA256 Signature=\(signature), Credential=\(credential), SignedHeaders=Host;X-Amz-Date",
        "AWS4-HMAC-SHA256 Credential=\(credential), Extra=ignored, SignedHeaders=host;x-amz-date, Signature=\(signature)",
    ])
    func parsesToleratingSpacesAndCommas(_ value: String) throws {
        let header = try SigV4AuthorizationHeader.parse(value)
        #expect(header.credential == SigV4Credential(accessKeyId: "AKIDEXAMPLE", date: "20150830", region: "us-east-1", service: "iam"))
        #expect(header.signedHeaders == ["host", "x-amz-date"])
        #expect(header.signature == Self.signature)
    }

    @Test func listsEveryMissingParameterAsAWSDoes() {
        #expect(
            throws: SigV4Failure(
                .incompleteSignature,
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
                    + "Authorization header requires 'SignedHeaders' parameter."
            )
        ) {
            try SigV4AuthorizationHeader.parse("AWS4-HMAC-SHA256")
        }
    }

    @Test func refusesPairWithoutEqualSignWithoutEchoingIt() {
        let error = #expect(throws: SigV4Failure.self) { try SigV4AuthorizationHeader.parse("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig") }
        #expect(error?.kind == .incompleteSignature)
        #expect(
            error?.message.hasPrefix("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256") == true
        )
        #expect(error?.message.contains("eyJhbGciOiJIUzI1NiJ9") == false)
    }

    @Test func refusesOtherAlgorithms() {
        #expect(throws: SigV4Failure(.incompleteSignature, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'")) {
            try SigV4AuthorizationHeader.parse("AWS4-HMAC-SHA512 Credential=\(Self.credential), SignedHeaders=host, Signature=ab")
        }
    }

    @Test func refusesCredentialWithoutFiveParts() {
        #expect(
            throws: SigV4Failure(
                .incompleteSignature,
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                    + "got 'A/B/20260101/us-east-1/iam/aws4_request'"
            )
        ) {
            try SigV4AuthorizationHeader.parse(
                "AWS4-HMAC-SHA256 Credential=A/B/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=ab"
            )
        }
    }

    @Test func refusesDuplicateParameter() {
        #expect(throws: SigV4Failure.self) {
            try SigV4AuthorizationHeader.parse(
                "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=host, Signature=ab, Signature=cd"
            )
        }
    }

    @Test func enforcesLimits() {
        let padding = String(repeating: " ", count: SigV4AuthorizationHeader.maximumLength)
        #expect(throws: SigV4Failure.self) {
            try SigV4AuthorizationHeader.parse("AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=host, Signature=ab" + padding)
        }
        let many = (["host"] + (1...64).map { "x-h\($0)" }).joined(separator: ";")
        #expect(throws: SigV4Failure.self) {
            try SigV4AuthorizationHeader.parse("AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=\(many), Signature=ab")
        }
        let enough = (["host"] + (1...63).map { "x-h\($0)" }).joined(separator: ";")
        #expect(throws: Never.self) {
            try SigV4AuthorizationHeader.parse("AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=\(enough), Signature=ab")
        }
    }

    @Test(arguments: ["host;;x-amz-date", ";host", "host;", ""])
    func refusesEmptySignedHeaderNames(_ signedHeaders: String) {
        #expect(throws: SigV4Failure.self) {
            try SigV4AuthorizationHeader.parse(
                "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=\(signedHeaders), Signature=ab"
            )
        }
    }

    static let hostileInputs: [String] = [
        "", " ", ",", "=", "==", ",=,", "\u{0}", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,,,", "AWS4-HMAC-SHA256 =",
        "AWS4-HMAC-SHA256 Credential=", "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
        "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=host, Signature=",
        "AWS4-HMAC-SHA256 Credential=ü/ß/∂/ƒ/©, SignedHeaders=hóst;host, Signature=☃",
        "AWS4-HMAC-SHA256 Credential=👩‍👩‍👧/2026/🇫🇷/é\u{301}/aws4_request, SignedHeaders=host, Signature=🔑",
        "AWS4-HMAC-SHA256 Credential=/\u{301}/\u{301}/\u{301}/\u{301}, SignedHeaders=host, Signature=x",
        "\u{FEFF}AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x",
        String(repeating: "a", count: 1 << 20), String(repeating: ",", count: 100_000), String(repeating: "a=b,", count: 50_000),
        String(repeating: "AWS4-HMAC-SHA256 ", count: 400), "AWS4-HMAC-SHA256 " + String(repeating: "Credential=a/b/c/d/e ", count: 300),
        "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=" + String(repeating: "host;", count: 1500) + "host, Signature=x",
        String(decoding: (0..<256).map { UInt8($0) }, as: UTF8.self),
    ]

    @Test(arguments: hostileInputs)
    func hostileHeaderNeverTraps(_ value: String) {
        do {
            let header = try SigV4AuthorizationHeader.parse(value)
            #expect(header.signedHeaders.count <= SigV4AuthorizationHeader.maximumSignedHeaders)
        } catch {
            #expect(!error.message.isEmpty)
            #expect(error.message.utf8.count < 2048)
        }
    }

    /// Random headers built from the characters the grammar cares about, with a fixed seed so failures replay.
    @Test func randomHeadersNeverTrap() {
        var generator = SigV4SplitMix64(seed: 0x5169_7634)
        let alphabet = Array("AWS4-HMAC-SHA256 Credential=SignedHeaders;Signature,/=\t\n aé☃\u{0}\u{301}%+hostx-amz-date")
        for _ in 0..<3000 {
            let length = Int(generator.next() % 200)
            let value = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            let prefixed = generator.next() % 2 == 0 ? value : "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, " + value
            _ = try? SigV4AuthorizationHeader.parse(prefixed)
            _ = try? SigV4PresignedQuery.parse(rawQuery: prefixed)
            _ = SigV4Canonical.canonicalURI(rawPath: prefixed)
            _ = SigV4Canonical.canonicalQuery(SigV4Canonical.queryParameters(rawQuery: prefixed))
            _ = SigV4Date.parseHTTPDate(prefixed)
            _ = SigV4Date.parseBasic(prefixed)
        }
    }

    @Test(arguments: ["", "%", "%%%", "%zz", "/../../..", "/a/%2e%2e/b", "//////", "*", "http://host/x", "/\u{0}/\u{FFFF}"])
    func hostilePathsAndQueriesNeverTrap(_ text: String) async {
        let request = SigV4Request(
            method: "GET",
            rawPath: text,
            rawQuery: text + "&X-Amz-Algorithm=" + text,
            headers: [("Host", text), ("X-Amz-Date", text)],
            payloadSHA256: text,
            now: Date(timeIntervalSince1970: .infinity)
        )
        let failure = await #expect(throws: SigV4Failure.self) {
            _ = try await SigV4Verifier(allowedSkew: .nan).verify(
                request,
                expectedRegion: "us-east-1",
                expectedService: "iam",
                credentials: SigV4CredentialStore([])
            )
        }
        #expect(failure?.kind == .incompleteSignature)
    }

    @Test func extremeClockValuesNeverTrap() async {
        let signer = RequestSigner(accessKeyId: "AKID", secretAccessKey: "s", region: "us-east-1", service: "iam")
        let signed = signer.sign(date: SigV4Fixtures.date("20260101T000000Z"))
        for now in [Date.distantPast, .distantFuture, Date(timeIntervalSince1970: -.infinity), Date(timeIntervalSince1970: .nan)] {
            for skew in [0, -1, .infinity, .greatestFiniteMagnitude, .nan] as [TimeInterval] {
                let result = try? await SigV4Verifier(allowedSkew: skew).verify(
                    signed.verificationInput(now: now),
                    expectedRegion: "us-east-1",
                    expectedService: "iam",
                    credentials: SigV4CredentialStore([SigV4Fixtures.credential("AKID", "s")])
                )
                _ = result
            }
        }
    }
}

@Suite struct SigV4PresignedQueryTests {
    static let base =
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"
        + "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abc"

    @Test func parsesPresignedParameters() throws {
        let query = try SigV4PresignedQuery.parse(rawQuery: "Action=GetCallerIdentity&" + Self.base + "&X-Amz-Security-Token=a%2Bb%2F%3D")
        #expect(query.credential == SigV4Credential(accessKeyId: "AKID", date: "20260101", region: "us-east-1", service: "sts"))
        #expect(query.date == "20260101T000000Z")
        #expect(query.expires == 900)
        #expect(query.signedHeaders == ["host"])
        #expect(query.signature == "abc")
        #expect(query.securityToken == "a+b/=")
        #expect(SigV4PresignedQuery.isPresigned(rawQuery: Self.base))
        #expect(!SigV4PresignedQuery.isPresigned(rawQuery: "Action=GetCallerIdentity&X-Amz-Date=20260101T000000Z"))
    }

    @Test func listsMissingParametersAsAWSDoes() {
        #expect(
            throws: SigV4Failure(
                .incompleteSignature,
                "AWS query-string parameters must include 'X-Amz-Credential'. "
                    + "AWS query-string parameters must include 'X-Amz-Signature'. "
                    + "AWS query-string parameters must include 'X-Amz-Date'. "
                    + "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
                    + "Re-examine the query-string parameters."
            )
        ) {
            try SigV4PresignedQuery.parse(rawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256")
        }
    }

    @Test(arguments: [
        ("X-Amz-Expires=900", "X-Amz-Expires=604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
        ("X-Amz-Expires=900", "X-Amz-Expires=-5", "X-Amz-Expires must be non-negative"),
        ("X-Amz-Expires=900", "X-Amz-Expires=soon", "X-Amz-Expires should be a number"),
        ("X-Amz-Expires=900", "X-Amz-Expires=0", "X-Amz-Expires must be at least 1 second"),
        ("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'"),
        (
            "X-Amz-Signature=abc", "X-Amz-Signature=abc&X-Amz-Signature=def",
            "The query string has more than one 'X-Amz-Signature' parameter. Re-examine the query-string parameters."
        ),
    ])
    func refusesMalformedParameters(original: String, replacement: String, message: String) {
        #expect(throws: SigV4Failure(.incompleteSignature, message)) {
            try SigV4PresignedQuery.parse(rawQuery: Self.base.replacingOccurrences(of: original, with: replacement))
        }
    }

    @Test func acceptsTheLimitsOfExpires() throws {
        for expires in [1, 604_800] {
            let query = try SigV4PresignedQuery.parse(
                rawQuery: Self.base.replacingOccurrences(of: "X-Amz-Expires=900", with: "X-Amz-Expires=\(expires)")
            )
            #expect(query.expires == expires)
        }
        let withoutExpires = try SigV4PresignedQuery.parse(rawQuery: Self.base.replacingOccurrences(of: "&X-Amz-Expires=900", with: ""))
        #expect(withoutExpires.expires == nil)
    }
}

/// A small deterministic PRNG (SigV4SplitMix64) for reproducible random inputs.
struct SigV4SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
