#!/usr/bin/env bash
# Builds the wasm viewer (`wasm` preset; its dependencies come from scripts/wasm-deps, built
# once) and runs the browser end-to-end tests in headless Chromium. npm packages
# (playwright-core, speedscope) are installed from tests/web/package-lock.json only when
# the lockfile changed since the last install. Usage: tests/web/run.sh [node --test args]
set -euo pipefail
cd "$(dirname "$0")/../.."
export NODE_PATH=/usr/share/nodejs
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j 2
tests/web/npm-install.sh
cd tests/web
exec node --test --test-concurrency=1 "$@" e2e.test.js
