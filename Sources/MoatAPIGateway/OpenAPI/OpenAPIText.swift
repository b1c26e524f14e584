import Foundation
import MoatCore

/// The bytes of an OpenAPI document and the ``JSONValue`` the import reads and the export writes.
enum OpenAPIText {
    /// AWS's limit on an imported definition file.
    static let maximumSize = 6 * 1024 * 1024
    /// OpenAPI documents nest schemas deeper than the policies and bodies the default JSON limit is made for.
    static let maximumJSONDepth = 128

    /// The document in `body`: JSON when it starts with `{`, else YAML (checked by ``YAMLGuard`` first).
    static func parse(_ body: Data) throws -> JSONValue {
        guard body.count <= maximumSize else {
            throw GatewayError.badRequest(
                "Invalid OpenAPI input: the API definition is \(body.count) bytes, more than the \(maximumSize) bytes API Gateway imports"
            )
        }
        var bytes = Array(body)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let first = bytes.first { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains($0) }
        guard let first else { throw GatewayError.badRequest("Invalid OpenAPI input: the body is empty") }
        if first == UInt8(ascii: "{") {
            do {
                return try JSONParser.parse(bytes, maximumDepth: maximumJSONDepth)
            } catch {
                throw GatewayError.badRequest(
                    "Invalid OpenAPI input: the body is not valid JSON: \(error.reason) at offset \(error.offset)")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw GatewayError.badRequest("Invalid OpenAPI input: the body is not UTF-8 text")
        }
        try YAMLGuard.check(bytes)
        return try YAMLText.parse(text)
    }

    /// The value as AWS's exports print JSON: two-space indentation, `"key" : value`.
    static func prettyJSON(_ value: JSONValue) -> String {
        var out = ""
        writePretty(value, indent: 0, into: &out)
        return out + "\n"
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (offset, (key, item)) in members.enumerated() {
                out += pad
                JSONWriter.quote(key, into: &out)
                out += " : "
                writePretty(item, indent: indent + 2, into: &out)
                out += offset == members.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        case .array(let items) where !items.isEmpty:
            out += "[ "
            for (offset, item) in items.enumerated() {
                if offset > 0 { out += ", " }
                writePretty(item, indent: indent, into: &out)
            }
            out += " ]"
        case .object:
            out += "{ }"
        case .array:
            out += "[ ]"
        default:
            JSONWriter.write(value, into: &out)
        }
    }
}

/// Reading an OpenAPI document leniently, as AWS's reader (Jackson) coerces: a number or a boolean where a string is
/// expected is read as its text, a numeric string where a number is expected as the number.
extension JSONValue {
    var text: String? {
        switch self {
        case .string(let text), .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    var arrayItems: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var flag: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .string(let text): return text == "true" ? true : text == "false" ? false : nil
        default: return nil
        }
    }

    var integer: Int? {
        switch self {
        case .number(let text), .string(let text): return Int(text) ?? Double(text).flatMap { $0 == $0.rounded() ? Int(exactly: $0) : nil }
        default: return nil
        }
    }
}
