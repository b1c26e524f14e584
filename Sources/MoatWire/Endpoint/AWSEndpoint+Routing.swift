import Foundation
import MoatCore

/// Where a request goes: its service, operation, query parameters and URI labels.
struct Routing: Sendable {
    let service: RegisteredService
    let operation: OperationDescriptor
    /// Form parameters (awsQuery, body and query string) or query-string parameters (restJson1).
    let parameters: [(String, String)]
    let labels: [String: String]
}

/// A request that names no operation Moat knows, answered in the protocol the request was written in.
struct RoutingFailure: Error {
    let serviceName: String
    let error: ServiceError
    let wireProtocol: WireProtocol
    let jsonVersion: String?
    let xmlNamespace: String?

    func response(requestId: String) -> WireResponse {
        ServiceCodec.encodeError(error, wireProtocol: wireProtocol, jsonVersion: jsonVersion, xmlNamespace: xmlNamespace, requestId: requestId)
    }
}

extension AWSEndpoint {
    /// Routes as ARCHITECTURE.md orders it: `X-Amz-Target` (awsJson), then a form with `Action=` (awsQuery, by the
    /// SigV4 scope's service), then restJson1 method and path.
    func route(_ request: WireRequest) throws(RoutingFailure) -> Routing {
        if let target = request.header("X-Amz-Target") {
            return try routeJSON(target: target, request: request)
        }
        let queryParameters = FormEncoding.parse(Substring(request.query))
        if let routing = try routeQuery(request, queryParameters: queryParameters) {
            return routing
        }
        if let routing = routeREST(request, queryParameters: queryParameters) {
            return routing
        }
        throw RoutingFailure(
            serviceName: "unknown",
            error: ServiceError(
                ErrorDescriptor(code: "UnknownOperationException", httpStatus: 404, isSenderFault: true),
                "No AWS operation of Moat matches \(request.method) \(request.path)"
            ),
            wireProtocol: .restJSON,
            jsonVersion: nil,
            xmlNamespace: nil
        )
    }

    private func routeJSON(target: String, request: WireRequest) throws(RoutingFailure) -> Routing {
        let parts = target.split(separator: ".", maxSplits: 1)
        let prefix = parts.first.map(String.init) ?? ""
        let name = parts.count > 1 ? String(parts[1]) : ""
        let version = request.header("Content-Type").flatMap { $0.hasPrefix("application/x-amz-json-") ? String($0.dropFirst(23)) : nil }
        guard let service = services.first(where: { $0.binding.model.wireProtocol == .json && $0.binding.model.targetPrefix == prefix }),
            let operation = service.binding.model.operations[name]
        else {
            throw RoutingFailure(
                serviceName: "unknown",
                error: ServiceError(
                    ErrorDescriptor(code: "UnknownOperationException", httpStatus: 400, isSenderFault: true),
                    "Unknown operation \(target)"
                ),
                wireProtocol: .json,
                jsonVersion: version ?? "1.1",
                xmlNamespace: nil
            )
        }
        return Routing(service: service, operation: operation, parameters: [], labels: [:])
    }

    private func routeQuery(_ request: WireRequest, queryParameters: [(String, String)]) throws(RoutingFailure) -> Routing? {
        let isForm = request.header("Content-Type").map { Self.hasPrefixIgnoringCase($0, "application/x-www-form-urlencoded") } ?? false
        var parameters = queryParameters
        if isForm, request.method == "POST" {
            parameters += FormEncoding.parse(Substring(decoding: request.body, as: UTF8.self))
        }
        let action = parameters.first { $0.0 == "Action" }?.1
        guard action != nil || isForm else { return nil }
        let queryServices = services.filter { $0.binding.model.wireProtocol == .query }
        guard !queryServices.isEmpty else { return nil }

        // The service is the one the request was signed for; unsigned requests go to the service that defines the action.
        let scoped = Self.signingService(of: request, parameters: parameters)
        let service =
            queryServices.first { scoped != nil && $0.binding.model.signingName == scoped }
            ?? queryServices.first { action != nil && $0.binding.model.operations[action!] != nil }
            ?? queryServices[0]
        let model = service.binding.model
        guard let action, !action.isEmpty else {
            throw RoutingFailure(
                serviceName: model.name,
                error: ServiceError(ErrorDescriptor(code: "MissingAction", httpStatus: 400, isSenderFault: true), "Missing Action"),
                wireProtocol: .query,
                jsonVersion: nil,
                xmlNamespace: model.xmlNamespace
            )
        }
        guard let operation = model.operations[action] else {
            throw RoutingFailure(
                serviceName: model.name,
                error: ServiceError(
                    ErrorDescriptor(code: "InvalidAction", httpStatus: 400, isSenderFault: true),
                    "Could not find operation \(action) for version \(model.apiVersion)"
                ),
                wireProtocol: .query,
                jsonVersion: nil,
                xmlNamespace: model.xmlNamespace
            )
        }
        return Routing(service: service, operation: operation, parameters: parameters, labels: [:])
    }

