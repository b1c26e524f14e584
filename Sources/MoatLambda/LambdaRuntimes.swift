public import Foundation
import Crypto
import MoatCore

/// Where the runtimes Moat ships live, and where the host's interpreters are looked for.
public enum LambdaRuntimes {
    /// The `Runtimes/` resource directory: `python/bootstrap.py` and `node/bootstrap.mjs`, installed beside the
    /// `moat` executable as its resource bundle.
    public static var bootstrapDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Runtimes", isDirectory: true)
    }

    /// The directories of the host's `PATH`, where `python3.X`, `python3` and `node` are looked for.
    public static var hostSearchPath: [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// The default directory for unpacked packages and instances of a data directory: outside it (functions of other
    /// uids must reach their instance directories, and the data directory stays private to Moat), in the system's
    /// temporary directory, one per data directory. Its content is a cache, rebuilt from the database.
    public static func defaultWorkDirectory(for dataDirectory: URL) -> URL {
        let path = dataDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        let digest = Hex.lowercase(SHA256.hash(data: Data(path.utf8)).prefix(6))
        return URL(fileURLWithPath: "/tmp", isDirectory: true).appendingPathComponent("moat-lambda-\(geteuid())-\(digest)", isDirectory: true)
    }

    /// Creates the work directory for Moat's user: 0711 when functions run under other uids (they pass through to
    /// their own instance directories), 0700 otherwise. A link or another user's directory there is refused.
    public static func prepareWorkDirectory(_ url: URL, sharedWithFunctions: Bool) throws {
        try FunctionSandbox.makeDirectory(url, mode: sharedWithFunctions ? 0o711 : 0o700)
    }

    /// Whether functions run under uids of their own by default: Moat runs as root and `setpriv` is installed.
    public static var isolatesByDefault: Bool { FunctionSandbox.canIsolate }
}
