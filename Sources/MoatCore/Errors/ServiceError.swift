/// An error an operation answers with: the code, status and fault of the model's error shape, and a message.
///
/// Errors know no encoding; MoatWire renders them in the shape of the service's protocol.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public let descriptor: ErrorDescriptor
    public let message: String
    /// Members of the error shape beyond `message` (rendered by the json protocols).
    public let extraMembers: [String: WireValue]

    public init(_ descriptor: ErrorDescriptor, _ message: String, extraMembers: [String: WireValue] = [:]) {
        self.descriptor = descriptor
        self.message = message
        self.extraMembers = extraMembers
    }

    public var code: String { descriptor.code }
    public var httpStatus: Int { descriptor.httpStatus }

    public var description: String { "\(descriptor.code) (\(descriptor.httpStatus)): \(message)" }
}

extension ServiceError: Equatable {
    public static func == (lhs: ServiceError, rhs: ServiceError) -> Bool { lhs.descriptor.code == rhs.descriptor.code }
}
