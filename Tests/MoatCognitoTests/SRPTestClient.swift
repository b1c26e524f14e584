import COpenSSL
import Crypto
import Foundation

/// A second, independent USER_SRP_AUTH client, written from Amplify's `AuthenticationHelper.js` with plain OpenSSL
/// calls (`BN_mod_exp`, not the server's Montgomery path) and hex-string padding as the JavaScript does it, so that
/// property tests can run thousands of handshakes without python.
struct SRPTestClient {
    let poolId: String
    let userIdForSRP: String
    let password: String
    private let a: [UInt8]
    /// `A = g^a mod N`, hex as a client sends `SRP_A`.
    let publicHex: String

    static let nHex =
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
        + "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
        + "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
        + "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
        + "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
        + "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
        + "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
        + "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

    init(poolId: String, userIdForSRP: String, password: String) {
        self.poolId = poolId
        self.userIdForSRP = userIdForSRP
        self.password = password
        var generator = SystemRandomNumberGenerator()
        a = (0..<128).map { _ in UInt8.random(in: 0...255, using: &generator) }
        publicHex = Num.modExp(Num(hex: "2"), Num(bytes: a), Num(hex: Self.nHex)).hex
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for a challenge.
    func signature(saltHex: String, serverBHex: String, secretBlock: [UInt8], timestamp: String, passwordOverride: String? = nil) -> String
    {
        let n = Num(hex: Self.nHex)
        let g = Num(hex: "2")
        let k = Num(hex: Self.hexHash("00" + Self.nHex + "0" + "2"))
        let u = Num(hex: Self.hexHash(Self.padHex(publicHex) + Self.padHex(serverBHex)))
        let poolName = poolId.components(separatedBy: "_")[1]
        let identity = Self.hexHash(
            Data("\(poolName)\(userIdForSRP):\(passwordOverride ?? password)".utf8).map { String(format: "%02x", $0) }.joined())
        let x = Num(hex: Self.hexHash(Self.padHex(saltHex) + identity))
        // S = (B - k·g^x)^(a + u·x) mod N
        let base = Num.modSub(Num(hex: serverBHex), Num.modMul(k, Num.modExp(g, x, n), n), n)
        let s = Num.modExp(base, Num.add(Num(bytes: a), Num.mul(u, x)), n)
        let ikm = Self.bytes(hex: Self.padHex(s.hex))
        let salt = Self.bytes(hex: Self.padHex(u.hex))
        let prk = HMAC<SHA256>.authenticationCode(for: ikm, using: SymmetricKey(data: salt))
        let okm = HMAC<SHA256>.authenticationCode(for: Array("Caldera Derived Key".utf8) + [1], using: SymmetricKey(data: Data(prk)))
        let key = SymmetricKey(data: Array(okm).prefix(16))
        let message = Array(poolName.utf8) + Array(userIdForSRP.utf8) + secretBlock + Array(timestamp.utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    /// Amplify's `padHex` on hex text.
    static func padHex(_ hex: String) -> String {
        var text = String(hex.drop { $0 == "0" })
        if text.isEmpty { text = "0" }
        if text.count % 2 == 1 { return "0" + text }
        return "89ABCDEFabcdef".contains(text.first!) ? "00" + text : text
    }

    static func hexHash(_ hex: String) -> String {
        SHA256.hash(data: bytes(hex: hex)).map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8] {
        let characters = Array(hex.utf8)
        return stride(from: 0, to: characters.count, by: 2).map {
            UInt8(String(decoding: characters[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    /// A BIGNUM with the textbook (variable-time) operations.
    final class Num {
        let pointer: OpaquePointer

        init() { pointer = BN_new()! }
        convenience init(hex: String) {
            self.init()
            var p: OpaquePointer? = pointer
            _ = BN_hex2bn(&p, hex)
        }
        convenience init(bytes: [UInt8]) {
            self.init()
            _ = BN_bin2bn(bytes, Int32(bytes.count), pointer)
        }
        deinit { BN_free(pointer) }

        var hex: String {
            let text = BN_bn2hex(pointer)!
            defer { CRYPTO_free(text, #file, #line) }
            let value = String(cString: text).lowercased()
            return value == "0" ? "0" : value
        }

        static func modExp(_ a: Num, _ p: Num, _ m: Num) -> Num { op { BN_mod_exp($0, a.pointer, p.pointer, m.pointer, $1) } }
        static func modMul(_ a: Num, _ b: Num, _ m: Num) -> Num { op { BN_mod_mul($0, a.pointer, b.pointer, m.pointer, $1) } }
        static func modSub(_ a: Num, _ b: Num, _ m: Num) -> Num { op { BN_mod_sub($0, a.pointer, b.pointer, m.pointer, $1) } }
        static func mul(_ a: Num, _ b: Num) -> Num { op { BN_mul($0, a.pointer, b.pointer, $1) } }
        static func add(_ a: Num, _ b: Num) -> Num { op { r, _ in BN_add(r, a.pointer, b.pointer) } }

        private static func op(_ body: (OpaquePointer, OpaquePointer) -> Int32) -> Num {
            let result = Num()
            let context = BN_CTX_new()!
            defer { BN_CTX_free(context) }
            precondition(body(result.pointer, context) == 1)
            return result
        }
    }
}
