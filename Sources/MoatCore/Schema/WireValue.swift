public import Foundation

/// A protocol-neutral value: what the codecs decode requests into and encode responses from.
///
/// Structures and maps are both `.object`; the ``ShapeSchema`` says which one a value is.
public enum WireValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case timestamp(Date)
    case blob(Data)
    case list([WireValue])
    case object([String: WireValue])

    public subscript(key: String) -> WireValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}
