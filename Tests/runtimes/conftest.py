"""A fake Lambda Runtime API and a launcher for Moat's runtime bootstraps.

`FakeRuntimeAPI` is a threaded HTTP/1.1 server on 127.0.0.1 that queues events for `GET .../invocation/next` and
records what the bootstrap posts back (responses, invocation errors, init errors), the TCP connections it accepted,
and the time each request arrived and was answered. `launch(...)` starts a bootstrap against it with the environment
Moat gives one, in a task root holding the fixture handlers of `handlers/<language>/`.
"""

from __future__ import annotations

import glob
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON_BOOTSTRAP = ROOT / "Sources/MoatLambda/Runtimes/python/bootstrap.py"
NODE_BOOTSTRAP = ROOT / "Sources/MoatLambda/Runtimes/node/bootstrap.mjs"
HANDLERS = Path(__file__).resolve().parent / "handlers"

FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:moat-test"
WAIT_SECONDS = 15

# Interpreters


def _interpreter_version(executable: str) -> Optional[str]:
    """`3.N` when `executable` runs (a pyenv shim of a version that is not selected does not), else None."""
    try:
        completed = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def find_python(minor: int) -> Optional[str]:
    """An interpreter for python3.<minor>: `shutil.which`, then pyenv's own install when the shim refuses to run."""
    name = "python3.%d" % minor
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which(name)] + sorted(glob.glob(os.path.join(pyenv_root, "versions", "3.%d.*" % minor, "bin", name)))
    for candidate in candidates:
        if candidate and _interpreter_version(candidate) == "3.%d" % minor:
            return candidate
    return None


PYTHON_MINORS = range(9, 14)
PYTHONS = {"python3.%d" % minor: find_python(minor) for minor in PYTHON_MINORS}
NODE = shutil.which("node")


def python_params() -> List:
    return [
        pytest.param(name, id=name, marks=() if path else pytest.mark.skip(reason=name + " is not installed"))
        for name, path in PYTHONS.items()
    ]


def runtime_params() -> List:
    """Every python3.9 to 3.13 found on the machine, then node."""
    node = pytest.param("node", id="node", marks=() if NODE else pytest.mark.skip(reason="node is not installed"))
    return python_params() + [node]


# The fake Runtime API


@dataclass
class Reply:
    """What the bootstrap posted for one invocation (a response or an error)."""

    kind: str  # "response" or "error"
    request_id: str
    body: bytes
    headers: Dict[str, str]
    stdout_then: str  # the bootstrap's stdout when the post arrived

    def json(self):
        return json.loads(self.body)


@dataclass
class Timing:
    """When the server had read a request and when it had written the answer (time.perf_counter)."""

    kind: str  # "next" or "post"
    received: float
    answered: float = 0.0


@dataclass
class Event:
    request_id: str
    body: bytes
    headers: Dict[str, str]


