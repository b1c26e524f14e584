import Foundation

/// Decodes `Decodable` values (the generated request shapes) from a ``WireValue``.
///
/// The mapping: `.string` → `String` and string-backed `RawRepresentable` types; `.integer` → every integer type (range
/// checked); `.double` → `Double`/`Float` (integers accepted); `.bool` → `Bool`; `.timestamp` → `Date` (numbers are
/// read as seconds since 1970); `.blob` → `Data`; `.list` → arrays; `.object` → structures and `[String: T]`;
/// `.null` or a missing member → `nil` for optionals. A ``WireValue`` member (a document) receives the value as is.
///
/// A mismatch throws `DecodingError` with the coding path of the offending value.
public struct WireValueDecoder: Sendable {
    public init() {}

    /// Decodes a value of `type` from `value`.
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - value: The protocol-neutral value a codec produced.
    public func decode<T: Decodable>(_ type: T.Type, from value: WireValue) throws -> T {
        try WireDecoding.unbox(value, as: type, codingPath: [])
    }
}

/// A coding key for list indices and dictionary keys met while coding a ``WireValue``.
struct WireCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

extension WireValue {
    /// The name of the case, for error messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .double: "a double"
        case .string: "a string"
        case .timestamp: "a timestamp"
        case .blob: "a blob"
        case .list: "a list"
        case .object: "an object"
        }
    }
}

enum WireDecoding {
    static func unbox<T: Decodable>(_ value: WireValue, as type: T.Type, codingPath: [any CodingKey]) throws -> T {
        if type == WireValue.self {
            return value as! T
        }
        if type == Date.self {
            return try unboxDate(value, codingPath: codingPath) as! T
        }
        if type == Data.self {
            return try unboxData(value, codingPath: codingPath) as! T
        }
        return try T(from: WireValueDecoding(value: value, codingPath: codingPath))
    }

    static func unboxDate(_ value: WireValue, codingPath: [any CodingKey]) throws -> Date {
        switch value {
        case .timestamp(let date): return date
        case .integer(let seconds): return Date(timeIntervalSince1970: TimeInterval(seconds))
        case .double(let seconds): return Date(timeIntervalSince1970: seconds)
        default: throw mismatch(Date.self, expected: "a timestamp", found: value, codingPath: codingPath)
        }
    }

    static func unboxData(_ value: WireValue, codingPath: [any CodingKey]) throws -> Data {
        guard case .blob(let data) = value else {
            throw mismatch(Data.self, expected: "a blob", found: value, codingPath: codingPath)
        }
        return data
    }

    static func mismatch(_ type: Any.Type, expected: String, found value: WireValue, codingPath: [any CodingKey])
        -> DecodingError
    {
        if value == .null {
            return DecodingError.valueNotFound(
                type,
                DecodingError.Context(codingPath: codingPath, debugDescription: "Expected \(expected) but found null")
            )
        }
        return DecodingError.typeMismatch(
            type,
            DecodingError.Context(codingPath: codingPath, debugDescription: "Expected \(expected) but found \(value.kindDescription)")
        )
    }

    static func integer<I: FixedWidthInteger>(_ value: WireValue, as type: I.Type, codingPath: [any CodingKey]) throws -> I {
        guard case .integer(let number) = value else {
            throw mismatch(type, expected: "an integer", found: value, codingPath: codingPath)
        }
        guard let result = I(exactly: number) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "Number \(number) does not fit in \(I.self)")
            )
        }
        return result
    }

    static func double(_ value: WireValue, codingPath: [any CodingKey]) throws -> Double {
        switch value {
        case .double(let number): return number
        case .integer(let number): return Double(number)
        default: throw mismatch(Double.self, expected: "a number", found: value, codingPath: codingPath)
        }
    }

    static func float(_ value: WireValue, codingPath: [any CodingKey]) throws -> Float {
        let number = try double(value, codingPath: codingPath)
        guard !number.isFinite || abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "Number \(number) does not fit in Float")
            )
        }
        return Float(number)
    }

    static func string(_ value: WireValue, codingPath: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else {
            throw mismatch(String.self, expected: "a string", found: value, codingPath: codingPath)
        }
        return string
    }

    static func bool(_ value: WireValue, codingPath: [any CodingKey]) throws -> Bool {
        guard case .bool(let bool) = value else {
            throw mismatch(Bool.self, expected: "a boolean", found: value, codingPath: codingPath)
        }
        return bool
    }
}

