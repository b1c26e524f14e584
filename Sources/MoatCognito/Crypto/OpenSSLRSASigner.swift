import COpenSSL
import Synchronization

/// An RSA private key held by OpenSSL, for RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256).
///
/// OpenSSL signs about twice as fast as swift-crypto on the machines Moat runs on, and every sign-in and refresh
/// signs two tokens. Setting up a signing context (fetching SHA-256 from the provider, preparing the key) costs
/// OpenSSL 3 as much again as a small signature, so it is done once: each signature copies a prepared context.
/// The key and the prepared context are only read after loading, and the copy is made under a lock; hence
/// `@unchecked Sendable`.
final class OpenSSLRSASigner: @unchecked Sendable {
    private let key: OpaquePointer
    private let digest: OpaquePointer
    private let prepared: OpaquePointer
    private let lock = Mutex(())

    /// Loads a PKCS#8 (or PKCS#1) DER private key; nil when OpenSSL cannot read it as an RSA key.
    init?(privateKeyDER der: [UInt8]) {
        var loaded: OpaquePointer?
        der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            loaded = d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let loaded else { return nil }
        guard EVP_PKEY_get_base_id(loaded) == EVP_PKEY_RSA, let digest = EVP_MD_fetch(nil, "SHA256", nil) else {
            EVP_PKEY_free(loaded)
            return nil
        }
        guard let prepared = EVP_MD_CTX_new() else {
            EVP_MD_free(digest)
            EVP_PKEY_free(loaded)
            return nil
        }
        guard EVP_DigestSignInit(prepared, nil, digest, nil, loaded) == 1 else {
            EVP_MD_CTX_free(prepared)
            EVP_MD_free(digest)
            EVP_PKEY_free(loaded)
            return nil
        }
        self.key = loaded
        self.digest = digest
        self.prepared = prepared
    }

    deinit {
        EVP_MD_CTX_free(prepared)
        EVP_MD_free(digest)
        EVP_PKEY_free(key)
    }

    /// The RS256 signature of `message`; nil only when OpenSSL fails (out of memory).
    func sign(_ message: [UInt8]) -> [UInt8]? {
        guard let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        let copied = lock.withLock { _ in EVP_MD_CTX_copy_ex(context, prepared) }
        guard copied == 1 else { return nil }
        var length = Int(EVP_PKEY_get_size(key))
        var signature = [UInt8](repeating: 0, count: length)
        let status = signature.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer { EVP_DigestSign(context, out.baseAddress, &length, $0.baseAddress, $0.count) }
        }
        guard status == 1 else { return nil }
        return Array(signature.prefix(length))
    }
}
