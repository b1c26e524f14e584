import Foundation
import MoatCore

/// Gateway responses: the answers API Gateway gives itself (401, 403, 429, 5xx…), customisable per API. A
/// customisation is part of the definition, so a stage serves it from its next deployment on, as on AWS.
extension APIGatewayService {
    /// Every response type with its default status (none for `DEFAULT_4XX` and `DEFAULT_5XX`, which set the
    /// fallback of their class).
    static let gatewayResponseDefaults: [(type: APIGateway.GatewayResponseType, status: String?)] = [
        (.accessDenied, "403"), (.apiConfigurationError, "500"), (.authorizerConfigurationError, "500"), (.authorizerFailure, "500"),
        (.badRequestBody, "400"), (.badRequestParameters, "400"), (.default4xx, nil), (.default5xx, nil), (.expiredToken, "403"),
        (.integrationFailure, "504"), (.integrationTimeout, "504"), (.invalidApiKey, "403"), (.invalidSignature, "403"),
        (.missingAuthenticationToken, "403"), (.quotaExceeded, "429"), (.requestTooLarge, "413"), (.resourceNotFound, "404"),
        (.throttled, "429"), (.unauthorized, "401"), (.unsupportedMediaType, "415"), (.wafFiltered, "403"),
    ]

    /// The template every default gateway response has.
    static let defaultGatewayResponseTemplate = #"{"message":$context.error.messageString}"#

    static func defaultGatewayResponse(_ type: APIGateway.GatewayResponseType) throws -> APIGateway.GatewayResponse {
        guard let entry = gatewayResponseDefaults.first(where: { $0.type == type }) else {
            throw GatewayError.badRequest(
                "1 validation error detected: Value '\(type.rawValue)' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: ["
                    + gatewayResponseDefaults.map(\.type.rawValue).joined(separator: ", ") + "]"
            )
        }
        return APIGateway.GatewayResponse(
            responseType: type,
            statusCode: entry.status,
            responseParameters: [:],
            responseTemplates: ["application/json": defaultGatewayResponseTemplate],
            defaultResponse: true
        )
    }

    func putGatewayResponse(_ input: APIGateway.PutGatewayResponseRequest, context: OperationContext) async throws -> APIGateway.GatewayResponse {
        _ = try Self.defaultGatewayResponse(input.responseType)
        if let status = input.statusCode { try Self.checkGatewayStatus(status) }
        try Self.checkGatewayParameters(input.responseParameters ?? [:])
        let response = APIGateway.GatewayResponse(
            responseType: input.responseType,
            statusCode: input.statusCode,
            responseParameters: input.responseParameters ?? [:],
            responseTemplates: input.responseTemplates ?? [:],
            defaultResponse: false
        )
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            definition.gatewayResponses.set(response, for: input.responseType.rawValue)
            return response
        }
    }

    func getGatewayResponse(_ input: APIGateway.GetGatewayResponseRequest, context: OperationContext) async throws -> APIGateway.GatewayResponse {
        let definition = try await existing(input.restApiId, context: context).definition
        if let custom = definition.gatewayResponses?[input.responseType.rawValue] { return custom }
        return try Self.defaultGatewayResponse(input.responseType)
    }

    func getGatewayResponses(_ input: APIGateway.GetGatewayResponsesRequest, context: OperationContext) async throws -> APIGateway.GatewayResponses {
        let definition = try await existing(input.restApiId, context: context).definition
        let all = try Self.gatewayResponseDefaults.map { entry in
            try definition.gatewayResponses?[entry.type.rawValue] ?? Self.defaultGatewayResponse(entry.type)
        }
        let limit = try Self.pageSize(input.limit)
        let page = Self.page(all, after: input.position, limit: limit) { $0.responseType?.rawValue ?? "" }
        return APIGateway.GatewayResponses(position: page.position, items: page.items)
    }

    func updateGatewayResponse(
        _ input: APIGateway.UpdateGatewayResponseRequest,
        context: OperationContext
    ) async throws -> APIGateway.GatewayResponse {
        var start = try Self.defaultGatewayResponse(input.responseType)
        start.responseTemplates = [:]
        let base = start
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            var response = definition.gatewayResponses?[input.responseType.rawValue] ?? base
            response.defaultResponse = false
            for patch in Patch.list(input.patchOperations) {
                switch (patch.op, patch.segments.first ?? "", patch.segments.count) {
                case ("replace", "statusCode", 1):
                    let status = try patch.string()
                    try Self.checkGatewayStatus(status)
                    response.statusCode = status
                case ("add", "responseParameters", 2), ("replace", "responseParameters", 2):
                    response.responseParameters.set(try patch.string(), for: patch.segments[1])
                    try Self.checkGatewayParameters(response.responseParameters ?? [:])
                case ("remove", "responseParameters", 2):
                    response.responseParameters?[patch.segments[1]] = nil
                case ("add", "responseTemplates", 2), ("replace", "responseTemplates", 2):
                    response.responseTemplates.set(try patch.string(), for: patch.segments[1])
                case ("remove", "responseTemplates", 2):
                    response.responseTemplates?[patch.segments[1]] = nil
                default:
                    throw patch.unsupported(["/statusCode", "/responseParameters/{header}", "/responseTemplates/{contentType}"])
                }
            }
            definition.gatewayResponses.set(response, for: input.responseType.rawValue)
            return response
        }
    }

    func deleteGatewayResponse(_ input: APIGateway.DeleteGatewayResponseRequest, context: OperationContext) async throws {
        _ = try Self.defaultGatewayResponse(input.responseType)
        try await modifyDefinition(input.restApiId, context: context) { definition in
            guard definition.gatewayResponses?.removeValue(forKey: input.responseType.rawValue) != nil else {
                throw GatewayError.notFound("Invalid gateway response type specified")
            }
        }
    }

    static func checkGatewayStatus(_ status: String) throws {
        guard status.count == 3, let code = Int(status), (100...599).contains(code) else {
            throw GatewayError.badRequest("Invalid status code specified: \(status)")
        }
    }

    /// `gatewayresponse.header.NAME` = `'literal'`, `method.request.header|querystring|path.NAME` or
    /// `stageVariables.NAME`.
    static func checkGatewayParameters(_ parameters: [String: String]) throws {
        for (target, source) in parameters {
            guard target.hasPrefix("gatewayresponse.header."), target.count > "gatewayresponse.header.".count else {
                throw GatewayError.badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid response parameter name specified: \(target)]")
            }
            let valid =
                (source.count >= 2 && source.hasPrefix("'") && source.hasSuffix("'"))
                || ["method.request.header.", "method.request.querystring.", "method.request.path.", "stageVariables."].contains { source.hasPrefix($0) }
            guard valid else {
                throw GatewayError.badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: \(source)]")
            }
        }
    }
}
