#!/usr/bin/env bash
# Seed corpus for the fuzz targets: every binary module of the WebAssembly 2.0 spec scripts
# (SIMD left out), converted with wabt's wast2json in a temporary folder.
#
#   fuzz/make_corpus.sh OUT_DIR [SPEC_DIR]
#
# SPEC_DIR defaults to ../shared/testsuite/wasm-2.0 beside the checkout. OUT_DIR receives one
# file per distinct module, named by its SHA-1 (as libFuzzer names corpus files). Keep it
# outside the repository: the corpus is regenerated, never committed.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 OUT_DIR [SPEC_DIR]" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
spec=${2:-$here/../../shared/testsuite/wasm-2.0}
if ! command -v wast2json >/dev/null; then
  echo "$0: wast2json not found (apt-get install wabt)" >&2
  exit 1
fi
if [[ ! -d $spec ]]; then
  echo "$0: no spec scripts in $spec" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

scripts=0
for wast in "$spec"/*.wast; do
  name=$(basename "$wast" .wast)
  [[ $name == simd_* ]] && continue
  mkdir -p "$tmp/$name"
  if ! wast2json --no-check "$wast" -o "$tmp/$name/$name.json" >/dev/null 2>"$tmp/$name.err"; then
    echo "$0: wast2json failed on $name.wast (skipped): $(head -n1 "$tmp/$name.err")" >&2
    continue
  fi
  scripts=$((scripts + 1))
done

modules=0
while IFS= read -r -d '' wasm; do
  sum=$(sha1sum "$wasm" | cut -d' ' -f1)
  if [[ ! -e $out/$sum ]]; then
    cp "$wasm" "$out/$sum"
    modules=$((modules + 1))
  fi
done < <(find "$tmp" -name '*.wasm' -print0)
echo "make_corpus: $modules new module(s) from $scripts script(s) in $out"
