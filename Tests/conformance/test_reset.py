"""The reset endpoints exist only with --allow-reset."""

from __future__ import annotations

from typing import Callable

import pytest
import requests

from moat_support import HTTP_TIMEOUT_SECONDS, ROOT, ROOT_ARN, MoatServer, list_all_user_names

pytestmark = pytest.mark.reset


@pytest.mark.parametrize("path", ["/_moat/reset", "/moto-api/reset"])
def test_reset_wipes_users(moat: MoatServer, path: str) -> None:
    iam = moat.iam()
    iam.create_user(UserName="ephemeral")
    assert list_all_user_names(iam) == ["ephemeral"]

    response = requests.post(moat.url(path), timeout=HTTP_TIMEOUT_SECONDS)

    assert 200 <= response.status_code < 300, f"{response.status_code}: {response.text[:300]}"
    assert list_all_user_names(iam) == []
    assert moat.sts(ROOT).get_caller_identity()["Arn"] == ROOT_ARN


@pytest.mark.parametrize("path", ["/_moat/reset", "/moto-api/reset"])
def test_reset_is_refused_without_allow_reset(start_moat: Callable[..., MoatServer], path: str) -> None:
    server = start_moat(allow_reset=False)
    server.iam().create_user(UserName="durable")

    response = requests.post(server.url(path), timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code in (403, 404), f"{response.status_code}: {response.text[:300]}"
    assert list_all_user_names(server.iam()) == ["durable"]
