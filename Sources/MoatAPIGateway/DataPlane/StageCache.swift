import Foundation
import MoatCore
import Synchronization

/// A deployed stage made ready to serve: the router over its resources, its authorizers by id, and the regular
/// expressions of its integration responses, built once per deployment rather than per request.
struct CompiledStage: Sendable {
    let stage: DeployedStage
    let router: StageRouter
    let authorizers: [String: APIGateway.Authorizer]
    let binaryMediaTypes: BinaryMediaTypes
    /// Each method's throttling, by ``throttleKey(resourceId:methodKey:)``: worked out once, not per request.
    private let throttles: [String: MethodThrottle]

    /// A method's rate and burst (its settings, else the stage's `*/*`, else API Gateway's defaults) and the key of
    /// its token bucket.
    struct MethodThrottle: Sendable {
        let rate: Double
        let burst: Int
        let bucket: String

        init(stage: DeployedStage, resourcePath: String, methodKey: String) {
            let setting = stage.settings(resourcePath: resourcePath, httpMethod: methodKey)
            rate = setting.throttlingRateLimit ?? 10_000
            burst = setting.throttlingBurstLimit ?? 5_000
            bucket = TokenBuckets.key(
                restApiId: stage.restApiId, stageName: stage.stageName,
                methodSettingsKey: MethodSettingsKey.key(resourcePath: resourcePath, httpMethod: methodKey)
            )
        }
    }

    init(_ stage: DeployedStage) {
        self.stage = stage
        router = StageRouter(stage: stage)
        var authorizers: [String: APIGateway.Authorizer] = [:]
        for authorizer in stage.authorizers { if let id = authorizer.id { authorizers[id] = authorizer } }
        self.authorizers = authorizers
        binaryMediaTypes = BinaryMediaTypes(stage.binaryMediaTypes)
        var throttles: [String: MethodThrottle] = [:]
        for resource in stage.resources {
            guard let id = resource.id, let path = resource.path else { continue }
            for methodKey in (resource.resourceMethods ?? [:]).keys {
                throttles[Self.throttleKey(resourceId: id, methodKey: methodKey)] = MethodThrottle(
                    stage: stage, resourcePath: path, methodKey: methodKey)
            }
        }
        self.throttles = throttles
    }

    /// The throttling of the method a request was routed to.
    func throttle(for route: MatchedRoute) -> MethodThrottle {
        throttles[Self.throttleKey(resourceId: route.resourceId, methodKey: route.methodKey)]
            ?? MethodThrottle(stage: stage, resourcePath: route.resourcePath, methodKey: route.methodKey)
    }

    private static func throttleKey(resourceId: String, methodKey: String) -> String { resourceId + " " + methodKey }
}

/// The stages this node served lately, so that a request costs no database read.
///
/// An entry is used while no API Gateway write happened on this node since it was loaded (``ChangeCounter``) and for
/// at most `lifetime`, so that a deployment made on another node of a PostgreSQL scale-out is served within it.
/// Stages that do not exist are remembered too, so that requests to unknown stages cannot load the database.
final class StageCache: Sendable {
    private struct Entry {
        var stage: CompiledStage?
        var generation: Int
        var loadedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(1), capacity: Int = 1000) {
        self.lifetime = lifetime
        self.capacity = max(capacity, 1)
    }

    /// The stage, from the cache or from `load`.
    /// - Parameters:
    ///   - restApiId: the API.
    ///   - stageName: the stage.
    ///   - generation: the store's change count now, read before loading.
    ///   - load: reads the stage from the store.
    func stage(
        restApiId: String,
        stageName: String,
        generation: Int,
        load: () async throws -> DeployedStage?
    ) async throws -> CompiledStage? {
        let key = restApiId + "/" + stageName
        let now = ContinuousClock.now
        let cached = entries.withLock { entries -> Entry? in
            guard let entry = entries[key], entry.generation == generation, now - entry.loadedAt < lifetime else { return nil }
            return entry
        }
        if let cached { return cached.stage }
        let compiled = try await load().map(CompiledStage.init)
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= capacity {
                entries = entries.filter { now - $0.value.loadedAt < lifetime && $0.value.generation == generation }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = Entry(stage: compiled, generation: generation, loadedAt: now)
        }
        return compiled
    }
}
