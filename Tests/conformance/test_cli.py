"""The AWS CLI (v1, from this venv) against moat: users, roles, policies, caller identity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moat_support import ACCOUNT_ID, ROOT, ROOT_ARN, MoatServer, allow, arn, policy, run_aws_cli, trust_policy

pytestmark = pytest.mark.cli


def test_cli_create_and_list_users(moat: MoatServer) -> None:
    created = run_aws_cli(moat.endpoint, ROOT, "iam", "create-user", "--user-name", "cli-user", "--path", "/cli/")
    assert created["User"]["UserName"] == "cli-user"
    assert created["User"]["Arn"] == arn("user/cli/cli-user")

    listed = run_aws_cli(moat.endpoint, ROOT, "iam", "list-users")
    assert [user["UserName"] for user in listed["Users"]] == ["cli-user"]


def test_cli_create_role_from_a_file(moat: MoatServer, tmp_path: Path) -> None:
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(trust_policy(ROOT_ARN))

    created = run_aws_cli(
        moat.endpoint, ROOT,
        "iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", f"file://{trust_file}",
    )
    assert created["Role"]["Arn"] == arn("role/cli-role")

    fetched = run_aws_cli(moat.endpoint, ROOT, "iam", "get-role", "--role-name", "cli-role")
    assert fetched["Role"]["AssumeRolePolicyDocument"] == json.loads(trust_file.read_text())


def test_cli_create_and_attach_policy(moat: MoatServer, tmp_path: Path) -> None:
    document = tmp_path / "policy.json"
    document.write_text(policy(allow("iam:ListUsers")))
    run_aws_cli(moat.endpoint, ROOT, "iam", "create-user", "--user-name", "cli-reader")

    created = run_aws_cli(
        moat.endpoint, ROOT, "iam", "create-policy", "--policy-name", "cli-policy", "--policy-document", f"file://{document}"
    )
    policy_arn = created["Policy"]["Arn"]
    assert policy_arn == arn("policy/cli-policy")
    run_aws_cli(moat.endpoint, ROOT, "iam", "attach-user-policy", "--user-name", "cli-reader", "--policy-arn", policy_arn)

    attached = run_aws_cli(moat.endpoint, ROOT, "iam", "list-attached-user-policies", "--user-name", "cli-reader")
    assert attached["AttachedPolicies"] == [{"PolicyName": "cli-policy", "PolicyArn": policy_arn}]


def test_cli_sts_get_caller_identity(moat: MoatServer) -> None:
    identity = run_aws_cli(moat.endpoint, ROOT, "sts", "get-caller-identity")

    assert identity["Account"] == ACCOUNT_ID
    assert identity["Arn"] == ROOT_ARN


def test_cli_reports_an_aws_error(moat: MoatServer) -> None:
    failed = run_aws_cli(moat.endpoint, ROOT, "iam", "get-user", "--user-name", "absent", expect_failure=True)

    assert "NoSuchEntity" in failed.stderr
