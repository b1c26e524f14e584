"""Lambda through boto3 and the AWS CLI: functions created from zip files run for real, with their role's credentials."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from moat_support import ACCOUNT_ID, POLICY_VERSION, REGION, ROOT, Creds, aws_client, isolated_environment, moat_binary, run_aws_cli

LAMBDA_TRUST = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
EC2_TRUST = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

ECHO_PY = """
import os
calls = 0

def handler(event, context):
    global calls
    calls += 1
    print("echoing", event.get("name"))
    return {
        "event": event,
        "calls": calls,
        "pid": os.getpid(),
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "region": os.environ["AWS_REGION"],
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "own_variable": os.environ.get("GREETING"),
        "moat_secret_visible": "MOAT_ROOT_SECRET_ACCESS_KEY" in os.environ,
    }
"""

FAILING_PY = """
def handler(event, context):
    raise ValueError("the answer is not " + str(event.get("guess")))
"""

SLEEPING_PY = """
import time

def handler(event, context):
    time.sleep(event.get("seconds", 10))
    return "woke up"
"""

CRASHING_PY = """
import os

def handler(event, context):
    if event.get("crash"):
        os._exit(3)
    return "alive"
"""

CALLER_PY = """
import boto3

def handler(event, context):
    identity = boto3.client("sts").get_caller_identity()
    try:
        boto3.client("iam").list_users()
        listed = "allowed"
    except Exception as error:
        listed = error.response["Error"]["Code"]
    return {"arn": identity["Arn"], "list_users": listed}
"""

ESM_JS = """
export const handler = async (event, context) => {
  console.log("hello from", context.functionName);
  return { sum: event.a + event.b, style: "esm" };
};
"""

CJS_JS = """
exports.handler = (event, context, callback) => {
  callback(null, { product: event.a * event.b, style: "cjs" });
};
"""


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def lambda_client(moat: Any) -> Any:
    return aws_client("lambda", moat.endpoint, ROOT)


@pytest.fixture
def shared_dir() -> Any:
    """A directory functions may write in: they may run under uids of their own, outside pytest's private tmp."""
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp(prefix="moat-lambda-test-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def root_iam_for() -> Any:
    """`root_iam_for(server)`: an IAM client of a server a test started itself."""
    return lambda server: aws_client("iam", server.endpoint, ROOT)


@pytest.fixture
def role_arn(root_iam: Any) -> str:
    role = root_iam.create_role(RoleName="function-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    return role["Arn"]


def create(client: Any, role: str, name: str, files: dict[str, str], handler: str = "app.handler",
           runtime: str = "python3.12", **extra: Any) -> dict[str, Any]:
    return client.create_function(
        FunctionName=name, Runtime=runtime, Role=role, Handler=handler, Code={"ZipFile": zip_of(files)}, **extra
    )


def invoke(client: Any, name: str, event: Any = None, **extra: Any) -> tuple[dict[str, Any], Any]:
    response = client.invoke(FunctionName=name, Payload=json.dumps(event if event is not None else {}), **extra)
    return response, json.loads(response["Payload"].read())


def error_code(error: ClientError) -> str:
    return error.response["Error"]["Code"]


# --- control plane ---------------------------------------------------------------------------------------------------


def test_function_lifecycle(lambda_client: Any, role_arn: str) -> None:
    created = create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY}, Environment={"Variables": {"GREETING": "hi"}})
    assert created["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:echo"
    assert created["State"] == "Pending" and created["Version"] == "$LATEST"
    assert created["Runtime"] == "python3.12" and created["Timeout"] == 3 and created["MemorySize"] == 128
    assert created["CodeSha256"] and created["CodeSize"] > 0
    lambda_client.get_waiter("function_active_v2").wait(FunctionName="echo", WaiterConfig={"Delay": 1, "MaxAttempts": 5})

    configuration = lambda_client.get_function_configuration(FunctionName="echo")
    assert configuration["State"] == "Active"
    assert configuration["Environment"] == {"Variables": {"GREETING": "hi"}}
    by_arn = lambda_client.get_function(FunctionName=created["FunctionArn"])
    assert by_arn["Configuration"]["CodeSha256"] == created["CodeSha256"]
    assert [f["FunctionName"] for f in lambda_client.list_functions()["Functions"]] == ["echo"]

    with pytest.raises(ClientError) as duplicate:
        create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY})
    assert error_code(duplicate.value) == "ResourceConflictException"

    lambda_client.delete_function(FunctionName="echo")
    with pytest.raises(ClientError) as gone:
        lambda_client.get_function(FunctionName="echo")
    assert error_code(gone.value) == "ResourceNotFoundException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert lambda_client.list_functions()["Functions"] == []


