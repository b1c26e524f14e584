#!/usr/bin/env bash
# Moat foundation benchmark, one command: installs wrk (Debian) and the Python packages of the conformance suite,
# builds the release binary unless it is newer than the sources, then runs Benchmarks/bench.py, which writes
# Benchmarks/results/<timestamp>/ and rewrites Benchmarks/RESULTS.md.
# With --lambda it runs Benchmarks/lambda.py instead (Lambda cold start, warm round trip, Invokes per second), which
# writes its own Benchmarks/results/<timestamp>/ and rewrites only the Lambda section of Benchmarks/RESULTS.md.
# With --cognito it runs Benchmarks/cognito.py (Moat's Cognito sign-in calls against moto's server, in the same run,
# and against RSA and PBKDF2 floors), after installing moto (Benchmarks/requirements-cognito.txt) into a venv of its
# own, MOAT_BENCH_MOTO_VENV (default .build/moto-venv); it rewrites only the Cognito section of Benchmarks/RESULTS.md.
# With --gateway it runs Benchmarks/gateway.py (a deployed stage's MOCK routes, open and behind a Cognito authorizer,
# against Moat's own health route; a Lambda proxy route against direct Invoke); it rewrites only the API Gateway
# section of Benchmarks/RESULTS.md.
#
# Usage: Benchmarks/run.sh [bench.py options]                (Benchmarks/run.sh --help lists them)
#        Benchmarks/run.sh --lambda [lambda.py options]      (Benchmarks/run.sh --lambda --help lists them)
#        Benchmarks/run.sh --cognito [cognito.py options]    (Benchmarks/run.sh --cognito --help lists them)
#        Benchmarks/run.sh --gateway [gateway.py options]    (Benchmarks/run.sh --gateway --help lists them)
# Which binary (the first that applies):
#   MOAT_BINARY=path          benchmark this executable; MOAT_BENCH_SOURCE (text) and MOAT_BENCH_SOURCE_COMMIT (a
#                             commit) say what it was built from, for RESULTS.md
#   MOAT_BENCH_COMMIT=rev     build exactly this commit (git archive, so uncommitted changes are left out) in release,
#                             in MOAT_BENCH_BUILD_DIR (default $TMPDIR/moat-bench-build, kept for incremental builds);
#                             does not touch the repository's .build
#   (neither)                 the repository's working tree: .build/release/moat, rebuilt when a source is newer
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

script="bench.py"
arguments=()
for argument in "$@"; do
    if [[ "$argument" == "--lambda" || "$argument" == "--cognito" || "$argument" == "--gateway" ]]; then
        chosen="${argument#--}.py"
        if [[ "$script" != "bench.py" && "$script" != "$chosen" ]]; then
            echo "--lambda, --cognito and --gateway are separate benchmarks: give one" >&2
            exit 1
        fi
        script="$chosen"
    else
        arguments+=("$argument")
    fi
done
set -- ${arguments[@]+"${arguments[@]}"}
for argument in "$@"; do
    if [[ "$argument" == "-h" || "$argument" == "--help" ]]; then
        exec "$python" "$bench/$script" --help
    fi
done

# 2b. For --cognito: moto's server, pinned, in a venv of its own (moto[server] brings Flask, Werkzeug and the
#     dependencies of every service it mocks; the conformance venv stays as its requirements say). Idempotent, as
#     scripts/conformance-venv.sh is.
extra_args=()
if [[ "$script" == "cognito.py" ]]; then
    moto_venv="$(realpath -m "${MOAT_BENCH_MOTO_VENV:-$repo/.build/moto-venv}")"
    moto_requirements="$bench/requirements-cognito.txt"
    moto_stamp="$moto_venv/.requirements.sha256"
    moto_wanted="$(sha256sum "$moto_requirements" | cut -d' ' -f1)"
    if [[ ! -x "$moto_venv/bin/moto_server" || ! -f "$moto_stamp" || "$(cat "$moto_stamp")" != "$moto_wanted" ]]; then
        echo "installing moto_server into $moto_venv (pip)…" >&2
        [[ -x "$moto_venv/bin/python" ]] || "${PYTHON:-python3}" -m venv "$moto_venv"
        "$moto_venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$moto_requirements"
        echo "$moto_wanted" > "$moto_stamp"
    fi
    extra_args+=(--moto-server "$moto_venv/bin/moto_server")
