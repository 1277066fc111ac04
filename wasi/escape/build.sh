#!/usr/bin/env bash
# Rebuilds escape.wasm from escape.c. Needs clang with the wasm32-wasi target and wasi-libc
# (Debian: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32). Set WASI_SYSROOT when
# wasi-libc is not where clang looks by default (e.g. /usr/share/wasi-sysroot elsewhere).
set -euo pipefail
cd "$(dirname "$0")"
sysroot=()
if [[ -n ${WASI_SYSROOT:-} ]]; then
  sysroot=(--sysroot="$WASI_SYSROOT")
elif [[ -d /usr/share/wasi-sysroot ]]; then
  sysroot=(--sysroot=/usr/share/wasi-sysroot)
fi
"${CLANG:-clang}" --target=wasm32-wasi "${sysroot[@]}" -O2 -Wall -Wextra -Werror \
  -Wl,--strip-debug escape.c -o escape.wasm
echo "built $(pwd)/escape.wasm"
