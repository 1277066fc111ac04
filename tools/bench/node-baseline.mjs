// A --baseline / --compare command for wrun-bench: runs one Sightglass benchmark under Node's
// WebAssembly and WASI and prints its timings the way wrun-bench reads them. Run from the
// benchmark's folder:
//   node --liftoff --no-wasm-tier-up tools/bench/node-baseline.mjs benchmark.wasm
//   node --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation \
//       tools/bench/node-baseline.mjs --load-only benchmark.wasm
// (--liftoff --no-wasm-tier-up keeps V8 on its baseline compiler, the fair comparison for a
// baseline JIT; --no-liftoff gives its optimizing tier.) The guest's stdout and stderr go to
// temporary files, as under wrun-bench, and must equal <name>.stdout/stderr.expected when
// those exist, so a fast but wrong run fails instead of counting.
// --load-only compiles with new WebAssembly.Module and instantiates, without running: with
// --no-wasm-lazy-compilation that is V8's whole eager compile.
// Output: compile-ns=N instantiate-ns=N [start-end-ns=N] version=node-vX/v8-Y
import { readFileSync, openSync, closeSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { WASI } from 'node:wasi';

const args = process.argv.slice(2);
const loadOnly = args[0] === '--load-only';
const file = loadOnly ? args[1] : args[0];
if (!file) {
  console.error('usage: node-baseline.mjs [--load-only] BENCHMARK.wasm');
  process.exit(2);
}
const version = `version=node-${process.version}/v8-${process.versions.v8}`;
const now = () => process.hrtime.bigint();
let started = 0n;
let measured = 0n;
let starts = 0;
let ends = 0;
const bench = {
  start() { ++starts; started = now(); },
  end() { ++ends; measured += now() - started; },
};

const stem = basename(file).replace(/\.wasm$/, '');
const scratch = mkdtempSync(join(tmpdir(), 'node-baseline-'));
const outPath = join(scratch, 'stdout');
const errPath = join(scratch, 'stderr');
const stdin = openSync('/dev/null', 'r');
const stdout = openSync(outPath, 'w+');
const stderr = openSync(errPath, 'w+');
const wasi = new WASI({
  version: 'preview1',
  args: [file],
  env: {},
  preopens: { '.': '.' },
  stdin,
  stdout,
  stderr,
  returnOnExit: true,
});
function fail(message) {
  console.error(`node-baseline: ${file}: ${message}`);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(1);
}

const bytes = readFileSync(file);
let module;
let instance;
const t0 = now();
if (loadOnly) {
  module = new WebAssembly.Module(bytes);
} else {
  module = await WebAssembly.compile(bytes);
}
const t1 = now();
const imports = { ...wasi.getImportObject(), bench };
if (loadOnly) {
  instance = new WebAssembly.Instance(module, imports);
} else {
  instance = await WebAssembly.instantiate(module, imports);
}
const t2 = now();
if (loadOnly) {
  rmSync(scratch, { recursive: true, force: true });
  console.log(`compile-ns=${t1 - t0} instantiate-ns=${t2 - t1} ${version}`);
  process.exit(0);
}

const status = wasi.start(instance);
const t3 = now();
for (const fd of [stdin, stdout, stderr]) closeSync(fd);
if (status !== 0 && status !== undefined) fail(`exited with status ${status}`);
if (starts !== ends) fail(`bench.start was called ${starts} times but bench.end ${ends}`);
for (const [stream, path] of [['stdout', outPath], ['stderr', errPath]]) {
  const expected = `${stem}.${stream}.expected`;
  if (existsSync(expected) && !readFileSync(path).equals(readFileSync(expected)))
    fail(`${stream} differs from ${expected}`);
}
rmSync(scratch, { recursive: true, force: true });
// Without bench.start/bench.end the whole of _start is the measured interval, as in wrun-bench.
if (starts === 0) measured = t3 - t2;
console.log(`compile-ns=${t1 - t0} instantiate-ns=${t2 - t1} start-end-ns=${measured} ${version}`);
