import Foundation
import MoatCore

/// Which deployed stage a request calls, in the two URL forms LocalStack users already use:
/// `http://{restApiId}.execute-api.localhost:{port}/{stage}/{path}` (by the Host header; any host whose second label
/// is `execute-api`) and `{endpoint}/restapis/{restApiId}/{stage}/_user_request_/{path}`.
struct StageTarget: Equatable {
    let restApiId: String
    let stageName: String
    /// The path below the stage, still percent-encoded (empty for the stage itself).
    let path: String
    /// The host the request named (`requestContext.domainName`).
    let domainName: String

    init?(authority: String?, path: String) {
        let host = authority.map { String($0.prefix { $0 != ":" }) } ?? ""
        let labels = host.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        if labels.count >= 2, labels[1] == "execute-api", !labels[0].isEmpty {
            var rest = path.dropFirst(path.hasPrefix("/") ? 1 : 0)
            let stage = rest.prefix { $0 != "/" }
            guard !stage.isEmpty else { return nil }
            rest = rest.dropFirst(stage.count)
            self.init(restApiId: String(labels[0]), stageName: String(stage), path: String(rest), domainName: host)
            return
        }
        guard path.hasPrefix("/restapis/"), let marker = path.range(of: "/_user_request_") else { return nil }
        let parts = path[path.index(path.startIndex, offsetBy: "/restapis/".count)..<marker.lowerBound].split(separator: "/")
        guard parts.count == 2 else { return nil }
        let rest = path[marker.upperBound...]
        guard rest.isEmpty || rest.hasPrefix("/") else { return nil }
        self.init(restApiId: String(parts[0]), stageName: String(parts[1]), path: String(rest), domainName: host)
    }

    private init(restApiId: String, stageName: String, path: String, domainName: String) {
        self.restApiId = restApiId
        self.stageName = stageName
        self.path = path
        self.domainName = domainName
    }

    /// An `x-amz-apigw-id` like API Gateway's: 16 characters of base64 over 11 random bytes.
    static func extendedRequestId() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<11).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
