"""Moat's python and node runtime bootstraps against a fake Lambda Runtime API.

Expected values are AWS's: error types, messages and bodies of the runtime interface clients
(aws/aws-lambda-python-runtime-interface-client, aws/aws-lambda-nodejs-runtime-interface-client 3.x) and the Runtime
API documentation. Tests parametrized with `runtime` run on every python3.9 to 3.13 found and on node.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FUNCTION_ARN, HANDLERS, NODE_BOOTSTRAP, python_params, runtime_params
from conftest import PYTHONS as PYTHON_PATHS

ALL_RUNTIMES = pytest.mark.parametrize("runtime", runtime_params())
PYTHONS = pytest.mark.parametrize("runtime", python_params())
NODE_ONLY = pytest.mark.parametrize("runtime", [p for p in runtime_params() if p.values == ("node",)])

# The same behaviour under its python name (app.py) and its node name (esm.mjs).
HANDLER_NAMES = {
    "echo": ("app.echo", "esm.echo"),
    "nothing": ("app.nothing", "esm.nothing"),
    "boom": ("app.boom", "esm.boom"),
    "fails_then_succeeds": ("app.fails_then_succeeds", "esm.failsThenSucceeds"),
    "count": ("app.count", "esm.count"),
    "context": ("app.describe_context", "esm.describeContext"),
    "trace_id": ("app.trace_id", "esm.traceId"),
    "writes_without_newline": ("app.writes_without_newline", "esm.writesWithoutNewline"),
}

ISO_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
AWS_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


def handler_for(runtime: str, behaviour: str) -> str:
    python_name, node_name = HANDLER_NAMES[behaviour]
    return node_name if runtime == "node" else python_name


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the only line of `path` containing `text`."""
    numbers = [number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(numbers) == 1, (path, text, numbers)
    return numbers[0]


# Results


@ALL_RUNTIMES
def test_result_is_posted_as_json_to_the_response_endpoint(runtime, launch, runtime_api):
    launch(runtime, handler_for(runtime, "echo"))
    event = {"text": "héllo ✓", "numbers": [1, 2.5, None], "nested": {"ok": True}}

    reply = runtime_api.invoke_and_wait(event)

    assert reply.kind == "response"
    assert reply.json() == {"event": event}
    assert reply.headers["Content-Type"] == "application/json"


@ALL_RUNTIMES
def test_none_or_undefined_result_is_null(runtime, launch, runtime_api):
    launch(runtime, handler_for(runtime, "nothing"))

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "response"
    assert reply.body == b"null"


@ALL_RUNTIMES
def test_one_process_serves_invocations_one_after_another_and_keeps_module_state(runtime, launch, runtime_api):
    function = launch(runtime, handler_for(runtime, "count"))

    replies = [runtime_api.invoke_and_wait({}) for _ in range(3)]

    assert [reply.json()["invocations"] for reply in replies] == [1, 2, 3]
    assert {reply.json()["pid"] for reply in replies} == {function.pid}
    assert function.running()


# Errors of the handler


def python_boom_frame(task_root: Path) -> str:
    line = line_of(task_root / "app.py", 'raise ValueError("boom")')
    return '  File "%s", line %d, in boom\n    raise ValueError("boom")\n' % (task_root / "app.py", line)


@PYTHONS
def test_python_handler_error_has_aws_body_and_unhandled_header(runtime, launch, runtime_api):
    function = launch(runtime, "app.boom")

    request_id = runtime_api.invoke({})
    reply = runtime_api.wait_reply(request_id)

    assert reply.kind == "error"
    assert reply.headers[AWS_ERROR_TYPE_HEADER] == "Unhandled"
    # Only the user's frame: the bootstrap's own frames are cut, and there are no column carets on 3.11+.
    assert reply.json() == {
        "errorMessage": "boom",
        "errorType": "ValueError",
        "requestId": request_id,
        "stackTrace": [python_boom_frame(function.task_root)],
    }


@PYTHONS
def test_python_stack_trace_lists_every_user_frame_without_column_carets(runtime, launch, runtime_api):
    function = launch(runtime, "app.boom_in_helper")

    reply = runtime_api.invoke_and_wait({})

    app = function.task_root / "app.py"
    assert reply.json()["stackTrace"] == [
        '  File "%s", line %d, in boom_in_helper\n    return 1 + explode("deep boom")\n' % (app, line_of(app, "+ explode(")),
        '  File "%s", line %d, in explode\n    raise ValueError(message)\n' % (app, line_of(app, "raise ValueError(message)")),
    ]


@PYTHONS
def test_python_handler_error_is_printed_as_aws_prints_it(runtime, launch, runtime_api):
    function = launch(runtime, "app.boom")

    runtime_api.invoke_and_wait({})

    expected = "[ERROR] ValueError: boom\nTraceback (most recent call last):\n" + python_boom_frame(function.task_root)
    assert function.wait_output(lambda text: expected in text, "stderr")


@NODE_ONLY
def test_node_handler_error_has_aws_body_and_unhandled_header(runtime, launch, runtime_api):
    launch(runtime, "esm.boom")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "error"
    assert reply.headers[AWS_ERROR_TYPE_HEADER] == "Unhandled"
    body = reply.json()
    assert set(body) == {"errorType", "errorMessage", "trace"}
    assert body["errorType"] == "Error"
    assert body["errorMessage"] == "boom"
    assert body["trace"][0] == "Error: boom"
    assert "esm.mjs:" in body["trace"][1]


@NODE_ONLY
def test_node_handler_error_is_printed_as_an_invoke_error_line(runtime, launch, runtime_api):
    function = launch(runtime, "esm.boom")

    request_id = runtime_api.invoke({})
    runtime_api.wait_reply(request_id)

    stderr = function.wait_output(lambda text: "Invoke Error" in text, "stderr")
    match = re.search(r"^%s\t%s\tERROR\tInvoke Error \t(\{.*\})$" % (ISO_TIMESTAMP, request_id), stderr, re.MULTILINE)
    assert match, stderr
    printed = json.loads(match.group(1))
    assert (printed["errorType"], printed["errorMessage"]) == ("Error", "boom")
    assert printed["stack"][0] == "Error: boom"


@ALL_RUNTIMES
def test_handler_error_does_not_stop_the_runtime(runtime, launch, runtime_api):
    function = launch(runtime, handler_for(runtime, "fails_then_succeeds"))

    failed = runtime_api.invoke_and_wait({"fail": True})
    recovered = runtime_api.invoke_and_wait({"fail": False})

    assert failed.kind == "error"
    assert failed.json()["errorType"] == ("TypeError" if runtime == "node" else "KeyError")
    assert recovered.kind == "response"
    assert recovered.json() == "recovered"
    assert function.running()
    assert runtime_api.connections == 1


@PYTHONS
def test_python_unserializable_result_is_a_marshal_error(runtime, launch, runtime_api):
    function = launch(runtime, "app.returns_set")

    request_id = runtime_api.invoke({})
    reply = runtime_api.wait_reply(request_id)

    assert reply.kind == "error"
    assert reply.json() == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": request_id,
        "stackTrace": [],
    }
    assert function.running()


