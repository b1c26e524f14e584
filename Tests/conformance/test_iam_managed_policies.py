"""Customer managed policies: create, get, list, versions, attachment to users and roles."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from moat_support import ACCOUNT_ID, allow, arn, aws_error, policy, trust_policy

pytestmark = pytest.mark.iam

POLICY_ID = re.compile(r"ANPA[A-Z0-9]{17}")
V1 = policy(allow("iam:ListUsers"))
V2 = policy(allow(["iam:ListUsers", "iam:GetUser"]))


def create(iam: Any, name: str = "readers", document: str = V1, **kwargs: Any) -> dict[str, Any]:
    return iam.create_policy(PolicyName=name, PolicyDocument=document, **kwargs)["Policy"]


def test_create_and_get_policy(root_iam: Any) -> None:
    created = create(root_iam, Path="/app/", Description="read users")

    assert created["PolicyName"] == "readers"
    assert created["Arn"] == arn("policy/app/readers")
    assert created["Path"] == "/app/"
    assert POLICY_ID.fullmatch(created["PolicyId"]), created["PolicyId"]
    assert created["DefaultVersionId"] == "v1"
    assert created["AttachmentCount"] == 0
    assert created["IsAttachable"] is True

    fetched = root_iam.get_policy(PolicyArn=created["Arn"])["Policy"]
    assert fetched["PolicyId"] == created["PolicyId"]
    assert fetched["DefaultVersionId"] == "v1"
    assert fetched.get("Description") == "read users"


def test_list_local_policies(root_iam: Any) -> None:
    mine = {create(root_iam, name)["Arn"] for name in ("one", "two")}

    listed = root_iam.list_policies(Scope="Local")["Policies"]

    assert {entry["Arn"] for entry in listed} == mine
    assert all(entry["Arn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:policy/") for entry in listed)


def test_policy_versions_lifecycle(root_iam: Any) -> None:
    policy_arn = create(root_iam)["Arn"]

    created = root_iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=V2, SetAsDefault=True)["PolicyVersion"]
    assert created["VersionId"] == "v2"
    assert created["IsDefaultVersion"] is True
    assert root_iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"] == "v2"

    versions = root_iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    assert {(entry["VersionId"], entry["IsDefaultVersion"]) for entry in versions} == {("v1", False), ("v2", True)}

    first = root_iam.get_policy_version(PolicyArn=policy_arn, VersionId="v1")["PolicyVersion"]
    assert first["Document"] == json.loads(V1)
    assert first["IsDefaultVersion"] is False

    root_iam.set_default_policy_version(PolicyArn=policy_arn, VersionId="v1")
    assert root_iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"] == "v1"

    root_iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")
    assert [entry["VersionId"] for entry in root_iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]] == ["v1"]
    with aws_error("NoSuchEntity", 404):
        root_iam.get_policy_version(PolicyArn=policy_arn, VersionId="v2")


def test_deleting_the_default_version_is_delete_conflict(root_iam: Any) -> None:
    policy_arn = create(root_iam)["Arn"]
    root_iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=V2, SetAsDefault=True)

    with aws_error("DeleteConflict", 409):
        root_iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")


def test_at_most_five_versions(root_iam: Any) -> None:
    policy_arn = create(root_iam)["Arn"]
    for _ in range(4):
        root_iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=V2)
    assert len(root_iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]) == 5

    with aws_error("LimitExceeded", 409):
        root_iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=V2)


@pytest.mark.parametrize("kind", ["user", "role"])
def test_attach_list_detach(root_iam: Any, kind: str) -> None:
    if kind == "user":
        root_iam.create_user(UserName="member")
    else:
        root_iam.create_role(RoleName="member", AssumeRolePolicyDocument=trust_policy(arn("root")))
    key = {"UserName": "member"} if kind == "user" else {"RoleName": "member"}
    created = create(root_iam)

    getattr(root_iam, f"attach_{kind}_policy")(PolicyArn=created["Arn"], **key)

    attached = getattr(root_iam, f"list_attached_{kind}_policies")(**key)["AttachedPolicies"]
    assert attached == [{"PolicyName": "readers", "PolicyArn": created["Arn"]}]
    assert root_iam.get_policy(PolicyArn=created["Arn"])["Policy"]["AttachmentCount"] == 1

    getattr(root_iam, f"detach_{kind}_policy")(PolicyArn=created["Arn"], **key)

    assert getattr(root_iam, f"list_attached_{kind}_policies")(**key)["AttachedPolicies"] == []
    assert root_iam.get_policy(PolicyArn=created["Arn"])["Policy"]["AttachmentCount"] == 0


def test_deleting_an_attached_policy_is_delete_conflict(root_iam: Any) -> None:
    root_iam.create_user(UserName="member")
    policy_arn = create(root_iam)["Arn"]
    root_iam.attach_user_policy(UserName="member", PolicyArn=policy_arn)

    with aws_error("DeleteConflict", 409):
        root_iam.delete_policy(PolicyArn=policy_arn)

    root_iam.detach_user_policy(UserName="member", PolicyArn=policy_arn)
    root_iam.delete_policy(PolicyArn=policy_arn)
    with aws_error("NoSuchEntity", 404):
        root_iam.get_policy(PolicyArn=policy_arn)


def test_duplicate_policy_is_entity_already_exists(root_iam: Any) -> None:
    create(root_iam)

    with aws_error("EntityAlreadyExists", 409):
        create(root_iam)


def test_unknown_policy_is_no_such_entity(root_iam: Any) -> None:
    with aws_error("NoSuchEntity", 404):
        root_iam.get_policy(PolicyArn=arn("policy/missing"))


def test_a_permissions_boundary_cannot_be_deleted_while_in_use(root_iam: Any) -> None:
    boundary = create(root_iam, "boundary")
    root_iam.create_user(UserName="bounded", PermissionsBoundary=boundary["Arn"])
    user = root_iam.get_user(UserName="bounded")["User"]
    assert user["PermissionsBoundary"] == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": boundary["Arn"]}
    with aws_error("DeleteConflict", 409):
        root_iam.delete_policy(PolicyArn=boundary["Arn"])
    root_iam.delete_user(UserName="bounded")
    root_iam.delete_policy(PolicyArn=boundary["Arn"])


def test_at_most_ten_managed_policies_per_user(root_iam: Any) -> None:
    root_iam.create_user(UserName="collector")
    arns = [create(root_iam, f"p{index}")["Arn"] for index in range(11)]
    for policy_arn in arns[:10]:
        root_iam.attach_user_policy(UserName="collector", PolicyArn=policy_arn)
    root_iam.attach_user_policy(UserName="collector", PolicyArn=arns[0])
    with aws_error("LimitExceeded", 409, "PoliciesPerUser: 10"):
        root_iam.attach_user_policy(UserName="collector", PolicyArn=arns[10])
    assert len(root_iam.list_attached_user_policies(UserName="collector")["AttachedPolicies"]) == 10
