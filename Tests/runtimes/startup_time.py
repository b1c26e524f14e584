"""Start-up time of the python bootstrap against the fake Runtime API of conftest.py (a measurement, not a test).

For each interpreter: bare `python -c pass` (spawn → exit), then the bootstrap with a handler module that imports
nothing, an event already queued: spawn → first `GET /invocation/next` read by the fake API (what Moat reports as
Init Duration) and spawn → the response posted (the cold start seen by a client, less Moat). Medians of --runs; with
several --bootstrap (say, an older copy), their runs are interleaved so that a change of load touches all alike.

    Tests/conformance/.venv/bin/python Tests/runtimes/startup_time.py [--runs 20] [--bootstrap path ...] [python ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import PYTHON_BOOTSTRAP, FakeRuntimeAPI, function_environment  # noqa: E402

HANDLER_SOURCE = "def handler(event, context):\n    return event\n"


def bare(python: str) -> float:
    started = time.perf_counter()
    subprocess.run([python, "-c", "pass"], check=True)
    return time.perf_counter() - started


def cold_start(python: str, bootstrap: Path, task_root: Path) -> tuple:
    api = FakeRuntimeAPI()
    api.start()
    try:
        request_id = api.invoke({"bench": 1})
        env = function_environment(api, "minimal.handler", task_root, {})
        started = time.perf_counter()
        process = subprocess.Popen([python, str(bootstrap)], cwd=task_root, env=env, stdout=subprocess.DEVNULL)
        try:
            api.wait_reply(request_id)
            api.wait_next_requests(2)
            with api.changed:
                api.changed.wait_for(lambda: len(api.timings) >= 2, 15)
            first_next = next(timing for timing in api.timings if timing.kind == "next")
            post = next(timing for timing in api.timings if timing.kind == "post")
            return first_next.received - started, post.received - started
        finally:
            process.kill()
            process.wait()
    finally:
        api.stop()


def milliseconds(values) -> str:
    values = sorted(values)
    return "%.1f ms (min %.1f, max %.1f)" % (statistics.median(values) * 1000, values[0] * 1000, values[-1] * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--bootstrap", type=Path, action="append", help="default: the repository's")
    parser.add_argument("pythons", nargs="*", default=["/usr/bin/python3"])
    options = parser.parse_args()
    bootstraps = [path.resolve() for path in options.bootstrap or [PYTHON_BOOTSTRAP]]
    with tempfile.TemporaryDirectory() as directory:
        task_root = Path(directory)
        (task_root / "minimal.py").write_text(HANDLER_SOURCE)
        for python in options.pythons:
            bare(python)
            bares = []
            nexts = {bootstrap: [] for bootstrap in bootstraps}
            posts = {bootstrap: [] for bootstrap in bootstraps}
            for bootstrap in bootstraps:
                cold_start(python, bootstrap, task_root)  # warm the page cache
            for _ in range(options.runs):
                bares.append(bare(python))
                for bootstrap in bootstraps:
                    to_next, to_post = cold_start(python, bootstrap, task_root)
                    nexts[bootstrap].append(to_next)
                    posts[bootstrap].append(to_post)
            version = subprocess.run([python, "--version"], capture_output=True, text=True).stdout.strip()
            print("%s (%s), %d runs, load %.2f" % (python, version, options.runs, os.getloadavg()[0]))
            print("  bare python -c pass, spawn → exit:    " + milliseconds(bares))
            for bootstrap in bootstraps:
                print("  %s" % bootstrap)
                print("    spawn → first GET next:            " + milliseconds(nexts[bootstrap]))
                print("    spawn → response posted:           " + milliseconds(posts[bootstrap]))
                print("    GET next − bare: %.1f ms; response − bare: %.1f ms" % (
                    (statistics.median(nexts[bootstrap]) - statistics.median(bares)) * 1000,
                    (statistics.median(posts[bootstrap]) - statistics.median(bares)) * 1000,
                ))


if __name__ == "__main__":
    main()
