import Foundation
import Logging
import MoatLambda

#if canImport(Glibc)
import Glibc
#endif

/// Which runtime client talks to the executor's Runtime API in a test.
enum RuntimeClient: String, CustomStringConvertible, Sendable {
    /// A few lines of stdlib Python written by the test: an independent check of the Runtime API.
    case minimal
    /// The project's `Sources/MoatLambda/Runtimes/python/bootstrap.py`, when present in this tree.
    case bootstrap

    var description: String { rawValue }

    static var repositoryRuntimes: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/MoatLambda/Runtimes", isDirectory: true)
    }

    static var available: [RuntimeClient] {
        let real = repositoryRuntimes.appendingPathComponent("python/bootstrap.py").path
        return FileManager.default.fileExists(atPath: real) ? [.minimal, .bootstrap] : [.minimal]
    }

    static var nodeBootstrapAvailable: Bool {
        FileManager.default.fileExists(atPath: repositoryRuntimes.appendingPathComponent("node/bootstrap.mjs").path)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/node")
    }
}

/// A minimal Runtime API client: `GET next`, run the handler, `POST response|error`; `POST init/error` on import failure.
let minimalPythonClient = #"""
import importlib, json, os, sys, urllib.request, urllib.error
sys.stdout.reconfigure(line_buffering=True)
sys.stderr.reconfigure(line_buffering=True)
BASE = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])

def post(path, body, headers=None):
    request = urllib.request.Request(BASE + path, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code

class Context(object):
    def __init__(self, headers):
        self.aws_request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        self.invoked_function_arn = headers["Lambda-Runtime-Invoked-Function-Arn"]
        self.deadline_ms = int(headers["Lambda-Runtime-Deadline-Ms"])
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]

module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
try:
    handler = getattr(importlib.import_module(module_name), function_name)
except Exception as error:
    body = {"errorMessage": "Unable to import module '%s': %s" % (module_name, error), "errorType": "Runtime.ImportModuleError"}
    print("[ERROR] Runtime.ImportModuleError: " + body["errorMessage"])
    post("/init/error", json.dumps(body).encode(), {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
    sys.exit(1)

while True:
    with urllib.request.urlopen(BASE + "/invocation/next") as answer:
        context = Context(answer.headers)
        event = json.loads(answer.read() or b"null")
    try:
        body, path, headers = json.dumps(handler(event, context)).encode(), "/response", {}
    except Exception as error:
        body = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}).encode()
        path, headers = "/error", {"Lambda-Runtime-Function-Error-Type": "Unhandled"}
    post("/invocation/" + context.aws_request_id + path, body, headers)
"""#

/// The test function's code.
let testHandlers = #"""
import json, os, sys, time, urllib.request, urllib.error
counter = 0

def echo(event, context):
    global counter
    counter += 1
    print("handling " + json.dumps(event))
    return {"event": event, "count": counter, "pid": os.getpid(), "requestId": context.aws_request_id,
            "arn": context.invoked_function_arn}

def fail(event, context):
    raise ValueError("boom %s" % event.get("n"))

def sleepy(event, context):
    print("pid=%d" % os.getpid())
    sys.stdout.flush()
    time.sleep(event.get("seconds", 5))
    return {"pid": os.getpid()}

def crash(event, context):
    print("pid=%d" % os.getpid())
    sys.stdout.flush()
    os._exit(3)

def environment(event, context):
    return dict(os.environ)

def big(event, context):
    return "x" * 7000000

def chatty(event, context):
    sys.stdout.write("a" * 600000 + "\nshort line\r\n")
    sys.stdout.flush()
    return "done"

def probe(event, context):
    base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
    def status(method, path, body=None):
        request = urllib.request.Request(base + path, data=body, method=method)
        try:
            with urllib.request.urlopen(request) as answer:
                return [answer.status, answer.read().decode()]
        except urllib.error.HTTPError as error:
            return [error.code, error.read().decode()]
    return {
        "wrongId": status("POST", "/invocation/not-the-id/response", b"{}"),
        "unknownPath": status("GET", "/invocation/whatever"),
        "initErrorLate": status("POST", "/init/error", b"{}"),
    }
