"""Helpers of the conformance suite: the moat process, AWS clients, hand-made SigV4 requests, policies.

Tests read like the specification they check; everything mechanical lives here.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotocoreCredentials
from botocore.exceptions import ClientError

ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
POLICY_VERSION = "2012-10-17"

ROOT_ACCESS_KEY_ID = "AKIAMOATROOTTEST0001"
ROOT_SECRET_ACCESS_KEY = "MoatRootTestSecret0000000000000000000001"  # 40 characters, like AWS secrets

REPO_ROOT = Path(__file__).resolve().parents[2]

START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0
HTTP_TIMEOUT_SECONDS = 30.0

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

ACCESS_KEY_ID_PATTERN = re.compile(r"AKIA[A-Z0-9]{16}")
TEMPORARY_ACCESS_KEY_ID_PATTERN = re.compile(r"ASIA[A-Z0-9]{16}")
SECRET_ACCESS_KEY_PATTERN = re.compile(r"[A-Za-z0-9/+]{40}")


def arn(resource: str, service: str = "iam") -> str:
    """`arn(\"user/alice\")` → `arn:aws:iam::000000000000:user/alice`."""
    return f"arn:aws:{service}::{ACCOUNT_ID}:{resource}"


ROOT_ARN = arn("root")


# --------------------------------------------------------------------------------------------------------------------
# Credentials


@dataclass(frozen=True)
class Creds:
    """An access key pair, with a session token for temporary credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    @classmethod
    def from_access_key(cls, access_key: Mapping[str, Any]) -> Creds:
        """From the `AccessKey` of a CreateAccessKey response."""
        return cls(access_key["AccessKeyId"], access_key["SecretAccessKey"])

    @classmethod
    def from_sts(cls, credentials: Mapping[str, Any]) -> Creds:
        """From the `Credentials` of an AssumeRole or GetSessionToken response."""
        return cls(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])

    def with_secret(self, secret_access_key: str) -> Creds:
        return Creds(self.access_key_id, secret_access_key, self.session_token)

    def botocore(self) -> BotocoreCredentials:
        return BotocoreCredentials(self.access_key_id, self.secret_access_key, self.session_token)


ROOT = Creds(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)


# --------------------------------------------------------------------------------------------------------------------
# The moat process


