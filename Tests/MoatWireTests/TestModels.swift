import MoatCore

/// Small service models, one per protocol, written for the codec tests.
enum TestModels {
    static let shapes: [Shape] = [
        Shape(
            name: "CreateThingRequest",
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "NameType", isRequired: true),
                ShapeMember(name: "Count", shape: "CountType"),
                ShapeMember(name: "Enabled", shape: "Flag"),
                ShapeMember(name: "Tags", shape: "TagList"),
                ShapeMember(name: "Attributes", shape: "AttributeMap"),
                ShapeMember(name: "When", shape: "Stamp"),
                ShapeMember(name: "Mode", shape: "ModeType"),
                ShapeMember(name: "Secret", shape: "SecretType"),
            ]
        ),
        Shape(
            name: "CreateThingResponse",
            type: .structure,
            members: [
                ShapeMember(name: "Thing", shape: "Thing"),
                ShapeMember(name: "Names", shape: "NameList"),
            ]
        ),
        Shape(
            name: "Thing",
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "NameType"),
                ShapeMember(name: "Created", shape: "Stamp"),
                ShapeMember(name: "Tags", shape: "TagList"),
            ]
        ),
        Shape(name: "Tag", type: .structure, members: [ShapeMember(name: "Key", shape: "NameType"), ShapeMember(name: "Value", shape: "NameType")]),
        Shape(name: "TagList", type: .list, member: ShapeReference(shape: "Tag"), max: 3),
        Shape(name: "NameList", type: .list, member: ShapeReference(shape: "NameType")),
        Shape(name: "AttributeMap", type: .map, key: ShapeReference(shape: "NameType"), value: ShapeReference(shape: "NameType")),
        Shape(name: "NameType", type: .string, min: 1, max: 8, pattern: "[a-z]+"),
        Shape(name: "SecretType", type: .string, min: 6, isSensitive: true),
        Shape(name: "ModeType", type: .string, enumValues: ["fast", "slow"]),
        Shape(name: "CountType", type: .integer, min: 1, max: 10),
        Shape(name: "Flag", type: .boolean),
        Shape(name: "Stamp", type: .timestamp),
        Shape(
            name: "GetThingRequest",
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "NameType", location: .uri, locationName: "name", isRequired: true),
                ShapeMember(name: "Version", shape: "CountType", location: .querystring, locationName: "version"),
                ShapeMember(name: "Trace", shape: "NameType", location: .header, locationName: "X-Trace"),
            ]
        ),
        Shape(
            name: "GetThingResponse",
            type: .structure,
            members: [
                ShapeMember(name: "Thing", shape: "Thing"),
                ShapeMember(name: "Etag", shape: "NameType", location: .header, locationName: "ETag"),
            ]
        ),
    ]

    static let schema = ShapeSchema(shapes)

    static let createThing = OperationDescriptor(
        name: "CreateThing",
        input: "CreateThingRequest",
        output: "CreateThingResponse",
        resultWrapper: "CreateThingResult",
        isImplemented: true
    )

    static let getThing = OperationDescriptor(
        name: "GetThing",
        httpMethod: "GET",
        requestURI: "/things/{name}",
        input: "GetThingRequest",
        output: "GetThingResponse",
        isImplemented: true
    )

    static func model(_ wireProtocol: WireProtocol) -> ServiceModel {
        ServiceModel(
            name: "things",
            signingName: "things",
            actionPrefix: "things",
            wireProtocol: wireProtocol,
            apiVersion: "2020-01-01",
            targetPrefix: wireProtocol == .json ? "Things_20200101" : nil,
            jsonVersion: wireProtocol == .json ? "1.1" : nil,
            xmlNamespace: wireProtocol == .query ? "https://things.example/doc/2020-01-01/" : nil,
            botocoreVersion: "test",
            schema: schema,
            operations: wireProtocol == .restJSON ? [getThing, OperationDescriptor(name: "Unbuilt", httpMethod: "DELETE", requestURI: "/things/{name}")]
                : [createThing, OperationDescriptor(name: "Unbuilt")]
        )
    }
}
