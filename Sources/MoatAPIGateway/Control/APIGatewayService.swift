import Foundation
import MoatCore

/// API Gateway's REST control plane: APIs, resources, methods, integrations, authorizers, deployments and stages.
struct APIGatewayService: APIGatewayOperations {
    let store: APIGatewayStore
    /// The data plane, for TestInvokeMethod.
    var dataPlane = DataPlaneSlot()

    /// Lowercase letters and digits: the alphabet of every identifier API Gateway hands out.
    static let identifierAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    /// A new identifier of 10 characters, as AWS's REST API, resource, authorizer and deployment ids are.
    static func newIdentifier() -> String { RandomText.make(10, from: identifierAlphabet) }

    /// GetRestApis, GetResources, …: 25 items per page unless the caller asks for up to 500.
    static func pageSize(_ limit: Int?) throws -> Int {
        guard let limit else { return 25 }
        guard (1...500).contains(limit) else { throw GatewayError.badRequest("The limit must be between 1 and 500") }
        return limit
    }

    /// One page of `items`, starting after the item whose key is `position`, and the position of the next page.
    static func page<T>(_ items: [T], after position: String?, limit: Int, key: (T) -> String) -> (items: [T], position: String?) {
        var start = 0
        if let position, let index = items.firstIndex(where: { key($0) == position }) { start = index + 1 }
        let page = Array(items[min(start, items.count)...].prefix(limit))
        return (page, start + page.count < items.count ? page.last.map(key) : nil)
    }

    // MARK: REST APIs

    func createRestApi(_ input: APIGateway.CreateRestApiRequest, context: OperationContext) async throws -> APIGateway.RestApi {
        if input.cloneFrom != nil {
            throw GatewayError.badRequest("Moat does not clone REST APIs; cloneFrom is not supported.")
        }
        if let size = input.minimumCompressionSize { try Self.checkCompressionSize(size) }
        let id = Self.newIdentifier()
        let root = APIGateway.Resource(id: Self.newIdentifier(), path: "/")
        let attributes = APIGateway.RestApi(
            id: id,
            name: input.name,
            description: input.description,
            createdDate: context.now,
            version: input.version,
            binaryMediaTypes: input.binaryMediaTypes,
            minimumCompressionSize: input.minimumCompressionSize,
            apiKeySource: input.apiKeySource ?? .header,
            endpointConfiguration: input.endpointConfiguration ?? APIGateway.EndpointConfiguration(types: [.edge], ipAddressType: .ipv4),
            policy: input.policy,
            tags: input.tags,
            disableExecuteApiEndpoint: input.disableExecuteApiEndpoint ?? false,
            rootResourceId: root.id
        )
        let record = RestApiRecord(id: id, attributes: attributes, definition: APIDefinition(resources: [root], authorizers: []))
        try await store.insertAPI(record, createdAt: context.now)
        return attributes
    }

    func getRestApi(_ input: APIGateway.GetRestApiRequest, context: OperationContext) async throws -> APIGateway.RestApi {
        try await existing(input.restApiId, context: context).attributes
    }

    func getRestApis(_ input: APIGateway.GetRestApisRequest, context: OperationContext) async throws -> APIGateway.RestApis {
        let limit = try Self.pageSize(input.limit)
        let records = try await store.apis(after: input.position, limit: limit + 1)
        let page = records.prefix(limit)
        return APIGateway.RestApis(position: records.count > limit ? page.last?.id : nil, items: page.map(\.attributes))
    }

    func updateRestApi(_ input: APIGateway.UpdateRestApiRequest, context: OperationContext) async throws -> APIGateway.RestApi {
        try await modify(input.restApiId, context: context) { record in
            var api = record.attributes
            for patch in Patch.list(input.patchOperations) {
                switch (patch.op, patch.segments.first ?? "", patch.segments.count) {
                case ("replace", "name", 1): api.name = try patch.string()
                case ("replace", "description", 1): api.description = try patch.string()
                case ("replace", "version", 1): api.version = try patch.string()
                case ("replace", "policy", 1): api.policy = try patch.string()
                case ("replace", "apiKeySource", 1):
                    let source = APIGateway.ApiKeySourceType(rawValue: try patch.string())
                    guard source == .header || source == .authorizer else {
                        throw GatewayError.badRequest("Invalid API Key source specified. Valid values are HEADER and AUTHORIZER")
                    }
                    api.apiKeySource = source
                case ("replace", "minimumCompressionSize", 1):
                    if patch.value?.isEmpty ?? true {
                        api.minimumCompressionSize = nil
                    } else {
                        let size = try patch.integer()
                        try Self.checkCompressionSize(size)
                        api.minimumCompressionSize = size
                    }
                case ("replace", "disableExecuteApiEndpoint", 1): api.disableExecuteApiEndpoint = try patch.bool()
                case ("add", "binaryMediaTypes", 2):
                    let types = api.binaryMediaTypes ?? []
                    if !types.contains(patch.segments[1]) { api.binaryMediaTypes = types + [patch.segments[1]] }
                case ("remove", "binaryMediaTypes", 2):
                    api.binaryMediaTypes = (api.binaryMediaTypes ?? []).filter { $0 != patch.segments[1] }
                default:
                    throw patch.unsupported([
                        "/name", "/description", "/version", "/policy", "/apiKeySource", "/minimumCompressionSize",
                        "/disableExecuteApiEndpoint", "/binaryMediaTypes/{type}",
                    ])
                }
            }
            record.attributes = api
            return api
        }
    }

    func deleteRestApi(_ input: APIGateway.DeleteRestApiRequest, context: OperationContext) async throws {
        guard try await store.deleteAPI(input.restApiId) else {
            throw GatewayError.restApiNotFound(input.restApiId, accountId: context.accountId)
        }
    }

    static func checkCompressionSize(_ size: Int) throws {
        guard (0...10_485_760).contains(size) else {
            throw GatewayError.badRequest("Invalid minimum compression size, must be between 0 and 10485760")
        }
    }

    // MARK: helpers

    func existing(_ restApiId: String, context: OperationContext) async throws -> RestApiRecord {
        guard let record = try await store.api(restApiId) else {
            throw GatewayError.restApiNotFound(restApiId, accountId: context.accountId)
        }
        return record
    }

    /// Runs `body` in one transaction with the API's row locked, so that the API's writes are serial; NotFound when
    /// there is no such API.
    func withLockedAPI<T: Sendable>(
        _ restApiId: String,
        context: OperationContext,
        _ body: @escaping @Sendable (RestApiRecord) async throws -> T
    ) async throws -> T {
        let accountId = context.accountId
        return try await store.transaction {
            guard let record = try await store.api(restApiId, locking: true) else {
                throw GatewayError.restApiNotFound(restApiId, accountId: accountId)
            }
            return try await body(record)
        }
    }

    /// Applies `change` to the API and saves it, in one transaction under the API's lock: when `change` throws,
    /// nothing is written.
    func modify<T: Sendable>(
        _ restApiId: String,
        context: OperationContext,
        _ change: @escaping @Sendable (inout RestApiRecord) throws -> T
    ) async throws -> T {
        try await withLockedAPI(restApiId, context: context) { record in
            var record = record
            let result = try change(&record)
            try await store.saveAPI(record)
            return result
        }
    }

    /// Applies `change` to the API's definition (see ``modify(_:context:_:)``).
    func modifyDefinition<T: Sendable>(
        _ restApiId: String,
        context: OperationContext,
        _ change: @escaping @Sendable (inout APIDefinition) throws -> T
    ) async throws -> T {
        try await modify(restApiId, context: context) { record in try change(&record.definition) }
    }
}
