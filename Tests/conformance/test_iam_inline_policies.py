"""Inline policies of users and roles: put, get, list, overwrite, delete."""

from __future__ import annotations

import json
from typing import Any

import pytest

from moat_support import allow, arn, aws_error, policy, trust_policy

pytestmark = pytest.mark.iam

FIRST = policy(allow(["iam:GetUser", "iam:ListUsers"]))
SECOND = policy(allow("iam:ListRoles"))


class Owner:
    """Calls the user or role flavour of the inline-policy operations."""

    def __init__(self, iam: Any, kind: str, name: str) -> None:
        self.iam, self.kind, self.name = iam, kind, name
        self.key = "UserName" if kind == "user" else "RoleName"

    def call(self, verb: str, **kwargs: Any) -> Any:
        return getattr(self.iam, f"{verb}_{self.kind}_policy" if verb != "list" else f"list_{self.kind}_policies")(
            **{self.key: self.name}, **kwargs
        )


@pytest.fixture(params=["user", "role"])
def owner(request: pytest.FixtureRequest, root_iam: Any) -> Owner:
    if request.param == "user":
        root_iam.create_user(UserName="holder")
    else:
        root_iam.create_role(RoleName="holder", AssumeRolePolicyDocument=trust_policy(arn("root")))
    return Owner(root_iam, request.param, "holder")


def test_put_get_list_delete(owner: Owner) -> None:
    owner.call("put", PolicyName="first", PolicyDocument=FIRST)
    owner.call("put", PolicyName="second", PolicyDocument=SECOND)

    fetched = owner.call("get", PolicyName="first")
    assert fetched["PolicyName"] == "first"
    assert fetched[owner.key] == "holder"
    assert fetched["PolicyDocument"] == json.loads(FIRST)
    assert sorted(owner.call("list")["PolicyNames"]) == ["first", "second"]

    owner.call("delete", PolicyName="first")

    assert owner.call("list")["PolicyNames"] == ["second"]
    with aws_error("NoSuchEntity", 404):
        owner.call("get", PolicyName="first")


def test_put_replaces_a_policy_of_the_same_name(owner: Owner) -> None:
    owner.call("put", PolicyName="only", PolicyDocument=FIRST)

    owner.call("put", PolicyName="only", PolicyDocument=SECOND)

    assert owner.call("get", PolicyName="only")["PolicyDocument"] == json.loads(SECOND)
    assert owner.call("list")["PolicyNames"] == ["only"]


def test_unknown_inline_policy_is_no_such_entity(owner: Owner) -> None:
    with aws_error("NoSuchEntity", 404):
        owner.call("delete", PolicyName="never")
