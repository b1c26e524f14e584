#!/usr/bin/env bash
# Regenerates Sources/<Module>/Generated/ from the botocore models named in Tools/codegen/services.json.
#
#   scripts/codegen.sh          regenerate in place
#   scripts/codegen.sh --check  regenerate into a temporary folder; exit 1 with a diff when the committed files differ
#
# The models come from the pinned botocore release (services.json "botocoreVersion"). When the python3 on PATH has
# another version, the pinned one is installed into .venv-codegen/ at the repository root and used instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="$ROOT/Tools/codegen/services.json"
CHECK=0
case "${1:-}" in
    "") ;;
    --check) CHECK=1 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

PINNED="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["botocoreVersion"])' "$CONFIG")"

botocore_version() {
    "$1" -c 'import botocore; print(botocore.__version__)' 2>/dev/null || true
}

PYTHON=python3
if [ "$(botocore_version python3)" != "$PINNED" ]; then
    VENV="$ROOT/.venv-codegen"
    if [ "$(botocore_version "$VENV/bin/python")" != "$PINNED" ]; then
        echo "installing botocore $PINNED into $VENV" >&2
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet "botocore==$PINNED"
    fi
    PYTHON="$VENV/bin/python"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Decompress the latest model of every configured service into $WORK/models/<model>/<date>/service-2.json.
"$PYTHON" - "$CONFIG" "$WORK/models" <<'PY'
import gzip, json, os, sys
import botocore
config, out = sys.argv[1], sys.argv[2]
data = os.path.join(os.path.dirname(botocore.__file__), "data")
for service in json.load(open(config))["services"]:
    model = service["model"]
    folder = os.path.join(data, model)
    dates = sorted(d for d in os.listdir(folder) if os.path.exists(os.path.join(folder, d, "service-2.json.gz")))
    if not dates:
        sys.exit(f"no service-2.json.gz for {model} in {folder}")
    target = os.path.join(out, model, dates[-1])
    os.makedirs(target, exist_ok=True)
    with gzip.open(os.path.join(folder, dates[-1], "service-2.json.gz")) as source:
        with open(os.path.join(target, "service-2.json"), "wb") as destination:
            destination.write(source.read())
PY

swift build --package-path "$ROOT/Tools/codegen" --product moat-codegen >&2
BIN="$(swift build --package-path "$ROOT/Tools/codegen" --show-bin-path)/moat-codegen"

if [ "$CHECK" = 0 ]; then
    "$BIN" --config "$CONFIG" --models "$WORK/models" --output "$ROOT"
    exit 0
fi

"$BIN" --config "$CONFIG" --models "$WORK/models" --output "$WORK/out" >/dev/null
STATUS=0
for MODULE in $(python3 -c 'import json,sys; print(" ".join(sorted({s["module"] for s in json.load(open(sys.argv[1]))["services"]})))' "$CONFIG"); do
    if ! diff -ru "$ROOT/Sources/$MODULE/Generated" "$WORK/out/Sources/$MODULE/Generated"; then
        STATUS=1
    fi
done
if [ "$STATUS" != 0 ]; then
    echo "generated files are out of date: run scripts/codegen.sh" >&2
fi
exit "$STATUS"