def test_list_functions_pages(lambda_client: Any, role_arn: str) -> None:
    for index in range(5):
        create(lambda_client, role_arn, f"fn-{index}", {"app.py": ECHO_PY})
    first = lambda_client.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == ["fn-0", "fn-1"]
    rest = lambda_client.list_functions(Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in rest["Functions"]] == ["fn-2", "fn-3", "fn-4"]
    assert "NextMarker" not in rest


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Code": {"ZipFile": b"this is not a zip"}}, "InvalidParameterValueException"),
        ({"Runtime": "python2.7"}, "InvalidParameterValueException"),
        ({"Environment": {"Variables": {"AWS_REGION": "eu-west-1"}}}, "InvalidParameterValueException"),
        ({"Timeout": 901}, "ValidationException"),
        ({"MemorySize": 64}, "ValidationException"),
        ({"FunctionName": "bad name!"}, "ValidationException"),
    ],
)
def test_bad_create_function_leaves_nothing(lambda_client: Any, role_arn: str, change: dict[str, Any], code: str) -> None:
    arguments = {"FunctionName": "bad", "Runtime": "python3.12", "Role": role_arn, "Handler": "app.handler",
                 "Code": {"ZipFile": zip_of({"app.py": ECHO_PY})}}
    arguments.update(change)
    client = aws_client("lambda", lambda_client.meta.endpoint_url, ROOT, validate=False)
    with pytest.raises(ClientError) as refused:
        client.create_function(**arguments)
    assert error_code(refused.value) == code
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert lambda_client.list_functions()["Functions"] == []


def test_role_must_exist_and_trust_lambda(lambda_client: Any, root_iam: Any) -> None:
    ec2_role = root_iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))["Role"]["Arn"]
    for role in (ec2_role, f"arn:aws:iam::{ACCOUNT_ID}:role/no-such-role"):
        with pytest.raises(ClientError) as refused:
            create(lambda_client, role, "untrusted", {"app.py": ECHO_PY})
        assert error_code(refused.value) == "InvalidParameterValueException"
        assert "cannot be assumed by Lambda" in refused.value.response["Error"]["Message"]
    assert lambda_client.list_functions()["Functions"] == []


# --- invocation ------------------------------------------------------------------------------------------------------