@PYTHONS
def test_python_async_handler_is_a_marshal_error_and_does_not_hang(runtime, launch, runtime_api):
    function = launch(runtime, "app.coroutine")

    first = runtime_api.invoke_and_wait({})
    second = runtime_api.invoke_and_wait({})

    for reply in (first, second):
        assert reply.kind == "error"
        assert reply.json()["errorType"] == "Runtime.MarshalError"
        assert reply.json()["errorMessage"] == "Unable to marshal response: Object of type coroutine is not JSON serializable"
    assert function.running()


@PYTHONS
def test_python_event_that_is_not_json_is_an_unmarshal_error(runtime, launch, runtime_api):
    launch(runtime, "app.echo")

    reply = runtime_api.invoke_and_wait(raw_body=b"{not json")

    assert reply.kind == "error"
    assert reply.json()["errorType"] == "Runtime.UnmarshalError"
    assert reply.json()["errorMessage"].startswith("Unable to unmarshal input: Expecting property name")


@PYTHONS
def test_python_decimal_result_is_a_json_number(runtime, launch, runtime_api):
    launch(runtime, "app.returns_decimals")
    assert runtime_api.invoke_and_wait({}).body == b'{"price": 12.5, "count": 3}'


@PYTHONS
def test_python_bytes_result_is_posted_as_is(runtime, launch, runtime_api):
    launch(runtime, "app.returns_bytes")

    reply = runtime_api.invoke_and_wait({})

    assert reply.body == b"raw \x00 bytes"
    assert reply.headers["Content-Type"] == "application/unknown"


