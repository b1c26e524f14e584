import COpenSSL

/// An OpenSSL `BIGNUM` owned by Swift, for the SRP arithmetic only.
///
/// Values here include the server's ephemeral secret and the password verifier, so storage is wiped on release
/// (`BN_clear_free`). OpenSSL fails these calls only when it cannot allocate memory; that stops the process, as
/// running out of memory would anyway.
final class BigNumber {
    let pointer: OpaquePointer

    /// Zero.
    init() {
        guard let pointer = BN_new() else { fatalError("OpenSSL could not allocate a BIGNUM") }
        self.pointer = pointer
    }

    /// The unsigned big-endian integer `bytes` (empty means zero).
    convenience init(bytes: [UInt8]) {
        self.init()
        let converted = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), pointer) }
        precondition(converted != nil, "BN_bin2bn failed")
    }

    deinit { BN_clear_free(pointer) }

    /// Minimal big-endian bytes: no leading zero byte, and `[]` for zero.
    var bytes: [UInt8] {
        let count = (Int(BN_num_bits(pointer)) + 7) / 8
        return bytes(count: count)
    }

    /// Big-endian bytes left-padded with zeros to `count` (which must hold the value).
    func bytes(count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let written = out.withUnsafeMutableBufferPointer { BN_bn2binpad(pointer, $0.baseAddress, Int32(count)) }
        precondition(written == Int32(count), "BN_bn2binpad: value wider than \(count) bytes")
        return out
    }

    var isZero: Bool { BN_is_zero(pointer) == 1 }

    /// -1, 0 or 1 as `self` is below, equal to or above `other` (both non-negative).
    func compare(_ other: BigNumber) -> Int32 { BN_ucmp(pointer, other.pointer) }
}

/// Arithmetic modulo one odd modulus, with its Montgomery context computed once.
///
/// `BN_MONT_CTX` is only read by the exponentiation (`const BN_MONT_CTX *in_mont`), so one instance serves every
/// thread.
final class MontgomeryModulus: @unchecked Sendable {
    let modulus: BigNumber
    private let montgomery: OpaquePointer

    init(bytes: [UInt8]) {
        modulus = BigNumber(bytes: bytes)
        guard let montgomery = BN_MONT_CTX_new() else { fatalError("OpenSSL could not allocate a BN_MONT_CTX") }
        self.montgomery = montgomery
        Self.withContext { context in
            precondition(BN_MONT_CTX_set(montgomery, modulus.pointer, context) == 1, "BN_MONT_CTX_set failed")
        }
    }

    deinit { BN_MONT_CTX_free(montgomery) }

    /// `base ^ exponent mod modulus` by `BN_mod_exp_mont_consttime`, whose running time does not depend on the
    /// exponent's bits (the exponents here are secrets: the server's `b`, the password-derived `x`).
    func power(_ base: BigNumber, _ exponent: BigNumber) -> BigNumber {
        let result = BigNumber()
        let reduced = reduce(base)
        Self.withContext { context in
            let status = BN_mod_exp_mont_consttime(result.pointer, reduced.pointer, exponent.pointer, modulus.pointer, context, montgomery)
            precondition(status == 1, "BN_mod_exp_mont_consttime failed")
        }
        return result
    }

    /// `a · b mod modulus`.
    func multiply(_ a: BigNumber, _ b: BigNumber) -> BigNumber {
        let result = BigNumber()
        Self.withContext { context in
            precondition(BN_mod_mul(result.pointer, a.pointer, b.pointer, modulus.pointer, context) == 1, "BN_mod_mul failed")
        }
        return result
    }

    /// `a + b mod modulus`.
    func add(_ a: BigNumber, _ b: BigNumber) -> BigNumber {
        let result = BigNumber()
        Self.withContext { context in
            precondition(BN_mod_add(result.pointer, a.pointer, b.pointer, modulus.pointer, context) == 1, "BN_mod_add failed")
        }
        return result
    }

    /// `value mod modulus`, in `0..<modulus`.
    func reduce(_ value: BigNumber) -> BigNumber {
        let result = BigNumber()
        Self.withContext { context in
            precondition(BN_nnmod(result.pointer, value.pointer, modulus.pointer, context) == 1, "BN_nnmod failed")
        }
        return result
    }

    private static func withContext<R>(_ body: (OpaquePointer) -> R) -> R {
        guard let context = BN_CTX_secure_new() else { fatalError("OpenSSL could not allocate a BN_CTX") }
        defer { BN_CTX_free(context) }
        return body(context)
    }
}
