public import Foundation
import Crypto

/// Cognito's SECRET_HASH: `Base64(HMAC-SHA256(clientSecret, username ‖ clientId))`.
public enum SecretHash {
    /// The hash a client with a secret sends for `username`.
    public static func compute(secret: String, username: String, clientId: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Data((username + clientId).utf8), using: key)).base64EncodedString()
    }

    /// Whether `given` is the hash of one of `usernames`, compared in constant time.
    static func matches(_ given: String, secret: String, usernames: [String], clientId: String) -> Bool {
        guard let claimed = Data(base64Encoded: given) else { return false }
        let key = SymmetricKey(data: Data(secret.utf8))
        return usernames.contains { name in
            HMAC<SHA256>.isValidAuthenticationCode(claimed, authenticating: Data((name + clientId).utf8), using: key)
        }
    }
}
