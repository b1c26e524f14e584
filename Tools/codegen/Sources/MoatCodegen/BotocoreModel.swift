/// A botocore `service-2.json`, reduced to what the generator reads, in model order.
public struct BotocoreModel: Sendable {
    public struct Metadata: Sendable {
        public var apiVersion: String
        public var endpointPrefix: String
        public var signingName: String?
        /// The protocol the generator serves: the first of `protocols` Moat supports, else `protocol`.
        public var wireProtocol: String
        public var targetPrefix: String?
        public var jsonVersion: String?
        public var xmlNamespace: String?
    }

    public struct Operation: Sendable {
        public var name: String
        public var httpMethod: String
        public var requestURI: String
        public var responseCode: Int?
        public var input: String?
        public var output: String?
        public var resultWrapper: String?
        public var errors: [String]
        /// `false` when the model says `authtype: none` or `auth: ["smithy.api#noAuth"]`.
        public var requiresAuthentication: Bool
    }

    public struct Reference: Sendable {
        public var shape: String
        public var locationName: String?
    }

    public struct Member: Sendable {
        public var name: String
        public var shape: String
        public var location: String?
        public var locationName: String?
        public var isFlattened: Bool
        public var isJSONValue: Bool
        public var isSensitive: Bool
        public var timestampFormat: String?
    }

    public struct ErrorInfo: Sendable {
        public var code: String?
        public var httpStatusCode: Int?
        public var senderFault: Bool?
    }

    public struct Shape: Sendable {
        public var name: String
        public var type: String
        public var members: [Member]
        public var required: [String]
        public var member: Reference?
        public var key: Reference?
        public var value: Reference?
        public var min: Double?
        public var max: Double?
        public var pattern: String?
        public var enumValues: [String]?
        public var isFlattened: Bool
        public var isSensitive: Bool
        public var timestampFormat: String?
        public var payload: String?
        public var isException: Bool
        /// `fault: true`: a server-side error shape.
        public var isFault: Bool
        public var error: ErrorInfo?
        public var isDocument: Bool
        public var isUnion: Bool
        public var isStreaming: Bool
        public var isEventStream: Bool
    }

    public var metadata: Metadata
    /// Operations in model order.
    public var operations: [Operation]
    public var shapes: [String: Shape]
    /// Shape names in model order.
    public var shapeNames: [String]

    public func operation(named name: String) -> Operation? {
        operations.first { $0.name == name }
    }

    /// Protocols the generated `ServiceModel` can describe.
    public static let supportedProtocols = ["json", "rest-json", "query"]

    public init(json: JSON) throws(JSONError) {
        guard let metadataJSON = json["metadata"], let operationsJSON = json["operations"]?.objectMembers,
            let shapesJSON = json["shapes"]?.objectMembers
        else { throw JSONError(message: "not a botocore service model (metadata, operations, shapes)") }

        let protocols = (metadataJSON["protocols"]?.array ?? []).compactMap(\.string)
        let chosen =
            protocols.first { Self.supportedProtocols.contains($0) } ?? metadataJSON["protocol"]?.string ?? ""
        let xmlNamespace = metadataJSON["xmlNamespace"]?.string ?? metadataJSON["xmlNamespace"]?["uri"]?.string
        metadata = Metadata(
            apiVersion: metadataJSON["apiVersion"]?.string ?? "",
            endpointPrefix: metadataJSON["endpointPrefix"]?.string ?? "",
            signingName: metadataJSON["signingName"]?.string,
            wireProtocol: chosen,
            targetPrefix: metadataJSON["targetPrefix"]?.string,
            jsonVersion: metadataJSON["jsonVersion"]?.string,
            xmlNamespace: xmlNamespace
        )

        operations = operationsJSON.map { name, op in
            let authtype = op["authtype"]?.string
            let auth = (op["auth"]?.array ?? []).compactMap(\.string)
            return Operation(
                name: op["name"]?.string ?? name,
                httpMethod: op["http"]?["method"]?.string ?? "POST",
                requestURI: op["http"]?["requestUri"]?.string ?? "/",
                responseCode: op["http"]?["responseCode"]?.int,
                input: op["input"]?["shape"]?.string,
                output: op["output"]?["shape"]?.string,
                resultWrapper: op["output"]?["resultWrapper"]?.string,
                errors: (op["errors"]?.array ?? []).compactMap { $0["shape"]?.string },
                requiresAuthentication: !(authtype == "none" || auth == ["smithy.api#noAuth"])
            )
        }

        var shapes: [String: Shape] = [:]
        var names: [String] = []
        for (name, shape) in shapesJSON {
            names.append(name)
            shapes[name] = Self.shape(name: name, json: shape)
        }
        self.shapes = shapes
        self.shapeNames = names
    }

    private static func reference(_ json: JSON?) -> Reference? {
        guard let json, let shape = json["shape"]?.string else { return nil }
        return Reference(shape: shape, locationName: json["locationName"]?.string)
    }

    private static func shape(name: String, json: JSON) -> Shape {
        let members = (json["members"]?.objectMembers ?? []).map { memberName, member in
            Member(
                name: memberName,
                shape: member["shape"]?.string ?? "",
                location: member["location"]?.string,
                locationName: member["locationName"]?.string,
                isFlattened: member["flattened"]?.bool ?? false,
                isJSONValue: member["jsonvalue"]?.bool ?? false,
                isSensitive: member["sensitive"]?.bool ?? false,
                timestampFormat: member["timestampFormat"]?.string
            )
        }
        let error = json["error"].map { error in
            ErrorInfo(
                code: error["code"]?.string,
                httpStatusCode: error["httpStatusCode"]?.int,
                senderFault: error["senderFault"]?.bool
            )
        }
        return Shape(
            name: name,
            type: json["type"]?.string ?? "",
            members: members,
            required: (json["required"]?.array ?? []).compactMap(\.string),
            member: reference(json["member"]),
            key: reference(json["key"]),
            value: reference(json["value"]),
            min: json["min"]?.number,
            max: json["max"]?.number,
            pattern: json["pattern"]?.string,
            enumValues: json["enum"]?.array?.compactMap(\.string),
            isFlattened: json["flattened"]?.bool ?? false,
            isSensitive: json["sensitive"]?.bool ?? false,
            timestampFormat: json["timestampFormat"]?.string,
            payload: json["payload"]?.string,
            isException: json["exception"]?.bool ?? false,
            isFault: json["fault"]?.bool ?? false,
            error: error,
            isDocument: json["document"]?.bool ?? false,
            isUnion: json["union"]?.bool ?? false,
            isStreaming: json["streaming"]?.bool ?? false,
            isEventStream: json["eventstream"]?.bool ?? false
        )
    }
}
