import Foundation
/// A restJson1 `requestUri` such as `/2015-03-31/functions/{FunctionName}/invocations` or `/restapis/{id}/{proxy+}?mode=x`.
struct URITemplate: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case label(String)
        /// `{Name+}`: the rest of the path, slashes included.
        case greedy(String)
    }

    let segments: [Segment]
    /// Query parameters the template itself requires (`?versions`, `?mode=x`).
    let requiredQuery: [(String, String?)]

    init(_ template: String) {
        let parts = template.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        segments = parts[0].split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{"), part.hasSuffix("+}") { return .greedy(String(part.dropFirst().dropLast(2))) }
            if part.hasPrefix("{"), part.hasSuffix("}") { return .label(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
        if parts.count > 1 {
            requiredQuery = parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]) : nil)
            }
        } else {
            requiredQuery = []
        }
    }

    /// How specific the template is: literal segments count most, then required query parameters.
    var specificity: Int {
        segments.reduce(0) { total, segment in if case .literal = segment { return total + 100 } else { return total } }
            + requiredQuery.count * 10 - (segments.contains { if case .greedy = $0 { return true } else { return false } } ? 1 : 0)
    }

    /// The labels' decoded values when `path` (percent-encoded) and `query` match, else nil.
    func match(path: String, query: [(String, String)]) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var labels: [String: String] = [:]
        var index = 0
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < parts.count, parts[index].removingPercentEncoding == text else { return nil }
                index += 1
            case .label(let name):
                guard index < parts.count, let value = parts[index].removingPercentEncoding else { return nil }
                labels[name] = value
                index += 1
            case .greedy(let name):
                guard position == segments.count - 1, index < parts.count else { return nil }
                labels[name] = parts[index...].joined(separator: "/").removingPercentEncoding
                index = parts.count
            }
        }
        guard index == parts.count else { return nil }
        for (name, value) in requiredQuery {
            guard let found = query.first(where: { $0.0 == name }) else { return nil }
            if let value, found.1 != value { return nil }
        }
        return labels
    }
}
