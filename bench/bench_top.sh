#!/usr/bin/env bash
# Times the reference `pprof -top` against `pyrolens top` on generated profiles and prints
# wall time, peak RSS and their ratios (DESIGN.md budget: >= 10x faster than pprof, peak
# RSS <= 3x the uncompressed pprof). Until `pyrolens top` exists, `pyrolens info` (read
# and total) stands in and the table says so.
#   bench/bench_top.sh                 both profiles: 100k and 2m samples
# Environment:
#   BENCH_SIZES="100k 2m"   which profiles
#   BENCH_BUILD=build/native  build directory (configured with the native preset if absent)
#   BENCH_CACHE=build/bench-cache  generated profiles, kept across runs (names carry a hash
#                           of the generator source and the options, so they never go stale)
#   BENCH_RUNS=3            runs of pyrolens per profile (best wall time, highest RSS)
#   PPROF_RUNS=1            runs of pprof per profile
#   PPROF_VARIANTS="plain taghide"  plain: `pprof -top` as users run it; taghide: with
#                           -taghide=. (labels dropped first: pprof's cheapest path, since
#                           it builds a tag set per node for every distinct label set)
#   PPROF_MAX_RSS_MIB=12288, PPROF_TIMEOUT=1800  pprof is killed past these (it needs
#                           about 9 GiB and 9 minutes for the 2m profile even with -taghide)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES:-"100k 2m"}
BUILD=${BENCH_BUILD:-build/native}
CACHE=${BENCH_CACHE:-build/bench-cache}
RUNS=${BENCH_RUNS:-3}
PPROF_RUNS=${PPROF_RUNS:-1}
PPROF_VARIANTS=${PPROF_VARIANTS:-"plain taghide"}
PPROF_MAX_RSS_MIB=${PPROF_MAX_RSS_MIB:-12288}
PPROF_TIMEOUT=${PPROF_TIMEOUT:-1800}

log() { printf '[bench_top] %s\n' "$*" >&2; }

# The shapes core_bench.cc uses too.
shape() {
  case "$1" in
    100k) echo "--samples 100000 --stacks 20000 --functions 10000 --max-depth 64 --label-cardinality 10000 --seed 1" ;;
    2m) echo "--samples 2000000 --stacks 200000 --functions 50000 --max-depth 120 --label-cardinality 100000 --seed 1" ;;
    *) log "unknown size '$1' (want 100k or 2m)"; exit 2 ;;
  esac
}

[ -f "$BUILD/CMakeCache.txt" ] || cmake --preset native -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target pyrolens pyrolens-gen pyrolens-measure >/dev/null
PYROLENS=$BUILD/native/pyrolens
GEN=$BUILD/bench/pyrolens-gen
MEASURE=$BUILD/bench/pyrolens-measure
PPROF=$(scripts/reference-pprof)
mkdir -p "$CACHE"

if "$PYROLENS" --help | grep -qE '^ +top( |$)'; then
  OURS=(top)
  OURS_NAME="pyrolens top"
else
  OURS=(info)
  OURS_NAME="pyrolens info*"
  log "this build has no 'top' subcommand yet: timing 'pyrolens info' (read + totals) instead"
fi

gen_hash=$(cat bench/generator.cc bench/generator.h | sha1sum | cut -c1-8)

