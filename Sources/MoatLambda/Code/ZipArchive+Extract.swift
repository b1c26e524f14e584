public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ZipArchive {
    /// Extracts every entry below `directory`, all or nothing.
    ///
    /// Entries are written into a fresh hidden sibling directory that is renamed to `directory` at the end, so a
    /// failure leaves nothing behind. `directory` must not exist, or be an empty directory (it is replaced); its
    /// parent is created if missing. Files are `0644`, or `0755` when the archive gives them the owner execute bit;
    /// directories are `0755`. Symbolic links (already checked to resolve inside the archive) are created last, and
    /// no entry lies below one, so nothing is ever written through a link.
    /// - Parameter directory: a file URL for the extracted tree.
    public func extract(to directory: URL) throws(ZipArchiveError) {
        let destination = directory.standardizedFileURL
        let parent = destination.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(parent, errno: errno == 0 ? EIO : errno)
        }
        let staging = parent + "/.\(destination.lastPathComponent).partial-\(String(UInt64.random(in: .min ... .max), radix: 16))"
        guard mkdir(staging, 0o700) == 0 else { throw .cannotWrite(staging, errno: errno) }
        do throws(ZipArchiveError) {
            try writeEntries(into: staging)
            try Self.check(chmod(staging, 0o755), staging)
            try Self.check(rename(staging, destination.path), destination.path)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private func writeEntries(into root: String) throws(ZipArchiveError) {
        var directories = Set<Substring>()
        for entry in entries {
            var path = Substring(entry.path)
            if entry.kind == .directory { directories.insert(path) }
            while let slash = path.lastIndex(of: "/") {
                path = path[..<slash]
                if !directories.insert(path).inserted { break }
            }
        }
        // Sorted, a parent comes before its children.
        for directory in directories.sorted() {
            let path = root + "/" + directory
            try Self.check(mkdir(path, 0o755), path)
            try Self.check(chmod(path, 0o755), path)
        }
        for entry in entries where entry.kind == .file {
            let path = root + "/" + entry.path
            let contents = try data(of: entry)
            let mode: mode_t = entry.isExecutable ? 0o755 : 0o644
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            try Self.check(descriptor, path)
            defer { close(descriptor) }
            let failure: Int32? = contents.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else { return count < 0 ? errno : EIO }
                    offset += count
                }
                return nil
            }
            if let failure { throw .cannotWrite(path, errno: failure) }
            try Self.check(fchmod(descriptor, mode), path)
        }
        for entry in entries where entry.kind == .symbolicLink {
            let path = root + "/" + entry.path
            guard let target = entry.symbolicLinkTarget else { throw .unsafePath(entry.path) }
            try Self.check(symlink(target, path), path)
        }
    }

    private static func check(_ result: Int32, _ path: String) throws(ZipArchiveError) {
        if result < 0 { throw .cannotWrite(path, errno: errno) }
    }
}
