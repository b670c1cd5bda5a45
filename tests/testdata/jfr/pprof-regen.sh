#!/usr/bin/env bash
# Writes NAME.pprof-totals for each recording that has a NAME.golden: the recording
# converted by `pyrolens convert` to pprof, then read by Google's pprof (the reference,
# scripts/reference-pprof), which writes what it read (-proto); its sample values are
# summed per sample type. The
# test checks them against what Pyrolens reads from the recording itself, so a JFR
# converted to pprof has the same totals in Google pprof.
#   tests/testdata/jfr/pprof-regen.sh [PYROLENS_BINARY]   (default build/native/native/pyrolens)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
corpus=$(cd "$root/.." && pwd)/shared/corpus
pyrolens=${1:-$root/build/native/native/pyrolens}
pprof=$("$root/scripts/reference-pprof")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

recording() {  # the file a golden NAME stands for (as jfr_test.cc's RecordingFor)
  case $1 in
    workload) echo "$here/workload.jfr" ;;
    heavy) echo "$corpus/speedscope/java-flight-recorder/heavy.jfr" ;;
    main) echo "$corpus/datakit/main.jfr" ;;
    *) echo "$corpus/jfr-parser/$1.jfr.gz" ;;
  esac
}

for golden in "$here"/*.golden; do
  name=$(basename "$golden" .golden)
  "$pyrolens" convert "$(recording "$name")" -o "$tmp/p.pb.gz"
  # What pprof read, as it writes it back (-proto), decoded by protoc: sum each sample's
  # values per sample type.
  "$pprof" -proto "$tmp/p.pb.gz" 2>/dev/null | gzip -dc |
    protoc --proto_path="$root/core/proto" --decode=perftools.profiles.Profile profile.proto |
    python3 -c '
import re, sys
text = sys.stdin.read()
strings = [eval(m) for m in re.findall(r"^string_table: (\".*\")$", text, re.M)]
types = [(int(a), int(b)) for a, b in
         re.findall(r"^sample_type \{\n  type: (\d+)\n  unit: (\d+)\n\}", text, re.M)]
sums = [0] * len(types)
for block in re.findall(r"^sample \{\n(.*?)^\}", text, re.M | re.S):
    for k, v in enumerate(re.findall(r"^  value: (-?\d+)$", block, re.M)):
        sums[k] += int(v)
print("# Google pprof -proto over `pyrolens convert` of the recording: totals per sample type")
for (t, u), total in zip(types, sums):
    print("%s/%s %d" % (strings[t], strings[u], total))
' >"$here/$name.pprof-totals"
  echo "$name.pprof-totals" >&2
done
