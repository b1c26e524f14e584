// The @testable imports need a build with testing enabled: debug builds, and the fuzz build of scripts/fuzz.sh.
#if DEBUG || MOAT_FUZZING
import Foundation
import MoatCore
@testable import MoatWire

/// restJson1: one input is a whole HTTP request written as text (see ``FuzzRequest``), so the fuzzer picks the method,
/// path, query string, headers and body.
///
/// The request goes, signed, through the whole endpoint to a small restJson1 model: URI labels (plain, numeric,
/// greedy), a template with a required query parameter, query-string scalars, lists and a catch-all map, headers
/// (scalar, list, timestamp, JSON value), a header-prefix map, blob, string and structure payloads, and body members
/// of every type. Implemented operations echo their input. The routed operation's input is also decoded directly,
/// which reaches the operation Moat does not implement.
///
/// Invariants: no trap; every response is JSON (or a payload) with a request id and no internal failure; input that
/// passes validation is answered 200 and decodes into the request type; what the echo writes to headers, payload and
/// body decodes back to the input.
struct RestJSONFuzz: Sendable {
    static let shared = RestJSONFuzz()

    let endpoint: FuzzEndpoint
    let codec = ServiceCodec(model: RestModel.model)
    let validator = ShapeValidator(schema: RestModel.model.schema)

    init() {
        endpoint = FuzzEndpoint(services: [FuzzEndpoint.binding(RestModel.model) { _, input in input }])
    }

    func run(_ bytes: [UInt8]) {
        let request = FuzzSigner.sign(FuzzRequest(parsing: bytes), service: RestModel.model.signingName)
        let wire = WireRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
            sourceIp: "192.0.2.1"
        )
        let response = endpoint.handle(request)
        let routing = try? endpoint.endpoint.route(wire)
        let decoded = routing.flatMap { routing in
            try? codec.decodeInput(wire, operation: routing.operation, queryParameters: routing.parameters, labels: routing.labels)
        }
        FuzzEndpoint.check(response)
        if let decoded { FuzzCompare.requireWritableTimestamps(decoded) }
        FuzzEndpoint.requireVerified(response, query: request.query)
        if FuzzEndpoint.signatureRefusal(response) != nil { return }

        guard let routing else {
            FuzzDriver.require(response.status >= 400, "unroutable request answered \(response.status)")
            return
        }
        let operation = routing.operation
        guard let inputName = operation.input, let input = decoded else {
            FuzzDriver.require(response.status >= 400, "undecodable \(operation.name) answered \(response.status)")
            return
        }
        let valid = validator.violations(of: input, shape: inputName).isEmpty
        guard operation.isImplemented else {
            FuzzDriver.require(response.status == 501, "\(operation.name) answered \(response.status)")
            return
        }
        FuzzDriver.require(
            response.status == (valid ? operation.successStatus : 400),
            "valid=\(valid) \(operation.name) answered \(response.status)"
        )
        guard valid else { return }
        RestModel.requireTypedDecoding(operation.name, input)
        requireEcho(input, of: operation, in: response)
    }

    /// The echoed members that travel in the response (headers, header maps, payload, body) decode back to the input.
    private func requireEcho(_ input: WireValue, of operation: OperationDescriptor, in response: WireResponse) {
        guard let shape = operation.input.flatMap({ RestModel.model.schema[$0] }), case .object(let sent) = input else { return }
        let reply = WireRequest(method: "POST", path: "/", query: "", headers: response.headers, body: response.body, sourceIp: "")
        let echoed: WireValue
        do {
            echoed = try codec.decodeInput(reply, operation: operation, queryParameters: [], labels: [:])
        } catch {
            FuzzDriver.require(
                false,
                "echo of \(operation.name) does not decode: \(error.message)\n\(response.headers)\n\(FuzzDriver.text(response.body))"
            )
            return
        }
        guard case .object(let received) = echoed else { return }
        for member in shape.members where [.header, .headers, .body].contains(member.location) {
            let original = sent[member.name] ?? .null
            let again = received[member.name] ?? .null
            if !RestModel.survivesHeaders(original, member: member) { continue }
            FuzzCompare.requireSame(original, again, "\(operation.name).\(member.name) echoes as \(again), sent \(original)")
        }
    }
}

