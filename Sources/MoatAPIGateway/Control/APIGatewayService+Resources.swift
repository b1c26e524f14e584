import MoatCore

extension APIGatewayService {
    func getResources(_ input: APIGateway.GetResourcesRequest, context: OperationContext) async throws -> APIGateway.Resources {
        let limit = try Self.pageSize(input.limit)
        let definition = try await existing(input.restApiId, context: context).definition
        let embedMethods = input.embed?.contains("methods") ?? false
        let page = Self.page(definition.resources, after: input.position, limit: limit) { $0.id ?? "" }
        return APIGateway.Resources(position: page.position, items: page.items.map { Self.shown($0, embedMethods: embedMethods) })
    }

    func getResource(_ input: APIGateway.GetResourceRequest, context: OperationContext) async throws -> APIGateway.Resource {
        let definition = try await existing(input.restApiId, context: context).definition
        return Self.shown(try definition.resource(input.resourceId), embedMethods: input.embed?.contains("methods") ?? false)
    }

    func createResource(_ input: APIGateway.CreateResourceRequest, context: OperationContext) async throws -> APIGateway.Resource {
        try Self.checkPathPart(input.pathPart)
        return try await modifyDefinition(input.restApiId, context: context) { definition in
            let parent = try definition.resource(input.parentId)
            try Self.checkPlacement(input.pathPart, under: parent, in: definition, ignoring: nil)
            let resource = APIGateway.Resource(
                id: Self.newIdentifier(),
                parentId: input.parentId,
                pathPart: input.pathPart,
                path: APIDefinition.childPath(parent.path ?? "/", input.pathPart)
            )
            definition.resources.append(resource)
            return resource
        }
    }

    func updateResource(_ input: APIGateway.UpdateResourceRequest, context: OperationContext) async throws -> APIGateway.Resource {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            let index = try definition.resourceIndex(input.resourceId)
            var resource = definition.resources[index]
            guard resource.parentId != nil else { throw GatewayError.badRequest("The root resource cannot be modified") }
            for patch in Patch.list(input.patchOperations) {
                switch (patch.op, patch.path) {
                case ("replace", "/pathPart"):
                    let pathPart = try patch.string()
                    try Self.checkPathPart(pathPart)
                    resource.pathPart = pathPart
                case ("replace", "/parentId"):
                    let parentId = try patch.string()
                    _ = try definition.resource(parentId)
                    guard !definition.subtree(of: input.resourceId).contains(parentId) else {
                        throw GatewayError.badRequest("A resource cannot be moved under itself or one of its children")
                    }
                    resource.parentId = parentId
                default:
                    throw patch.unsupported(["/pathPart", "/parentId"])
                }
            }
            let parent = try definition.resource(resource.parentId ?? "")
            try Self.checkPlacement(resource.pathPart ?? "", under: parent, in: definition, ignoring: input.resourceId)
            definition.resources[index] = resource
            definition.updatePaths(under: input.resourceId)
            return Self.shown(try definition.resource(input.resourceId), embedMethods: false)
        }
    }

    func deleteResource(_ input: APIGateway.DeleteResourceRequest, context: OperationContext) async throws {
        try await modifyDefinition(input.restApiId, context: context) { definition in
            guard try definition.resource(input.resourceId).parentId != nil else {
                throw GatewayError.badRequest("Cannot delete root resource")
            }
            let removed = definition.subtree(of: input.resourceId)
            definition.resources.removeAll { removed.contains($0.id ?? "") }
        }
    }

    // MARK: rules

    /// A path part is a name of `a-zA-Z0-9._-`, a `{variable}` of such a name, or a greedy `{variable+}`.
    static func checkPathPart(_ pathPart: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var name = Substring(pathPart)
        if name.hasPrefix("{"), name.hasSuffix("}") {
            name = name.dropFirst().dropLast()
            if name.hasSuffix("+") { name = name.dropLast() }
        }
        guard !name.isEmpty, name.allSatisfy(allowed.contains) else {
            throw GatewayError.badRequest(
                "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign "
                    + "before the closing brace."
            )
        }
    }

    /// A resource may sit under `parent` unless the parent is greedy, a sibling has the same part, or it and a sibling
    /// both are variables (`ignoring` the resource itself when it moves).
    static func checkPlacement(_ pathPart: String, under parent: APIGateway.Resource, in definition: APIDefinition, ignoring: String?)
        throws
    {
        try checkPlacement(pathPart, under: parent, siblings: definition.resources.filter { $0.parentId == parent.id && $0.id != ignoring })
    }

    /// As ``checkPlacement(_:under:in:ignoring:)``, given the parent's other children (those with the same part and
    /// the variable one are all it reads: an import that indexes them passes only those).
    static func checkPlacement(_ pathPart: String, under parent: APIGateway.Resource, siblings: [APIGateway.Resource]) throws {
        if let parentPart = parent.pathPart, parentPart.hasSuffix("+}") {
            throw GatewayError.badRequest("Cannot create a child of a resource with a greedy path variable: \(parent.path ?? "")")
        }
        if siblings.contains(where: { $0.pathPart == pathPart }) {
            throw GatewayError.conflict("Another resource with the same parent already has this name: \(pathPart)")
        }
        if pathPart.hasPrefix("{"), let variable = siblings.first(where: { $0.pathPart?.hasPrefix("{") ?? false }) {
            throw GatewayError.badRequest(
                "A sibling (\(variable.pathPart ?? "")) of this resource already has a variable path part -- only one is allowed"
            )
        }
    }

    /// A resource as GetResource(s) shows it: its methods in full with `embed=methods`, else by name only.
    static func shown(_ resource: APIGateway.Resource, embedMethods: Bool) -> APIGateway.Resource {
        var resource = resource
        if !embedMethods, let methods = resource.resourceMethods {
            resource.resourceMethods = methods.mapValues { _ in APIGateway.Method() }
        }
        if resource.resourceMethods?.isEmpty ?? false { resource.resourceMethods = nil }
        return resource
    }
}
