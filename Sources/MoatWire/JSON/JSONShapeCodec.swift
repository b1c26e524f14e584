import Foundation
import MoatCore

/// Gives a parsed JSON document the model's meaning (awsJson bodies and restJson1 bodies), and back.
///
/// Member names on the wire are `locationName` when the model gives one; timestamps are epoch seconds unless the
/// shape says otherwise; blobs are base64.
struct JSONShapeCodec {
    let schema: ShapeSchema

    // MARK: decoding

    func decodeStructure(_ json: JSONValue, shape: Shape, path: String, skipping: (ShapeMember) -> Bool = { _ in false })
        throws(CodecError) -> WireValue
    {
        guard case .object(let pairs) = json else {
            if json == .null { return .object([:]) }
            throw CodecError(path: path, message: "Value at '\(path.isEmpty ? "input" : path)' failed to satisfy constraint: Member must be an object")
        }
        var byName: [String: JSONValue] = [:]
        for (name, value) in pairs { byName[name] = value }
        var members: [String: WireValue] = [:]
        for member in shape.members where !skipping(member) {
            guard let value = byName[member.wireName], value != .null else { continue }
            let memberPath = path.isEmpty ? ShapeValidator.lowerFirst(member.name) : "\(path).\(ShapeValidator.lowerFirst(member.name))"
            members[member.name] = try decode(value, shapeName: member.shape, path: memberPath, timestampFormat: member.timestampFormat)
        }
        return .object(members)
    }

    func decode(_ json: JSONValue, shapeName: String, path: String, timestampFormat: String? = nil) throws(CodecError) -> WireValue {
        guard let shape = schema[shapeName] else { return .null }
        if json == .null { return .null }
        switch (shape.type, json) {
        case (.structure, _):
            return try decodeStructure(json, shape: shape, path: path)
        case (.list, .array(let items)):
            guard let element = shape.member else { return .list([]) }
            var values: [WireValue] = []
            values.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                values.append(try decode(item, shapeName: element.shape, path: "\(path).\(index + 1).member"))
            }
            return .list(values)
        case (.map, .object(let pairs)):
            guard let valueShape = shape.value else { return .object([:]) }
            var entries: [String: WireValue] = [:]
            for (key, item) in pairs { entries[key] = try decode(item, shapeName: valueShape.shape, path: "\(path).\(key)") }
            return .object(entries)
        case (.string, .string(let text)):
            return .string(text)
        case (.boolean, .bool(let flag)):
            return .bool(flag)
        case (.integer, .number(let text)), (.long, .number(let text)):
            guard let number = Int64(text) else { throw .typeMismatch(path: path, expected: "an integer", value: text) }
            return .integer(number)
        case (.double, .number(let text)), (.float, .number(let text)):
            guard let number = Double(text) else { throw .typeMismatch(path: path, expected: "a number", value: text) }
            return .double(number)
        case (.double, .string(let text)), (.float, .string(let text)):
            // Non-finite numbers travel as strings.
            guard ["NaN", "Infinity", "-Infinity"].contains(text), let number = Double(text.replacingOccurrences(of: "Infinity", with: "inf"))
            else { throw .typeMismatch(path: path, expected: "a number", value: text) }
            return .double(number)
        case (.timestamp, .number(let text)):
            guard let date = Double(text).flatMap(Timestamp.date(epochSeconds:)) else {
                throw .typeMismatch(path: path, expected: "a timestamp", value: text)
            }
            return .timestamp(date)
        case (.timestamp, .string(let text)):
            guard let date = Timestamp.parse(text) else { throw .typeMismatch(path: path, expected: "a timestamp", value: text) }
            return .timestamp(date)
        case (.blob, .string(let text)):
            guard let data = Data(base64Encoded: text) else { throw .typeMismatch(path: path, expected: "base64-encoded", value: text) }
            return .blob(data)
        default:
            throw CodecError(
                path: path,
                message: "Value at '\(path)' failed to satisfy constraint: Member must be of type \(shape.type.rawValue)"
            )
        }
    }

    // MARK: encoding

    func encodeStructure(_ value: WireValue, shape: Shape, including: (ShapeMember) -> Bool = { _ in true }) -> JSONValue {
        guard case .object(let members) = value else { return .object([]) }
        var pairs: [(String, JSONValue)] = []
        for member in shape.members where including(member) {
            guard let memberValue = members[member.name], memberValue != .null else { continue }
            pairs.append((member.wireName, encode(memberValue, shapeName: member.shape, timestampFormat: member.timestampFormat)))
        }
        return .object(pairs)
    }

    func encode(_ value: WireValue, shapeName: String, timestampFormat: String? = nil) -> JSONValue {
        let shape = schema[shapeName]
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .integer(let number): return .number(String(number))
        case .double(let number):
            if number.isNaN { return .string("NaN") }
            if number.isInfinite { return .string(number > 0 ? "Infinity" : "-Infinity") }
            return .number(ShapeValidator.format(number))
        case .string(let text): return .string(text)
        case .timestamp(let date):
            switch timestampFormat ?? shape?.timestampFormat {
            case "iso8601": return .string(Timestamp.iso8601(date))
            case "rfc822": return .string(Timestamp.httpDate(date))
            default: return .number(ShapeValidator.format(Timestamp.epochSeconds(date)))
            }
        case .blob(let data): return .string(data.base64EncodedString())
        case .list(let items):
            let element = shape?.member?.shape ?? ""
            return .array(items.map { encode($0, shapeName: element) })
        case .object(let members):
            if let shape, shape.type == .structure { return encodeStructure(value, shape: shape) }
            let element = shape?.value?.shape ?? ""
            return .object(members.sorted { $0.key < $1.key }.map { ($0.key, encode($0.value, shapeName: element)) })
        }
    }
}
