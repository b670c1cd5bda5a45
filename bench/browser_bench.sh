#!/usr/bin/env bash
# The browser benchmark: time from drop to the first drawn flame graph and peak JS + wasm
# memory of the wasm viewer in this machine's headless Chromium, on generated profiles of
# 100,000 and 2,000,000 samples (the shapes bench/bench_top.sh uses), and of 300,000 samples
# whose call tree has 1.1M nodes (for the frame times of a 1M-node tree), and speedscope (npm
# `speedscope`, served locally, loading the same file through #profileURL=) in the same run
# with the ratio. Prints one row per tool and profile.
#   BENCH_SIZES="100k 300k 2m"   profiles to run
#   SPEEDSCOPE=0            skip speedscope (on the 2m profile it had not finished after 17 min here)
#   SPEEDSCOPE_TIMEOUT_S=900  how long speedscope may take; a failure prints the ratios it bounds
#   BENCH_RUNS=2            runs per Pyrolens measurement (best kept); speedscope runs once
#   BENCH_PAGE_QUERY='?stream=0'  the viewer page's query (its settings, e.g. for A/B runs)
#   BENCH_PROFILE=1         the viewer built with wasm function names (build/wasm-prof; the
#                           same code) and one more drop per profile, CPU-profiled: where its
#                           main-thread time went, per function
#   BENCH_BUILD=build/native  the native build with pyrolens-gen; BENCH_CACHE=build/bench-cache
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BENCH_BUILD:-build/native}
CACHE=${BENCH_CACHE:-build/bench-cache}
log() { printf '[browser_bench] %s\n' "$*" >&2; }

shape() {
  case "$1" in
    100k) echo "--samples 100000 --stacks 20000 --functions 10000 --max-depth 64 --label-cardinality 10000 --seed 1" ;;
    300k) echo "--samples 300000 --stacks 60000 --functions 20000 --max-depth 64 --label-cardinality 10000 --seed 1" ;;
    2m) echo "--samples 2000000 --stacks 200000 --functions 50000 --max-depth 120 --label-cardinality 100000 --seed 1" ;;
    *) log "unknown size '$1' (want 100k, 300k or 2m)"; exit 2 ;;
  esac
}

build_gen() { # only when a profile must be generated
  [ -f "$BUILD/CMakeCache.txt" ] || cmake --preset native -B "$BUILD" >/dev/null
  if ! cmake --build "$BUILD" -j 2 --target pyrolens-gen >"$BUILD/browser_bench-gen.log" 2>&1; then
    [ -x "$BUILD/bench/pyrolens-gen" ] || { tail -20 "$BUILD/browser_bench-gen.log" >&2; exit 1; }
    log "could not rebuild pyrolens-gen (see $BUILD/browser_bench-gen.log); using the existing one"
  fi
}
export NODE_PATH=/usr/share/nodejs
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j 2 | grep '\[wasm\]' >&2 || true
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  prof=build/wasm-prof
  cmake --preset wasm -B "$prof" -DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs >/dev/null
  cmake --build "$prof" -j 2 --target pyrolens_web >/dev/null
  rm -rf "$prof/site" && cp -r build/wasm/site "$prof/site"
  cp "$prof/wasm/pyrolens.js" "$prof/wasm/pyrolens.wasm" "$prof/site/"
  export BENCH_PROFILE PYROLENS_SITE=$PWD/$prof/site
fi
tests/web/npm-install.sh
mkdir -p "$CACHE"
gen_hash=$(cat bench/generator.cc bench/generator.h | sha1sum | cut -c1-8)
files=()
for size in ${BENCH_SIZES:-100k 300k 2m}; do
  f=$CACHE/browser-$size-$gen_hash.pb.gz
  if [ ! -s "$f" ]; then
    log "generating $f"
    build_gen
    # shellcheck disable=SC2046
    "$BUILD/bench/pyrolens-gen" $(shape "$size") -o "$f.tmp" >/dev/null
    mv "$f.tmp" "$f"
  fi
  files+=("$size=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
exec node bench/browser_bench.js "${files[@]}"