/// The `Decoder` over one ``WireValue``.
struct WireValueDecoding: Decoder {
    let value: WireValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw WireDecoding.mismatch([String: WireValue].self, expected: "an object", found: value, codingPath: codingPath)
        }
        return KeyedDecodingContainer(WireKeyedDecodingContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let elements) = value else {
            throw WireDecoding.mismatch([WireValue].self, expected: "a list", found: value, codingPath: codingPath)
        }
        return WireUnkeyedDecodingContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        WireSingleValueDecodingContainer(value: value, codingPath: codingPath)
    }
}

struct WireKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: WireValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func value(for key: Key) throws -> WireValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: codingPath, debugDescription: "No value for key '\(key.stringValue)'")
            )
        }
        return value
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    func decodeNil(forKey key: Key) throws -> Bool {
        try value(for: key) == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try WireDecoding.bool(value(for: key), codingPath: path(key))
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try WireDecoding.string(value(for: key), codingPath: path(key))
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try WireDecoding.double(value(for: key), codingPath: path(key))
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try WireDecoding.float(value(for: key), codingPath: path(key))
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

    private func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I {
        try WireDecoding.integer(value(for: key), as: type, codingPath: path(key))
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try WireDecoding.unbox(value(for: key), as: type, codingPath: path(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue], value != .null else { return nil }
        return try WireDecoding.unbox(value, as: type, codingPath: path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try WireValueDecoding(value: value(for: key), codingPath: path(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try WireValueDecoding(value: value(for: key), codingPath: path(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let key = WireCodingKey(stringValue: "super")
        return WireValueDecoding(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        WireValueDecoding(value: members[key.stringValue] ?? .null, codingPath: path(key))
    }
}

struct WireUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let elements: [WireValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(elements: [WireValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var currentPath: [any CodingKey] { codingPath + [WireCodingKey(intValue: currentIndex)] }

    private mutating func next<T>(_ type: T.Type, _ read: (WireValue, [any CodingKey]) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                DecodingError.Context(codingPath: currentPath, debugDescription: "Unkeyed container is at end")
            )
        }
        let result = try read(elements[currentIndex], currentPath)
        currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                WireValue.self,
                DecodingError.Context(codingPath: currentPath, debugDescription: "Unkeyed container is at end")
            )
        }
        if elements[currentIndex] == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type, WireDecoding.bool) }
    mutating func decode(_ type: String.Type) throws -> String { try next(type, WireDecoding.string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type, WireDecoding.double) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type, WireDecoding.float) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private mutating func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try next(type) { value, path in try WireDecoding.integer(value, as: type, codingPath: path) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next(type) { value, path in try WireDecoding.unbox(value, as: type, codingPath: path) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self) { value, path in
            try WireValueDecoding(value: value, codingPath: path).container(keyedBy: type)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self) { value, path in
            try WireValueDecoding(value: value, codingPath: path).unkeyedContainer()
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next((any Decoder).self) { value, path in WireValueDecoding(value: value, codingPath: path) }
    }
}

struct WireSingleValueDecodingContainer: SingleValueDecodingContainer {
    let value: WireValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool { try WireDecoding.bool(value, codingPath: codingPath) }
    func decode(_ type: String.Type) throws -> String { try WireDecoding.string(value, codingPath: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try WireDecoding.double(value, codingPath: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try WireDecoding.float(value, codingPath: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try WireDecoding.integer(value, as: type, codingPath: codingPath)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try WireDecoding.unbox(value, as: type, codingPath: codingPath)
    }
}

extension WireValue: Decodable {
    /// Decodes a document from any decoder (the ``WireValueDecoder`` hands the value over as is).
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? WireValueDecoding {
            self = decoder.value
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var elements: [WireValue] = []
            while !list.isAtEnd { elements.append(try list.decode(WireValue.self)) }
            self = .list(elements)
            return
        }
        if let object = try? decoder.container(keyedBy: WireCodingKey.self) {
            var members: [String: WireValue] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(WireValue.self, forKey: key) }
            self = .object(members)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else {
            self = .string(try container.decode(String.self))
        }
    }
}
