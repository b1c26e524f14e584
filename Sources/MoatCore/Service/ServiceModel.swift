/// The wire protocol of a service (botocore `metadata.protocol`).
public enum WireProtocol: String, Sendable {
    case json
    case restJSON = "rest-json"
    case query
}

/// What the generated code knows of a service: its metadata, shapes, operations and errors.
public struct ServiceModel: Sendable {
    /// botocore's service name (`iam`, `sts`, `cognito-idp`).
    public let name: String
    /// The SigV4 signing name (`metadata.signingName`, else `endpointPrefix`).
    public let signingName: String
    /// The prefix of IAM actions (`iam`, `sts`, `cognito-idp`, `lambda`, `apigateway`).
    public let actionPrefix: String
    public let wireProtocol: WireProtocol
    public let apiVersion: String
    /// awsJson: `X-Amz-Target` prefix and JSON version.
    public let targetPrefix: String?
    public let jsonVersion: String?
    /// awsQuery: XML namespace of responses.
    public let xmlNamespace: String?
    /// The botocore version the model was generated from.
    public let botocoreVersion: String
    public let schema: ShapeSchema
    public let operations: [String: OperationDescriptor]

    public init(
        name: String,
        signingName: String,
        actionPrefix: String,
        wireProtocol: WireProtocol,
        apiVersion: String,
        targetPrefix: String? = nil,
        jsonVersion: String? = nil,
        xmlNamespace: String? = nil,
        botocoreVersion: String,
        schema: ShapeSchema,
        operations: [OperationDescriptor]
    ) {
        self.name = name
        self.signingName = signingName
        self.actionPrefix = actionPrefix
        self.wireProtocol = wireProtocol
        self.apiVersion = apiVersion
        self.targetPrefix = targetPrefix
        self.jsonVersion = jsonVersion
        self.xmlNamespace = xmlNamespace
        self.botocoreVersion = botocoreVersion
        self.schema = schema
        var byName: [String: OperationDescriptor] = [:]
        for operation in operations { byName[operation.name] = operation }
        self.operations = byName
    }
}

extension ServiceModel {
    /// The same service with another schema (see ``ShapeSchema/replacingMinimum(of:with:)``).
    public func replacingSchema(_ schema: ShapeSchema) -> ServiceModel {
        ServiceModel(
            name: name,
            signingName: signingName,
            actionPrefix: actionPrefix,
            wireProtocol: wireProtocol,
            apiVersion: apiVersion,
            targetPrefix: targetPrefix,
            jsonVersion: jsonVersion,
            xmlNamespace: xmlNamespace,
            botocoreVersion: botocoreVersion,
            schema: schema,
            operations: Array(operations.values)
        )
    }
}
