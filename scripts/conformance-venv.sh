#!/usr/bin/env bash
# Creates Tests/conformance/.venv and installs Tests/conformance/requirements.txt into it.
# Idempotent: when the venv already holds exactly these requirements it returns at once.
# Usage: scripts/conformance-venv.sh            (prints the venv's python path on the last line)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite="$repo/Tests/conformance"
venv="$suite/.venv"
requirements="$suite/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    echo "$venv/bin/python"
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$requirements"
echo "$wanted" > "$stamp"
echo "$venv/bin/python"
