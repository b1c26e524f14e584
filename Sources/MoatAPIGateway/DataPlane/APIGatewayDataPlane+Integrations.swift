import Foundation
import MoatCore

extension APIGatewayDataPlane {
    // MARK: MOCK

    /// A `MOCK` integration: the request template's `statusCode` chooses the integration response, whose template
    /// makes the answer; nothing is called.
    func mock(_ exchange: Exchange, _ integration: APIGateway.Integration) throws -> GatewayAnswer {
        var status = 200
        if let rendered = try requestPayload(exchange, integration), !rendered.isEmpty {
            if case .number(let text)? = (try? JSONParser.parse(rendered))?["statusCode"], let code = Int(text) { status = code }
        }
        guard let response = selectResponse(integration.integrationResponses, matching: String(status)) else {
            throw Refusal(.apiConfigurationError, detail: "no integration response matches status \(status)")
        }
        return try methodAnswer(exchange, response, body: [], headers: [])
    }

    // MARK: Lambda

    /// An `AWS_PROXY` Lambda integration: the whole request as the proxy event, the function's answer as the response.
    func lambdaProxy(_ exchange: Exchange, _ integration: APIGateway.Integration, note: inout AccessLogNote) async throws -> GatewayAnswer {
        guard let functionArn = LambdaURI.functionArn(integration.uri.map(exchange.substitutingStageVariables)) else {
            throw Refusal(.apiConfigurationError, detail: "the integration's URI names no Lambda function")
        }
        let answer = try await invoke(
            functionArn,
            sourceArn: sourceArn(exchange),
            payload: ProxyEvent.payload(exchange.proxyEvent()),
            requestId: exchange.request.requestId,
            timeout: timeout(integration),
            failure: .apiConfigurationError
        )
        note.integrationStatus = 200
        let decodes = exchange.compiled.binaryMediaTypes.matches(contentType: exchange.request.header("Accept"))
        do {
            let response = try ProxyResponse.parse(answer.payload, functionError: answer.functionError, decodesBase64: decodes)
            var headers = response.headers
            if !headers.contains(where: { $0.name.equalsIgnoringASCIICase("Content-Type") }) {
                headers.insert(("Content-Type", "application/json"), at: 0)
            }
            return GatewayAnswer(status: response.statusCode, headers: headers, body: response.body)
        } catch {
            throw Refusal(error.gatewayResponse)
        }
    }

    /// An `AWS` Lambda integration: the request template's output (or the body passed through) is the event; the
    /// function's error message, if it failed, chooses the integration response by its selection pattern.
    func lambdaCustom(_ exchange: Exchange, _ integration: APIGateway.Integration, note: inout AccessLogNote) async throws -> GatewayAnswer {
        guard let functionArn = LambdaURI.functionArn(integration.uri.map(exchange.substitutingStageVariables)) else {
            throw Refusal(.apiConfigurationError, detail: "the integration's URI names no Lambda function")
        }
        var payload = try requestPayload(exchange, integration) ?? exchange.request.body
        if payload.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { payload = Array("{}".utf8) }
        let answer = try await invoke(
            functionArn,
            sourceArn: sourceArn(exchange),
            payload: payload,
            requestId: exchange.request.requestId,
            timeout: timeout(integration),
            failure: .apiConfigurationError
        )
        var errorMessage: String?
        if answer.functionError != nil {
            let document = try? JSONParser.parse(answer.payload)
            if case .string(let message)? = document?["errorMessage"] { errorMessage = message } else { errorMessage = "" }
        }
        note.integrationStatus = 200
        guard let response = selectResponse(integration.integrationResponses, matching: errorMessage) else {
            throw Refusal(.apiConfigurationError, detail: "no integration response matches the function's answer")
        }
        return try methodAnswer(exchange, response, body: answer.payload, headers: [])
    }