@dataclass
class FakeRuntimeAPI:
    server: Optional[ThreadingHTTPServer] = None
    events: "queue.Queue[Event]" = field(default_factory=queue.Queue)
    replies: Dict[str, Reply] = field(default_factory=dict)
    init_errors: List[Reply] = field(default_factory=list)
    next_requests: int = 0
    connections: int = 0
    stdout_at_next: List[str] = field(default_factory=list)
    timings: List[Timing] = field(default_factory=list)
    close_after_post: bool = False
    next_transfer_encoding: Optional[str] = None  # answer GET next with this Transfer-Encoding (chunked body)
    stdout_source: Callable[[], str] = lambda: ""
    stopping: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return "%s:%d" % (host, port)

    def start(self) -> None:
        api = self

        class Handler(RuntimeAPIHandler):
            pass

        Handler.api = api
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def invoke(
        self,
        event=None,
        request_id: Optional[str] = None,
        deadline_ms: Optional[int] = None,
        trace_id: Optional[str] = None,
        client_context: Optional[dict] = None,
        cognito_identity: Optional[dict] = None,
        raw_body: Optional[bytes] = None,
    ) -> str:
        """Queue an event; returns its request id."""
        request_id = request_id or str(uuid.uuid4())
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms or int(time.time() * 1000) + 60_000),
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
            "Content-Type": "application/json",
        }
        if trace_id is not None:
            headers["Lambda-Runtime-Trace-Id"] = trace_id
        if client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(client_context)
        if cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(cognito_identity)
        body = raw_body if raw_body is not None else json.dumps(event if event is not None else {}).encode()
        self.events.put(Event(request_id, body, headers))
        return request_id

    def wait_reply(self, request_id: str, timeout: float = WAIT_SECONDS) -> Reply:
        with self.changed:
            if not self.changed.wait_for(lambda: request_id in self.replies, timeout):
                raise AssertionError("no response or error for %s within %ss" % (request_id, timeout))
            return self.replies[request_id]

    def invoke_and_wait(self, event=None, **options) -> Reply:
        return self.wait_reply(self.invoke(event, **options))

    def wait_init_error(self, timeout: float = WAIT_SECONDS) -> Reply:
        with self.changed:
            if not self.changed.wait_for(lambda: self.init_errors, timeout):
                raise AssertionError("no init error within %ss" % timeout)
            return self.init_errors[0]

    def wait_next_requests(self, count: int, timeout: float = WAIT_SECONDS) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.next_requests >= count, timeout):
                raise AssertionError("%d next requests after %ss, wanted %d" % (self.next_requests, timeout, count))

    def record(self, update: Callable[[], None]) -> None:
        with self.changed:
            update()
            self.changed.notify_all()


class RuntimeAPIHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    api: FakeRuntimeAPI

    def setup(self) -> None:
        super().setup()
        self.api.record(lambda: setattr(self.api, "connections", self.api.connections + 1))

    def log_message(self, format, *args) -> None:  # noqa: A002 - the signature of BaseHTTPRequestHandler
        pass

    def parse_request(self) -> bool:
        # The request line is in; stamp its arrival before the (slow) header parsing of http.server.
        self.arrived = time.perf_counter()
        return super().parse_request()

    def do_GET(self) -> None:
        timing = Timing("next", self.arrived)
        if self.path != "/2018-06-01/runtime/invocation/next":
            self.answer(404, b'{"errorType":"NotFound"}', timing=timing)
            return
        stdout = self.api.stdout_source()

        def count_next() -> None:
            self.api.next_requests += 1
            self.api.stdout_at_next.append(stdout)

        self.api.record(count_next)
        while True:
            try:
                event = self.api.events.get(timeout=0.05)
                break
            except queue.Empty:
                if self.api.stopping.is_set():
                    self.close_connection = True
                    return
        self.answer(200, event.body, event.headers, timing, self.api.next_transfer_encoding)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        timing = Timing("post", self.arrived)
        headers = {key: value for key, value in self.headers.items()}
        stdout = self.api.stdout_source()
        parts = self.path.split("/")
        if self.path == "/2018-06-01/runtime/init/error":
            reply = Reply("init_error", "", body, headers, stdout)
            self.api.record(lambda: self.api.init_errors.append(reply))
        elif len(parts) == 6 and parts[1:4] == ["2018-06-01", "runtime", "invocation"] and parts[5] in ("response", "error"):
            reply = Reply(parts[5], parts[4], body, headers, stdout)
            self.api.record(lambda: self.api.replies.setdefault(reply.request_id, reply))
        else:
            self.answer(404, b'{"errorType":"NotFound"}', timing=timing)
            return
        self.answer(202, b'{"status":"OK"}', timing=timing)
        if self.api.close_after_post:
            self.close_connection = True  # drop the connection without saying so, as an idle timeout would

    def answer(
        self,
        status: int,
        body: bytes,
        headers: Optional[Dict[str, str]] = None,
        timing: Optional[Timing] = None,
        transfer_encoding: Optional[str] = None,
    ) -> None:
        lines = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("",))[0])]
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            lines.append("%s: %s" % (name, value))
        if transfer_encoding is None:
            lines.append("Content-Length: %d" % len(body))
        else:
            # The body in chunks of 5 bytes (with an extension on the first), then a trailer field.
            lines.append("Transfer-Encoding: %s" % transfer_encoding)
            chunks = [body[index : index + 5] for index in range(0, len(body), 5)]
            body = b"".join(b"%x%s\r\n%s\r\n" % (len(chunk), b";ext=1" if index == 0 else b"", chunk) for index, chunk in enumerate(chunks))
            body += b"0\r\nX-Trailer: done\r\n\r\n"
        # One write for head and body.
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.wfile.flush()
        if timing is not None:
            timing.answered = time.perf_counter()
            self.api.record(lambda: self.api.timings.append(timing))


