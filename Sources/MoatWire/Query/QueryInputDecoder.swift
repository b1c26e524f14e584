import Foundation
import MoatCore

/// Decodes awsQuery input: form parameters such as `UserName=bob`, `Tags.member.1.Key=team`,
/// `Attributes.entry.1.key=k`, into a ``WireValue`` shaped by the model.
struct QueryInputDecoder {
    let schema: ShapeSchema

    /// Parameters with a dotted name grouped into a tree (`Tags` → `member` → `1` → `Key`).
    final class Node {
        var value: String?
        var children: [String: Node] = [:]

        func child(_ name: String) -> Node {
            if let existing = children[name] { return existing }
            let node = Node()
            children[name] = node
            return node
        }
    }

    /// Limits that keep hostile parameter names from costing more than the body limit already allows.
    static let maximumDepth = 16
    static let maximumListIndex = 1000

    func decode(parameters: [(String, String)], shape shapeName: String) throws(CodecError) -> WireValue {
        let root = Node()
        for (name, value) in parameters where name != "Action" && name != "Version" && !name.hasPrefix("X-Amz-") {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= Self.maximumDepth else {
                throw CodecError(path: name, message: "Parameter '\(name)' is nested too deeply")
            }
            var node = root
            for part in parts { node = node.child(String(part)) }
            node.value = value
        }
        guard let shape = schema[shapeName] else { return .object([:]) }
        return try decodeStructure(root, shape: shape, path: "")
    }

    private func decode(_ node: Node, shapeName: String, path: String, flattened: Bool) throws(CodecError) -> WireValue {
        guard let shape = schema[shapeName] else { return .null }
        switch shape.type {
        case .structure:
            return try decodeStructure(node, shape: shape, path: path)
        case .list:
            return try decodeList(node, shape: shape, path: path, flattened: flattened || shape.isFlattened)
        case .map:
            return try decodeMap(node, shape: shape, path: path, flattened: flattened || shape.isFlattened)
        default:
            return try ScalarText.decode(node.value ?? "", shape: shape, path: path)
        }
    }

    private func decodeStructure(_ node: Node, shape: Shape, path: String) throws(CodecError) -> WireValue {
        var members: [String: WireValue] = [:]
        for member in shape.members {
            guard let child = node.children[member.wireName] else { continue }
            let memberPath = path.isEmpty ? ShapeValidator.lowerFirst(member.name) : "\(path).\(ShapeValidator.lowerFirst(member.name))"
            members[member.name] = try decode(child, shapeName: member.shape, path: memberPath, flattened: member.isFlattened)
        }
        return .object(members)
    }

    private func decodeList(_ node: Node, shape: Shape, path: String, flattened: Bool) throws(CodecError) -> WireValue {
        guard let element = shape.member else { return .list([]) }
        // `Name=` with no members is how clients send an empty list.
        let items = flattened ? node : (node.children[element.locationName ?? "member"] ?? Node())
        let indexed = try indexedChildren(items, path: path)
        var values: [WireValue] = []
        values.reserveCapacity(indexed.count)
        for (index, child) in indexed {
            values.append(try decode(child, shapeName: element.shape, path: "\(path).\(index).member", flattened: false))
        }
        return .list(values)
    }

    private func decodeMap(_ node: Node, shape: Shape, path: String, flattened: Bool) throws(CodecError) -> WireValue {
        guard let keyShape = shape.key, let valueShape = shape.value else { return .object([:]) }
        let entries = flattened ? node : (node.children["entry"] ?? Node())
        var result: [String: WireValue] = [:]
        for (_, entry) in try indexedChildren(entries, path: path) {
            guard let key = entry.children[keyShape.locationName ?? "key"]?.value else {
                throw CodecError(path: path, message: "Value at '\(path)' failed to satisfy constraint: Map entries must have a key")
            }
            let value = entry.children[valueShape.locationName ?? "value"] ?? Node()
            result[key] = try decode(value, shapeName: valueShape.shape, path: "\(path).\(key)", flattened: false)
        }
        return .object(result)
    }

    /// Children named `1`, `2`, … in index order; AWS numbers list members from 1.
    private func indexedChildren(_ node: Node, path: String) throws(CodecError) -> [(Int, Node)] {
        var result: [(Int, Node)] = []
        for (name, child) in node.children {
            guard let index = Int(name), index >= 1, index <= Self.maximumListIndex else {
                throw CodecError(path: path, message: "Value '\(name)' at '\(path)' failed to satisfy constraint: Member must be a list index")
            }
            result.append((index, child))
        }
        return result.sorted { $0.0 < $1.0 }
    }
}
