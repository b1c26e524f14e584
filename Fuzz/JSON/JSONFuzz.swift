// The @testable imports need a build with testing enabled: debug builds, and the fuzz build of scripts/fuzz.sh.
#if DEBUG || MOAT_FUZZING
import Foundation
import MoatCore
@testable import MoatWire

/// awsJson: one input is a request body.
///
/// The strict JSON parser reads it with every option; a document it accepts is written back and must parse to the
/// same value. The body then goes, signed, through the whole endpoint to an operation of a small awsJson model
/// (lists, maps, nested and recursive structures, every scalar type, the three timestamp formats, blobs) that echoes
/// its input; and straight through the model codec and validator.
///
/// Invariants: no trap; every response is a JSON document with a request id and no internal failure; decoded input
/// survives encoding (as the echoed output, and directly) and decoding again; input that passes validation decodes
/// into the request type.
struct JSONFuzz: Sendable {
    static let shared = JSONFuzz()

    let endpoint: FuzzEndpoint
    let codec = JSONShapeCodec(schema: JSONModel.model.schema)
    let validator = ShapeValidator(schema: JSONModel.model.schema)

    init() {
        endpoint = FuzzEndpoint(services: [FuzzEndpoint.binding(JSONModel.model) { _, input in input }])
    }

    func run(_ bytes: [UInt8]) {
        Self.checkParser(bytes)

        let request = FuzzRequest(
            method: "POST",
            path: "/",
            query: "",
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.0"),
                (name: "X-Amz-Target", value: "\(JSONModel.targetPrefix).Echo"),
            ],
            body: bytes
        )
        let response = endpoint.handle(FuzzSigner.sign(request, service: JSONModel.model.signingName))
        let shape = JSONModel.model.schema[JSONModel.echo]!
        let decoded = (try? JSONParser.parse(bytes)).flatMap { try? codec.decodeStructure($0, shape: shape, path: "") }
        FuzzEndpoint.check(response)
        FuzzEndpoint.requireVerified(response, query: request.query)
        FuzzDriver.require(response.header("Content-Type") == "application/x-amz-json-1.0", "wrong content type")

        guard let decoded else {
            FuzzDriver.require(bytes.isEmpty || response.status == 400, "undecodable input answered \(response.status)")
            return
        }
        FuzzCompare.requireWritableTimestamps(decoded)
        let valid = validator.violations(of: decoded, shape: JSONModel.echo).isEmpty
        FuzzDriver.require(response.status == (valid ? 200 : 400), "valid=\(valid) input answered \(response.status)")
        if valid {
            do {
                _ = try WireValueDecoder().decode(JSONModel.Echo.self, from: decoded)
            } catch {
                FuzzDriver.require(false, "valid input does not decode: \(error)")
            }
            requireRoundTrip(decoded, through: response.body, shape: shape, what: "echoed output")
        }

        var text = ""
        JSONWriter.write(codec.encodeStructure(decoded, shape: shape), into: &text)
        requireRoundTrip(decoded, through: Array(text.utf8), shape: shape, what: "encoded value")
    }

    /// Decodes `body` as `shape` and requires `original` back.
    private func requireRoundTrip(_ original: WireValue, through body: [UInt8], shape: Shape, what: String) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            FuzzDriver.require(false, "\(what) is not JSON (\(error.reason)): \(FuzzDriver.text(body))")
            return
        }
        do {
            let again = try codec.decodeStructure(document, shape: shape, path: "")
            FuzzCompare.requireSame(original, again, "\(what) decodes differently:\n\(original)\n\(again)\nfrom \(FuzzDriver.text(body))")
        } catch {
            FuzzDriver.require(false, "\(what) does not decode: \(error.message) from \(FuzzDriver.text(body))")
        }
    }

    /// A document the parser accepts is written back to text that parses to the same value; the stricter options
    /// accept a subset of what the defaults accept.
    static func checkParser(_ bytes: [UInt8]) {
        let lenient = try? JSONParser.parse(bytes, maximumDepth: 512)
        let standard = try? JSONParser.parse(bytes)
        let strict = try? JSONParser.parse(bytes, maximumDepth: 4, rejectsDuplicateKeys: true)
        if let standard { FuzzDriver.require(lenient == standard, "a deeper limit changes the document") }
        if let strict { FuzzDriver.require(standard == strict, "strict options change the document") }
        guard let value = lenient else { return }
        var text = ""
        JSONWriter.write(value, into: &text)
        do {
            let again = try JSONParser.parse(Array(text.utf8), maximumDepth: 512)
            FuzzDriver.require(again == value, "written document parses differently: \(text)")
        } catch {
            FuzzDriver.require(false, "written document does not parse (\(error.reason) at \(error.offset)): \(text)")
        }
    }
}

/// A small awsJson 1.0 service whose one implemented operation takes every kind of shape.
enum JSONModel {
    static let targetPrefix = "FuzzService_20240101"
    static let echo = "EchoRequest"

    static let model = ServiceModel(
        name: "fuzzjson",
        signingName: "fuzzjson",
        actionPrefix: "fuzzjson",
        wireProtocol: .json,
        apiVersion: "2024-01-01",
        targetPrefix: targetPrefix,
        jsonVersion: "1.0",
        botocoreVersion: "fuzz",
        schema: ShapeSchema(shapes),
        operations: [
            OperationDescriptor(name: "Echo", input: echo, output: echo, isImplemented: true),
            OperationDescriptor(name: "Unbuilt", input: echo),
        ]
    )

