#!/usr/bin/env bash
# Regenerates the merge goldens from Google's pprof (scripts/reference-pprof), and checks
# on the way that pprof reads a Pyrolens-merged file exactly as it reads the inputs.
#
# For each case below (corpus files with the same sample types) and each sample type:
#   1. `pprof -top` of the input files (pprof merges them itself) is stored as the golden;
#   2. `pyrolens merge FILES -o merged.pb.gz` writes Pyrolens's merge, and `pprof -top` of
#      that one file must print the same report (from "Showing nodes" on: the header's
#      Time line follows pprof's own time rule), else the script fails loudly.
# tests/core/merge_test.cc then merges the same inputs in-process and compares its
# per-function flat totals with the golden's flat column (no pprof at test time).
#
# Why the flags: -unit is the sample type's own unit (ns, B; none for counts) so the flat
# column holds exact integers instead of scaled "1.23MB" figures; -nodecount large and
# -nodefraction=0 keep every function; TZ, HOME and PPROF_BINARY_PATH as in
# tests/testdata/top/regen.sh (no local binaries, no user settings).
#
# Golden layout, one file per case: "#### FILES..." once, then per sample type a line
# "## sample_index=N type=T unit=U" followed by pprof's rows after the column header
# whose flat value is not zero.
#
# Usage: tests/testdata/merge/regen.sh [PYROLENS_BINARY]   (needs ../shared/corpus)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
corpus=$(cd "$repo/../shared/corpus" && pwd)
pyrolens=$(realpath "${1:-$repo/build/tree/native/pyrolens}")
pprof=$("$repo/scripts/reference-pprof")
[ -x "$pyrolens" ] || { echo "no pyrolens binary at $pyrolens (build first)" >&2; exit 1; }
export TZ=UTC
export HOME=$(mktemp -d)
export PPROF_BINARY_PATH=/nonexistent
trap 'rm -rf "$HOME"' EXIT

declare -A cases=(
  [heap]="dd-trace-go/heap.before.pprof dd-trace-go/heap.after.pprof"
  [stress]="dd-trace-go/stress-failure.3.before.pprof dd-trace-go/stress-failure.3.after.pprof"
  [cpu]="datakit/cpu.pprof pyroscope/ingest/cpu.pb.gz dd-trace-go/pprof.samples.cpu.001.pb.gz"
  [block]="dd-trace-go/block.before.pprof dd-trace-go/block.after.pprof pyroscope/ingest/req_3.pprof datakit/delta-block.pprof"
)

cd "$corpus"
for name in $(printf '%s\n' "${!cases[@]}" | sort); do
  read -r -a files <<<"${cases[$name]}"
  merged="$HOME/$name.pb.gz"
  "$pyrolens" merge "${files[@]}" -o "$merged"
  out="$here/$name.txt"
  printf '#### %s\n' "${files[*]}" >"$out"
  # "Sample types: a/count b/bytes (default)" from `pyrolens info`.
  read -r -a types < <("$pyrolens" info "$merged" | sed -n 's/^Sample types: //p' | sed 's/ (default)//g')
  for i in "${!types[@]}"; do
    type=${types[$i]%%/*}
    unit=${types[$i]#*/}
    flags=(-top -symbolize=remote -nodecount=100000 -nodefraction=0 -edgefraction=0 "-sample_index=$i")
    case $unit in
      nanoseconds) flags+=(-unit=ns) ;;
      microseconds) flags+=(-unit=us) ;;
      milliseconds) flags+=(-unit=ms) ;;
      bytes) flags+=(-unit=B) ;;
    esac
    "$pprof" "${flags[@]}" "${files[@]}" >"$HOME/inputs.txt" 2>"$HOME/err" ||
      { cat "$HOME/err" >&2; exit 1; }
    "$pprof" "${flags[@]}" "$merged" >"$HOME/merged.txt" 2>"$HOME/err" ||
      { cat "$HOME/err" >&2; exit 1; }
    if ! diff <(sed -n '/^Showing nodes/,$p' "$HOME/inputs.txt") \
              <(sed -n '/^Showing nodes/,$p' "$HOME/merged.txt") >"$HOME/diff"; then
      echo "MISMATCH: pprof -top ${flags[*]} of the inputs ($name) differs from the" >&2
      echo "same report on Pyrolens's merged file:" >&2
      cat "$HOME/diff" >&2
      exit 1
    fi
    printf '## sample_index=%d type=%s unit=%s\n' "$i" "$type" "$unit" >>"$out"
    # Rows with a zero flat value are left out: the test checks that every function with
    # a non-zero flat total is listed with that total, and nothing else.
    sed -n '/^ *flat  *flat%/,$p' "$HOME/inputs.txt" | tail -n +2 | awk '$1 != "0"' >>"$out"
  done
  echo "$name: ${#types[@]} sample types, pprof agrees with the Pyrolens merge" >&2
done
