"""Moat's bootstrap for the AWS Lambda `python3.x` runtimes.

Moat starts this file as a child process (`python3.N bootstrap.py`) for each execution environment. It loads the
function's handler, then serves invocations one at a time through the Lambda Runtime API
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) that Moat listens on at `AWS_LAMBDA_RUNTIME_API`.

Environment, set by Moat:
    AWS_LAMBDA_RUNTIME_API   host:port of the Runtime API
    _HANDLER                 `module.function`; the module may be a path (`pkg/mod.fn`) or dotted (`pkg.mod.fn`)
    LAMBDA_TASK_ROOT         the unzipped code, also the working directory; first on `sys.path`
    AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_REGION   read into the context object
    AWS_LAMBDA_LOG_LEVEL     optional level of the root logger (default: Python's own, WARNING)

What users can observe follows AWS's runtime interface client (aws/aws-lambda-python-runtime-interface-client,
`awslambdaric/bootstrap.py`, `lambda_context.py`, `lambda_runtime_marshaller.py`): error types and messages, the error
body, the context object, the root logger's format. Differences are listed in Tests/runtimes/README.md.

Start-up time is part of every cold start, so this file imports next to nothing before the handler: no
`http.client` (it pulls in `email` and `ssl`: a small HTTP/1.1 client on one socket does its work), no `json` package
(it pulls in `re`: its C accelerator `_json` does the work, the package only gives an error's exact message), no
`logging`, `decimal` or `traceback` until the function's code or an error needs them; the root logger is configured
as soon as `logging` is imported. The main script is compiled at each start (its directory may be read-only, and
Moat's Swift tests copy this one file): keep it small.

Standard library only; runs on Python 3.9 to 3.13.
"""

import importlib
import os
import sys
import time

try:  # the C modules under `socket` and `json`: the same sockets and codecs without those packages' imports
    import _json
    import _socket as sockets
except ImportError:  # pragma: no cover - not CPython
    _json = None
    import socket as sockets

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
JSON_CONTENT_TYPE = "application/json"
# AWS's runtimes answer a handler's error with this error type header; init errors carry their own errorType.
UNHANDLED = "Unhandled"
# The Runtime API answers 500 when the environment is broken; the runtime must then exit (Runtime API docs).
CONTAINER_ERROR = 500
# A connection to the Runtime API that cannot be made (or breaks at once) this many times in a row means Moat is
# gone: the runtime exits rather than spin. Waits between tries: 50, 100, 200, 400 ms.
CONNECTION_ATTEMPTS = 5
FIRST_RETRY_DELAY = 0.05
MAX_HEAD_BYTES = 1 << 20
RECEIVE_BYTES = 1 << 16

RUNTIME_FILE = os.path.abspath(__file__)
RUNTIME_DIRECTORY = os.path.dirname(RUNTIME_FILE)

# What earlier versions of this file imported before the handler (http.client, logging, decimal, traceback and what
# they import, on Python 3.9 to 3.13). They are imported when needed now, and still from the interpreter's path: a
# task root's `logging.py` or `email/` could not shadow them then and cannot now (AWS's runtime, too, has logging,
# traceback, decimal and json imported before the handler).
INTERPRETER_MODULES = frozenset(
    "array atexit base64 binascii bisect calendar collections contextlib copyreg datetime decimal email enum errno "
    "functools genericpath heapq http importlib ipaddress itertools json keyword linecache locale logging math "
    "numbers operator os posixpath quopri random re reprlib select selectors socket sre_compile sre_constants "
    "sre_parse ssl stat string struct textwrap threading token tokenize traceback types urllib uu warnings "
    "weakref".split()
)


