/// Request ids as AWS writes them: a random (version 4) UUID in lowercase.
///
/// Foundation's `UUID()` reads `/dev/urandom` through a file each time on Linux; the system generator does not,
/// and the text is written in place.
package enum RequestId {
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: (UInt64, UInt64) = (generator.next(), generator.next())
        return withUnsafeBytes(of: &bytes) { random in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var written = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[written] = UInt8(ascii: "-")
                        written += 1
                    }
                    var byte = random[index]
                    if index == 6 { byte = (byte & 0x0F) | 0x40 }  // version 4
                    if index == 8 { byte = (byte & 0x3F) | 0x80 }  // RFC 4122 variant
                    text[written] = digits.utf8Start[Int(byte >> 4)]
                    text[written + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    written += 2
                }
                return written
            }
        }
    }
}
