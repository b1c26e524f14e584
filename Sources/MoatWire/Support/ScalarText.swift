public import MoatCore
import Foundation

/// Scalars carried as text: query parameters, URI labels, headers.
enum ScalarText {
    static func decode(_ text: String, shape: Shape, path: String) throws(CodecError) -> WireValue {
        switch shape.type {
        case .string:
            return .string(text)
        case .integer, .long:
            guard let number = Int64(text) else { throw .typeMismatch(path: path, expected: "a number", value: text) }
            return .integer(number)
        case .double, .float:
            guard let number = Double(text), number.isFinite else {
                throw .typeMismatch(path: path, expected: "a number", value: text)
            }
            return .double(number)
        case .boolean:
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw .typeMismatch(path: path, expected: "a boolean", value: text)
            }
        case .timestamp:
            guard let date = Timestamp.parse(text) else { throw .typeMismatch(path: path, expected: "a timestamp", value: text) }
            return .timestamp(date)
        case .blob:
            guard let data = Data(base64Encoded: text) else { throw .typeMismatch(path: path, expected: "base64", value: text) }
            return .blob(data)
        case .structure, .list, .map:
            throw CodecError(path: path, message: "Value at '\(path)' failed to satisfy constraint: Member must be a \(shape.type.rawValue)")
        }
    }

    static func encode(_ value: WireValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .double(let number): return ShapeValidator.format(number)
        case .string(let text): return text
        case .timestamp(let date): return Timestamp.iso8601(date)
        case .blob(let data): return data.base64EncodedString()
        case .list, .object: return ""
        }
    }
}
