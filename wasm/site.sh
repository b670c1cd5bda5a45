#!/usr/bin/env bash
# Copies the wasm modules (each .js with its .wasm: the viewer and the decompression
# worker's) and the page (web/) into one site directory and prints the gzip-compressed
# size of the whole viewer against the 2 MB budget.
# Usage: site.sh SITE_DIR MODULE.js... -- WEB_FILE...
set -euo pipefail
site=$1; shift
mkdir -p "$site"
while [ "$1" != "--" ]; do
  cp "$1" "${1%.js}.wasm" "$site/"
  shift
done
shift
cp "$@" "$site/"
total=0
for f in "$site"/*; do
  n=$(gzip -9 -c "$f" | wc -c)
  total=$((total + n))
done
raw=$(cat "$site"/* | wc -c)
budget=2000000
printf '[wasm] viewer size: %d bytes, %d bytes gzip (budget %d): %s\n' "$raw" "$total" "$budget" \
  "$([ "$total" -le "$budget" ] && echo within || echo OVER)"
[ "$total" -le "$budget" ]
