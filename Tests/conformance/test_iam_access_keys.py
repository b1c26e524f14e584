"""IAM access keys: the secret is shown once, keys sign requests, inactive and deleted keys are refused."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from moat_support import (
    ACCESS_KEY_ID_PATTERN,
    SECRET_ACCESS_KEY_PATTERN,
    Creds,
    MoatServer,
    arn,
    aws_error,
    make_user,
)

pytestmark = pytest.mark.iam


def test_create_access_key_returns_the_secret_once(root_iam: Any) -> None:
    root_iam.create_user(UserName="ivan")

    key = root_iam.create_access_key(UserName="ivan")["AccessKey"]

    assert key["UserName"] == "ivan"
    assert key["Status"] == "Active"
    assert ACCESS_KEY_ID_PATTERN.fullmatch(key["AccessKeyId"]), key["AccessKeyId"]
    assert SECRET_ACCESS_KEY_PATTERN.fullmatch(key["SecretAccessKey"]), "secret must be 40 characters"
    assert "CreateDate" in key

    listed = root_iam.list_access_keys(UserName="ivan")["AccessKeyMetadata"]
    assert [entry["AccessKeyId"] for entry in listed] == [key["AccessKeyId"]]
    assert listed[0]["Status"] == "Active"
    assert listed[0]["UserName"] == "ivan"
    assert all("SecretAccessKey" not in entry for entry in listed)


def test_each_key_is_distinct(root_iam: Any) -> None:
    root_iam.create_user(UserName="judy")

    first = root_iam.create_access_key(UserName="judy")["AccessKey"]
    second = root_iam.create_access_key(UserName="judy")["AccessKey"]

    assert first["AccessKeyId"] != second["AccessKeyId"]
    assert first["SecretAccessKey"] != second["SecretAccessKey"]


def test_a_new_key_signs_requests_as_its_user(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    root_iam.create_user(UserName="ken")
    creds = Creds.from_access_key(root_iam.create_access_key(UserName="ken")["AccessKey"])

    identity = sts_client(creds).get_caller_identity()

    assert identity["Arn"] == arn("user/ken")


def test_at_most_two_keys_per_user(root_iam: Any) -> None:
    root_iam.create_user(UserName="leo")
    root_iam.create_access_key(UserName="leo")
    root_iam.create_access_key(UserName="leo")

    with aws_error("LimitExceeded", 409):
        root_iam.create_access_key(UserName="leo")
    assert len(root_iam.list_access_keys(UserName="leo")["AccessKeyMetadata"]) == 2


def test_inactive_key_is_refused_until_reactivated(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    root_iam.create_user(UserName="mallory")
    creds = Creds.from_access_key(root_iam.create_access_key(UserName="mallory")["AccessKey"])

    root_iam.update_access_key(UserName="mallory", AccessKeyId=creds.access_key_id, Status="Inactive")

    listed = root_iam.list_access_keys(UserName="mallory")["AccessKeyMetadata"]
    assert [entry["Status"] for entry in listed] == ["Inactive"]
    with aws_error("InvalidClientTokenId", 403):
        sts_client(creds).get_caller_identity()

    root_iam.update_access_key(UserName="mallory", AccessKeyId=creds.access_key_id, Status="Active")
    assert sts_client(creds).get_caller_identity()["Arn"] == arn("user/mallory")


def test_deleted_key_is_refused(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    root_iam.create_user(UserName="niaj")
    creds = Creds.from_access_key(root_iam.create_access_key(UserName="niaj")["AccessKey"])
    sts_client(creds).get_caller_identity()

    root_iam.delete_access_key(UserName="niaj", AccessKeyId=creds.access_key_id)

    assert root_iam.list_access_keys(UserName="niaj")["AccessKeyMetadata"] == []
    with aws_error("InvalidClientTokenId", 403):
        sts_client(creds).get_caller_identity()


def test_unknown_access_key_of_a_user_is_no_such_entity(root_iam: Any) -> None:
    root_iam.create_user(UserName="olivia")

    with aws_error("NoSuchEntity", 404):
        root_iam.delete_access_key(UserName="olivia", AccessKeyId="AKIAAAAAAAAAAAAAAAAA")


def test_last_use_of_a_key_is_recorded(root_iam: Any, sts_client: Callable[..., Any], iam_client: Callable[..., Any]) -> None:
    user = make_user(root_iam, "tracked")
    assert user.creds is not None
    before = root_iam.get_access_key_last_used(AccessKeyId=user.creds.access_key_id)
    assert before["UserName"] == "tracked"
    assert before["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert "LastUsedDate" not in before["AccessKeyLastUsed"]

    with aws_error("AccessDenied", 403):
        iam_client(user.creds).list_users()
    after = root_iam.get_access_key_last_used(AccessKeyId=user.creds.access_key_id)["AccessKeyLastUsed"]
    assert after["ServiceName"] == "iam"
    assert after["Region"] == "us-east-1"
    assert "LastUsedDate" in after


def test_no_secret_reaches_the_log(start_moat: Callable[..., MoatServer]) -> None:
    server = start_moat(extra_args=("--log-level", "trace"))
    root_iam = server.iam()
    user = make_user(root_iam, "quiet")
    assert user.creds is not None
    server.sts(user.creds).get_caller_identity()
    session = server.sts(user.creds).get_session_token(DurationSeconds=900)["Credentials"]
    with aws_error("SignatureDoesNotMatch", 403):
        server.sts(Creds(user.creds.access_key_id, "x" * 40)).get_caller_identity()
    log = server.output()
    assert "request answered" in log, "the trace log should record requests"
    for secret in (user.creds.secret_access_key, session["SecretAccessKey"], session["SessionToken"]):
        assert secret not in log
