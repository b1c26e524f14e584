"""IAM users through boto3: create, get, list with pagination, update, delete, and their errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from moat_support import ACCOUNT_ID, arn, aws_error, policy, allow, utc_now

pytestmark = pytest.mark.iam

USER_ID = re.compile(r"AIDA[A-Z0-9]{17}")


def test_create_user_with_path_and_tags(root_iam: Any) -> None:
    response = root_iam.create_user(
        UserName="alice", Path="/engineering/", Tags=[{"Key": "team", "Value": "platform"}]
    )

    user = response["User"]
    assert user["UserName"] == "alice"
    assert user["Path"] == "/engineering/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/engineering/alice"
    assert USER_ID.fullmatch(user["UserId"]), user["UserId"]
    assert abs(user["CreateDate"] - utc_now()) < dt.timedelta(minutes=5)
    assert user.get("Tags") == [{"Key": "team", "Value": "platform"}]
    assert response["ResponseMetadata"]["RequestId"]


def test_get_user_returns_what_was_created(root_iam: Any) -> None:
    created = root_iam.create_user(UserName="bob", Path="/ops/", Tags=[{"Key": "env", "Value": "dev"}])["User"]

    user = root_iam.get_user(UserName="bob")["User"]

    assert user["UserName"] == "bob"
    assert user["UserId"] == created["UserId"]
    assert user["Arn"] == created["Arn"] == arn("user/ops/bob")
    assert user["Path"] == "/ops/"
    assert user.get("Tags") == [{"Key": "env", "Value": "dev"}]


def test_list_users_paginates_with_max_items_and_marker(root_iam: Any) -> None:
    names = [f"pager-{index}" for index in range(5)]
    for name in names:
        root_iam.create_user(UserName=name)

    seen: list[str] = []
    page_sizes: list[int] = []
    marker: str | None = None
    while True:
        page = root_iam.list_users(MaxItems=2, **({"Marker": marker} if marker else {}))
        page_sizes.append(len(page["Users"]))
        seen.extend(user["UserName"] for user in page["Users"])
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
        assert marker, "a truncated page must carry a Marker"
        assert len(page_sizes) < 10, "pagination does not end"

    assert page_sizes == [2, 2, 1]
    assert sorted(seen) == sorted(names)


def test_list_users_without_max_items_returns_everything(root_iam: Any) -> None:
    for name in ("carol", "dave"):
        root_iam.create_user(UserName=name, Path="/team/")

    page = root_iam.list_users()

    assert page["IsTruncated"] is False
    assert sorted(user["UserName"] for user in page["Users"]) == ["carol", "dave"]
    assert all(user["Arn"] == arn(f"user/team/{user['UserName']}") for user in page["Users"])


def test_update_user_renames_and_moves(root_iam: Any) -> None:
    created = root_iam.create_user(UserName="erin", Path="/old/")["User"]

    root_iam.update_user(UserName="erin", NewUserName="erin2", NewPath="/new/")

    with aws_error("NoSuchEntity", 404):
        root_iam.get_user(UserName="erin")
    user = root_iam.get_user(UserName="erin2")["User"]
    assert user["Path"] == "/new/"
    assert user["Arn"] == arn("user/new/erin2")
    assert user["UserId"] == created["UserId"]


def test_delete_user(root_iam: Any) -> None:
    root_iam.create_user(UserName="frank")

    root_iam.delete_user(UserName="frank")

    with aws_error("NoSuchEntity", 404):
        root_iam.get_user(UserName="frank")
    assert "frank" not in [user["UserName"] for user in root_iam.list_users()["Users"]]


@pytest.mark.parametrize("second_name", ["grace", "GRACE"], ids=["same-name", "names-ignore-case"])
def test_duplicate_user_is_entity_already_exists(root_iam: Any, second_name: str) -> None:
    root_iam.create_user(UserName="grace")

    with aws_error("EntityAlreadyExists", 409):
        root_iam.create_user(UserName=second_name)


@pytest.mark.parametrize("operation", ["get_user", "delete_user", "update_user", "create_access_key"])
def test_unknown_user_is_no_such_entity(root_iam: Any, operation: str) -> None:
    kwargs: dict[str, str] = {"UserName": "nobody"}
    if operation == "update_user":
        kwargs["NewPath"] = "/x/"

    with aws_error("NoSuchEntity", 404):
        getattr(root_iam, operation)(**kwargs)


@pytest.mark.parametrize("dependency", ["access key", "inline policy", "managed policy"])
def test_deleting_a_user_with_dependents_is_delete_conflict(root_iam: Any, dependency: str) -> None:
    root_iam.create_user(UserName="heidi")
    if dependency == "access key":
        key_id = root_iam.create_access_key(UserName="heidi")["AccessKey"]["AccessKeyId"]
        undo = lambda: root_iam.delete_access_key(UserName="heidi", AccessKeyId=key_id)  # noqa: E731
    elif dependency == "inline policy":
        root_iam.put_user_policy(UserName="heidi", PolicyName="p", PolicyDocument=policy(allow("iam:GetUser")))
        undo = lambda: root_iam.delete_user_policy(UserName="heidi", PolicyName="p")  # noqa: E731
    else:
        policy_arn = root_iam.create_policy(PolicyName="p", PolicyDocument=policy(allow("iam:GetUser")))["Policy"]["Arn"]
        root_iam.attach_user_policy(UserName="heidi", PolicyArn=policy_arn)
        undo = lambda: root_iam.detach_user_policy(UserName="heidi", PolicyArn=policy_arn)  # noqa: E731

    with aws_error("DeleteConflict", 409):
        root_iam.delete_user(UserName="heidi")
    root_iam.get_user(UserName="heidi")

    undo()
    root_iam.delete_user(UserName="heidi")
    with aws_error("NoSuchEntity", 404):
        root_iam.get_user(UserName="heidi")
