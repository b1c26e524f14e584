import Foundation
import MoatCore
import MoatTesting
import MoatWire
import Testing

@Suite struct SigV4VerifierTests {
    static let accessKeyId = "AKIAMOATEXAMPLE00001"
    static let secret = "moat/secret+key/EXAMPLE0000000000000000"
    static let signedAt = SigV4Fixtures.date("20260101T000000Z")

    static let signer = RequestSigner(accessKeyId: accessKeyId, secretAccessKey: secret, region: "us-east-1", service: "iam")
    let credentials = SigV4CredentialStore([SigV4Fixtures.credential(accessKeyId, secret)])
    let body = Array("Action=ListUsers&Version=2010-05-08".utf8)
    let formHeaders = [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")]

    func verify(
        _ request: SigV4Request,
        verifier: SigV4Verifier = SigV4Verifier(),
        region: String = "us-east-1",
        service: String = "iam",
        credentials: SigV4CredentialStore? = nil
    ) async throws(SigV4Failure) -> SigV4Verification {
        try await verifier.verify(request, expectedRegion: region, expectedService: service, credentials: credentials ?? self.credentials)
    }

    func failure(
        _ request: SigV4Request,
        verifier: SigV4Verifier = SigV4Verifier(),
        region: String = "us-east-1",
        service: String = "iam",
        credentials: SigV4CredentialStore? = nil
    ) async -> SigV4Failure? {
        do {
            _ = try await verify(request, verifier: verifier, region: region, service: service, credentials: credentials)
            return nil
        } catch {
            return error
        }
    }

    func signedPost(
        by signer: RequestSigner = signer,
        at date: Date = signedAt,
        payload: RequestSigner.PayloadSigning = .hashed
    ) -> RequestSigner.SignedRequest {
        signer.sign(method: "POST", path: "/", headers: formHeaders, body: body, date: date, payload: payload)
    }

    // MARK: Accepted

    @Test func acceptsHeaderSignedRequest() async throws {
        let verification = try await verify(signedPost().verificationInput(now: Self.signedAt))
        #expect(verification.credential.accessKeyId == Self.accessKeyId)
        #expect(verification.credential.principal.arn == "arn:aws:iam::111122223333:user/Alice")
        #expect(verification.region == "us-east-1")
        #expect(verification.service == "iam")
        #expect(verification.signedAt == Self.signedAt)
        #expect(verification.isPresigned == false)
        #expect(verification.expiresAt == nil)
        #expect(verification.isPayloadSigned)
        #expect(await credentials.lookups == [Self.accessKeyId])
    }

    @Test func acceptsDateHeaderInsteadOfXAmzDate() async throws {
        let signed = Self.signer.sign(method: "GET", path: "/", date: Self.signedAt, useDateHeader: true)
        #expect(signed.header("X-Amz-Date") == nil)
        #expect(signed.header("Date") == "Thu, 01 Jan 2026 00:00:00 GMT")
        let verification = try await verify(signed.verificationInput(now: Self.signedAt))
        #expect(verification.signedAt == Self.signedAt)
    }

    @Test func acceptsDeclaredPayloadHash() async throws {
        let verification = try await verify(signedPost(payload: .hashedWithHeader).verificationInput(now: Self.signedAt))
        #expect(verification.isPayloadSigned)
    }

    @Test func acceptsUnsignedPayloadWithoutCoveringTheBody() async throws {
        var signed = signedPost(payload: .unsigned)
        signed.body = Array("Action=DeleteUser&UserName=Bob".utf8)
        let verification = try await verify(signed.verificationInput(now: Self.signedAt))
        #expect(verification.isPayloadSigned == false)
    }

    @Test func acceptsTemporaryCredentialsWithTheirToken() async throws {
        let token = "IQoJb3JpZ2luX2VjEXAMPLE/token+=="
        var signer = Self.signer
        signer.sessionToken = token
        let credentials = SigV4CredentialStore([
            SigV4Fixtures.credential(Self.accessKeyId, Self.secret, sessionToken: token, expiration: Self.signedAt.addingTimeInterval(3600))
        ])
        let header = try await verify(signedPost(by: signer).verificationInput(now: Self.signedAt), credentials: credentials)
        #expect(header.credential.sessionToken == token)
        let presigned = signer.presign(date: Self.signedAt, expires: 60)
        #expect(presigned.query.contains("X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2Ftoken%2B%3D%3D"))
        _ = try await verify(presigned.verificationInput(now: Self.signedAt), credentials: credentials)
    }

    // MARK: Missing or malformed authentication

    @Test func refusesRequestWithoutAuthentication() async {
        let request = SigV4Request(
            method: "GET",
            requestTarget: "/?Action=ListUsers",
            headers: [("Host", "localhost")],
            body: [UInt8](),
            now: Self.signedAt
        )
        #expect(await failure(request) == SigV4Failure(.missingAuthentication, "Request is missing Authentication Token"))
        #expect(await credentials.lookups.isEmpty)
    }

    @Test func refusesIncompleteAuthorizationHeader() async {
        var signed = signedPost()
        replaceHeader(
            "Authorization",
            in: &signed,
            with: "AWS4-HMAC-SHA256 Credential=\(Self.accessKeyId)/20260101/us-east-1/iam/aws4_request"
        )
        let failure = await failure(signed.verificationInput(now: Self.signedAt))
        #expect(failure?.kind == .incompleteSignature)
        #expect(
            failure?.message
                == "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
        )
    }

