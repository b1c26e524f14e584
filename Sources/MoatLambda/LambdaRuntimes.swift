public import Foundation

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
}
