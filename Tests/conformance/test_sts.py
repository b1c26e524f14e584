"""STS: caller identity of every kind of principal, AssumeRole durations, GetSessionToken."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

import pytest

from moat_support import (
    ACCOUNT_ID,
    ROOT_ARN,
    SECRET_ACCESS_KEY_PATTERN,
    TEMPORARY_ACCESS_KEY_ID_PATTERN,
    Creds,
    Role,
    User,
    allow,
    arn,
    aws_error,
    make_role,
    make_user,
    make_user_with_policy,
    utc_now,
)

pytestmark = pytest.mark.sts

USER_ID = re.compile(r"AIDA[A-Z0-9]{17}")
ROLE_ID = re.compile(r"AROA[A-Z0-9]{17}")


@pytest.fixture
def assumer(root_iam: Any) -> User:
    """A user trusted by name by the `worker` role."""
    return make_user(root_iam, "assumer")


@pytest.fixture
def worker(root_iam: Any, assumer: User) -> Role:
    return make_role(root_iam, "worker", assumer.arn)


def expires_in(credentials: dict[str, Any], seconds: int) -> bool:
    remaining = credentials["Expiration"] - utc_now()
    return abs(remaining - dt.timedelta(seconds=seconds)) < dt.timedelta(seconds=60)


def test_caller_identity_of_root(root_sts: Any) -> None:
    identity = root_sts.get_caller_identity()

    assert identity["Arn"] == ROOT_ARN == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert identity["Account"] == ACCOUNT_ID
    assert identity["UserId"] == ACCOUNT_ID


def test_caller_identity_of_a_user(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    user = make_user(root_iam, "identity-user", path="/people/")

    identity = sts_client(user.creds).get_caller_identity()

    assert identity["Arn"] == arn("user/people/identity-user")
    assert identity["Account"] == ACCOUNT_ID
    assert identity["UserId"] == user.user_id
    assert USER_ID.fullmatch(identity["UserId"]), identity["UserId"]


def test_caller_identity_of_an_assumed_role(sts_client: Callable[..., Any], assumer: User, worker: Role) -> None:
    response = sts_client(assumer.creds).assume_role(RoleArn=worker.arn, RoleSessionName="build-42")

    identity = sts_client(Creds.from_sts(response["Credentials"])).get_caller_identity()

    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/worker/build-42"
    assert identity["Account"] == ACCOUNT_ID
    assert ROLE_ID.fullmatch(worker.role_id), worker.role_id
    assert identity["UserId"] == f"{worker.role_id}:build-42"


def test_assume_role_returns_temporary_credentials(sts_client: Callable[..., Any], assumer: User, worker: Role) -> None:
    response = sts_client(assumer.creds).assume_role(RoleArn=worker.arn, RoleSessionName="default-duration")

    credentials = response["Credentials"]
    assert TEMPORARY_ACCESS_KEY_ID_PATTERN.fullmatch(credentials["AccessKeyId"]), credentials["AccessKeyId"]
    assert SECRET_ACCESS_KEY_PATTERN.fullmatch(credentials["SecretAccessKey"])
    assert len(credentials["SessionToken"]) >= 16
    assert expires_in(credentials, 3600), credentials["Expiration"]
    assert response["AssumedRoleUser"] == {
        "AssumedRoleId": f"{worker.role_id}:default-duration",
        "Arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/worker/default-duration",
    }


def test_assume_role_for_900_seconds(sts_client: Callable[..., Any], assumer: User, worker: Role) -> None:
    credentials = sts_client(assumer.creds).assume_role(
        RoleArn=worker.arn, RoleSessionName="short", DurationSeconds=900
    )["Credentials"]

    assert expires_in(credentials, 900), credentials["Expiration"]


def test_assume_role_for_less_than_900_seconds_is_validation_error(
    sts_client: Callable[..., Any], assumer: User, worker: Role
) -> None:
    with aws_error("ValidationError", 400):
        sts_client(assumer.creds, validate=False).assume_role(
            RoleArn=worker.arn, RoleSessionName="too-short", DurationSeconds=899
        )


def test_assume_role_beyond_max_session_duration_is_validation_error(
    sts_client: Callable[..., Any], assumer: User, worker: Role
) -> None:
    with aws_error("ValidationError", 400):
        sts_client(assumer.creds).assume_role(RoleArn=worker.arn, RoleSessionName="too-long", DurationSeconds=7200)


def test_assume_role_up_to_a_raised_max_session_duration(
    root_iam: Any, sts_client: Callable[..., Any], assumer: User
) -> None:
    long_role = make_role(root_iam, "long-worker", assumer.arn, max_session_duration=7200)

    credentials = sts_client(assumer.creds).assume_role(
        RoleArn=long_role.arn, RoleSessionName="long", DurationSeconds=7200
    )["Credentials"]

    assert expires_in(credentials, 7200), credentials["Expiration"]


def test_get_session_token_acts_as_the_user(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    user = make_user(root_iam, "session-user")

    response = sts_client(user.creds).get_session_token()

    credentials = response["Credentials"]
    assert TEMPORARY_ACCESS_KEY_ID_PATTERN.fullmatch(credentials["AccessKeyId"]), credentials["AccessKeyId"]
    assert SECRET_ACCESS_KEY_PATTERN.fullmatch(credentials["SecretAccessKey"])
    assert credentials["SessionToken"]
    assert expires_in(credentials, 43200), credentials["Expiration"]  # AWS's default: 12 hours
    identity = sts_client(Creds.from_sts(credentials)).get_caller_identity()
    assert identity["Arn"] == user.arn
    assert identity["UserId"] == user.user_id


def test_session_token_credentials_cannot_call_iam_without_mfa(
    root_iam: Any, sts_client: Callable[..., Any], iam_client: Callable[..., Any]
) -> None:
    # STS API Reference, GetSessionToken: "You cannot call any IAM API operations unless MFA authentication
    # information is included in the request."
    user = make_user_with_policy(root_iam, "session-admin", allow("iam:*"))
    iam_client(user.creds).list_users()
    session = Creds.from_sts(sts_client(user.creds).get_session_token(DurationSeconds=900)["Credentials"])
    with aws_error("AccessDenied", 403, "iam:ListUsers"):
        iam_client(session).list_users()
    with aws_error("AccessDenied", 403, "GetSessionToken"):
        sts_client(session).get_session_token()
