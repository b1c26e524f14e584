"""The python bootstrap's own HTTP/1.1 client and JSON codec, in this process, against scripted servers.

bootstrap.py is loaded as a module (its `main()` does not run). The subprocess tests of test_bootstraps.py cover the
same client end to end on every interpreter; these pin down the protocol cases one by one.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import urllib.parse
from typing import List, Optional

import pytest

from conftest import PYTHON_BOOTSTRAP

spec = importlib.util.spec_from_file_location("moat_python_bootstrap", PYTHON_BOOTSTRAP)
bootstrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bootstrap)


class ScriptedServer:
    """Accepts connections on 127.0.0.1; on the n-th, answers its requests with `script[n]` in turn.

    An answer is raw bytes to send, or None to close the connection without answering. After the script's last
    answer on a connection, the connection is closed.
    """

    def __init__(self, script: List[List[Optional[bytes]]]):
        self.script = script
        self.requests: List[bytes] = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(10)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        for answers in self.script:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with connection:
                connection.settimeout(10)
                for answer in answers:
                    self.requests.append(self.read_request(connection))
                    if answer is None:
                        break
                    connection.sendall(answer)

    @staticmethod
    def read_request(connection: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += connection.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += connection.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def serve():
    servers: List[ScriptedServer] = []

    def start(*script: List[Optional[bytes]]) -> ScriptedServer:
        servers.append(ScriptedServer(list(script)))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def no_retry_delay(monkeypatch):
    monkeypatch.setattr(bootstrap, "FIRST_RETRY_DELAY", 0.001)


EVENT_HEAD = b"Lambda-Runtime-Aws-Request-Id: id-1\r\nLambda-Runtime-Deadline-Ms: 1700000000000\r\n"


def next_answer(body: bytes = b'{"a": 1}', head: bytes = EVENT_HEAD) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + head + b"Content-Length: %d\r\n\r\n" % len(body) + body


ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"


def test_requests_are_http_1_1_with_host_and_content_length(serve):
    server = serve([next_answer(), ACCEPTED])
    client = bootstrap.RuntimeAPIClient(server.address)

    invocation = client.next_invocation()
    client.post_response(invocation.request_id, b'"ok"', "application/json")

    assert server.requests == [
        b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n" % server.address.encode(),
        b"POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\nHost: %s\r\nContent-Length: 4\r\n"
        b"Content-Type: application/json\r\n\r\n\"ok\"" % server.address.encode(),
    ]
    assert server.connections == 1


def test_error_posts_carry_the_error_type_header(serve):
    server = serve([ACCEPTED, ACCEPTED])
    client = bootstrap.RuntimeAPIClient(server.address)
    error = bootstrap.make_error("boom", "Runtime.ImportModuleError", [])

    client.post_error("a/b c", error)
    client.post_init_error(error)

    invocation_error, init_error = server.requests
    assert invocation_error.startswith(b"POST /2018-06-01/runtime/invocation/a%2Fb%20c/error HTTP/1.1\r\n")
    assert b"\r\nLambda-Runtime-Function-Error-Type: Unhandled\r\n" in invocation_error
    assert init_error.startswith(b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n")
    assert b"\r\nLambda-Runtime-Function-Error-Type: Runtime.ImportModuleError\r\n" in init_error
    assert json.loads(init_error.partition(b"\r\n\r\n")[2]) == error


def test_headers_are_read_case_insensitively_and_the_first_of_a_repeated_one_counts(serve):
    head = b"lambda-runtime-aws-request-id: id-2\r\nLAMBDA-RUNTIME-TRACE-ID:  Root=1  \r\nLambda-Runtime-Trace-Id: second\r\n"
    server = serve([next_answer(head=head)])

    invocation = bootstrap.RuntimeAPIClient(server.address).next_invocation()

    assert (invocation.request_id, invocation.trace_id, invocation.deadline_ms) == ("id-2", "Root=1", 0)


def test_chunked_body_with_extensions_and_trailers_then_the_connection_is_reused(serve):
    chunked = (
        b"HTTP/1.1 200 OK\r\n" + EVENT_HEAD + b"Transfer-Encoding: Chunked\r\n\r\n"
        b"4;name=value\r\n{\"a\"\r\nA\r\n: [1, 2, 3\r\n1\r\n]\r\n2\r\n}\n\r\n0\r\nTrailer-Field: x\r\n\r\n"
    )
    server = serve([chunked, next_answer(b"[]")])
    client = bootstrap.RuntimeAPIClient(server.address)

    assert client.next_invocation().body == b'{"a": [1, 2, 3]}\n'
    assert client.next_invocation().body == b"[]"
    assert server.connections == 1


def test_an_interim_100_continue_is_skipped(serve):
    server = serve([b"HTTP/1.1 100 Continue\r\n\r\n" + next_answer()])
    assert bootstrap.RuntimeAPIClient(server.address).next_invocation().body == b'{"a": 1}'


def test_a_body_without_length_ends_with_the_connection_which_is_then_reopened(serve):
    server = serve([b"HTTP/1.0 200 OK\r\n" + EVENT_HEAD + b"\r\n{\"until\": \"close\"}"], [next_answer(b"2")])
    client = bootstrap.RuntimeAPIClient(server.address)

    assert client.next_invocation().body == b'{"until": "close"}'
    assert client.next_invocation().body == b"2"
    assert server.connections == 2


def test_connection_close_is_honoured(serve):
    server = serve([next_answer(head=EVENT_HEAD + b"Connection: close\r\n")], [next_answer(b"2")])
    client = bootstrap.RuntimeAPIClient(server.address)

    client.next_invocation()
    assert client.next_invocation().body == b"2"
    assert server.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        next_answer(b"x" * 100)[:-50],  # the connection drops in the middle of the body
        None,  # the connection drops before any answer (an idle connection the server closed)
        b"HTTP/1.1 200 OK\r\nContent-Le",  # ... in the middle of the head
    ],
    ids=["in-body", "before-answer", "in-head"],
)
def test_a_dropped_keep_alive_connection_is_reopened_and_the_request_sent_again(serve, answer):
    server = serve([next_answer(b"1"), answer], [next_answer(b"2")])
    client = bootstrap.RuntimeAPIClient(server.address)

    assert client.next_invocation().body == b"1"
    assert client.next_invocation().body == b"2"
    assert server.connections == 2
    assert server.requests[1] == server.requests[2]


def test_a_new_connection_that_drops_is_tried_again_a_bounded_number_of_times(serve):
    server = serve(*[[None]] * bootstrap.CONNECTION_ATTEMPTS)
    client = bootstrap.RuntimeAPIClient(server.address)

    with pytest.raises(bootstrap.RuntimeAPIError, match="failed 5 times in a row, the Runtime API at .* is gone"):
        client.next_invocation()
    assert server.connections == bootstrap.CONNECTION_ATTEMPTS


def test_a_refused_connection_is_tried_again_then_the_api_is_gone(serve):
    server = serve()
    server.close()
    client = bootstrap.RuntimeAPIClient(server.address)

    with pytest.raises(bootstrap.RuntimeAPIError) as raised:
        client.post_response("id", b"{}", "application/json")
    assert "is gone: ConnectionRefusedError" in str(raised.value)


def test_a_failure_after_a_success_starts_the_count_again(serve):
    attempts = bootstrap.CONNECTION_ATTEMPTS
    server = serve(*[[None]] * (attempts - 1), [next_answer(b"1"), None], *[[None]] * (attempts - 1), [next_answer(b"2")])
    client = bootstrap.RuntimeAPIClient(server.address)

    assert client.next_invocation().body == b"1"
    assert client.next_invocation().body == b"2"


@pytest.mark.parametrize(
    "answer, message",
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "bad Transfer-Encoding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "only chunked is supported"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"SPDY/3 200 OK\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "bad header"),
    ],
)
def test_a_response_the_client_cannot_read_is_refused_at_once(serve, answer, message):
    server = serve([answer])
    client = bootstrap.RuntimeAPIClient(server.address)

    with pytest.raises(bootstrap.RuntimeAPIError, match=message):
        client.next_invocation()
    assert server.connections == 1


def test_an_answer_other_than_200_to_get_next_ends_the_runtime(serve):
    server = serve([b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}"])
    with pytest.raises(bootstrap.RuntimeAPIError, match="GET /invocation/next answered 500"):
        bootstrap.RuntimeAPIClient(server.address).next_invocation()


@pytest.mark.parametrize("request_id", ["8476a536-e9f4-11e8-9739-2dfe598c3fcd", "a/b c?d#e%f", "é✓", "~_.-"])
def test_request_ids_are_quoted_as_urllib_quotes_them(request_id):
    assert bootstrap.quote(request_id) == urllib.parse.quote(request_id, safe="")


# JSON: the `_json` fast path gives what `json` gives, errors included


DECODED = [
    b'{"a": [1, 2.5, -3e10, true, false, null], "b": {"c": "d"}}',
    b'  \n{"spaced": 1} \r\n\t',
    '"h\\u00e9llo \\ud83d\\ude00 ✓"'.encode(),
    b"[NaN, Infinity, -Infinity, 1e400]",
    b"12345678901234567890123456789",
    b'"\\ud800"',
    "{\"bom\": 1}".encode("utf-8-sig"),
    '{"utf16": "✓"}'.encode("utf-16"),
    '{"utf16le": 1}'.encode("utf-16-le"),
    '{"utf32": 1}'.encode("utf-32"),
    b'"\xff"',
    b"",
    b"   ",
    b"{not json",
    b'{"a": 1} extra',
    b'{"a": 1}{"b": 2}',
    b'"unterminated',
    b'["control \x01 char"]',
    b"[1, 2,]",
    b"\x00\x00\x00\x01",
    "\ufeff{}",
    '{"str": "input ✓"}',
    "",
]


def outcome(function, *arguments):
    try:
        return "value", function(*arguments)
    except Exception as error:  # the type and message are what users see
        return "error", type(error).__name__, str(error)


@pytest.mark.parametrize("data", DECODED)
def test_decoding_gives_what_json_loads_gives(data):
    assert repr(outcome(bootstrap.decode_json, data)) == repr(outcome(json.loads, data))


class Opaque:
    pass


class Shape(dict):
    pass


def test_encoding_gives_what_json_dumps_gives():
    import decimal

    circular: list = []
    circular.append(circular)
    values = [
        {"text": "héllo ✓ \U0001f600", "numbers": [1, 2.5, -0.0, 10**30, float("nan"), float("inf")], "none": None},
        "plain string ✓",
        [True, False, (1, 2)],
        {1: "int key", 2.5: "float key", None: "none key", True: "bool key"},
        Shape(a=1),
        {"price": decimal.Decimal("12.5"), "count": decimal.Decimal("3"), "nan": decimal.Decimal("NaN")},
        {"bad": {1, 2}},
        {("tuple",): "key"},
        Opaque(),
        circular,
        "\ud800",
    ]
    for value in values:
        expected = outcome(lambda v: json.dumps(v, default=bootstrap.default_encoding).encode("utf-8"), value)
        assert repr(outcome(bootstrap.encode_json, value)) == repr(expected), value


def test_decimal_results_are_numbers_and_other_objects_are_refused_as_json_refuses_them():
    import decimal

    assert bootstrap.encode_json([decimal.Decimal("1.50"), decimal.Decimal("2")]) == b"[1.5, 2]"
    with pytest.raises(TypeError, match="^Object of type Opaque is not JSON serializable$"):
        bootstrap.encode_json({"x": Opaque()})
