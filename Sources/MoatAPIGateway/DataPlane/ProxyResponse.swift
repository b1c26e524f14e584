import Foundation
import MoatCore

/// What an `AWS_PROXY` Lambda integration answered, read as API Gateway reads it.
///
/// The answer must be a JSON object whose members are all optional and all among `statusCode` (a number, or a
/// string of digits; 200 when absent), `headers` (string or boolean values), `multiValueHeaders` (lists of them),
/// `body` (a string) and `isBase64Encoded` (a boolean); a `null` member counts as absent. Anything else — another
/// member, a body that is not a string, a status outside 100–599 — is a malformed answer (502).
package struct ProxyResponse: Sendable {
    package var statusCode: Int
    /// `headers` and `multiValueHeaders` merged, in order of first appearance: a name in both gets the
    /// `multiValueHeaders` values, preceded by the `headers` value unless that list already has it.
    package var headers: [(name: String, value: String)]
    /// The body, base64-decoded when the function said `isBase64Encoded` and the caller asked for decoding.
    package var body: [UInt8]
    /// Whether the function declared the body base64.
    package var isBase64Encoded: Bool

    private static let members: Set<String> = ["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"]

    /// Reads an invocation's result.
    /// - Parameters:
    ///   - payload: the bytes the invocation returned.
    ///   - functionError: the invocation's `FunctionError` (`Unhandled`, `Handled`), if it reported one: the answer
    ///     is then an error document, never a response.
    ///   - decodesBase64: decode a body the function declared base64. API Gateway does so when the API's binary
    ///     media types match the request's `Accept` (``BinaryMediaTypes``); otherwise it passes the base64 text on.
    package static func parse(
        _ payload: [UInt8],
        functionError: String? = nil,
        decodesBase64: Bool = true
    ) throws(ProxyResponseError) -> ProxyResponse {
        if let functionError { throw .functionError(functionError) }
        guard let document = try? JSONParser.parse(payload), let members = document.members else {
            throw .malformed("the answer is not a JSON object")
        }
        var statusCode = 200
        var single: [(name: String, value: String)] = []
        var multi: [(name: String, values: [String])] = []
        var body: String?
        var isBase64Encoded = false
        for (key, value) in members {
            guard Self.members.contains(key) else { throw .malformed("unknown member \(key)") }
            if case .null = value { continue }
            switch key {
            case "statusCode":
                guard let code = status(value) else { throw .malformed("statusCode is not a status") }
                statusCode = code
            case "headers":
                guard let fields = value.members else { throw .malformed("headers is not an object") }
                single = []
                for (name, field) in fields {
                    guard let text = headerValue(field) else { throw .malformed("header \(name) is not a string") }
                    single.append((name, text))
                }
            case "multiValueHeaders":
                guard let fields = value.members else { throw .malformed("multiValueHeaders is not an object") }
                multi = []
                for (name, field) in fields {
                    if case .null = field { continue }
                    let items: [JSONValue]
                    if case .array(let list) = field { items = list } else { items = [field] }
                    var values: [String] = []
                    for item in items {
                        guard let text = headerValue(item) else { throw .malformed("header \(name) is not a list of strings") }
                        values.append(text)
                    }
                    multi.append((name, values))
                }
            case "body":
                guard case .string(let text) = value else { throw .malformed("body is not a string") }
                body = text
            default:
                guard case .bool(let flag) = value else { throw .malformed("isBase64Encoded is not a boolean") }
                isBase64Encoded = flag
            }
        }

        var bytes = Array((body ?? "").utf8)
        if isBase64Encoded, decodesBase64, !bytes.isEmpty {
            guard let decoded = Data(base64Encoded: body ?? "") else {
                throw .invalidBase64
            }
            bytes = Array(decoded)
        }
        return ProxyResponse(statusCode: statusCode, headers: merge(single, multi), body: bytes, isBase64Encoded: isBase64Encoded)
    }

    private static func status(_ value: JSONValue) -> Int? {
        let text: String
        switch value {
        case .number(let spelled): text = spelled
        case .string(let spelled): text = spelled
        default: return nil
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), text.utf8.count <= 3,
            let code = Int(text), (100...599).contains(code)
        else { return nil }
        return code
    }

    private static func headerValue(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    private static func merge(
        _ single: [(name: String, value: String)],
        _ multi: [(name: String, values: [String])]
    ) -> [(name: String, value: String)] {
        var order: [String] = []
        var spelling: [String: String] = [:]
        var singles: [String: String] = [:]
        var multis: [String: [String]] = [:]
        func note(_ name: String) -> String {
            let key = name.lowercased()
            if spelling[key] == nil {
                spelling[key] = name
                order.append(key)
            }
            return key
        }
        for (name, value) in single { singles[note(name)] = value }
        for (name, values) in multi { multis[note(name), default: []] += values }
        var merged: [(name: String, value: String)] = []
        for key in order {
            let name = spelling[key]!
            let values = multis[key] ?? []
            if let value = singles[key], !values.contains(value) { merged.append((name, value)) }
            merged += values.map { (name, $0) }
        }
        return merged
    }
}

/// Why an integration's answer cannot be served: the caller answers with ``gatewayResponse``.
package struct ProxyResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Equatable {
        case functionError
        case malformed
        case invalidBase64
    }

    private let code: Code
    /// What was wrong, for the log (never sent to the caller).
    package let reason: String

    /// The invocation reported a function error.
    package static func functionError(_ kind: String) -> ProxyResponseError {
        ProxyResponseError(code: .functionError, reason: "The function failed (\(kind))")
    }

    /// The answer is not a proxy response.
    package static func malformed(_ detail: String) -> ProxyResponseError {
        ProxyResponseError(code: .malformed, reason: "Malformed Lambda proxy response: \(detail)")
    }

    /// The answer declared a base64 body that does not decode.
    package static let invalidBase64 = ProxyResponseError(code: .invalidBase64, reason: "Unable to base64-decode the body")

    /// The gateway's answer: 502 `{"message": "Internal server error"}`, or 500 with the same body when a binary
    /// body does not decode (API Gateway's `API_CONFIGURATION_ERROR`).
    package var gatewayResponse: GatewayResponse {
        code == .invalidBase64 ? .apiConfigurationError : .badIntegrationResponse
    }

    package var description: String { reason }

    package static func == (lhs: ProxyResponseError, rhs: ProxyResponseError) -> Bool { lhs.code == rhs.code }
}
