// Fuzz target, structure-aware: fuzzer bytes -> module_gen -> a valid module binary -> the
// same instantiate-and-run as fuzz_instantiate_run. A generated module that does not compile
// is a finding (a generator bug, or the engine rejecting a valid module). Each module also runs
// compiled with the plain lowering; a difference in any call's outcome is a finding.
// WRUN_FUZZ_DUMP=<file> writes each generated module to <file> (the last one wins).
#include <algorithm>
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
  const fuzz::RunStats optimized = fuzz::instantiate_and_run(wasm, *module);
  // Differential check of the interpreter's lowering optimisations: the plain lowering must
  // behave the same, call by call (fuel is charged the same way by both).
  auto plain_module = Module::compile(fuzz::fuzz_plain_engine(), wasm);
  if (!plain_module) fuzz::fail("generated module compiles only with the optimising lowering", plain_module.error());
  const fuzz::RunStats plain = fuzz::instantiate_and_run(wasm, *plain_module, {}, fuzz::fuzz_plain_engine());
  const auto& a = optimized.transcript;
  const auto& b = plain.transcript;
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::string x = i < a.size() ? a[i] : "(nothing)", y = i < b.size() ? b[i] : "(nothing)";
    if (x != y) {
      fuzz::dump_module("wrun-fuzz-generated.wasm", wasm);
      fuzz::fail("optimised and plain lowering differ (module in wrun-fuzz-generated.wasm)",
                 "optimised: " + x + "; plain: " + y);
    }
  }
  return 0;
}