def test_python_function_runs_and_stays_warm(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY}, Environment={"Variables": {"GREETING": "hi"}})
    response, first = invoke(lambda_client, "echo", {"name": "moat"})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert first["event"] == {"name": "moat"}
    assert first["function_name"] == "echo" and first["region"] == REGION
    assert first["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert 0 < first["remaining_ms"] <= 3000
    assert first["own_variable"] == "hi"
    assert first["moat_secret_visible"] is False
    _, second = invoke(lambda_client, "echo", {"name": "again"})
    assert second["pid"] == first["pid"] and second["calls"] == 2


def test_log_tail(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY})
    response, _ = invoke(lambda_client, "echo", {"name": "logged"}, LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    request_id = response["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in log
    assert "echoing logged" in log
    assert f"END RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}\tDuration: " in log


def test_handler_error_is_reported_as_aws_does(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "failing", {"app.py": FAILING_PY})
    response, payload = invoke(lambda_client, "failing", {"guess": 41})
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError" and payload["errorMessage"] == "the answer is not 41"
    assert isinstance(payload["stackTrace"], list)


def test_missing_handler_module(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "misnamed", {"app.py": ECHO_PY}, handler="nope.handler")
    response, payload = invoke(lambda_client, "misnamed")
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"].startswith("Unable to import module 'nope'")


def test_timeout_kills_the_invocation(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "sleepy", {"app.py": SLEEPING_PY}, Timeout=1)
    response, payload = invoke(lambda_client, "sleepy", {"seconds": 10})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_crash_fails_only_its_invocation(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "crashy", {"app.py": CRASHING_PY})
    response, payload = invoke(lambda_client, "crashy", {"crash": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    _, recovered = invoke(lambda_client, "crashy", {})
    assert recovered == "alive"


def test_dry_run_and_bad_payload(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY})
    assert lambda_client.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(FunctionName="echo", Payload=b"{not json")
    assert error_code(refused.value) == "InvalidRequestContentException"
    with pytest.raises(ClientError) as missing:
        lambda_client.invoke(FunctionName="nope", Payload=b"{}")
    assert error_code(missing.value) == "ResourceNotFoundException"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_functions_esm_and_commonjs(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "esm", {"index.mjs": ESM_JS}, handler="index.handler", runtime="nodejs20.x")
    create(lambda_client, role_arn, "cjs", {"index.js": CJS_JS}, handler="index.handler", runtime="nodejs20.x")
    assert invoke(lambda_client, "esm", {"a": 2, "b": 3})[1] == {"sum": 5, "style": "esm"}
    assert invoke(lambda_client, "cjs", {"a": 2, "b": 3})[1] == {"product": 6, "style": "cjs"}


def test_function_acts_with_its_role(lambda_client: Any, role_arn: str, root_iam: Any) -> None:
    root_iam.put_role_policy(
        RoleName="function-role",
        PolicyName="caller-identity-only",
        PolicyDocument=json.dumps({"Version": POLICY_VERSION, "Statement": [
            {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}),
    )
    create(lambda_client, role_arn, "caller", {"app.py": CALLER_PY}, Timeout=30)
    response, payload = invoke(lambda_client, "caller")
    assert "FunctionError" not in response, payload
    assert payload["arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/function-role/caller"
    assert payload["list_users"] == "AccessDenied"


def test_invoke_needs_permission(lambda_client: Any, role_arn: str, root_iam: Any, moat: Any) -> None:
    create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY})
    root_iam.create_user(UserName="viewer")
    root_iam.put_user_policy(
        UserName="viewer",
        PolicyName="read-only",
        PolicyDocument=json.dumps({"Version": POLICY_VERSION, "Statement": [
            {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}),
    )
    key = root_iam.create_access_key(UserName="viewer")["AccessKey"]
    viewer = aws_client("lambda", moat.endpoint, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    assert viewer.get_function(FunctionName="echo")["Configuration"]["FunctionName"] == "echo"
    with pytest.raises(ClientError) as refused:
        viewer.invoke(FunctionName="echo", Payload=b"{}")
    assert error_code(refused.value) == "AccessDeniedException"
    assert "lambda:InvokeFunction" in refused.value.response["Error"]["Message"]


def test_cli_creates_from_a_zip_file_and_invokes(moat: Any, role_arn: str, tmp_path: Any) -> None:
    package = tmp_path / "function.zip"
    package.write_bytes(zip_of({"app.py": ECHO_PY}))
    created = run_aws_cli(moat.endpoint, ROOT, "lambda", "create-function", "--function-name", "cli-echo",
                          "--runtime", "python3.12", "--role", role_arn, "--handler", "app.handler",
                          "--zip-file", f"fileb://{package}")
    assert created["FunctionName"] == "cli-echo"
    out = tmp_path / "out.json"
    invoked = run_aws_cli(moat.endpoint, ROOT, "lambda", "invoke", "--function-name", "cli-echo",
                          "--payload", '{"name": "cli"}', str(out))
    assert invoked["StatusCode"] == 200
    assert json.loads(out.read_text())["event"] == {"name": "cli"}


# --- updates, permissions, concurrency, asynchronous invocation ------------------------------------------------------

VERSION_PY = """
import os

def handler(event, context):
    return {"version": "VERSION", "pid": os.getpid(), "colour": os.environ.get("COLOUR")}
"""

RETRYING_PY = """
import json, os

def handler(event, context):
    with open(event["file"], "a") as out:
        out.write(context.aws_request_id + "\\n")
    with open(event["file"]) as attempts:
        count = len(attempts.read().splitlines())
    if count < event["succeed_on"]:
        raise RuntimeError("attempt %d fails" % count)
    return "done"
"""


def test_update_code_and_configuration(lambda_client: Any, role_arn: str) -> None:
    created = create(lambda_client, role_arn, "versioned", {"app.py": VERSION_PY.replace("VERSION", "1")})
    first = invoke(lambda_client, "versioned")[1]
    assert first["version"] == "1"

    updated = lambda_client.update_function_code(FunctionName="versioned", ZipFile=zip_of({"app.py": VERSION_PY.replace("VERSION", "2")}))
    assert updated["CodeSha256"] != created["CodeSha256"] and updated["RevisionId"] != created["RevisionId"]
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName="versioned", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    second = invoke(lambda_client, "versioned")[1]
    assert second["version"] == "2" and second["pid"] != first["pid"]

    configured = lambda_client.update_function_configuration(
        FunctionName="versioned", Environment={"Variables": {"COLOUR": "blue"}}, Timeout=10, MemorySize=256
    )
    assert configured["Timeout"] == 10 and configured["MemorySize"] == 256
    assert invoke(lambda_client, "versioned")[1]["colour"] == "blue"

    with pytest.raises(ClientError) as stale:
        lambda_client.update_function_configuration(FunctionName="versioned", Description="x", RevisionId=created["RevisionId"])
    assert error_code(stale.value) == "PreconditionFailedException"
    assert lambda_client.get_function_configuration(FunctionName="versioned")["Description"] == ""


def test_resource_policy_lets_another_principal_invoke(lambda_client: Any, role_arn: str, root_iam: Any, moat: Any) -> None:
    create(lambda_client, role_arn, "shared", {"app.py": ECHO_PY})
    user_arn = root_iam.create_user(UserName="partner")["User"]["Arn"]
    key = root_iam.create_access_key(UserName="partner")["AccessKey"]
    partner = aws_client("lambda", moat.endpoint, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as refused:
        partner.invoke(FunctionName="shared", Payload=b"{}")
    assert error_code(refused.value) == "AccessDeniedException"

    added = lambda_client.add_permission(
        FunctionName="shared", StatementId="partner-invoke", Action="lambda:InvokeFunction", Principal=user_arn
    )
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "partner-invoke", "Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "lambda:InvokeFunction",
        "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:shared",
    }
    assert partner.invoke(FunctionName="shared", Payload=b'{"name": "partner"}')["StatusCode"] == 200

    lambda_client.add_permission(
        FunctionName="shared", StatementId="gateway", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:api123/*/GET/items",
    )
    policy = json.loads(lambda_client.get_policy(FunctionName="shared")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["partner-invoke", "gateway"]
    assert policy["Statement"][1]["Condition"] == {
        "ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:api123/*/GET/items"}
    }
    with pytest.raises(ClientError) as duplicate:
        lambda_client.add_permission(FunctionName="shared", StatementId="gateway", Action="lambda:InvokeFunction", Principal="*")
    assert error_code(duplicate.value) == "ResourceConflictException"

    lambda_client.remove_permission(FunctionName="shared", StatementId="partner-invoke")
    with pytest.raises(ClientError) as revoked:
        partner.invoke(FunctionName="shared", Payload=b"{}")
    assert error_code(revoked.value) == "AccessDeniedException"
    lambda_client.remove_permission(FunctionName="shared", StatementId="gateway")
    with pytest.raises(ClientError) as no_policy:
        lambda_client.get_policy(FunctionName="shared")
    assert error_code(no_policy.value) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as unknown:
        lambda_client.remove_permission(FunctionName="shared", StatementId="gateway")
    assert error_code(unknown.value) == "ResourceNotFoundException"


def invoke_concurrently(client: Any, name: str, count: int, event: Any) -> list[Any]:
    """Invokes `count` times at once; returns each response's payload or the ClientError."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> Any:
        try:
            return json.loads(client.invoke(FunctionName=name, Payload=json.dumps(event))["Payload"].read())
        except ClientError as error:
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_reserved_concurrency(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "narrow", {"app.py": SLEEPING_PY}, Timeout=10)
    assert lambda_client.put_function_concurrency(FunctionName="narrow", ReservedConcurrentExecutions=1) == {
        "ReservedConcurrentExecutions": 1, "ResponseMetadata": mock_any()
    }
    assert lambda_client.get_function_concurrency(FunctionName="narrow")["ReservedConcurrentExecutions"] == 1
    outcomes = invoke_concurrently(lambda_client, "narrow", 2, {"seconds": 1.5})
    throttled = [o for o in outcomes if isinstance(o, ClientError)]
    assert len(throttled) == 1 and outcomes.count("woke up") == 1
    assert error_code(throttled[0]) == "TooManyRequestsException"
    assert throttled[0].response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert throttled[0].response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"

    with pytest.raises(ClientError) as too_much:
        lambda_client.put_function_concurrency(FunctionName="narrow", ReservedConcurrentExecutions=950)
    assert error_code(too_much.value) == "InvalidParameterValueException"

    lambda_client.put_function_concurrency(FunctionName="narrow", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as disabled:
        lambda_client.invoke(FunctionName="narrow", Payload=b'{"seconds": 0}')
    assert error_code(disabled.value) == "TooManyRequestsException"
    lambda_client.delete_function_concurrency(FunctionName="narrow")
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(FunctionName="narrow")
    assert invoke(lambda_client, "narrow", {"seconds": 0})[1] == "woke up"


def test_account_concurrency_limit(start_moat: Any, root_iam_for: Any) -> None:
    server = start_moat(extra_args=("--lambda-concurrency", "1"))
    client = aws_client("lambda", server.endpoint, ROOT)
    role = root_iam_for(server).create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    create(client, role, "only-one", {"app.py": SLEEPING_PY}, Timeout=10)
    outcomes = invoke_concurrently(client, "only-one", 2, {"seconds": 1.5})
    throttled = [o for o in outcomes if isinstance(o, ClientError)]
    assert len(throttled) == 1
    assert throttled[0].response["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_event_invocations_are_retried_twice(start_moat: Any, root_iam_for: Any, shared_dir: Any) -> None:
    server = start_moat(extra_args=("--lambda-event-retry-delays", "0.2,0.2"))
    client = aws_client("lambda", server.endpoint, ROOT)
    role = root_iam_for(server).create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    create(client, role, "flaky", {"app.py": RETRYING_PY})

    succeeding = shared_dir / "third-time-lucky.txt"
    answer = client.invoke(FunctionName="flaky", InvocationType="Event",
                           Payload=json.dumps({"file": str(succeeding), "succeed_on": 3}))
    assert answer["StatusCode"] == 202
    failing = shared_dir / "never.txt"
    client.invoke(FunctionName="flaky", InvocationType="Event", Payload=json.dumps({"file": str(failing), "succeed_on": 99}))

    wait_until(lambda: succeeding.exists() and len(succeeding.read_text().splitlines()) == 3)
    wait_until(lambda: failing.exists() and len(failing.read_text().splitlines()) == 3)
    time.sleep(1.0)  # no fourth attempt after the two retries
    assert len(failing.read_text().splitlines()) == 3
    assert len(set(succeeding.read_text().splitlines())) == 1, "every attempt keeps the event's request id"


def test_event_survives_a_restart(start_moat: Any, root_iam_for: Any, tmp_path: Any, shared_dir: Any) -> None:
    data = tmp_path / "data"
    server = start_moat(data, extra_args=("--lambda-concurrency", "1"))
    client = aws_client("lambda", server.endpoint, ROOT)
    role = root_iam_for(server).create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    create(client, role, "later", {"app.py": RETRYING_PY})
    client.put_function_concurrency(FunctionName="later", ReservedConcurrentExecutions=0)
    marker = shared_dir / "ran.txt"
    client.invoke(FunctionName="later", InvocationType="Event", Payload=json.dumps({"file": str(marker), "succeed_on": 1}))
    server.kill()

    restarted = start_moat(data, extra_args=("--lambda-concurrency", "1"))
    aws_client("lambda", restarted.endpoint, ROOT).delete_function_concurrency(FunctionName="later")
    wait_until(lambda: marker.exists())
    assert len(marker.read_text().splitlines()) == 1


def wait_until(condition: Any, timeout: float = 15.0) -> None:
    """Polls `condition` until it holds; a ResourceNotFoundException (a log group not written yet) counts as not yet."""
    def holds() -> bool:
        try:
            return bool(condition())
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            return False

    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def mock_any() -> Any:
    from unittest import mock

    return mock.ANY


# --- isolation -------------------------------------------------------------------------------------------------------

SPY_TARGET_PY = """
import os

def handler(event, context):
    home = os.environ["HOME"]
    with open(os.path.join(home, "secret.txt"), "w") as out:
        out.write("only mine")
    return {"pid": os.getpid(), "uid": os.getuid(), "home": home, "task_root": os.environ["LAMBDA_TASK_ROOT"],
            "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"]}
"""

SPY_PY = """
import os, socket

def attempt(action):
    try:
        action()
        return "read"
    except OSError as error:
        return type(error).__name__

def read(path):
    with open(path, "rb") as handle:
        handle.read(16)

def steal_invocation(address):
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=2) as connection:
        connection.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        if not connection.recv(64):
            raise ConnectionResetError("closed without an answer")

def handler(event, context):
    return {
        "uid": os.getuid(),
        "environ": attempt(lambda: read("/proc/%d/environ" % event["pid"])),
        "home_file": attempt(lambda: read(os.path.join(event["home"], "secret.txt"))),
        "code": attempt(lambda: read(os.path.join(event["task_root"], "app.py"))),
        "runtime_api": attempt(lambda: steal_invocation(event["runtime_api"])),
        "own_code": attempt(lambda: read(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "app.py"))),
    }
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="functions get uids of their own only when Moat runs as root")
def test_one_function_cannot_reach_another(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "target", {"app.py": SPY_TARGET_PY})
    create(lambda_client, role_arn, "spy", {"app.py": SPY_PY})
    target = invoke(lambda_client, "target")[1]
    response, spied = invoke(lambda_client, "spy", target)
    assert "FunctionError" not in response, spied
    assert spied["uid"] != target["uid"] and 0 not in (spied["uid"], target["uid"])
    assert spied["own_code"] == "read"
    assert spied["environ"] == "PermissionError", "another function's credentials are in its environment"
    assert spied["home_file"] == "PermissionError"
    assert spied["code"] == "PermissionError"
    assert spied["runtime_api"] in ("ConnectionResetError", "ConnectionRefusedError", "BrokenPipeError")
    # The target was not disturbed: its next invocation is still its own.
    assert invoke(lambda_client, "target")[1]["pid"] == target["pid"]


HUNGRY_PY = """
def handler(event, context):
    hoard = []
    for _ in range(event["megabytes"]):
        hoard.append(bytearray(1024 * 1024))
    return len(hoard)
"""


def test_memory_limit_is_enforced_and_reported(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "hungry", {"app.py": HUNGRY_PY}, MemorySize=128, Timeout=20)
    response, payload = invoke(lambda_client, "hungry", {"megabytes": 400}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    # Killed at the limit (a memory cgroup: Lambda's Runtime.OutOfMemory), or refused memory (a data-segment limit).
    assert payload["errorType"] in ("Runtime.OutOfMemory", "MemoryError"), payload
    report = [line for line in base64.b64decode(response["LogResult"]).decode().splitlines() if line.startswith("REPORT")]
    assert report and "Memory Size: 128 MB" in report[-1]
    used = int(report[-1].split("Max Memory Used: ")[1].split(" MB")[0])
    assert 0 < used <= 128 + 64
    _, fine = invoke(lambda_client, "hungry", {"megabytes": 10})
    assert fine == 10


JSON_LOGGER_PY = """
import json

def handler(event, context):
    print("plain line for", event["who"])
    print(json.dumps({"level": "error", "latency": event["latency"]}))
    return "logged"
"""


def test_function_output_becomes_cloudwatch_logs(lambda_client: Any, role_arn: str, moat: Any) -> None:
    create(lambda_client, role_arn, "chatty", {"app.py": JSON_LOGGER_PY})
    first = invoke(lambda_client, "chatty", {"who": "alice", "latency": 250})[0]["ResponseMetadata"]["RequestId"]
    invoke(lambda_client, "chatty", {"who": "bob", "latency": 50})
    logs = aws_client("logs", moat.endpoint, ROOT)

    def events(**filters: Any) -> list[str]:
        return [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/chatty", **filters)["events"]]

    wait_until(lambda: any(m.startswith("REPORT") for m in events()) and len([m for m in events() if m.startswith("END")]) == 2)
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/chatty")["logStreams"]
    assert len(streams) == 1, "one warm instance, one stream"
    assert streams[0]["logStreamName"].split("/")[-1].startswith("[$LATEST]")
    got = [e["message"] for e in logs.get_log_events(logGroupName="/aws/lambda/chatty", logStreamName=streams[0]["logStreamName"],
                                                       startFromHead=True)["events"]]
    assert got[0].startswith(f"START RequestId: {first} Version: $LATEST")
    assert "plain line for alice" in got and got.index("plain line for alice") < got.index(f"END RequestId: {first}")
    assert events(filterPattern='"plain line"') == ["plain line for alice", "plain line for bob"]
    assert [json.loads(m)["latency"] for m in events(filterPattern="{ $.latency > 100 }")] == [250]

    tail = subprocess.run(
        [str(moat_binary()), "logs", "tail", "chatty", "--since", "10m"],
        env=isolated_environment({"AWS_ACCESS_KEY_ID": ROOT.access_key_id, "AWS_SECRET_ACCESS_KEY": ROOT.secret_access_key,
                                  "AWS_ENDPOINT_URL": moat.endpoint, "AWS_DEFAULT_REGION": REGION}),
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )
    assert tail.returncode == 0, tail.stderr
    assert "plain line for bob" in tail.stdout


RIC_BOOTSTRAP = """#!/bin/sh
# A custom runtime as AWS documents it: the function's own bootstrap runs the Runtime Interface Client.
export PYTHONPATH="$LAMBDA_TASK_ROOT"
exec python3 -m awslambdaric "$_HANDLER"
"""

RIC_APP = """
import os

def handler(event, context):
    return {"answer": event["question"] * 2, "client": "awslambdaric", "request_id": context.aws_request_id}
"""


def zip_with_distributions(files: dict[str, str], executables: dict[str, str], distributions: list[str]) -> bytes:
    """A package holding `files`, executable `executables` and the installed files of the given distributions."""
    import importlib.metadata

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        for name, text in executables.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            archive.writestr(info, text)
        for distribution in distributions:
            found = importlib.metadata.distribution(distribution)
            for path in found.files or []:
                if ".." in path.parts or "__pycache__" in path.parts:
                    continue
                archive.write(found.locate_file(path), str(path))
    return buffer.getvalue()


def function_python_version() -> tuple[int, ...] | None:
    """The version of the python3 a `provided` bootstrap finds on the functions' PATH."""
    import sys

    found = subprocess.run(["python3", "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                           env={"PATH": "/usr/local/bin:/usr/bin:/bin"}, capture_output=True, text=True)
    return tuple(int(part) for part in found.stdout.split()) if found.returncode == 0 else None


@pytest.mark.skipif(function_python_version() != __import__("sys").version_info[:2],
                    reason="awslambdaric's compiled module is built for this suite's python, not the functions' python3")
def test_provided_runtime_running_the_aws_runtime_interface_client(lambda_client: Any, role_arn: str) -> None:
    package = zip_with_distributions(
        {"app.py": RIC_APP}, {"bootstrap": RIC_BOOTSTRAP}, ["awslambdaric", "simplejson", "snapshot-restore-py"]
    )
    lambda_client.create_function(FunctionName="ric", Runtime="provided.al2023", Role=role_arn, Handler="app.handler",
                                  Code={"ZipFile": package}, Timeout=15)
    response, payload = invoke(lambda_client, "ric", {"question": 21})
    assert "FunctionError" not in response, payload
    assert payload["answer"] == 42 and payload["client"] == "awslambdaric"
    assert payload["request_id"] == response["ResponseMetadata"]["RequestId"]
    response, failure = invoke(lambda_client, "ric", {})
    assert response["FunctionError"] == "Unhandled" and failure["errorType"] == "KeyError"


def test_large_packages_up_to_lambdas_limit(lambda_client: Any, role_arn: str) -> None:
    # 9 MB that do not compress: about 12 MB of base64 in the JSON request, above Moat's general body limit.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'big'\n")
        archive.writestr("blob.bin", os.urandom(9 * 1024 * 1024))
    package = buffer.getvalue()
    created = lambda_client.create_function(FunctionName="big", Runtime="python3.12", Role=role_arn, Handler="app.handler",
                                            Code={"ZipFile": package})
    assert created["CodeSize"] == len(package)
    assert invoke(lambda_client, "big")[1] == "big"

    with pytest.raises(ClientError) as too_large:
        lambda_client.update_function_code(FunctionName="big", ZipFile=package * 6)
    assert too_large.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


# Tutorial 001, secure-lambda/InternalLambda/index.js, as the tutorial gives it.
TUTORIAL_001_INTERNAL_LAMBDA = """export const handler = async (event) => {
    try {
        console.log('Request successfully received from SNS');

        let name = event['Records'][0]['Sns']['Message'];
        let response = {
            statusCode: 200,
            body: JSON.stringify(`Hello ${name}. Greetings from InternalLambda!`),
        };
        console.log('Response: ', response);
        return response;
    } catch (err) {
        let response = {
            statusCode: 500,
            body: JSON.stringify('An error occurred while processing your request.'),
        };

        console.error('Error processing event', err);
        return response;
    }
};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_tutorial_001_internal_lambda_with_the_cli(moat: Any, root_iam: Any, tmp_path: Any) -> None:
    root_iam.create_role(RoleName="InternalLambda-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    package = tmp_path / "function.zip"
    package.write_bytes(zip_of({"index.mjs": TUTORIAL_001_INTERNAL_LAMBDA}))
    run_aws_cli(moat.endpoint, ROOT, "lambda", "create-function", "--function-name", "InternalLambda", "--runtime", "nodejs20.x",
                "--handler", "index.handler", "--role", f"arn:aws:iam::{ACCOUNT_ID}:role/InternalLambda-role",
                "--zip-file", f"fileb://{package}")
    out = tmp_path / "out.json"
    run_aws_cli(moat.endpoint, ROOT, "lambda", "invoke", "--function-name", "InternalLambda",
                "--payload", '{"Records":[{"Sns":{"Message":"Agnes"}}]}', str(out))
    assert json.loads(out.read_text()) == {"statusCode": 200, "body": '"Hello Agnes. Greetings from InternalLambda!"'}
    logs = aws_client("logs", moat.endpoint, ROOT)
    wait_until(lambda: any("Request successfully received from SNS" in e["message"]
                           for e in logs.filter_log_events(logGroupName="/aws/lambda/InternalLambda")["events"]))


BOTO3_VERSION_PY = """
import boto3

def handler(event, context):
    return boto3.__version__
"""


@pytest.mark.network
def test_moat_installs_boto3_for_python_functions_itself(tmp_path: Any) -> None:
    from moat_support import MoatServer

    server = MoatServer(data_dir=tmp_path / "data", log_path=tmp_path / "moat.log", python_sdk=False)
    server.start()
    try:
        client = aws_client("lambda", server.endpoint, ROOT)
        role = aws_client("iam", server.endpoint, ROOT).create_role(
            RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        create(client, role, "sdk", {"app.py": BOTO3_VERSION_PY})
        installed = server.lambda_work_dir() / "python-sdk" / ".requirements"
        wait_until(installed.exists, timeout=180)
        response, version = invoke(client, "sdk")
        assert "FunctionError" not in response, version
        assert version == "1.43.11"
    finally:
        server.stop()


def test_payload_limits(lambda_client: Any, role_arn: str) -> None:
    create(lambda_client, role_arn, "echo", {"app.py": ECHO_PY})
    too_big = json.dumps({"name": "x" * (6 * 1024 * 1024)}).encode()
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(FunctionName="echo", Payload=too_big)
    assert error_code(refused.value) == "RequestEntityTooLargeException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert "Request must be smaller than 6291456 bytes for the InvokeFunction operation" in str(refused.value)
    with pytest.raises(ClientError) as event_refused:
        lambda_client.invoke(FunctionName="echo", InvocationType="Event", Payload=json.dumps({"name": "x" * 1_100_000}).encode())
    assert error_code(event_refused.value) == "RequestEntityTooLargeException"
    response, answer = invoke(lambda_client, "echo", {"name": "y" * (5 * 1024 * 1024)})
    assert "FunctionError" not in response, str(answer)[:500]
    assert answer["event"]["name"].startswith("yyy")
