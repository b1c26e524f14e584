import Crypto
import MoatCore

/// The SRP-6a group and hashing conventions of Cognito's USER_SRP_AUTH, as Amplify (`AuthenticationHelper.js`)
/// and pycognito (`aws_srp.py`) compute them.
///
/// Two conventions differ from RFC 5054 and are what make the bytes match:
/// - `PAD(x)` is not padding to the length of N: it is the shortest big-endian form of `x`, with one `00` byte in
///   front when the top bit is set (pycognito's `pad_hex`, Amplify's `padHex`), so `PAD(0x80) = 00 80`.
/// - `k = H(PAD(N) | PAD(g)) = SHA-256(00 ‖ N ‖ 02)` (pycognito: `hex_hash("00" + N_HEX + "0" + G_HEX)`).
package enum SRPGroup {
    /// The 3072-bit MODP group of RFC 3526 / RFC 5054, the `N_HEX` of Amplify and pycognito.
    package static let primeHex =
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
        + "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
        + "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
        + "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
        + "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
        + "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
        + "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
        + "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
        + "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
        + "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
        + "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
        + "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
        + "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
        + "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
        + "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
        + "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

    /// N as 384 big-endian bytes.
    package static let prime: [UInt8] = SRPHex.decode(primeHex)!

    /// The generator, 2.
    package static let generator: [UInt8] = [2]

    /// The multiplier `k = SHA-256(PAD(N) | PAD(g))`, as 32 big-endian bytes.
    package static let multiplier: [UInt8] = hash(pad(prime) + pad(generator))

    /// The HKDF info string of Cognito's session key.
    static let keyDerivationInfo = Array("Caldera Derived Key".utf8)

    static let modulus = MontgomeryModulus(bytes: prime)
    /// Fresh each time: a `BigNumber` is not shared between threads.
    static var generatorNumber: BigNumber { BigNumber(bytes: generator) }
    static var multiplierNumber: BigNumber { BigNumber(bytes: multiplier) }

    /// Cognito's `PAD`: the shortest big-endian form of the unsigned integer `bytes` (zero is one `00` byte), with a
    /// `00` byte in front when its top bit is set.
    package static func pad(_ bytes: [UInt8]) -> [UInt8] {
        let significant = bytes.drop { $0 == 0 }
        guard let first = significant.first else { return [0] }
        return first & 0x80 != 0 ? [0] + significant : Array(significant)
    }

    /// SHA-256.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// The pool name that SRP hashes: what follows the first `_` of a pool id (`us-east-1_AbC123` → `AbC123`), as
    /// Amplify's and pycognito's `pool_id.split("_")[1]`.
    package static func poolName(fromPoolId poolId: String) -> String {
        let parts = poolId.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count > 1 ? String(parts[1]) : ""
    }

    /// `x = H(PAD(salt) | H(poolName | userIdForSRP | ":" | password))`.
    static func passwordExponent(salt: [UInt8], poolName: String, userIdForSRP: String, password: String) -> [UInt8] {
        let identity = hash(Array("\(poolName)\(userIdForSRP):\(password)".utf8))
        return hash(pad(salt) + identity)
    }

    /// `u = H(PAD(A) | PAD(B))`.
    static func scrambler(clientA: [UInt8], serverB: [UInt8]) -> [UInt8] {
        hash(pad(clientA) + pad(serverB))
    }

    /// The 16-byte session key `K = HKDF-SHA256(ikm: PAD(S), salt: PAD(u), info: "Caldera Derived Key")`.
    static func sessionKey(premasterSecret: [UInt8], scrambler: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: pad(premasterSecret)),
            salt: pad(scrambler),
            info: keyDerivationInfo,
            outputByteCount: 16
        )
    }
}

/// Hexadecimal as Cognito's SRP challenge parameters carry it (`SRP_A`, `SRP_B`, `SALT`).
package enum SRPHex {
    /// Lowercase hex of the bytes, two digits each.
    package static func encode(_ bytes: [UInt8]) -> String { Hex.lowercase(bytes) }

    /// Lowercase hex of the integer without leading zero bytes (`"0"` for zero), as clients send `SRP_A`.
    package static func encodeInteger(_ bytes: [UInt8]) -> String {
        let significant = Array(bytes.drop { $0 == 0 })
        return significant.isEmpty ? "0" : encode(significant)
    }

    /// The bytes of a hex string of either case; an odd number of digits reads as if led by `0`. Nil when a
    /// character is not a hex digit or the text is empty.
    package static func decode(_ text: String) -> [UInt8]? {
        var nibbles = [UInt8]()
        nibbles.reserveCapacity(text.utf8.count + 1)
        for character in text.utf8 {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibbles.append(character - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibbles.append(character - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibbles.append(character - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        guard !nibbles.isEmpty else { return nil }
        if nibbles.count % 2 == 1 { nibbles.insert(0, at: 0) }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }
}
