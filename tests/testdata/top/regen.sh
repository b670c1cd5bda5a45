#!/usr/bin/env bash
# Regenerates the `top` goldens from Google's pprof (scripts/reference-pprof), never from
# Pyrolens. tests/core/top_test.cc runs Pyrolens over the same inputs and compares line
# for line.
#
# Layout of this folder:
#   <corpus path with / as __>.txt  every sample type of one corpus file (-sample_index=N),
#                                   the first rows only (-nodecount) to keep goldens small
#   full.txt                        complete reports (all rows) for a few files
#   flags.txt                       flag combinations on files with labels and inlined frames
#   merge.txt                       several files merged
#   skipped.txt                     corpus files the reference refuses, with its reason
# Each report is one block: a line "#### ARGS FILE..." (ARGS are the pprof flags, all in
# the -name=value form, given to both tools) and then pprof's output.
#
# How pprof is run: TZ=UTC (the Time: line is local time), from the corpus folder with
# relative paths, and with -symbolize=remote: for local files that is pprof's default
# (no remote symbolization happens, names are still demangled/simplified) minus the
# lookup of binaries on this machine, so the goldens do not depend on what happens to
# be installed here. On the files here its output equals plain `pprof -top`.
#
# Usage: tests/testdata/top/regen.sh   (from anywhere; needs ../shared/corpus)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
corpus=$(cd "$repo/../shared/corpus" && pwd)
pprof=$("$repo/scripts/reference-pprof")
export TZ=UTC
export HOME=$(mktemp -d)  # no user settings, no saved profiles
export PPROF_BINARY_PATH=/nonexistent
trap 'rm -rf "$HOME"' EXIT

ROWS=8  # rows per sample type in the per-file goldens

cd "$corpus"
rm -f "$here"/*.txt

# run OUT ARGS... FILES...: appends one block to OUT, or fails with pprof's message.
run() {
  local out=$1
  shift
  if ! "$pprof" -top -symbolize=remote "$@" >"$HOME/out" 2>"$HOME/err"; then
    echo "reference pprof failed on: $*" >&2
    cat "$HOME/err" >&2
    return 1
  fi
  printf '#### %s\n' "$*" >>"$out"
  cat "$HOME/out" >>"$out"  # byte for byte: some names hold NUL bytes
}

# Files whose format column is pprof or pprof-gz.
mapfile -t files < <(sed -nE 's/^\| `([^`]+)` \| [^|]+ \| (pprof|pprof-gz) \|.*/\1/p' MANIFEST.md)

printf '# corpus file\treason the reference pprof gives for refusing it\n' >"$here/skipped.txt"
for f in "${files[@]}"; do
  # The reference prints the valid range when asked for a sample type that does not exist.
  if ! msg=$("$pprof" -top -symbolize=remote -sample_index=999999 "$f" 2>&1 >/dev/null); then :; fi
  if [[ $msg =~ outside\ the\ range\ \[0\.\.([0-9]+)\] ]]; then
    last=${BASH_REMATCH[1]}
  else
    reason=$(printf '%s' "$msg" | grep -v '^pprof: failed to fetch' | head -1)
    printf '%s\t%s\n' "$f" "$reason" >>"$here/skipped.txt"
    continue
  fi
  out="$here/${f//\//__}.txt"
  for ((i = 0; i <= last; i++)); do
    run "$out" -nodecount=$ROWS -sample_index=$i "$f"
  done
done

# Complete reports: Go CPU with inlining and labels, .NET, Python, Rust (names simplified
# as C++), Java, a heap profile, a profile without mappings.
for f in datakit/cpu.pprof pyroscope/pprof/go.cpu.labels.pprof parca/labels.pb.gz \
  pyroscope/pprof/profile_rust datakit/python.pprof dd-trace-go/heap.pprof \
  pyroscope/pprof/dotnet.labels.pprof; do
  run "$here/full.txt" "$f"
done

