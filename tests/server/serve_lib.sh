# Sourced by the scripts that run `pyrolens serve` on a free port of 127.0.0.1
# (crash_test.sh, node_client_test.sh, bench/server_bench.sh).
# start_pyrolens BINARY DATA_DIR LOG [ARGS...]: starts the server in the background, sets
# SERVER_PID and PORT once it listens; exits the script (printing LOG) when it does not
# within 10 s or dies.
start_pyrolens() {
  local bin=$1 data=$2 log=$3
  shift 3
  : >"$log"
  "$bin" serve --data "$data" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's|.*serving on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    [[ -n "$PORT" ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log"; echo "server died" >&2; exit 1; }
    sleep 0.1
  done
  cat "$log"
  echo "server did not start" >&2
  exit 1
}