    @Test func refusesTwoAuthenticationMechanisms() async {
        var signed = Self.signer.presign(date: Self.signedAt)
        signed.headers.append((name: "Authorization", value: signedPost().header("Authorization") ?? ""))
        #expect(await failure(signed.verificationInput(now: Self.signedAt))?.kind == .incompleteSignature)
    }

    @Test func refusesRepeatedAuthorizationHeader() async {
        var signed = signedPost()
        signed.headers.append((name: "authorization", value: signed.header("Authorization") ?? ""))
        #expect(await failure(signed.verificationInput(now: Self.signedAt))?.kind == .incompleteSignature)
    }

    @Test func refusesSignatureThatDoesNotCoverHost() async {
        var signed = signedPost()
        let authorization = (signed.header("Authorization") ?? "").replacingOccurrences(of: "host;", with: "")
        replaceHeader("Authorization", in: &signed, with: authorization)
        #expect(
            await failure(signed.verificationInput(now: Self.signedAt))
                == SigV4Failure(.incompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        )
    }

    @Test func refusesRequestWithoutDate() async {
        var signed = signedPost()
        signed.headers.removeAll { $0.name == "X-Amz-Date" }
        #expect(
            await failure(signed.verificationInput(now: Self.signedAt))
                == SigV4Failure(.missingDate, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        )
    }

    @Test(arguments: ["2026-01-01T00:00:00Z", "20260101T000000", "20261301T000000Z", "20260230T000000Z", "20260101T240000Z", ""])
    func refusesMalformedDate(_ date: String) async {
        var signed = signedPost()
        replaceHeader("X-Amz-Date", in: &signed, with: date)
        let failure = await failure(signed.verificationInput(now: Self.signedAt))
        #expect(failure?.kind == .invalidDate)
        #expect(failure?.message == "Date must be in ISO-8601 'basic format'. Got '\(date)'. See http://en.wikipedia.org/wiki/ISO_8601")
    }

    // MARK: Time

    @Test(arguments: [(-300.0, true), (-301.0, false), (300.0, true), (301.0, false), (0.0, true), (-299.5, true)])
    func holdsRequestDateToFiveMinutesOfSkew(offset: TimeInterval, accepted: Bool) async {
        let request = signedPost().verificationInput(now: Self.signedAt.addingTimeInterval(-offset))
        let failure = await failure(request)
        if accepted {
            #expect(failure == nil)
        } else {
            #expect(failure?.kind == .requestTimeTooSkewed)
        }
    }

