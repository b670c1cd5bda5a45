#!/usr/bin/env bash
# Builds the wasm viewer (`wasm` preset; its dependencies come from scripts/wasm-deps, built
# once) and runs the browser end-to-end tests in headless Chromium (e2e.test.js: the
# stand-alone viewer; server.test.js: the server mode against `pyrolens serve`). npm packages
# (playwright-core, speedscope) are installed from tests/web/package-lock.json only when
# the lockfile changed since the last install. Usage: tests/web/run.sh [node --test args]
set -euo pipefail
cd "$(dirname "$0")/../.."
export NODE_PATH=/usr/share/nodejs
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j 2
# server.test.js runs `pyrolens serve`, which serves the site compiled into the binary: relink
# the native binary (only its embedded assets changed) so it holds the site just built,
# unless PYROLENS_BIN names another binary.
if [ -z "${PYROLENS_BIN:-}" ] && [ -f build/native/build.ninja ]; then
  cmake --build build/native -j 2 --target pyrolens
fi
tests/web/npm-install.sh
cd tests/web
# One file after the other: the stand-alone viewer, then the server mode against a real server.
exec node --test --test-concurrency=1 "$@" e2e.test.js server.test.js
