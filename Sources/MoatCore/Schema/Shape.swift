/// The type of a botocore shape.
public enum ShapeType: String, Sendable {
    case structure, list, map, string, integer, long, boolean, double, float, timestamp, blob
}

/// Where a structure member travels in an HTTP request or response (restJson1).
public enum MemberLocation: String, Sendable {
    case body, uri, querystring, header, headers, statusCode
}

/// A member of a structure shape, as the botocore model declares it.
public struct ShapeMember: Sendable {
    /// The member's name in the model (and in generated `CodingKeys`).
    public let name: String
    /// The name of the member's target shape.
    public let shape: String
    public let location: MemberLocation
    /// The wire name when it differs from `name` (`locationName` in the model).
    public let locationName: String?
    public let isRequired: Bool
    /// `true` when this member is the HTTP payload of its structure.
    public let isPayload: Bool
    /// Query protocol: a list or map serialized without its wrapper element.
    public let isFlattened: Bool
    /// The member holds a JSON document as a string (`jsonvalue`).
    public let isJSONValue: Bool
    /// Per-member timestamp format override.
    public let timestampFormat: String?

    public init(
        name: String,
        shape: String,
        location: MemberLocation = .body,
        locationName: String? = nil,
        isRequired: Bool = false,
        isPayload: Bool = false,
        isFlattened: Bool = false,
        isJSONValue: Bool = false,
        timestampFormat: String? = nil
    ) {
        self.name = name
        self.shape = shape
        self.location = location
        self.locationName = locationName
        self.isRequired = isRequired
        self.isPayload = isPayload
        self.isFlattened = isFlattened
        self.isJSONValue = isJSONValue
        self.timestampFormat = timestampFormat
    }

    /// The name the member has on the wire.
    public var wireName: String { locationName ?? name }
}

/// A reference to a list member or map key/value shape.
public struct ShapeReference: Sendable {
    public let shape: String
    public let locationName: String?

    public init(shape: String, locationName: String? = nil) {
        self.shape = shape
        self.locationName = locationName
    }
}

/// One shape of a botocore service model, reduced to what codecs and validation need.
public struct Shape: Sendable {
    public let name: String
    public let type: ShapeType
    /// Structure members, in model order.
    public let members: [ShapeMember]
    /// List element.
    public let member: ShapeReference?
    /// Map key and value.
    public let key: ShapeReference?
    public let value: ShapeReference?
    /// `min`/`max`: length for strings, blobs, lists and maps; value for numbers.
    public let min: Double?
    public let max: Double?
    public let pattern: String?
    public let enumValues: [String]?
    public let isFlattened: Bool
    public let isSensitive: Bool
    public let timestampFormat: String?
    /// Error shapes: the wire code, HTTP status and fault.
    public let error: ErrorDescriptor?
    /// A structure that holds an arbitrary JSON document (`document: true`), decoded as a ``WireValue``.
    public let isDocument: Bool
    /// A structure of which exactly one member is set (`union: true`).
    public let isUnion: Bool
    /// A blob sent as the raw HTTP body (`streaming: true`).
    public let isStreaming: Bool

    public init(
        name: String,
        type: ShapeType,
        members: [ShapeMember] = [],
        member: ShapeReference? = nil,
        key: ShapeReference? = nil,
        value: ShapeReference? = nil,
        min: Double? = nil,
        max: Double? = nil,
        pattern: String? = nil,
        enumValues: [String]? = nil,
        isFlattened: Bool = false,
        isSensitive: Bool = false,
        timestampFormat: String? = nil,
        error: ErrorDescriptor? = nil,
        isDocument: Bool = false,
        isUnion: Bool = false,
        isStreaming: Bool = false
    ) {
        self.name = name
        self.type = type
        self.members = members
        self.member = member
        self.key = key
        self.value = value
        self.min = min
        self.max = max
        self.pattern = pattern
        self.enumValues = enumValues
        self.isFlattened = isFlattened
        self.isSensitive = isSensitive
        self.timestampFormat = timestampFormat
        self.error = error
        self.isDocument = isDocument
        self.isUnion = isUnion
        self.isStreaming = isStreaming
    }

    public func member(named name: String) -> ShapeMember? {
        members.first { $0.name == name }
    }
}

/// The shapes of one service, by name.
public struct ShapeSchema: Sendable {
    public let shapes: [String: Shape]

    public init(_ shapes: [Shape]) {
        var byName: [String: Shape] = [:]
        for shape in shapes { byName[shape.name] = shape }
        self.shapes = byName
    }

    public subscript(name: String) -> Shape? { shapes[name] }
}

extension ShapeSchema {
    /// The schema with the lower bound of one shape replaced: configuration that relaxes an AWS minimum
    /// (a shorter session for tests) without editing the generated model.
    public func replacingMinimum(of shapeName: String, with minimum: Double) -> ShapeSchema {
        guard let shape = shapes[shapeName] else { return self }
        let replaced = Shape(
            name: shape.name,
            type: shape.type,
            members: shape.members,
            member: shape.member,
            key: shape.key,
            value: shape.value,
            min: minimum,
            max: shape.max,
            pattern: shape.pattern,
            enumValues: shape.enumValues,
            isFlattened: shape.isFlattened,
            isSensitive: shape.isSensitive,
            timestampFormat: shape.timestampFormat,
            error: shape.error
        )
        var all = Array(shapes.values.filter { $0.name != shapeName })
        all.append(replaced)
        return ShapeSchema(all)
    }
}
