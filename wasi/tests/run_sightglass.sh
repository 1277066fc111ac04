#!/usr/bin/env bash
# Runs the Sightglass benchmarks (../shared/bench/sightglass/*/*.wasm) with a WASI runner and
# compares stdout/stderr line by line, as Sightglass does, with <name>.stdout.expected /
# <name>.stderr.expected beside them (else default.*.expected). Each runs in a fresh copy of
# its folder, preopened as "." (bench.start / bench.end are no-ops in wrun-wasi-run).
#
#   wasi/tests/run_sightglass.sh RUNNER [SIGHTGLASS_DIR] [TIMEOUT_SECONDS]
#
# Prints one line per benchmark (PASS / FAIL / REJECTED / TIMEOUT) and "N passed, M failed".
# A benchmark the engine cannot run (GC, components, SIMD while unsupported) must be REJECTED
# with a message, never crash: a crash or signal counts as a failure.
set -uo pipefail
runner=$(realpath "$1")
dir=$(realpath "${2:-$(dirname "$0")/../../../shared/bench/sightglass}")
limit=${3:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
for wasm in "$dir"/*/*.wasm; do
  bench_dir=$(dirname "$wasm")
  name=$(basename "$wasm" .wasm)
  label="$(basename "$bench_dir")/$name"
  expect() {  # expect KIND: the expected-output file for this module
    for f in "$bench_dir/$name.$1.expected" "$bench_dir/default.$1.expected"; do
      [[ -f $f ]] && { echo "$f"; return; }
    done
  }
  same_lines() { [[ "$(tr -d '\r' < "$1")" == "$(tr -d '\r' < "$2")" ]]; }
  rm -rf "$work/run" && cp -r "$bench_dir" "$work/run" && chmod -R u+w "$work/run"
  start=$(date +%s%N)
  (cd "$work/run" && timeout "$limit" "$runner" --dir .::. "$wasm" \
      > "$work/stdout" 2> "$work/stderr" < /dev/null)
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  secs="$((ms / 1000)).$((ms % 1000 / 100))"
  out_ok=1
  if [[ -n $(expect stdout) ]] && ! same_lines "$work/stdout" "$(expect stdout)"; then out_ok=0; fi
  if [[ -n $(expect stderr) ]] && ! same_lines "$work/stderr" "$(expect stderr)"; then out_ok=0; fi
  if [[ $rc -eq 0 && $out_ok -eq 1 ]]; then
    echo "PASS     $label (${secs}s)"
    pass=$((pass + 1))
  elif [[ $rc -eq 124 ]]; then
    echo "TIMEOUT  $label (>${limit}s)"
    fail=$((fail + 1))
  elif [[ $rc -eq 1 ]] && grep -q "^wrun-wasi-run: " "$work/stderr"; then
    echo "REJECTED $label: $(grep -m1 '^wrun-wasi-run: ' "$work/stderr" | cut -c1-160)"
    fail=$((fail + 1))
  else
    echo "FAIL     $label (exit $rc, output $([[ $out_ok -eq 1 ]] && echo matches || echo differs))"
    head -c 600 "$work/stderr" | sed 's/^/           /'
    fail=$((fail + 1))
  fi
done
echo "sightglass: $pass passed, $fail failed"
