#!/usr/bin/env bash
# End-to-end checks of the `pyrolens` binary: exit codes, one-line errors naming the
# file and the fault, --help for every subcommand.
# Usage: cli_test.sh PYROLENS_BINARY CORPUS_DIR
set -u
bin=$1
corpus=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() {  # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}

# run ARGS...: sets $rc, $out, $err
run() {
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

one_error_line() { [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; }
err_has() { grep -qF -- "$1" "$tmp/err"; }
out_has() { grep -qF -- "$1" "$tmp/out"; }

run info "$corpus/dd-trace-go/big-heap.pprof"
check "info succeeds" [ "$rc" -eq 0 ]
check "info shows sample types" out_has "alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes"
check "info shows samples" out_has "Samples: 5676"

run info "$tmp/does-not-exist.pb.gz"
check "missing file: one error line" one_error_line
check "missing file: names the path" err_has "does-not-exist.pb.gz: No such file or directory"

head -c 700 "$corpus/dd-trace-go/big-heap.pprof" >"$tmp/truncated.pprof"
run info "$tmp/truncated.pprof"
check "truncated pprof: one error line" one_error_line
check "truncated pprof: names file, format and offset" \
  bash -c "grep -q 'truncated.pprof: pprof: .* at offset [0-9]' '$tmp/err'"

printf '\x1f\x8b\x08\x00garbage' >"$tmp/bad.gz"
run info "$tmp/bad.gz"
check "corrupt gzip: one error line" one_error_line
check "corrupt gzip: says gzip" err_has "bad.gz: gzip:"

run info "$corpus/jfr-parser/wall.jfr.gz"
check "JFR: info succeeds" [ "$rc" -eq 0 ]
check "JFR: wall sample types" out_has "wall_samples/count (default) wall/nanoseconds"
check "JFR: thread names as labels" out_has "keys: thread_name"

run info "$corpus/datakit/prof.jfr"
check "JFR 0.9: one error line" one_error_line
check "JFR 0.9: names the format and version" err_has "prof.jfr: jfr:"

run info "$corpus/flamegraph/perf-script/perf-dd-stacks-01.txt"
check "perf script: event and period columns" out_has "cpu-clock/count (default) cpu-clock_period/nanoseconds"

run info
check "missing argument: one error line" one_error_line
run top --nodecount=abc "$corpus/dd-trace-go/big-heap.pprof"
check "bad flag value: one error line" one_error_line
run merge "$corpus/dd-trace-go/heap.pprof"
check "merge without -o: one error line" one_error_line

# merge -> top equals top over the inputs merged on the fly
a="$corpus/dd-trace-go/heap.before.pprof"
b="$corpus/dd-trace-go/heap.after.pprof"
run merge "$a" "$b" -o "$tmp/merged.pb.gz"
check "merge succeeds" [ "$rc" -eq 0 ]
"$bin" top "$a" "$b" | tail -n +2 >"$tmp/top-inputs"
"$bin" top "$tmp/merged.pb.gz" | tail -n +2 >"$tmp/top-merged"
check "top of merged file equals top of its inputs" cmp -s "$tmp/top-inputs" "$tmp/top-merged"

run convert "$corpus/speedscope/pprof/simple.prof" -o "$tmp/simple.folded"
check "convert to folded succeeds" [ "$rc" -eq 0 ]
check "folded total equals the cpu total" \
  bash -c "awk '{s+=\$NF} END {exit !(s==1500000000)}' '$tmp/simple.folded'"

run flame "$corpus/speedscope/pprof/simple.prof" --max-nodes 8
check "flame prints Pyroscope FlameGraph JSON" \
  bash -c "grep -q '\"names\":\[\"total\"' '$tmp/out' && grep -q '\"levels\"' '$tmp/out'"

run diff "$a" "$b"
check "diff succeeds" [ "$rc" -eq 0 ]

for sub in $("$bin" --help | awk '/^Subcommands:/{s=1;next} s&&NF{print $1}'); do
  run "$sub" --help
  check "$sub --help" [ "$rc" -eq 0 ]
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
