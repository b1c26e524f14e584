"""CloudWatch Logs through boto3, the AWS CLI and `moat logs tail`: groups, streams, events, tokens, filter patterns."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest

from moat_support import ACCOUNT_ID, REGION, ROOT, MoatServer, aws_client, aws_error, isolated_environment, moat_binary, run_aws_cli

pytestmark = pytest.mark.logs


@pytest.fixture
def logs(moat: MoatServer) -> Any:
    return aws_client("logs", moat.endpoint, ROOT)


def now_ms() -> int:
    return int(time.time() * 1000)


def put(logs: Any, group: str, stream: str, messages: list[str], start: int | None = None) -> dict[str, Any]:
    base = start if start is not None else now_ms() - 10_000
    events = [{"timestamp": base + index, "message": message} for index, message in enumerate(messages)]
    return logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def test_group_lifecycle_retention_and_tags(logs: Any) -> None:
    logs.create_log_group(logGroupName="/app/one", tags={"team": "a"})
    logs.create_log_group(logGroupName="/app/two")
    logs.create_log_group(logGroupName="/other")
    with aws_error("ResourceAlreadyExistsException", 400, "already exists"):
        logs.create_log_group(logGroupName="/app/one")

    described = logs.describe_log_groups(logGroupNamePrefix="/app/")
    assert [group["logGroupName"] for group in described["logGroups"]] == ["/app/one", "/app/two"]
    first = described["logGroups"][0]
    assert first["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/app/one:*"
    assert first["logGroupArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/app/one"
    assert "retentionInDays" not in first

    paged = logs.describe_log_groups(limit=2)
    assert len(paged["logGroups"]) == 2 and "nextToken" in paged
    rest = logs.describe_log_groups(limit=2, nextToken=paged["nextToken"])
    assert [group["logGroupName"] for group in rest["logGroups"]] == ["/other"]
    assert "nextToken" not in rest

    logs.put_retention_policy(logGroupName="/app/one", retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix="/app/one")["logGroups"][0]["retentionInDays"] == 7
    with aws_error("InvalidParameterException", 400, "retentionInDays"):
        logs.put_retention_policy(logGroupName="/app/one", retentionInDays=2)
    logs.delete_retention_policy(logGroupName="/app/one")
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="/app/one")["logGroups"][0]

    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/app/one"
    assert logs.list_tags_for_resource(resourceArn=group_arn)["tags"] == {"team": "a"}
    logs.tag_resource(resourceArn=group_arn, tags={"env": "dev"})
    logs.untag_resource(resourceArn=group_arn, tagKeys=["team"])
    assert logs.list_tags_for_resource(resourceArn=group_arn)["tags"] == {"env": "dev"}

    logs.delete_log_group(logGroupName="/app/one")
    with aws_error("ResourceNotFoundException", 400, "The specified log group does not exist."):
        logs.delete_log_group(logGroupName="/app/one")


def test_stream_lifecycle_and_ordering(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    for name in ["b", "a", "c"]:
        logs.create_log_stream(logGroupName="g", logStreamName=name)
    with aws_error("ResourceAlreadyExistsException", 400, "log stream already exists"):
        logs.create_log_stream(logGroupName="g", logStreamName="a")
    with aws_error("ResourceNotFoundException", 400, "log group does not exist"):
        logs.create_log_stream(logGroupName="missing", logStreamName="a")

    base = now_ms() - 60_000
    put(logs, "g", "c", ["first"], start=base)
    put(logs, "g", "a", ["last"], start=base + 1000)
    by_name = logs.describe_log_streams(logGroupName="g")["logStreams"]
    assert [stream["logStreamName"] for stream in by_name] == ["a", "b", "c"]
    assert by_name[0]["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:g:log-stream:a"
    latest_first = logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime", descending=True)["logStreams"]
    assert [stream["logStreamName"] for stream in latest_first][:2] == ["a", "c"]
    assert latest_first[0]["lastEventTimestamp"] == base + 1000
    with aws_error("InvalidParameterException", 400, "Cannot order by LastEventTime with a logStreamNamePrefix"):
        logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime", logStreamNamePrefix="a")
    paged = logs.describe_log_streams(logGroupName="g", limit=2)
    following = logs.describe_log_streams(logGroupName="g", limit=2, nextToken=paged["nextToken"])
    assert [stream["logStreamName"] for stream in following["logStreams"]] == ["c"]

    logs.delete_log_stream(logGroupName="g", logStreamName="a")
    with aws_error("ResourceNotFoundException", 400, "The specified log stream does not exist."):
        logs.delete_log_stream(logGroupName="g", logStreamName="a")


def test_put_and_get_with_tokens(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    answer = put(logs, "g", "s", [f"line {index}" for index in range(5)])
    assert "rejectedLogEventsInfo" not in answer
    # Sequence tokens are accepted and ignored, as AWS does now.
    logs.put_log_events(
        logGroupName="g", logStreamName="s", sequenceToken="nonsense",
        logEvents=[{"timestamp": now_ms() - 5_000, "message": "line 5"}],
    )

    head = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True, limit=4)
    assert [event["message"] for event in head["events"]] == ["line 0", "line 1", "line 2", "line 3"]
    assert head["nextForwardToken"].startswith("f/") and head["nextBackwardToken"].startswith("b/")
    following = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=head["nextForwardToken"])
    assert [event["message"] for event in following["events"]] == ["line 4", "line 5"]
    end = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=following["nextForwardToken"])
    assert end["events"] == []
    assert end["nextForwardToken"] == following["nextForwardToken"]

    tail = logs.get_log_events(logGroupName="g", logStreamName="s", limit=2)
    assert [event["message"] for event in tail["events"]] == ["line 4", "line 5"]
    back = logs.get_log_events(logGroupName="g", logStreamName="s", limit=2, nextToken=tail["nextBackwardToken"])
    assert [event["message"] for event in back["events"]] == ["line 2", "line 3"]

    with aws_error("ResourceNotFoundException", 400, "log stream does not exist"):
        logs.get_log_events(logGroupName="g", logStreamName="missing")


def test_put_log_events_batch_rules(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = now_ms()
    with aws_error("InvalidParameterException", 400, "chronological order"):
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
    with aws_error("InvalidParameterException", 400, "24 hours"):
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": now - 25 * 3_600_000, "message": "a"}, {"timestamp": now, "message": "b"}])
    big = "x" * 300_000
    with aws_error("InvalidParameterException", 400, "Upload too large"):
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": now, "message": big} for _ in range(4)])
    answer = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": now - 15 * 86_400_000, "message": "too old"},
        {"timestamp": now - 15 * 86_400_000 + 1, "message": "too old"},
    ])
    assert answer["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}
    answer = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": now, "message": "fine"},
        {"timestamp": now + 3 * 3_600_000, "message": "too new"},
    ])
    assert answer["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    stored = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)["events"]
    assert [event["message"] for event in stored] == ["fine"]
    with aws_error("ResourceNotFoundException", 400, "log group does not exist"):
        logs.put_log_events(logGroupName="nope", logStreamName="s", logEvents=[{"timestamp": now, "message": "a"}])
    with aws_error("InvalidParameterException", 400):
        aws_client("logs", logs.meta.endpoint_url, ROOT, validate=False).put_log_events(
            logGroupName="g", logStreamName="s", logEvents=[])


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ERROR", ["ERROR disk full", "ERROR Exception in thread"]),
        ("ERROR Exception", ["ERROR Exception in thread"]),
        ("?WARN ?Exception", ["WARN slow", "ERROR Exception in thread", "WARN slow request 503"]),
        ("ERROR -disk", ["ERROR Exception in thread"]),
        ('"disk full"', ["ERROR disk full"]),
        ('{ $.level = "error" }', ['{"level": "error", "latency": 250, "user": {"id": 42}}']),
        ("{ $.latency > 100 }", ['{"level": "error", "latency": 250, "user": {"id": 42}}']),
        ("{ $.user.id = 42 && $.level = \"e*\" }", ['{"level": "error", "latency": 250, "user": {"id": 42}}']),
        ("{ $.level = \"info\" || $.latency > 200 }",
         ['{"level": "info", "latency": 5}', '{"level": "error", "latency": 250, "user": {"id": 42}}']),
        ("{ $.user NOT EXISTS }", ['{"level": "info", "latency": 5}']),
        ("[level, ..., code = 503]", ["WARN slow request 503"]),
        ("[level = WARN, ..., code >= 500]", ["WARN slow request 503"]),
    ],
)
def test_filter_patterns(logs: Any, pattern: str, expected: list[str]) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="a")
    logs.create_log_stream(logGroupName="g", logStreamName="b")
    base = now_ms() - 60_000
    put(logs, "g", "a", ["ERROR disk full", '{"level": "info", "latency": 5}'], start=base)
    put(logs, "g", "b", ["WARN slow", "ERROR Exception in thread", '{"level": "error", "latency": 250, "user": {"id": 42}}',
                         "WARN slow request 503"], start=base + 10)
    found = logs.filter_log_events(logGroupName="g", filterPattern=pattern)
    assert [event["message"] for event in found["events"]] == expected


def test_filter_streams_pages_and_errors(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    for stream in ["app-1", "app-2", "other"]:
        logs.create_log_stream(logGroupName="g", logStreamName=stream)
    base = now_ms() - 60_000
    for offset, stream in enumerate(["app-1", "app-2", "other"]):
        put(logs, "g", stream, [f"hello from {stream}"], start=base + offset)
    prefixed = logs.filter_log_events(logGroupName="g", logStreamNamePrefix="app-")
    assert [event["logStreamName"] for event in prefixed["events"]] == ["app-1", "app-2"]
    named = logs.filter_log_events(logGroupName="g", logStreamNames=["other"])
    assert [event["message"] for event in named["events"]] == ["hello from other"]
    first = logs.filter_log_events(logGroupName="g", limit=2)
    assert len(first["events"]) == 2 and "nextToken" in first
    second = logs.filter_log_events(logGroupName="g", limit=2, nextToken=first["nextToken"])
    assert [event["logStreamName"] for event in second["events"]] == ["other"]
    windowed = logs.filter_log_events(logGroupName="g", startTime=base + 1, endTime=base + 2)
    assert [event["logStreamName"] for event in windowed["events"]] == ["app-2"]
    paginated = [event for page in logs.get_paginator("filter_log_events").paginate(logGroupName="g", limit=1)
                 for event in page["events"]]
    assert len(paginated) == 3

    with aws_error("InvalidParameterException", 400, "Invalid character(s) in term ':'"):
        logs.filter_log_events(logGroupName="g", filterPattern="Status: timeout")
    with aws_error("InvalidParameterException", 400):
        logs.filter_log_events(logGroupName="g", filterPattern="{ $.a = ")
    with aws_error("InvalidParameterException", 400):
        logs.filter_log_events(logGroupName="g", logStreamNames=["a"], logStreamNamePrefix="a")
    with aws_error("ResourceNotFoundException", 400, "log group does not exist"):
        logs.filter_log_events(logGroupName="missing")


def test_logs_with_the_aws_cli(moat: MoatServer) -> None:
    run_aws_cli(moat.endpoint, ROOT, "logs", "create-log-group", "--log-group-name", "/cli/group")
    run_aws_cli(moat.endpoint, ROOT, "logs", "create-log-stream", "--log-group-name", "/cli/group", "--log-stream-name", "s")
    events = json.dumps([{"timestamp": now_ms() - 1000, "message": "ERROR from the cli"},
                         {"timestamp": now_ms() - 500, "message": "INFO from the cli"}])
    run_aws_cli(moat.endpoint, ROOT, "logs", "put-log-events", "--log-group-name", "/cli/group",
                "--log-stream-name", "s", "--log-events", events)
    found = run_aws_cli(moat.endpoint, ROOT, "logs", "filter-log-events", "--log-group-name", "/cli/group",
                        "--filter-pattern", "ERROR")
    assert [event["message"] for event in found["events"]] == ["ERROR from the cli"]
    failed = run_aws_cli(moat.endpoint, ROOT, "logs", "create-log-group", "--log-group-name", "/cli/group",
                         expect_failure=True)
    assert "ResourceAlreadyExistsException" in failed.stderr


def test_a_denied_caller_gets_access_denied(moat: MoatServer, logs: Any) -> None:
    iam = moat.iam()
    iam.create_user(UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    iam.put_user_policy(UserName="reader", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:FilterLogEvents",
                       "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/allowed:*"}],
    }))
    from moat_support import Creds
    reader = aws_client("logs", moat.endpoint, Creds.from_access_key(key))
    logs.create_log_group(logGroupName="/allowed")
    logs.create_log_group(logGroupName="/secret")
    assert reader.filter_log_events(logGroupName="/allowed")["events"] == []
    with aws_error("AccessDeniedException", 400):
        reader.filter_log_events(logGroupName="/secret")
    with aws_error("AccessDeniedException", 400):
        reader.create_log_group(logGroupName="/mine")


def test_moat_logs_tail(moat: MoatServer, logs: Any) -> None:
    logs.create_log_group(logGroupName="/aws/lambda/echo")
    logs.create_log_stream(logGroupName="/aws/lambda/echo", logStreamName="2026/01/01/[$LATEST]abc")
    put(logs, "/aws/lambda/echo", "2026/01/01/[$LATEST]abc", ["START RequestId: 1", "hello tail", "END RequestId: 1"])
    env = isolated_environment({
        "AWS_ACCESS_KEY_ID": ROOT.access_key_id,
        "AWS_SECRET_ACCESS_KEY": ROOT.secret_access_key,
        "AWS_ENDPOINT_URL": moat.endpoint,
        "AWS_DEFAULT_REGION": REGION,
    })
    completed = subprocess.run([str(moat_binary()), "logs", "tail", "echo", "--since", "10m"], env=env,
                               capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == 3
    assert lines[1].split(" ", 2)[1:] == ["2026/01/01/[$LATEST]abc", "hello tail"]
    missing = subprocess.run([str(moat_binary()), "logs", "tail", "/no/such/group"], env=env,
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr


def test_moat_logs_tail_follows_new_events(moat: MoatServer, logs: Any) -> None:
    logs.create_log_group(logGroupName="/aws/lambda/follow")
    logs.create_log_stream(logGroupName="/aws/lambda/follow", logStreamName="s")
    put(logs, "/aws/lambda/follow", "s", ["before"])
    env = isolated_environment({
        "AWS_ACCESS_KEY_ID": ROOT.access_key_id,
        "AWS_SECRET_ACCESS_KEY": ROOT.secret_access_key,
        "AWS_ENDPOINT_URL": moat.endpoint,
        "AWS_DEFAULT_REGION": REGION,
    })
    follower = subprocess.Popen([str(moat_binary()), "logs", "tail", "follow", "--follow", "--since", "10m"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        put(logs, "/aws/lambda/follow", "s", ["after one", "after two"])
        time.sleep(2.5)
    finally:
        follower.terminate()
        out, err = follower.communicate(timeout=10)
    messages = [line.split(" ", 2)[2] for line in out.splitlines() if line.count(" ") >= 2]
    assert messages == ["before", "after one", "after two"], (out, err)
