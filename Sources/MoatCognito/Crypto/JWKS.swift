package import MoatCore

/// The document served at `/{userPoolId}/.well-known/jwks.json`.
package enum JWKS {
    /// `{"keys":[…]}` with each key's ``TokenSigningKey/jwk``.
    /// - Parameter keys: the pool's keys, current first.
    package static func document(keys: [TokenSigningKey]) -> JSONValue {
        .object([("keys", .array(keys.map(\.jwk)))])
    }

    /// The document as JSON text.
    /// - Parameter keys: the pool's keys, current first.
    package static func json(keys: [TokenSigningKey]) -> String {
        var text = ""
        JSONWriter.write(document(keys: keys), into: &text)
        return text
    }
}