cpu=datakit/cpu.pprof
labels=pyroscope/pprof/go.cpu.labels.pprof
heap=dd-trace-go/heap.pprof
dotnet=cliutils/auto.pprof.gz
flags=(
  "-nodecount=1 $cpu" "-nodecount=0 $cpu" "-nodecount=-3 $cpu"
  "-nodefraction=0 $cpu" "-nodefraction=0.05 $cpu" "-nodefraction=0.3 $labels"
  "-nodefraction=1 $labels"
  "-edgefraction=0 $cpu" "-edgefraction=0.2 $cpu"
  "-cum $cpu" "-cum -nodecount=12 $labels" "-cum -nodefraction=0 $heap"
  "-unit=ms -nodecount=10 $cpu" "-unit=s -nodecount=10 $cpu" "-unit=ns -nodecount=5 $cpu"
  "-unit=auto $cpu" "-unit=hrs -nodecount=5 $cpu" "-unit=MB -nodecount=10 $cpu"
  "-unit=kb -nodecount=10 $heap" "-unit=auto $heap" "-unit=gb -nodecount=4 $heap"
  "-unit=ms -nodecount=6 $heap" "-unit=count -nodecount=10 $heap"
  "-sample_index=alloc_space -nodecount=10 $heap" "-sample_index=inuse_objects -nodecount=10 $heap"
  "-sample_index=samples -nodecount=10 $cpu" "-sample_index=cpu -nodecount=10 $dotnet"
  "-focus=runtime $cpu" "-focus=main\.fibonacci -nodefraction=0 $cpu"
  "-focus=NoSuchFunction $cpu" "-ignore=runtime $cpu" "-ignore=^time\. $cpu"
  "-hide=runtime $cpu" "-hide=proc\.go $cpu" "-show=^main\. $cpu"
  "-show=runtime -hide=mgc $cpu" "-focus=main -ignore=fibonacci -nodecount=15 $cpu"
  "-focus=go-profiling-demo -nodecount=6 $cpu" "-hide=. $cpu"
  "-focus=main\.fibonacci|runtime\.futex|runtime\.findRunnable|time\.Sleep|runtime\.mPark|runtime\.stealWork $cpu"
  "-focus=main -hide=runtime -cum -nodecount=10 $labels"
  "-tagfocus=function=slow $labels" "-tagignore=function=slow $labels"
  "-tagfocus=slow $labels" "-tagfocus=function:fast $labels"
  "-tagfocus=foo:bar,function:slow $labels" "-tagfocus=function=fast,slow -nodecount=6 $labels"
  "-tagfocus=function=nothing $labels" "-tagfocus=foo=bar -tagignore=function=fast $labels"
  "-tagfocus=1kb:64kb $heap" "-tagfocus=bytes=:512 $heap" "-tagfocus=352 $heap"
  "-tagfocus=352b $heap" "-tagignore=64kb: $heap" "-tagfocus=bytes=128kb -nodefraction=0 $heap"
  "-tagfocus=trace.endpoint:. $cpu" "-tagfocus=span.id=^8 -nodecount=10 $cpu"
  "-tagfocus=thread.name:Thread -nodecount=10 $dotnet" "-tagignore=appdomain -nodecount=5 $dotnet"
  "-tagfocus=thread_id=2756158 parca/profile-with-labels.pb.gz"
  "-tagfocus=thread_id=2756158:2756160 parca/profile-with-labels.pb.gz"
  "-focus=query -nodecount=5 parca/labels.pb.gz" "-show=tokio -nodecount=8 pyroscope/pprof/profile_rust"
)
for args in "${flags[@]}"; do
  # shellcheck disable=SC2086  # args are space-separated on purpose
  run "$here/flags.txt" $args
done

for group in "dd-trace-go/heap.before.pprof dd-trace-go/heap.after.pprof" \
  "dd-trace-go/block.before.pprof dd-trace-go/block.after.pprof" \
  "datakit/cpu.pprof dd-trace-go/pprof.samples.cpu.001.pb.gz"; do
  # shellcheck disable=SC2086
  run "$here/merge.txt" -nodecount=12 $group
done

du -sh "$here" >&2
