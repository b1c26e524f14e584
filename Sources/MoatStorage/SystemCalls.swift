#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX calls the storage layer needs for files that must be private and atomically created, named so they
/// do not collide with `open`/`close` members of the types that use them.
enum SystemCalls {
    /// The current `errno`.
    static var lastError: Int32 { errno }

    static func openFile(_ path: String, flags: Int32, mode: mode_t = 0) -> Int32 {
        open(path, flags, mode)
    }

    static func closeFile(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    static func changeMode(_ descriptor: Int32, _ mode: mode_t) -> Bool {
        fchmod(descriptor, mode) == 0
    }

    /// The mode bits (permissions) and whether the descriptor is a regular file.
    static func status(_ descriptor: Int32) -> (permissions: mode_t, isRegularFile: Bool)? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return (info.st_mode & 0o7777, (info.st_mode & S_IFMT) == S_IFREG)
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    static func readAll(_ descriptor: Int32, limit: Int) -> [UInt8]? {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count <= limit {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
        return result
    }

    static func synchronize(_ descriptor: Int32) -> Bool {
        fsync(descriptor) == 0
    }

    /// Creates `newPath` as a second name of `existingPath`; fails with `EEXIST` rather than replace a file.
    static func makeLink(from existingPath: String, to newPath: String) -> Bool {
        link(existingPath, newPath) == 0
    }

    static func removeFile(_ path: String) {
        _ = unlink(path)
    }

    static func changeMode(path: String, _ mode: mode_t) -> Bool {
        chmod(path, mode) == 0
    }

    /// The permission bits of the file at `path` (following symbolic links).
    static func permissions(path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Flushes a directory's entries (after creating or linking a file in it).
    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}
