/// Finds the resource and method a deployed stage runs for a request, as API Gateway's REST APIs choose them.
///
/// Built once per deployed stage: the resource paths become a trie of path parts, so a request walks its path once
/// (with backtracking only where a more specific part leads to no method). The rules:
/// - segment by segment from the left, a literal part beats a `{param}` part, which beats a greedy `{proxy+}`
///   (which takes one or more segments, and is always a leaf: the control plane refuses children under it);
/// - the resource must define the request's verb or `ANY`; the verb itself beats `ANY` on the same resource. A more
///   specific resource lacking both does not end the search: a less specific one that has the verb is taken (as a
///   `/{proxy+}` `ANY` catches the verbs a literal resource does not define);
/// - no resource, or no method for the verb, gives ``Route/missingAuthenticationToken`` (API Gateway answers both
///   with 403 `{"message":"Missing Authentication Token"}`);
/// - trailing slashes are ignored (`/pets/` is `/pets`), leading ones collapse (`//pets` is `/pets`); an empty
///   segment inside the path (`/pets//42`) matches no literal and no `{param}`, only a greedy part that spans it;
/// - literals compare case-sensitively after percent-decoding; parameter values are percent-decoded (`+` stays `+`,
///   as in a URL path), each segment on its own, so `%2F` inside `{id}` gives `/` and never splits the path.
package struct StageRouter: Sendable {
    /// One node per resource path prefix; node 0 is the root `/`.
    private struct Node: Sendable {
        var literals: [String: Int] = [:]
        var variable: (name: String, node: Int)?
        var greedy: (name: String, node: Int)?
        /// The index in `resources` of the resource at this path, if the deployment has one.
        var resource: Int?
    }

    private var nodes: [Node] = [Node()]
    private let resources: [APIGateway.Resource]

    /// - Parameters:
    ///   - stage: the deployed stage whose frozen resources the router serves.
    package init(stage: DeployedStage) {
        self.init(resources: stage.resources)
    }

    /// - Parameters:
    ///   - resources: resources with their `path` and `resourceMethods`, as a deployment freezes them.
    package init(resources: [APIGateway.Resource]) {
        self.resources = resources
        for (index, resource) in resources.enumerated() {
            guard let path = resource.path else { continue }
            var node = 0
            for part in path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
                node = child(of: node, part: part)
            }
            nodes[node].resource = index
        }
    }

    private mutating func child(of node: Int, part: String) -> Int {
        if part.hasPrefix("{"), part.hasSuffix("}"), part.count > 2 {
            let inner = String(part.dropFirst().dropLast())
            if inner.hasSuffix("+") {
                if let existing = nodes[node].greedy { return existing.node }
                nodes.append(Node())
                nodes[node].greedy = (String(inner.dropLast()), nodes.count - 1)
                return nodes.count - 1
            }
            if let existing = nodes[node].variable { return existing.node }
            nodes.append(Node())
            nodes[node].variable = (inner, nodes.count - 1)
            return nodes.count - 1
        }
        if let existing = nodes[node].literals[part] { return existing }
        nodes.append(Node())
        nodes[node].literals[part] = nodes.count - 1
        return nodes.count - 1
    }

    /// What a request runs.
    package enum Route: Sendable, Equatable {
        case matched(MatchedRoute)
        /// No resource at the path, or none with a method for the verb.
        case missingAuthenticationToken
    }

    /// Routes one request.
    /// - Parameters:
    ///   - httpMethod: the request's verb, as sent (`GET`); verbs are case-sensitive, as HTTP's are.
    ///   - path: the path below the stage, still percent-encoded and without the query (`/pets/42/toys`, `/`, or
    ///     empty for the stage itself).
    package func route(httpMethod: String, path: String) -> Route {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // Leading slashes collapse, trailing ones are ignored.
        while segments.first == "" { segments.removeFirst() }
        while segments.last == "" { segments.removeLast() }
        var captured: [(name: String, value: String)] = []
        guard let found = search(node: 0, segments: segments[...], httpMethod: httpMethod, captured: &captured) else {
            return .missingAuthenticationToken
        }
        let resource = resources[found.resource]
        var parameters: [String: String] = [:]
        for (name, value) in captured { parameters[name] = value }
        return .matched(
            MatchedRoute(
                resourceId: resource.id ?? "",
                resourcePath: resource.path ?? "/",
                methodKey: found.methodKey,
                method: found.method,
                pathParameters: parameters
            )
        )
    }

    private struct Found {
        let resource: Int
        let methodKey: String
        let method: APIGateway.Method
    }

    private func method(of node: Int, for httpMethod: String) -> Found? {
        guard let index = nodes[node].resource, let methods = resources[index].resourceMethods else { return nil }
        if let method = methods[httpMethod] { return Found(resource: index, methodKey: httpMethod, method: method) }
        if let method = methods["ANY"] { return Found(resource: index, methodKey: "ANY", method: method) }
        return nil
    }

    private func search(
        node: Int,
        segments: ArraySlice<String>,
        httpMethod: String,
        captured: inout [(name: String, value: String)]
    ) -> Found? {
        guard let segment = segments.first else { return method(of: node, for: httpMethod) }
        let rest = segments.dropFirst()
        let decoded = Self.percentDecoded(segment)
        if !segment.isEmpty {
            if let next = nodes[node].literals[decoded],
                let found = search(node: next, segments: rest, httpMethod: httpMethod, captured: &captured)
            {
                return found
            }
            if let variable = nodes[node].variable {
                captured.append((variable.name, decoded))
                if let found = search(node: variable.node, segments: rest, httpMethod: httpMethod, captured: &captured) { return found }
                captured.removeLast()
            }
        }
        if let greedy = nodes[node].greedy, let found = method(of: greedy.node, for: httpMethod) {
            captured.append((greedy.name, segments.map(Self.percentDecoded).joined(separator: "/")))
            return found
        }
        return nil
    }

    /// Percent-decodes a path segment as UTF-8; a segment with a bad escape or that decodes to invalid UTF-8 is
    /// kept as it came.
    static func percentDecoded(_ segment: String) -> String {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return segment }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return segment }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self) ?? segment
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The resource and method a request runs, with the path parameters it bound.
package struct MatchedRoute: Sendable, Equatable {
    package let resourceId: String
    /// The resource's path template, `/pets/{id}`: the event's `resource` and `requestContext.resourcePath`.
    package let resourcePath: String
    /// The method as the resource defines it: the verb, or `ANY`.
    package let methodKey: String
    package let method: APIGateway.Method
    /// Parameter name (without braces or `+`) to its percent-decoded value.
    package let pathParameters: [String: String]

    /// The stage's method-settings key for this method (`~1pets~1{id}/GET`), which also keys its throttling.
    package var methodSettingsKey: String {
        MethodSettingsKey.key(resourcePath: resourcePath, httpMethod: methodKey)
    }

    /// The path parameters in the order the resource path names them.
    package var orderedPathParameters: [(name: String, value: String)] {
        resourcePath.split(separator: "/").compactMap { part -> (name: String, value: String)? in
            guard part.hasPrefix("{"), part.hasSuffix("}") else { return nil }
            var name = String(part.dropFirst().dropLast())
            if name.hasSuffix("+") { name.removeLast() }
            return pathParameters[name].map { (name, $0) }
        }
    }
}