class RuntimeFault(Exception):
    """A failure that the runtime reports with one of AWS's `Runtime.*` error types."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


class RuntimeAPIError(Exception):
    """The Runtime API could not be reached, or answered what the runtime cannot go on with: the runtime exits."""


class ConnectionDropped(Exception):
    """The connection ended before a whole response had come."""


# Logging and standard streams


class CurrentInvocation(object):
    """The request id the root logger stamps on records: empty before the first invocation."""

    request_id = ""


class FlushingStream(object):
    """A text stream that flushes after every write.

    AWS wraps stdout and stderr the same way, so that output reaches the log as soon as it is written, and is not
    lost when the environment is stopped at a timeout.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        written = self._stream.write(text)
        self._stream.flush()
        return written

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def configure_logging():
    """Give the root logger AWS's text format; its level stays Python's default (WARNING) unless configured."""
    import logging

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = CurrentInvocation.request_id
            return True

    class StdoutLogHandler(logging.Handler):
        """Writes records to whatever `sys.stdout` is at the time, as AWS's handler does."""

        def emit(self, record):
            try:
                sys.stdout.write(self.format(record))
            except Exception:
                self.handleError(record)

    logging.Formatter.converter = time.gmtime
    handler = StdoutLogHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = LOG_LEVEL.upper()
    if level == "TRACE":
        level = "DEBUG"
    if level and isinstance(logging.getLevelName(level), int):
        root.setLevel(level)


LOG_LEVEL = ""  # AWS_LAMBDA_LOG_LEVEL as the runtime started with it


class InterpreterModuleFinder(object):
    """First on `sys.meta_path`: finds INTERPRETER_MODULES on the interpreter's path (not the task root), and
    configures the root logger right after the `logging` module has run, before the code that imported it goes on."""

    def __init__(self, path_finder, search_path):
        self._path_finder = path_finder
        self._search_path = search_path

    def find_spec(self, name, path=None, target=None):
        if path is not None or name not in INTERPRETER_MODULES:
            return None
        spec = self._path_finder.find_spec(name, self._search_path, target)
        if name == "logging" and spec is not None and spec.loader is not None:
            spec.loader = LoggingLoader(spec.loader)
        return spec

    def invalidate_caches(self):
        pass


class LoggingLoader(object):
    """Runs the `logging` module with its own loader, then configures the root logger."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self._loader
        self._loader.exec_module(module)
        configure_logging()

    def __getattr__(self, name):
        return getattr(self._loader, name)


def print_error_report(error):
    """Print an error the way AWS's runtime does: `[ERROR] Type: message`, then the traceback lines."""
    description = "[ERROR]"
    if error["errorType"]:
        description += " " + error["errorType"]
    if error["errorMessage"]:
        description += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for frame in error["stackTrace"]:
        lines.extend(frame.splitlines() or [""])
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


# Runtime API client


