#!/usr/bin/env bash
# `npm ci` in tests/web when node_modules does not match package-lock.json (idempotent:
# a second run only compares a checksum).
set -euo pipefail
cd "$(dirname "$0")"
sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ "$(cat node_modules/.lock-sum 2>/dev/null)" != "$sum" ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$sum" > node_modules/.lock-sum
fi