def moat_binary() -> Path:
    """The binary under test: `$MOAT_BINARY`, else `<repo>/.build/debug/moat`."""
    configured = os.environ.get("MOAT_BINARY")
    path = Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "moat"
    if not path.is_file() or not os.access(path, os.X_OK):
        origin = "from MOAT_BINARY" if configured else "default location; MOAT_BINARY is not set"
        pytest.fail(
            f"moat binary not found at {path} ({origin}): build it with `swift build --product moat` "
            f"or point MOAT_BINARY at an executable",
            pytrace=False,
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_LAMBDA_PYTHON_SDK: Path | None = None
LAMBDA_WORK_DIRECTORIES: list[Path] = []


@atexit.register
def _remove_lambda_work_directories() -> None:
    for path in LAMBDA_WORK_DIRECTORIES:
        shutil.rmtree(path, ignore_errors=True)


def lambda_python_sdk() -> Path:
    """The boto3 that python functions import, installed once by scripts/lambda-python-sdk.sh."""
    global _LAMBDA_PYTHON_SDK
    if _LAMBDA_PYTHON_SDK is None:
        completed = subprocess.run([str(REPO_ROOT / "scripts" / "lambda-python-sdk.sh")], capture_output=True, text=True, check=True)
        _LAMBDA_PYTHON_SDK = Path(completed.stdout.strip().splitlines()[-1])
    return _LAMBDA_PYTHON_SDK


def isolated_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without AWS or Moat settings that could leak into a client or the server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOAT_"))}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra or {})
    return env


def _terminate_with_parent() -> None:
    """Runs in the child before exec: the server gets SIGTERM if the test process dies without stopping it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


@dataclass
class MoatServer:
    """One `moat serve` process on a free loopback port."""

    data_dir: Path
    log_path: Path
    allow_reset: bool = False
    root: Creds | None = ROOT
    extra_args: tuple[str, ...] = ()
    extra_env: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    needed_sigkill: bool = False
    _lambda_work: Path | None = None
    #: False: no --lambda-python-sdk, so that Moat installs boto3 for python functions itself.
    python_sdk: bool = True

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.endpoint}{path}"

    def command(self) -> list[str]:
        args = [
            str(moat_binary()), "serve",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--account-id", ACCOUNT_ID,
            "--region", REGION,
        ]
        if self.allow_reset:
            args.append("--allow-reset")
        # OWASP's 600,000 PBKDF2 iterations cost ~60 ms a hash; the tests create many users.
        args += ["--cognito-password-iterations", "1000"]
        if self.python_sdk:
            args += ["--lambda-python-sdk", str(lambda_python_sdk())]
        args += ["--lambda-work-dir", str(self.lambda_work_dir())]
        return args + list(self.extra_args)

    def start(self) -> MoatServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(self.extra_env)
        if self.root is not None:
            env["MOAT_ROOT_ACCESS_KEY_ID"] = self.root.access_key_id
            env["MOAT_ROOT_SECRET_ACCESS_KEY"] = self.root.secret_access_key
        command = self.command()
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                env=isolated_environment(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_terminate_with_parent,
            )
        self.wait_until_healthy()
        return self

    def wait_until_healthy(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last_problem = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"moat exited with status {self.process.returncode} before it was healthy:\n{self.output_tail()}",
                    pytrace=False,
                )
            try:
                response = requests.get(self.url("/_moat/health"), timeout=0.5)
                if response.status_code == 200:
                    return
                last_problem = f"health answered {response.status_code}"
            except requests.RequestException as error:
                last_problem = type(error).__name__
            time.sleep(0.05)
        self.kill()
        pytest.fail(
            f"moat was not healthy within {timeout:.0f} s ({last_problem}):\n{self.output_tail()}", pytrace=False
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` seconds. Returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.needed_sigkill = True
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def lambda_work_dir(self) -> Path:
        """Unpacked packages and function instances: outside pytest's private tmp (functions may run under uids of
        their own, which must reach their instance directories), removed with the data directory's tests."""
        if self._lambda_work is None:
            import tempfile

            self._lambda_work = Path(tempfile.mkdtemp(prefix="moat-lambda-work-", dir="/tmp"))
            LAMBDA_WORK_DIRECTORIES.append(self._lambda_work)
        return self._lambda_work

    def kill(self) -> None:
        """SIGKILL at once (a crash: no graceful shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def output_tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    # Clients bound to this server.

    def iam(self, creds: Creds = ROOT, **config: Any) -> Any:
        return aws_client("iam", self.endpoint, creds, **config)

    def sts(self, creds: Creds = ROOT, **config: Any) -> Any:
        return aws_client("sts", self.endpoint, creds, **config)

    def reset(self) -> requests.Response:
        return requests.post(self.url("/_moat/reset"), timeout=HTTP_TIMEOUT_SECONDS)


# --------------------------------------------------------------------------------------------------------------------
# boto3 and the AWS CLI


def aws_client(service: str, endpoint: str, creds: Creds, *, validate: bool = True) -> Any:
    """A boto3 client that never retries; `validate=False` turns off botocore's client-side parameter checks."""
    config = Config(
        retries={"max_attempts": 1},
        parameter_validation=validate,
        connect_timeout=5,
        read_timeout=HTTP_TIMEOUT_SECONDS,
    )
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        config=config,
    )


@contextmanager
def aws_error(code: str, status: int, *message_contains: str) -> Iterator[pytest.ExceptionInfo[ClientError]]:
    """Expects the block to fail with this AWS error code and HTTP status (and message substrings)."""
    with pytest.raises(ClientError) as info:
        yield info
    error = info.value.response.get("Error", {})
    actual_status = info.value.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    assert (error.get("Code"), actual_status) == (code, status), f"expected {code} ({status}), got {error} ({actual_status})"
    message = error.get("Message") or ""
    for expected in message_contains:
        assert expected in message, f"message {message!r} lacks {expected!r}"


