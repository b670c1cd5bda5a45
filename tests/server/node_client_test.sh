#!/usr/bin/env bash
# The real Pyroscope Node.js SDK (@pyroscope/nodejs from npm) profiles node_app.js and
# pushes to a running `pyrolens serve`; the query must then return the app's function.
# npm installs the locked packages once into WORK_DIR (idempotent: skipped when the
# lockfile is unchanged). Exits 77 (ctest: skipped) when npm cannot install them.
# Usage: node_client_test.sh PYROLENS WORK_DIR
set -euo pipefail
PYROLENS=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
if ! cmp -s "$HERE/package-lock.json" "$WORK/package-lock.json" ||
   [[ ! -d "$WORK/node_modules/@pyroscope/nodejs" ]]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$WORK/"
  if ! (cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
    echo "SKIP: npm ci failed (no registry access?):"; tail -5 "$WORK/npm.log"
    rm -f "$WORK/package-lock.json"
    exit 77
  fi
fi
cp "$HERE/node_app.js" "$WORK/"

DATA=$(mktemp -d /tmp/pyrolens-node-XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
# shellcheck source=serve_lib.sh
source "$HERE/serve_lib.sh"
start_pyrolens "$PYROLENS" "$DATA/store" "$DATA/server.log"

(cd "$WORK" && PYROSCOPE_URL="http://127.0.0.1:$PORT" RUN_MS=4000 timeout 60 node node_app.js)

Q=http://127.0.0.1:$PORT/querier.v1.QuerierService
TYPES=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{}' "$Q/ProfileTypes")
echo "profile types: $TYPES"
SERVICES=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"name":"service_name"}' "$Q/LabelValues")
echo "services: $SERVICES"
grep -q '"pyrolens-node-test"' <<<"$SERVICES" || { echo "FAIL: service not listed"; exit 1; }
found=0
for id in $(grep -o '"ID":"[^"]*"' <<<"$TYPES" | cut -d'"' -f4); do
  FLAME=$(curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"profileTypeID\":\"$id\",\"labelSelector\":\"{service_name=\\\"pyrolens-node-test\\\"}\"}" \
    "$Q/SelectMergeStacktraces")
  if grep -q 'pyrolensBusyWork' <<<"$FLAME"; then
    echo "PASS: $id flame graph has pyrolensBusyWork"
    found=1
  fi
done
[[ $found == 1 ]] || { echo "FAIL: no flame graph names pyrolensBusyWork"; exit 1; }
