import MoatCore

import Foundation

/// An IPv4 or IPv6 CIDR block of the `IpAddress` / `NotIpAddress` condition operators.
///
/// IAM User Guide, Condition operators: IP address condition operators take the RFC 4632 CIDR format
/// (`203.0.113.0/24`, `2001:DB8:1234:5678::/64`); an address without a prefix length is a single address.
struct PolicyIPRange: Sendable, Equatable {
    /// 4 bytes for IPv4, 16 for IPv6, host bits cleared.
    let network: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let address = Self.address(String(pieces[0])) else { return nil }
        var length = address.count * 8
        if pieces.count == 2 {
            guard !pieces[1].isEmpty, pieces[1].allSatisfy({ $0.isASCII && $0.isNumber }), pieces[1].count <= 3,
                let value = Int(pieces[1]), value <= length
            else { return nil }
            length = value
        }
        prefixLength = length
        network = Self.masked(address, length)
    }

    /// Whether `address` (an IP address as text) lies in the block. Addresses of the other family never do.
    func contains(_ address: String) -> Bool {
        guard let bytes = Self.address(address), bytes.count == network.count else { return false }
        return Self.masked(bytes, prefixLength) == network
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(max(length - index * 8, 0), 8)
            return bits == 8 ? byte : byte & ~(UInt8.max >> bits)
        }
    }

    /// The bytes of an IPv4 (dotted quad) or IPv6 (RFC 4291 text, `::` and a dotted-quad tail allowed) address.
    static func address(_ text: String) -> [UInt8]? {
        text.contains(":") ? ipv6(text) : ipv4(Substring(text))
    }

    private static func ipv4(_ text: Substring) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = UInt8(octet)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if allowIPv4Tail, index == fields.count - 1, field.contains(".") {
                    guard let tail = ipv4(field) else { return nil }
                    bytes += tail
                    continue
                }
                guard !field.isEmpty, field.count <= 4, field.allSatisfy(\.isHexDigit), let value = UInt16(field, radix: 16) else {
                    return nil
                }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        if halves.count == 1 {
            guard let bytes = groups(halves[0], allowIPv4Tail: true), bytes.count == 16 else { return nil }
            return bytes
        }
        guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
            head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
