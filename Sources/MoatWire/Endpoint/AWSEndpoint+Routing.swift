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
        let isForm = request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
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

    /// The service named by the request's SigV4 credential scope, if it carries one.
    static func signingService(of request: WireRequest, parameters: [(String, String)]) -> String? {
        let credential: Substring
        if let authorization = request.header("Authorization"), let start = Self.end(of: "Credential=", in: authorization) {
            credential = authorization[start...].prefix { $0 != "," && $0 != " " }
        } else if let value = parameters.first(where: { $0.0 == "X-Amz-Credential" })?.1 {
            credential = Substring(value)
        } else {
            return nil
        }
        let scope = credential.split(separator: "/")
        return scope.count == 5 ? String(scope[3]) : nil
    }

    /// The index just past the first occurrence of `needle` in `text`.
    private static func end(of needle: String, in text: String) -> String.Index? {
        let pattern = Array(needle.utf8)
        let bytes = text.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            var probe = index
            var matched = 0
            while matched < pattern.count, probe != bytes.endIndex, bytes[probe] == pattern[matched] {
                matched += 1
                probe = bytes.index(after: probe)
            }
            if matched == pattern.count { return probe }
            index = bytes.index(after: index)
        }
        return nil
    }
}
