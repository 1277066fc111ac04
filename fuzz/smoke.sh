#!/usr/bin/env bash
# CI smoke test for the fuzz targets: builds them with clang (libFuzzer + ASan + UBSan) in
# BUILD_DIR, makes a seed corpus from the spec suite, runs every target for a short time
# (single process) and exits non-zero if any of them found something.
#
#   fuzz/smoke.sh BUILD_DIR            # e.g. fuzz/smoke.sh build-fuzz
#   FUZZ_SECONDS=600 fuzz/smoke.sh BUILD_DIR
#
# Needs: clang, libclang-rt-14-dev (the libFuzzer and sanitizer runtimes), cmake, ninja-build,
# libcli11-dev, libasmjit-dev, libzydis-dev, wabt (wast2json for the corpus), and ../shared/testsuite beside the checkout.
# A finding is left in BUILD_DIR/fuzz-artifacts/ (crash-*, leak-*, timeout-*, oom-*); see
# fuzz/README.md to minimise it and turn it into a regression test.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
seconds=${FUZZ_SECONDS:-60}

echo "fuzz-smoke: configuring $build with clang"
CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DWRUN_FUZZ=ON -DWRUN_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target fuzz_targets

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$repo/fuzz/make_corpus.sh" "$work/seeds"

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
targets=$(sed -n 's/^WRUN_FUZZ_TARGET(\([a-z0-9_]*\)).*/\1/p' "$repo/fuzz/targets.def")
for target in $targets; do
  corpus=$work/corpus/$target
  mkdir -p "$corpus"
  # The generator reads arbitrary bytes, so the spec modules seed it as well as the others.
  # fuzz_wasi reads a stream of calls, not a module: its own seeds, and 64 calls fit in 4 KiB.
  seeds=("$repo/fuzz/regressions/$target" "$work/seeds")
  options=(-dict="$repo/fuzz/wasm.dict" -max_len=65536)
  if [[ $target == fuzz_wasi ]]; then
    seeds=("$repo/fuzz/regressions/$target")
    options=(-max_len=4096)
  fi
  log=$work/$target.log
  echo "fuzz-smoke: $target for ${seconds}s"
  status=0
  "$build/bin/$target" "$corpus" "${seeds[@]}" "${options[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/$target-" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+ +DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
    sed "s/^/fuzz-smoke: $target: /" || true
  if [[ $status -ne 0 ]]; then
    echo "fuzz-smoke: $target FAILED (exit status $status); the end of its log:" >&2
    tail -n 60 "$log" >&2
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz-smoke: findings in: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz-smoke: no findings"
