import Foundation
import MoatCore
import Synchronization

/// Where the control plane finds the data plane, which is made after it (it needs the other domains).
final class DataPlaneSlot: Sendable {
    private let plane = Mutex<APIGatewayDataPlane?>(nil)

    var current: APIGatewayDataPlane? { plane.withLock { $0 } }
    func set(_ dataPlane: APIGatewayDataPlane) { plane.withLock { $0 = dataPlane } }
}

extension APIGatewayService {
    /// TestInvokeMethod: the method as currently defined, called without its authorizer, with the execution log.
    func testInvokeMethod(_ input: APIGateway.TestInvokeMethodRequest, context: OperationContext) async throws -> APIGateway.TestInvokeMethodResponse {
        let record = try await existing(input.restApiId, context: context)
        let resource = try record.definition.resource(input.resourceId)
        let method = try record.definition.method(input.httpMethod, of: input.resourceId)
        guard method.methodIntegration != nil else { throw GatewayError.noIntegration }
        guard let dataPlane = dataPlane.current else {
            throw ServiceError(APIGateway.Errors.serviceUnavailable, "The data plane is not running")
        }
        let target = input.pathWithQueryString ?? resource.path ?? "/"
        let path = String(target.prefix { $0 != "?" })
        let query = FormEncoding.parse(target.dropFirst(path.count + 1)).map { (name: $0.0, value: $0.1) }
        var headers: [(name: String, value: String)] = (input.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        for (name, values) in (input.multiValueHeaders ?? [:]).sorted(by: { $0.key < $1.key }) where input.headers?[name] == nil {
            headers += values.map { (name, $0) }
        }
        let request = IncomingRequest(
            httpMethod: input.httpMethod == "ANY" ? "GET" : input.httpMethod,
            path: path,
            headers: headers,
            query: query,
            body: Array((input.body ?? "").utf8),
            sourceIp: "test-invoke-source-ip",
            requestId: context.requestId,
            extendedRequestId: "test-invoke-extendedRequestId",
            time: context.now,
            domainName: "testPrefix.testDomainName",
            protocolVersion: "HTTP/1.1"
        )
        let result = await dataPlane.testInvoke(
            definition: record.definition,
            restApiId: record.id,
            resource: resource,
            method: method,
            request: request,
            stageVariables: input.stageVariables ?? [:],
            binaryMediaTypes: record.attributes.binaryMediaTypes ?? []
        )
        var single: [String: String] = [:]
        var multi: [String: [String]] = [:]
        for (name, value) in result.answer.headers {
            single[name] = value
            multi[name, default: []].append(value)
        }
        return APIGateway.TestInvokeMethodResponse(
            status: result.answer.status,
            body: String(decoding: result.answer.body, as: UTF8.self),
            headers: single,
            multiValueHeaders: multi,
            log: result.log,
            latency: Int64(result.latency)
        )
    }
}
