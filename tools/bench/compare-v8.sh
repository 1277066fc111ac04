#!/bin/sh
# wrun's JIT and interpreter against V8's two tiers (Liftoff, TurboFan) on the `wide` set
# (wide.set), then sqlite3's eager compile and instantiate, and whole-process startup on noop.
# Arguments go to wrun-bench after these (--runs 5, --csv, --verbose ...).
#   WRUN_BUILD  the build folder (default: build/ in the checkout)
#   NODE        the node binary (default: node on PATH); wrun-bench stops at once without it
#
# Every V8 column compiles eagerly (--no-wasm-lazy-compilation), as wrun does: with lazy
# compilation each function is compiled at its first call, inside bench.start -> bench.end,
# which with TurboFan is most of the interval of short benchmarks (bz2, one run: 146 ms lazily
# against 19 ms eagerly). --no-wasm-tier-up keeps Liftoff's code from being replaced.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${WRUN_BUILD:-$here/../../build}
node=${NODE:-node}
v8="$node --no-warnings"
mjs="'$here/node-baseline.mjs'"
exec "$build/bin/wrun-bench" --set wide --engine jit,interp \
  --compare "v8-liftoff=$v8 --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation $mjs" \
  --compare "v8-turbofan=$v8 --no-liftoff --no-wasm-lazy-compilation $mjs" \
  --ratio-to v8-liftoff \
  --load sqlite3/sqlite3.wasm \
  --load-compare "v8-liftoff-eager=$v8 --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation $mjs --load-only" \
  --load-compare "v8-liftoff-eager-1thread=$v8 --single-threaded --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation $mjs --load-only" \
  --startup noop/benchmark.wasm \
  "$@"
