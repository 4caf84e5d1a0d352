#!/usr/bin/env bash
# Rebalances (or aligns) every network fixture with the built fulcrum, then
# has PyTorch and Keras load the results and compare their outputs with the
# outputs they gave on the originals (fixtures/make_fixtures.py --verify DIR).
# Needs the Python venv of fixtures/README.md; CI does not run it.
#   scripts/framework-check.sh [balance|align] [extra fulcrum options…]
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-balance}; shift || true
python=${PYTHON:-/work/venv/bin/python}
fulcrum=${FULCRUM:-.build/debug/fulcrum}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$python" - "$out" <<'PY' > "$out/list"
import json, sys
m = json.load(open("fixtures/manifest.json"))
for f in m["files"]:
    if f["network"]:
        spec = m["networks"][f["network"]].get("spec") or ""
        print(f["path"], spec)
PY
status=0
while read -r path spec; do
  mkdir -p "$out/$(dirname "$path")"
  args=("$command" "fixtures/$path" -o "$out/$path")
  [ -n "$spec" ] && args+=(--spec "fixtures/$spec")
  if ! "$fulcrum" "${args[@]}" "$@" > "$out/log" 2>&1; then
    echo "$path: fulcrum $command failed: $(tail -1 "$out/log")"; status=1
  fi
done < "$out/list"
KERAS_BACKEND=torch "$python" fixtures/make_fixtures.py --verify "$out" || status=1
exit $status
