#!/usr/bin/env bash
# Moat foundation benchmark, one command: installs wrk (Debian) and the Python packages of the conformance suite,
# builds the release binary unless it is newer than the sources, then runs Benchmarks/bench.py, which writes
# Benchmarks/results/<timestamp>/ and rewrites Benchmarks/RESULTS.md.
#
# Usage: Benchmarks/run.sh [bench.py options]      (Benchmarks/run.sh --help lists them)
# Environment:
#   MOAT_BINARY=path         benchmark this executable instead of building (.build/release/moat)
#   MOAT_BENCH_SOURCE=text   how that executable was built, recorded in RESULTS.md (default: the working tree)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"

as_root() {
    if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

# 1. wrk.
if ! command -v wrk > /dev/null; then
    echo "installing wrk (apt-get)…" >&2
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk > /dev/null; then
        as_root apt-get update -q > /dev/null
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk > /dev/null
    fi
fi

# 2. boto3 / botocore, pinned by the conformance suite.
python="$("$repo/scripts/conformance-venv.sh" | tail -n 1)"

# 3. The release binary: reused when it is newer than every source file, else rebuilt (slow on few cores).
if [[ -n "${MOAT_BINARY:-}" ]]; then
    binary="$MOAT_BINARY"
else
    binary="$repo/.build/release/moat"
    stale=""
    if [[ -x "$binary" ]]; then
        stale="$(find "$repo/Sources" "$repo/Package.swift" "$repo/Package.resolved" -newer "$binary" -print -quit 2> /dev/null || true)"
    fi
    if [[ ! -x "$binary" || -n "$stale" ]]; then
        echo "building moat in release (swift build -c release --product moat)…" >&2
        (cd "$repo" && swift build -c release --product moat)
        binary="$(cd "$repo" && swift build -c release --show-bin-path)/moat"
    else
        echo "reusing $binary (newer than the sources)" >&2
    fi
fi
if [[ ! -x "$binary" ]]; then
    echo "no executable at $binary" >&2
    exit 1
fi

# 4. The benchmark. bench.py stops every server it starts; the trap forwards an interruption to it.
source_note=()
if [[ -n "${MOAT_BENCH_SOURCE:-}" ]]; then
    source_note=(--source-note "$MOAT_BENCH_SOURCE")
fi
"$python" "$bench/bench.py" --binary "$binary" --repo "$repo" "${source_note[@]}" "$@" &
driver=$!
trap 'kill -TERM "$driver" 2> /dev/null || true; wait "$driver" 2> /dev/null || true; exit 130' INT TERM HUP
status=0
wait "$driver" || status=$?
trap - INT TERM HUP
exit "$status"
