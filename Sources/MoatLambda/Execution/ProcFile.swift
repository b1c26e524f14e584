#if canImport(Glibc)
import Glibc
#endif

/// Reads a `/proc` file whole. Such files report a size of 0, so readers that trust `stat` (Foundation's
/// `String(contentsOfFile:)`) see them empty; this one reads until end of file.
enum ProcFile {
    static func read(_ path: String, limit: Int = 16 * 1024 * 1024) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
