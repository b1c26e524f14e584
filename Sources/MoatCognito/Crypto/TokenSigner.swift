import Crypto
import CryptoExtras
import Foundation
package import MoatCore

/// Signs and verifies RS256 JWTs as Cognito issues them.
package enum TokenSigner {
    /// `header.payload.signature`, with the header `{"kid":…,"alg":"RS256"}` in Cognito's order and the claims
    /// serialized in the order given.
    /// - Parameters:
    ///   - claims: a JSON object.
    ///   - key: the pool's current key.
    package static func sign(claims: JSONValue, with key: TokenSigningKey) throws -> String {
        var header = ""
        JSONWriter.write(.object([("kid", .string(key.kid)), ("alg", .string("RS256"))]), into: &header)
        var payload = ""
        JSONWriter.write(claims, into: &payload)
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let message = Array(signingInput.utf8)
        if let signature = key.signer?.sign(message) { return signingInput + "." + Base64URL.encode(signature) }
        let signature = try key.privateKey.signature(for: message, padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// The claims of a token signed by one of `keys`, after checking its header and signature (and nothing else:
    /// expiry, issuer, audience and `token_use` are the caller's).
    /// - Parameters:
    ///   - token: the compact JWT.
    ///   - keys: the pool's keys.
    /// - Throws: ``CognitoCryptoError`` naming what is wrong.
    package static func verify(_ token: String, keys: [TokenSigningKey]) throws(CognitoCryptoError) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let signatureBytes = Base64URL.decode(parts[2]),
            let header = try? JSONParser.parse(headerBytes), header.members != nil,
            let claims = try? JSONParser.parse(payloadBytes), claims.members != nil
        else { throw .malformedToken }
        guard header["alg"] == .string("RS256") else { throw .unsupportedTokenAlgorithm }
        guard case .string(let kid) = header["kid"], let key = keys.first(where: { $0.kid == kid }) else { throw .unknownTokenKey }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureBytes)
        guard key.privateKey.publicKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5) else {
            throw .invalidTokenSignature
        }
        return claims
    }
}
