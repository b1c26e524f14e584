"""Input validation of IAM: member constraints and policy documents."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from moat_support import POLICY_VERSION, aws_error

pytestmark = pytest.mark.iam

NOT_JSON = '{"Version": "2012-10-17", "Statement": ['
NO_EFFECT = json.dumps({"Version": POLICY_VERSION, "Statement": [{"Action": "iam:GetUser", "Resource": "*"}]})


def test_user_name_longer_than_64_is_validation_error(iam_client: Callable[..., Any]) -> None:
    name = "u" * 65

    with aws_error(
        "ValidationError",
        400,
        f"1 validation error detected: Value '{name}' at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64",
    ):
        iam_client(validate=False).create_user(UserName=name)


def test_user_name_of_64_is_accepted(root_iam: Any) -> None:
    name = "u" * 64

    assert root_iam.create_user(UserName=name)["User"]["UserName"] == name


@pytest.mark.parametrize("document", [NOT_JSON, NO_EFFECT], ids=["not-json", "no-effect"])
@pytest.mark.parametrize("operation", ["create_policy", "put_user_policy"])
def test_bad_policy_document_is_malformed_policy_document(root_iam: Any, operation: str, document: str) -> None:
    if operation == "put_user_policy":
        root_iam.create_user(UserName="target")
        call = lambda: root_iam.put_user_policy(UserName="target", PolicyName="p", PolicyDocument=document)  # noqa: E731
    else:
        call = lambda: root_iam.create_policy(PolicyName="p", PolicyDocument=document)  # noqa: E731

    with aws_error("MalformedPolicyDocument", 400):
        call()
