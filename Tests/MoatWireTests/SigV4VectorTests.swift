import Foundation
import MoatCore
import MoatTesting
import MoatWire
import Testing

/// AWS's published SigV4 test suite: credentials `AKIDEXAMPLE`, date `20150830T123600Z`, `us-east-1`, `service`.
@Suite struct SigV4AWSTestSuiteTests {
    static let suiteDirectory = "aws-signing-test-suite"
    static let now = SigV4Fixtures.date("20150830T123600Z")
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    /// `<vector>/<form>-signed-request.txt` for every vector in the fixture folder.
    static let files: [String] = {
        let root = SigV4Fixtures.url(suiteDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var files: [String] = []
        for name in names.sorted() {
            for form in ["header", "query"] {
                let file = "\(name)/\(form)-signed-request.txt"
                if FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path) { files.append(file) }
            }
        }
        return files
    }()

    static func load(_ file: String) throws -> SigV4RawRequest {
        let url = SigV4Fixtures.url("\(suiteDirectory)/\(file)")
        return SigV4RawRequest(parsing: try String(contentsOf: url, encoding: .utf8))
    }

    static func credentials(for request: SigV4RawRequest) -> SigV4CredentialStore {
        let headerToken = request.headers.first { $0.name.lowercased() == "x-amz-security-token" }?.value
        let queryToken = request.target.components(separatedBy: "X-Amz-Security-Token=").dropFirst().first?
            .components(separatedBy: "&").first
        let token = headerToken ?? queryToken
        return SigV4CredentialStore([SigV4Fixtures.credential("AKIDEXAMPLE", secret, sessionToken: token)])
    }

    @Test func suiteIsPresent() {
        #expect(Self.files.count >= 30)
        #expect(Self.files.contains("get-vanilla/header-signed-request.txt"))
        #expect(Self.files.contains { $0.hasSuffix("query-signed-request.txt") })
    }

    @Test(arguments: files)
    func verifiesPublishedSignature(_ file: String) async throws {
        let raw = try Self.load(file)
        let verification = try await SigV4Verifier().verify(
            raw.sigV4Request(now: Self.now),
            expectedRegion: "us-east-1",
            expectedService: "service",
            credentials: Self.credentials(for: raw)
        )
        #expect(verification.credential.accessKeyId == "AKIDEXAMPLE")
        #expect(verification.region == "us-east-1")
        #expect(verification.service == "service")
        #expect(verification.signedAt == Self.now)
        #expect(verification.isPresigned == file.hasSuffix("query-signed-request.txt"))
    }

    @Test(arguments: files)
    func refusesAlteredSignature(_ file: String) async throws {
        var raw = try Self.load(file)
        let flip: (String) -> String = { text in
            guard let range = text.range(of: "Signature=", options: .backwards) else { return text }
            var chars = Array(text)
            let index = text.distance(from: text.startIndex, to: range.upperBound)
            chars[index] = chars[index] == "0" ? "1" : "0"
            return String(chars)
        }
        raw.target = flip(raw.target)
        raw.headers = raw.headers.map { $0.name.lowercased() == "authorization" ? ($0.name, flip($0.value)) : $0 }
        await #expect(throws: SigV4Failure(.signatureMismatch, SigV4Failure.signatureMismatchMessageForTests)) {
            _ = try await SigV4Verifier().verify(
                raw.sigV4Request(now: Self.now),
                expectedRegion: "us-east-1",
                expectedService: "service",
                credentials: Self.credentials(for: raw)
            )
        }
    }

    @Test func vanillaSignatureIsThePublishedOne() throws {
        let raw = try Self.load("get-vanilla/header-signed-request.txt")
        let authorization = raw.headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.hasSuffix("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"))
    }
}

/// Requests signed by botocore, the signer of boto3 and the AWS CLI.
@Suite struct SigV4BotocoreVectorTests {
    static let vectors = SigV4BotocoreVector.all()

    @Test func vectorsArePresent() {
        #expect(Self.vectors.count >= 15)
        #expect(Self.vectors.contains { $0.form == "query" })
    }

