"""State survives restarts (graceful and crash) and secrets are never stored in clear."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from moat_support import (
    ROOT,
    MoatServer,
    User,
    allow,
    arn,
    list_all_user_names,
    make_role,
    make_user_with_policy,
    policy,
)

ROLE_POLICY = policy(allow("iam:ListRoles"))


def populate(server: MoatServer) -> tuple[User, str]:
    """A user with a key and an attached managed policy, and a role with an inline policy."""
    iam = server.iam()
    policy_arn = iam.create_policy(PolicyName="kept-policy", PolicyDocument=policy(allow(["iam:GetUser", "iam:ListUsers"])))[
        "Policy"
    ]["Arn"]
    user = make_user_with_policy(iam, "keeper", managed_policy_arns=[policy_arn])
    make_role(iam, "kept-role", user.arn)
    iam.put_role_policy(RoleName="kept-role", PolicyName="kept-inline", PolicyDocument=ROLE_POLICY)
    return user, policy_arn


def assert_populated(server: MoatServer, user: User, policy_arn: str) -> None:
    iam = server.iam()
    assert "keeper" in list_all_user_names(iam)
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == ["kept-role"]
    assert iam.get_role_policy(RoleName="kept-role", PolicyName="kept-inline")["PolicyDocument"] == json.loads(ROLE_POLICY)
    assert [entry["Arn"] for entry in iam.list_policies(Scope="Local")["Policies"]] == [policy_arn]
    attached = iam.list_attached_user_policies(UserName="keeper")["AttachedPolicies"]
    assert [entry["PolicyArn"] for entry in attached] == [policy_arn]

    assert user.creds is not None
    assert server.sts(user.creds).get_caller_identity()["Arn"] == user.arn
    assert server.iam(user.creds).get_user(UserName="keeper")["User"]["Arn"] == user.arn


@pytest.mark.persistence
def test_state_survives_a_graceful_restart(start_moat: Callable[..., MoatServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_moat(data_dir)
    user, policy_arn = populate(first)

    first.stop()

    assert not first.needed_sigkill, "moat did not exit within 5 s of SIGTERM"
    second = start_moat(data_dir)
    assert_populated(second, user, policy_arn)


@pytest.mark.persistence
def test_acknowledged_writes_survive_a_crash(start_moat: Callable[..., MoatServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_moat(data_dir)
    user, policy_arn = populate(first)
    first.iam().create_user(UserName="last-write")

    first.kill()

    second = start_moat(data_dir)
    assert "last-write" in list_all_user_names(second.iam())
    assert_populated(second, user, policy_arn)


@pytest.mark.persistence
def test_root_key_from_the_environment_works_after_restart(start_moat: Callable[..., MoatServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    start_moat(data_dir).stop()

    second = start_moat(data_dir)

    assert second.sts(ROOT).get_caller_identity()["Arn"] == arn("root")


@pytest.mark.security
def test_secret_access_keys_are_not_stored_in_clear(start_moat: Callable[..., MoatServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_moat(data_dir)
    iam: Any = server.iam()
    iam.create_user(UserName="secretive")
    secret = iam.create_access_key(UserName="secretive")["AccessKey"]["SecretAccessKey"]
    server.stop()

    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert files, "the data directory is empty"
    for needle in (secret, ROOT.secret_access_key):
        holders = [str(path) for path in files if needle.encode() in path.read_bytes()]
        assert not holders, f"a secret access key is stored in clear in {holders}"