# measure RUNS OUT_PREFIX [LIMITS...] -- COMMAND...: sets M_WALL (best), M_RSS (KiB,
# highest) and M_NOTE (why it was killed, if it was).
measure() {
  local runs=$1 out=$2; shift 2
  local limits=()
  while [ "$1" != -- ]; do limits+=("$1"); shift; done
  shift
  M_WALL= M_RSS=0 M_NOTE=
  local i rc wall rss
  for ((i = 0; i < runs; i++)); do
    rc=0
    rm -f "$out.time"
    "$MEASURE" "${limits[@]}" "$out.time" "$@" >"$out.txt" 2>"$out.err" || rc=$?
    if [ ! -s "$out.time" ]; then
      M_NOTE="not measured (status $rc): $(head -c 300 "$out.err")"
      return 0
    fi
    read -r wall rss <"$out.time"
    if ((rss > M_RSS)); then M_RSS=$rss; fi
    if ((rc != 0)); then
      case $rc in
        124) M_NOTE="killed after ${wall} s (timeout)" ;;
        125) M_NOTE="killed after ${wall} s (RSS over $PPROF_MAX_RSS_MIB MiB)" ;;
        *) M_NOTE="failed with status $rc: $(head -c 300 "$out.err")" ;;
      esac
      M_WALL=$wall
      return 0
    fi
    if [ -z "$M_WALL" ] || awk -v a="$wall" -v b="$M_WALL" 'BEGIN { exit !(a < b) }'; then
      M_WALL=$wall
    fi
  done
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

rows=()
for size in $SIZES; do
  args=$(shape "$size")
  args_hash=$(echo "$args" | sha1sum | cut -c1-8)
  file=$CACHE/gen-$size-$gen_hash-$args_hash.pb.gz
  if [ ! -s "$file" ]; then
    log "generating $file"
    # shellcheck disable=SC2086  # $args is a list of options
    "$GEN" $args -o "$file.tmp" 2>"$file.log"
    mv "$file.tmp" "$file"
    cat "$file.log" >&2
  fi
  plain_bytes=$(gzip -dc "$file" | wc -c)
  log "$size: $(stat -c %s "$file") bytes gzip, $plain_bytes bytes uncompressed"

  log "$size: $OURS_NAME x$RUNS"
  measure "$RUNS" "$CACHE/out-$size-pyrolens" -- "$PYROLENS" "${OURS[@]}" "$file"
  if [ -n "$M_NOTE" ]; then log "pyrolens $M_NOTE"; exit 1; fi
  our_wall=$M_WALL our_rss=$M_RSS
  rows+=("$size|$OURS_NAME|$our_wall|$(mib "$our_rss")|-|-|$(awk -v r="$our_rss" -v p="$plain_bytes" 'BEGIN { printf "%.2fx uncompressed", r * 1024 / p }')")

  for variant in $PPROF_VARIANTS; do
    case $variant in
      plain) pargs=(-top) ;;
      taghide) pargs=(-top -taghide=.) ;;
      *) log "unknown pprof variant '$variant'"; exit 2 ;;
    esac
    log "$size: pprof ${pargs[*]} x$PPROF_RUNS"
    measure "$PPROF_RUNS" "$CACHE/out-$size-pprof-$variant" \
      --max-rss-mib "$PPROF_MAX_RSS_MIB" --timeout "$PPROF_TIMEOUT" -- "$PPROF" "${pargs[@]}" "$file"
    if [ -n "$M_NOTE" ]; then
      rows+=("$size|pprof ${pargs[*]}|>= $M_WALL|>= $(mib "$M_RSS")|>= $(ratio "$M_WALL" "$our_wall")|>= $(ratio "$M_RSS" "$our_rss")|$M_NOTE")
    else
      rows+=("$size|pprof ${pargs[*]}|$M_WALL|$(mib "$M_RSS")|$(ratio "$M_WALL" "$our_wall")|$(ratio "$M_RSS" "$our_rss")|")
    fi
  done
done

printf '\n%-6s %-22s %12s %14s %14s %13s  %s\n' profile tool wall_s peak_rss_MiB "time ratio" "RSS ratio" note
for row in "${rows[@]}"; do
  IFS='|' read -r a b c d e f g <<<"$row"
  printf '%-6s %-22s %12s %14s %14s %13s  %s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g"
done
echo "ratios are pprof / pyrolens (higher is better for pyrolens)"
[ "$OURS_NAME" = "pyrolens top" ] || echo "* pyrolens info: read + totals (no top subcommand in this build)"
