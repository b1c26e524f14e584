import Foundation
import MoatCore

/// ImportRestApi, PutRestApi and GetExport: a REST API from an OpenAPI document, and a deployed stage as one.
///
/// A document is read whole (``OpenAPIImporter``) and placed into a definition in memory, checked by the rules the
/// CreateResource, PutMethod, PutIntegration, CreateAuthorizer … operations apply; only a definition without errors
/// is written, in one statement or one transaction, so a refused document leaves nothing behind.
extension APIGatewayService {
    /// A new API with the document's definition and attributes; its endpoint type from `endpointConfigurationTypes`
    /// (EDGE unless given). The answer carries the import's warnings, which are not kept.
    func importRestApi(_ input: APIGateway.ImportRestApiRequest, context: OperationContext) async throws -> APIGateway.RestApi {
        let imported = try OpenAPIImporter.read(input.body, parameters: input.parameters ?? [:])
        try Self.checkWarnings(imported.warnings, failOnWarnings: input.failOnWarnings ?? false)
        let root = APIGateway.Resource(id: Self.newIdentifier(), path: "/")
        var definition = APIDefinition(resources: [root], authorizers: [])
        try definition.place(imported, reusingIdentifiersOf: nil)
        let id = Self.newIdentifier()
        var attributes = APIGateway.RestApi(
            id: id,
            name: imported.name,
            description: imported.description,
            createdDate: context.now,
            version: imported.version,
            binaryMediaTypes: imported.binaryMediaTypes,
            minimumCompressionSize: imported.minimumCompressionSize,
            apiKeySource: imported.apiKeySource ?? .header,
            endpointConfiguration: APIGateway.EndpointConfiguration(
                types: imported.endpointTypes ?? [.edge],
                ipAddressType: .ipv4,
                vpcEndpointIds: imported.vpcEndpointIds
            ),
            policy: imported.policy,
            disableExecuteApiEndpoint: imported.disableExecuteApiEndpoint ?? false,
            rootResourceId: root.id
        )
        try await store.insertAPI(RestApiRecord(id: id, attributes: attributes, definition: definition), createdAt: context.now)
        attributes.warnings = imported.warnings.isEmpty ? nil : imported.warnings
        return attributes
    }

    /// `overwrite` replaces the definition (the API keeps its id and its root resource, resources and authorizers
    /// that the document still defines keep their ids); `merge` (the default) adds the document's resources,
    /// replaces the methods and authorizers it defines and keeps everything else. The endpoint configuration,
    /// deployments and stages do not change: a stage serves its deployment until the next one.
    func putRestApi(_ input: APIGateway.PutRestApiRequest, context: OperationContext) async throws -> APIGateway.RestApi {
        let mode = input.mode ?? .merge
        guard mode == .merge || mode == .overwrite else {
            throw GatewayError.badRequest("Invalid mode specified: \(mode.rawValue). Valid values are merge, overwrite")
        }
        let imported = try OpenAPIImporter.read(input.body, parameters: input.parameters ?? [:])
        try Self.checkWarnings(imported.warnings, failOnWarnings: input.failOnWarnings ?? false)
        var attributes = try await modify(input.restApiId, context: context) { record in
            var api = record.attributes
            if mode == .overwrite {
                let previous = record.definition
                let rootId = previous.resources.first { $0.parentId == nil }?.id ?? api.rootResourceId
                var definition = APIDefinition(resources: [APIGateway.Resource(id: rootId, path: "/")], authorizers: [])
                try definition.place(imported, reusingIdentifiersOf: previous)
                record.definition = definition
                api.name = imported.name ?? api.name
                api.description = imported.description
                api.version = imported.version
                api.binaryMediaTypes = imported.binaryMediaTypes
                api.minimumCompressionSize = imported.minimumCompressionSize
                api.apiKeySource = imported.apiKeySource ?? .header
                api.policy = imported.policy
            } else {
                try record.definition.place(imported, reusingIdentifiersOf: nil)
                api.name = imported.name ?? api.name
                api.description = imported.description ?? api.description
                api.version = imported.version ?? api.version
                api.binaryMediaTypes = imported.binaryMediaTypes ?? api.binaryMediaTypes
                api.minimumCompressionSize = imported.minimumCompressionSize ?? api.minimumCompressionSize
                api.apiKeySource = imported.apiKeySource ?? api.apiKeySource
                api.policy = imported.policy ?? api.policy
            }
            record.attributes = api
            return api
        }
        attributes.warnings = imported.warnings.isEmpty ? nil : imported.warnings
        return attributes
    }