/// A small restJson1 service that binds members to every location.
enum RestModel {
    static let model = ServiceModel(
        name: "fuzzrest",
        signingName: "fuzzrest",
        actionPrefix: "fuzzrest",
        wireProtocol: .restJSON,
        apiVersion: "2024-01-01",
        botocoreVersion: "fuzz",
        schema: ShapeSchema(shapes),
        operations: [
            OperationDescriptor(
                name: "PutThing",
                httpMethod: "PUT",
                requestURI: "/things/{Name}/items/{Id}",
                successStatus: 201,
                input: "PutThingRequest",
                output: "PutThingRequest",
                isImplemented: true
            ),
            OperationDescriptor(
                name: "UploadBlob",
                httpMethod: "POST",
                requestURI: "/blobs/{Key+}",
                input: "UploadBlobRequest",
                output: "UploadBlobRequest",
                isImplemented: true
            ),
            OperationDescriptor(
                name: "PostDocument",
                httpMethod: "POST",
                requestURI: "/documents?kind=doc",
                input: "PostDocumentRequest",
                output: "PostDocumentRequest",
                isImplemented: true
            ),
            OperationDescriptor(
                name: "PutText",
                httpMethod: "PUT",
                requestURI: "/text/{Name}",
                input: "PutTextRequest",
                output: "PutTextRequest",
                isImplemented: true
            ),
            OperationDescriptor(name: "DeleteThing", httpMethod: "DELETE", requestURI: "/things/{Name}", input: "DeleteThingRequest"),
        ]
    )