    static let shapes: [Shape] = [
        Shape(
            name: echo,
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "Name"),
                ShapeMember(name: "Secret", shape: "Secret"),
                ShapeMember(name: "Count", shape: "Count"),
                ShapeMember(name: "Total", shape: "Total"),
                ShapeMember(name: "Ratio", shape: "Ratio"),
                ShapeMember(name: "Scale", shape: "Scale"),
                ShapeMember(name: "Enabled", shape: "Flag"),
                ShapeMember(name: "When", shape: "Stamp"),
                ShapeMember(name: "WhenIso", shape: "Stamp", timestampFormat: "iso8601"),
                ShapeMember(name: "WhenHttp", shape: "Stamp", timestampFormat: "rfc822"),
                ShapeMember(name: "Data", shape: "Bytes"),
                ShapeMember(name: "Mode", shape: "Mode"),
                ShapeMember(name: "Tags", shape: "TagList"),
                ShapeMember(name: "Names", shape: "NameList"),
                ShapeMember(name: "Matrix", shape: "Matrix"),
                ShapeMember(name: "Attributes", shape: "Attributes"),
                ShapeMember(name: "Lookup", shape: "Lookup"),
                ShapeMember(name: "Counts", shape: "Counts"),
                ShapeMember(name: "Child", shape: echo, locationName: "child"),
            ]
        ),
        Shape(name: "Tag", type: .structure, members: [
            ShapeMember(name: "Key", shape: "Name", isRequired: true), ShapeMember(name: "Value", shape: "Name"),
        ]),
        Shape(name: "TagList", type: .list, member: ShapeReference(shape: "Tag"), max: 5),
        Shape(name: "NameList", type: .list, member: ShapeReference(shape: "Name")),
        Shape(name: "Matrix", type: .list, member: ShapeReference(shape: "NameList"), min: 1, max: 4),
        Shape(name: "Attributes", type: .map, key: ShapeReference(shape: "Name"), value: ShapeReference(shape: "Name"), max: 5),
        Shape(name: "Lookup", type: .map, key: ShapeReference(shape: "Name"), value: ShapeReference(shape: "Tag")),
        Shape(name: "Counts", type: .map, key: ShapeReference(shape: "Name"), value: ShapeReference(shape: "Count")),
        Shape(name: "Name", type: .string, min: 1, max: 16, pattern: #"[\w+=,.@-]+"#),
        Shape(name: "Secret", type: .string, min: 4, isSensitive: true),
        Shape(name: "Count", type: .integer, min: -5, max: 100),
        Shape(name: "Total", type: .long),
        Shape(name: "Ratio", type: .double, min: 0, max: 1),
        Shape(name: "Scale", type: .float),
        Shape(name: "Flag", type: .boolean),
        Shape(name: "Stamp", type: .timestamp),
        Shape(name: "Bytes", type: .blob, max: 64),
        Shape(name: "Mode", type: .string, enumValues: ["fast", "slow"]),
    ]

    /// What the code generator would write for `EchoRequest`.
    struct Echo: Decodable {
        struct Tag: Decodable {
            var key: String
            var value: String?
            private enum CodingKeys: String, CodingKey {
                case key = "Key"
                case value = "Value"
            }
        }

        struct Mode: RawRepresentable, Decodable {
            var rawValue: String
        }

        var name: String?
        var secret: String?
        var count: Int?
        var total: Int64?
        var ratio: Double?
        var scale: Double?
        var enabled: Bool?
        var when: Date?
        var whenIso: Date?
        var whenHttp: Date?
        var data: Data?
        var mode: Mode?
        var tags: [Tag]?
        var names: [String]?
        var matrix: [[String]]?
        var attributes: [String: String]?
        var lookup: [String: Tag]?
        var counts: [String: Int]?
        var child: Box?

        private enum CodingKeys: String, CodingKey {
            case name = "Name"
            case secret = "Secret"
            case count = "Count"
            case total = "Total"
            case ratio = "Ratio"
            case scale = "Scale"
            case enabled = "Enabled"
            case when = "When"
            case whenIso = "WhenIso"
            case whenHttp = "WhenHttp"
            case data = "Data"
            case mode = "Mode"
            case tags = "Tags"
            case names = "Names"
            case matrix = "Matrix"
            case attributes = "Attributes"
            case lookup = "Lookup"
            case counts = "Counts"
            case child = "Child"
        }
    }

    /// Breaks the recursion of `Echo` (a struct cannot contain itself).
    final class Box: Decodable {
        let value: Echo
        required init(from decoder: any Decoder) throws { value = try Echo(from: decoder) }
    }
}
#else
import Foundation
#endif

#if MOAT_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    JSONFuzz.shared.run(FuzzDriver.bytes(data, size))
    return 0
}
#elseif DEBUG
@main
enum JSONReplay {
    static func main() {
        exit(FuzzDriver.replay(Array(CommandLine.arguments.dropFirst()), JSONFuzz.shared.run))
    }
}
#else
@main
enum JSONReplay {
    static func main() {
        FileHandle.standardError.write(Data("MoatFuzzJSON replays inputs in debug builds only; fuzz with scripts/fuzz.sh.\n".utf8))
        exit(69)
    }
}
#endif