# Bootstraps


class FunctionProcess:
    """A bootstrap started as Moat starts it, its stdout and stderr kept in files."""

    def __init__(self, command: List[str], env: Dict[str, str], task_root: Path, logs: Path):
        self.task_root = task_root
        self.stdout_path = logs / "stdout.log"
        self.stderr_path = logs / "stderr.log"
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(command, cwd=task_root, env=env, stdout=stdout, stderr=stderr, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stdout(self) -> str:
        return read_verbatim(self.stdout_path)

    def stderr(self) -> str:
        return read_verbatim(self.stderr_path)

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float = WAIT_SECONDS) -> int:
        return self.process.wait(timeout)

    def wait_output(self, predicate: Callable[[str], bool], stream: str = "stdout", timeout: float = WAIT_SECONDS) -> str:
        read = self.stdout if stream == "stdout" else self.stderr
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = read()
            if predicate(text):
                return text
            time.sleep(0.02)
        raise AssertionError("%s never matched; it holds:\n%s" % (stream, read()))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def read_verbatim(path: Path) -> str:
    """The file's text with its carriage returns kept (text mode would turn them into newlines)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as file:
        return file.read()


def bootstrap_command(runtime: str) -> List[str]:
    if runtime == "node":
        return [NODE, str(NODE_BOOTSTRAP)]
    return [PYTHONS[runtime], str(PYTHON_BOOTSTRAP)]


def function_environment(api: FakeRuntimeAPI, handler: str, task_root: Path, extra: Dict[str, str]) -> Dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": "moat-test",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/moat-test",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]0123456789abcdef",
        "AWS_REGION": "us-east-1",
    }
    env.update(extra)
    return env


@pytest.fixture
def runtime_api() -> Iterator[FakeRuntimeAPI]:
    api = FakeRuntimeAPI()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def launch(runtime_api: FakeRuntimeAPI, tmp_path: Path) -> Iterator[Callable[..., FunctionProcess]]:
    """`launch(runtime, handler, env={}, files={})`: start a bootstrap in a fresh task root holding the fixture
    handlers and `files` (name → text)."""
    started: List[FunctionProcess] = []

    def start(
        runtime: str, handler: str, env: Optional[Dict[str, str]] = None, files: Optional[Dict[str, str]] = None
    ) -> FunctionProcess:
        task_root = tmp_path / ("task-%d" % len(started))
        shutil.copytree(HANDLERS / ("node" if runtime == "node" else "python"), task_root)
        for name, text in (files or {}).items():
            (task_root / name).write_text(text)
        logs = tmp_path / ("logs-%d" % len(started))
        logs.mkdir()
        process = FunctionProcess(
            bootstrap_command(runtime), function_environment(runtime_api, handler, task_root, env or {}), task_root, logs
        )
        started.append(process)
        runtime_api.stdout_source = process.stdout
        return process

    yield start
    for process in started:
        process.stop()
