import Foundation
import Testing

/// Python from `Tests/conformance/.venv` (pycognito, PyJWT), made by `scripts/conformance-venv.sh` on first use.
enum PythonClient {
    static let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scripts = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Python")

    /// The venv's python, or nil with the reason printed. Made once per test process (the script is idempotent), and
    /// only when the venv is missing: the script takes seconds, and tests that wait on it hold threads of the
    /// cooperative pool that other suites' servers need.
    static let python: String? = {
        let existing = repository.appending(path: "Tests/conformance/.venv/bin/python").path
        if FileManager.default.isExecutableFile(atPath: existing) { return existing }
        let process = Process()
        process.executableURL = URL(filePath: "/bin/bash")
        process.arguments = [repository.appending(path: "scripts/conformance-venv.sh").path]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }()

    /// Runs `script` with `input` on stdin and returns its stdout parsed as a JSON object.
    static func run(_ script: String, input: [String: Any]) throws -> [String: Any] {
        let session = try Session(script)
        defer { session.close() }
        return try session.request(input, last: true)
    }

    /// A python script answering one JSON line per JSON line.
    final class Session {
        private let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private let errors = Pipe()
        private var buffer = Data()

        init(_ script: String) throws {
            let python = try #require(PythonClient.python, "scripts/conformance-venv.sh failed")
            process.executableURL = URL(filePath: python)
            process.arguments = [scripts.appending(path: script).path]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            try process.run()
        }

        /// Sends one line and reads one; `last` closes stdin first, for scripts that read to the end.
        func request(_ object: [String: Any], last: Bool = false) throws -> [String: Any] {
            var line = try JSONSerialization.data(withJSONObject: object)
            line.append(0x0A)
            input.fileHandleForWriting.write(line)
            if last { try input.fileHandleForWriting.close() }
            while !buffer.contains(0x0A) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty {
                    try? input.fileHandleForWriting.close()
                    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    Issue.record("python ended early: \(stderr)")
                    throw CancellationError()
                }
                buffer.append(chunk)
            }
            let end = buffer.firstIndex(of: 0x0A)!
            let reply = buffer[buffer.startIndex..<end]
            buffer = Data(buffer[(end + 1)...])
            return try #require(try JSONSerialization.jsonObject(with: reply) as? [String: Any])
        }

        func close() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}
