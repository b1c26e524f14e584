import Foundation
import MoatCore

/// What the access log reports of a request besides the request and answer themselves.
struct AccessLogNote: Sendable {
    var resourcePath: String?
    var principalId: String?
    var errorType: String?
    /// `$context.error.message`: `Unauthorized` of `{"message":"Unauthorized"}`.
    var errorMessage: String?
    var integrationStatus: Int?
    var integrationLatency: Int?
    var authorizerLatency: Int?
    var latency: Int?
}

/// A stage's access log lines: the stage's `format` with its `$context` variables replaced, as API Gateway writes
/// them to the log group of `accessLogSettings.destinationArn`. A variable without a value is written `-`.
enum AccessLog {
    static func line(format: String, request: IncomingRequest, stage: DeployedStage, answer: GatewayAnswer, note: AccessLogNote) -> String {
        let epochMilliseconds = Int64((request.time.timeIntervalSince1970 * 1000).rounded(.down))
        let values: [String: String?] = [
            "requestId": request.requestId,
            "extendedRequestId": request.extendedRequestId,
            "apiId": stage.restApiId,
            "stage": stage.stageName,
            "deploymentId": stage.deploymentId,
            "domainName": request.domainName,
            "domainPrefix": String(request.domainName.prefix { $0 != "." }),
            "httpMethod": request.httpMethod,
            "path": "/" + stage.stageName + (request.path.isEmpty ? "/" : request.path),
            "resourcePath": note.resourcePath,
            "protocol": request.protocolVersion,
            "requestTime": ProxyEvent.requestTime(epochSeconds: epochMilliseconds / 1000),
            "requestTimeEpoch": String(epochMilliseconds),
            "status": String(answer.status),
            "responseLength": String(answer.body.count),
            "responseLatency": note.latency.map(String.init),
            "integrationLatency": note.integrationLatency.map(String.init),
            "integrationStatus": note.integrationStatus.map(String.init),
            "integration.status": note.integrationStatus.map(String.init),
            "integration.latency": note.integrationLatency.map(String.init),
            "authorizer.principalId": note.principalId,
            "authorizer.latency": note.authorizerLatency.map(String.init),
            "error.responseType": note.errorType,
            "error.message": note.errorMessage,
            "identity.sourceIp": request.sourceIp,
            "identity.userAgent": request.header("User-Agent"),
            "identity.caller": nil,
            "identity.user": nil,
            "accountId": nil,
        ]
        var line = ""
        var rest = format[...]
        while let marker = rest.range(of: "$context.") {
            line += rest[..<marker.lowerBound]
            let nameEnd = rest[marker.upperBound...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }
                ?? rest.endIndex
            var name = String(rest[marker.upperBound..<nameEnd])
            // A trailing dot ends the sentence, not the name.
            var tail = ""
            while name.hasSuffix(".") {
                name.removeLast()
                tail += "."
            }
            let value = values[name] ?? nil
            line += (value ?? "-") + tail
            rest = rest[nameEnd...]
        }
        line += rest
        return line
    }
}
