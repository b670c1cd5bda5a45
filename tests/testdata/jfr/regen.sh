#!/usr/bin/env bash
# Regenerates the JFR goldens with OpenJDK 17's own tools: for each recording, `jfr print
# --json` (events, leaf frames; settings) and the JDK's RecordingFile API (event type ids)
# summarised by golden.py into NAME.golden. Pyrolens never writes these files.
#   tests/testdata/jfr/regen.sh            goldens for workload.jfr and the corpus recordings
#   tests/testdata/jfr/regen.sh --record   first re-records workload.jfr from Workload.java
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "$here/../../../.." && pwd)/shared/corpus
jdk=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" = --record ]; then
  "$jdk/bin/javac" -d "$tmp/classes" "$here/Workload.java"
  "$jdk/bin/java" -cp "$tmp/classes" Workload "$here/workload.jfr"
fi

events=jdk.ExecutionSample,datadog.ExecutionSample,jdk.NativeMethodSample
events+=,profiler.WallClockSample,datadog.MethodSample,jdk.ObjectAllocationInNewTLAB
events+=,jdk.ObjectAllocationOutsideTLAB,jdk.ObjectAllocationSample,datadog.ObjectSample
events+=,profiler.LiveObject,datadog.HeapLiveObject,jdk.JavaMonitorEnter,jdk.ThreadPark
events+=,jdk.JavaExceptionThrow,jdk.JavaErrorThrow,datadog.ExceptionSample,profiler.Malloc

golden() {  # golden RECORDING NAME
  local jfr=$1 name=$2
  if ! "$jdk/bin/jfr" print --json --stack-depth 1 --events "$events" "$jfr" >"$tmp/events.json" \
    2>"$tmp/err"; then
    echo "$name: skipped, jfr print fails: $(grep -m1 -v '^\s*at ' "$tmp/err")" >&2
    rm -f "$here/$name.golden"
    return
  fi
  "$jdk/bin/jfr" print --json --events jdk.ActiveSetting "$jfr" >"$tmp/settings.json"
  "$jdk/bin/java" "$here/TypeIds.java" "$jfr" >"$tmp/ids.json"
  python3 "$here/golden.py" "$tmp/events.json" "$tmp/settings.json" "$tmp/ids.json" \
    >"$here/$name.golden"
  echo "$name.golden" >&2
}

golden "$here/workload.jfr" workload
# Corpus recordings (JFR 1.x/2.x; datakit/prof.jfr is 0.9, which JDK 17 cannot read either;
# on datakit/main.jfr jfr print fails with an internal error, so it has no golden).
for rel in datakit/main.jfr speedscope/java-flight-recorder/heavy.jfr jfr-parser/*.jfr.gz; do
  for file in "$corpus"/$rel; do
    name=$(basename "$file")
    name=${name%.gz}
    name=${name%.jfr}
    case $file in
      *.gz) gzip -dc "$file" >"$tmp/in.jfr" ;;
      *) cp "$file" "$tmp/in.jfr" ;;
    esac
    golden "$tmp/in.jfr" "$name"
  done
done