def run_aws_cli(endpoint: str, creds: Creds, *args: str, expect_failure: bool = False) -> Any:
    """Runs `aws ARGS --endpoint-url ENDPOINT --output json` (awscli v1 of this venv); returns the parsed output."""
    env = isolated_environment({
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_PAGER": "",
    })
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    command = [sys.executable, "-m", "awscli", *args, "--endpoint-url", endpoint, "--output", "json"]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if expect_failure:
        assert completed.returncode != 0, f"aws {' '.join(args)} unexpectedly succeeded: {completed.stdout}"
        return completed
    assert completed.returncode == 0, f"aws {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr}"
    return json.loads(completed.stdout) if completed.stdout.strip() else None


# --------------------------------------------------------------------------------------------------------------------
# Hand-made SigV4 requests


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextmanager
def signing_clock(at: dt.datetime | None) -> Iterator[None]:
    """Makes botocore's signers believe it is `at` (UTC)."""
    if at is None:
        yield
        return
    naive = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", lambda *args, **kwargs: naive):
        yield


class UnsignedPayloadSigV4Auth(SigV4Auth):
    """SigV4 with `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD` (the body is not part of the signature)."""

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        super()._modify_request_before_signing(request)
        if "X-Amz-Content-SHA256" in request.headers:
            del request.headers["X-Amz-Content-SHA256"]
        request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"


def query_body(action: str, version: str, params: Mapping[str, str] | None = None) -> str:
    return urlencode({"Action": action, "Version": version, **(params or {})})


def signed_request(
    endpoint: str,
    creds: Creds | None,
    service: str,
    body: str | bytes,
    *,
    send_body: str | bytes | None = None,
    signing_time: dt.datetime | None = None,
    headers: Mapping[str, str] | None = None,
    signer: type[SigV4Auth] = SigV4Auth,
) -> requests.Response:
    """POSTs a form body signed with SigV4 by botocore's signer (`creds=None`: unsigned).

    `send_body` replaces the body after signing (a tampered request).
    """
    request = AWSRequest(
        method="POST", url=f"{endpoint}/", data=body, headers={"Content-Type": FORM_CONTENT_TYPE, **(headers or {})}
    )
    if creds is not None:
        with signing_clock(signing_time):
            signer(creds.botocore(), service, REGION).add_auth(request)
    prepared = request.prepare()
    data = prepared.body if send_body is None else send_body
    return requests.post(prepared.url, headers=dict(prepared.headers.items()), data=data, timeout=HTTP_TIMEOUT_SECONDS)


def query_call(endpoint: str, creds: Creds | None, service: str, action: str, params: Mapping[str, str] | None = None,
               **kwargs: Any) -> requests.Response:
    """A signed awsQuery call of `action` on `service` (`iam` or `sts`)."""
    version = IAM_VERSION if service == "iam" else STS_VERSION
    return signed_request(endpoint, creds, service, query_body(action, version, params), **kwargs)


def presigned_url(
    endpoint: str,
    creds: Creds,
    service: str,
    query: Mapping[str, str],
    *,
    expires: int,
    signing_time: dt.datetime | None = None,
) -> str:
    """A presigned GET URL (`X-Amz-Algorithm`, `X-Amz-Credential`, … in the query string)."""
    request = AWSRequest(method="GET", url=f"{endpoint}/?{urlencode(query)}")
    with signing_clock(signing_time):
        SigV4QueryAuth(creds.botocore(), service, REGION, expires=expires).add_auth(request)
    return request.url


