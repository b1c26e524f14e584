public import MoatCore

/// Errors IAM and STS answer with that their models do not list as shapes.
extension IAM.Errors {
    /// A request that fails model validation (IAM answers `ValidationError`, not `InvalidInput`).
    public static let validationError = ErrorDescriptor(code: "ValidationError", httpStatus: 400, isSenderFault: true)
    public static let accessDenied = ErrorDescriptor(code: "AccessDenied", httpStatus: 403, isSenderFault: true)
}

extension STS.Errors {
    public static let validationError = ErrorDescriptor(code: "ValidationError", httpStatus: 400, isSenderFault: true)
    public static let accessDenied = ErrorDescriptor(code: "AccessDenied", httpStatus: 403, isSenderFault: true)
    public static let invalidParameterValue = ErrorDescriptor(code: "InvalidParameterValue", httpStatus: 400, isSenderFault: true)
    public static let internalFailure = ErrorDescriptor(code: "InternalFailure", httpStatus: 500, isSenderFault: false)
}
