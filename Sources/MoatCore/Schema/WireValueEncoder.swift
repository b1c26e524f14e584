import Foundation

/// Encodes `Encodable` values (the generated response shapes) into a ``WireValue``.
///
/// Structures and `[String: T]` become `.object`, arrays `.list`, `Date` `.timestamp`, `Data` `.blob`, integers
/// `.integer`, floating-point numbers `.double`; nil optionals are left out; a ``WireValue`` member (a document) is
/// stored as is. A value that encodes nothing becomes an empty object.
public struct WireValueEncoder: Sendable {
    public init() {}

    /// Encodes `value`.
    /// - Parameter value: The value to encode.
    public func encode<T: Encodable>(_ value: T) throws -> WireValue {
        let node = WireEncodingNode()
        try WireEncoding.box(value, into: node, codingPath: [])
        return node.resolved()
    }
}

/// A value under construction: containers write into nodes and the tree is resolved at the end.
final class WireEncodingNode {
    enum Content {
        case empty
        case value(WireValue)
        case object([String: WireEncodingNode])
        case list([WireEncodingNode])
    }

    var content: Content = .empty

    func resolved() -> WireValue {
        switch content {
        case .empty: .object([:])
        case .value(let value): value
        case .object(let members): .object(members.mapValues { $0.resolved() })
        case .list(let elements): .list(elements.map { $0.resolved() })
        }
    }

    /// Makes the node an object (keeping members already written) and adds a member node.
    func member(_ key: String) -> WireEncodingNode {
        var members: [String: WireEncodingNode] = [:]
        if case .object(let existing) = content { members = existing }
        let child = WireEncodingNode()
        members[key] = child
        content = .object(members)
        return child
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([:])
    }

    func makeList() {
        if case .list = content { return }
        content = .list([])
    }

    /// Appends an element node (the node must be a list).
    func append() -> WireEncodingNode {
        var elements: [WireEncodingNode] = []
        if case .list(let existing) = content { elements = existing }
        let child = WireEncodingNode()
        elements.append(child)
        content = .list(elements)
        return child
    }

    var count: Int {
        switch content {
        case .list(let elements): elements.count
        case .object(let members): members.count
        default: 0
        }
    }
}

enum WireEncoding {
    static func box<T: Encodable>(_ value: T, into node: WireEncodingNode, codingPath: [any CodingKey]) throws {
        switch value {
        case let value as WireValue:
            node.content = .value(value)
        case let date as Date:
            node.content = .value(.timestamp(date))
        case let data as Data:
            node.content = .value(.blob(data))
        default:
            try value.encode(to: WireValueEncoding(node: node, codingPath: codingPath))
        }
    }

    static func integer<I: FixedWidthInteger>(_ value: I, codingPath: [any CodingKey]) throws -> WireValue {
        guard let number = Int64(exactly: value) else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(codingPath: codingPath, debugDescription: "Number \(value) does not fit in Int64")
            )
        }
        return .integer(number)
    }
}

/// The `Encoder` writing into one node.
struct WireValueEncoding: Encoder {
    let node: WireEncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(WireKeyedEncodingContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeList()
        return WireUnkeyedEncodingContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        WireSingleValueEncodingContainer(node: node, codingPath: codingPath)
    }
}

struct WireKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: WireEncodingNode
    let codingPath: [any CodingKey]

    private func set(_ value: WireValue, _ key: Key) {
        node.member(key.stringValue).content = .value(value)
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try integer(value, key) }

    private func integer<I: FixedWidthInteger>(_ value: I, _ key: Key) throws {
        set(try WireEncoding.integer(value, codingPath: codingPath + [key]), key)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try WireEncoding.box(value, into: node.member(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        WireValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        WireValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let key = WireCodingKey(stringValue: "super")
        return WireValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        WireValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

struct WireUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let node: WireEncodingNode
    let codingPath: [any CodingKey]

    var count: Int { node.count }

    private var nextPath: [any CodingKey] { codingPath + [WireCodingKey(intValue: count)] }

    private func append(_ value: WireValue) {
        node.append().content = .value(value)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { try integer(value) }
    mutating func encode(_ value: Int8) throws { try integer(value) }
    mutating func encode(_ value: Int16) throws { try integer(value) }
    mutating func encode(_ value: Int32) throws { try integer(value) }
    mutating func encode(_ value: Int64) throws { try integer(value) }
    mutating func encode(_ value: UInt) throws { try integer(value) }
    mutating func encode(_ value: UInt8) throws { try integer(value) }
    mutating func encode(_ value: UInt16) throws { try integer(value) }
    mutating func encode(_ value: UInt32) throws { try integer(value) }
    mutating func encode(_ value: UInt64) throws { try integer(value) }

    private func integer<I: FixedWidthInteger>(_ value: I) throws {
        append(try WireEncoding.integer(value, codingPath: nextPath))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try WireEncoding.box(value, into: node.append(), codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return WireValueEncoding(node: node.append(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return WireValueEncoding(node: node.append(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return WireValueEncoding(node: node.append(), codingPath: path)
    }
}

struct WireSingleValueEncodingContainer: SingleValueEncodingContainer {
    let node: WireEncodingNode
    let codingPath: [any CodingKey]

    private func set(_ value: WireValue) {
        node.content = .value(value)
    }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    mutating func encode(_ value: Float) throws { set(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { try integer(value) }
    mutating func encode(_ value: Int8) throws { try integer(value) }
    mutating func encode(_ value: Int16) throws { try integer(value) }
    mutating func encode(_ value: Int32) throws { try integer(value) }
    mutating func encode(_ value: Int64) throws { try integer(value) }
    mutating func encode(_ value: UInt) throws { try integer(value) }
    mutating func encode(_ value: UInt8) throws { try integer(value) }
    mutating func encode(_ value: UInt16) throws { try integer(value) }
    mutating func encode(_ value: UInt32) throws { try integer(value) }
    mutating func encode(_ value: UInt64) throws { try integer(value) }

    private func integer<I: FixedWidthInteger>(_ value: I) throws {
        set(try WireEncoding.integer(value, codingPath: codingPath))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try WireEncoding.box(value, into: node, codingPath: codingPath)
    }
}

extension WireValue: Encodable {
    /// Encodes a document into any encoder (the ``WireValueEncoder`` stores the value as is).
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .integer(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .timestamp(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .blob(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .list(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let members):
            var container = encoder.container(keyedBy: WireCodingKey.self)
            for (key, value) in members { try container.encode(value, forKey: WireCodingKey(stringValue: key)) }
        }
    }
}
