// Fuzz target, structure-aware: fuzzer bytes -> module_gen -> a valid module binary -> the
// same instantiate-and-run as fuzz_instantiate_run. A generated module that does not compile
// is a finding (a generator bug, or the engine rejecting a valid module).
// WRUN_FUZZ_DUMP=<file> writes each generated module to <file> (the last one wins).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "fuzz/harness.h"
#include "fuzz/module_gen.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrun;
  std::vector<uint8_t> wasm = fuzz::generate_module(std::span<const uint8_t>(data, size));
  // WRUN_FUZZ_DUMP=file.wasm writes the generated module out (e.g. to read it with wasm2wat).
  static const char* dump = std::getenv("WRUN_FUZZ_DUMP");
  if (dump) fuzz::dump_module(dump, wasm);
  auto module = Module::compile(fuzz::fuzz_engine(), wasm);
  if (!module) {
    fuzz::dump_module("wrun-fuzz-generated.wasm", wasm);
    fuzz::fail("generated module does not compile (written to wrun-fuzz-generated.wasm)", module.error());
  }
  if (auto error = Module::validate(wasm)) {
    fuzz::dump_module("wrun-fuzz-generated.wasm", wasm);
    fuzz::fail("Module::validate rejects a generated module that compiles", error->to_string());
  }
  fuzz::instantiate_and_run(*module);
  return 0;
}