class RuntimeAPIClient(object):
    """A minimal HTTP/1.1 client on one keep-alive connection to the Runtime API.

    Requests carry a Content-Length body; a response's body has a Content-Length, is chunked, or ends with the
    connection. A connection the server dropped is reopened at once; a new one that cannot be made or breaks is tried
    CONNECTION_ATTEMPTS times in all, then `RuntimeAPIError`: Moat is gone.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._address = address
        host = host[1:-1] if host[:1] == "[" else host
        # getaddrinfo would encode a str with the `idna` codec, which imports `re`.
        self._host = host.encode("ascii") if host.isascii() else host
        self._port = int(port)
        self._socket = None
        self._buffer = bytearray()

    def next_invocation(self):
        status, headers, body = self._request("GET", API_PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeAPIError("GET /invocation/next answered {}: {!r}".format(status, body[:300]))
        return Invocation(headers, body)

    def post_response(self, request_id, payload, content_type):
        path = "{}/invocation/{}/response".format(API_PREFIX, quote(request_id))
        self._post(path, payload, "Content-Type: " + content_type)

    def post_error(self, request_id, error):
        path = "{}/invocation/{}/error".format(API_PREFIX, quote(request_id))
        self._post(path, encode_json(error), "Content-Type: {}\r\n{}: {}".format(JSON_CONTENT_TYPE, ERROR_TYPE_HEADER, UNHANDLED))

    def post_init_error(self, error):
        headers = "Content-Type: {}\r\n{}: {}".format(JSON_CONTENT_TYPE, ERROR_TYPE_HEADER, error["errorType"])
        self._post(API_PREFIX + "/init/error", encode_json(error), headers)

    def _post(self, path, body, headers):
        status, _, answer = self._request("POST", path, body, headers)
        if status == CONTAINER_ERROR:
            raise RuntimeAPIError("POST {} answered {}: {!r}".format(path, status, answer[:300]))
        if not 200 <= status < 300:
            # 400 (bad request id) and 413 (payload too large) concern this invocation only: go on to the next.
            sys.stderr.write("Runtime API answered {} to POST {}: {!r}\n".format(status, path, answer[:300]))

    def _request(self, method, path, body=None, headers=None):
        head = "{} {} HTTP/1.1\r\nHost: {}\r\n".format(method, path, self._address)
        if body is not None:
            head += "Content-Length: {}\r\n{}\r\n".format(len(body), headers)
        request = (head + "\r\n").encode("latin-1", "replace") + (body or b"")
        failures = 0
        while True:
            reused = self._socket is not None
            try:
                if not reused:
                    self._connect()
                self._socket.sendall(request)
                return self._read_response()
            except (OSError, ConnectionDropped) as error:
                self._close()
                if reused:
                    continue  # the server closed a connection that had been idle: once more on a new one
                failures += 1
                if failures == CONNECTION_ATTEMPTS:
                    raise RuntimeAPIError(
                        "{} {} failed {} times in a row, the Runtime API at {} is gone: {}: {}".format(
                            method, path, failures, self._address, type(error).__name__, error
                        )
                    )
                time.sleep(FIRST_RETRY_DELAY * 2 ** (failures - 1))
            except RuntimeAPIError:
                self._close()
                raise

    def _connect(self):
        failure = OSError("no address")
        for family, kind, protocol, _, address in sockets.getaddrinfo(self._host, self._port, 0, sockets.SOCK_STREAM):
            connection = sockets.socket(family, kind, protocol)
            try:
                connection.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY, 1)
                connection.connect(address)
            except OSError as error:
                connection.close()
                failure = error
                continue
            self._socket = connection
            return
        raise failure

    def _close(self):
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._buffer = bytearray()

    def _read_response(self):
        status = 100
        while status < 200:  # 100 Continue and other interim responses come first
            line = self._read(b"\n")
            version, _, status = line.partition(b" ")
            status = status[:3]
            if not (version.startswith(b"HTTP/") and len(status) == 3 and status.isdigit()):
                raise bad_response("status line", line)
            status = int(status)
            headers = {}
            while True:
                line = self._read(b"\n")
                if line in (b"\r\n", b"\n"):
                    break
                name, colon, value = line.decode("latin-1").partition(":")
                if not colon or len(headers) > 100:
                    raise bad_response("header", line)
                headers.setdefault(name.strip().lower(), value.strip())  # the first counts, as with http.client
        encoding = headers.get("transfer-encoding", "identity").lower()
        length = headers.get("content-length", "")
        if status in (204, 304):
            body = b""
        elif encoding == "chunked":
            chunks = []
            while True:
                size = self._read(b"\n").split(b";")[0].strip()
                if not size or size.strip(b"0123456789abcdefABCDEF"):
                    raise bad_response("chunk size", size)
                if not int(size, 16):
                    break
                chunks.append(self._read(int(size, 16)))
                self._read(b"\n")
            while self._read(b"\n") not in (b"\r\n", b"\n"):  # trailer fields
                pass
            body = b"".join(chunks)
        elif encoding != "identity":
            raise bad_response("Transfer-Encoding (only chunked is supported)", encoding)
        elif length:
            if not (length.isascii() and length.isdigit()):
                raise bad_response("Content-Length", length)
            body = self._read(int(length))
        else:
            body = self._read(None)  # the body ends with the connection
            self._close()
        connection = headers.get("connection", "").lower()
        if "close" in connection or (version == b"HTTP/1.0" and "keep-alive" not in connection):
            self._close()
        return status, headers, body

    def _read(self, until):
        """The next line (`until` is b"\\n"), the next `until` bytes, or (None) all the bytes until the server closes."""
        buffer = self._buffer
        while True:
            if until == b"\n":
                end = buffer.find(until) + 1 or None
                if end is None and len(buffer) > MAX_HEAD_BYTES:
                    raise bad_response("line (too long)", buffer)
            else:
                end = until if until is not None and len(buffer) >= until else None
            if end is not None:
                data = bytes(buffer[:end])
                del buffer[:end]
                return data
            data = self._socket.recv(max(RECEIVE_BYTES, until - len(buffer)) if until.__class__ is int else RECEIVE_BYTES)
            if not data:
                if until is None:
                    return bytes(buffer)
                raise ConnectionDropped("the Runtime API closed the connection")
            buffer += data


def bad_response(what, data):
    return RuntimeAPIError("bad {} from the Runtime API: {!r}".format(what, data[:200]))


UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def quote(text):
    """`urllib.parse.quote(text, safe="")`: a request id as one path segment."""
    return "".join(chr(byte) if byte in UNRESERVED else "%{:02X}".format(byte) for byte in text.encode("utf-8"))


class Invocation(object):
    """An event from `GET /invocation/next` and its headers (names in lower case)."""

    def __init__(self, headers, body):
        self.request_id = headers.get("lambda-runtime-aws-request-id", "")
        self.deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.trace_id = headers.get("lambda-runtime-trace-id")
        self.client_context = headers.get("lambda-runtime-client-context")
        self.cognito_identity = headers.get("lambda-runtime-cognito-identity")
        self.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        self.content_type = headers.get("content-type")
        self.body = body


# Context object


class LambdaContext(object):
    """The `context` argument of a handler, with the attributes of AWS's `LambdaContext`."""

    def __init__(self, invocation, client_context, cognito_identity):
        environ = os.environ
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.invoked_function_arn
        self.tenant_id = invocation.tenant_id
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = integer_or_none(environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity(cognito_identity or {})
        self.client_context = None if client_context is None else ClientContext(client_context)
        self._deadline_ms = invocation.deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message):
        sys.stdout.write(str(message))

    def __repr__(self):
        return "LambdaContext([aws_request_id={}, function_name={}, function_version={}, invoked_function_arn={}])".format(
            self.aws_request_id, self.function_name, self.function_version, self.invoked_function_arn
        )


