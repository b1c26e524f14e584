import Foundation
import MoatCore
import MoatStorage
import SQLKit

/// API Gateway's tables: REST APIs (attributes and definition, each a JSON document), their deployments (each with
/// the snapshot of the definition it froze) and their stages.
///
/// A write to an API locks its row first (``api(_:locking:)`` inside ``transaction(_:)``), so the changes of one API
/// are serial on both backends, and a failed operation rolls back whole.
struct APIGatewayStore: Sendable {
    let database: Database
    /// Bumped after every transaction, so that the data plane's cached stages are reloaded after a write.
    let changes = ChangeCounter()

    static let migrations: [Migration] = [
        Migration(
            module: "apigateway",
            name: "001-rest-apis-deployments-stages",
            statements: [
                """
                CREATE TABLE apigateway_rest_apis (
                    id TEXT PRIMARY KEY,
                    created_at BIGINT NOT NULL,
                    attributes TEXT NOT NULL,
                    definition TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE apigateway_deployments (
                    rest_api_id TEXT NOT NULL REFERENCES apigateway_rest_apis (id),
                    id TEXT NOT NULL,
                    description TEXT,
                    created_at BIGINT NOT NULL,
                    snapshot TEXT NOT NULL,
                    PRIMARY KEY (rest_api_id, id)
                )
                """,
                """
                CREATE TABLE apigateway_stages (
                    rest_api_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    deployment_id TEXT NOT NULL,
                    attributes TEXT NOT NULL,
                    PRIMARY KEY (rest_api_id, name),
                    FOREIGN KEY (rest_api_id, deployment_id) REFERENCES apigateway_deployments (rest_api_id, id)
                )
                """,
            ]
        )
    ]

