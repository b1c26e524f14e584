public import Foundation
public import MoatCore

/// Verifies AWS Signature Version 4 as AWS services other than S3 check it, in both the `Authorization` header form
/// and the presigned-query form.
///
/// The checks run in this order, each failing with its own `SigV4Failure.Kind`: authentication present; header or
/// query parameters well-formed (`host` signed); request date present and well-formed; date within the allowed skew
/// (or, presigned, not past `X-Amz-Expires`); credential scope (terminator, date, region, service); access key
/// known; security token present, equal and unexpired for temporary credentials; signature (compared in constant
/// time); and a declared `X-Amz-Content-Sha256` equal to the body's hash.
public struct SigV4Verifier: Sendable {
    /// AWS's clock-skew window: five minutes either way.
    public static let defaultAllowedSkew: TimeInterval = 300
    /// Access key ids longer than this are refused without a lookup.
    public static let maximumAccessKeyIdLength = 128

    /// How far the request date may be from now, either way.
    public var allowedSkew: TimeInterval
    /// Derived signing keys, kept across requests when given.
    public var signingKeys: SigV4SigningKeyCache?

    /// - Parameters:
    ///   - allowedSkew: How far the request date may be from now, either way (AWS: 300 seconds).
    ///   - signingKeys: Where to keep derived signing keys, so that a key signing many requests a day derives once.
    public init(allowedSkew: TimeInterval = SigV4Verifier.defaultAllowedSkew, signingKeys: SigV4SigningKeyCache? = nil) {
        self.allowedSkew = allowedSkew
        self.signingKeys = signingKeys
    }