    private func routeREST(_ request: WireRequest, queryParameters: [(String, String)]) -> Routing? {
        if Self.isGatewayUserRequest(path: request.path) { return nil }
        let scoped = Self.signingService(of: request, parameters: queryParameters)
        var best: (Routing, Int)?
        for service in services where service.binding.model.wireProtocol == .restJSON {
            // Two services may share a path shape; the signing scope decides between them.
            let bonus = scoped == service.binding.model.signingName ? 1000 : 0
            for (template, operation) in service.routes where operation.httpMethod == request.method {
                guard let labels = template.match(path: request.path, query: queryParameters) else { continue }
                let score = template.specificity + bonus
                if best == nil || score > best!.1 {
                    best = (Routing(service: service, operation: operation, parameters: queryParameters, labels: labels), score)
                }
                break
            }
        }
        return best?.0
    }

    /// `/restapis/{id}/{stage}/_user_request_/…` calls a deployed API (the gateway's data plane, served apart from the
    /// AWS APIs), never an API Gateway control-plane operation, even when a stage's name makes it look like one.
    static func isGatewayUserRequest(path: String) -> Bool {
        let segments = path.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: true)
        return segments.count >= 4 && segments[0] == "restapis" && segments[3] == "_user_request_"
    }

    /// The largest body to accept for `method path` before the request is read: the restJson1 operation's own limit
    /// when its service declares one (``ServiceBinding/maximumBodySizes``), else `general`. awsJson and awsQuery
    /// requests all go to `POST /`, so only restJson1 operations can have limits of their own.
    public func maximumBodySize(method: String, path: String, general: Int) -> Int {
        for service in services {
            for route in service.bodyLimitedRoutes where route.method == method && route.template.match(path: path, query: []) != nil {
                return max(general, route.limit)
            }
        }
        return general
    }

    /// The service named by the request's SigV4 credential scope, if it carries one.
    ///
    /// Read byte by byte: this runs for every awsQuery request, before the signature is verified.
    static func signingService(of request: WireRequest, parameters: [(String, String)]) -> String? {
        if let authorization = request.header("Authorization") {
            let bytes = Array(authorization.utf8)
            guard let start = Self.end(of: Array("Credential=".utf8), in: bytes) else { return nil }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: " ") { end += 1 }
            return Self.scopeService(bytes[start..<end])
        }
        if let value = parameters.first(where: { $0.0 == "X-Amz-Credential" })?.1 {
            return Self.scopeService(ArraySlice(value.utf8))
        }
        return nil
    }

    private static func hasPrefixIgnoringCase(_ text: String, _ prefix: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count >= prefix.utf8.count else { return false }
        return HeaderName.equal(String(decoding: bytes.prefix(prefix.utf8.count), as: UTF8.self), prefix)
    }

    /// The fourth of the five `/`-separated parts of `AKID/date/region/service/aws4_request`.
    private static func scopeService(_ credential: ArraySlice<UInt8>) -> String? {
        var parts: [Range<Int>] = []
        var partStart = credential.startIndex
        for index in credential.indices where credential[index] == UInt8(ascii: "/") {
            parts.append(partStart..<index)
            partStart = index + 1
            if parts.count > 4 { return nil }
        }
        parts.append(partStart..<credential.endIndex)
        guard parts.count == 5 else { return nil }
        return String(decoding: credential[parts[3]], as: UTF8.self)
    }

    /// The index just past the first occurrence of `needle` in `bytes`.
    private static func end(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }
}