    /// Runs `body` in one transaction: the store's methods called from it take part. Every write to stages and
    /// deployments runs in one, so ``changes`` moves once it is committed (or rolled back).
    func transaction<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        defer { changes.bump() }
        return try await database.transaction { _ in try await body() }
    }

    // MARK: REST APIs

    func insertAPI(_ api: RestApiRecord, createdAt: Date) async throws {
        try await database.sql.raw(
            """
            INSERT INTO apigateway_rest_apis (id, created_at, attributes, definition)
            VALUES (\(bind: api.id), \(bind: StoredTime.millis(createdAt)), \(bind: try StoredJSON.encode(api.attributes)),
                \(bind: try StoredJSON.encode(api.definition)))
            """
        ).run()
    }

    /// The API, its row locked until the transaction ends when `locking` (PostgreSQL; SQLite's transactions
    /// exclude every other writer already).
    func api(_ id: String, locking: Bool = false) async throws -> RestApiRecord? {
        var select = database.sql.select().columns("id", "attributes", "definition").from("apigateway_rest_apis").where("id", .equal, id)
        if locking { select = select.for(.update) }
        return try await select.first().map(Self.api)
    }

    /// APIs in creation order after the one with id `position`, at most `limit`.
    func apis(after position: String?, limit: Int) async throws -> [RestApiRecord] {
        let rows: [any SQLRow]
        if let position {
            rows = try await database.sql.raw(
                """
                SELECT a.id, a.attributes, a.definition FROM apigateway_rest_apis a, apigateway_rest_apis p
                WHERE p.id = \(bind: position) AND (a.created_at > p.created_at OR (a.created_at = p.created_at AND a.id > p.id))
                ORDER BY a.created_at, a.id LIMIT \(bind: limit)
                """
            ).all()
        } else {
            rows = try await database.sql.raw(
                "SELECT id, attributes, definition FROM apigateway_rest_apis ORDER BY created_at, id LIMIT \(bind: limit)"
            ).all()
        }
        return try rows.map(Self.api)
    }

    func saveAPI(_ api: RestApiRecord) async throws {
        try await database.sql.raw(
            """
            UPDATE apigateway_rest_apis SET attributes = \(bind: try StoredJSON.encode(api.attributes)),
                definition = \(bind: try StoredJSON.encode(api.definition))
            WHERE id = \(bind: api.id)
            """
        ).run()
    }

    /// Deletes the API with its stages and deployments; false when there was no such API.
    func deleteAPI(_ id: String) async throws -> Bool {
        try await transaction {
            guard try await api(id, locking: true) != nil else { return false }
            try await database.sql.raw("DELETE FROM apigateway_stages WHERE rest_api_id = \(bind: id)").run()
            try await database.sql.raw("DELETE FROM apigateway_deployments WHERE rest_api_id = \(bind: id)").run()
            try await database.sql.raw("DELETE FROM apigateway_rest_apis WHERE id = \(bind: id)").run()
            return true
        }
    }

    // MARK: deployments

    func insertDeployment(_ deployment: DeploymentRecord) async throws {
        try await database.sql.raw(
            """
            INSERT INTO apigateway_deployments (rest_api_id, id, description, created_at, snapshot)
            VALUES (\(bind: deployment.restApiId), \(bind: deployment.id), \(bind: deployment.description),
                \(bind: StoredTime.millis(deployment.createdDate)), \(bind: try StoredJSON.encode(deployment.snapshot)))
            """
        ).run()
    }

    func deployment(_ id: String, of restApiId: String) async throws -> DeploymentRecord? {
        try await database.sql.raw(
            "SELECT * FROM apigateway_deployments WHERE rest_api_id = \(bind: restApiId) AND id = \(bind: id)"
        ).first().map(Self.deployment)
    }

    /// The API's deployments, oldest first.
    func deployments(of restApiId: String) async throws -> [DeploymentRecord] {
        try await database.sql.raw(
            "SELECT * FROM apigateway_deployments WHERE rest_api_id = \(bind: restApiId) ORDER BY created_at, id"
        ).all().map(Self.deployment)
    }

    func deleteDeployment(_ id: String, of restApiId: String) async throws {
        try await database.sql.raw("DELETE FROM apigateway_deployments WHERE rest_api_id = \(bind: restApiId) AND id = \(bind: id)").run()
    }

    // MARK: stages

    func insertStage(_ stage: StageRecord) async throws {
        try await database.sql.raw(
            """
            INSERT INTO apigateway_stages (rest_api_id, name, deployment_id, attributes)
            VALUES (\(bind: stage.restApiId), \(bind: stage.name), \(bind: stage.deploymentId), \(bind: try StoredJSON.encode(stage.attributes)))
            """
        ).run()
    }

    func saveStage(_ stage: StageRecord) async throws {
        try await database.sql.raw(
            """
            UPDATE apigateway_stages
            SET deployment_id = \(bind: stage.deploymentId), attributes = \(bind: try StoredJSON.encode(stage.attributes))
            WHERE rest_api_id = \(bind: stage.restApiId) AND name = \(bind: stage.name)
            """
        ).run()
    }

    func stage(_ name: String, of restApiId: String) async throws -> StageRecord? {
        try await database.sql.raw(
            "SELECT * FROM apigateway_stages WHERE rest_api_id = \(bind: restApiId) AND name = \(bind: name)"
        ).first().map(Self.stage)
    }

    /// The API's stages by name, only those on `deploymentId` when given.
    func stages(of restApiId: String, deploymentId: String? = nil) async throws -> [StageRecord] {
        let rows: [any SQLRow]
        if let deploymentId {
            rows = try await database.sql.raw(
                """
                SELECT * FROM apigateway_stages WHERE rest_api_id = \(bind: restApiId) AND deployment_id = \(bind: deploymentId)
                ORDER BY name
                """
            ).all()
        } else {
            rows = try await database.sql.raw("SELECT * FROM apigateway_stages WHERE rest_api_id = \(bind: restApiId) ORDER BY name").all()
        }
        return try rows.map(Self.stage)
    }

    /// False when there was no such stage.
    func deleteStage(_ name: String, of restApiId: String) async throws -> Bool {
        try await transaction {
            guard try await stage(name, of: restApiId) != nil else { return false }
            try await database.sql.raw("DELETE FROM apigateway_stages WHERE rest_api_id = \(bind: restApiId) AND name = \(bind: name)")
                .run()
            return true
        }
    }

    /// The stage and the deployment it serves, read together in one statement.
    func deployedStage(_ name: String, of restApiId: String) async throws -> (StageRecord, DeploymentRecord)? {
        guard
            let row = try await database.sql.raw(
                """
                SELECT s.name, s.attributes, d.rest_api_id, d.id, d.description, d.created_at, d.snapshot
                FROM apigateway_stages s
                JOIN apigateway_deployments d ON d.rest_api_id = s.rest_api_id AND d.id = s.deployment_id
                WHERE s.rest_api_id = \(bind: restApiId) AND s.name = \(bind: name)
                """
            ).first()
        else { return nil }
        return (try Self.stage(row), try Self.deployment(row))
    }

    func deleteAll() async throws {
        try await transaction {
            try await database.sql.raw("DELETE FROM apigateway_stages").run()
            try await database.sql.raw("DELETE FROM apigateway_deployments").run()
            try await database.sql.raw("DELETE FROM apigateway_rest_apis").run()
        }
    }

    // MARK: rows

    private static func api(_ row: any SQLRow) throws -> RestApiRecord {
        RestApiRecord(
            id: try row.decode(column: "id", as: String.self),
            attributes: try StoredJSON.decode(APIGateway.RestApi.self, try row.decode(column: "attributes", as: String.self)),
            definition: try StoredJSON.decode(APIDefinition.self, try row.decode(column: "definition", as: String.self))
        )
    }

    private static func deployment(_ row: any SQLRow) throws -> DeploymentRecord {
        DeploymentRecord(
            restApiId: try row.decode(column: "rest_api_id", as: String.self),
            id: try row.decode(column: "id", as: String.self),
            description: try row.decodeNil(column: "description") ? nil : try row.decode(column: "description", as: String.self),
            createdDate: StoredTime.date(try row.decode(column: "created_at", as: Int64.self)),
            snapshot: try StoredJSON.decode(APIDefinition.self, try row.decode(column: "snapshot", as: String.self))
        )
    }

    private static func stage(_ row: any SQLRow) throws -> StageRecord {
        StageRecord(
            restApiId: try row.decode(column: "rest_api_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            attributes: try StoredJSON.decode(APIGateway.Stage.self, try row.decode(column: "attributes", as: String.self))
        )
    }
}