class CognitoIdentity(object):
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity):
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")


class Client(object):
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, client):
        for name in self.__slots__:
            setattr(self, name, client.get(name))


class ClientContext(object):
    __slots__ = ("custom", "env", "client")

    def __init__(self, context):
        self.custom = context.get("custom")
        self.env = context.get("env")
        client = context.get("client")
        self.client = None if client is None else Client(client)


def integer_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def parse_json_header(value, name):
    if not value:
        return None
    try:
        return decode_json(value)
    except Exception as error:
        raise RuntimeFault("Runtime.LambdaContextUnmarshalError", "Unable to parse {} JSON: {}".format(name, error))


# Marshalling: `json.loads` and AWS's encoder (`json.dumps` that accepts Decimal), done by `_json` as `json` does.
# Whatever the fast path does not take, or fails on, goes to the `json` package, which gives the result or the error.


class ScannerContext(object):
    """The settings of a default `json.JSONDecoder`, as `_json.make_scanner` reads them."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


JSON_WHITESPACE = " \t\n\r"


def decode_json(data):
    """`json.loads(data)` for a str or bytes."""
    if _json is not None:
        if isinstance(data, bytes):
            # json.detect_encoding says utf-8 unless there is a byte order mark or a NUL in the first 4 bytes.
            text = None if data[:1] in (b"\xef", b"\xfe", b"\xff") or b"\x00" in data[:4] else data
            try:
                text = text and text.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                text = None
        else:
            text = None if data.startswith("\ufeff") else data
        if text:
            start = len(text) - len(text.lstrip(JSON_WHITESPACE))
            try:
                value, end = SCANNER(text, start)
            except Exception:
                pass
            else:
                if not text[end:].strip(JSON_WHITESPACE):
                    return value
    import json

    return json.loads(data)


def default_encoding(value):
    """AWS's marshaller writes `Decimal` (boto3 returns them for DynamoDB numbers) as an int or a float."""
    decimal = sys.modules.get("decimal")  # a Decimal's module is loaded: no need to import it for every function
    if decimal is not None and isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    raise TypeError("Object of type {} is not JSON serializable".format(value.__class__.__name__))


def encode_json(value):
    """`json.dumps(value, default=default_encoding)` in UTF-8."""
    if _json is not None:
        try:
            if isinstance(value, str):
                return _json.encode_basestring_ascii(value).encode("utf-8")
            encoder = _json.make_encoder({}, default_encoding, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True)
            return "".join(encoder(value, 0)).encode("utf-8")
        except Exception:
            pass
    import json

    return json.dumps(value, default=default_encoding).encode("utf-8")


SCANNER = _json.make_scanner(ScannerContext()) if _json is not None else None