    @Test(arguments: vectors)
    func verifiesBotocoreSignature(_ vector: SigV4BotocoreVector) async throws {
        let signedAt = SigV4Fixtures.date(vector.signedAt)
        let credentials = vector.credentials
        let verification = try await SigV4Verifier().verify(
            vector.request(now: signedAt.addingTimeInterval(30)),
            expectedRegion: vector.region,
            expectedService: vector.service,
            credentials: credentials
        )
        #expect(verification.credential.accessKeyId == vector.accessKeyId)
        #expect(verification.region == vector.region)
        #expect(verification.service == vector.service)
        #expect(verification.signedAt == signedAt)
        #expect(verification.isPresigned == (vector.form == "query"))
        #expect(verification.isPayloadSigned == (vector.name != "unsigned-payload"))
        #expect(await credentials.lookups == [vector.accessKeyId])
    }

    @Test(arguments: vectors)
    func refusesTamperedRequest(_ vector: SigV4BotocoreVector) async throws {
        let now = SigV4Fixtures.date(vector.signedAt).addingTimeInterval(30)
        let tampered =
            vector.form == "query"
            ? vector.request(now: now, query: vector.query.replacingOccurrences(of: "X-Amz-Date=", with: "Extra=1&X-Amz-Date="))
            : vector.request(now: now, body: vector.body + " ")
        let verifier = SigV4Verifier()
        if vector.name == "unsigned-payload" {
            let verification = try await verifier.verify(
                tampered,
                expectedRegion: vector.region,
                expectedService: vector.service,
                credentials: vector.credentials
            )
            #expect(verification.isPayloadSigned == false)
            return
        }
        let error = await #expect(throws: SigV4Failure.self) {
            _ = try await verifier.verify(
                tampered,
                expectedRegion: vector.region,
                expectedService: vector.service,
                credentials: vector.credentials
            )
        }
        #expect(error?.kind == .signatureMismatch)
    }

    /// MoatTesting's signer, written apart from the verifier, gives botocore's signatures.
    @Test(arguments: vectors.filter { $0.name != "date-header-instead-of-x-amz-date" })
    func requestSignerMatchesBotocore(_ vector: SigV4BotocoreVector) throws {
        let signer = RequestSigner(
            accessKeyId: vector.accessKeyId,
            secretAccessKey: vector.secretAccessKey,
            sessionToken: vector.sessionToken,
            region: vector.region,
            service: vector.service
        )
        let date = SigV4Fixtures.date(vector.signedAt)
        if vector.form == "query" {
            let operation = vector.query.components(separatedBy: "&").filter { !$0.hasPrefix("X-Amz-") }.joined(separator: "&")
            let expires =
                vector.query.components(separatedBy: "&").first { $0.hasPrefix("X-Amz-Expires=") }
                .flatMap { Int($0.dropFirst("X-Amz-Expires=".count)) } ?? 0
            let signed = signer.presign(
                method: vector.method,
                path: vector.path,
                query: operation,
                headers: [],
                date: date,
                expires: expires
            )
            #expect(signed.query == vector.query)
            return
        }
        let authorization = vector.headerPairs.first { $0.name == "Authorization" }?.value ?? ""
        let signedNames =
            authorization.components(separatedBy: "SignedHeaders=").last?
            .components(separatedBy: ",").first?.components(separatedBy: ";") ?? []
        let added: Set = ["x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "authorization"]
        let headers = vector.headerPairs.filter {
            signedNames.contains($0.name.lowercased()) && !added.contains($0.name.lowercased())
        }
        let unsigned = vector.headerPairs.contains { $0.name.lowercased() == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" }
        let signed = signer.sign(
            method: vector.method,
            path: vector.path,
            query: vector.query,
            headers: headers,
            body: Array(vector.body.utf8),
            date: date,
            payload: unsigned ? .unsigned : .hashed
        )
        #expect(signed.header("Authorization") == authorization)
    }
}

extension SigV4Failure {
    static let signatureMismatchMessageForTests =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and "
        + "signing method. Consult the service documentation for details."
}