@NODE_ONLY
def test_node_thrown_string_has_its_type_as_error_type(runtime, launch, runtime_api):
    launch(runtime, "esm.throwsString")

    reply = runtime_api.invoke_and_wait({})

    assert reply.json() == {"errorType": "string", "errorMessage": "plain string", "trace": []}


@NODE_ONLY
def test_node_result_that_cannot_be_stringified_is_an_error(runtime, launch, runtime_api):
    function = launch(runtime, "esm.circular")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "error"
    assert (reply.json()["errorType"], reply.json()["errorMessage"]) == ("Error", "Unable to stringify response body")
    assert function.running()


@NODE_ONLY
def test_node_event_that_is_not_json_is_a_syntax_error(runtime, launch, runtime_api):
    launch(runtime, "esm.echo")

    reply = runtime_api.invoke_and_wait(raw_body=b"{not json")

    assert reply.kind == "error"
    assert reply.json()["errorType"] == "SyntaxError"


@NODE_ONLY
def test_node_uncaught_exception_fails_the_invocation_and_exits_129(runtime, launch, runtime_api):
    function = launch(runtime, "esm.uncaughtInTimer")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "error"
    assert (reply.json()["errorType"], reply.json()["errorMessage"]) == ("Error", "timer exploded")
    assert function.wait() == 129
    assert "Uncaught Exception" in function.stderr()


@NODE_ONLY
def test_node_unhandled_rejection_fails_the_invocation_and_exits_128(runtime, launch, runtime_api):
    function = launch(runtime, "esm.unhandledRejection")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "error"
    assert reply.json()["errorType"] == "Runtime.UnhandledPromiseRejection"
    assert reply.json()["errorMessage"] == "Error: nobody listens"
    assert function.wait() == 128


@NODE_ONLY
def test_node_async_handler_whose_promise_never_settles_ends_with_node_js_exit(runtime, launch, runtime_api):
    function = launch(runtime, "esm.neverSettles")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "error"
    assert reply.json()["errorType"] == "Runtime.NodeJsExit"
    assert reply.json()["errorMessage"].startswith("The Lambda runtime client detected an unexpected Node.js exit code.")
    assert function.running()


# Init errors