    static let shapes: [Shape] = [
        Shape(
            name: "PutThingRequest",
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "Name", location: .uri, locationName: "Name", isRequired: true),
                ShapeMember(name: "Id", shape: "Count", location: .uri, locationName: "Id", isRequired: true),
                ShapeMember(name: "Version", shape: "Count", location: .querystring, locationName: "version"),
                ShapeMember(name: "Tags", shape: "NameList", location: .querystring, locationName: "tag"),
                ShapeMember(name: "Stamps", shape: "StampList", location: .querystring, locationName: "at"),
                ShapeMember(name: "Filters", shape: "Attributes", location: .querystring),
                ShapeMember(name: "Trace", shape: "Text", location: .header, locationName: "X-Trace"),
                ShapeMember(name: "Flags", shape: "NameList", location: .header, locationName: "X-Flags"),
                ShapeMember(name: "Limit", shape: "Count", location: .header, locationName: "X-Limit"),
                ShapeMember(name: "Enabled", shape: "Flag", location: .header, locationName: "X-Enabled"),
                ShapeMember(name: "Since", shape: "Stamp", location: .header, locationName: "X-Since"),
                ShapeMember(name: "Policy", shape: "Text", location: .header, locationName: "X-Policy", isJSONValue: true),
                ShapeMember(name: "Meta", shape: "Attributes", location: .headers, locationName: "X-Meta-"),
                ShapeMember(name: "Description", shape: "Text"),
                ShapeMember(name: "Count", shape: "Count"),
                ShapeMember(name: "Ratio", shape: "Ratio"),
                ShapeMember(name: "When", shape: "Stamp"),
                ShapeMember(name: "WhenIso", shape: "Stamp", timestampFormat: "iso8601"),
                ShapeMember(name: "Data", shape: "Bytes"),
                ShapeMember(name: "Items", shape: "ItemList", locationName: "items"),
                ShapeMember(name: "Lookup", shape: "Lookup"),
                ShapeMember(name: "Child", shape: "Nested"),
            ]
        ),
        Shape(
            name: "UploadBlobRequest",
            type: .structure,
            members: [
                ShapeMember(name: "Key", shape: "Text", location: .uri, locationName: "Key", isRequired: true),
                ShapeMember(name: "Checksum", shape: "Text", location: .header, locationName: "X-Checksum"),
                ShapeMember(name: "Size", shape: "Total", location: .header, locationName: "X-Size"),
                ShapeMember(name: "Body", shape: "Bytes", isPayload: true),
            ]
        ),
        Shape(
            name: "PostDocumentRequest",
            type: .structure,
            members: [
                ShapeMember(name: "Limit", shape: "Count", location: .querystring, locationName: "limit"),
                ShapeMember(name: "Document", shape: "Nested", isPayload: true),
            ]
        ),
        Shape(
            name: "PutTextRequest",
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "Name", location: .uri, locationName: "Name", isRequired: true),
                ShapeMember(name: "Text", shape: "Text", isPayload: true),
            ]
        ),
        Shape(
            name: "DeleteThingRequest",
            type: .structure,
            members: [ShapeMember(name: "Name", shape: "Name", location: .uri, locationName: "Name", isRequired: true)]
        ),
        Shape(
            name: "Nested",
            type: .structure,
            members: [
                ShapeMember(name: "Title", shape: "Name", isRequired: true),
                ShapeMember(name: "Names", shape: "NameList"),
                ShapeMember(name: "Stamp", shape: "Stamp", timestampFormat: "rfc822"),
                ShapeMember(name: "Next", shape: "Nested"),
            ]
        ),
        Shape(name: "Item", type: .structure, members: [
            ShapeMember(name: "Key", shape: "Name", isRequired: true), ShapeMember(name: "Value", shape: "Ratio"),
        ]),
        Shape(name: "ItemList", type: .list, member: ShapeReference(shape: "Item"), max: 8),
        Shape(name: "NameList", type: .list, member: ShapeReference(shape: "Name"), max: 8),
        Shape(name: "StampList", type: .list, member: ShapeReference(shape: "Stamp")),
        Shape(name: "Attributes", type: .map, key: ShapeReference(shape: "Text"), value: ShapeReference(shape: "Text"), max: 8),
        Shape(name: "Lookup", type: .map, key: ShapeReference(shape: "Name"), value: ShapeReference(shape: "Item")),
        Shape(name: "Name", type: .string, min: 1, max: 32, pattern: #"[\w+=,.@-]+"#),
        Shape(name: "Text", type: .string, max: 256),
        Shape(name: "Count", type: .integer, min: 0, max: 1000),
        Shape(name: "Total", type: .long),
        Shape(name: "Ratio", type: .double),
        Shape(name: "Flag", type: .boolean),
        Shape(name: "Stamp", type: .timestamp),
        Shape(name: "Bytes", type: .blob),
    ]

    /// Whether a member's value can come back from a response header: list items are joined with `,` and split and
    /// trimmed again, so items with commas or surrounding whitespace cannot (as with AWS).
    static func survivesHeaders(_ value: WireValue, member: ShapeMember) -> Bool {
        guard member.location == .header, case .list(let items) = value else { return true }
        return items.allSatisfy { item in
            guard case .string(let text) = item else { return true }
            return !text.contains(",") && text == text.trimmingCharacters(in: .whitespaces)
        }
    }

    static func requireTypedDecoding(_ operation: String, _ input: WireValue) {
        do {
            switch operation {
            case "PutThing": _ = try WireValueDecoder().decode(PutThing.self, from: input)
            case "UploadBlob": _ = try WireValueDecoder().decode(UploadBlob.self, from: input)
            case "PostDocument": _ = try WireValueDecoder().decode(PostDocument.self, from: input)
            case "PutText": _ = try WireValueDecoder().decode(PutText.self, from: input)
            default: break
            }
        } catch {
            FuzzDriver.require(false, "valid \(operation) input does not decode: \(error)")
        }
    }

    // What the code generator would write for the request shapes.

    struct PutThing: Decodable {
        var name: String
        var id: Int
        var version: Int?
        var tags: [String]?
        var stamps: [Date]?
        var filters: [String: String]?
        var trace: String?
        var flags: [String]?
        var limit: Int?
        var enabled: Bool?
        var since: Date?
        var policy: String?
        var meta: [String: String]?
        var description: String?
        var count: Int?
        var ratio: Double?
        var when: Date?
        var whenIso: Date?
        var data: Data?
        var items: [Item]?
        var lookup: [String: Item]?
        var child: Nested?

        private enum CodingKeys: String, CodingKey {
            case name = "Name", id = "Id", version = "Version", tags = "Tags", stamps = "Stamps", filters = "Filters"
            case trace = "Trace", flags = "Flags", limit = "Limit", enabled = "Enabled", since = "Since", policy = "Policy"
            case meta = "Meta", description = "Description", count = "Count", ratio = "Ratio", when = "When"
            case whenIso = "WhenIso", data = "Data", items = "Items", lookup = "Lookup", child = "Child"
        }
    }

    struct Item: Decodable {
        var key: String
        var value: Double?
        private enum CodingKeys: String, CodingKey {
            case key = "Key", value = "Value"
        }
    }

    final class Nested: Decodable {
        let title: String
        let names: [String]?
        let stamp: Date?
        let next: Nested?
        private enum CodingKeys: String, CodingKey {
            case title = "Title", names = "Names", stamp = "Stamp", next = "Next"
        }
    }

    struct UploadBlob: Decodable {
        var key: String
        var checksum: String?
        var size: Int64?
        var body: Data?
        private enum CodingKeys: String, CodingKey {
            case key = "Key", checksum = "Checksum", size = "Size", body = "Body"
        }
    }

    struct PostDocument: Decodable {
        var limit: Int?
        var document: Nested?
        private enum CodingKeys: String, CodingKey {
            case limit = "Limit", document = "Document"
        }
    }

    struct PutText: Decodable {
        var name: String
        var text: String?
        private enum CodingKeys: String, CodingKey {
            case name = "Name", text = "Text"
        }
    }
}
#else
import Foundation
#endif

#if MOAT_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RestJSONFuzz.shared.run(FuzzDriver.bytes(data, size))
    return 0
}
#elseif DEBUG
@main
enum RestJSONReplay {
    static func main() {
        exit(FuzzDriver.replay(Array(CommandLine.arguments.dropFirst()), RestJSONFuzz.shared.run))
    }
}
#else
@main
enum RestJSONReplay {
    static func main() {
        FileHandle.standardError.write(Data("MoatFuzzRestJSON replays inputs in debug builds only; fuzz with scripts/fuzz.sh.\n".utf8))
        exit(69)
    }
}
#endif