    /// Invokes a function for an integration or authorizer, within `timeout`.
    /// - Parameter failure: the answer when the function cannot be invoked at all.
    func invoke(
        _ functionArn: String,
        sourceArn: String,
        payload: [UInt8],
        requestId: String,
        timeout: Duration,
        failure: GatewayResponse
    ) async throws -> GatewayFunctionAnswer {
        let functions = backends.functions
        let outcome = await IntegrationDeadline.run(timeout: timeout) { () -> Result<GatewayFunctionAnswer, GatewayFunctionError> in
            do throws(GatewayFunctionError) {
                return .success(try await functions.invoke(functionArn: functionArn, sourceArn: sourceArn, payload: payload, requestId: requestId))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case nil: throw Refusal(.integrationTimeout)
        case .failure?: throw Refusal(failure)
        case .success(let answer)?: return answer
        }
    }

    /// What a function's policy sees as `aws:SourceArn`: the method's ARN with the resource path as defined.
    func sourceArn(_ exchange: Exchange) -> String {
        executeAPIArn(exchange.stage, verb: exchange.request.httpMethod, path: exchange.route.resourcePath)
    }

    func timeout(_ integration: APIGateway.Integration) -> Duration {
        integration.timeoutInMillis.map { .milliseconds(max($0, 50)) } ?? settings.integrationTimeout
    }

    // MARK: HTTP

    /// An `HTTP_PROXY` integration: the request passed on to the endpoint (path parameters substituted, query and
    /// headers as received), the endpoint's answer passed back.
    func httpProxy(_ exchange: Exchange, _ integration: APIGateway.Integration, note: inout AccessLogNote) async throws -> GatewayAnswer {
        var upstream = try upstreamRequest(exchange, integration, passesThrough: true)
        upstream.body = exchange.request.body
        let response = try await send(upstream, integration)
        note.integrationStatus = response.status
        let headers = response.headers.filter { !Self.hopByHop.contains($0.name.lowercased()) }
        return GatewayAnswer(status: response.status, headers: headers, body: response.body)
    }

    /// An `HTTP` integration: parameters and the request template make the call; the endpoint's status chooses the
    /// integration response by its selection pattern.
    func httpCustom(_ exchange: Exchange, _ integration: APIGateway.Integration, note: inout AccessLogNote) async throws -> GatewayAnswer {
        var upstream = try upstreamRequest(exchange, integration, passesThrough: false)
        upstream.body = try requestPayload(exchange, integration) ?? exchange.request.body
        let response = try await send(upstream, integration)
        note.integrationStatus = response.status
        guard let selected = selectResponse(integration.integrationResponses, matching: String(response.status)) else {
            throw Refusal(.apiConfigurationError, detail: "no integration response matches status \(response.status)")
        }
        return try methodAnswer(exchange, selected, body: response.body, headers: response.headers)
    }

    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "content-length", "host",
    ]

    /// The call to the endpoint: the integration's URI with `{name}` replaced by `integration.request.path.name`
    /// (or the route's parameter of that name), its query and headers from the integration's request parameters,
    /// plus, for a proxy, the request's own.
    private func upstreamRequest(_ exchange: Exchange, _ integration: APIGateway.Integration, passesThrough: Bool) throws -> UpstreamRequest {
        guard var url = integration.uri.map(exchange.substitutingStageVariables), url.hasPrefix("http://") || url.hasPrefix("https://")
        else { throw Refusal(.apiConfigurationError, detail: "the integration's URI is not an http(s) URL") }
        var pathValues = exchange.route.pathParameters
        var query: [(name: String, value: String)] = passesThrough ? exchange.request.query : []
        var headers: [(name: String, value: String)] =
            passesThrough ? exchange.request.headers.filter { !Self.hopByHop.contains($0.name.lowercased()) } : []
        for (target, source) in (integration.requestParameters ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let value = exchange.requestParameter(source) else { continue }
            if let name = target.dropPrefix("integration.request.path.") {
                pathValues[name] = value
            } else if let name = target.dropPrefix("integration.request.querystring.") {
                query.removeAll { $0.name == name }
                query.append((name, value))
            } else if let name = target.dropPrefix("integration.request.header.") {
                headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
                headers.append((name, value))
            }
        }
        for (name, value) in pathValues {
            let encoded = name == "proxy" ? Self.encodePath(value) : Self.encodeSegment(value)
            url = url.replacingOccurrences(of: "{\(name)+}", with: Self.encodePath(value))
            url = url.replacingOccurrences(of: "{\(name)}", with: encoded)
        }
        if !query.isEmpty {
            let text = query.map { Self.encodeSegment($0.name) + "=" + Self.encodeSegment($0.value) }.joined(separator: "&")
            url += (url.contains("?") ? "&" : "?") + text
        }
        // `ANY` as the integration's method means the request's own.
        let method = integration.httpMethod.flatMap { $0 == "ANY" ? nil : $0 } ?? exchange.request.httpMethod
        return UpstreamRequest(method: method, url: url, headers: headers, body: [])
    }

    /// Calls the endpoint within the integration's timeout; an endpoint that sends its head and then stalls is
    /// abandoned all the same.
    private func send(_ request: UpstreamRequest, _ integration: APIGateway.Integration) async throws -> UpstreamResponse {
        let upstream = backends.upstream
        let timeout = timeout(integration)
        let limit = settings.maximumUpstreamResponseSize
        let outcome = await IntegrationDeadline.run(timeout: timeout) { () -> Result<UpstreamResponse, UpstreamError> in
            do throws(UpstreamError) {
                return .success(try await upstream.send(request, timeout: timeout, maximumResponseSize: limit))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case nil, .failure(.timedOut)?: throw Refusal(.integrationTimeout)
        case .failure(let failure)?: throw Refusal(.apiConfigurationError, detail: "upstream: \(failure)")
        case .success(let response)?: return response
        }
    }

    private static let segmentCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    static func encodeSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? text
    }

