import Foundation
import MoatCodegen
import Testing

/// A small model exercising what the generator handles: query metadata, required and optional members, enums,
/// sensitive members, recursive structures, lists and maps, documents, locations, errors with and without statuses.
let fixtureModel = #"""
    {
      "version": "2.0",
      "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "demo",
        "protocol": "query",
        "protocols": ["query"],
        "xmlNamespace": "https://demo.amazonaws.com/doc/2020-01-01/",
        "serviceId": "Demo"
      },
      "operations": {
        "CreateThing": {
          "name": "CreateThing",
          "http": {"method": "POST", "requestUri": "/"},
          "input": {"shape": "CreateThingRequest"},
          "output": {"shape": "CreateThingResponse", "resultWrapper": "CreateThingResult"},
          "errors": [{"shape": "NoSuchThingException"}, {"shape": "ServiceFailureException"}]
        },
        "DeleteThing": {
          "name": "DeleteThing",
          "http": {"method": "DELETE", "requestUri": "/things/{Name}", "responseCode": 204},
          "input": {"shape": "DeleteThingRequest"}
        },
        "Ping": {
          "name": "Ping",
          "http": {"method": "GET", "requestUri": "/ping"},
          "output": {"shape": "PingResponse"},
          "authtype": "none"
        },
        "Unimplemented": {
          "name": "Unimplemented",
          "http": {"method": "POST", "requestUri": "/"},
          "input": {"shape": "Node"},
          "auth": ["smithy.api#noAuth"]
        }
      },
      "shapes": {
        "CreateThingRequest": {
          "type": "structure",
          "required": ["Name"],
          "members": {
            "Name": {"shape": "nameType"},
            "Status": {"shape": "statusType"},
            "Secret": {"shape": "secretType"},
            "Tags": {"shape": "tagList"},
            "Attributes": {"shape": "attributeMap"},
            "Default": {"shape": "Boolean"},
            "Document": {"shape": "Document"},
            "Tree": {"shape": "Node"}
          }
        },
        "CreateThingResponse": {
          "type": "structure",
          "members": {
            "Created": {"shape": "Timestamp"},
            "Payload": {"shape": "Blob"},
            "Size": {"shape": "Long"},
            "Ratio": {"shape": "Float"}
          }
        },
        "DeleteThingRequest": {
          "type": "structure",
          "required": ["Name"],
          "members": {
            "Name": {"shape": "nameType", "location": "uri", "locationName": "Name"},
            "Force": {"shape": "Boolean", "location": "querystring", "locationName": "force"}
          }
        },
        "PingResponse": {"type": "structure", "members": {}},
        "Node": {
          "type": "structure",
          "members": {
            "Value": {"shape": "Integer"},
            "Next": {"shape": "Node"},
            "Children": {"shape": "NodeList"}
          }
        },
        "NodeList": {"type": "list", "member": {"shape": "Node"}},
        "Tag": {
          "type": "structure",
          "required": ["Key"],
          "members": {"Key": {"shape": "nameType"}, "Value": {"shape": "nameType"}}
        },
        "tagList": {"type": "list", "member": {"shape": "Tag", "locationName": "item"}, "max": 50, "flattened": true},
        "attributeMap": {"type": "map", "key": {"shape": "nameType"}, "value": {"shape": "statusType"}},
        "nameType": {"type": "string", "min": 1, "max": 64, "pattern": "[\\w+=,.@-]+"},
        "statusType": {"type": "string", "enum": ["Active", "IN_PROGRESS", "default"]},
        "secretType": {"type": "string", "sensitive": true},
        "Boolean": {"type": "boolean"},
        "Integer": {"type": "integer", "min": 0},
        "Long": {"type": "long"},
        "Float": {"type": "float"},
        "Timestamp": {"type": "timestamp", "timestampFormat": "iso8601"},
        "Blob": {"type": "blob", "streaming": true},
        "Document": {"type": "structure", "members": {}, "document": true},
        "NoSuchThingException": {
          "type": "structure",
          "members": {"message": {"shape": "nameType"}},
          "error": {"code": "NoSuchThing", "httpStatusCode": 404, "senderFault": true},
          "exception": true
        },
        "ServiceFailureException": {
          "type": "structure",
          "members": {"message": {"shape": "nameType"}},
          "error": {"code": "ServiceFailure", "httpStatusCode": 500},
          "exception": true
        },
        "InternalErrorException": {
          "type": "structure",
          "members": {},
          "exception": true,
          "fault": true
        },
        "TooManyRequestsException": {
          "type": "structure",
          "members": {},
          "exception": true
        },
        "Error": {"type": "structure", "members": {}}
      }
    }
    """#

@Suite struct ServiceGeneratorTests {
    static let service = Configuration.Service(
        model: "demo",
        namespace: "Demo",
        module: "MoatDemo",
        serviceModelName: "demo",
        actionPrefix: "demo",
        operations: ["CreateThing", "DeleteThing", "Ping"],
        patches: [
            Configuration.Patch(
                path: ["shapes", "TooManyRequestsException", "error"],
                value: try! JSONParser.parse(#"{"httpStatusCode": 429}"#),
                comment: "test"
            )
        ]
    )

    func files(_ service: Configuration.Service = service) throws -> [String: String] {
        let json = try Configuration.apply(service.patches, to: try JSONParser.parse(fixtureModel))
        let generator = try ServiceGenerator(
            service: service,
            model: try BotocoreModel(json: json),
            botocoreVersion: "1.43.11",
            modelDate: "2020-01-01"
        )
        var result: [String: String] = [:]
        for file in generator.files() { result[file.name] = file.contents }
        return result
    }

    @Test func generatesFiveFilesWithTheHeader() throws {
        let files = try files()
        #expect(files.keys.sorted() == [
            "Demo+Errors.swift", "Demo+Model.swift", "Demo+Operations.swift", "Demo+Schema.swift", "Demo+Shapes.swift",
        ])
        for contents in files.values {
            #expect(contents.hasPrefix("// Generated by Tools/codegen from botocore 1.43.11 (demo/2020-01-01). Do not edit.\n"))
            #expect(!contents.split(separator: "\n").contains { $0.count > 140 })
        }
    }

    @Test func structuresHaveSwiftNamesAndModelCodingKeys() throws {
        let shapes = try #require(try files()["Demo+Shapes.swift"])
        #expect(shapes.contains("public enum Demo {}"))
        #expect(shapes.contains("public struct CreateThingRequest: Codable, Sendable, Equatable {"))
        #expect(shapes.contains("        public var name: String\n"))
        #expect(shapes.contains("        public var status: StatusType?\n"))
        #expect(shapes.contains("        public var tags: [Tag]?\n"))
        #expect(shapes.contains("        public var attributes: [String: StatusType]?\n"))
        #expect(shapes.contains("        public var `default`: Bool?\n"))
        #expect(shapes.contains("        public var document: WireValue?\n"))
        #expect(shapes.contains("            case `default` = \"Default\"\n"))
        #expect(shapes.contains("            case name = \"Name\"\n"))
        #expect(shapes.contains("public var created: Date?"))
        #expect(shapes.contains("public var payload: Data?"))
        #expect(shapes.contains("public var size: Int64?"))
        #expect(shapes.contains("public var ratio: Double?"))
        #expect(shapes.contains("public import Foundation\npublic import MoatCore\n"))
        #expect(shapes.contains("        public init() {}\n"))
    }

    @Test func memberwiseInitializerDefaultsOptionals() throws {
        let shapes = try #require(try files()["Demo+Shapes.swift"])
        #expect(shapes.contains("public init(key: String, value: String? = nil) {"))
    }

    @Test func enumsAreOpenStructs() throws {
        let shapes = try #require(try files()["Demo+Shapes.swift"])
        #expect(shapes.contains("public struct StatusType: RawRepresentable, Codable, Sendable, Hashable {"))
        #expect(shapes.contains("public static let active = StatusType(rawValue: \"Active\")"))
        #expect(shapes.contains("public static let inProgress = StatusType(rawValue: \"IN_PROGRESS\")"))
        #expect(shapes.contains("public static let `default` = StatusType(rawValue: \"default\")"))
    }

    @Test func reservedShapeNamesAreRenamed() throws {
        var service = Self.service
        service.operations = ["Unimplemented"]
        let json = try JSONParser.parse(fixtureModel)
        let model = try BotocoreModel(json: json.setting(["shapes", "Node", "members", "Err"], to: .object([("shape", .string("Error"))])))
        let generator = try ServiceGenerator(service: service, model: model, botocoreVersion: "1", modelDate: "d")
        let shapes = try #require(generator.files().first { $0.name == "Demo+Shapes.swift" }).contents
        #expect(shapes.contains("public struct ErrorShape: Codable, Sendable, Equatable {"))
        #expect(shapes.contains("public var err: ErrorShape?"))
    }

    @Test func sensitiveMembersAreMaskedInDescriptions() throws {
        let shapes = try #require(try files()["Demo+Shapes.swift"])
        #expect(shapes.contains("extension Demo.CreateThingRequest: CustomReflectable {"))
        #expect(shapes.contains("(\"secret\", \"*** sensitive ***\" as Any),"))
        #expect(shapes.contains("(\"name\", self.name as Any),"))
    }

    @Test func recursiveStructuresAreBoxed() throws {
        let shapes = try #require(try files()["Demo+Shapes.swift"])
        #expect(shapes.contains("private final class IndirectBox<Wrapped: Sendable & Equatable>: Sendable, Equatable {"))
        #expect(shapes.contains("        public var next: Node? {\n            get { _next?.value }"))
        #expect(shapes.contains("        private var _next: IndirectBox<Node>?"))
        #expect(shapes.contains("        public var children: [Node]?\n"))
        #expect(shapes.contains("self._next = try container.decodeIfPresent(Node.self, forKey: .next).map(IndirectBox.init)"))
        #expect(shapes.contains("try container.encodeIfPresent(self.next, forKey: .next)"))
        // The tree member of the request is not part of a cycle with the request.
        #expect(shapes.contains("        public var tree: Node?\n"))
    }

    @Test func schemaListsShapesWithTheirTraits() throws {
        let schema = try #require(try files()["Demo+Schema.swift"])
        #expect(schema.contains("public static let schema = ShapeSchema(schemaShapes())"))
        #expect(schema.contains("ShapeMember(name: \"Name\", shape: \"nameType\", isRequired: true),"))
        #expect(
            schema.contains(
                "ShapeMember(name: \"Name\", shape: \"nameType\", location: .uri, locationName: \"Name\", isRequired: true),"
            )
        )
        #expect(schema.contains("ShapeMember(name: \"Force\", shape: \"Boolean\", location: .querystring, locationName: \"force\"),"))
        #expect(schema.contains(##"Shape(name: "nameType", type: .string, min: 1, max: 64, pattern: #"[\w+=,.@-]+"#)"##))
        #expect(schema.contains("enumValues: [\"Active\", \"IN_PROGRESS\", \"default\"]"))
        #expect(
            schema.contains(
                """
                        shapes.append(Shape(
                            name: "tagList",
                            type: .list,
                            member: ShapeReference(shape: "Tag", locationName: "item"),
                            max: 50,
                            isFlattened: true
                        ))
                """
            )
        )
        #expect(schema.contains("key: ShapeReference(shape: \"nameType\"),\n            value: ShapeReference(shape: \"statusType\")"))
        #expect(schema.contains("Shape(name: \"secretType\", type: .string, isSensitive: true)"))
        #expect(schema.contains("Shape(name: \"Timestamp\", type: .timestamp, timestampFormat: \"iso8601\")"))
        #expect(schema.contains("Shape(name: \"Blob\", type: .blob, isStreaming: true)"))
        #expect(schema.contains("Shape(name: \"Document\", type: .structure, isDocument: true)"))
        #expect(schema.contains("Shape(name: \"Float\", type: .float)"))
        #expect(schema.contains("error: Errors.noSuchThing"))
        #expect(schema.contains("Shape(name: \"InternalErrorException\", type: .structure, error: Errors.internalError)"))
        // Error shapes of the whole model are listed; shapes only unimplemented operations use are not.
        #expect(schema.contains("\"TooManyRequestsException\""))
        #expect(!schema.contains("\"Error\""))
    }

    @Test func errorsHaveCodesStatusesAndFaults() throws {
        let errors = try #require(try files()["Demo+Errors.swift"])
        #expect(errors.contains("public static let noSuchThing = ErrorDescriptor(code: \"NoSuchThing\", httpStatus: 404, isSenderFault: true)"))
        #expect(
            errors.contains("public static let serviceFailure = ErrorDescriptor(code: \"ServiceFailure\", httpStatus: 500, isSenderFault: false)")
        )
        #expect(
            errors.contains(
                "public static let internalError = ErrorDescriptor(code: \"InternalErrorException\", httpStatus: 500, isSenderFault: false)"
            )
        )
        // Status from the patch table.
        #expect(
            errors.contains(
                "public static let tooManyRequests = ErrorDescriptor(code: \"TooManyRequestsException\", httpStatus: 429, isSenderFault: true)"
            )
        )
    }

    @Test func modelListsEveryOperation() throws {
        let model = try #require(try files()["Demo+Model.swift"])
        #expect(model.contains("public static let demo = ServiceModel("))
        #expect(model.contains("wireProtocol: .query,"))
        #expect(model.contains("xmlNamespace: \"https://demo.amazonaws.com/doc/2020-01-01/\","))
        #expect(model.contains("targetPrefix: nil,"))
        #expect(model.contains("schema: Demo.schema,"))
        #expect(model.contains("            resultWrapper: \"CreateThingResult\",\n"))
        #expect(model.contains("            errors: [\"NoSuchThingException\", \"ServiceFailureException\"],\n"))
        #expect(model.contains("            httpMethod: \"DELETE\",\n            requestURI: \"/things/{Name}\",\n            successStatus: 204,\n"))
        #expect(model.contains("            requiresAuthentication: false,\n            isImplemented: true\n"))
        #expect(model.contains("operations.append(OperationDescriptor(name: \"Unimplemented\", input: \"Node\", requiresAuthentication: false))"))
    }

    @Test func operationsProtocolCoversInputsAndOutputs() throws {
        let operations = try #require(try files()["Demo+Operations.swift"])
        #expect(operations.contains("public protocol DemoOperations: Sendable {"))
        #expect(
            operations.contains(
                "func createThing(_ input: Demo.CreateThingRequest, context: OperationContext) async throws -> Demo.CreateThingResponse\n"
            )
        )
        #expect(operations.contains("func deleteThing(_ input: Demo.DeleteThingRequest, context: OperationContext) async throws\n"))
        #expect(operations.contains("func ping(context: OperationContext) async throws -> Demo.PingResponse\n"))
        #expect(!operations.contains("unimplemented"))
        #expect(operations.contains("let request = try WireValueDecoder().decode(Demo.CreateThingRequest.self, from: input)"))
        #expect(operations.contains("            try await self.deleteThing(request, context: context)\n            return .object([:])"))
        #expect(operations.contains("            let response = try await self.ping(context: context)"))
    }

    @Test func unknownOperationsAreRefused() throws {
        var service = Self.service
        service.operations = ["CreateThing", "Missing"]
        #expect(throws: GeneratorError.self) { try files(service) }
    }

    @Test func patchesMustNameExistingEntries() throws {
        var service = Self.service
        service.patches = [Configuration.Patch(path: ["shapes", "Gone", "error"], value: .null, comment: "stale")]
        #expect(throws: JSONError.self) { try files(service) }
    }

    @Test func configurationRequiresPatchComments() throws {
        let text = #"""
            {"botocoreVersion": "1.43.11", "services": [{"model": "demo", "namespace": "Demo", "module": "M",
              "serviceModelName": "demo", "actionPrefix": "demo", "operations": ["Ping"],
              "patches": [{"path": ["shapes", "X"], "value": 1}]}]}
            """#
        #expect(throws: JSONError.self) { try Configuration(json: JSONParser.parse(text)) }
        let valid = text.replacingOccurrences(of: #""value": 1"#, with: #""value": 1, "comment": "why""#)
        let configuration = try Configuration(json: JSONParser.parse(valid))
        #expect(configuration.botocoreVersion == "1.43.11")
        #expect(configuration.services.first?.patches.first?.comment == "why")
    }
}
