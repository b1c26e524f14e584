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
        // `/restapis/{id}/{stage}/_user_request_{rest}`, read segment by segment (no substring search per request).
        guard path.hasPrefix("/restapis/") else { return nil }
        let segments = path.utf8.dropFirst("/restapis/".utf8.count).split(
            separator: UInt8(ascii: "/"), maxSplits: 3, omittingEmptySubsequences: false)
        guard segments.count >= 3, !segments[0].isEmpty, !segments[1].isEmpty else { return nil }
        let marker = segments[2]
        guard marker.elementsEqual("_user_request_".utf8) else { return nil }
        let rest = segments.count == 4 ? "/" + String(Substring(segments[3])) : ""
        self.init(restApiId: String(Substring(segments[0])), stageName: String(Substring(segments[1])), path: rest, domainName: host)
    }

    private init(restApiId: String, stageName: String, path: String, domainName: String) {
        self.restApiId = restApiId
        self.stageName = stageName
        self.path = path
        self.domainName = domainName
    }

    /// An `x-amz-apigw-id` like API Gateway's: 16 characters of base64 over 11 random bytes (two reads of the system
    /// generator, not one per byte).
    static func extendedRequestId() -> String {
        var generator = SystemRandomNumberGenerator()
        var random: (UInt64, UInt64) = (generator.next(), generator.next())
        return withUnsafeBytes(of: &random) { Data($0.prefix(11)).base64EncodedString() }
    }
}