    @Test func reportsExpiredSignatureAsAWSDoes() async {
        let request = signedPost().verificationInput(now: SigV4Fixtures.date("20260101T001500Z"))
        #expect(
            await failure(request)
                == SigV4Failure(
                    .requestTimeTooSkewed,
                    "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T001500Z - 5 min.)"
                )
        )
    }

    @Test func reportsSignatureNotYetCurrentAsAWSDoes() async {
        let request = signedPost(at: SigV4Fixtures.date("20260101T002100Z")).verificationInput(now: SigV4Fixtures.date("20260101T001500Z"))
        #expect(
            await failure(request)
                == SigV4Failure(
                    .requestTimeTooSkewed,
                    "Signature not yet current: 20260101T002100Z is still later than 20260101T002000Z (20260101T001500Z + 5 min.)"
                )
        )
    }

    @Test func allowedSkewIsConfigurable() async {
        let verifier = SigV4Verifier(allowedSkew: 900)
        let tenMinutesLate = signedPost().verificationInput(now: Self.signedAt.addingTimeInterval(600))
        #expect(await failure(tenMinutesLate, verifier: verifier) == nil)
        let late = signedPost().verificationInput(now: SigV4Fixtures.date("20260101T003000Z"))
        #expect(
            await failure(late, verifier: verifier)?.message
                == "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)"
        )
    }

    @Test(arguments: [(900.0, true), (901.0, false), (0.0, true), (-300.0, true), (-301.0, false)])
    func presignedRequestIsValidUntilItExpires(elapsed: TimeInterval, accepted: Bool) async throws {
        let signed = Self.signer.presign(path: "/", query: "Action=GetUser&Version=2010-05-08", date: Self.signedAt, expires: 900)
        let failure = await failure(signed.verificationInput(now: Self.signedAt.addingTimeInterval(elapsed)))
        if accepted {
            #expect(failure == nil)
        } else if elapsed > 0 {
            #expect(failure == SigV4Failure(.presignedURLExpired, "Request has expired"))
        } else {
            #expect(failure?.kind == .requestTimeTooSkewed)
        }
    }

    @Test func presignedVerificationReportsExpiry() async throws {
        let signed = Self.signer.presign(date: Self.signedAt, expires: 120)
        let verification = try await verify(signed.verificationInput(now: Self.signedAt))
        #expect(verification.isPresigned)
        #expect(verification.expiresAt == Self.signedAt.addingTimeInterval(120))
        #expect(verification.isPayloadSigned)
    }

    @Test func presignedWithoutExpiresIsHeldToTheSkewWindow() async {
        let signed = Self.signer.presign(date: Self.signedAt)
        var stripped = signed
        stripped.query = signed.query.components(separatedBy: "&").filter { !$0.hasPrefix("X-Amz-Expires=") }.joined(separator: "&")
        let request = stripped.verificationInput(now: Self.signedAt)
        // The signature covered X-Amz-Expires, so once the window is checked the signature no longer matches.
        #expect(await failure(request)?.kind == .signatureMismatch)
        var late = request
        late.now = Self.signedAt.addingTimeInterval(301)
        #expect(await failure(late)?.kind == .requestTimeTooSkewed)
    }

    @Test func presignedUnsignedPayloadIsAcceptedOnlyForAnEmptyBody() async {
        let signed = Self.signer.presign(method: "GET", date: Self.signedAt, unsignedPayload: true)
        #expect(await failure(signed.verificationInput(now: Self.signedAt)) == nil)
        var withBody = signed
        withBody.body = Array("Action=DeleteUser".utf8)
        #expect(await failure(withBody.verificationInput(now: Self.signedAt))?.kind == .signatureMismatch)
    }

    @Test(arguments: ["0", "-1", "604801", "abc", "", "99999999999999999999"])
    func refusesPresignedExpiresOutOfRange(_ expires: String) async {
        let signed = Self.signer.presign(date: Self.signedAt, expires: 60)
        var altered = signed
        altered.query = signed.query.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=\(expires)")
        #expect(await failure(altered.verificationInput(now: Self.signedAt))?.kind == .incompleteSignature)
    }

    // MARK: Credential scope

    @Test func refusesScopeDateOtherThanTheRequestDay() async {
        var signed = signedPost(at: SigV4Fixtures.date("20260101T235959Z"))
        replaceHeader("X-Amz-Date", in: &signed, with: "20260102T000000Z")
        #expect(
            await failure(signed.verificationInput(now: SigV4Fixtures.date("20260102T000000Z")))
                == SigV4Failure(
                    .credentialScopeDateMismatch,
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', "
                        + "from '20260102T000000Z'."
                )
        )
    }

    @Test func refusesScopeForAnotherRegion() async {
        var signer = Self.signer
        signer.region = "us-west-2"
        #expect(
            await failure(signedPost(by: signer).verificationInput(now: Self.signedAt))
                == SigV4Failure(.credentialScopeRegionMismatch, "Credential should be scoped to a valid region. ")
        )
    }

    @Test func refusesScopeForAnotherService() async {
        var signer = Self.signer
        signer.service = "sts"
        #expect(
            await failure(signedPost(by: signer).verificationInput(now: Self.signedAt))
                == SigV4Failure(.credentialScopeServiceMismatch, "Credential should be scoped to correct service: 'iam'. ")
        )
    }

    @Test func refusesScopeWithAnotherTerminator() async {
        var signed = signedPost()
        let authorization = (signed.header("Authorization") ?? "").replacingOccurrences(of: "/aws4_request", with: "/aws5_request")
        replaceHeader("Authorization", in: &signed, with: authorization)
        #expect(
            await failure(signed.verificationInput(now: Self.signedAt))
                == SigV4Failure(
                    .credentialScopeTerminatorInvalid,
                    "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
                )
        )
    }

    // MARK: Access key and token

    @Test func refusesUnknownAccessKey() async {
        var signer = Self.signer
        signer.accessKeyId = "AKIAUNKNOWNEXAMPLE00"
        #expect(
            await failure(signedPost(by: signer).verificationInput(now: Self.signedAt))
                == SigV4Failure(.unknownAccessKey, "The security token included in the request is invalid.")
        )
        #expect(await credentials.lookups == ["AKIAUNKNOWNEXAMPLE00"])
    }

    @Test func refusesOverlongAccessKeyWithoutLookingItUp() async {
        var signer = Self.signer
        signer.accessKeyId = String(repeating: "A", count: 129)
        #expect(await failure(signedPost(by: signer).verificationInput(now: Self.signedAt))?.kind == .unknownAccessKey)
        #expect(await credentials.lookups.isEmpty)
    }

    @Test func reportsCredentialStoreFailure() async {
        let failing = SigV4CredentialStore([], failingWith: SigV4StoreUnavailable())
        #expect(await failure(signedPost().verificationInput(now: Self.signedAt), credentials: failing)?.kind == .credentialLookupFailed)
    }

    @Test func refusesTemporaryCredentialsWithoutToken() async {
        let temporary = SigV4CredentialStore([SigV4Fixtures.credential(Self.accessKeyId, Self.secret, sessionToken: "token-1")])
        #expect(
            await failure(signedPost().verificationInput(now: Self.signedAt), credentials: temporary)
                == SigV4Failure(.missingSecurityToken, "The security token included in the request is invalid.")
        )
    }

    @Test func refusesTemporaryCredentialsWithAnotherToken() async {
        var signer = Self.signer
        signer.sessionToken = "token-2"
        let temporary = SigV4CredentialStore([SigV4Fixtures.credential(Self.accessKeyId, Self.secret, sessionToken: "token-1")])
        #expect(
            await failure(signedPost(by: signer).verificationInput(now: Self.signedAt), credentials: temporary)
                == SigV4Failure(.invalidSecurityToken, "The security token included in the request is invalid.")
        )
    }

    @Test func refusesTokenSentWithLongTermKey() async {
        var signer = Self.signer
        signer.sessionToken = "token-1"
        #expect(await failure(signedPost(by: signer).verificationInput(now: Self.signedAt))?.kind == .invalidSecurityToken)
    }

    @Test func refusesExpiredTemporaryCredentials() async {
        var signer = Self.signer
        signer.sessionToken = "token-1"
        let expired = SigV4CredentialStore([
            SigV4Fixtures.credential(Self.accessKeyId, Self.secret, sessionToken: "token-1", expiration: Self.signedAt)
        ])
        #expect(
            await failure(signedPost(by: signer).verificationInput(now: Self.signedAt), credentials: expired)
                == SigV4Failure(.expiredSecurityToken, "The security token included in the request is expired")
        )
    }

    // MARK: Signature and body

    @Test func refusesWrongSecret() async {
        var signer = Self.signer
        signer.secretAccessKey = "another-secret"
        #expect(
            await failure(signedPost(by: signer).verificationInput(now: Self.signedAt))
                == SigV4Failure(.signatureMismatch, SigV4Failure.signatureMismatchMessageForTests)
        )
    }

    @Test func refusesAlteredSignedHeader() async {
        var signed = signedPost()
        replaceHeader("Content-Type", in: &signed, with: "application/json")
        #expect(await failure(signed.verificationInput(now: Self.signedAt))?.kind == .signatureMismatch)
    }

    @Test func refusesAlteredQueryAndPath() async {
        let signed = Self.signer.sign(method: "GET", path: "/a/b", query: "x=1", date: Self.signedAt)
        var query = signed
        query.query = "x=2"
        #expect(await failure(query.verificationInput(now: Self.signedAt))?.kind == .signatureMismatch)
        var path = signed
        path.path = "/a/c"
        #expect(await failure(path.verificationInput(now: Self.signedAt))?.kind == .signatureMismatch)
        var method = signed
        method.method = "DELETE"
        #expect(await failure(method.verificationInput(now: Self.signedAt))?.kind == .signatureMismatch)
    }

    @Test func ignoresHeadersThatWereNotSigned() async {
        var signed = signedPost()
        signed.headers.append((name: "User-Agent", value: "added later"))
        #expect(await failure(signed.verificationInput(now: Self.signedAt)) == nil)
    }

    @Test func refusesTamperedBodyWithDeclaredHash() async {
        var signed = signedPost(payload: .hashedWithHeader)
        signed.body = Array("Action=DeleteUser&UserName=Bob".utf8)
        #expect(
            await failure(signed.verificationInput(now: Self.signedAt))
                == SigV4Failure(.payloadHashMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
        )
    }

    @Test func refusesTamperedBodyWithoutDeclaredHash() async {
        var signed = signedPost()
        signed.body = Array("Action=DeleteUser&UserName=Bob".utf8)
        #expect(await failure(signed.verificationInput(now: Self.signedAt))?.kind == .signatureMismatch)
    }

    @Test func everyFailureKindHasAMessage() {
        for kind in SigV4Failure.Kind.allCases {
            let failure = SigV4Failure(kind, "message")
            #expect(failure.description == "\(kind.rawValue): message")
        }
    }

    private func replaceHeader(_ name: String, in request: inout RequestSigner.SignedRequest, with value: String) {
        request.headers = request.headers.map { $0.name.lowercased() == name.lowercased() ? ($0.name, value) : $0 }
    }
}
