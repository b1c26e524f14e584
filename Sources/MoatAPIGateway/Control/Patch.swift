import Foundation
import MoatCore

/// One operation of an Update call's `patchOperations`: an op on a JSON-Pointer path, the path's segments unescaped
/// (`~1` is `/`, `~0` is `~`), as API Gateway's "Patch Operations" reference defines them.
struct Patch: Sendable {
    let op: String
    let path: String
    let value: String?
    /// The path's segments after the leading `/`, unescaped.
    let segments: [String]

    init(_ operation: APIGateway.PatchOperation) {
        op = operation.op?.rawValue ?? ""
        path = operation.path ?? ""
        value = operation.value
        segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// The request's patches, in order.
    static func list(_ operations: [APIGateway.PatchOperation]?) -> [Patch] {
        (operations ?? []).map(Patch.init)
    }

    /// The value, which the op needs.
    func string() throws -> String {
        guard let value else { throw GatewayError.badRequest("Invalid null value specified for op '\(op)' on path '\(path)'") }
        return value
    }

    /// The value, or nil when the op is `remove`.
    func optionalString() throws -> String? {
        op == "remove" ? nil : try string()
    }

    func integer() throws -> Int {
        guard let number = Int(try string()) else {
            throw GatewayError.badRequest("Invalid value '\(value ?? "")' for path '\(path)': must be an integer")
        }
        return number
    }

    func double() throws -> Double {
        guard let number = Double(try string()) else {
            throw GatewayError.badRequest("Invalid value '\(value ?? "")' for path '\(path)': must be a number")
        }
        return number
    }

    func bool() throws -> Bool {
        switch try string().lowercased() {
        case "true": return true
        case "false": return false
        default: throw GatewayError.badRequest("Invalid value '\(value ?? "")' for path '\(path)': must be true or false")
        }
    }

    /// The error for a path (or op) the resource does not accept, naming the paths it does.
    func unsupported(_ accepted: [String]) -> ServiceError {
        GatewayError.badRequest(
            "Invalid patch path '\(path)' specified for op '\(op)'. Must be one of: [\(accepted.joined(separator: ", "))]"
        )
    }
}
