#!/usr/bin/env python3
"""Moat foundation benchmark: one run that measures, against a baseline taken in the same run,

1. throughput and latency of a SigV4-signed, policy-authorized IAM call (GetUser by an IAM user) against the
   unsigned `GET /_moat/health` (wrk, same connections, threads, warm-up and duration for both);
2. `moat serve` readiness: spawn → first 200 of `/_moat/health`, on fresh and on existing data directories;
3. resident memory right after start and after the load plus an idle pause.

Raw outputs go to `Benchmarks/results/<timestamp>/`; `Benchmarks/RESULTS.md` is rewritten from every stored run.
Normally started by `Benchmarks/run.sh`, which installs wrk and the Python packages and builds the release binary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "wrk" / "replay.lua"

ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
ROOT_ACCESS_KEY_ID = "AKIAMOATBENCHROOT001"
ROOT_SECRET_ACCESS_KEY = "MoatBenchRootSecret000000000000000000001"
BENCH_USER = "bench-user"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

READY_POLL_SECONDS = 0.002
READY_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0

TARGET_RATIO = 0.7
TARGET_READY_MS = 300.0
TARGET_RSS_MIB = 50.0

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------------------------------
# The moat process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict[str, str]:
    """This process's environment without AWS or Moat settings, plus the fixed root key."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOAT_"))}
    env["MOAT_ROOT_ACCESS_KEY_ID"] = ROOT_ACCESS_KEY_ID
    env["MOAT_ROOT_SECRET_ACCESS_KEY"] = ROOT_SECRET_ACCESS_KEY
    return env


def proc_status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as status:
        return dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    return int(proc_status(pid)[key].split()[0])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of the process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


