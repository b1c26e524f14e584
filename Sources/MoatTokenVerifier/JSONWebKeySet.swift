import MoatCore

/// An issuer's RSA public keys, read from its JWKS document (`{"keys":[…]}`).
///
/// Only keys that can check RS256 signatures are kept: `kty` `RSA` with `n`, `e` and a `kid`, `alg` `RS256` when it
/// is given and `use` `sig` when it is given. Other entries (EC keys, encryption keys, keys below 2048 bits) are
/// skipped rather than failing the whole set, so an issuer that publishes more than Cognito does still works; a
/// document with no usable key at all is refused, so that a wrong URL or an empty answer never replaces good keys.
public struct JSONWebKeySet: Sendable {
    /// The largest document read: Cognito's has two keys in under 1 KiB.
    public static let maximumSize = 65_536
    /// The most entries read from one document.
    static let maximumKeys = 100

    /// The usable keys, in document order.
    package let keys: [JSONWebKey]

    /// Reads a JWKS document.
    /// - Parameter json: the document's UTF-8 bytes.
    /// - Throws: ``TokenVerificationError/keysUnavailable`` when it is larger than ``maximumSize``, is not a JSON
    ///   object with a `keys` array, or holds no usable RSA key.
    public init(json: some Collection<UInt8>) throws(TokenVerificationError) {
        guard json.count <= Self.maximumSize,
            let document = try? JSONParser.parse(Array(json), maximumDepth: 8),
            case .array(let entries)? = document["keys"], entries.count <= Self.maximumKeys
        else { throw .keysUnavailable }
        var keys: [JSONWebKey] = []
        for entry in entries {
            guard let key = Self.key(entry), !keys.contains(where: { $0.id == key.id }) else { continue }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw .keysUnavailable }
        self.keys = keys
    }

    /// A set of keys already at hand (the keys of a user pool served in the same process).
    /// - Parameter keys: the keys; for a repeated `kid`, the first is kept.
    package init(keys: [JSONWebKey]) {
        var unique: [JSONWebKey] = []
        for key in keys where !unique.contains(where: { $0.id == key.id }) { unique.append(key) }
        self.keys = unique
    }

    /// The key a token header names.
    /// - Parameter id: the header's `kid`.
    public func key(id: String) -> JSONWebKey? {
        keys.first { $0.id == id }
    }

    /// The key an entry describes, or nil when it cannot check RS256 signatures.
    private static func key(_ entry: JSONValue) -> JSONWebKey? {
        guard entry["kty"] == .string("RSA"),
            entry["alg"] == nil || entry["alg"] == .string("RS256"),
            entry["use"] == nil || entry["use"] == .string("sig"),
            case .string(let kid)? = entry["kid"], !kid.isEmpty,
            case .string(let n)? = entry["n"], let modulus = JWTBase64URL.decode(n.utf8),
            case .string(let e)? = entry["e"], let exponent = JWTBase64URL.decode(e.utf8)
        else { return nil }
        return JSONWebKey(id: kid, modulus: modulus, exponent: exponent)
    }
}