"""#

/// Records everything the executor logs.
actor RecordingLogSink: FunctionLogSink {
    private(set) var lines: [(stream: String, message: String)] = []

    func append(function: FunctionDefinition, stream: String, lines: [(timestamp: Date, message: String)]) async {
        self.lines += lines.map { (stream, $0.message) }
    }
}

struct StaticCredentials: FunctionCredentialProviding {
    func credentials(for function: FunctionDefinition) async throws -> FunctionCredentials {
        FunctionCredentials(accessKeyId: "ASIATESTKEY", secretAccessKey: "test-secret", sessionToken: "test-token", expiration: Date() + 3600)
    }
}

/// A temp directory with the function code and a bootstrap directory, and an executor over them.
struct ExecutionHarness {
    let root: URL
    let code: URL
    let executor: FunctionExecutor
    let sink: RecordingLogSink

    init(client: RuntimeClient, concurrency: Int = 10, idleTimeout: Duration = .seconds(300)) throws {
        let fileManager = FileManager.default
        root = fileManager.temporaryDirectory.appendingPathComponent("moat-exec-\(UUID().uuidString)", isDirectory: true)
        code = root.appendingPathComponent("code", isDirectory: true)
        let runtimes = root.appendingPathComponent("Runtimes", isDirectory: true)
        try fileManager.createDirectory(at: code, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: runtimes.appendingPathComponent("python"), withIntermediateDirectories: true)
        try testHandlers.write(to: code.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        try "import does_not_exist_anywhere\n".write(to: code.appendingPathComponent("broken.py"), atomically: true, encoding: .utf8)
        try "export const handler = async (event) => ({ runtime: 'node', event, pid: process.pid });\n"
            .write(to: code.appendingPathComponent("index.js"), atomically: true, encoding: .utf8)
        // ESM through package.json: the node bootstrap does not look for `index.mjs` yet.
        try #"{"type": "module"}"#.write(to: code.appendingPathComponent("package.json"), atomically: true, encoding: .utf8)
        let pythonBootstrap = runtimes.appendingPathComponent("python/bootstrap.py")
        switch client {
        case .minimal:
            try minimalPythonClient.write(to: pythonBootstrap, atomically: true, encoding: .utf8)
        case .bootstrap:
            try fileManager.copyItem(at: RuntimeClient.repositoryRuntimes.appendingPathComponent("python/bootstrap.py"), to: pythonBootstrap)
        }
        if RuntimeClient.nodeBootstrapAvailable {
            try fileManager.createDirectory(at: runtimes.appendingPathComponent("node"), withIntermediateDirectories: true)
            try fileManager.copyItem(
                at: RuntimeClient.repositoryRuntimes.appendingPathComponent("node/bootstrap.mjs"),
                to: runtimes.appendingPathComponent("node/bootstrap.mjs")
            )
        }
        sink = RecordingLogSink()
        executor = FunctionExecutor(
            configuration: ExecutorConfiguration(
                bootstrapDirectory: runtimes,
                endpointURL: "http://127.0.0.1:4566",
                accountConcurrency: concurrency,
                idleTimeout: idleTimeout,
                scratchDirectory: root.appendingPathComponent("scratch", isDirectory: true),
                initTimeout: .seconds(10)
            ),
            credentials: StaticCredentials(),
            logs: sink,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    func function(
        _ handler: String,
        name: String = "test-function",
        runtime: String = "python3.12",
        timeout: Int = 10,
        revision: String = "r1",
        environment: [String: String] = [:]
    ) -> FunctionDefinition {
        FunctionDefinition(
            name: name,
            arn: "arn:aws:lambda:us-east-1:000000000000:function:\(name)",
            revision: revision,
            runtime: runtime,
            handler: handler,
            codeDirectory: code,
            memorySize: 128,
            timeout: timeout,
            environment: environment,
            region: "us-east-1",
            role: "arn:aws:iam::000000000000:role/test"
        )
    }

    func cleanUp() async {
        await executor.shutdown()
        try? FileManager.default.removeItem(at: root)
    }
}

func request(_ json: String, id: String = UUID().uuidString.lowercased()) -> InvocationRequest {
    InvocationRequest(requestId: id, payload: Array(json.utf8))
}

func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
}

/// Whether the process is gone and reaped (a zombie still answers `kill(pid, 0)`); waits up to `seconds`.
func processGone(_ pid: Int32, within seconds: Double = 3) async -> Bool {
    let deadline = Date() + seconds
    repeat {
        if kill(pid, 0) == -1 && errno == ESRCH { return true }
        try? await Task.sleep(for: .milliseconds(20))
    } while Date() < deadline
    return false
}

func pidFromLog(_ log: String) -> Int32? {
    for line in log.split(separator: "\n") where line.hasPrefix("pid=") {
        return Int32(line.dropFirst(4))
    }
    return nil
}

/// The outcome of an invoke as a value, for concurrent invokes.
func attempt(_ body: () async throws(ExecutionError) -> InvocationResult) async -> Result<InvocationResult, ExecutionError> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
