public import Foundation
import Synchronization

/// How each runtime is started.
///
/// - `python3.9` … `python3.13`: the host's `pythonX.Y` if found on the search path, else `python3` (so a host with
///   one Python serves every python runtime; the version the function sees may then differ from its runtime's),
///   running `<bootstrapDirectory>/python/bootstrap.py`.
/// - `nodejs18.x` … `nodejs22.x`: `node <bootstrapDirectory>/node/bootstrap.mjs`.
/// - `provided`, `provided.al2`, `provided.al2023`: the function's own `bootstrap` executable at the root of its code.
public struct RuntimeCatalog: Sendable {
    /// A resolved command line.
    public struct Launch: Sendable, Equatable {
        /// Absolute path of the program.
        public var executable: String
        /// Arguments after the program name.
        public var arguments: [String]
        /// `LAMBDA_RUNTIME_DIR`.
        public var runtimeDirectory: String
        /// `AWS_EXECUTION_ENV`; AWS sets none for the OS-only runtimes.
        public var executionEnvironment: String?
    }

    public static let pythonVersions = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"]
    public static let nodeVersions = ["nodejs18.x", "nodejs20.x", "nodejs22.x"]
    public static let providedVersions = ["provided", "provided.al2", "provided.al2023"]

    public var bootstrapDirectory: URL
    public var searchPath: [String]
    public var requiresOthersExecutable: Bool

    /// - Parameter requiresOthersExecutable: only interpreters an unprivileged uid can run (functions have uids of
    ///   their own).
    public init(bootstrapDirectory: URL, searchPath: [String], requiresOthersExecutable: Bool = false) {
        self.bootstrapDirectory = bootstrapDirectory
        self.searchPath = searchPath
        self.requiresOthersExecutable = requiresOthersExecutable
    }

    /// Whether the name is a runtime this catalog knows (whether or not its interpreter is installed).
    public func isKnown(_ runtime: String) -> Bool {
        Self.pythonVersions.contains(runtime) || Self.nodeVersions.contains(runtime) || Self.providedVersions.contains(runtime)
    }

    /// The command that starts `runtime` for code in `codeDirectory`.
    public func launch(runtime: String, codeDirectory: URL) throws(ExecutionError) -> Launch {
        if Self.pythonVersions.contains(runtime) {
            let version = String(runtime.dropFirst("python".count))
            guard let python = find("python\(version)") ?? find("python3") else {
                throw .runtimeNotAvailable("No python\(version) or python3 on this host for runtime \(runtime).")
            }
            let directory = bootstrapDirectory.appendingPathComponent("python", isDirectory: true)
            return try withBootstrap(python, directory, "bootstrap.py", runtime)
        }
        if Self.nodeVersions.contains(runtime) {
            guard let node = find("node") else { throw .runtimeNotAvailable("No node on this host for runtime \(runtime).") }
            let directory = bootstrapDirectory.appendingPathComponent("node", isDirectory: true)
            return try withBootstrap(node, directory, "bootstrap.mjs", runtime)
        }
        if Self.providedVersions.contains(runtime) {
            let bootstrap = codeDirectory.appendingPathComponent("bootstrap").path
            guard FileManager.default.isExecutableFile(atPath: bootstrap) else {
                throw .runtimeNotAvailable("Couldn't find valid bootstrap(s): [\(bootstrap)]")
            }
            return Launch(executable: bootstrap, arguments: [], runtimeDirectory: bootstrapDirectory.path, executionEnvironment: nil)
        }
        throw .runtimeNotAvailable("The runtime \(runtime) is not supported.")
    }

    private func withBootstrap(_ program: String, _ directory: URL, _ file: String, _ runtime: String) throws(ExecutionError) -> Launch {
        let script = directory.appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: script) else {
            throw .runtimeNotAvailable("The bootstrap \(script) of runtime \(runtime) is missing.")
        }
        return Launch(executable: program, arguments: [script], runtimeDirectory: directory.path, executionEnvironment: "AWS_Lambda_\(runtime)")
    }

    /// The first `program` on the search path that runs, as the real executable it resolves to. A version-manager
    /// shim (pyenv's) that only works with the user's shell settings resolves to its interpreter or is skipped.
    private func find(_ program: String) -> String? {
        for directory in searchPath where !directory.isEmpty {
            let candidate = (directory as NSString).appendingPathComponent(program)
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            guard let resolved = Self.interpreters.resolve(candidate) else { continue }
            if requiresOthersExecutable, !FunctionSandbox.othersCanExecute(resolved) { continue }
            return resolved
        }
        return nil
    }

    private static let interpreters = InterpreterResolver()
}

/// Asks each interpreter once where its executable really is (`sys.executable`, `process.execPath`).
final class InterpreterResolver: Sendable {
    private let resolved = Mutex<[String: String?]>([:])

    func resolve(_ candidate: String) -> String? {
        if let known = resolved.withLock({ $0[candidate] }) { return known }
        let answer = Self.ask(candidate)
        resolved.withLock { $0[candidate] = answer }
        return answer
    }

    private static func ask(_ candidate: String) -> String? {
        let name = (candidate as NSString).lastPathComponent
        let arguments = name.hasPrefix("node") ? ["-p", "process.execPath"] : ["-c", "import sys; print(sys.executable)"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: candidate)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, path.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return path
    }
}