    /// Verifies a request's signature.
    ///
    /// - Parameters:
    ///   - request: The request as received, with the instant to judge it at.
    ///   - expectedRegion: The region Moat serves; the credential scope must name it.
    ///   - expectedService: The signing name of the service addressed (`iam`, `sts`, `cognito-idp`, …).
    ///   - credentials: Looks up the access key that signed.
    /// - Returns: The credential that signed the request and the scope it signed for.
    /// - Throws: `SigV4Failure`; its kind says which check failed, its message is AWS's.
    public func verify(
        _ request: SigV4Request,
        expectedRegion: String,
        expectedService: String,
        credentials: any CredentialResolving
    ) async throws(SigV4Failure) -> SigV4Verification {
        let parameters = SigV4Canonical.queryParameters(rawQuery: request.rawQuery)
        let signed = try signedParts(of: request, parameters: parameters)
        let now = Self.seconds(request.now)
        try checkTime(signed, now: now)
        try checkScope(signed, expectedRegion: expectedRegion, expectedService: expectedService)
        let credential = try await lookUp(signed.credential.accessKeyId, in: credentials)
        try checkSecurityToken(signed.securityToken, of: credential, now: request.now)

        let canonicalURI = SigV4Canonical.canonicalURI(rawPath: request.rawPath)
        let canonicalHeaders = SigV4Canonical.canonicalHeaders(signedHeaders: signed.signedHeaders, headers: request.headers)
        let key =
            signingKeys?.key(secretAccessKey: credential.secretAccessKey, scope: signed.credential)
            ?? SigV4Signing.signingKey(secretAccessKey: credential.secretAccessKey, scope: signed.credential)
        let payloads = payloadCandidates(of: request, parameters: parameters, isPresigned: signed.isPresigned)
        var matched: PayloadCandidate?
        for candidate in payloads {
            let canonicalRequest = SigV4Signing.canonicalRequest(
                method: request.method,
                canonicalURI: canonicalURI,
                canonicalQuery: signed.canonicalQuery,
                canonicalHeaders: canonicalHeaders,
                signedHeaders: signed.signedHeaders,
                payloadHash: candidate.hash
            )
            let stringToSign = SigV4Signing.stringToSign(
                requestDate: signed.requestDateText,
                scope: signed.credential,
                canonicalRequest: canonicalRequest
            )
            let expected = SigV4Signing.signature(stringToSign: stringToSign, key: key)
            if ConstantTime.equals(expected.utf8, signed.signature.utf8) {
                matched = candidate
                break
            }
        }
        guard let matched else {
            throw SigV4Failure(.signatureMismatch, SigV4Failure.signatureMismatchMessage)
        }
        if matched.mustEqualBody, !Self.sameHash(matched.hash, request.payloadSHA256) {
            throw SigV4Failure(.payloadHashMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }

        return SigV4Verification(
            credential: credential,
            region: signed.credential.region,
            service: signed.credential.service,
            signedAt: Date(timeIntervalSince1970: TimeInterval(signed.requestDate)),
            isPresigned: signed.isPresigned,
            expiresAt: signed.expires.map { Date(timeIntervalSince1970: TimeInterval(signed.requestDate + $0)) },
            isPayloadSigned: !(matched.isUnsigned && !Self.sameHash(request.payloadSHA256, SigV4Signing.emptyPayloadSHA256))
        )
    }

    // MARK: Reading the signature

    /// What either form of authentication carries.
    private struct SignedParts {
        var credential: SigV4Credential
        var signedHeaders: [String]
        var signature: String
        /// The request date as it enters the string to sign (`yyyyMMdd'T'HHmmss'Z'`).
        var requestDateText: String
        /// The request date in seconds since 1970.
        var requestDate: Int
        var securityToken: String?
        var isPresigned: Bool
        var expires: Int?
        var canonicalQuery: String
    }

    private func signedParts(of request: SigV4Request, parameters: [SigV4QueryParameter]) throws(SigV4Failure) -> SignedParts {
        let authorizations = request.values(ofHeader: "authorization")
        let presigned = SigV4PresignedQuery.isPresigned(parameters)
        if !authorizations.isEmpty, presigned {
            throw .incomplete(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header "
                    + "should be specified"
            )
        }
        if presigned { return try presignedParts(of: request, parameters: parameters) }
        guard let authorization = authorizations.first else {
            throw SigV4Failure(.missingAuthentication, "Request is missing Authentication Token")
        }
        guard authorizations.count == 1 else {
            throw .incomplete("The request has more than one Authorization header.")
        }
        return try headerParts(of: request, authorization: authorization, parameters: parameters)
    }

    private func headerParts(
        of request: SigV4Request,
        authorization: String,
        parameters: [SigV4QueryParameter]
    ) throws(SigV4Failure) -> SignedParts {
        let header = try SigV4AuthorizationHeader.parse(authorization)
        let requestDateText: String
        let requestDate: Int
        let amzDates = request.values(ofHeader: "x-amz-date")
        let httpDates = request.values(ofHeader: "date")
        if !amzDates.isEmpty {
            let text = Self.trimmed(amzDates.joined(separator: ","))
            guard let seconds = SigV4Date.parseBasic(text) else { throw Self.invalidDate(text) }
            requestDateText = text
            requestDate = seconds
        } else if !httpDates.isEmpty {
            let text = Self.trimmed(httpDates.joined(separator: ","))
            guard let seconds = SigV4Date.parseHTTPDate(text) else { throw Self.invalidDate(text) }
            requestDateText = SigV4Date.formatBasic(seconds)
            requestDate = seconds
        } else {
            throw SigV4Failure(.missingDate, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        let tokens = request.values(ofHeader: "x-amz-security-token")
        return SignedParts(
            credential: header.credential,
            signedHeaders: header.signedHeaders,
            signature: header.signature,
            requestDateText: requestDateText,
            requestDate: requestDate,
            securityToken: tokens.isEmpty ? nil : tokens.joined(separator: ","),
            isPresigned: false,
            expires: nil,
            canonicalQuery: SigV4Canonical.canonicalQuery(parameters)
        )
    }

    private func presignedParts(of request: SigV4Request, parameters: [SigV4QueryParameter]) throws(SigV4Failure) -> SignedParts {
        let query = try SigV4PresignedQuery.parse(parameters)
        guard let requestDate = SigV4Date.parseBasic(query.date) else { throw Self.invalidDate(query.date) }
        let headerTokens = request.values(ofHeader: "x-amz-security-token")
        return SignedParts(
            credential: query.credential,
            signedHeaders: query.signedHeaders,
            signature: query.signature,
            requestDateText: query.date,
            requestDate: requestDate,
            securityToken: query.securityToken ?? (headerTokens.isEmpty ? nil : headerTokens.joined(separator: ",")),
            isPresigned: true,
            expires: query.expires,
            canonicalQuery: SigV4Canonical.canonicalQuery(parameters, excluding: SigV4PresignedQuery.signatureParameter)
        )
    }

    // MARK: Checks

    private func checkTime(_ signed: SignedParts, now: Int) throws(SigV4Failure) {
        let skew = Self.skewSeconds(allowedSkew)
        // The texts of the messages are built only when a check fails.
        var requestDate: String { SigV4Date.formatBasic(signed.requestDate) }
        var skewText: String { skew % 60 == 0 ? "\(skew / 60) min." : "\(skew) sec." }
        if signed.requestDate > now + skew {
            throw SigV4Failure(
                .requestTimeTooSkewed,
                "Signature not yet current: \(requestDate) is still later than \(SigV4Date.formatBasic(now + skew)) "
                    + "(\(SigV4Date.formatBasic(now)) + \(skewText))"
            )
        }
        if let expires = signed.expires {
            if now > signed.requestDate + expires {
                throw SigV4Failure(.presignedURLExpired, "Request has expired")
            }
        } else if signed.requestDate < now - skew {
            throw SigV4Failure(
                .requestTimeTooSkewed,
                "Signature expired: \(requestDate) is now earlier than \(SigV4Date.formatBasic(now - skew)) "
                    + "(\(SigV4Date.formatBasic(now)) - \(skewText))"
            )
        }
    }

    private func checkScope(_ signed: SignedParts, expectedRegion: String, expectedService: String) throws(SigV4Failure) {
        let scope = signed.credential
        guard scope.terminator.utf8.elementsEqual(SigV4Signing.terminator.utf8) else {
            throw SigV4Failure(
                .credentialScopeTerminatorInvalid,
                "Credential should be scoped with a valid terminator: 'aws4_request', not '\(SigV4Failure.echo(scope.terminator))'. "
            )
        }
        let requestDay = String(decoding: signed.requestDateText.utf8.prefix(8), as: UTF8.self)
        guard scope.date.utf8.elementsEqual(requestDay.utf8) else {
            throw SigV4Failure(
                .credentialScopeDateMismatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + SigV4Failure.echo(scope.date) + "' != '\(requestDay)', from '\(signed.requestDateText)'."
            )
        }
        guard scope.region.utf8.elementsEqual(expectedRegion.utf8) else {
            throw SigV4Failure(.credentialScopeRegionMismatch, "Credential should be scoped to a valid region. ")
        }
        guard scope.service.utf8.elementsEqual(expectedService.utf8) else {
            throw SigV4Failure(.credentialScopeServiceMismatch, "Credential should be scoped to correct service: '\(expectedService)'. ")
        }
    }

    private func lookUp(_ accessKeyId: String, in credentials: any CredentialResolving) async throws(SigV4Failure) -> SigningCredential {
        let unknown = SigV4Failure(.unknownAccessKey, SigV4Failure.invalidTokenMessage)
        guard !accessKeyId.isEmpty, accessKeyId.utf8.count <= Self.maximumAccessKeyIdLength else { throw unknown }
        let found: SigningCredential?
        do {
            found = try await credentials.credential(forAccessKeyId: accessKeyId)
        } catch {
            throw SigV4Failure(.credentialLookupFailed, "The request signature could not be verified because of an internal error.")
        }
        guard let found, found.accessKeyId.utf8.elementsEqual(accessKeyId.utf8) else { throw unknown }
        return found
    }

    private func checkSecurityToken(_ given: String?, of credential: SigningCredential, now: Date) throws(SigV4Failure) {
        switch (credential.sessionToken, given) {
        case (nil, nil):
            break
        case (nil, .some):
            throw SigV4Failure(.invalidSecurityToken, SigV4Failure.invalidTokenMessage)
        case (.some, nil):
            throw SigV4Failure(.missingSecurityToken, SigV4Failure.invalidTokenMessage)
        case (.some(let expected), .some(let given)):
            guard ConstantTime.equals(expected.utf8, given.utf8) else {
                throw SigV4Failure(.invalidSecurityToken, SigV4Failure.invalidTokenMessage)
            }
        }
        if let expiration = credential.expiration, expiration <= now {
            throw SigV4Failure(.expiredSecurityToken, SigV4Failure.expiredTokenMessage)
        }
    }

    // MARK: Payload

    private struct PayloadCandidate {
        /// The payload line of the canonical request.
        var hash: String
        /// A hash the client declared: once the signature holds, the body must have it.
        var mustEqualBody: Bool
        var isUnsigned: Bool
    }

    /// The payload hashes a valid signature may have used: the declared `X-Amz-Content-Sha256` when there is one,
    /// else the body's hash. A presigned request with an empty body may also have been signed as `UNSIGNED-PAYLOAD`
    /// (S3-style signers do so; botocore and the CRT hash the empty body).
    private func payloadCandidates(
        of request: SigV4Request,
        parameters: [SigV4QueryParameter],
        isPresigned: Bool
    ) -> [PayloadCandidate] {
        var declared = request.values(ofHeader: "x-amz-content-sha256")
        if declared.isEmpty, isPresigned {
            declared = parameters.filter { $0.hasName("X-Amz-Content-Sha256") }.map(\.valueText)
        }
        if !declared.isEmpty {
            let value = Self.trimmed(declared.joined(separator: ","))
            if value.utf8.elementsEqual(SigV4Signing.unsignedPayload.utf8) {
                return [PayloadCandidate(hash: value, mustEqualBody: false, isUnsigned: true)]
            }
            return [PayloadCandidate(hash: value, mustEqualBody: true, isUnsigned: false)]
        }
        var candidates = [PayloadCandidate(hash: request.payloadSHA256, mustEqualBody: false, isUnsigned: false)]
        if isPresigned, Self.sameHash(request.payloadSHA256, SigV4Signing.emptyPayloadSHA256) {
            candidates.append(PayloadCandidate(hash: SigV4Signing.unsignedPayload, mustEqualBody: false, isUnsigned: true))
        }
        return candidates
    }

    // MARK: Helpers

    private static func invalidDate(_ text: String) -> SigV4Failure {
        SigV4Failure(
            .invalidDate,
            "Date must be in ISO-8601 'basic format'. Got '\(SigV4Failure.echo(text))'. See http://en.wikipedia.org/wiki/ISO_8601"
        )
    }

    private static func sameHash(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count
            && zip(lhs.utf8, rhs.utf8).allSatisfy { SigV4Canonical.asciiLowercase($0) == SigV4Canonical.asciiLowercase($1) }
    }

    private static func trimmed(_ text: String) -> String {
        var bytes = text.utf8[...]
        while let first = bytes.first, SigV4Canonical.isWhitespace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, SigV4Canonical.isWhitespace(last) { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whole seconds since 1970, clamped so no later arithmetic can overflow.
    static func seconds(_ date: Date) -> Int {
        let value = date.timeIntervalSince1970
        guard value.isFinite else { return value > 0 ? maximumSeconds : -maximumSeconds }
        return Int(max(-Double(maximumSeconds), min(Double(maximumSeconds), value.rounded(.down))))
    }

    private static func skewSeconds(_ skew: TimeInterval) -> Int {
        guard skew.isFinite, skew > 0 else { return skew.isNaN || skew <= 0 ? 0 : maximumSeconds }
        return Int(min(Double(maximumSeconds), skew.rounded(.down)))
    }

    /// About 3000 years: far beyond any real date, far below `Int` overflow.
    private static let maximumSeconds = 100_000_000_000
}