def unmarshal_event(body, content_type):
    if content_type not in (None, JSON_CONTENT_TYPE):
        return body
    try:
        return decode_json(body)
    except Exception as error:
        raise RuntimeFault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(error))


def marshal_result(result):
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return encode_json(result), JSON_CONTENT_TYPE
    except Exception as error:
        raise RuntimeFault("Runtime.MarshalError", "Unable to marshal response: {}".format(error))


def make_error(message, error_type, stack_trace, request_id=""):
    """The error body of AWS's python runtime."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }


def error_from_exception(exception, request_id=""):
    """An error body for an exception raised by user code, its traceback without the runtime's own frames."""
    import traceback

    frames = [(frame.filename, frame.lineno, frame.name, frame.line) for frame in traceback.extract_tb(exception.__traceback__)]
    for index, frame in enumerate(frames):
        if os.path.abspath(frame[0]) != RUNTIME_FILE:
            frames = frames[index:]
            break
    # Plain tuples, as AWS formats them: no column carets on 3.11 and later.
    return make_error(str(exception), type(exception).__name__, traceback.format_list(frames), request_id)


# Handler loading and invocations


def load_handler(handler_name):
    """Import the handler's module and return the handler, or raise the `RuntimeFault` AWS reports at init."""
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
    except ValueError as error:
        raise RuntimeFault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler_name, error))
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise RuntimeFault(
            "Runtime.BuiltInModuleConflict", "Cannot use built-in module {} as a handler module".format(module_name)
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise RuntimeFault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(module_name, error))
    except SyntaxError as error:
        frame = '  File "{}" Line {}\n    {}'.format(error.filename, error.lineno, error.text)
        raise RuntimeFault(
            "Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(module_name, error), [frame]
        )
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise RuntimeFault("Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(function_name, module_name))


def handle(client, handler, invocation):
    """Run one invocation and post its result or its error."""
    CurrentInvocation.request_id = invocation.request_id
    if invocation.trace_id is None:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    else:
        os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
    try:
        client_context = parse_json_header(invocation.client_context, "Client Context")
        cognito_identity = parse_json_header(invocation.cognito_identity, "Cognito Identity")
        context = LambdaContext(invocation, client_context, cognito_identity)
        event = unmarshal_event(invocation.body, invocation.content_type)
        payload, content_type = marshal_result(handler(event, context))
    except RuntimeFault as fault:
        error = make_error(fault.message, fault.error_type, fault.stack_trace, invocation.request_id)
    except Exception as exception:
        error = error_from_exception(exception, invocation.request_id)
    else:
        client.post_response(invocation.request_id, payload, content_type)
        return
    print_error_report(error)
    client.post_error(invocation.request_id, error)


def prepare_process():
    """Put the function's code first on `sys.path` in place of this file's directory; make output unbuffered;
    have the root logger configured once `logging` is imported."""
    global LOG_LEVEL
    # The code directory stays as deployed: on AWS /var/task is read-only, so no __pycache__ is written there.
    sys.dont_write_bytecode = True
    LOG_LEVEL = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == RUNTIME_DIRECTORY:
        del sys.path[0]
    path_finders = [finder for finder in sys.meta_path if getattr(finder, "__name__", "") == "PathFinder"]
    if path_finders:
        sys.meta_path.insert(0, InterpreterModuleFinder(path_finders[0], list(sys.path)))
    sys.path.insert(0, task_root)
    sys.stdout = FlushingStream(sys.stdout)
    sys.stderr = FlushingStream(sys.stderr)
    if "logging" in sys.modules:  # imported by site or sitecustomize
        configure_logging()


def main():
    prepare_process()
    client = RuntimeAPIClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as exception:
        if isinstance(exception, RuntimeFault):
            error = make_error(exception.message, exception.error_type, exception.stack_trace)
        else:
            error = error_from_exception(exception)
        print_error_report(error)
        client.post_init_error(error)
        return 1
    while True:
        # Everything the last invocation wrote is out before the next event is fetched.
        sys.stdout.flush()
        sys.stderr.flush()
        handle(client, handler, client.next_invocation())


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeAPIError as failure:
        sys.stderr.write("Lambda runtime bootstrap: {}\n".format(failure))
        sys.exit(1)
