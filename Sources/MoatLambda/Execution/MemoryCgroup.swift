import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A function instance's memory limit as a cgroup of its own, where the machine lets Moat create one: under the
/// cgroup v2 hierarchy (`memory.max`, `memory.peak`, `memory.events`) or the v1 memory controller
/// (`memory.limit_in_bytes`, `memory.max_usage_in_bytes`, `memory.oom_control`). The kernel then enforces the
/// function's MemorySize as Lambda does: past it the runtime is killed, and the invocation fails with
/// `Runtime.OutOfMemory`. Where no cgroup can be made, ``FunctionExecutor`` limits the data segment instead.
struct MemoryCgroup: Sendable {
    enum Version: Sendable { case v1, v2 }

    let path: String
    let version: Version

    /// Where instance cgroups go: a directory Moat created for itself, or nil when the hierarchy is not writable.
    struct Parent: Sendable {
        let path: String
        let version: Version
    }

    static func makeParent() -> Parent? {
        let name = "moat-lambda-\(getpid())"
        defer { removeLeftovers() }
        // v2: a child of Moat's own cgroup, with the memory controller enabled for its children.
        if let base = ownV2Cgroup() {
            let parent = (base as NSString).appendingPathComponent(name)
            if mkdir(parent, 0o755) == 0 || errno == EEXIST {
                if write("+memory", to: parent + "/cgroup.subtree_control"), FileManager.default.fileExists(atPath: parent + "/cgroup.procs") {
                    return Parent(path: parent, version: .v2)
                }
                rmdir(parent)
            }
        }
        let v1 = "/sys/fs/cgroup/memory"
        if FileManager.default.fileExists(atPath: v1 + "/memory.limit_in_bytes") {
            let parent = v1 + "/" + name
            if mkdir(parent, 0o755) == 0 || errno == EEXIST, FileManager.default.fileExists(atPath: parent + "/memory.limit_in_bytes") {
                return Parent(path: parent, version: .v1)
            }
        }
        return nil
    }

    /// Removes the cgroups of Moat processes that died without cleaning up (killed by SIGKILL): their runtimes
    /// died with them, so the cgroups are empty.
    private static func removeLeftovers() {
        let own = "moat-lambda-\(getpid())"
        let roots = ["/sys/fs/cgroup/memory"] + [ownV2Cgroup()].compactMap { $0 }
        for root in roots {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { continue }
            for name in names where name.hasPrefix("moat-lambda-") && name != own {
                guard let pid = Int32(name.dropFirst("moat-lambda-".count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
                let parent = root + "/" + name
                for child in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
                    rmdir(parent + "/" + child)  // only child cgroups are directories; files refuse rmdir
                }
                rmdir(parent)
            }
        }
    }

    /// Moat's own cgroup in the v2 hierarchy (the `0::` line of `/proc/self/cgroup`).
    private static func ownV2Cgroup() -> String? {
        guard let line = ProcFile.read("/proc/self/cgroup")?.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            return nil
        }
        return "/sys/fs/cgroup" + line.dropFirst(3)
    }

    /// A cgroup for one instance limited to `bytes`, or nil when it cannot be made.
    static func create(in parent: Parent, name: String, bytes: Int) -> MemoryCgroup? {
        let path = parent.path + "/" + name
        guard mkdir(path, 0o755) == 0 else { return nil }
        let cgroup = MemoryCgroup(path: path, version: parent.version)
        let limited: Bool
        switch parent.version {
        case .v2:
            limited = write(String(bytes), to: path + "/memory.max")
            _ = write("0", to: path + "/memory.swap.max")
        case .v1:
            limited = write(String(bytes), to: path + "/memory.limit_in_bytes")
            _ = write(String(bytes), to: path + "/memory.memsw.limit_in_bytes")
        }
        guard limited else {
            cgroup.remove()
            return nil
        }
        return cgroup
    }

    /// `executable arguments…` started inside this cgroup: a shell moves itself in, then becomes the command.
    func command(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        // The shell would export PWD; the function's environment is exactly the one Moat built.
        ("/bin/sh", ["-c", #"echo $$ > "$0/cgroup.procs" && unset PWD && exec "$@""#, path, executable] + arguments)
    }

    /// The most memory the instance used, in bytes.
    var peakBytes: Int? {
        let file = version == .v2 ? "/memory.peak" : "/memory.max_usage_in_bytes"
        return ProcFile.read(path + file).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Whether the kernel killed a process of the instance for exceeding the limit.
    var wasOutOfMemory: Bool {
        let file = version == .v2 ? "/memory.events" : "/memory.oom_control"
        guard let text = ProcFile.read(path + file) else { return false }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "oom_kill", let count = Int(fields[1]), count > 0 { return true }
        }
        return false
    }

    /// Removes the cgroup once its processes are gone (the kernel refuses while any remains).
    func remove() {
        for _ in 0..<50 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(10_000)
        }
    }

    private static func write(_ text: String, to path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return text.withCString { Glibc.write(descriptor, $0, strlen($0)) } >= 0
    }
}