@dataclass
class Moat:
    """One `moat serve` process on a free loopback port, with its spawn → ready time."""

    binary: Path
    data_dir: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    ready_seconds: float | None = None
    ready_attempts: int = 0
    rss_at_ready_kib: int | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        return [
            str(self.binary), "serve",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--account-id", ACCOUNT_ID,
            "--region", REGION,
        ]

    def start(self) -> Moat:
        """Spawns the server and polls `/_moat/health` every 2 ms until it answers 200."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = self.command()
        env = server_environment()
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            started = time.perf_counter()
            self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        LIVE.append(self)
        self.ready_seconds, self.ready_attempts = self._wait_until_healthy(started)
        self.rss_at_ready_kib = rss_kib(self.pid)
        return self

    def _wait_until_healthy(self, started: float) -> tuple[float, int]:
        assert self.process is not None
        request = f"GET /_moat/health HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nConnection: close\r\n\r\n".encode()
        attempts = 0
        next_poll = started
        while True:
            attempts += 1
            if self.process.poll() is not None:
                raise BenchError(f"moat exited with status {self.process.returncode} before it was healthy; see {self.log_path}")
            if health_answers_200(self.port, request):
                return time.perf_counter() - started, attempts
            if time.perf_counter() - started > READY_TIMEOUT_SECONDS:
                raise BenchError(f"moat was not healthy within {READY_TIMEOUT_SECONDS:.0f} s; see {self.log_path}")
            next_poll += READY_POLL_SECONDS
            pause = next_poll - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            else:
                next_poll = time.perf_counter()

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 5 s. Returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self in LIVE:
            LIVE.remove(self)
        return self.process.returncode


LIVE: list[Moat] = []


class BenchError(Exception):
    pass


def health_answers_200(port: int, request: bytes) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(request)
            head = b""
            while len(head) < 12:
                chunk = sock.recv(64)
                if not chunk:
                    break
                head += chunk
            return head.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


# --------------------------------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class FixedRequest:
    """One HTTP request, sent byte for byte the same by every wrk connection."""

    method: str
    target: str
    headers: dict[str, str]
    body: str = ""

    def write(self, path: Path) -> Path:
        lines = [self.method, self.target, *(f"{name}: {value}" for name, value in self.headers.items()), ""]
        path.write_bytes(("\n".join(lines) + "\n").encode() + self.body.encode())
        return path

    def send(self, port: int) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request(self.method, self.target, body=self.body.encode() or None, headers=self.headers)
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            connection.close()


def health_request(port: int) -> FixedRequest:
    return FixedRequest("GET", "/_moat/health", {"Host": f"127.0.0.1:{port}"})


def signed_request(port: int, access_key_id: str, secret: str, service: str, body: str) -> FixedRequest:
    """`POST /` with a form body, signed now with botocore's SigV4Auth (valid within the server's clock-skew window)."""
    host = f"127.0.0.1:{port}"
    request = AWSRequest(method="POST", url=f"http://{host}/", data=body, headers={"Content-Type": FORM_CONTENT_TYPE})
    SigV4Auth(Credentials(access_key_id, secret), service, REGION).add_auth(request)
    headers = {"Host": host}
    headers.update((name, str(value)) for name, value in request.headers.items())
    return FixedRequest("POST", "/", headers, body)


GET_USER_BODY = "Action=GetUser&Version=2010-05-08"
GET_NAMED_USER_BODY = f"Action=GetUser&UserName={BENCH_USER}&Version=2010-05-08"
GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15"


def iam_client(endpoint: str, access_key_id: str, secret: str) -> Any:
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    return boto3.client(
        "iam", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id=access_key_id, aws_secret_access_key=secret, config=config,
    )


def create_bench_user(endpoint: str) -> tuple[str, str, dict[str, Any]]:
    """As root: an IAM user allowed only `iam:GetUser` on itself, and its access key. Returns (key id, secret, facts)."""
    root = iam_client(endpoint, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    user_arn = root.create_user(UserName=BENCH_USER)["User"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": user_arn}]}
    root.put_user_policy(UserName=BENCH_USER, PolicyName="get-self", PolicyDocument=json.dumps(policy))
    key = root.create_access_key(UserName=BENCH_USER)["AccessKey"]

    user = iam_client(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    answered = user.get_user()["User"]["Arn"]
    if answered != user_arn:
        raise BenchError(f"GetUser as {BENCH_USER} answered {answered}, expected {user_arn}")
    try:
        user.list_users()
        denied = "no (ListUsers was allowed: policy evaluation is not in effect)"
    except ClientError as error:
        denied = error.response["Error"]["Code"]
    if denied != "AccessDenied":
        raise BenchError(f"ListUsers as {BENCH_USER} should be AccessDenied, got {denied}")
    facts = {"user_arn": user_arn, "policy": policy, "access_key_id": key["AccessKeyId"], "list_users_as_user": denied}
    return key["AccessKeyId"], key["SecretAccessKey"], facts


# --------------------------------------------------------------------------------------------------------------------
# wrk


@dataclass(frozen=True)
class LoadSettings:
    connections: int
    threads: int
    duration: int
    warmup: int
    timeout: int = 5


def run_wrk(port: int, request: FixedRequest, seconds: int, settings: LoadSettings, out: Path, work: Path) -> dict[str, Any]:
    request_file = request.write(work / f"{out.stem}.request")
    command = [
        "wrk", "-t", str(settings.threads), "-c", str(settings.connections), "-d", f"{seconds}s",
        "--timeout", f"{settings.timeout}s", "--latency", "-s", str(LUA_SCRIPT), f"http://127.0.0.1:{port}{request.target}",
    ]
    env = dict(os.environ, MOAT_BENCH_REQUEST=str(request_file))
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL)
    out.write_text(f"$ {' '.join(command)}\n{completed.stdout}{completed.stderr}")
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}); see {out}")
    for line in completed.stdout.splitlines():
        if line.startswith("MOAT_BENCH_JSON "):
            return json.loads(line.removeprefix("MOAT_BENCH_JSON "))
    raise BenchError(f"wrk printed no summary; see {out}")


@dataclass
class Scenario:
    name: str
    label: str
    make_request: Any  # () -> FixedRequest, called right before the scenario so that a signature is fresh


def measure(moat: Moat, scenario: Scenario, settings: LoadSettings, out_dir: Path, work: Path, round_index: int) -> dict[str, Any]:
    request = scenario.make_request()
    status, body = request.send(moat.port)
    if status != 200:
        raise BenchError(f"{scenario.label}: a single request answered {status}, not 200:\n{body[:500]}")
    suffix = f"-r{round_index}" if round_index else ""
    run_wrk(moat.port, request, settings.warmup, settings, out_dir / f"wrk-{scenario.name}{suffix}-warmup.txt", work)
    cpu_before = cpu_seconds(moat.pid)
    result = run_wrk(moat.port, request, settings.duration, settings, out_dir / f"wrk-{scenario.name}{suffix}.txt", work)
    cpu_used = cpu_seconds(moat.pid) - cpu_before
    seconds = result["duration_us"] / 1e6
    requests = result["requests"]
    errors = result["errors"]
    return {
        "scenario": scenario.name,
        "label": scenario.label,
        "round": round_index,
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1),
        "latency_ms": {key: round(value / 1000, 3) for key, value in result["latency_us"].items()},
        "errors": errors,
        "non_2xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "server_cpu_seconds": round(cpu_used, 2),
        "server_cpu_us_per_request": round(cpu_used * 1e6 / requests, 1) if requests else None,
        "probe_status": status,
    }


# --------------------------------------------------------------------------------------------------------------------
# The run


def machine_facts() -> dict[str, Any]:
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "wrk": first_line(["wrk", "--version"]),
        "python": platform.python_version(),
    }


def first_line(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (completed.stdout or completed.stderr).strip().splitlines()[0] if (completed.stdout or completed.stderr).strip() else "unknown"


def source_facts(repo: Path, binary: Path, commit: str | None, note: str | None) -> dict[str, Any]:
    """What was measured: the given commit, else the repository's HEAD and whether its sources had uncommitted changes."""
    modified = dt.datetime.fromtimestamp(binary.stat().st_mtime, dt.timezone.utc)
    facts: dict[str, Any] = {
        "binary": str(binary),
        "binary_built": modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "binary_mib": round(binary.stat().st_size / 1024 / 1024, 1),
    }
    if commit:
        return facts | {"commit": commit, "sources_modified": False, "note": note or "built from that commit"}
    if note:
        return facts | {"commit": "unknown", "sources_modified": False, "note": note}
    head = first_line(["git", "-C", str(repo), "rev-parse", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift"],
        capture_output=True, text=True, timeout=30,
    ).stdout.strip()
    note = "the working tree at that commit" + (", with uncommitted changes under Sources/" if dirty else "")
    return facts | {"commit": head, "sources_modified": bool(dirty), "note": note}


def readiness(binary: Path, data_root: Path, existing_dir: Path, starts: int, out_dir: Path) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    log = out_dir / "moat-readiness.log"
    for kind in ("fresh", "existing"):
        for index in range(starts):
            data_dir = data_root / f"fresh-{index}" if kind == "fresh" else existing_dir
            moat = Moat(binary, data_dir, log).start()
            assert moat.ready_seconds is not None and moat.rss_at_ready_kib is not None
            status = moat.stop()
            rows.append({
                "kind": kind, "start": index, "ready_ms": round(moat.ready_seconds * 1000, 2),
                "polls": moat.ready_attempts, "rss_at_ready_kib": moat.rss_at_ready_kib, "exit_status": status,
            })
    with open(out_dir / "readiness.csv", "w") as csv:
        csv.write("kind,start,ready_ms,polls,rss_at_ready_kib,exit_status\n")
        for row in rows:
            csv.write(f"{row['kind']},{row['start']},{row['ready_ms']},{row['polls']},{row['rss_at_ready_kib']},{row['exit_status']}\n")

    def stats(kind: str) -> dict[str, float]:
        values = [row["ready_ms"] for row in rows if row["kind"] == kind]
        return {"median_ms": round(statistics.median(values), 1), "min_ms": min(values), "max_ms": max(values), "starts": len(values)}

    rss = [row["rss_at_ready_kib"] for row in rows]
    return {"fresh": stats("fresh"), "existing": stats("existing"), "rss_at_ready_median_mib": round(statistics.median(rss) / 1024, 1)}


def run(args: argparse.Namespace) -> int:
    binary = Path(args.binary).resolve()
    started_at = dt.datetime.now(dt.timezone.utc)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.results).resolve() / stamp
    out_dir.mkdir(parents=True, exist_ok=False)
    work = Path(tempfile.mkdtemp(prefix="moat-bench-"))
    settings = LoadSettings(args.connections, args.threads, args.duration, args.warmup)
    print(f"moat benchmark → {out_dir}", flush=True)

    summary: dict[str, Any] = {
        "date": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "invocation": args.invocation or "Benchmarks/bench.py " + " ".join(sys.argv[1:]),
        "machine": machine_facts(),
        "source": source_facts(Path(args.repo), binary, args.commit, args.source_note),
        "settings": {
            "connections": settings.connections, "threads": settings.threads, "duration_s": settings.duration,
            "warmup_s": settings.warmup, "rounds": args.rounds, "starts": args.starts, "idle_s": args.idle,
            "ready_poll_ms": READY_POLL_SECONDS * 1000, "log_level": "info (default)",
        },
    }
    try:
        # Load: a fresh server, the IAM user, then the baseline and the signed call, alternating when rounds > 1.
        load_dir = work / "load"
        moat = Moat(binary, load_dir, out_dir / "moat-load.log").start()
        summary["rss_after_start_mib"] = round(moat.rss_at_ready_kib / 1024, 1)
        summary["load_server_ready_ms"] = round(moat.ready_seconds * 1000, 1)
        print(f"  started in {summary['load_server_ready_ms']} ms, RSS {summary['rss_after_start_mib']} MiB", flush=True)

        key_id, secret, facts = create_bench_user(moat.endpoint)
        summary["setup"] = facts
        port = moat.port
        scenarios = [
            Scenario("health", "GET /_moat/health (unsigned baseline)", lambda: health_request(port)),
            Scenario("getuser", "IAM GetUser, SigV4 by an IAM user, policy-authorized",
                     lambda: signed_request(port, key_id, secret, "iam", GET_USER_BODY)),
        ]
        if args.diagnose:
            scenarios += [
                Scenario("getuser-root", "IAM GetUser of the IAM user (UserName given), SigV4 by the root key",
                         lambda: signed_request(port, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, "iam", GET_NAMED_USER_BODY)),
                Scenario("callerid-user", "STS GetCallerIdentity, SigV4 by the IAM user",
                         lambda: signed_request(port, key_id, secret, "sts", GET_CALLER_IDENTITY_BODY)),
                Scenario("callerid-root", "STS GetCallerIdentity, SigV4 by the root key",
                         lambda: signed_request(port, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, "sts", GET_CALLER_IDENTITY_BODY)),
            ]
        measurements: list[dict[str, Any]] = []
        for round_index in range(args.rounds):
            for scenario in scenarios:
                result = measure(moat, scenario, settings, out_dir, work, round_index)
                measurements.append(result)
                print(
                    f"  {scenario.name:<14} {result['rps']:>9.0f} req/s  p50 {result['latency_ms']['p50']:.2f} ms  "
                    f"p99 {result['latency_ms']['p99']:.2f} ms  non-2xx {result['non_2xx']}  socket errors {result['socket_errors']}  "
                    f"server CPU {result['server_cpu_us_per_request']} µs/req",
                    flush=True,
                )
        summary["measurements"] = measurements
        summary["rss_after_load_mib"] = round(rss_kib(moat.pid) / 1024, 1)
        time.sleep(args.idle)
        status = proc_status(moat.pid)
        summary["rss_idle_mib"] = round(int(status["VmRSS"].split()[0]) / 1024, 1)
        summary["rss_peak_mib"] = round(int(status["VmHWM"].split()[0]) / 1024, 1)
        summary["threads"] = int(status["Threads"])
        print(f"  RSS after load {summary['rss_after_load_mib']} MiB, after {args.idle} s idle {summary['rss_idle_mib']} MiB", flush=True)
        moat.stop()

        # Readiness: fresh data directories, then the data directory the load server left behind.
        summary["readiness"] = readiness(binary, work, load_dir, args.starts, out_dir)
        r = summary["readiness"]
        print(f"  readiness median: fresh {r['fresh']['median_ms']} ms, existing {r['existing']['median_ms']} ms", flush=True)
    finally:
        for moat in list(LIVE):
            moat.stop()
        summary["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
        if args.keep_data:
            print(f"  data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    summary["figures"] = figures(summary)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    write_results_md(Path(args.results).resolve(), Path(args.results_md).resolve())
    f = summary["figures"]
    print(
        f"ratio GetUser/health = {f['ratio']:.3f} (target ≥ {TARGET_RATIO}); valid: {f['valid']}"
        + ("" if f["valid"] else f" ({'; '.join(f['invalid_because'])})"),
        flush=True,
    )
    return 0 if f["valid"] else 2


def median_of(measurements: list[dict[str, Any]], scenario: str, pick: Any) -> float | None:
    values = [pick(m) for m in measurements if m["scenario"] == scenario]
    return statistics.median(values) if values else None


def figures(summary: dict[str, Any]) -> dict[str, Any]:
    measurements = summary["measurements"]
    by_scenario: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(m["scenario"] for m in measurements):
        by_scenario[name] = {
            "label": next(m["label"] for m in measurements if m["scenario"] == name),
            "rps": median_of(measurements, name, lambda m: m["rps"]),
            "p50_ms": median_of(measurements, name, lambda m: m["latency_ms"]["p50"]),
            "p99_ms": median_of(measurements, name, lambda m: m["latency_ms"]["p99"]),
            "cpu_us_per_request": median_of(measurements, name, lambda m: m["server_cpu_us_per_request"]),
            "non_2xx": sum(m["non_2xx"] for m in measurements if m["scenario"] == name),
            "socket_errors": sum(m["socket_errors"] for m in measurements if m["scenario"] == name),
        }
    invalid = [
        f"{name}: {values['non_2xx']} non-2xx, {values['socket_errors']} socket errors"
        for name, values in by_scenario.items()
        if values["non_2xx"] or values["socket_errors"]
    ]
    ratio = by_scenario["getuser"]["rps"] / by_scenario["health"]["rps"]
    readiness = summary["readiness"]
    return {
        "scenarios": by_scenario,
        "ratio": round(ratio, 3),
        "ratio_met": ratio >= TARGET_RATIO,
        "ready_fresh_ms": readiness["fresh"]["median_ms"],
        "ready_existing_ms": readiness["existing"]["median_ms"],
        "ready_met": max(readiness["fresh"]["median_ms"], readiness["existing"]["median_ms"]) <= TARGET_READY_MS,
        "rss_after_start_mib": summary["rss_after_start_mib"],
        "rss_idle_mib": summary["rss_idle_mib"],
        "rss_met": max(summary["rss_after_start_mib"], summary["rss_idle_mib"]) <= TARGET_RSS_MIB,
        "valid": not invalid,
        "invalid_because": invalid,
    }


# --------------------------------------------------------------------------------------------------------------------
# RESULTS.md


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def write_results_md(results_dir: Path, results_md: Path) -> None:
    runs = []
    for path in sorted(results_dir.glob("*/summary.json")):
        try:
            runs.append((path.parent.name, json.loads(path.read_text())))
        except (OSError, ValueError):
            continue
    if not runs:
        return
    stamp, latest = runs[-1]
    f = latest["figures"]
    m = latest["machine"]
    s = latest["source"]
    settings = latest["settings"]
    health = f["scenarios"]["health"]
    getuser = f["scenarios"]["getuser"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `Benchmarks/run.sh` (do not edit by hand): the latest run in full, then every stored run.",
        "Each figure is measured against a baseline taken in the same run on the same machine; see `Benchmarks/README.md`.",
        "",
        f"## Latest run: {latest['date']}" + ("" if f["valid"] else " — **INVALID**: " + "; ".join(f["invalid_because"])),
        "",
        f"- Machine: {m['nproc']} × {m['cpu_model']}, {m['memory_gib']} GiB, Linux {m['kernel']}; "
        f"load average {' / '.join(m['loadavg_at_start'])} at start, {' / '.join(m.get('loadavg_at_end', ['?']))} at end "
        "(the machine is shared: other work may have competed for the CPUs).",
        f"- Moat: commit `{s['commit'][:12]}` ({s['note']}); release binary built {s['binary_built']}.",
        f"- Load: wrk ({m['wrk'].split(' [')[0]}), {settings['connections']} connections, {settings['threads']} threads, "
        f"{settings['warmup_s']} s warm-up then {settings['duration_s']} s per scenario, {settings['rounds']} round(s); "
        "wrk runs on the same machine as Moat. Raw outputs: "
        f"[`results/{stamp}/`](results/{stamp}/).",
        "",
        "| Figure | Value | Target | |",
        "|---|---|---|---|",
        f"| Baseline `GET /_moat/health` | {health['rps']:,.0f} req/s, p50 {health['p50_ms']:.2f} ms, p99 {health['p99_ms']:.2f} ms | | |",
        f"| Signed, policy-authorized `iam:GetUser` (IAM user) | {getuser['rps']:,.0f} req/s, p50 {getuser['p50_ms']:.2f} ms, "
        f"p99 {getuser['p99_ms']:.2f} ms, non-2xx {getuser['non_2xx']} | | |",
        f"| **Throughput ratio** GetUser / health | **{f['ratio']:.2f}** | ≥ {TARGET_RATIO} | {verdict(f['ratio_met'])} |",
        f"| Server CPU per request (health / GetUser) | {health['cpu_us_per_request']} µs / {getuser['cpu_us_per_request']} µs | | |",
        f"| Readiness, spawn → first 200, fresh data dir (median of {latest['readiness']['fresh']['starts']}) | "
        f"{f['ready_fresh_ms']:.0f} ms (min {latest['readiness']['fresh']['min_ms']:.0f}, "
        f"max {latest['readiness']['fresh']['max_ms']:.0f}) "
        f"| ≤ {TARGET_READY_MS:.0f} ms | {verdict(f['ready_fresh_ms'] <= TARGET_READY_MS)} |",
        f"| Readiness, existing data dir (median of {latest['readiness']['existing']['starts']}) | "
        f"{f['ready_existing_ms']:.0f} ms (min {latest['readiness']['existing']['min_ms']:.0f}, "
        f"max {latest['readiness']['existing']['max_ms']:.0f}) | ≤ {TARGET_READY_MS:.0f} ms | "
        f"{verdict(f['ready_existing_ms'] <= TARGET_READY_MS)} |",
        f"| RSS right after start | {f['rss_after_start_mib']} MiB | ≤ {TARGET_RSS_MIB:.0f} MiB | "
        f"{verdict(f['rss_after_start_mib'] <= TARGET_RSS_MIB)} |",
        f"| RSS after the load and {settings['idle_s']} s idle | {f['rss_idle_mib']} MiB (peak {latest['rss_peak_mib']} MiB, "
        f"{latest['threads']} threads) | ≤ {TARGET_RSS_MIB:.0f} MiB | {verdict(f['rss_idle_mib'] <= TARGET_RSS_MIB)} |",
    ]
    notes = sorted((results_dir / stamp).glob("*.md"))
    if notes:
        links = ", ".join(f"[`results/{stamp}/{note.name}`](results/{stamp}/{note.name})" for note in notes)
        lines += ["", f"Notes on this run: {links}."]
    extra = [name for name in f["scenarios"] if name not in ("health", "getuser")]
    if extra:
        lines += [
            "",
            "Diagnostic scenarios of this run (same settings):",
            "",
            "| Scenario | req/s | ratio to health | p50 ms | p99 ms | server CPU µs/req |",
            "|---|---|---|---|---|---|",
        ]
        for name in f["scenarios"]:
            v = f["scenarios"][name]
            lines.append(
                f"| {v['label']} | {v['rps']:,.0f} | {v['rps'] / health['rps']:.2f} | {v['p50_ms']:.2f} | {v['p99_ms']:.2f} "
                f"| {v['cpu_us_per_request']} |"
            )
    lines += [
        "",
        "## Reproduce",
        "",
        f"This run: `{latest.get('invocation', 'Benchmarks/run.sh')}`. In general:",
        "",
        "```sh",
        "Benchmarks/run.sh                          # the working tree: installs wrk and boto3, builds in release if stale, runs",
        "MOAT_BENCH_COMMIT=<rev> Benchmarks/run.sh  # exactly one commit, built apart from the repository's .build",
        "Benchmarks/run.sh --diagnose               # adds GetUser by root and GetCallerIdentity (IAM user, root)",
        "MOAT_BINARY=path/to/moat Benchmarks/run.sh # an existing binary",
        "```",
        "",
        "## All runs",
        "",
        "| Run | Commit | Valid | health req/s | GetUser req/s | Ratio (≥ 0.7) | Ready fresh / existing (≤ 300 ms) "
        "| RSS start / idle (≤ 50 MiB) | Load avg at start |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run_stamp, run in reversed(runs):
        rf = run["figures"]
        lines.append(
            f"| [{run['date']}](results/{run_stamp}/) | `{run['source']['commit'][:8]}`"
            f"{'+' if run['source'].get('sources_modified') else ''} | {'yes' if rf['valid'] else '**no**'} "
            f"| {rf['scenarios']['health']['rps']:,.0f} | {rf['scenarios']['getuser']['rps']:,.0f} | {rf['ratio']:.2f} "
            f"| {rf['ready_fresh_ms']:.0f} / {rf['ready_existing_ms']:.0f} ms | {rf['rss_after_start_mib']} / {rf['rss_idle_mib']} MiB "
            f"| {' / '.join(run['machine']['loadavg_at_start'])} |"
        )
    lines.append("")
    results_md.write_text("\n".join(lines) + kept_sections(results_md))


def kept_sections(results_md: Path) -> str:
    """The sections other drivers generate in RESULTS.md (`Benchmarks/lambda.py`'s), carried over as they are.

    Each lies between `<!-- BEGIN generated by Benchmarks/NAME -->` and `<!-- END generated by Benchmarks/NAME -->`.
    """
    if not results_md.exists():
        return ""
    text = results_md.read_text()
    kept = []
    start = 0
    while (begin := text.find("<!-- BEGIN generated by ", start)) != -1:
        name = text[begin + len("<!-- BEGIN generated by "):text.find(" -->", begin)]
        closing = f"<!-- END generated by {name} -->"
        end = text.find(closing, begin)
        if end == -1:
            break
        kept.append(text[begin:end + len(closing)])
        start = end + len(closing)
    return "".join("\n" + section + "\n" for section in kept)


# --------------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the moat executable to benchmark")
    parser.add_argument("--repo", default=str(REPO_ROOT), help="the repository the binary was built from (for the commit)")
    parser.add_argument("--invocation", help="the command that started this run, recorded to reproduce it")
    parser.add_argument("--commit", help="the commit the binary was built from (default: the repository's HEAD)")
    parser.add_argument("--source-note", help="how the binary was built, when not from the repository's working tree")
    parser.add_argument("--results", default=str(BENCH_DIR / "results"), help="where run directories go")
    parser.add_argument("--results-md", default=str(BENCH_DIR / "RESULTS.md"), help="the summary to rewrite")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each measurement")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the scenarios this many times (medians reported)")
    parser.add_argument("--starts", type=int, default=10, help="timed starts per kind of data directory")
    parser.add_argument("--idle", type=int, default=5, help="seconds of idle before the idle RSS is read")
    parser.add_argument("--diagnose", action="store_true", help="also load GetUser by root and GetCallerIdentity")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data directories")
    args = parser.parse_args()
    for name in ("connections", "threads", "duration", "warmup", "rounds", "starts"):
        if not 1 <= getattr(args, name) <= 10_000:
            parser.error(f"--{name} must be between 1 and 10000")
    if not 0 <= args.idle <= 600:
        parser.error("--idle must be between 0 and 600")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Benchmarks/run.sh installs it)")

    def terminate(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    try:
        return run(args)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        for moat in list(LIVE):
            moat.stop()


if __name__ == "__main__":
    sys.exit(main())
