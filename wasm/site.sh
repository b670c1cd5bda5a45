#!/usr/bin/env bash
# Copies the viewer (pyrolens.js, pyrolens.wasm) and the page (web/) into one site
# directory and prints the gzip-compressed size of the whole viewer against the 2 MB
# budget. Usage: site.sh SITE_DIR path/to/pyrolens.js WEB_FILE...
set -euo pipefail
site=$1 js=$2; shift 2
mkdir -p "$site"
cp "$js" "${js%.js}.wasm" "$site/"
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
