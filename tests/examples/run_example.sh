#!/usr/bin/env bash
# Runs one of docs/examples against this build tree, as a user of the installed library would:
#   run_example.sh python EXAMPLE LIBIPC_C_SO
#   run_example.sh go     EXAMPLE INCLUDE_DIR LIBIPC_A
# Exit 77 (ctest: skipped) with the reason printed when the toolchain is missing. The example
# fails when it leaves its telemetry segment behind (a process that exits cleanly removes it).
set -euo pipefail
kind=$1 example=$2
case $kind in
  python)
    if ! command -v python3 >/dev/null; then
      echo "skipped: python3 is not installed"; exit 77
    fi
    IPC_C_LIBRARY=$3 python3 "$example" &
    ;;
  go)
    if ! command -v go >/dev/null; then
      echo "skipped: go is not installed (apt-get install golang-go)"; exit 77
    fi
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    export GOCACHE=$work/cache GOPATH=$work/gopath GOFLAGS=-mod=mod GO111MODULE=off
    export CGO_CFLAGS="-I$3" CGO_LDFLAGS="$4 -lsystemd -lstdc++ -lpthread"
    go build -o "$work/example" "$example"
    "$work/example" &
    ;;
esac
pid=$!
wait "$pid"
if [[ -e ${IPC_SHM_DIR:-/dev/shm}/libipc-tel-$pid ]]; then
  echo "the example left its telemetry segment libipc-tel-$pid behind" >&2
  rm -f "${IPC_SHM_DIR:-/dev/shm}/libipc-tel-$pid"
  exit 1
fi