def strip_namespace(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_find_text(document: str | bytes, name: str) -> str | None:
    """The text of the first element called `name` (namespaces ignored)."""
    root = ET.fromstring(document)
    for element in root.iter():
        if strip_namespace(element.tag) == name:
            return element.text or ""
    return None


@dataclass(frozen=True)
class WireError:
    """An awsQuery `<ErrorResponse>` as it arrived."""

    status: int
    root_tag: str
    code: str | None
    message: str | None
    type: str | None
    request_id: str | None
    header_request_id: str | None


def parse_query_error(response: requests.Response) -> WireError:
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError as error:
        raise AssertionError(
            f"error body of {response.status_code} is not XML ({error}): {response.text[:500]!r}"
        ) from error
    values: dict[str, str] = {}
    for element in root.iter():
        name = strip_namespace(element.tag)
        if name in ("Code", "Message", "Type", "RequestId", "RequestID") and name not in values:
            values[name] = (element.text or "").strip()
    return WireError(
        status=response.status_code,
        root_tag=strip_namespace(root.tag),
        code=values.get("Code"),
        message=values.get("Message"),
        type=values.get("Type"),
        request_id=values.get("RequestId") or values.get("RequestID"),
        header_request_id=response.headers.get("x-amzn-RequestId"),
    )


def assert_query_error(response: requests.Response, code: str | None, status: int, *message_contains: str) -> WireError:
    """Asserts an awsQuery error response with this status (and code, unless None)."""
    error = parse_query_error(response)
    assert response.status_code == status, f"expected HTTP {status}, got {response.status_code}: {response.text[:500]}"
    assert error.root_tag == "ErrorResponse", f"expected <ErrorResponse>, got <{error.root_tag}>"
    if code is not None:
        assert error.code == code, f"expected {code}, got {error.code}: {error.message}"
    for expected in message_contains:
        assert expected in (error.message or ""), f"message {error.message!r} lacks {expected!r}"
    return error


# --------------------------------------------------------------------------------------------------------------------
# Policies


def statement(effect: str, actions: str | Iterable[str], resources: str | Iterable[str] = "*",
              condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "Effect": effect,
        "Action": actions if isinstance(actions, str) else list(actions),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }
    if condition:
        result["Condition"] = dict(condition)
    return result


def allow(actions: str | Iterable[str], resources: str | Iterable[str] = "*",
          condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return statement("Allow", actions, resources, condition)


def deny(actions: str | Iterable[str], resources: str | Iterable[str] = "*",
         condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return statement("Deny", actions, resources, condition)


def policy(*statements: Mapping[str, Any]) -> str:
    """A policy document (JSON text) of these statements."""
    return json.dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


def trust_policy(principal_arn: str, action: str = "sts:AssumeRole") -> str:
    """A role trust policy letting `principal_arn` (a user, a role or `arn:aws:iam::…:root`) assume it."""
    return json.dumps({
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": action}],
    })


# --------------------------------------------------------------------------------------------------------------------
# IAM set-up helpers (always through root's client)


@dataclass(frozen=True)
class User:
    name: str
    arn: str
    user_id: str
    creds: Creds | None


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    role_id: str


def make_user(root_iam: Any, name: str, *, path: str = "/", with_key: bool = True) -> User:
    created = root_iam.create_user(UserName=name, Path=path)["User"]
    creds = Creds.from_access_key(root_iam.create_access_key(UserName=name)["AccessKey"]) if with_key else None
    return User(name=name, arn=created["Arn"], user_id=created["UserId"], creds=creds)


def make_user_with_policy(root_iam: Any, name: str, *statements: Mapping[str, Any],
                          managed_policy_arns: Iterable[str] = ()) -> User:
    """An IAM user with an access key, an inline policy of `statements` (if any) and attached managed policies."""
    user = make_user(root_iam, name)
    if statements:
        root_iam.put_user_policy(UserName=name, PolicyName=f"{name}-inline", PolicyDocument=policy(*statements))
    for policy_arn in managed_policy_arns:
        root_iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    return user


def make_role(root_iam: Any, name: str, trusted_principal_arn: str, *statements: Mapping[str, Any],
              max_session_duration: int | None = None) -> Role:
    """A role trusting `trusted_principal_arn`, with an inline policy of `statements` (if any)."""
    kwargs: dict[str, Any] = {"RoleName": name, "AssumeRolePolicyDocument": trust_policy(trusted_principal_arn)}
    if max_session_duration is not None:
        kwargs["MaxSessionDuration"] = max_session_duration
    created = root_iam.create_role(**kwargs)["Role"]
    if statements:
        root_iam.put_role_policy(RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=policy(*statements))
    return Role(name=name, arn=created["Arn"], role_id=created["RoleId"])


def assume(sts: Any, role: Role, session_name: str, **kwargs: Any) -> Creds:
    response = sts.assume_role(RoleArn=role.arn, RoleSessionName=session_name, **kwargs)
    return Creds.from_sts(response["Credentials"])


def list_all_user_names(iam: Any) -> list[str]:
    names: list[str] = []
    for page in iam.get_paginator("list_users").paginate():
        names.extend(user["UserName"] for user in page["Users"])
    return names