    /// The stage's deployment (not the API as it is now) as an `oas30` or `swagger` document, JSON unless
    /// `accepts` asks for YAML, with the extensions the `extensions` parameter names.
    func getExport(_ input: APIGateway.GetExportRequest, context: OperationContext) async throws -> APIGateway.ExportResponse {
        let dialect: OpenAPIImporter.Dialect
        switch input.exportType {
        case "oas30": dialect = .openAPI3
        case "swagger": dialect = .swagger2
        default: throw GatewayError.badRequest("Invalid export type specified: \(input.exportType). Valid values are oas30, swagger")
        }
        let yaml = try Self.exportsYAML(accepting: input.accepts)
        let record = try await existing(input.restApiId, context: context)
        guard let (stage, deployment) = try await store.deployedStage(input.stageName, of: input.restApiId) else {
            throw GatewayError.stageNotFound
        }
        let exporter = OpenAPIExporter(
            api: record.attributes,
            definition: deployment.snapshot,
            stageName: stage.name,
            region: context.region,
            deployedAt: deployment.createdDate,
            dialect: dialect,
            extensions: OpenAPIExporter.Extensions(input.parameters?["extensions"])
        )
        let document = exporter.document()
        let text = yaml ? YAMLText.write(document) : OpenAPIText.prettyJSON(document)
        let stamp = CivilDate.iso8601(epochSeconds: Int64(deployment.createdDate.timeIntervalSince1970.rounded(.down)))
        return APIGateway.ExportResponse(
            contentType: yaml ? "application/yaml" : "application/json",
            contentDisposition: "attachment; filename=\"\(input.exportType)_\(stamp).\(yaml ? "yaml" : "json")\"",
            body: Data(text.utf8)
        )
    }

    // MARK: rules

    /// With `failOnWarnings`, a document the import would skip parts of is refused, naming what it skipped.
    static func checkWarnings(_ warnings: [String], failOnWarnings: Bool) throws {
        guard failOnWarnings, !warnings.isEmpty else { return }
        throw GatewayError.badRequest("Warnings found during import:\n\t" + warnings.joined(separator: "\n\t"))
    }

    /// Whether the `Accept` value asks for YAML: `application/yaml` (or `application/x-yaml`, `text/yaml`) does,
    /// JSON, `*/*` and none do not; of a list, the first type known decides; only unknown types are refused.
    static func exportsYAML(accepting accepts: String?) throws -> Bool {
        guard let accepts, !accepts.trimmingCharacters(in: .whitespaces).isEmpty else { return false }
        for entry in accepts.split(separator: ",") {
            let type = entry.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch type {
            case "application/json", "*/*", "application/*": return false
            case "application/yaml", "application/x-yaml", "text/yaml": return true
            default: continue
            }
        }
        throw GatewayError.badRequest("Invalid accepts value specified: \(accepts). Valid values are application/json, application/yaml")
    }
}

