import Foundation
import MoatCore

/// Turns requests into operation inputs and outputs and errors into responses, in the protocol of one service.
struct ServiceCodec: Sendable {
    let model: ServiceModel
    private let json: JSONShapeCodec

    init(model: ServiceModel) {
        self.model = model
        self.json = JSONShapeCodec(schema: model.schema)
    }

    var schema: ShapeSchema { model.schema }

    // MARK: input

    func decodeInput(_ request: WireRequest, operation: OperationDescriptor, queryParameters: [(String, String)], labels: [String: String])
        throws(CodecError) -> WireValue
    {
        guard let inputName = operation.input, let shape = schema[inputName] else { return .object([:]) }
        switch model.wireProtocol {
        case .query:
            return try QueryInputDecoder(schema: schema).decode(parameters: queryParameters, shape: inputName)
        case .json:
            if request.body.isEmpty { return .object([:]) }
            return try json.decodeStructure(try parseJSON(request.body), shape: shape, path: "")
        case .restJSON:
            return try decodeRESTInput(request, shape: shape, queryParameters: queryParameters, labels: labels)
        }
    }

    private func parseJSON(_ body: [UInt8]) throws(CodecError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw CodecError(path: "", message: "Could not parse request body into json: \(error.reason) at offset \(error.offset)")
        }
    }

    private func decodeRESTInput(_ request: WireRequest, shape: Shape, queryParameters: [(String, String)], labels: [String: String])
        throws(CodecError) -> WireValue
    {
        var members: [String: WireValue] = [:]
        var bodyMembers = false
        for member in shape.members {
            let path = ShapeValidator.lowerFirst(member.name)
            guard let memberShape = schema[member.shape] else { continue }
            switch member.location {
            case .uri:
                if let text = labels[member.wireName] { members[member.name] = try ScalarText.decode(text, shape: memberShape, path: path) }
            case .querystring:
                if memberShape.type == .map {
                    // A map bound to the query string takes every parameter no other member claims.
                    let claimed = Set(shape.members.filter { $0.location == .querystring && $0.name != member.name }.map(\.wireName))
                    var entries: [String: WireValue] = [:]
                    for (name, value) in queryParameters where !claimed.contains(name) { entries[name] = .string(value) }
                    if !entries.isEmpty { members[member.name] = .object(entries) }
                } else if memberShape.type == .list {
                    let values = queryParameters.filter { $0.0 == member.wireName }.map(\.1)
                    if !values.isEmpty, let element = memberShape.member.flatMap({ schema[$0.shape] }) {
                        var items: [WireValue] = []
                        for value in values { items.append(try ScalarText.decode(value, shape: element, path: path)) }
                        members[member.name] = .list(items)
                    }
                } else if let value = queryParameters.first(where: { $0.0 == member.wireName })?.1 {
                    members[member.name] = try ScalarText.decode(value, shape: memberShape, path: path)
                }
            case .header:
                if let value = request.header(member.wireName) {
                    if memberShape.type == .list, let element = memberShape.member.flatMap({ schema[$0.shape] }) {
                        var items: [WireValue] = []
                        for part in value.split(separator: ",") {
                            items.append(try ScalarText.decode(part.trimmingCharacters(in: .whitespaces), shape: element, path: path))
                        }
                        members[member.name] = .list(items)
                    } else if member.isJSONValue, let data = Data(base64Encoded: value) {
                        members[member.name] = .string(String(decoding: data, as: UTF8.self))
                    } else {
                        members[member.name] = try ScalarText.decode(value, shape: memberShape, path: path)
                    }
                }
            case .headers:
                let prefix = member.wireName.lowercased()
                var entries: [String: WireValue] = [:]
                for header in request.headers where header.name.lowercased().hasPrefix(prefix) {
                    entries[String(header.name.dropFirst(prefix.count))] = .string(header.value)
                }
                if !entries.isEmpty { members[member.name] = .object(entries) }
            case .statusCode:
                continue
            case .body:
                if member.isPayload {
                    members[member.name] = try decodePayload(request.body, shape: memberShape, path: path)
                } else {
                    bodyMembers = true
                }
            }
        }
        if bodyMembers, !request.body.isEmpty {
            let body = try json.decodeStructure(try parseJSON(request.body), shape: shape, path: "") { $0.location != .body || $0.isPayload }
            if case .object(let fromBody) = body { members.merge(fromBody) { current, _ in current } }
        }
        return .object(members)
    }

    private func decodePayload(_ body: [UInt8], shape: Shape, path: String) throws(CodecError) -> WireValue {
        switch shape.type {
        case .blob: return body.isEmpty ? .null : .blob(Data(body))
        case .string: return body.isEmpty ? .null : .string(String(decoding: body, as: UTF8.self))
        default:
            if body.isEmpty { return .null }
            return try json.decode(try parseJSON(body), shapeName: shape.name, path: path)
        }
    }

    // MARK: output

    func encodeOutput(_ output: WireValue, operation: OperationDescriptor, requestId: String) -> WireResponse {
        switch model.wireProtocol {
        case .query:
            let xml = QueryResponseWriter(schema: schema, xmlNamespace: model.xmlNamespace ?? "").response(
                operation: operation,
                output: output,
                requestId: requestId
            )
            return WireResponse(
                status: 200,
                headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestId)],
                body: Array(xml.utf8)
            )
        case .json:
            var text = ""
            if let shape = operation.output.flatMap({ schema[$0] }) {
                JSONWriter.write(json.encodeStructure(output, shape: shape), into: &text)
            } else {
                text = "{}"
            }
            return WireResponse(
                status: 200,
                headers: [("Content-Type", "application/x-amz-json-\(model.jsonVersion ?? "1.1")"), ("x-amzn-RequestId", requestId)],
                body: Array(text.utf8)
            )
        case .restJSON:
            return encodeRESTOutput(output, operation: operation, requestId: requestId)
        }
    }

    private func encodeRESTOutput(_ output: WireValue, operation: OperationDescriptor, requestId: String) -> WireResponse {
        var response = WireResponse(status: operation.successStatus, headers: [("x-amzn-RequestId", requestId)])
        guard let shape = operation.output.flatMap({ schema[$0] }), case .object(let members) = output else {
            return response
        }
        var hasBodyMembers = false
        var payloadContentType: String?
        for member in shape.members {
            guard let value = members[member.name], value != .null else {
                if member.location == .body && !member.isPayload { hasBodyMembers = true }
                continue
            }
            switch member.location {
            case .header:
                if member.isJSONValue, case .string(let text) = value {
                    response.headers.append((member.wireName, Data(text.utf8).base64EncodedString()))
                } else if case .list(let items) = value {
                    response.headers.append((member.wireName, items.map(ScalarText.encode).joined(separator: ",")))
                } else if case .timestamp(let date) = value {
                    response.headers.append((member.wireName, Timestamp.httpDate(date)))
                } else {
                    response.headers.append((member.wireName, ScalarText.encode(value)))
                }
            case .headers:
                if case .object(let entries) = value {
                    for (name, item) in entries.sorted(by: { $0.key < $1.key }) {
                        response.headers.append((member.wireName + name, ScalarText.encode(item)))
                    }
                }
            case .statusCode:
                if case .integer(let status) = value { response.status = Int(status) }
            case .body where member.isPayload:
                switch value {
                case .blob(let data):
                    response.body = Array(data)
                    payloadContentType = "application/octet-stream"
                case .string(let text):
                    response.body = Array(text.utf8)
                    payloadContentType = "text/plain"
                default:
                    var text = ""
                    JSONWriter.write(json.encode(value, shapeName: member.shape), into: &text)
                    response.body = Array(text.utf8)
                    payloadContentType = "application/json"
                }
            case .body:
                hasBodyMembers = true
            case .uri, .querystring:
                continue
            }
        }
        if hasBodyMembers {
            var text = ""
            JSONWriter.write(json.encodeStructure(output, shape: shape) { $0.location == .body && !$0.isPayload }, into: &text)
            response.body = Array(text.utf8)
            response.headers.append(("Content-Type", "application/json"))
        }
        // A payload's own type (a member bound to Content-Type, such as GetExport's) wins over the default for its kind.
        if let payloadContentType, !response.headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            response.headers.append(("Content-Type", payloadContentType))
        }
        return response
    }

    // MARK: errors

    func encodeError(_ error: ServiceError, requestId: String) -> WireResponse {
        Self.encodeError(error, wireProtocol: model.wireProtocol, jsonVersion: model.jsonVersion, xmlNamespace: model.xmlNamespace, requestId: requestId)
    }

    static func encodeError(_ error: ServiceError, wireProtocol: WireProtocol, jsonVersion: String?, xmlNamespace: String?, requestId: String)
        -> WireResponse
    {
        switch wireProtocol {
        case .query:
            let xml = QueryResponseWriter.error(error, xmlNamespace: xmlNamespace, requestId: requestId)
            return WireResponse(
                status: error.httpStatus,
                headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestId)],
                body: Array(xml.utf8)
            )
        case .json, .restJSON:
            var pairs: [(String, JSONValue)] = []
            if wireProtocol == .json { pairs.append(("__type", .string(error.code))) }
            pairs.append(("message", .string(error.message)))
            let extras = JSONShapeCodec(schema: ShapeSchema([]))
            for (name, value) in error.extraMembers.sorted(by: { $0.key < $1.key }) { pairs.append((name, extras.encode(value, shapeName: ""))) }
            var text = ""
            JSONWriter.write(.object(pairs), into: &text)
            let contentType = wireProtocol == .json ? "application/x-amz-json-\(jsonVersion ?? "1.1")" : "application/json"
            return WireResponse(
                status: error.httpStatus,
                headers: [("Content-Type", contentType), ("x-amzn-RequestId", requestId), ("x-amzn-ErrorType", error.code)],
                body: Array(text.utf8)
            )
        }
    }
}
