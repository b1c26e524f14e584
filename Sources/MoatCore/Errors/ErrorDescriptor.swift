/// How an error shape of a model appears on the wire.
public struct ErrorDescriptor: Sendable, Equatable {
    /// The wire code (`error.code` in the model, else the shape name).
    public let code: String
    public let httpStatus: Int
    public let isSenderFault: Bool

    public init(code: String, httpStatus: Int, isSenderFault: Bool) {
        self.code = code
        self.httpStatus = httpStatus
        self.isSenderFault = isSenderFault
    }
}
