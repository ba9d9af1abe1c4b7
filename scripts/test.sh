#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the full suite, then the library tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, then a
# minute of each fuzz target (FUZZ_SECONDS changes that).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)

./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build --output-on-failure -j "$jobs"

./scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DIPC_SANITIZE=ON -DIPC_BUILD_PROGRAMS=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -L lib

./scripts/build.sh build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIPC_TSAN=ON -DIPC_BUILD_PROGRAMS=OFF
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs" -L lib

./scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
