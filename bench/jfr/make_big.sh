#!/usr/bin/env bash
# Records build/bench-cache/big.jfr (>= 100 MB) with OpenJDK 17 running BigRecording.java,
# once (kept), then prints JFR read throughput: build/native/bench/jfr_bench.
#   BENCH_BUILD=build/native  JFR_BENCH_MB=100
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BENCH_BUILD:-build/native}
out=build/bench-cache/big.jfr
mkdir -p build/bench-cache
jdk=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
if [ ! -s "$out" ]; then
  "$jdk/bin/java" bench/jfr/BigRecording.java "$out" "${JFR_BENCH_MB:-100}"
fi
"$jdk/bin/jfr" summary "$out" | sed -n '1,6p'
cmake --build "$build" --target jfr_bench >/dev/null
JFR_BENCH_FILE=$out "$build/bench/jfr_bench"
