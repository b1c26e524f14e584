import Foundation
import MoatCore

extension APIGatewayService {
    // MARK: deployments

    func createDeployment(_ input: APIGateway.CreateDeploymentRequest, context: OperationContext) async throws -> APIGateway.Deployment {
        if let stageName = input.stageName { try Self.checkStageName(stageName) }
        let now = context.now
        return try await withLockedAPI(input.restApiId, context: context) { api in
            guard api.definition.hasMethods else { throw GatewayError.badRequest("The REST API doesn't contain any methods") }
            if api.definition.methods.contains(where: { $0.method.methodIntegration == nil }) {
                throw GatewayError.badRequest("No integration defined for method")
            }
            var snapshot = api.definition
            snapshot.binaryMediaTypes = api.attributes.binaryMediaTypes
            let deployment = DeploymentRecord(
                restApiId: api.id,
                id: Self.newIdentifier(),
                description: input.description,
                createdDate: now,
                snapshot: snapshot
            )
            try await store.insertDeployment(deployment)
            if let stageName = input.stageName {
                if var stage = try await store.stage(stageName, of: api.id) {
                    stage.attributes.deploymentId = deployment.id
                    if let variables = input.variables {
                        stage.attributes.variables = (stage.attributes.variables ?? [:]).merging(variables) { $1 }
                    }
                    stage.attributes.lastUpdatedDate = now
                    try await store.saveStage(stage)
                } else {
                    try await store.insertStage(
                        Self.newStage(
                            stageName,
                            of: api.id,
                            deploymentId: deployment.id,
                            description: input.stageDescription,
                            variables: input.variables,
                            tracingEnabled: input.tracingEnabled,
                            now: now
                        )
                    )
                }
            }
            return Self.shown(deployment, embedSummary: false)
        }
    }

    func getDeployment(_ input: APIGateway.GetDeploymentRequest, context: OperationContext) async throws -> APIGateway.Deployment {
        _ = try await existing(input.restApiId, context: context)
        guard let deployment = try await store.deployment(input.deploymentId, of: input.restApiId) else {
            throw GatewayError.deploymentNotFound
        }
        return Self.shown(deployment, embedSummary: input.embed?.contains("apisummary") ?? false)
    }

    func getDeployments(_ input: APIGateway.GetDeploymentsRequest, context: OperationContext) async throws -> APIGateway.Deployments {
        let limit = try Self.pageSize(input.limit)
        _ = try await existing(input.restApiId, context: context)
        let page = Self.page(try await store.deployments(of: input.restApiId), after: input.position, limit: limit, key: \.id)
        return APIGateway.Deployments(position: page.position, items: page.items.map { Self.shown($0, embedSummary: false) })
    }

    func deleteDeployment(_ input: APIGateway.DeleteDeploymentRequest, context: OperationContext) async throws {
        try await withLockedAPI(input.restApiId, context: context) { _ in
            guard try await store.deployment(input.deploymentId, of: input.restApiId) != nil else { throw GatewayError.deploymentNotFound }
            guard try await store.stages(of: input.restApiId, deploymentId: input.deploymentId).isEmpty else {
                throw GatewayError.badRequest("Active stages pointing to this deployment must be moved or deleted")
            }
            try await store.deleteDeployment(input.deploymentId, of: input.restApiId)
        }
    }

    /// A deployment as AWS reports it; with `embedSummary`, the path and method of every method it serves, with
    /// their authorization type and API key requirement (`embed=apisummary`).
    static func shown(_ deployment: DeploymentRecord, embedSummary: Bool) -> APIGateway.Deployment {
        var summary: [String: [String: APIGateway.MethodSnapshot]]?
        if embedSummary {
            summary = [:]
            for (resource, method) in deployment.snapshot.methods {
                summary?[resource.path ?? "", default: [:]][method.httpMethod ?? ""] = APIGateway.MethodSnapshot(
                    authorizationType: method.authorizationType,
                    apiKeyRequired: method.apiKeyRequired ?? false
                )
            }
        }
        return APIGateway.Deployment(
            id: deployment.id,
            description: deployment.description,
            createdDate: deployment.createdDate,
            apiSummary: summary
        )
    }

    // MARK: stages

    func createStage(_ input: APIGateway.CreateStageRequest, context: OperationContext) async throws -> APIGateway.Stage {
        try Self.checkStageName(input.stageName)
        let now = context.now
        return try await withLockedAPI(input.restApiId, context: context) { _ in
            guard try await store.deployment(input.deploymentId, of: input.restApiId) != nil else { throw GatewayError.deploymentNotFound }
            guard try await store.stage(input.stageName, of: input.restApiId) == nil else {
                throw GatewayError.conflict("Stage already exists")
            }
            var stage = Self.newStage(
                input.stageName,
                of: input.restApiId,
                deploymentId: input.deploymentId,
                description: input.description,
                variables: input.variables,
                tracingEnabled: input.tracingEnabled,
                now: now
            )
            stage.attributes.tags = input.tags
            stage.attributes.documentationVersion = input.documentationVersion
            try await store.insertStage(stage)
            return stage.attributes
        }
    }

