import Foundation
import MoatCore

extension AWSEndpoint {
    /// Verifies the request's SigV4 signature for `service` and returns who signed it.
    func authenticate(_ request: WireRequest, service: RegisteredService, parameters: [(String, String)], now: Date) async throws -> Principal {
        let model = service.binding.model
        let signed = SigV4Request(
            method: request.method,
            rawPath: request.path,
            rawQuery: request.query,
            headers: request.headers,
            payloadSHA256: SigV4Request.payloadSHA256(of: request.body),
            now: now
        )
        let verifier = SigV4Verifier(allowedSkew: configuration.allowedClockSkew, signingKeys: signingKeys)
        do {
            let verified = try await verifier.verify(
                signed,
                expectedRegion: configuration.region,
                expectedService: model.signingName,
                credentials: credentials
            )
            await credentials.recordUse(of: verified.credential.accessKeyId, service: model.signingName, region: verified.region, at: now)
            return verified.credential.principal
        } catch {
            throw Self.serviceError(for: error, wireProtocol: model.wireProtocol, internalError: service.binding.internalError)
        }
    }

    /// The error each protocol family answers a failed signature with (see ``SigV4Failure``).
    static func serviceError(for failure: SigV4Failure, wireProtocol: WireProtocol, internalError: ErrorDescriptor) -> ServiceError {
        let isQuery = wireProtocol == .query
        let descriptor: ErrorDescriptor
        switch failure.kind {
        case .missingAuthentication:
            descriptor = isQuery
                ? ErrorDescriptor(code: "MissingAuthenticationToken", httpStatus: 403, isSenderFault: true)
                : ErrorDescriptor(code: "MissingAuthenticationTokenException", httpStatus: 403, isSenderFault: true)
        case .incompleteSignature, .missingDate, .invalidDate:
            descriptor = ErrorDescriptor(code: isQuery ? "IncompleteSignature" : "IncompleteSignatureException", httpStatus: 400, isSenderFault: true)
        case .requestTimeTooSkewed, .presignedURLExpired, .credentialScopeDateMismatch, .credentialScopeRegionMismatch,
            .credentialScopeServiceMismatch, .credentialScopeTerminatorInvalid, .payloadHashMismatch, .signatureMismatch:
            descriptor = isQuery
                ? ErrorDescriptor(code: "SignatureDoesNotMatch", httpStatus: 403, isSenderFault: true)
                : ErrorDescriptor(code: "InvalidSignatureException", httpStatus: wireProtocol == .restJSON ? 403 : 400, isSenderFault: true)
        case .unknownAccessKey, .missingSecurityToken, .invalidSecurityToken:
            descriptor = isQuery
                ? ErrorDescriptor(code: "InvalidClientTokenId", httpStatus: 403, isSenderFault: true)
                : ErrorDescriptor(code: "UnrecognizedClientException", httpStatus: wireProtocol == .restJSON ? 403 : 400, isSenderFault: true)
        case .expiredSecurityToken:
            descriptor = isQuery
                ? ErrorDescriptor(code: "ExpiredToken", httpStatus: 403, isSenderFault: true)
                : ErrorDescriptor(code: "ExpiredTokenException", httpStatus: 400, isSenderFault: true)
        case .credentialLookupFailed:
            descriptor = internalError
        }
        return ServiceError(descriptor, failure.message)
    }
}
