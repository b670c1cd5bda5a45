#!/usr/bin/env bash
# Prints the figures of `pyrolens serve` (budgets in DESIGN.md and issue 5): push throughput
# and p50/p99 latency of ~10 KB pprof pushes with the project's client (nothing lost:
# every acknowledged push is then queried) and with wrk + server_ingest.lua when wrk is
# installed; then server_bench (bytes stored per profile, ingest CPU per step, latency of
# merging 360 ten-second profiles). Knobs: BENCH_BUILD (build/native), LOAD_SECONDS (10),
# LOAD_THREADS (8).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BENCH_BUILD:-build/native}
SECS=${LOAD_SECONDS:-10}
THREADS=${LOAD_THREADS:-8}
WORK=$(mktemp -d /tmp/pyrolens-server-bench-XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/server/serve_lib.sh
source tests/server/serve_lib.sh
start_pyrolens "$BUILD/native/pyrolens" "$WORK/data" "$WORK/server.log"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/bench/pyrolens-server-load" load --port "$PORT" --threads "$THREADS" --seconds "$SECS" \
  --ack-log "$WORK/acks"
"$BUILD/bench/pyrolens-server-load" verify --port "$PORT" --ack-log "$WORK/acks"
if command -v wrk >/dev/null; then
  "$BUILD/bench/pyrolens-server-load" gen --out "$WORK/profile.pb.gz" --gen-bytes 10000
  echo "wrk: $(stat -c %s "$WORK/profile.pb.gz")-byte pprof pushes, 2 threads, $THREADS connections, ${SECS}s"
  PROFILE="$WORK/profile.pb.gz" wrk -t2 -c"$THREADS" -d"${SECS}s" --latency \
    -s bench/server_ingest.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|99%|50%|Non-2xx|Socket errors" || true
fi
"$BUILD/bench/server_bench"
