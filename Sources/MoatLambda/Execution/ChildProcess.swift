import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
/// glibc extensions that Swift's Glibc module does not declare (they need `_GNU_SOURCE`), looked up at run time.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2")
    static let addchdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    static let addclosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: T.self)
    }
}
#else
private enum GNU {
    static let pipe2: ((UnsafeMutablePointer<Int32>, Int32) -> Int32)? = nil
}
#endif

/// A runtime process in its own process group, its stdout and stderr on one pipe, reaped by a thread of its own.
struct ChildProcess: Sendable {
    let pid: pid_t
    /// Read end of the output pipe; the caller takes ownership.
    let outputDescriptor: Int32

    /// How a process ended, worded as Lambda's RAPID words it (Go's `ProcessState.String()`).
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let status): return "exit status \(status)"
            case .signaled(let signal):
                guard let name = strsignal(signal) else { return "signal \(signal)" }
                return "signal: " + String(cString: name).lowercased()
            }
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `executable` with exactly `environment`, in `directory`, stdin from `/dev/null`.
    static func spawn(
        executable: String,
        arguments: [String],
        environment: [String: String],
        directory: String
    ) throws(SpawnError) -> ChildProcess {
        var fds: [Int32] = [-1, -1]
        let piped: Int32
        if let pipe2 = GNU.pipe2 {
            piped = pipe2(&fds, O_CLOEXEC)
        } else {
            // Without pipe2 another thread's spawn may briefly inherit these ends.
            piped = pipe(&fds)
            if piped == 0 {
                _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            }
        }
        guard piped == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }

        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        #if os(Linux)
        guard let addchdir = GNU.addchdir else {
            close(fds[0])
            close(fds[1])
            throw SpawnError(description: "posix_spawn_file_actions_addchdir_np is not available (glibc 2.29 or later)")
        }
        _ = addchdir(&actions, directory)
        // Moat's own descriptors stay out of the function (glibc 2.34 or later).
        if let closefrom = GNU.addclosefrom { _ = closefrom(&actions, 3) }
        #else
        posix_spawn_file_actions_addchdir_np(&actions, directory)
        #endif

        var flags = Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD] {
            sigaddset(&defaultSignals, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(fds[1])
        guard result == 0 else {
            close(fds[0])
            throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, outputDescriptor: fds[0])
    }

    /// Waits for the process on a dedicated thread (no zombie survives it), then calls `exited`.
    func reap(_ exited: @escaping @Sendable (Termination) -> Void) {
        let pid = self.pid
        let thread = Thread {
            var status: Int32 = 0
            var result: pid_t
            repeat {
                result = waitpid(pid, &status, 0)
            } while result == -1 && errno == EINTR
            // Grandchildren left in the group must not outlive the runtime.
            _ = kill(-pid, SIGKILL)
            let termination: Termination
            if result == -1 {
                termination = .exited(-1)
            } else if status & 0x7f == 0 {
                termination = .exited((status >> 8) & 0xff)
            } else {
                termination = .signaled(status & 0x7f)
            }
            exited(termination)
        }
        thread.name = "moat-lambda-reaper-\(pid)"
        thread.stackSize = 64 * 1024
        thread.start()
    }

    /// SIGKILL to the whole process group.
    func killGroup() {
        _ = kill(-pid, SIGKILL)
    }

    /// Peak resident memory (VmHWM) in MB, rounded up; 0 when unknown.
    func maxMemoryUsedMB() -> Int {
        #if os(Linux)
        guard let status = ProcFile.read("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
            return (kilobytes + 1023) / 1024
        }
        #endif
        return 0
    }

    /// Whether unread bytes (or end of file) wait in the pipe: output the runtime wrote before answering.
    static func hasPendingOutput(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
    }
}