fi

# 3. The release binary.
commit=""
source_note=""
if [[ -n "${MOAT_BINARY:-}" ]]; then
    binary="$MOAT_BINARY"
    commit="${MOAT_BENCH_SOURCE_COMMIT:-}"
    source_note="${MOAT_BENCH_SOURCE:-given by MOAT_BINARY}"
elif [[ -n "${MOAT_BENCH_COMMIT:-}" ]]; then
    commit="$(git -C "$repo" rev-parse --verify "${MOAT_BENCH_COMMIT}^{commit}")"
    build_dir="${MOAT_BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/moat-bench-build}"
    stage="$(mktemp -d "${TMPDIR:-/tmp}/moat-bench-stage.XXXXXX")"
    trap 'rm -rf "$stage"' EXIT
    git -C "$repo" archive "$commit" | tar -x -C "$stage"
    if [[ ! -f "$stage/Package.resolved" && -f "$repo/Package.resolved" ]]; then
        cp "$repo/Package.resolved" "$stage/Package.resolved"   # not committed: pin what the working tree resolved
    fi
    # Copy only what differs, so that unchanged files keep their times and the build stays incremental.
    mkdir -p "$build_dir"
    while IFS= read -r -d '' file; do
        if [[ -L "$stage/$file" ]]; then
            if [[ ! -L "$build_dir/$file" || "$(readlink "$stage/$file")" != "$(readlink "$build_dir/$file")" ]]; then
                mkdir -p "$(dirname "$build_dir/$file")"
                cp -P --remove-destination "$stage/$file" "$build_dir/$file"
            fi
        elif [[ -L "$build_dir/$file" ]] || ! cmp -s "$stage/$file" "$build_dir/$file"; then
            mkdir -p "$(dirname "$build_dir/$file")"
            cp --remove-destination "$stage/$file" "$build_dir/$file"
        fi
    done < <(cd "$stage" && find . ! -type d -print0)
    while IFS= read -r -d '' file; do
        [[ -e "$stage/$file" || -L "$stage/$file" ]] || rm -f "$build_dir/$file"
    done < <(cd "$build_dir" && find . -path ./.build -prune -o ! -type d -print0)
    rm -rf "$stage"
    trap - EXIT
    echo "building commit ${commit:0:12} in release in $build_dir…" >&2
    (cd "$build_dir" && swift build -c release --product moat)
    binary="$(cd "$build_dir" && swift build -c release --show-bin-path)/moat"
    source_note="git archive of the commit, swift build -c release"
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

# 4. The benchmark. Each driver stops every server it starts; the trap forwards an interruption to it.
if [[ -n "${MOAT_BINARY:-}" ]]; then
    invocation="MOAT_BINARY=$MOAT_BINARY Benchmarks/run.sh"
elif [[ -n "${MOAT_BENCH_COMMIT:-}" ]]; then
    invocation="MOAT_BENCH_COMMIT=$commit Benchmarks/run.sh"
else
    invocation="Benchmarks/run.sh"
fi
[[ "$script" == "lambda.py" ]] && invocation+=" --lambda"
[[ "$script" == "cognito.py" ]] && invocation+=" --cognito"
[[ "$script" == "gateway.py" ]] && invocation+=" --gateway"
[[ $# -gt 0 ]] && invocation+=" $*"
source_args=(--invocation "$invocation")
[[ -n "$commit" ]] && source_args+=(--commit "$commit")
[[ -n "$source_note" ]] && source_args+=(--source-note "$source_note")
"$python" "$bench/$script" --binary "$binary" --repo "$repo" "${source_args[@]}" ${extra_args[@]+"${extra_args[@]}"} "$@" &
driver=$!
trap 'kill -TERM "$driver" 2> /dev/null || true; wait "$driver" 2> /dev/null || true; exit 130' INT TERM HUP
status=0
wait "$driver" || status=$?
trap - INT TERM HUP
exit "$status"
