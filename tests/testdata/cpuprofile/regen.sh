#!/usr/bin/env bash
# Regenerates the V8 profile goldens from V8's own fields (golden.py): for the corpus's
# .cpuprofile/.heapprofile files and for workload.{cpuprofile,heapprofile}, which
# `--record` first re-records with Node (`node --cpu-prof`, `node --heap-prof`).
# Pyrolens never writes these files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "$here/../../../.." && pwd)/shared/corpus
if [ "${1:-}" = --record ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  node --cpu-prof --cpu-prof-dir="$tmp" --cpu-prof-name=w.cpuprofile "$here/workload.js"
  node --heap-prof --heap-prof-interval=8192 --heap-prof-dir="$tmp" --heap-prof-name=w.heapprofile "$here/workload.js"
  cp "$tmp/w.cpuprofile" "$here/workload.cpuprofile"
  cp "$tmp/w.heapprofile" "$here/workload.heapprofile"
fi
golden() { python3 "$here/golden.py" "$1" >"$here/$2.golden"; echo "$2.golden" >&2; }
golden "$here/workload.cpuprofile" workload.cpuprofile
golden "$here/workload.heapprofile" workload.heapprofile
golden "$corpus/speedscope/Chrome/65/simple.cpuprofile" chrome65-simple.cpuprofile
golden "$corpus/speedscope/Chrome/65/sucrase.cpuprofile" chrome65-sucrase.cpuprofile
golden "$corpus/speedscope/node/10.11.0/example.cpuprofile" node10-example.cpuprofile
golden "$corpus/speedscope/Chrome/69/Heap-20181005T144546.heapprofile" chrome69.heapprofile
golden "$corpus/speedscope/node/10.11.0/Heap-20181003T105432.heapprofile" node10.heapprofile
