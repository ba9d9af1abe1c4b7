#!/usr/bin/env bash
# Makes the README's pictures (resources/screenshot-*.png) at 1600x1000 with the offscreen
# platform: six demos (a 20k msgs/s ring, a flat-out ring, a 16-slot slots channel, a slow ring
# with a blocking reader, a native duplex and an efdstream pair), and for the broker's picture a
# broker with four clients too, then ipc-monitor --screenshot with one channel (or a broker
# server) selected. Needs a built
# tree (scripts/build.sh) and nothing else: no display, no settings of yours (a temporary
# XDG_CONFIG_HOME).
set -euo pipefail
cd "$(dirname "$0")/.."
demo=./build/demo/ipc-demo
monitor=./build/monitor/ipc-monitor/ipc-monitor
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
# The offscreen platform's screen, as a user's 1600x1000 one.
cat >"$config/screen.json" <<'JSON'
{"screens": [{"name": "shot", "x": 0, "y": 0, "width": 1600, "height": 1000, "logicalDpi": 96}]}
JSON

# shot FILE CHANNEL [MONITOR ARGS...]: the window after 8 s of the demos, CHANNEL selected.
shot() {
  local file=$1 channel=$2
  shift 2
  "$demo" ring --name orders --rate 20000 --size 256 --duration 14 >/dev/null &
  "$demo" ring --name market-data --rate 0 --size 64 --duration 14 >/dev/null &
  "$demo" slots --name pricing --rate 50000 --size 128 --slots 16 --duration 14 >/dev/null &
  "$demo" ring --name audit-log --rate 200 --size 1024 --wait blocking --duration 14 >/dev/null &
  "$demo" duplex --name worker --rate 5000 --size 512 --duration 14 >/dev/null &
  "$demo" duplex --name legacy-child --protocol efdstream --rate 1000 --duration 14 >/dev/null &
  if [[ $channel == orders-hub ]]; then  # not in the others: five more processes change them
    "$demo" broker --name orders-hub --clients 4 --rate 3000 --size 300 --duration 14 >/dev/null &
  fi
  sleep 1
  XDG_CONFIG_HOME="$config" QT_QPA_PLATFORM="offscreen:configfile=$config/screen.json" \
    "$monitor" --screenshot "$file" --after 8 --select "$channel" --interval 250 "$@"
  wait
}

# The seed formats' programs, as the tests' spec-only peers play them (no libipc code): a
# SimpleIPC host and guest and a ZIPC sender and receiver, beside a libipc ring; the SimpleIPC
# slots selected (another program's channel: its shared state only).
foreign_shot() {
  local file=$1 peers=./build/tests
  "$peers/simpleipc_reference" host legacy-pricing 8 4096 100000000 >/dev/null 2>&1 &
  "$peers/simpleipc_reference" guest legacy-pricing >/dev/null 2>&1 &
  "$peers/zipc_reference" receive /zig-feed 64 256 1000000000 >/dev/null 2>&1 &
  "$peers/zipc_reference" send /zig-feed 64 256 1000000000 >/dev/null 2>&1 &
  "$demo" ring --name orders --rate 20000 --size 256 --duration 12 >/dev/null &
  sleep 1
  XDG_CONFIG_HOME="$config" QT_QPA_PLATFORM="offscreen:configfile=$config/screen.json" \
    "$monitor" --screenshot "$file" --after 8 --select legacy-pricing --interval 250
  pkill -f "simpleipc_reference (host|guest) legacy-pricing" || true
  pkill -f "zipc_reference (send|receive) /zig-feed" || true
  wait
  rm -f /dev/shm/legacy-pricing /dev/shm/zig-feed /dev/shm/sem.legacy-pricing_slot_*
}

shot resources/screenshot-ring.png market-data
shot resources/screenshot-slots.png pricing
shot resources/screenshot-duplex.png worker
shot resources/screenshot-broker.png orders-hub --role server
foreign_shot resources/screenshot-foreign.png
