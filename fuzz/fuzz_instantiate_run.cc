// Fuzz target: arbitrary bytes -> compile; when valid, instantiate with stub imports and call
// every exported function (fuel- and memory-limited). Traps are fine; crashes, hangs and
// sanitizer reports are findings.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrun;
  const std::span<const uint8_t> wasm(data, size);
  auto module = Module::compile(fuzz::fuzz_engine(), wasm);
  if (!module) {
    if (module.error().empty()) fuzz::fail("compile failed with an empty error");
    return -1;  // not a valid module: libFuzzer >= 15 keeps it out of the corpus (14 ignores this)
  }
  fuzz::instantiate_and_run(wasm, *module);
  return 0;
}