PYTHON_INIT_ERRORS = {
    "missing.handler": ("Runtime.ImportModuleError", "Unable to import module 'missing': No module named 'missing'"),
    "imports_missing.handler": (
        "Runtime.ImportModuleError",
        "Unable to import module 'imports_missing': No module named 'moat_no_such_dependency'",
    ),
    "app.nope": ("Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"),
    "broken_syntax.handler": (
        "Runtime.UserCodeSyntaxError",
        "Syntax error in module 'broken_syntax': invalid syntax (broken_syntax.py, line 2)",
    ),
    "x": ("Runtime.MalformedHandlerName", "Bad handler 'x': not enough values to unpack (expected 2, got 1)"),
    "sys.handler": ("Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
}


@PYTHONS
@pytest.mark.parametrize("handler", list(PYTHON_INIT_ERRORS))
def test_python_init_error_is_posted_with_aws_type_and_message_then_the_runtime_exits(runtime, handler, launch, runtime_api):
    function = launch(runtime, handler)
    error_type, message = PYTHON_INIT_ERRORS[handler]

    reply = runtime_api.wait_init_error()

    body = reply.json()
    assert (body["errorType"], body["errorMessage"], body["requestId"]) == (error_type, message, "")
    assert reply.headers[AWS_ERROR_TYPE_HEADER] == error_type
    assert function.wait() == 1
    assert runtime_api.next_requests == 0
    assert function.stderr().startswith("[ERROR] %s: %s\nTraceback (most recent call last):\n" % (error_type, message))


@PYTHONS
def test_python_syntax_error_trace_names_file_and_line(runtime, launch, runtime_api):
    function = launch(runtime, "broken_syntax.handler")

    body = runtime_api.wait_init_error().json()

    assert body["stackTrace"] == ['  File "%s" Line 2\n        return = 1\n' % (function.task_root / "broken_syntax.py")]


@PYTHONS
def test_python_exception_at_import_is_an_init_error_of_its_own_type(runtime, launch, runtime_api):
    function = launch(runtime, "raises_at_import.handler")

    body = runtime_api.wait_init_error().json()

    assert (body["errorType"], body["errorMessage"]) == ("RuntimeError", "cannot start")
    assert 'raises_at_import.py", line 1, in <module>' in body["stackTrace"][-1]
    assert function.wait() == 1


NODE_INIT_ERRORS = {
    "missing.handler": ("Runtime.ImportModuleError", "Error: Cannot find module 'missing'\nRequire stack:\n- %s" % NODE_BOOTSTRAP),
    "esm.nope": ("Runtime.HandlerNotFound", "esm.nope is undefined or not exported"),
    "esm.notAFunction": ("Runtime.HandlerNotFound", "esm.notAFunction is not a function"),
    "x": ("Runtime.MalformedHandlerName", "Bad handler"),
    "../esm.echo": (
        "Runtime.MalformedHandlerName",
        "'../esm.echo' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    ),
    "throwsAtLoad.handler": ("RangeError", "cannot start"),
}


@NODE_ONLY
@pytest.mark.parametrize("handler", list(NODE_INIT_ERRORS))
def test_node_init_error_is_posted_with_aws_type_and_message_then_the_runtime_exits(runtime, handler, launch, runtime_api):
    function = launch(runtime, handler)
    error_type, message = NODE_INIT_ERRORS[handler]

    reply = runtime_api.wait_init_error()

    body = reply.json()
    assert (body["errorType"], body["errorMessage"]) == (error_type, message)
    assert body["trace"][0].startswith(error_type + ": ")
    assert reply.headers[AWS_ERROR_TYPE_HEADER] == error_type
    assert function.wait() == 129
    assert runtime_api.next_requests == 0
    assert re.search(r"^%s\tundefined\tERROR\tUncaught Exception \t\{" % ISO_TIMESTAMP, function.stderr(), re.MULTILINE)


@NODE_ONLY
def test_node_syntax_error_is_a_user_code_syntax_error(runtime, launch, runtime_api):
    function = launch(runtime, "broken.handler")

    reply = runtime_api.wait_init_error()

    assert reply.json()["errorType"] == "Runtime.UserCodeSyntaxError"
    assert reply.json()["errorMessage"] == "SyntaxError: Unexpected token ']'"
    assert reply.headers[AWS_ERROR_TYPE_HEADER] == "Runtime.UserCodeSyntaxError"
    assert function.wait() == 129


# Handler strings and module formats


@PYTHONS
@pytest.mark.parametrize("handler", ["pkg/mod.fn", "pkg.mod.fn"])
def test_python_module_in_a_package(runtime, handler, launch, runtime_api):
    launch(runtime, handler)
    assert runtime_api.invoke_and_wait({}).json() == "pkg.mod.fn"


@PYTHONS
def test_python_task_root_comes_first_on_sys_path_and_the_bootstrap_directory_is_not_there(runtime, launch, runtime_api):
    function = launch(runtime, "app.search_path")

    search_path = runtime_api.invoke_and_wait({}).json()

    assert search_path[0] == str(function.task_root)
    assert all("MoatLambda" not in entry for entry in search_path)


@PYTHONS
def test_python_leaves_the_code_directory_unwritten(runtime, launch, runtime_api):
    function = launch(runtime, "pkg/mod.fn")

    runtime_api.invoke_and_wait({})

    assert sorted(path.name for path in function.task_root.rglob("__pycache__")) == []


@NODE_ONLY
@pytest.mark.parametrize(
    "handler, expected",
    [
        ("esm.echo", {"event": {"format": "mjs"}}),
        ("typemodule/app.handler", {"style": "esm-js", "requireIs": "undefined"}),
        ("cjs.handler", {"style": "commonjs", "requireIs": "function", "event": {"format": "mjs"}}),
        ("app.handler", {"style": "cjs", "requireIs": "function"}),
        ("src/nested.handler", "src/nested"),
        ("esm.nested.handler", "nested export"),
    ],
    ids=["mjs", "js-type-module", "js-commonjs", "cjs", "nested-directory", "nested-export"],
)
def test_node_module_formats_and_handler_paths(runtime, handler, expected, launch, runtime_api):
    launch(runtime, handler)
    assert runtime_api.invoke_and_wait({"format": "mjs"}).json() == expected


# Callback and legacy handlers (node)


@NODE_ONLY
def test_node_callback_result(runtime, launch, runtime_api):
    launch(runtime, "callback.ok")
    assert runtime_api.invoke_and_wait({"n": 1}).json() == {"via": "callback", "event": {"n": 1}}


@NODE_ONLY
def test_node_callback_error(runtime, launch, runtime_api):
    function = launch(runtime, "callback.error")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "error"
    assert reply.headers[AWS_ERROR_TYPE_HEADER] == "Unhandled"
    assert (reply.json()["errorType"], reply.json()["errorMessage"]) == ("Error", "callback failed")
    assert function.running()


@NODE_ONLY
def test_node_callback_waits_for_the_empty_event_loop_by_default(runtime, launch, runtime_api):
    launch(runtime, "callback.waits")

    reply = runtime_api.invoke_and_wait({})

    assert reply.json() == "answered"
    assert "timer fired" in reply.stdout_then


@NODE_ONLY
def test_node_callback_does_not_wait_when_the_context_says_so(runtime, launch, runtime_api):
    function = launch(runtime, "callback.doesNotWait")

    reply = runtime_api.invoke_and_wait({})

    assert reply.json() == "answered"
    assert "timer fired" not in reply.stdout_then
    function.wait_output(lambda text: "timer fired" in text)


@NODE_ONLY
def test_node_sync_handler_that_never_calls_back_answers_null_once_the_loop_is_empty(runtime, launch, runtime_api):
    launch(runtime, "callback.neverCallsBack")

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == "response"
    assert reply.body == b"null"
    assert "timer fired" in reply.stdout_then


@NODE_ONLY
@pytest.mark.parametrize(
    "handler, kind, expected",
    [
        ("callback.firstWins", "response", "first"),
        ("callback.succeed", "response", {"via": "succeed"}),
        ("callback.done", "response", {"via": "done"}),
        ("callback.fail", "error", {"errorType": "Error", "errorMessage": "failed via context"}),
        ("callback.doneWithError", "error", {"errorType": "Error", "errorMessage": "done with error"}),
        ("callback.failWithoutError", "error", {"errorType": "string", "errorMessage": "handled"}),
    ],
)
def test_node_legacy_context_methods_and_first_call_wins(runtime, handler, kind, expected, launch, runtime_api):
    launch(runtime, handler)

    reply = runtime_api.invoke_and_wait({})

    assert reply.kind == kind
    body = reply.json()
    if kind == "error":
        body = {key: body[key] for key in ("errorType", "errorMessage")}
    assert body == expected


# Context


CLIENT_CONTEXT = {
    "client": {"installation_id": "install-1", "app_title": "Moat app"},
    "custom": {"tenant": "t-1"},
    "env": {"platform": "test"},
}
COGNITO_IDENTITY = {"cognitoIdentityId": "us-east-1:identity-1", "cognitoIdentityPoolId": "us-east-1:pool-1"}


@PYTHONS
def test_python_context(runtime, launch, runtime_api):
    launch(runtime, "app.describe_context")
    deadline = int(time.time() * 1000) + 30_000

    request_id = runtime_api.invoke(
        {}, deadline_ms=deadline, client_context=CLIENT_CONTEXT, cognito_identity=COGNITO_IDENTITY
    )
    context = runtime_api.wait_reply(request_id).json()

    assert 20_000 < context.pop("remaining_ms") <= 30_000
    assert context == {
        "function_name": "moat-test",
        "function_version": "$LATEST",
        "invoked_function_arn": FUNCTION_ARN,
        "memory_limit_in_mb": 256,
        "memory_limit_is_int": True,
        "aws_request_id": request_id,
        "log_group_name": "/aws/lambda/moat-test",
        "log_stream_name": "2024/01/01/[$LATEST]0123456789abcdef",
        "identity": {"id": "us-east-1:identity-1", "pool_id": "us-east-1:pool-1"},
        "client_context": {
            "custom": {"tenant": "t-1"},
            "env": {"platform": "test"},
            "installation_id": "install-1",
            "app_title": "Moat app",
        },
    }


@PYTHONS
def test_python_context_without_identity_or_client_context_and_past_deadline(runtime, launch, runtime_api):
    launch(runtime, "app.describe_context")

    context = runtime_api.invoke_and_wait({}, deadline_ms=int(time.time() * 1000) - 5_000).json()

    assert context["identity"] == {"id": None, "pool_id": None}
    assert context["client_context"] is None
    assert context["remaining_ms"] == 0


@NODE_ONLY
def test_node_context(runtime, launch, runtime_api):
    launch(runtime, "esm.describeContext")
    deadline = int(time.time() * 1000) + 30_000

    request_id = runtime_api.invoke(
        {}, deadline_ms=deadline, client_context=CLIENT_CONTEXT, cognito_identity=COGNITO_IDENTITY
    )
    context = runtime_api.wait_reply(request_id).json()

    assert 20_000 < context.pop("remainingMs") <= 30_000
    assert context == {
        "functionName": "moat-test",
        "functionVersion": "$LATEST",
        "invokedFunctionArn": FUNCTION_ARN,
        "memoryLimitInMB": "256",
        "memoryLimitType": "string",
        "awsRequestId": request_id,
        "logGroupName": "/aws/lambda/moat-test",
        "logStreamName": "2024/01/01/[$LATEST]0123456789abcdef",
        "identity": COGNITO_IDENTITY,
        "clientContext": CLIENT_CONTEXT,
        "callbackWaitsForEmptyEventLoop": True,
        "legacyMethods": ["succeed", "fail", "done"],
    }


@NODE_ONLY
def test_node_context_without_identity_or_client_context(runtime, launch, runtime_api):
    launch(runtime, "esm.describeContext")

    context = runtime_api.invoke_and_wait({}).json()

    assert (context["identity"], context["clientContext"]) == ("undefined", "undefined")


@ALL_RUNTIMES
def test_trace_id_is_set_in_the_environment_per_invocation(runtime, launch, runtime_api):
    launch(runtime, handler_for(runtime, "trace_id"))
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    traced = runtime_api.invoke_and_wait({}, trace_id=trace)
    untraced = runtime_api.invoke_and_wait({})

    assert traced.json() == trace
    assert untraced.json() == ("unset" if runtime == "node" else None)


# Connection


@ALL_RUNTIMES
def test_many_invocations_use_one_keep_alive_connection(runtime, launch, runtime_api):
    launch(runtime, handler_for(runtime, "echo"))

    for number in range(25):
        assert runtime_api.invoke_and_wait({"n": number}).json() == {"event": {"n": number}}

    assert runtime_api.connections == 1


@ALL_RUNTIMES
def test_runtime_reconnects_when_the_server_drops_the_connection(runtime, launch, runtime_api):
    runtime_api.close_after_post = True
    function = launch(runtime, handler_for(runtime, "echo"))

    for number in range(5):
        assert runtime_api.invoke_and_wait({"n": number}).json() == {"event": {"n": number}}

    assert runtime_api.connections >= 5
    assert function.running()


@ALL_RUNTIMES
def test_a_long_warm_run_answers_every_event_in_order(runtime, launch, runtime_api):
    """300 invocations through one process: one result per event, each fetched only after the previous one was
    answered. (The bootstrap's time per invocation is measured by Benchmarks/, not asserted here.)"""
    launch(runtime, handler_for(runtime, "echo"))
    request_ids = [runtime_api.invoke({"n": number}) for number in range(300)]
    runtime_api.wait_reply(request_ids[-1])
    runtime_api.wait_next_requests(301)

    for number, request_id in enumerate(request_ids):
        assert runtime_api.wait_reply(request_id).json() == {"event": {"n": number}}
    timings = runtime_api.timings
    nexts = [timing for timing in timings if timing.kind == "next"]
    posts = [timing for timing in timings if timing.kind == "post"]
    assert len(posts) == 300
    for index in range(299):
        assert posts[index].received >= nexts[index].answered
        assert nexts[index + 1].received >= posts[index].answered


# Logs


@ALL_RUNTIMES
def test_output_of_an_invocation_is_written_before_the_next_event_is_fetched(runtime, launch, runtime_api):
    launch(runtime, handler_for(runtime, "writes_without_newline"))

    runtime_api.invoke_and_wait({"tag": "first"})
    runtime_api.wait_next_requests(2)

    assert "partial-first" not in runtime_api.stdout_at_next[0]
    assert "partial-first" in runtime_api.stdout_at_next[1]


@PYTHONS
def test_python_print_is_left_alone_and_the_root_logger_has_aws_format_at_warning(runtime, launch, runtime_api):
    function = launch(runtime, "app.logs")

    request_id = runtime_api.invoke({"tag": "t1"})
    runtime_api.wait_reply(request_id)

    stdout = function.wait_output(lambda text: "warned t1" in text)
    assert "printed t1\n" in stdout.splitlines(keepends=True)
    assert re.search(r"^\[WARNING\]\t%s\t%s\twarned t1$" % (ISO_TIMESTAMP, request_id), stdout, re.MULTILINE), stdout
    assert "informed t1" not in stdout


@PYTHONS
def test_python_log_level_from_the_environment(runtime, launch, runtime_api):
    function = launch(runtime, "app.logs", env={"AWS_LAMBDA_LOG_LEVEL": "INFO"})

    request_id = runtime_api.invoke({"tag": "t2"})
    runtime_api.wait_reply(request_id)

    stdout = function.wait_output(lambda text: "informed t2" in text)
    assert re.search(r"^\[INFO\]\t%s\t%s\tinformed t2$" % (ISO_TIMESTAMP, request_id), stdout, re.MULTILINE), stdout


@NODE_ONLY
def test_node_console_lines_carry_timestamp_request_id_and_level(runtime, launch, runtime_api):
    function = launch(runtime, "esm.logs")

    request_id = runtime_api.invoke({"tag": "t1"})
    runtime_api.wait_reply(request_id)

    stdout = function.wait_output(lambda text: "two\rlines" in text)
    lines = stdout.rstrip("\n").split("\n")  # not splitlines(), which also splits at "\r"
    prefix = r"%s\t%s\t" % (ISO_TIMESTAMP, re.escape(request_id))
    expected = [
        prefix + r"INFO\tlogged t1 42",
        prefix + r"INFO\tinfo t1",
        prefix + r"WARN\twarn t1",
        prefix + r"ERROR\terror t1",
        prefix + r"DEBUG\tdebug t1",
        prefix + "INFO\ttwo\rlines t1",  # one record per call: newlines become carriage returns, as on AWS
    ]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), (line, pattern)


@NODE_ONLY
def test_node_log_level_from_the_environment_drops_lower_levels(runtime, launch, runtime_api):
    function = launch(runtime, "esm.logs", env={"AWS_LAMBDA_LOG_LEVEL": "WARN"})

    runtime_api.invoke_and_wait({"tag": "t2"})

    stdout = function.wait_output(lambda text: "error t2" in text)
    assert [line.split("\t")[2] for line in stdout.splitlines()] == ["WARN", "ERROR"]



# Start-up: what the python bootstrap imports, and the root logger when the function's code imports logging


@PYTHONS
def test_python_bootstrap_imports_no_heavy_module_before_the_handler(runtime, launch, runtime_api):
    """http.client (email, ssl), json (re), logging, decimal and traceback are left to the code that needs them."""
    launch(runtime, "lean.loaded")

    loaded = runtime_api.invoke_and_wait({}).json()

    # Less what the interpreter itself loads at start (a site-packages .pth file may import re, for one).
    listed = "import sys, lean; print(' '.join(name for name in lean.HEAVY_MODULES if name in sys.modules))"
    bare = subprocess.run([PYTHON_PATHS[runtime], "-B", "-c", listed], cwd=HANDLERS / "python", capture_output=True, text=True)
    assert bare.returncode == 0, bare.stderr
    assert sorted(set(loaded) - set(bare.stdout.split())) == []


@PYTHONS
def test_python_root_logger_is_configured_when_the_handler_imports_logging_late(runtime, launch, runtime_api):
    function = launch(runtime, "lean.logs_lazily")

    request_id = runtime_api.invoke({"tag": "t3"})
    runtime_api.wait_reply(request_id)

    stdout = function.wait_output(lambda text: "lazily t3" in text)
    assert re.search(r"^\[WARNING\]\t%s\t%s\tlazily t3$" % (ISO_TIMESTAMP, request_id), stdout, re.MULTILINE), stdout


@PYTHONS
def test_python_root_logger_is_configured_before_the_module_that_imports_logging_goes_on(runtime, launch, runtime_api):
    function = launch(runtime, "logs_at_import.handler")

    assert runtime_api.invoke_and_wait({}).json() == "loaded"

    stdout = function.wait_output(lambda text: "while the module loads" in text)
    assert re.search(r"^\[WARNING\]\t%s\t\tlogged while the module loads$" % ISO_TIMESTAMP, stdout, re.MULTILINE), stdout


@PYTHONS
@pytest.mark.parametrize("shadow", ["logging.py", "traceback.py", "decimal.py"])
def test_python_task_root_does_not_shadow_the_modules_the_runtime_uses(runtime, shadow, launch, runtime_api):
    """As when the bootstrap imported them before the handler (and as on AWS): the interpreter's modules win."""
    function = launch(runtime, "app.boom", files={shadow: "raise ImportError('the task root shadowed %s')\n" % shadow})

    reply = runtime_api.invoke_and_wait({})  # app imports logging and decimal; the error report needs traceback

    assert reply.json()["errorType"] == "ValueError"
    assert reply.json()["stackTrace"] == [python_boom_frame(function.task_root)]
    assert "shadowed" not in function.stderr()


# Runtime API connection of the python bootstrap (the client itself: test_python_runtime_client.py)


@PYTHONS
def test_python_reads_a_chunked_event(runtime, launch, runtime_api):
    runtime_api.next_transfer_encoding = "chunked"
    launch(runtime, "app.echo")

    for number in range(3):
        event = {"n": number, "text": "a longer event, in many chunks ✓"}
        assert runtime_api.invoke_and_wait(event).json() == {"event": event}
    assert runtime_api.connections == 1


@PYTHONS
def test_python_refuses_an_unsupported_transfer_encoding_and_exits(runtime, launch, runtime_api):
    runtime_api.next_transfer_encoding = "gzip, chunked"
    function = launch(runtime, "app.echo")
    runtime_api.invoke({})

    assert function.wait() == 1
    assert "Transfer-Encoding" in function.stderr()


def closed_port() -> int:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@PYTHONS
def test_python_exits_when_the_runtime_api_cannot_be_reached(runtime, launch):
    function = launch(runtime, "app.echo", env={"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % closed_port()})

    assert function.wait() == 1
    stderr = function.stderr()
    assert "Lambda runtime bootstrap: GET /2018-06-01/runtime/invocation/next failed 5 times in a row" in stderr
    assert "is gone: ConnectionRefusedError" in stderr


@PYTHONS
def test_python_exits_when_the_runtime_api_goes_away_while_it_waits_for_an_event(runtime, launch, runtime_api):
    function = launch(runtime, "app.echo")
    assert runtime_api.invoke_and_wait({}).kind == "response"
    runtime_api.wait_next_requests(2)

    runtime_api.stop()  # closes the waiting GET next's connection and the listening socket

    assert function.wait() == 1
    assert "is gone" in function.stderr()
