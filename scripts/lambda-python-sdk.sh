#!/usr/bin/env bash
# Installs the pinned boto3 of scripts/lambda-python-sdk.txt into DIR (default .build/lambda-python-sdk), for
# `moat serve --lambda-python-sdk DIR`: python functions import boto3 from there, as on Lambda's python runtimes.
# Idempotent: returns at once when DIR already holds exactly these requirements. Prints DIR on the last line.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$repo/scripts/lambda-python-sdk.txt"
target="$(realpath -m "${1:-$repo/.build/lambda-python-sdk}")"
stamp="$target/.requirements.sha256"

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    echo "$target"
    exit 0
fi
rm -rf "$target"
mkdir -p "$target"
# Pure-python packages: one install serves every python3.x runtime (bytecode is compiled for the python3 that
# installs them, the interpreter the python runtimes use when no python3.X of their own is installed).
python3 -m pip install --quiet --disable-pip-version-check --target "$target" --requirement "$requirements"
chmod -R a+rX "$target"
echo "$wanted" > "$stamp"
echo "$target"
