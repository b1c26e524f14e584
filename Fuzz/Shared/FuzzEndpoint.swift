// Shared by the protocol harnesses (each target directory links this file); see Fuzz/README.md.
// The @testable imports need a build with testing enabled: debug builds, and the fuzz build of scripts/fuzz.sh.
#if DEBUG || MOAT_FUZZING
import CoreMetrics
import Foundation
import Logging
import MoatCore
@testable import MoatWire

/// Allows every request, so that signed requests reach the operation.
struct FuzzAuthorizer: RequestAuthorizing {
    func authorize(_ request: AuthorizationRequest) async throws -> AuthorizationDecision { .allow }
}

/// The real ``AWSEndpoint`` with the harness identity, an allow-all authorizer and a fixed clock.
struct FuzzEndpoint: Sendable {
    let endpoint: AWSEndpoint
    let logger = Logger(label: "moat.fuzz") { _ in SwiftLogNoOpLogHandler() }

    static let accessDenied = ErrorDescriptor(code: "AccessDenied", httpStatus: 403, isSenderFault: true)
    static let validationError = ErrorDescriptor(code: "ValidationError", httpStatus: 400, isSenderFault: true)
    static let internalError = ErrorDescriptor(code: "InternalFailure", httpStatus: 500, isSenderFault: false)

    init(services: [ServiceBinding]) {
        endpoint = AWSEndpoint(
            configuration: AWSEndpointConfiguration(accountId: FuzzIdentity.accountId, region: FuzzIdentity.region),
            services: services,
            credentials: FuzzCredentials(),
            authorizer: FuzzAuthorizer(),
            metricsFactory: NOOPMetricsHandler.instance,
            clock: { FuzzIdentity.now }
        )
    }

    /// A binding that gives every implemented operation of `model` the handler `run(operation, input)`.
    static func binding(
        _ model: ServiceModel,
        run: @escaping @Sendable (_ operation: String, _ input: WireValue) throws -> WireValue
    ) -> ServiceBinding {
        var handlers: [String: OperationHandler] = [:]
        for operation in model.operations.values where operation.isImplemented {
            let name = operation.name
            handlers[name] = OperationHandler { input, _ in try run(name, input) }
        }
        return ServiceBinding(
            model: model,
            handlers: handlers,
            authorizationTarget: { _, _, _ in AuthorizationTarget(resource: "*") },
            accessDenied: accessDenied,
            validationError: validationError,
            internalError: internalError
        )
    }

    /// Answers one request through the whole pipeline: routing, SigV4, decoding, validation, authorization, the
    /// operation, encoding.
    func handle(_ request: FuzzRequest) -> WireResponse {
        let wire = WireRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
            sourceIp: "192.0.2.1"
        )
        let endpoint = endpoint
        let logger = logger
        let response = FuzzDriver.wait { await endpoint.handle(wire, logger: logger) }
        FuzzDriver.trace(
            "\(request.method) \(request.path)?\(request.query) -> \(response.status) \(FuzzDriver.text(response.body.prefix(400)))"
        )
        return response
    }

    /// The error codes of a refused signature, in the json and query protocols.
    static let signatureErrors: Set<String> = [
        "IncompleteSignatureException", "InvalidSignatureException", "UnrecognizedClientException",
        "MissingAuthenticationTokenException", "ExpiredTokenException", "IncompleteSignature", "SignatureDoesNotMatch",
        "InvalidClientTokenId", "MissingAuthenticationToken", "ExpiredToken",
    ]

    /// The error code when the response refuses the request's signature, else nil.
    static func signatureRefusal(_ response: WireResponse) -> String? {
        if let code = response.header("x-amzn-ErrorType"), signatureErrors.contains(code) { return code }
        let text = FuzzDriver.text(response.body)
        guard let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        let code = String(text[start.upperBound..<end.lowerBound])
        return signatureErrors.contains(code) ? code : nil
    }

    /// A request the harness signed verifies, unless its query string also carries presigned-URL parameters (two
    /// ways of authenticating, which AWS refuses).
    static func requireVerified(_ response: WireResponse, query: String) {
        guard let code = signatureRefusal(response) else { return }
        FuzzDriver.require(
            SigV4PresignedQuery.isPresigned(rawQuery: query),
            "a correctly signed request was refused with \(code): \(FuzzDriver.text(response.body))"
        )
    }

    /// What holds for every response, whatever the request: a real status that is not an internal failure, a request
    /// id, and a JSON body that parses when the response says it is JSON.
    static func check(_ response: WireResponse) {
        FuzzDriver.require((200..<600).contains(response.status), "status \(response.status)")
        FuzzDriver.require(response.status != internalError.httpStatus, "internal failure: \(FuzzDriver.text(response.body))")
        FuzzDriver.require(response.header("x-amzn-RequestId") != nil, "response without a request id")
        let contentType = response.header("Content-Type") ?? ""
        if contentType.contains("json"), !response.body.isEmpty {
            do {
                _ = try JSONParser.parse(response.body)
            } catch {
                FuzzDriver.require(false, "response body is not JSON (\(error.reason)): \(FuzzDriver.text(response.body))")
            }
        }
        if response.status >= 400, contentType.contains("json") {
            FuzzDriver.require(response.header("x-amzn-ErrorType") != nil, "JSON error without x-amzn-ErrorType")
        }
    }
}

/// How decoded values are compared after a round trip through an encoder.
enum FuzzCompare {
    /// Timestamps the protocols' text forms can write: years 1 to 9999.
    static let writableSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// Whether `decoded` is `original` after encoding and decoding again: equal, except that NaN equals NaN and a
    /// timestamp may lose its fraction of a second (ISO 8601 and HTTP dates are written to the second).
    static func same(_ original: WireValue, _ decoded: WireValue) -> Bool {
        switch (original, decoded) {
        case (.double(let a), .double(let b)):
            return a == b || (a.isNaN && b.isNaN)
        case (.timestamp(let a), .timestamp(let b)):
            let x = a.timeIntervalSince1970
            let y = b.timeIntervalSince1970
            return x == y || abs(x - y) < 1
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
        default:
            return original == decoded
        }
    }

    /// Requires `decoded` to be `original` after a round trip (see ``same(_:_:)``).
    static func requireSame(
        _ original: WireValue,
        _ decoded: WireValue,
        _ message: @autoclosure () -> String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) {
        FuzzDriver.require(same(original, decoded), message(), file: file, line: line)
    }

    /// Decoders accept only timestamps the text forms can write: a request with any other is a validation error.
    static func requireWritableTimestamps(_ value: WireValue, file: StaticString = #fileID, line: UInt = #line) {
        FuzzDriver.require(!hasUnwritableTimestamp(value), "a decoder accepted an unwritable timestamp: \(value)", file: file, line: line)
    }

    /// Whether a value holds a timestamp that no text form can write (not a number, infinite, or beyond year 9999).
    static func hasUnwritableTimestamp(_ value: WireValue) -> Bool {
        switch value {
        case .timestamp(let date): return !writableSeconds.contains(date.timeIntervalSince1970)
        case .list(let items): return items.contains(where: hasUnwritableTimestamp)
        case .object(let members): return members.values.contains(where: hasUnwritableTimestamp)
        default: return false
        }
    }
}
#endif
