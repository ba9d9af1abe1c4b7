#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS (default 60):
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Each target keeps its corpus in build-fuzz/corpus/TARGET, so a later run starts where the last
# one stopped. A crash leaves its input in build-fuzz/ and fails the script. For a long run:
#   scripts/fuzz.sh 3600 fuzz_inspect
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_inspect fuzz_open fuzz_snapshot_json)
fi

./scripts/build.sh build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DIPC_FUZZ=ON -DIPC_BUILD_TESTS=OFF -DIPC_BUILD_PROGRAMS=OFF

for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  if [[ -d tests/fuzz/seeds/$target ]]; then
    cp -n tests/fuzz/seeds/"$target"/* "$corpus"/
  fi
  echo "fuzz: $target for ${seconds}s"
  (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "corpus/$target" 2>&1 | grep -E "^(stat::|#[0-9]+ +DONE|==|SUMMARY|INFO: a crash)" || true)
  if ls build-fuzz/crash-* build-fuzz/timeout-* build-fuzz/leak-* >/dev/null 2>&1; then
    echo "fuzz: $target found a failing input (build-fuzz/crash-*, timeout-*, leak-*)" >&2
    exit 1
  fi
done
