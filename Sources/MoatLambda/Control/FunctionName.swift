import MoatCore

/// A `FunctionName` as Lambda accepts it: `my-function`, `123456789012:function:my-function`, or
/// `arn:aws:lambda:us-east-1:123456789012:function:my-function`, each optionally followed by `:qualifier`.
struct FunctionName: Equatable {
    var name: String
    var qualifier: String?

    /// Reads `text`; an ARN of another account or region names no function here.
    static func parse(_ text: String, accountId: String, region: String) throws -> FunctionName {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let notFound = ServiceError.lambdaNotFound(
            "Function not found: arn:aws:lambda:\(region):\(accountId):function:\(text)"
        )
        switch parts.count {
        case 1:
            return FunctionName(name: parts[0])
        case 2:
            return FunctionName(name: parts[0], qualifier: parts[1])
        case 3, 4:
            guard parts[1] == "function" else { throw invalid(text) }
            guard parts[0] == accountId else { throw notFound }
            return FunctionName(name: parts[2], qualifier: parts.count == 4 ? parts[3] : nil)
        case 7, 8:
            guard parts[0] == "arn", parts[1] == "aws", parts[2] == "lambda", parts[5] == "function" else { throw invalid(text) }
            guard parts[3] == region, parts[4] == accountId else { throw notFound }
            return FunctionName(name: parts[6], qualifier: parts.count == 8 ? parts[7] : nil)
        default:
            throw invalid(text)
        }
    }

    private static func invalid(_ text: String) -> ServiceError {
        ServiceError(
            LambdaDomain.validationError,
            "1 validation error detected: Value '\(text)' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
                + "expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )
    }
}

extension ServiceError {
    /// Lambda's errors carry `Type: User` (the caller's fault) beside the message.
    static func lambda(_ descriptor: ErrorDescriptor, _ message: String) -> ServiceError {
        ServiceError(descriptor, message, extraMembers: ["Type": .string(descriptor.isSenderFault ? "User" : "Service")])
    }

    static func lambdaNotFound(_ message: String) -> ServiceError {
        lambda(Lambda.Errors.resourceNotFound, message)
    }

    static func lambdaInvalidParameter(_ message: String) -> ServiceError {
        lambda(Lambda.Errors.invalidParameterValue, message)
    }
}
