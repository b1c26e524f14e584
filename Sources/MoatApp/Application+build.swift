public import Foundation
public import Hummingbird
public import Logging
import Metrics
import MoatAPIGateway
import MoatCognito
import MoatCore
import MoatIAM
import MoatLambda
import MoatLogs
import MoatStorage
import MoatWire
import NIOCore
import Prometheus
import ServiceLifecycle

/// Builds Moat: opens the database, applies migrations, wires the domains to the AWS endpoint and the HTTP server.
///
/// - Parameters:
///   - configuration: the resolved command-line configuration.
///   - logger: the root logger.
///   - announce: receives what a user must see on the console (the generated root key's `export` lines).
/// - Returns: the application, ready to run; its services close the database on shutdown.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger,
    announce: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
) async throws -> some ApplicationProtocol {
    let core = try await MoatDomains.open(configuration, logger: logger)
    if let generated = try await core.ensureRootKey() {
        announce(
            """
            Moat generated a root access key for this data directory. Point boto3 and the AWS CLI at Moat with:
            export AWS_ACCESS_KEY_ID=\(generated.accessKeyId)
            export AWS_SECRET_ACCESS_KEY=\(generated.secretAccessKey)
            export AWS_ENDPOINT_URL=\(configuration.resolvedPublicURL)
            export AWS_DEFAULT_REGION=\(configuration.region)
            """
        )
    }

    let registry = PrometheusCollectorRegistry()
    let endpoint = AWSEndpoint(
        configuration: AWSEndpointConfiguration(
            accountId: configuration.accountId,
            region: configuration.region,
            allowedClockSkew: configuration.allowedClockSkew,
            maximumBodySize: configuration.maximumBodySize
        ),
        services: core.serviceBindings,
        credentials: core.iam.credentials,
        authorizer: core.iam.authorizer,
        metricsFactory: PrometheusMetricsFactory(registry: registry)
    )

    let router = Router(context: MoatRequestContext.self)
    router.get("/_moat/health") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
    }
    router.get("/_moat/metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
        )
    }
    // A pool's public keys and discovery document, where JWT libraries look for them (`{issuer}/.well-known/…`).
    router.get("/:poolId/.well-known/jwks.json") { _, context in
        let document = try await core.cognito.jwks(poolId: context.parameters.get("poolId") ?? "")
        return wellKnownResponse(document)
    }
    router.get("/:poolId/.well-known/openid-configuration") { _, context in
        let document = try await core.cognito.openIDConfiguration(poolId: context.parameters.get("poolId") ?? "")
        return wellKnownResponse(document)
    }
    if configuration.allowReset {
        let reset: @Sendable (Request, MoatRequestContext) async throws -> Response = { _, context in
            try await core.reset()
            context.logger.notice("all state was reset")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"reset\"}")))
        }
        router.post("/_moat/reset", use: reset)
        router.post("/moto-api/reset", use: reset)
    }

    let upstreamClient = UpstreamClient()
    let gateway = core.apiGateway.dataPlane(
        backends: GatewayBackends(
            functions: LambdaGatewayFunctions(lambda: core.lambda, accountId: configuration.accountId, region: configuration.region, logger: logger),
            userPools: CognitoGatewayUserPools(cognito: core.cognito),
            callers: IAMGatewayCallers(
                credentials: core.iam.credentials, authorizer: core.iam.authorizer, region: configuration.region,
                allowedSkew: configuration.allowedClockSkew
            ),
            upstream: HTTPClientUpstream(client: upstreamClient),
            accessLog: LogsGatewayAccessLog(buffer: core.functionLogs)
        ),
        accountId: configuration.accountId,
        region: configuration.region
    )
    let responder = MoatResponder(
        ownRoutes: router.buildResponder(),
        endpoint: endpoint,
        gateway: gateway,
        maximumBodySize: configuration.maximumBodySize,
        maximumHeaderSize: configuration.maximumHeaderSize,
        inFlight: InFlightLimit(maximum: configuration.maximumConcurrentRequests)
    )
    let idle = configuration.idleTimeout.components
    return Application(
        responder: responder,
        server: .pinnedHTTP1(configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Moat"),
        services: [
            DatabaseService(database: core.database),
            HTTPClientService(client: upstreamClient),
            PeriodicSweeper(name: "expired STS sessions", interval: .seconds(60), logger: logger) { now in
                try await core.iam.deleteExpiredSessions(before: now)
            },
            PeriodicSweeper(name: "expired Cognito challenges and refresh tokens", interval: .seconds(300), logger: logger) { now in
                _ = try await core.cognito.deleteExpired(now: now)
            },
            PeriodicSweeper(name: "log events past their retention", interval: .seconds(300), logger: logger) { now in
                _ = try await core.logs.deleteExpiredEvents(now: now)
            },
            // Shut down in reverse: instances stop, then their last lines are written, then the database closes.
            core.functionLogs,
            LambdaLifecycle(
                lambda: core.lambda,
                executor: core.executor,
                configuration: EventRunnerConfiguration(retryDelays: configuration.lambdaEventRetryDelays),
                pythonSDKToInstall: core.pythonSDKToInstall,
                logger: logger
            ),
        ],
        logger: logger
    )
}

/// A JSON document, or 404 when the pool does not exist.
func wellKnownResponse(_ document: String?) -> Response {
    guard let document else {
        return Response(
            status: .notFound, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"message\":\"User pool does not exist.\"}")))
    }
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document)))
}

/// Shuts the integrations' HTTP client down with the server.
struct HTTPClientService: Service {
    let client: UpstreamClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}

/// Closes the database when the server shuts down.
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        await database.close()
    }
}
