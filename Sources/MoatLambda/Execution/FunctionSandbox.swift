import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Keeps functions apart from each other and from Moat.
///
/// When Moat runs as root, every function runs under an unprivileged uid of its own (allocated from
/// ``ExecutorConfiguration/isolationBaseUID``, one per function name for the life of the process), in an instance
/// directory only that uid can enter. The instance's task root is a tree of hard links to the unpacked package (the
/// package cache itself is root's alone), so the function reads its code but cannot change it, and no other function
/// can reach it. Another uid cannot read the process's `/proc/PID/environ` (its credentials) either. Without root,
/// functions run as Moat's own user: directories stay private to that user, which is all the kernel allows.
final class FunctionSandbox: Sendable {
    /// Whether functions get uids of their own.
    let isolates: Bool
    private let baseUID: UInt32
    private let allocated = Mutex<(byFunction: [String: UInt32], next: UInt32)>(([:], 0))

    init(isolates: Bool, baseUID: UInt32) {
        self.isolates = isolates
        self.baseUID = baseUID
    }

    /// The uid (and gid) the function's processes run as: its own when isolating, else Moat's.
    func uid(for functionName: String) -> UInt32 {
        guard isolates else { return geteuid() }
        return allocated.withLock { state in
            if let uid = state.byFunction[functionName] { return uid }
            let uid = baseUID + state.next
            state.next += 1
            state.byFunction[functionName] = uid
            return uid
        }
    }

    struct Prepared {
        /// The instance's own directory (its `HOME`), removed when the instance ends.
        var directory: URL
        /// `LAMBDA_TASK_ROOT`: the package as the function sees it.
        var taskRoot: URL
    }

    /// Creates the instance directory of a new instance of `function`, owned by `uid`, with the task root inside.
    func prepareInstance(root: URL, function: FunctionDefinition, uid: UInt32) throws -> Prepared {
        try Self.makeDirectory(root, mode: isolates ? 0o711 : 0o700)
        let directory = root.appendingPathComponent("\(function.name)-\(UUID().uuidString.lowercased())", isDirectory: true)
        try Self.makeDirectory(directory, mode: 0o700)
        do {
            guard isolates else { return Prepared(directory: directory, taskRoot: function.codeDirectory) }
            let taskRoot = directory.appendingPathComponent("task", isDirectory: true)
            try Self.mirror(function.codeDirectory, into: taskRoot)
            guard chown(directory.path, uid, uid) == 0 else { throw Self.failure("chown", directory.path) }
            return Prepared(directory: directory, taskRoot: taskRoot)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// `executable arguments…` run as `uid` with no supplementary groups and no way to regain privileges, and killed
    /// when Moat dies (even by SIGKILL), so that no runtime outlives the server. Through `setpriv(1)` when installed.
    func command(_ executable: String, _ arguments: [String], uid: UInt32) -> (executable: String, arguments: [String]) {
        guard isolates || FileManager.default.isExecutableFile(atPath: Self.setpriv) else { return (executable, arguments) }
        var options = ["--pdeathsig=KILL"]
        if isolates { options += ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--no-new-privs"] }
        return (Self.setpriv, options + ["--", executable] + arguments)
    }

    /// Whether a process of another (unprivileged) uid can run `path`: every directory on the way is searchable by
    /// others and the file is executable by them. An interpreter installed under root's home is not.
    static func othersCanExecute(_ path: String) -> Bool {
        var current = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        var info = stat()
        guard stat(current.path, &info) == 0, info.st_mode & S_IXOTH != 0 else { return false }
        while current.path != "/" {
            current = current.deletingLastPathComponent()
            guard stat(current.path, &info) == 0, info.st_mode & S_IXOTH != 0 else { return false }
        }
        return true
    }

    static let setpriv = "/usr/bin/setpriv"

    /// Isolation needs root and `setpriv(1)` (util-linux).
    static var canIsolate: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) }

    // MARK: file system

    /// Creates `url` with `mode`, or takes it over when it exists as a directory of Moat's own user. Refuses a link or
    /// another user's directory, so that nobody can prepare one in advance in a shared place like /tmp.
    static func makeDirectory(_ url: URL, mode: mode_t) throws {
        if mkdir(url.path, mode) != 0, errno != EEXIST { throw failure("mkdir", url.path) }
        var info = stat()
        guard lstat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "\(url.path) is not a directory of Moat's own user"])
        }
        guard chmod(url.path, mode) == 0 else { throw failure("chmod", url.path) }
    }

    /// Recreates the directories of `source` under `destination` (root's, 0755) and hard-links its files, copying
    /// them where a link is impossible (another file system).
    private static func mirror(_ source: URL, into destination: URL) throws {
        try makeDirectory(destination, mode: 0o755)
        let entries = try FileManager.default.contentsOfDirectory(atPath: source.path)
        for name in entries {
            let from = source.appendingPathComponent(name)
            let to = destination.appendingPathComponent(name)
            var info = stat()
            guard lstat(from.path, &info) == 0 else { throw failure("lstat", from.path) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try mirror(from, into: to)
            case S_IFLNK:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: from.path)
                guard symlink(target, to.path) == 0 else { throw failure("symlink", to.path) }
            case S_IFREG:
                if link(from.path, to.path) != 0 {
                    guard errno == EXDEV || errno == EPERM || errno == EMLINK else { throw failure("link", to.path) }
                    try FileManager.default.copyItem(at: from, to: to)
                }
            default:
                continue
            }
        }
    }

    private static func failure(_ call: String, _ path: String) -> any Error {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(call) \(path): \(String(cString: strerror(errno)))"])
    }
}
