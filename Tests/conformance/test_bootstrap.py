"""First start without a root key: moat generates one, prints it once as shell exports, and keeps it."""

from __future__ import annotations

import re
import stat
import time
from pathlib import Path
from typing import Callable

import pytest

from moat_support import ROOT_ARN, Creds, MoatServer, aws_client

pytestmark = pytest.mark.bootstrap

EXPORT = re.compile(r"""export (AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_ENDPOINT_URL|AWS_DEFAULT_REGION)=['"]?([^'"\s]+)""")


def printed_exports(server: MoatServer, wait_seconds: float = 3.0) -> dict[str, str]:
    deadline = time.monotonic() + wait_seconds
    while True:
        exports = dict(EXPORT.findall(server.output()))
        if len(exports) >= 4 or time.monotonic() > deadline:
            return exports
        time.sleep(0.05)


def test_first_start_prints_a_root_key_that_survives_restarts(
    start_moat: Callable[..., MoatServer], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = start_moat(data_dir, root=None)

    exports = printed_exports(first)
    assert set(exports) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"}, first.output_tail()
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", exports["AWS_ACCESS_KEY_ID"]), exports["AWS_ACCESS_KEY_ID"]
    assert len(exports["AWS_SECRET_ACCESS_KEY"]) == 40
    assert exports["AWS_ENDPOINT_URL"].startswith("http://")
    assert exports["AWS_ENDPOINT_URL"].rstrip("/").endswith(f":{first.port}")
    root = Creds(exports["AWS_ACCESS_KEY_ID"], exports["AWS_SECRET_ACCESS_KEY"])
    assert aws_client("sts", first.endpoint, root).get_caller_identity()["Arn"] == ROOT_ARN
    first.stop()

    second = start_moat(data_dir, root=None)

    assert aws_client("sts", second.endpoint, root).get_caller_identity()["Arn"] == ROOT_ARN


def test_key_files_in_the_data_dir_are_private(start_moat: Callable[..., MoatServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    start_moat(data_dir, root=None)

    key_files = [path for path in data_dir.rglob("*") if path.is_file() and ("key" in path.name.lower() or "sqlite" in path.name)]

    assert key_files, f"no key file in {data_dir}: {sorted(p.name for p in data_dir.rglob('*'))}"
    for path in key_files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o600, f"{path.name} has mode {oct(mode)}, expected 0o600"
