import MoatCore

/// Finding and changing the parts of a definition, with AWS's errors for the ones that do not exist.
extension APIDefinition {
    func resourceIndex(_ id: String) throws -> Int {
        guard let index = resources.firstIndex(where: { $0.id == id }) else { throw GatewayError.resourceNotFound }
        return index
    }

    func resource(_ id: String) throws -> APIGateway.Resource { resources[try resourceIndex(id)] }

    func method(_ httpMethod: String, of resourceId: String) throws -> APIGateway.Method {
        guard let method = try resource(resourceId).resourceMethods?[httpMethod] else { throw GatewayError.methodNotFound }
        return method
    }

    /// Runs `change` on the method, which must exist, and keeps what it did.
    mutating func modifyMethod<T>(_ httpMethod: String, of resourceId: String, _ change: (inout APIGateway.Method) throws -> T) throws -> T
    {
        let index = try resourceIndex(resourceId)
        guard var method = resources[index].resourceMethods?[httpMethod] else { throw GatewayError.methodNotFound }
        let result = try change(&method)
        resources[index].resourceMethods?[httpMethod] = method
        return result
    }

    /// Runs `change` on the method's integration, which must exist (NotFound with `missing` otherwise).
    mutating func modifyIntegration<T>(
        _ httpMethod: String,
        of resourceId: String,
        missing: ServiceError = GatewayError.integrationNotFound,
        _ change: (inout APIGateway.Integration) throws -> T
    ) throws -> T {
        try modifyMethod(httpMethod, of: resourceId) { method in
            guard var integration = method.methodIntegration else { throw missing }
            let result = try change(&integration)
            method.methodIntegration = integration
            return result
        }
    }

    func authorizerIndex(_ id: String) throws -> Int {
        guard let index = authorizers.firstIndex(where: { $0.id == id }) else { throw GatewayError.authorizerNotFound }
        return index
    }

    /// The ids of the resource and of every resource under it.
    func subtree(of id: String) -> Set<String> {
        var found: Set<String> = [id]
        var added = true
        while added {
            added = false
            for resource in resources where !found.contains(resource.id ?? "") && found.contains(resource.parentId ?? "") {
                found.insert(resource.id ?? "")
                added = true
            }
        }
        return found
    }

    /// Recomputes the paths of the resource's subtree from its parent's path and each path part.
    mutating func updatePaths(under id: String) {
        var pending = [id]
        while let current = pending.popLast() {
            guard let index = resources.firstIndex(where: { $0.id == current }) else { continue }
            if let parentId = resources[index].parentId, let parent = resources.first(where: { $0.id == parentId }) {
                resources[index].path = Self.childPath(parent.path ?? "/", resources[index].pathPart ?? "")
            }
            pending += resources.filter { $0.parentId == current }.compactMap(\.id)
        }
    }

    static func childPath(_ parentPath: String, _ pathPart: String) -> String {
        parentPath == "/" ? "/" + pathPart : parentPath + "/" + pathPart
    }

    /// The methods in `resource path / HTTP method` order, with their resource: what a deployment serves.
    var methods: [(resource: APIGateway.Resource, method: APIGateway.Method)] {
        resources.sorted { ($0.path ?? "") < ($1.path ?? "") }.flatMap { resource in
            (resource.resourceMethods ?? [:]).sorted { $0.key < $1.key }.map { (resource, $0.value) }
        }
    }
}

extension Optional {
    /// Sets one entry of a map the model makes an optional member, creating the map when it is nil.
    mutating func set<Key: Hashable, Value>(_ value: Value, for key: Key) where Wrapped == [Key: Value] {
        var map = self ?? [:]
        map[key] = value
        self = map
    }
}
