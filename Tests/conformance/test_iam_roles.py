"""IAM roles: trust policies (URL-encoded on the wire, as AWS sends them), listing, updating, deleting."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest

from moat_support import ROOT, MoatServer, allow, arn, aws_error, policy, query_call, trust_policy, xml_find_text

pytestmark = pytest.mark.iam

ROLE_ID = re.compile(r"AROA[A-Z0-9]{17}")
TRUST = trust_policy(arn("root"))


def test_create_role_with_trust_policy(root_iam: Any) -> None:
    role = root_iam.create_role(
        RoleName="deployer", Path="/service/", AssumeRolePolicyDocument=TRUST, Description="deploys things"
    )["Role"]

    assert role["RoleName"] == "deployer"
    assert role["Path"] == "/service/"
    assert role["Arn"] == arn("role/service/deployer")
    assert ROLE_ID.fullmatch(role["RoleId"]), role["RoleId"]
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)


def test_get_role_decodes_to_the_trust_policy(root_iam: Any) -> None:
    created = root_iam.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST, Description="reads")["Role"]

    role = root_iam.get_role(RoleName="reader")["Role"]

    assert role["RoleId"] == created["RoleId"]
    assert role["Arn"] == arn("role/reader")
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert role["MaxSessionDuration"] == 3600
    assert role.get("Description") == "reads"


def test_get_role_sends_the_trust_policy_url_encoded(moat: MoatServer) -> None:
    moat.iam().create_role(RoleName="encoded", AssumeRolePolicyDocument=TRUST)

    response = query_call(moat.endpoint, ROOT, "iam", "GetRole", {"RoleName": "encoded"})

    assert response.status_code == 200, response.text
    document = xml_find_text(response.content, "AssumeRolePolicyDocument")
    assert document is not None
    assert document.startswith("%7B"), f"AWS sends the document URL-encoded, got {document[:40]!r}"
    assert json.loads(unquote(document)) == json.loads(TRUST)


def test_list_roles(root_iam: Any) -> None:
    for name in ("alpha", "beta"):
        root_iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)

    roles = root_iam.list_roles()["Roles"]

    assert sorted(role["RoleName"] for role in roles) == ["alpha", "beta"]
    assert all(role["AssumeRolePolicyDocument"] == json.loads(TRUST) for role in roles)


def test_update_assume_role_policy(root_iam: Any) -> None:
    root_iam.create_role(RoleName="switch", AssumeRolePolicyDocument=TRUST)
    root_iam.create_user(UserName="trusted")
    new_trust = trust_policy(arn("user/trusted"))

    root_iam.update_assume_role_policy(RoleName="switch", PolicyDocument=new_trust)

    assert root_iam.get_role(RoleName="switch")["Role"]["AssumeRolePolicyDocument"] == json.loads(new_trust)


def test_delete_role(root_iam: Any) -> None:
    root_iam.create_role(RoleName="gone", AssumeRolePolicyDocument=TRUST)

    root_iam.delete_role(RoleName="gone")

    with aws_error("NoSuchEntity", 404):
        root_iam.get_role(RoleName="gone")


def test_duplicate_role_is_entity_already_exists(root_iam: Any) -> None:
    root_iam.create_role(RoleName="twice", AssumeRolePolicyDocument=TRUST)

    with aws_error("EntityAlreadyExists", 409):
        root_iam.create_role(RoleName="twice", AssumeRolePolicyDocument=TRUST)


def test_deleting_a_role_with_an_inline_policy_is_delete_conflict(root_iam: Any) -> None:
    root_iam.create_role(RoleName="busy", AssumeRolePolicyDocument=TRUST)
    root_iam.put_role_policy(RoleName="busy", PolicyName="p", PolicyDocument=policy(allow("iam:ListRoles")))

    with aws_error("DeleteConflict", 409):
        root_iam.delete_role(RoleName="busy")

    root_iam.delete_role_policy(RoleName="busy", PolicyName="p")
    root_iam.delete_role(RoleName="busy")


def test_unknown_role_is_no_such_entity(root_iam: Any) -> None:
    with aws_error("NoSuchEntity", 404):
        root_iam.get_role(RoleName="missing")
