import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import MoatAPIGateway
import MoatCore
import MoatWire
import NIOCore

/// Sends calls to deployed API Gateway stages to the gateway's data plane, `/_moat/…`, `/moto-api/…` and the pools'
/// `GET /{poolId}/.well-known/…` to Moat's own routes, and everything else to the AWS endpoint.
///
/// The AWS APIs are not routed by path alone (awsJson and awsQuery share `POST /`), so the endpoint does its own routing.
public struct MoatResponder: HTTPResponder {
    public typealias Context = MoatRequestContext

    let ownRoutes: RouterResponder<MoatRequestContext>
    let endpoint: AWSEndpoint
    let gateway: APIGatewayDataPlane
    let maximumBodySize: Int
    let maximumHeaderSize: Int
    let inFlight: InFlightLimit

    public func respond(to request: Request, context: MoatRequestContext) async throws -> Response {
        let path = request.uri.path
        if let target = StageTarget(authority: request.head.authority, path: path) {
            return await serveStage(target, request: request, context: context)
        }
        if path.hasPrefix("/_moat/") || path.hasPrefix("/moto-api/") || (request.method == .get && path.contains("/.well-known/")) {
            return try await ownRoutes.respond(to: request, context: context)
        }
        guard inFlight.acquire() else {
            return Self.limitResponse(status: .serviceUnavailable, message: "Too many requests in flight; retry later")
        }
        defer { inFlight.release() }
        guard let headers = headerList(of: request) else {
            return Self.limitResponse(status: .init(code: 431), message: "Request header fields too large")
        }
        let body: ByteBuffer
        let bodyLimit = endpoint.maximumBodySize(method: request.method.rawValue, path: request.uri.path, general: maximumBodySize)
        do {
            body = try await request.body.collect(upTo: bodyLimit)
        } catch {
            return Self.limitResponse(status: .contentTooLarge, message: "Request body exceeds the maximum of \(bodyLimit) bytes")
        }
        let wireRequest = WireRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query ?? "",
            headers: headers,
            body: Array(buffer: body),
            sourceIp: context.sourceIp
        )
        let answer = await endpoint.handle(wireRequest, logger: context.logger)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(
            status: .init(code: answer.status),
            headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }

    /// The request's headers in order, `Host` first (HTTP/1.1's Host arrives as the `:authority` pseudo-header; SigV4
    /// signs it as `host`), or nil when the request line and headers together exceed the limit.
    private func headerList(of request: Request) -> [(name: String, value: String)]? {
        var headerBytes = request.uri.description.utf8.count
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        if let authority = request.head.authority { headers.append(("Host", authority)) }
        for field in request.headers {
            headerBytes += field.name.rawName.utf8.count + field.value.utf8.count + 4
            headers.append((field.name.rawName, field.value))
        }
        return headerBytes > maximumHeaderSize ? nil : headers
    }

    /// A call to a deployed stage: read whole (up to API Gateway's 10 MB), then served by the data plane.
    func serveStage(_ target: StageTarget, request: Request, context: MoatRequestContext) async -> Response {
        guard inFlight.acquire() else {
            return Self.limitResponse(status: .serviceUnavailable, message: "Too many requests in flight; retry later")
        }
        defer { inFlight.release() }
        guard let headers = headerList(of: request) else {
            return Self.limitResponse(status: .init(code: 431), message: "Request header fields too large")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: gateway.settings.maximumBodySize)
        } catch {
            // API Gateway's own 413, without reading the rest; the connection closes, as the body was not consumed.
            return Self.response(GatewayAnswer(.requestTooLarge), close: true)
        }
        let incoming = IncomingRequest(
            httpMethod: request.method.rawValue,
            path: target.path,
            headers: headers,
            query: FormEncoding.parse(Substring(request.uri.query ?? "")).map { (name: $0.0, value: $0.1) },
            body: Array(buffer: body),
            sourceIp: context.sourceIp,
            requestId: RequestId.make(),
            extendedRequestId: StageTarget.extendedRequestId(),
            time: Date(),
            domainName: target.domainName,
            rawPath: request.uri.path,
            rawQuery: request.uri.query ?? ""
        )
        let answer = await gateway.handle(incoming, restApiId: target.restApiId, stageName: target.stageName)
        return Self.response(answer, close: false)
    }

    static func response(_ answer: GatewayAnswer, close: Bool) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        if close { fields[.connection] = "close" }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// Refusals that happen before the request is understood, in the JSON error shape every protocol's clients parse.
    static func limitResponse(status: HTTPResponse.Status, message: String) -> Response {
        let code: String =
            switch status.code {
            case 413: "RequestEntityTooLargeException"
            case 503: "ServiceUnavailable"
            default: "RequestHeaderFieldsTooLarge"
            }
        let body = "{\"__type\":\"\(code)\",\"message\":\"\(message)\"}"
        return Response(
            status: status,
            headers: [.contentType: "application/json", HTTPField.Name("x-amzn-ErrorType")!: code, .connection: "close"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