    func getStage(_ input: APIGateway.GetStageRequest, context: OperationContext) async throws -> APIGateway.Stage {
        _ = try await existing(input.restApiId, context: context)
        guard let stage = try await store.stage(input.stageName, of: input.restApiId) else { throw GatewayError.stageNotFound }
        return stage.attributes
    }

    func getStages(_ input: APIGateway.GetStagesRequest, context: OperationContext) async throws -> APIGateway.Stages {
        _ = try await existing(input.restApiId, context: context)
        return APIGateway.Stages(item: try await store.stages(of: input.restApiId, deploymentId: input.deploymentId).map(\.attributes))
    }

    func updateStage(_ input: APIGateway.UpdateStageRequest, context: OperationContext) async throws -> APIGateway.Stage {
        let now = context.now
        return try await withLockedAPI(input.restApiId, context: context) { _ in
            guard var stage = try await store.stage(input.stageName, of: input.restApiId) else { throw GatewayError.stageNotFound }
            for patch in Patch.list(input.patchOperations) {
                switch (patch.op, patch.segments.first ?? "", patch.segments.count) {
                case ("replace", "description", 1): stage.attributes.description = try patch.optionalString()
                case ("replace", "deploymentId", 1):
                    let deploymentId = try patch.string()
                    guard try await store.deployment(deploymentId, of: input.restApiId) != nil else {
                        throw GatewayError.deploymentNotFound
                    }
                    stage.attributes.deploymentId = deploymentId
                case ("replace", "tracingEnabled", 1): stage.attributes.tracingEnabled = try patch.bool()
                case ("replace", "cacheClusterEnabled", 1): stage.attributes.cacheClusterEnabled = try patch.bool()
                case ("replace", "variables", 2), ("add", "variables", 2):
                    stage.attributes.variables.set(try patch.string(), for: patch.segments[1])
                case ("remove", "variables", 2):
                    stage.attributes.variables?[patch.segments[1]] = nil
                case ("replace", "accessLogSettings", 2) where patch.segments[1] == "destinationArn":
                    let arn = try patch.string()
                    guard arn.hasPrefix("arn:aws:logs:"), arn.contains(":log-group:") else {
                        throw GatewayError.badRequest("Invalid ARN specified in the request")
                    }
                    var settings = stage.attributes.accessLogSettings ?? APIGateway.AccessLogSettings()
                    settings.destinationArn = arn
                    stage.attributes.accessLogSettings = settings
                case ("replace", "accessLogSettings", 2) where patch.segments[1] == "format":
                    let format = try patch.string()
                    guard format.contains("$context.requestId") || format.contains("$context.extendedRequestId") else {
                        throw GatewayError.badRequest(
                            "Access Log format must contain at least one of $context.requestId or $context.extendedRequestId"
                        )
                    }
                    var settings = stage.attributes.accessLogSettings ?? APIGateway.AccessLogSettings()
                    settings.format = format
                    stage.attributes.accessLogSettings = settings
                case ("remove", "accessLogSettings", 1):
                    stage.attributes.accessLogSettings = nil
                case _ where [2, 4].contains(patch.segments.count) && (patch.segments[0] == "*" || patch.segments[0].hasPrefix("/")):
                    let deployment = try await store.deployment(stage.deploymentId, of: input.restApiId)
                    try Self.applyMethodSetting(patch, to: &stage.attributes, deployed: deployment?.snapshot)
                default:
                    throw patch.unsupported([
                        "/description", "/deploymentId", "/tracingEnabled", "/cacheClusterEnabled", "/variables/{name}",
                        "/accessLogSettings/destinationArn", "/accessLogSettings/format", "/*/*/{setting}", "/{resourcePath}/{httpMethod}/{setting}",
                    ])
                }
            }
            if stage.attributes.variables?.isEmpty ?? false { stage.attributes.variables = nil }
            stage.attributes.lastUpdatedDate = now
            try await store.saveStage(stage)
            return stage.attributes
        }
    }

    func deleteStage(_ input: APIGateway.DeleteStageRequest, context: OperationContext) async throws {
        try await withLockedAPI(input.restApiId, context: context) { _ in
            guard try await store.deleteStage(input.stageName, of: input.restApiId) else { throw GatewayError.stageNotFound }
        }
    }

    // MARK: rules

