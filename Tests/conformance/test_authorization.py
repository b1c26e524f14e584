"""IAM policy evaluation, call by call: implicit deny, allow, explicit deny, managed policies, variables, conditions."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from moat_support import ACCOUNT_ID, allow, arn, aws_error, deny, make_user, make_user_with_policy, policy

pytestmark = pytest.mark.authorization

NOT_AUTHORIZED = "is not authorized to perform"


def test_allowed_actions_work_and_others_are_access_denied(root_iam: Any, iam_client: Callable[..., Any]) -> None:
    reader = make_user_with_policy(root_iam, "reader", allow(["iam:ListUsers", "iam:GetUser"]))
    iam = iam_client(reader.creds)

    assert "reader" in [user["UserName"] for user in iam.list_users()["Users"]]
    assert iam.get_user(UserName="reader")["User"]["Arn"] == reader.arn

    with aws_error(
        "AccessDenied", 403,
        f"is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{ACCOUNT_ID}:user/newcomer",
    ):
        iam.create_user(UserName="newcomer")
    with aws_error("NoSuchEntity", 404):
        root_iam.get_user(UserName="newcomer")


def test_access_denied_names_the_caller(root_iam: Any, iam_client: Callable[..., Any]) -> None:
    reader = make_user_with_policy(root_iam, "reader", allow("iam:ListUsers"))

    with aws_error("AccessDenied", 403, reader.arn, NOT_AUTHORIZED, "iam:ListRoles"):
        iam_client(reader.creds).list_roles()


def test_user_without_policies_is_refused_everything_but_caller_identity(
    root_iam: Any, iam_client: Callable[..., Any], sts_client: Callable[..., Any]
) -> None:
    nobody = make_user(root_iam, "powerless")
    iam = iam_client(nobody.creds)

    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        iam.list_users()
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        iam.get_user(UserName="powerless")
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        iam.create_user(UserName="other")

    assert sts_client(nobody.creds).get_caller_identity()["Arn"] == nobody.arn


def test_explicit_deny_wins_over_allow(root_iam: Any, iam_client: Callable[..., Any]) -> None:
    admin = make_user_with_policy(root_iam, "almost-admin", allow("iam:*"), deny("iam:DeleteUser"))
    iam = iam_client(admin.creds)

    iam.create_user(UserName="victim")
    with aws_error("AccessDenied", 403, "iam:DeleteUser", "with an explicit deny"):
        iam.delete_user(UserName="victim")

    assert root_iam.get_user(UserName="victim")["User"]["UserName"] == "victim"


def test_managed_policy_grants_until_detached(root_iam: Any, iam_client: Callable[..., Any]) -> None:
    policy_arn = root_iam.create_policy(PolicyName="list-users", PolicyDocument=policy(allow("iam:ListUsers")))["Policy"]["Arn"]
    user = make_user_with_policy(root_iam, "managed", managed_policy_arns=[policy_arn])
    iam = iam_client(user.creds)

    assert "managed" in [entry["UserName"] for entry in iam.list_users()["Users"]]

    root_iam.detach_user_policy(UserName="managed", PolicyArn=policy_arn)

    with aws_error("AccessDenied", 403, NOT_AUTHORIZED, "iam:ListUsers"):
        iam.list_users()


def test_new_default_policy_version_applies_on_the_next_call(root_iam: Any, iam_client: Callable[..., Any]) -> None:
    policy_arn = root_iam.create_policy(PolicyName="versioned", PolicyDocument=policy(allow("iam:ListUsers")))["Policy"]["Arn"]
    user = make_user_with_policy(root_iam, "versioned-user", managed_policy_arns=[policy_arn])
    iam = iam_client(user.creds)
    iam.list_users()

    root_iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=policy(allow("iam:ListRoles")), SetAsDefault=True)

    iam.list_roles()
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        iam.list_users()


def test_resource_scoped_to_own_user_name(root_iam: Any, iam_client: Callable[..., Any]) -> None:
    own = make_user_with_policy(
        root_iam, "self-reader", allow("iam:GetUser", f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}")
    )
    root_iam.create_user(UserName="someone-else")
    iam = iam_client(own.creds)

    assert iam.get_user(UserName="self-reader")["User"]["Arn"] == own.arn
    with aws_error(
        "AccessDenied", 403, f"is not authorized to perform: iam:GetUser on resource: {arn('user/someone-else')}"
    ):
        iam.get_user(UserName="someone-else")


@pytest.mark.parametrize(
    ("cidr", "allowed"), [("127.0.0.0/8", True), ("10.0.0.0/8", False)], ids=["loopback-allowed", "other-refused"]
)
def test_source_ip_condition(root_iam: Any, iam_client: Callable[..., Any], cidr: str, allowed: bool) -> None:
    user = make_user_with_policy(
        root_iam, "ip-bound", allow("iam:ListUsers", condition={"IpAddress": {"aws:SourceIp": cidr}})
    )
    iam = iam_client(user.creds)

    if allowed:
        assert "ip-bound" in [entry["UserName"] for entry in iam.list_users()["Users"]]
    else:
        with aws_error("AccessDenied", 403, NOT_AUTHORIZED, "iam:ListUsers"):
            iam.list_users()

