/// The password verifier that Cognito stores for USER_SRP_AUTH instead of the password.
///
/// `x = H(PAD(salt) | H(poolName | userIdForSRP | ":" | password))` and `v = g^x mod N`, as Amplify and pycognito
/// compute them on the client side (see ``SRPGroup``). It is a password-equivalent for an offline guess, so it is
/// stored encrypted.
package struct SRPVerifier: Sendable, Equatable {
    /// The salt, 16 bytes whose first byte is not zero (see ``make(password:poolName:userIdForSRP:)``).
    package let salt: [UInt8]
    /// `v = g^x mod N`, big-endian, without leading zero bytes.
    package let verifier: [UInt8]

    /// The salt as the `SALT` challenge parameter carries it.
    package var saltHex: String { SRPHex.encode(salt) }

    /// A fresh salt and the verifier of `password`.
    ///
    /// The salt never starts with a zero byte: Amplify reads `SALT` as an integer and drops leading zeros, while
    /// pycognito hashes the hex as sent, so only such salts give both clients the same `PAD(salt)`.
    /// - Parameters:
    ///   - password: the user's password.
    ///   - poolName: the part of the pool id after `_` (``SRPGroup/poolName(fromPoolId:)``).
    ///   - userIdForSRP: the user's internal username, which Cognito returns as `USER_ID_FOR_SRP`.
    package static func make(password: String, poolName: String, userIdForSRP: String) -> SRPVerifier {
        var salt: [UInt8]
        repeat { salt = SecureRandom.bytes(16) } while salt[0] == 0
        return make(password: password, poolName: poolName, userIdForSRP: userIdForSRP, salt: salt)
    }

    /// The verifier of `password` under a given salt (for tests and for re-deriving a known vector).
    /// - Parameters:
    ///   - password: the user's password.
    ///   - poolName: the part of the pool id after `_`.
    ///   - userIdForSRP: the user's internal username.
    ///   - salt: the salt, big-endian.
    package static func make(password: String, poolName: String, userIdForSRP: String, salt: [UInt8]) -> SRPVerifier {
        let x = BigNumber(bytes: SRPGroup.passwordExponent(salt: salt, poolName: poolName, userIdForSRP: userIdForSRP, password: password))
        let v = SRPGroup.modulus.power(SRPGroup.generatorNumber, x)
        return SRPVerifier(salt: salt, verifier: v.bytes)
    }

    /// A stored salt and verifier.
    package init(salt: [UInt8], verifier: [UInt8]) {
        self.salt = salt
        self.verifier = verifier
    }
}