    static func newStage(
        _ name: String,
        of restApiId: String,
        deploymentId: String,
        description: String?,
        variables: [String: String]?,
        tracingEnabled: Bool?,
        now: Date
    ) -> StageRecord {
        StageRecord(
            restApiId: restApiId,
            name: name,
            attributes: APIGateway.Stage(
                deploymentId: deploymentId,
                stageName: name,
                description: description,
                cacheClusterEnabled: false,
                cacheClusterStatus: .notAvailable,
                methodSettings: [:],
                variables: (variables ?? [:]).isEmpty ? nil : variables,
                tracingEnabled: tracingEnabled ?? false,
                createdDate: now,
                lastUpdatedDate: now
            )
        )
    }

    /// Stage names are letters, digits, `-` and `_`, at most 128.
    static func checkStageName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        guard !name.isEmpty, name.count <= 128, name.allSatisfy(allowed.contains) else {
            throw GatewayError.badRequest("Stage name only allows a-zA-Z0-9_-")
        }
    }

    /// `/{resourcePath}/{httpMethod}/{area}/{setting}` (`/*/*/throttling/rateLimit`, `/~1hello/GET/throttling/burstLimit`)
    /// sets one method setting, starting a method's entry from the stage's `*/*` defaults; `remove` of
    /// `/{resourcePath}/{httpMethod}` drops the entry. A method's entry must name a method of the stage's deployment.
    static func applyMethodSetting(_ patch: Patch, to stage: inout APIGateway.Stage, deployed: APIDefinition?) throws {
        let (resourcePath, httpMethod) = (patch.segments[0], patch.segments[1])
        let key: String
        if resourcePath == "*" && httpMethod == "*" {
            key = MethodSettingsKey.stageDefaults
        } else {
            let methods = deployed?.resources.first { $0.path == resourcePath }?.resourceMethods ?? [:]
            guard httpMethod == "*" || methods[httpMethod] != nil else {
                throw GatewayError.badRequest(
                    "Invalid method setting path: \(patch.path). No method \(httpMethod) on resource \(resourcePath)"
                )
            }
            key = MethodSettingsKey.key(resourcePath: resourcePath, httpMethod: httpMethod)
        }
        var settings = stage.methodSettings ?? [:]
        if patch.segments.count == 2 {
            guard patch.op == "remove" else { throw patch.unsupported(["/{resourcePath}/{httpMethod}"]) }
            settings[key] = nil
            stage.methodSettings = settings
            return
        }
        var setting = settings[key] ?? settings[MethodSettingsKey.stageDefaults] ?? MethodSettingsKey.defaults
        guard patch.op == "replace" else { throw patch.unsupported(["/{resourcePath}/{httpMethod}/{setting}"]) }
        switch patch.segments[2] + "/" + patch.segments[3] {
        case "throttling/rateLimit":
            let rate = try patch.double()
            guard rate >= 0 else { throw GatewayError.badRequest("The rate limit must be zero or more") }
            setting.throttlingRateLimit = rate
        case "throttling/burstLimit":
            let burst = try patch.integer()
            guard burst >= 0 else { throw GatewayError.badRequest("The burst limit must be zero or more") }
            setting.throttlingBurstLimit = burst
        case "metrics/enabled": setting.metricsEnabled = try patch.bool()
        case "logging/loglevel":
            let level = try patch.string().uppercased()
            guard ["OFF", "ERROR", "INFO"].contains(level) else {
                throw GatewayError.badRequest("Invalid logging level specified: \(level). Valid values are OFF, ERROR, INFO")
            }
            setting.loggingLevel = level
        case "logging/dataTrace": setting.dataTraceEnabled = try patch.bool()
        case "caching/enabled": setting.cachingEnabled = try patch.bool()
        case "caching/ttlInSeconds": setting.cacheTtlInSeconds = try patch.integer()
        case "caching/dataEncrypted": setting.cacheDataEncrypted = try patch.bool()
        case "caching/requireAuthorizationForCacheControl": setting.requireAuthorizationForCacheControl = try patch.bool()
        case "caching/unauthorizedCacheControlHeaderStrategy":
            setting.unauthorizedCacheControlHeaderStrategy = APIGateway.UnauthorizedCacheControlHeaderStrategy(rawValue: try patch.string())
        default:
            throw patch.unsupported(
                [
                    "throttling/rateLimit", "throttling/burstLimit", "metrics/enabled", "logging/loglevel", "logging/dataTrace",
                    "caching/enabled", "caching/ttlInSeconds", "caching/dataEncrypted", "caching/requireAuthorizationForCacheControl",
                    "caching/unauthorizedCacheControlHeaderStrategy",
                ].map { "/{resourcePath}/{httpMethod}/" + $0 }
            )
        }
        settings[key] = setting
        stage.methodSettings = settings
    }
}
