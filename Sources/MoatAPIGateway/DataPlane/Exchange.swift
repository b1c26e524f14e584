import Foundation
import MoatCore

/// One request on its way through a stage: what was asked, where it was routed, and what the authorizer
/// established. Integrations read their inputs from it.
struct Exchange: Sendable {
    let request: IncomingRequest
    let compiled: CompiledStage
    let route: MatchedRoute
    let authorizer: AuthorizerOutput
    let accountId: String

    var stage: DeployedStage { compiled.stage }

    /// The `requestContext` of the proxy event: what templates read as `$context` and parameters as `context.X`.
    func requestContext() -> JSONValue {
        proxyEvent()["requestContext"] ?? .object([])
    }

    /// The event an `AWS_PROXY` Lambda integration receives.
    func proxyEvent() -> JSONValue {
        ProxyEvent.build(
            request: request,
            route: route,
            stage: stage,
            accountId: accountId,
            binaryMediaTypes: compiled.binaryMediaTypes,
            authorizer: authorizer
        )
    }

    /// The input of the method's mapping templates.
    /// - Parameter withContext: false when the template cannot read `$context`, which is then left empty.
    func templateInput(body: [UInt8], withContext: Bool = true) -> MappingTemplateInput {
        MappingTemplateInput(
            body: body,
            pathParameters: route.orderedPathParameters,
            queryString: request.query,
            headers: request.headers,
            context: withContext ? requestContext() : .object([]),
            stageVariables: stage.variables
        )
    }

    /// `${stageVariables.name}` replaced in an integration's URI, as API Gateway does before calling.
    func substitutingStageVariables(_ text: String) -> String {
        guard text.contains("${stageVariables.") else { return text }
        var result = text
        for (name, value) in stage.variables {
            result = result.replacingOccurrences(of: "${stageVariables.\(name)}", with: value)
        }
        return result
    }

    /// The value of a request parameter mapping's source: `method.request.path|querystring|header.NAME`,
    /// `method.request.multivalueheader|multivaluequerystring.NAME`, `method.request.body[.JSONPath]`,
    /// `stageVariables.NAME`, `context.NAME` or a `'literal'`.
    func requestParameter(_ source: String) -> String? {
        if let literal = Self.literal(source) { return literal }
        if let name = source.dropPrefix("method.request.path.") { return route.pathParameters[name] }
        if let name = source.dropPrefix("method.request.querystring.") { return request.query.last { $0.name == name }?.value }
        if let name = source.dropPrefix("method.request.multivaluequerystring.") {
            let values = request.query.filter { $0.name == name }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        if let name = source.dropPrefix("method.request.header.") { return request.header(name) }
        if let name = source.dropPrefix("method.request.multivalueheader.") {
            let values = request.headers.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        if source == "method.request.body" { return String(decoding: request.body, as: UTF8.self) }
        if let path = source.dropPrefix("method.request.body.") { return Self.bodyValue(request.body, path: path) }
        return sharedParameter(source)
    }

    /// A response parameter mapping's source: `integration.response.header|multivalueheader.NAME`,
    /// `integration.response.body[.JSONPath]`, `stageVariables.NAME`, `context.NAME` or a `'literal'`.
    func responseParameter(_ source: String, headers: [(name: String, value: String)], body: [UInt8]) -> String? {
        if let literal = Self.literal(source) { return literal }
        if let name = source.dropPrefix("integration.response.header.") {
            return headers.last { $0.name.equalsIgnoringASCIICase(name) }?.value
        }
        if let name = source.dropPrefix("integration.response.multivalueheader.") {
            let values = headers.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        if source == "integration.response.body" { return String(decoding: body, as: UTF8.self) }
        if let path = source.dropPrefix("integration.response.body.") { return Self.bodyValue(body, path: path) }
        return sharedParameter(source)
    }

    private func sharedParameter(_ source: String) -> String? {
        if let name = source.dropPrefix("stageVariables.") { return stage.variables[name] }
        if let name = source.dropPrefix("context.") {
            var value: JSONValue? = requestContext()
            for part in name.split(separator: ".") { value = value?[String(part)] }
            return value.flatMap(Self.text)
        }
        return nil
    }

    private static func literal(_ source: String) -> String? {
        guard source.count >= 2, source.hasPrefix("'"), source.hasSuffix("'") else { return nil }
        return String(source.dropFirst().dropLast())
    }

    /// A member of a JSON body by a dotted path (`a.b.c`), as text.
    private static func bodyValue(_ body: [UInt8], path: String) -> String? {
        guard var value = try? JSONParser.parse(body) else { return nil }
        for part in path.split(separator: ".") {
            guard let next = value[String(part)] else { return nil }
            value = next
        }
        return text(value)
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return nil
        default:
            var text = ""
            JSONWriter.write(value, into: &text)
            return text
        }
    }
}
