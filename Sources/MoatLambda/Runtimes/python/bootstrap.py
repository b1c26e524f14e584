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

Standard library only; runs on Python 3.9 to 3.13.
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback
import urllib.parse

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
JSON_CONTENT_TYPE = "application/json"
# AWS's runtimes answer a handler's error with this error type header; init errors carry their own errorType.
UNHANDLED = "Unhandled"
# The Runtime API answers 500 when the environment is broken; the runtime must then exit (Runtime API docs).
CONTAINER_ERROR = 500

RUNTIME_FILE = os.path.abspath(__file__)


class RuntimeFault(Exception):
    """A failure that the runtime reports with one of AWS's `Runtime.*` error types."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


class RuntimeAPIError(Exception):
    """The Runtime API could not be reached, or refused a request the runtime cannot do without."""


# Logging and standard streams


class CurrentInvocation(object):
    """The request id the root logger stamps on records: empty before the first invocation."""

    request_id = ""


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
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level == "TRACE":
        level = "DEBUG"
    if level and isinstance(logging.getLevelName(level), int):
        root.setLevel(level)


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
    """One keep-alive HTTP/1.1 connection to the Runtime API, reopened once if the server dropped it."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host
        self._port = int(port)
        self._connection = None

    def next_invocation(self):
        response, body = self._request("GET", API_PREFIX + "/invocation/next")
        if response.status != 200:
            raise RuntimeAPIError("GET /invocation/next answered {}: {!r}".format(response.status, body[:300]))
        return Invocation(response.headers, body)

    def post_response(self, request_id, payload, content_type):
        path = "{}/invocation/{}/response".format(API_PREFIX, urllib.parse.quote(request_id, safe=""))
        self._post(path, payload, {"Content-Type": content_type})

    def post_error(self, request_id, error):
        path = "{}/invocation/{}/error".format(API_PREFIX, urllib.parse.quote(request_id, safe=""))
        self._post(path, encode_json(error), {"Content-Type": JSON_CONTENT_TYPE, ERROR_TYPE_HEADER: UNHANDLED})

    def post_init_error(self, error):
        headers = {"Content-Type": JSON_CONTENT_TYPE, ERROR_TYPE_HEADER: error["errorType"]}
        self._post(API_PREFIX + "/init/error", encode_json(error), headers)

    def _post(self, path, body, headers):
        response, answer = self._request("POST", path, body, headers)
        if response.status == CONTAINER_ERROR:
            raise RuntimeAPIError("POST {} answered {}: {!r}".format(path, response.status, answer[:300]))
        if not 200 <= response.status < 300:
            # 400 (bad request id) and 413 (payload too large) concern this invocation only: go on to the next.
            sys.stderr.write("Runtime API answered {} to POST {}: {!r}\n".format(response.status, path, answer[:300]))

    def _request(self, method, path, body=None, headers=None):
        reused = self._connection is not None
        try:
            return self._exchange(method, path, body, headers)
        except (OSError, http.client.HTTPException) as error:
            self._close()
            if not reused:
                raise RuntimeAPIError("{} {} failed: {}".format(method, path, error))
        # The server closed a connection that had been idle: one more try on a new one.
        try:
            return self._exchange(method, path, body, headers)
        except (OSError, http.client.HTTPException) as error:
            self._close()
            raise RuntimeAPIError("{} {} failed: {}".format(method, path, error))

    def _exchange(self, method, path, body, headers):
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port)
        self._connection.request(method, path, body=body, headers=headers or {})
        response = self._connection.getresponse()
        return response, response.read()

    def _close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Invocation(object):
    """An event from `GET /invocation/next` and its headers."""

    def __init__(self, headers, body):
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        self.content_type = headers.get("Content-Type")
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
        return json.loads(value)
    except Exception as error:
        raise RuntimeFault("Runtime.LambdaContextUnmarshalError", "Unable to parse {} JSON: {}".format(name, error))


# Marshalling


class ResponseEncoder(json.JSONEncoder):
    """JSON as AWS's marshaller writes it, which also accepts `Decimal` (boto3 returns them for DynamoDB numbers)."""

    def default(self, value):
        if isinstance(value, decimal.Decimal):
            if value.is_finite() and value == value.to_integral_value():
                return int(value)
            return float(value)
        return super().default(value)


RESPONSE_ENCODER = ResponseEncoder()


def encode_json(value):
    return RESPONSE_ENCODER.encode(value).encode("utf-8")


def unmarshal_event(body, content_type):
    if content_type not in (None, JSON_CONTENT_TYPE):
        return body
    try:
        return json.loads(body)
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
    """Put the function's code first on `sys.path` in place of this file's directory; make output unbuffered."""
    # The code directory stays as deployed: on AWS /var/task is read-only, so no __pycache__ is written there.
    sys.dont_write_bytecode = True
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    runtime_directory = os.path.dirname(RUNTIME_FILE)
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == runtime_directory:
        del sys.path[0]
    sys.path.insert(0, task_root)
    sys.stdout = FlushingStream(sys.stdout)
    sys.stderr = FlushingStream(sys.stderr)
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
