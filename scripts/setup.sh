#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages libipc needs that are missing. Idempotent:
# when everything is present it changes nothing and needs no network.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config   # toolchain
  libgtest-dev libgmock-dev          # tests
  clang libclang-rt-14-dev           # fuzz targets (libFuzzer)
  libfmt-dev libcli11-dev            # formatting and command lines in the programs
  nlohmann-json3-dev                 # JSON in inspect (header-only, private) and ipc-bench
  libsystemd-dev                     # stream readers: socket activation, sd_notify
  systemd                            # systemd-socket-activate, for the activation test
  qt6-base-dev qt6-charts-dev        # ipc-monitor (Widgets, Charts)
  libqt6opengl6-dev                  # Qt6Charts's CMake config needs Qt6OpenGL's
  libqt6svg6                         # the SVG image plugin, for the monitor's icon
  libgl-dev                          # Qt6::Gui's CMake config looks for OpenGL headers
  golang-go python3                  # the C API's Go (cgo) and Python (ctypes) examples, run by the tests
  libcpp-httplib-dev                 # ipcstat serve: HTTP(S) for /metrics and /snapshot
  python3-prometheus-client          # the serve tests parse /metrics with Prometheus's own parser
  prometheus                         # the serve tests have a real Prometheus scrape it
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