    static func encodePath(_ text: String) -> String {
        text.split(separator: "/", omittingEmptySubsequences: false).map { encodeSegment(String($0)) }.joined(separator: "/")
    }

    // MARK: templates and responses

    /// The integration request's body from the request template for the request's content type, or nil to pass the
    /// body through as it came; 415 when no template fits and the passthrough behaviour forbids passing it on.
    func requestPayload(_ exchange: Exchange, _ integration: APIGateway.Integration) throws -> [UInt8]? {
        let templates = integration.requestTemplates ?? [:]
        let contentType = Self.mediaType(exchange.request.header("Content-Type")) ?? "application/json"
        guard let source = templates[contentType] ?? templates.first(where: { $0.key.lowercased() == contentType })?.value else {
            switch integration.passthroughBehavior?.uppercased() ?? "WHEN_NO_MATCH" {
            case "NEVER": throw Refusal(.unsupportedMediaType)
            case "WHEN_NO_TEMPLATES" where !templates.isEmpty: throw Refusal(.unsupportedMediaType)
            default: return nil
            }
        }
        guard !source.isEmpty else { return nil }
        let output = try render(source, exchange, body: exchange.request.body)
        return Array(output.body.utf8)
    }

    /// The method's answer from the chosen integration response: its status, its header mappings, and its template
    /// for the content type the client accepts (else the integration's body as it came).
    func methodAnswer(
        _ exchange: Exchange,
        _ response: APIGateway.IntegrationResponse,
        body: [UInt8],
        headers integrationHeaders: [(name: String, value: String)]
    ) throws -> GatewayAnswer {
        var status = Int(response.statusCode ?? "") ?? 500
        var headers: [(name: String, value: String)] = []
        for (target, source) in (response.responseParameters ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let name = target.dropPrefix("method.response.header."),
                let value = exchange.responseParameter(source, headers: integrationHeaders, body: body)
            else { continue }
            headers.append((name, value))
        }
        var contentType = "application/json"
        var output = body
        let templates = response.responseTemplates ?? [:]
        let accepted = Self.mediaType(exchange.request.header("Accept"))
        if let (type, source) = accepted.flatMap({ type in templates[type].map { (type, $0) } })
            ?? templates["application/json"].map({ ("application/json", $0) })
            ?? templates.sorted(by: { $0.key < $1.key }).first.map({ ($0.key, $0.value) })
        {
            contentType = type
            if !source.isEmpty {
                let rendered = try render(source, exchange, body: body)
                output = Array(rendered.body.utf8)
                if let override = rendered.statusOverride { status = override }
                for (name, value) in rendered.headerOverrides {
                    headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
                    headers.append((name, value))
                }
            }
        }
        if !headers.contains(where: { $0.name.equalsIgnoringASCIICase("Content-Type") }) {
            headers.insert(("Content-Type", contentType), at: 0)
        }
        return GatewayAnswer(status: status, headers: headers, body: output)
    }

    /// The integration response whose selection pattern matches `text` (a status code, or a function's error
    /// message), else the default one (without a pattern). A function that succeeded (`text` nil) gets the default.
    func selectResponse(_ responses: [String: APIGateway.IntegrationResponse]?, matching text: String?) -> APIGateway.IntegrationResponse? {
        let responses = (responses ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        if let text {
            for response in responses {
                guard let pattern = response.selectionPattern, !pattern.isEmpty else { continue }
                if patterns.fullMatch(pattern, String(text.prefix(4096))) { return response }
            }
        }
        return responses.first { ($0.selectionPattern ?? "").isEmpty }
    }

    private func render(_ source: String, _ exchange: Exchange, body: [UInt8]) throws -> MappingTemplateOutput {
        do {
            let template = try templateCache.template(source)
            return try template.render(exchange.templateInput(body: body, withContext: template.readsContext))
        } catch {
            throw Refusal(.apiConfigurationError, detail: "mapping template: \(error)")
        }
    }

    /// `application/json` of `application/json; charset=utf-8`, lowercased.
    static func mediaType(_ header: String?) -> String? {
        guard let header else { return nil }
        let type = header.split(separator: ",").first?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        return type?.isEmpty == false ? type : nil
    }
}

/// The function an integration or authorizer URI names:
/// `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations`.
enum LambdaURI {
    static func functionArn(_ uri: String?) -> String? {
        guard let uri, let start = uri.range(of: ":lambda:path/2015-03-31/functions/"),
            uri.hasSuffix("/invocations")
        else { return nil }
        let arn = uri[start.upperBound..<uri.index(uri.endIndex, offsetBy: -"/invocations".count)]
        return arn.hasPrefix("arn:") ? String(arn) : nil
    }
}
