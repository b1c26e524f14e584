import Foundation

/// An API's `binaryMediaTypes`, deciding which bodies API Gateway treats as binary.
///
/// A type matches a `Content-Type` (or `Accept`) value when equal to its media type, parameters (`; charset=…`) and
/// case ignored; `image/*` matches every `image/…` type and `*/*` every type, even a request that names none. Types
/// may be given as the control plane's patch paths write them (`image~1png`).
package struct BinaryMediaTypes: Sendable, Equatable {
    private let types: [String]

    /// - Parameters:
    ///   - types: the API's `binaryMediaTypes` (nil or empty: no body is binary).
    package init(_ types: [String]?) {
        self.types = (types ?? []).map { $0.replacingOccurrences(of: "~1", with: "/").lowercased() }
    }

    /// Whether a body of this content type is binary.
    /// - Parameters:
    ///   - contentType: a `Content-Type` header value, or nil when the request has none.
    package func matches(contentType: String?) -> Bool {
        guard !types.isEmpty else { return false }
        guard let contentType else { return types.contains("*/*") }
        let mediaType = String(contentType.prefix { $0 != ";" && $0 != "," }).trimmingCharacters(in: .whitespaces).lowercased()
        let major = mediaType.prefix { $0 != "/" }
        return types.contains { type in
            type == "*/*" || type == mediaType || (type.hasSuffix("/*") && type.dropLast(2) == major)
        }
    }
}
