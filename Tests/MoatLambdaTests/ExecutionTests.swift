import Foundation
import MoatLambda
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Function execution", .serialized)
struct ExecutionTests {
    @Test("invoke returns the handler's JSON, with the event passed through", arguments: RuntimeClient.available)
    func invokeReturnsHandlerResult(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let result = try await harness.executor.invoke(harness.function("app.echo"), request(#"{"hello":"world","n":[1,2]}"#, id: "req-1"))
        #expect(result.functionError == nil)
        let body = try #require(jsonObject(result.payload))
        let event = try #require(body["event"] as? [String: Any])
        #expect(event["hello"] as? String == "world")
        #expect(event["n"] as? [Int] == [1, 2])
        #expect(body["requestId"] as? String == "req-1")
        #expect(body["arn"] as? String == "arn:aws:lambda:us-east-1:000000000000:function:test-function")
        #expect(result.initDuration != nil)
        await harness.cleanUp()
    }

    @Test("a warm instance is reused: same process, module state kept", arguments: RuntimeClient.available)
    func warmReuse(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let function = harness.function("app.echo")
        var counts: [Int] = []
        var pids: Set<Int> = []
        var initDurations: [Bool] = []
        for index in 0..<3 {
            let result = try await harness.executor.invoke(function, request(#"{"i":\#(index)}"#))
            let body = try #require(jsonObject(result.payload))
            counts.append(try #require(body["count"] as? Int))
            pids.insert(try #require(body["pid"] as? Int))
            initDurations.append(result.initDuration != nil)
        }
        #expect(counts == [1, 2, 3])
        #expect(pids.count == 1)
        #expect(initDurations == [true, false, false])
        #expect(harness.executor.instanceCount == 1)
        await harness.cleanUp()
    }

    @Test("a handler error is functionError Unhandled with the error JSON", arguments: RuntimeClient.available)
    func handlerError(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let function = harness.function("app.fail")
        let result = try await harness.executor.invoke(function, request(#"{"n":7}"#))
        #expect(result.functionError == "Unhandled")
        let body = try #require(jsonObject(result.payload))
        #expect(body["errorType"] as? String == "ValueError")
        #expect(body["errorMessage"] as? String == "boom 7")
        // The instance survives a handled error.
        let again = try await harness.executor.invoke(function, request(#"{"n":8}"#))
        #expect(jsonObject(again.payload)?["errorMessage"] as? String == "boom 8")
        #expect(again.initDuration == nil)
        await harness.cleanUp()
    }

    @Test("output lines longer than CloudWatch's largest event are split; CR LF ends a line")
    func longLines() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        let result = try await harness.executor.invoke(harness.function("app.chatty"), request("{}", id: "chatty-req"))
        let lines = result.log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "START RequestId: chatty-req Version: $LATEST"))
        #expect(lines[start + 1] == String(repeating: "a", count: 262_144))
        #expect(lines[start + 2] == String(repeating: "a", count: 262_144))
        #expect(lines[start + 3] == String(repeating: "a", count: 600_000 - 2 * 262_144))
        #expect(lines[start + 4] == "short line")
        await harness.cleanUp()
    }

    @Test("log has START, the output, END and REPORT, in Lambda's format; the sink gets them too")
    func logLines() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        let function = harness.function("app.echo")
        let result = try await harness.executor.invoke(function, request(#"{"k":1}"#, id: "log-req"))
        let lines = result.log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "START RequestId: log-req Version: $LATEST")
        #expect(lines.contains(#"handling {"k": 1}"#))
        let end = try #require(lines.firstIndex(of: "END RequestId: log-req"))
        let report = lines[end + 1]
        let pattern = #/^REPORT RequestId: log-req\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration: \d+\.\d\d ms\t$/#
        #expect(report.wholeMatch(of: pattern) != nil, "\(report)")
        #expect(result.log.hasSuffix("\t\n"))

        let warm = try await harness.executor.invoke(function, request("{}", id: "warm-req"))
        #expect(!warm.log.contains("Init Duration"))

        let recorded = await harness.sink.lines
        #expect(recorded.contains { $0.message == "START RequestId: log-req Version: $LATEST" })
        #expect(recorded.contains { $0.message == "END RequestId: warm-req" })
        let stream = try #require(recorded.first?.stream)
        #expect(stream.wholeMatch(of: #/\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}/#) != nil, "\(stream)")
        await harness.cleanUp()
    }

    @Test("timeout: AWS's message, the process is killed, the next invoke starts a new instance", arguments: RuntimeClient.available)
    func timeout(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let function = harness.function("app.sleepy", timeout: 1)
        let started = ContinuousClock.now
        let result = try await harness.executor.invoke(function, request(#"{"seconds":5}"#, id: "slow-req"))
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(result.functionError == "Unhandled")
        let message = try #require(jsonObject(result.payload)?["errorMessage"] as? String)
        let pattern = #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z slow-req Task timed out after 1\.00 seconds/#
        #expect(message.wholeMatch(of: pattern) != nil, "\(message)")
        #expect(result.log.contains("\(message)\nEND RequestId: slow-req\n"))
        let pid = try #require(pidFromLog(result.log))
        #expect(await processGone(pid))
        #expect(harness.executor.instanceCount == 0)

        let next = try await harness.executor.invoke(harness.function("app.echo", timeout: 1), request("{}"))
        #expect(next.functionError == nil)
        #expect(next.initDuration != nil)
        await harness.cleanUp()
    }

    @Test("crash: Runtime.ExitError, then a new instance serves the next invoke", arguments: RuntimeClient.available)
    func crash(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let result = try await harness.executor.invoke(harness.function("app.crash"), request("{}", id: "crash-req"))
        #expect(result.functionError == "Unhandled")
        let body = try #require(jsonObject(result.payload))
        #expect(body["errorType"] as? String == "Runtime.ExitError")
        #expect(body["errorMessage"] as? String == "RequestId: crash-req Error: Runtime exited with error: exit status 3")
        #expect(result.log.contains("RequestId: crash-req Error: Runtime exited with error: exit status 3\nRuntime.ExitError\nEND"))
        let pid = try #require(pidFromLog(result.log))
        #expect(await processGone(pid))

        let next = try await harness.executor.invoke(harness.function("app.echo"), request("{}"))
        #expect(next.functionError == nil)
        #expect(jsonObject(next.payload)?["pid"] as? Int != Int(pid))
        await harness.cleanUp()
    }

    @Test("init error: the runtime's error JSON, Unhandled; the instance is discarded", arguments: RuntimeClient.available)
    func initError(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let result = try await harness.executor.invoke(harness.function("broken.handler"), request("{}"))
        #expect(result.functionError == "Unhandled")
        let body = try #require(jsonObject(result.payload))
        #expect(body["errorType"] as? String == "Runtime.ImportModuleError")
        #expect((body["errorMessage"] as? String)?.contains("does_not_exist_anywhere") == true)
        #expect(result.log.contains("Runtime.ImportModuleError"))
        #expect(harness.executor.instanceCount == 0)
        await harness.cleanUp()
    }

    @Test("concurrency limit 1: a second concurrent invoke is throttled at once")
    func concurrencyLimit() async throws {
        let harness = try ExecutionHarness(client: .minimal, concurrency: 1)
        let function = harness.function("app.sleepy")
        let executor = harness.executor
        async let first = attempt { () async throws(ExecutionError) -> InvocationResult in
            try await executor.invoke(function, request(#"{"seconds":1}"#))
        }
        async let second = attempt { () async throws(ExecutionError) -> InvocationResult in
            try await executor.invoke(function, request(#"{"seconds":1}"#))
        }
        let results = await [first, second]
        let throttled = results.filter {
            if case .failure(let error) = $0 { return error == .tooManyRequests }
            return false
        }
        let succeeded = results.filter { (try? $0.get())?.functionError == nil && (try? $0.get()) != nil }
        #expect(throttled.count == 1)
        #expect(succeeded.count == 1)
        if case .failure(let error) = results.first(where: { (try? $0.get()) == nil }) {
            #expect(error.errorCode == "TooManyRequestsException")
            #expect(error.reason == "ConcurrentInvocationLimitExceeded")
            #expect(error.message == "Rate Exceeded.")
            #expect(error.httpStatus == 429)
        }
        // Once the first finished, the limit has room again.
        let later = try await executor.invoke(function, request(#"{"seconds":0}"#))
        #expect(later.functionError == nil)
        await harness.cleanUp()
    }

    @Test("the function sees exactly the documented environment, nothing of Moat's")
    func environment() async throws {
        setenv("MOAT_ROOT_SECRET_ACCESS_KEY", "must-not-leak", 1)
        defer { unsetenv("MOAT_ROOT_SECRET_ACCESS_KEY") }
        let harness = try ExecutionHarness(client: .minimal)
        let function = harness.function("app.environment", environment: ["MY_SETTING": "on", "AWS_REGION": "eu-west-1"])
        let result = try await harness.executor.invoke(function, request("{}"))
        let environment = try #require(jsonObject(result.payload) as? [String: String])
        let expected: Set<String> = [
            "PATH", "HOME", "LANG", "TZ", "MY_SETTING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME", "_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_RUNTIME_API",
            "AWS_EXECUTION_ENV", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_INITIALIZATION_TYPE",
        ]
        #expect(Set(environment.keys) == expected)
        #expect(environment["MY_SETTING"] == "on")
        #expect(environment["AWS_REGION"] == "us-east-1")
        #expect(environment["AWS_DEFAULT_REGION"] == "us-east-1")
        #expect(environment["AWS_LAMBDA_FUNCTION_NAME"] == "test-function")
        #expect(environment["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST")
        #expect(environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128")
        #expect(environment["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/test-function")
        #expect(environment["_HANDLER"] == "app.environment")
        // The package itself when functions share Moat's uid; a private mirror of it when each has its own (root).
        let taskRoot = try #require(environment["LAMBDA_TASK_ROOT"])
        #expect(taskRoot == harness.code.path || taskRoot.hasSuffix("/task"))
        #expect(FileManager.default.contentsEqual(atPath: taskRoot + "/app.py", andPath: harness.code.path + "/app.py"))
        #expect(environment["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12")
        #expect(environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566")
        #expect(environment["AWS_ACCESS_KEY_ID"] == "ASIATESTKEY")
        #expect(environment["AWS_SECRET_ACCESS_KEY"] == "test-secret")
        #expect(environment["AWS_SESSION_TOKEN"] == "test-token")
        #expect(environment["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand")
        #expect(environment["LANG"] == "C.UTF-8")
        #expect(environment["TZ"] == ":UTC")
        #expect(environment["AWS_LAMBDA_RUNTIME_API"]?.hasPrefix("127.0.0.1:") == true)
        #expect(environment.values.allSatisfy { !$0.contains("must-not-leak") })
        await harness.cleanUp()
    }

    @Test("a response over 6291556 bytes fails with Function.ResponseSizeTooLarge", arguments: RuntimeClient.available)
    func responseTooLarge(client: RuntimeClient) async throws {
        let harness = try ExecutionHarness(client: client)
        let result = try await harness.executor.invoke(harness.function("app.big"), request("{}"))
        #expect(result.functionError == "Unhandled")
        let body = try #require(jsonObject(result.payload))
        #expect(body["errorType"] as? String == "Function.ResponseSizeTooLarge")
        #expect(body["errorMessage"] as? String == "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
        await harness.cleanUp()
    }

    @Test("the Runtime API refuses other request ids, unknown paths and a late init error")
    func runtimeAPIRefusals() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        let result = try await harness.executor.invoke(harness.function("app.probe"), request("{}"))
        let body = try #require(jsonObject(result.payload) as? [String: [Any]])
        #expect(body["wrongId"]?.first as? Int == 400)
        #expect((body["wrongId"]?.last as? String)?.contains("InvalidRequestID") == true)
        #expect(body["unknownPath"]?.first as? Int == 404)
        #expect(body["initErrorLate"]?.first as? Int == 403)
        #expect(result.functionError == nil)
        await harness.cleanUp()
    }

    @Test("retire() stops an idle instance at once")
    func retire() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        let result = try await harness.executor.invoke(harness.function("app.echo"), request("{}"))
        let pid = try #require(jsonObject(result.payload)?["pid"] as? Int)
        await harness.executor.retire(functionName: "test-function")
        #expect(await processGone(Int32(pid)))
        #expect(harness.executor.instanceCount == 0)
        await harness.cleanUp()
    }

    @Test("a new revision does not reuse the old revision's instance")
    func newRevision() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        let old = try await harness.executor.invoke(harness.function("app.echo", revision: "r1"), request("{}"))
        let new = try await harness.executor.invoke(harness.function("app.echo", revision: "r2"), request("{}"))
        let oldPid = try #require(jsonObject(old.payload)?["pid"] as? Int)
        #expect(jsonObject(new.payload)?["pid"] as? Int != oldPid)
        #expect(await processGone(Int32(oldPid)))
        await harness.cleanUp()
    }

    @Test("an idle instance is reaped after the idle timeout")
    func idleReaping() async throws {
        let harness = try ExecutionHarness(client: .minimal, idleTimeout: .milliseconds(300))
        let result = try await harness.executor.invoke(harness.function("app.echo"), request("{}"))
        let pid = try #require(jsonObject(result.payload)?["pid"] as? Int)
        #expect(await processGone(Int32(pid), within: 5))
        #expect(harness.executor.instanceCount == 0)
        await harness.cleanUp()
    }

    @Test("shutdown() kills and reaps every instance, busy or idle")
    func shutdown() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        let executor = harness.executor
        let idle = try await executor.invoke(harness.function("app.echo", name: "idle-function"), request("{}"))
        let idlePid = try #require(jsonObject(idle.payload)?["pid"] as? Int)
        async let busy = attempt { () async throws(ExecutionError) -> InvocationResult in
            try await executor.invoke(harness.function("app.sleepy", name: "busy-function"), request(#"{"seconds":30}"#))
        }
        // Let the busy instance start and receive its event.
        var waited = 0
        while executor.instanceCount < 2, waited < 200 {
            try await Task.sleep(for: .milliseconds(25))
            waited += 1
        }
        try await Task.sleep(for: .milliseconds(500))
        await executor.shutdown()
        let busyResult = try (await busy).get()
        #expect(busyResult.functionError == "Unhandled")
        #expect(jsonObject(busyResult.payload)?["errorType"] as? String == "Runtime.ExitError")
        #expect(await processGone(Int32(idlePid), within: 0.5))
        if let busyPid = pidFromLog(busyResult.log) {
            #expect(await processGone(busyPid, within: 0.5))
        } else {
            Issue.record("the busy function's pid was not logged")
        }
        #expect(executor.instanceCount == 0)
        await #expect(throws: ExecutionError.shutDown) {
            try await executor.invoke(harness.function("app.echo"), request("{}"))
        }
        try? FileManager.default.removeItem(at: harness.root)
    }

    @Test("a node function runs through the node bootstrap", .enabled(if: RuntimeClient.nodeBootstrapAvailable))
    func nodeFunction() async throws {
        let harness = try ExecutionHarness(client: .bootstrap)
        let function = harness.function("index.handler", runtime: "nodejs20.x")
        let first = try await harness.executor.invoke(function, request(#"{"a":1}"#))
        let body = try #require(jsonObject(first.payload))
        #expect(body["runtime"] as? String == "node", "\(String(decoding: first.payload, as: UTF8.self)) \(first.log)")
        #expect((body["event"] as? [String: Any])?["a"] as? Int == 1)
        let second = try await harness.executor.invoke(function, request("{}"))
        #expect(jsonObject(second.payload)?["pid"] as? Int == body["pid"] as? Int)
        await harness.cleanUp()
    }

    @Test("an unknown runtime is runtimeNotAvailable")
    func unknownRuntime() async throws {
        let harness = try ExecutionHarness(client: .minimal)
        await #expect(throws: ExecutionError.runtimeNotAvailable("")) {
            try await harness.executor.invoke(harness.function("app.echo", runtime: "cobol85"), request("{}"))
        }
        await harness.cleanUp()
    }
}
