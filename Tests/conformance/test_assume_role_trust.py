"""AssumeRole trust: who may assume a role, and what the session may do afterwards."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from moat_support import ACCOUNT_ID, ROOT_ARN, allow, assume, aws_error, make_role, make_user, make_user_with_policy, policy

pytestmark = pytest.mark.trust

ASSUME_REFUSED = "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{account}:role/{role}"


def refused(role: str) -> str:
    return ASSUME_REFUSED.format(account=ACCOUNT_ID, role=role)


def test_role_trusting_another_user_is_refused(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    other = make_user(root_iam, "other", with_key=False)
    me = make_user_with_policy(root_iam, "me", allow("sts:AssumeRole"))
    role = make_role(root_iam, "not-mine", other.arn)

    with aws_error("AccessDenied", 403, refused("not-mine")):
        assume(sts_client(me.creds), role, "attempt")


def test_role_trusting_the_user_by_arn_needs_no_identity_policy(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    me = make_user(root_iam, "me")
    role = make_role(root_iam, "mine", me.arn)

    creds = assume(sts_client(me.creds), role, "ok")

    assert sts_client(creds).get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/mine/ok"


def test_role_trusting_the_account_needs_an_identity_policy(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    role = make_role(root_iam, "account-wide", ROOT_ARN)
    without = make_user(root_iam, "without-policy")
    with_policy = make_user_with_policy(root_iam, "with-policy", allow("sts:AssumeRole", role.arn))

    with aws_error("AccessDenied", 403, refused("account-wide")):
        assume(sts_client(without.creds), role, "denied")

    creds = assume(sts_client(with_policy.creds), role, "granted")
    assert sts_client(creds).get_caller_identity()["Arn"].endswith(":assumed-role/account-wide/granted")


def test_assumed_role_acts_within_its_policies(
    root_iam: Any, iam_client: Callable[..., Any], sts_client: Callable[..., Any]
) -> None:
    me = make_user(root_iam, "me")
    role = make_role(root_iam, "role-lister", me.arn, allow("iam:ListRoles"))
    iam = iam_client(assume(sts_client(me.creds), role, "listing"))

    assert "role-lister" in [entry["RoleName"] for entry in iam.list_roles()["Roles"]]
    with aws_error(
        "AccessDenied", 403,
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/role-lister/listing",
        "is not authorized to perform: iam:CreateUser",
    ):
        iam.create_user(UserName="from-role")


def test_assumed_role_does_not_inherit_the_callers_permissions(
    root_iam: Any, iam_client: Callable[..., Any], sts_client: Callable[..., Any]
) -> None:
    me = make_user_with_policy(root_iam, "mighty", allow("iam:*"))
    role = make_role(root_iam, "weak", me.arn, allow("iam:ListRoles"))
    iam = iam_client(assume(sts_client(me.creds), role, "weak-session"))

    with aws_error("AccessDenied", 403):
        iam.list_users()


def test_session_policy_narrows_the_role(
    root_iam: Any, iam_client: Callable[..., Any], sts_client: Callable[..., Any]
) -> None:
    me = make_user(root_iam, "me")
    role = make_role(root_iam, "lister", me.arn, allow("iam:List*"))
    creds = assume(sts_client(me.creds), role, "narrow", Policy=policy(allow("iam:ListRoles")))
    iam = iam_client(creds)

    iam.list_roles()
    with aws_error("AccessDenied", 403, "iam:ListUsers"):
        iam.list_users()

    unrestricted = iam_client(assume(sts_client(me.creds), role, "wide"))
    unrestricted.list_users()


def test_a_trust_policy_can_require_an_external_id(root_iam: Any, sts_client: Callable[..., Any]) -> None:
    # IAM User Guide, "How to use an external ID when granting access to your AWS resources to a third party".
    partner = make_user(root_iam, "partner")
    root_iam.create_role(
        RoleName="partner-access",
        AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": partner.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}},
            }],
        }),
    )
    role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/partner-access"
    with aws_error("AccessDenied", 403, "sts:AssumeRole"):
        sts_client(partner.creds).assume_role(RoleArn=role_arn, RoleSessionName="no-id")
    with aws_error("AccessDenied", 403, "sts:AssumeRole"):
        sts_client(partner.creds).assume_role(RoleArn=role_arn, RoleSessionName="wrong-id", ExternalId="Other-ID-0000")
    granted = sts_client(partner.creds).assume_role(RoleArn=role_arn, RoleSessionName="with-id", ExternalId="Unique-ID-1234")
    assert granted["AssumedRoleUser"]["Arn"].endswith(":assumed-role/partner-access/with-id")
