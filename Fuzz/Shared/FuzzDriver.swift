// Shared by every harness (each target directory links this file); see Fuzz/README.md.
import Foundation
import Synchronization

/// What every harness needs around its one-input function: the replay driver of a normal build, a way to wait for
/// async work from libFuzzer's synchronous callback, and checks that stop on a broken invariant.
enum FuzzDriver {
    /// Runs `body` over every file named in `arguments`, directories read recursively, in name order.
    ///
    /// - Parameters:
    ///   - arguments: Files and directories (the executable's arguments, without its name).
    ///   - body: The harness's one-input function.
    /// - Returns: The process exit status: 0 when every input ran, 64 on a usage error, 66 when a path is unreadable.
    static func replay(_ arguments: [String], _ body: ([UInt8]) -> Void) -> Int32 {
        guard !arguments.isEmpty else {
            print("usage: \(CommandLine.arguments.first ?? "harness") FILE|DIRECTORY…  (replays inputs through the harness)")
            return 64
        }
        // `MOAT_FUZZ_REPEAT=n` runs each input n times (to measure speed or memory growth).
        let repetitions = max(1, Int(ProcessInfo.processInfo.environment["MOAT_FUZZ_REPEAT"] ?? "") ?? 1)
        var count = 0
        for argument in arguments {
            guard let files = inputFiles(at: argument) else {
                print("cannot read \(argument)")
                return 66
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    print("cannot read \(file)")
                    return 66
                }
                for _ in 0..<repetitions { body(Array(data)) }
                count += 1
            }
        }
        print("replayed \(count) input\(count == 1 ? "" : "s")")
        return 0
    }

    private static func inputFiles(at path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: path) else { return nil }
        return names.sorted().compactMap { name in
            let full = (path as NSString).appendingPathComponent(name)
            var nested: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue else { return nil }
            return (name as NSString).lastPathComponent.hasPrefix(".") ? nil : full
        }
    }

    /// Copies libFuzzer's input into an array.
    static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Runs async work to completion from synchronous code (libFuzzer's callback, the replay loop).
    static func wait<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await operation()
            box.value.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        guard let value = box.value.withLock({ $0 }) else { fatalError("async work finished without a value") }
        return value
    }

    /// Stops the process when a harness invariant fails, so that libFuzzer records the input as a crash.
    static func require(
        _ condition: @autoclosure () -> Bool,
        _ message: @autoclosure () -> String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) {
        if !condition() { fatalError("invariant failed: \(printable(message()))", file: file, line: line) }
    }

    /// The text with control characters other than newlines escaped, so that a report prints whole.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 && scalar != "\n" || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `MOAT_FUZZ_VERBOSE=1` prints what the harness sees (for replaying one input while debugging).
    static let verbose = !(ProcessInfo.processInfo.environment["MOAT_FUZZ_VERBOSE"] ?? "").isEmpty

    static func trace(_ message: @autoclosure () -> String) {
        if verbose { print(message()) }
    }

    /// Findings already reported whose invariant fuzzing may step over: `MOAT_FUZZ_ALLOW=id,id`.
    static let allowed: Set<String> = Set(
        (ProcessInfo.processInfo.environment["MOAT_FUZZ_ALLOW"] ?? "").split(separator: ",").map(String.init)
    )

    /// Like ``require(_:_:file:line:)``, for an invariant that a known finding `id` breaks: it holds unless
    /// `MOAT_FUZZ_ALLOW` names `id`, so that a long run can go on looking for other failures.
    static func require(
        known id: String,
        _ condition: @autoclosure () -> Bool,
        _ message: @autoclosure () -> String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) {
        if !allowed.contains(id) { require(condition(), "[\(id)] \(message())", file: file, line: line) }
    }

    /// The input as text, invalid UTF-8 repaired, as a server framework hands header and query text to Moat.
    static func text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// Carries a task's result back to the thread that waits for it.
private final class ResultBox<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}

/// A request written as text, the way the HTTP-shaped seeds are:
///
/// ```
/// POST /path?query
/// Header-Name: value
///
/// body
/// ```
///
/// The first line is the method and the request target; header lines follow until an empty line; the rest is the
/// body, as bytes. A missing target is `/`.
struct FuzzRequest: Sendable {
    var method: String
    var path: String
    var query: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    init(parsing bytes: [UInt8]) {
        var lines: [ArraySlice<UInt8>] = []
        var index = bytes.startIndex
        var bodyStart = bytes.endIndex
        var lineStart = index
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "\n") {
                var line = bytes[lineStart..<index]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                if line.isEmpty, !lines.isEmpty {
                    bodyStart = index + 1
                    break
                }
                lines.append(line)
                lineStart = index + 1
            }
            index += 1
        }
        if index == bytes.endIndex, lineStart < bytes.endIndex { lines.append(bytes[lineStart...]) }

        let requestLine = lines.first.map { FuzzDriver.text($0) } ?? ""
        let parts = requestLine.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        method = parts.first.map(String.init) ?? ""
        let target = parts.count > 1 ? String(parts[1]) : "/"
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        headers = lines.dropFirst().map { line in
            let text = FuzzDriver.text(line)
            guard let colon = text.firstIndex(of: ":") else { return (name: text, value: "") }
            let value = text[text.index(after: colon)...].drop { $0 == " " }
            return (name: String(text[..<colon]), value: String(value))
        }
        body = bodyStart < bytes.endIndex ? Array(bytes[bodyStart...]) : []
    }

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
