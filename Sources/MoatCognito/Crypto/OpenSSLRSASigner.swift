import COpenSSL

/// An RSA private key held by OpenSSL, for RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256).
///
/// OpenSSL signs about twice as fast as swift-crypto on the machines Moat runs on, and every sign-in and refresh
/// signs two tokens. The key is only read after it is loaded and every signature uses its own digest context, which
/// OpenSSL 3 allows from any thread at once; hence `@unchecked Sendable`.
final class OpenSSLRSASigner: @unchecked Sendable {
    private let key: OpaquePointer

    /// Loads a PKCS#8 (or PKCS#1) DER private key; nil when OpenSSL cannot read it as an RSA key.
    init?(privateKeyDER der: [UInt8]) {
        var loaded: OpaquePointer?
        der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            loaded = d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let loaded else { return nil }
        guard EVP_PKEY_get_base_id(loaded) == EVP_PKEY_RSA else {
            EVP_PKEY_free(loaded)
            return nil
        }
        key = loaded
    }

    deinit { EVP_PKEY_free(key) }

    /// The RS256 signature of `message`; nil only when OpenSSL fails (out of memory).
    func sign(_ message: [UInt8]) -> [UInt8]? {
        guard let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { return nil }
        var length = 0
        guard message.withUnsafeBufferPointer({ EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }) == 1 else { return nil }
        var signature = [UInt8](repeating: 0, count: length)
        let status = signature.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer { EVP_DigestSign(context, out.baseAddress, &length, $0.baseAddress, $0.count) }
        }
        guard status == 1 else { return nil }
        return Array(signature.prefix(length))
    }
}
