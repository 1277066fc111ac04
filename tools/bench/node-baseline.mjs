// A --baseline for wrun-bench: runs one Sightglass benchmark under Node's WebAssembly and
// WASI and prints its timings the way wrun-bench reads them. Run from the benchmark's folder:
//   node --liftoff --no-wasm-tier-up tools/bench/node-baseline.mjs benchmark.wasm
// (--liftoff --no-wasm-tier-up keeps V8 on its baseline compiler, the fair comparison for a
// baseline JIT; drop the flags to compare against V8's optimizing tier.) The guest's own
// output is discarded; wrun-bench checks output only for wrun's runs.
import { readFileSync, openSync } from 'node:fs';
import { WASI } from 'node:wasi';

const file = process.argv[2];
if (!file) {
  console.error('usage: node-baseline.mjs BENCHMARK.wasm');
  process.exit(2);
}
const devnull = openSync('/dev/null', 'r+');
const wasi = new WASI({
  version: 'preview1',
  args: [file],
  env: {},
  preopens: { '.': '.' },
  stdin: devnull,
  stdout: devnull,
  stderr: devnull,
  returnOnExit: true,
});
const now = () => process.hrtime.bigint();
let started = 0n;
let measured = 0n;
const bench = {
  start() { started = now(); },
  end() { measured += now() - started; },
};

const bytes = readFileSync(file);
const t0 = now();
const module = await WebAssembly.compile(bytes);
const t1 = now();
const instance = await WebAssembly.instantiate(module, { ...wasi.getImportObject(), bench });
const t2 = now();
const status = wasi.start(instance);
if (status !== 0 && status !== undefined) {
  console.error(`node-baseline: ${file} exited with status ${status}`);
  process.exit(1);
}
console.log(`compile-ns=${t1 - t0} instantiate-ns=${t2 - t1} start-end-ns=${measured}`);
