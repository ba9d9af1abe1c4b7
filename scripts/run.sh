#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: the ring demo (a parent writing to
# its child through a shared-memory ring) with ipcstat watching its live counters.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo

./build/demo/ipc-demo ring --rate "${RATE:-20000}" --size "${SIZE:-256}" >/dev/null &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT
./build/monitor/ipcstat watch --interval 500
