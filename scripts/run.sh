#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job. With a display: ipc-monitor, which
# starts the ring demo (a parent writing to its child through a shared-memory ring) and shows it
# live; closing the window stops the demo. Without one: the same demo with ipcstat watching it
# in the terminal (Ctrl-C stops both).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/monitor/ipc-monitor/ipc-monitor --demo "${DEMO:-ring}"
fi
./build/demo/ipc-demo "${DEMO:-ring}" --rate "${RATE:-20000}" --size "${SIZE:-256}" >/dev/null &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT
./build/monitor/ipcstat watch --interval 500
