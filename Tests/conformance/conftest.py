"""Fixtures: one shared moat server (reset between tests), extra servers on demand, and clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from moat_support import ROOT, Creds, MoatServer, aws_client, moat_binary


def pytest_configure(config: pytest.Config) -> None:
    # Clients in this process must not pick up a developer's AWS settings (profiles, endpoints, credentials).
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        del os.environ[key]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


@pytest.fixture(scope="session")
def moat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MoatServer]:
    """The shared server of the session, started with `--allow-reset` and the test root key."""
    moat_binary()
    base = tmp_path_factory.mktemp("moat-shared")
    server = MoatServer(data_dir=base / "data", log_path=base / "moat.log", allow_reset=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def moat(moat_server: MoatServer) -> MoatServer:
    """The shared server, reset to a clean state (`POST /_moat/reset`) before the test."""
    if not moat_server.running:
        pytest.fail(f"the shared moat server has exited:\n{moat_server.output_tail()}", pytrace=False)
    response = moat_server.reset()
    if not 200 <= response.status_code < 300:
        pytest.fail(f"POST /_moat/reset answered {response.status_code}: {response.text[:300]}", pytrace=False)
    return moat_server


@pytest.fixture
def endpoint(moat: MoatServer) -> str:
    return moat.endpoint


@pytest.fixture
def iam_client(moat: MoatServer) -> Callable[..., Any]:
    """`iam_client(creds=ROOT, validate=True)`: an IAM client of the clean shared server."""

    def make(creds: Creds = ROOT, *, validate: bool = True) -> Any:
        return aws_client("iam", moat.endpoint, creds, validate=validate)

    return make


@pytest.fixture
def sts_client(moat: MoatServer) -> Callable[..., Any]:
    """`sts_client(creds=ROOT, validate=True)`: an STS client of the clean shared server."""

    def make(creds: Creds = ROOT, *, validate: bool = True) -> Any:
        return aws_client("sts", moat.endpoint, creds, validate=validate)

    return make


@pytest.fixture
def root_iam(iam_client: Callable[..., Any]) -> Any:
    return iam_client(ROOT)


@pytest.fixture
def root_sts(sts_client: Callable[..., Any]) -> Any:
    return sts_client(ROOT)


@pytest.fixture
def start_moat(tmp_path: Path) -> Iterator[Callable[..., MoatServer]]:
    """`start_moat(data_dir, allow_reset=False, root=ROOT, extra_env=None, extra_args=())`: a server of the test's own.

    `root=None` starts it without `MOAT_ROOT_*` in its environment. Every server started here is stopped
    (SIGTERM, SIGKILL after 5 s) at the end of the test.
    """
    started: list[MoatServer] = []

    def start(data_dir: Path | None = None, *, allow_reset: bool = False, root: Creds | None = ROOT,
              extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()) -> MoatServer:
        index = len(started)
        server = MoatServer(
            data_dir=data_dir or tmp_path / "data",
            log_path=tmp_path / f"moat-{index}.log",
            allow_reset=allow_reset,
            root=root,
            extra_env=extra_env or {},
            extra_args=extra_args,
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
