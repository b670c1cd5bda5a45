#!/usr/bin/env bash
# kill -9 `pyrolens serve` during a push load, ROUNDS times; after each restart the store
# must open cleanly and every push that got a 200 must still be queryable.
# Usage: crash_test.sh PYROLENS PYROLENS_SERVER_LOAD [ROUNDS]
set -euo pipefail
PYROLENS=$1
LOAD=$2
ROUNDS=${3:-8}
WORK=$(mktemp -d /tmp/pyrolens-crash-XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=serve_lib.sh
source "$(dirname "$0")/serve_lib.sh"
start_server() { start_pyrolens "$PYROLENS" "$WORK/data" "$WORK/server.log" --compaction-interval 0; }

for round in $(seq 1 "$ROUNDS"); do
  start_server
  # Pushes of round r are indexes r*100000...; the load stops by itself after 3 s.
  "$LOAD" load --port "$PORT" --threads 4 --seconds 3 --gen-bytes 10000 \
    --start-index $((round * 100000)) --ack-log "$WORK/acks" >"$WORK/load.log" 2>&1 &
  LOAD_PID=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  wait "$LOAD_PID" || true
  echo "round $round: $(head -c 200 "$WORK/load.log")"
done

start_server
"$LOAD" verify --port "$PORT" --ack-log "$WORK/acks"
