#!/usr/bin/env bash
# Runs every test of Moat on a fresh machine:
#   1. checks that the generated code matches the pinned botocore models;
#   2. builds Moat and runs the Swift tests, the store suites against SQLite and a PostgreSQL this script starts;
#   3. replays the fuzz corpora through the harnesses;
#   4. runs the conformance suite (boto3, the AWS CLI, requests) against the real `moat` binary.
# Everything it needs (PostgreSQL, Python packages) it installs itself.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n== %s\n' "$*"; }

step "system libraries"
# Debian packages the build needs, installed when their header is missing.
need_package() {
    local header="$1" package="$2"
    [[ -f "$header" ]] && return 0
    local sudo_cmd=""; [[ "$(id -u)" == 0 ]] || sudo_cmd="sudo"
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" > /dev/null \
        || { $sudo_cmd apt-get update -q > /dev/null && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" > /dev/null; }
}
need_package /usr/include/zlib.h zlib1g-dev           # MoatLambda reads deployment packages (Sources/CZlib)
need_package /usr/include/openssl/bn.h libssl-dev     # MoatCognito's SRP: constant-time modexp (Sources/COpenSSL)
need_package /usr/bin/openssl openssl                 # the SMTP client's STARTTLS tests make a certificate with it

step "Python clients (pinned, Tests/conformance/requirements.txt)"
# Before the Swift tests: MoatCognitoTests drive pycognito and PyJWT from this environment.
python="$(scripts/conformance-venv.sh | tail -n 1)"

step "generated code is up to date"
scripts/codegen.sh --check

step "PostgreSQL for the store suites"
pg_dir="$(mktemp -d /tmp/moat-test-pg.XXXXXX)"
cleanup() { scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap cleanup EXIT
MOAT_TEST_POSTGRES_URL="$(scripts/postgres.sh start "$pg_dir" | tail -n 1)"
export MOAT_TEST_POSTGRES_URL
export MOAT_REQUIRE_POSTGRES=1

step "Swift tests"
swift build --build-tests
swift test --skip-build

step "fuzz corpora replay (regression inputs of the libFuzzer harnesses)"
scripts/fuzz.sh --replay --no-build

step "Lambda runtime bootstraps (python, node) against a fake Runtime API"
"$python" -m pytest -q Tests/runtimes

step "conformance suite"
MOAT_BINARY="$repo/.build/debug/moat" "$python" -m pytest -q Tests/conformance