extension APIDefinition {
    /// Places an imported API into the definition: its authorizers (replacing those of the same name, keeping
    /// their ids), the resources of its paths (creating intermediate ones) and its methods (replacing those on the
    /// same resource and verb, with their integrations and responses). Every part is checked as the operation that
    /// would create it checks it; the errors of all parts are reported together and nothing is kept of a document
    /// with one.
    /// - Parameters:
    ///   - imported: what the document defines.
    ///   - previous: the definition an overwrite replaces, whose resource (by path) and authorizer (by name) ids
    ///     are given again to what the document defines again.
    mutating func place(_ imported: ImportedAPI, reusingIdentifiersOf previous: APIDefinition?) throws {
        var errors: [String] = []
        var reported: Set<String> = []
        func record(_ error: any Error, _ context: String) {
            let message = "\(context): \(OpenAPIImporter.message(error))"
            if reported.insert(message).inserted { errors.append(message) }
        }
        for var authorizer in imported.authorizers {
            let name = authorizer.name ?? ""
            do {
                try APIGatewayService.checkAuthorizer(&authorizer)
            } catch {
                record(error, "Unable to create authorizer '\(name)'")
                continue
            }
            if let index = authorizers.firstIndex(where: { $0.name == name }) {
                authorizer.id = authorizers[index].id
                authorizers[index] = authorizer
            } else {
                authorizer.id = previous?.authorizers.first { $0.name == name }?.id ?? APIGatewayService.newIdentifier()
                authorizers.append(authorizer)
            }
        }
        var tree = TreeIndex(resources)
        var previousIds: [String: String] = [:]
        for resource in previous?.resources ?? [] {
            if let path = resource.path, let id = resource.id { previousIds[path] = id }
        }
        for resource in imported.resources {
            let resourceIndex: Int
            do {
                resourceIndex = try placeResource(resource.pathParts, tree: &tree, previousIds: previousIds)
            } catch let failure as PlacementFailure {
                record(failure.error, "Unable to create resource at path '\(failure.path)'")
                continue
            }
            let resourceId = resources[resourceIndex].id ?? ""
            for importedMethod in resource.methods {
                var method = importedMethod.method
                let httpMethod = method.httpMethod ?? ""
                if let name = importedMethod.authorizerName { method.authorizerId = authorizers.first { $0.name == name }?.id }
                do {
                    try APIGatewayService.checkHTTPMethod(httpMethod)
                    try APIGatewayService.checkAuthorization(&method, in: self)
                    for status in (method.methodResponses ?? [:]).keys { try APIGatewayService.checkStatusCode(status) }
                } catch {
                    record(error, "Unable to put method '\(httpMethod)' on resource at path '\(resource.path)'")
                    continue
                }
                if var integration = method.methodIntegration {
                    integration.connectionType = integration.connectionType ?? .internet
                    integration.passthroughBehavior = integration.passthroughBehavior ?? "WHEN_NO_MATCH"
                    integration.timeoutInMillis = integration.timeoutInMillis ?? APIGatewayService.defaultTimeout
                    integration.cacheNamespace = integration.cacheNamespace ?? resourceId
                    integration.cacheKeyParameters = integration.cacheKeyParameters ?? []
                    do {
                        try APIGatewayService.checkIntegration(integration)
                        for status in (integration.integrationResponses ?? [:]).keys { try APIGatewayService.checkStatusCode(status) }
                    } catch {
                        record(error, "Unable to put integration on '\(httpMethod)' for resource at path '\(resource.path)'")
                        continue
                    }
                    method.methodIntegration = integration
                }
                resources[resourceIndex].resourceMethods.set(method, for: httpMethod)
            }
        }
        // A merge may have changed the type of an authorizer that methods the document does not define use.
        for (resource, method) in methods where method.authorizerId != nil {
            var checked = method
            do {
                try APIGatewayService.checkAuthorization(&checked, in: self)
            } catch {
                record(error, "Unable to put method '\(method.httpMethod ?? "")' on resource at path '\(resource.path ?? "")'")
            }
        }
        guard errors.isEmpty else {
            throw GatewayError.badRequest("Errors found during import:\n\t" + errors.joined(separator: "\n\t"))
        }
    }

    /// Why a resource of a path could not be created, with the path of the part that failed.
    private struct PlacementFailure: Error {
        let path: String
        let error: any Error
    }

    /// Where each resource is in `resources`, by parent and path part, and each parent's variable child: a document
    /// may define thousands of paths, and placing each must not scan the tree.
    private struct TreeIndex {
        struct Child: Hashable {
            let parentId: String
            let pathPart: String
        }

        var root: Int?
        var children: [Child: Int] = [:]
        var variables: [String: Int] = [:]

        init(_ resources: [APIGateway.Resource]) {
            for (index, resource) in resources.enumerated() { add(resource, at: index) }
        }

        mutating func add(_ resource: APIGateway.Resource, at index: Int) {
            guard let parentId = resource.parentId else {
                root = root ?? index
                return
            }
            let part = resource.pathPart ?? ""
            children[Child(parentId: parentId, pathPart: part)] = index
            if part.hasPrefix("{") { variables[parentId] = variables[parentId] ?? index }
        }
    }

    /// The index of the resource at the path of `parts`, creating it and every missing resource above it as
    /// CreateResource would (each part checked, and its place among its siblings).
    private mutating func placeResource(_ parts: [String], tree: inout TreeIndex, previousIds: [String: String]) throws -> Int {
        guard var current = tree.root else { throw PlacementFailure(path: "/", error: GatewayError.resourceNotFound) }
        for part in parts {
            let parent = resources[current]
            let parentId = parent.id ?? ""
            if let child = tree.children[TreeIndex.Child(parentId: parentId, pathPart: part)] {
                current = child
                continue
            }
            let path = Self.childPath(parent.path ?? "/", part)
            do {
                try APIGatewayService.checkPathPart(part)
                try APIGatewayService.checkPlacement(part, under: parent, siblings: tree.variables[parentId].map { [resources[$0]] } ?? [])
            } catch {
                throw PlacementFailure(path: path, error: error)
            }
            let child = APIGateway.Resource(
                id: previousIds[path] ?? APIGatewayService.newIdentifier(), parentId: parentId, pathPart: part, path: path)
            current = resources.count
            resources.append(child)
            tree.add(child, at: current)
        }
        return current
    }
}
