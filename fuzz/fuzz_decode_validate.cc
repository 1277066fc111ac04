// Fuzz target: arbitrary bytes -> Module::compile (decode + validate + lower). Must never
// crash, leak, hang or trip a sanitizer; a rejected module must say why. Also checks that
// Module::validate (decode + validate, no lowering) agrees with compile on valid/invalid.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrun;
  std::span<const uint8_t> bytes(data, size);
  auto module = Module::compile(fuzz::fuzz_engine(), bytes);
  auto error = Module::validate(bytes);
  if (!module) {
    if (module.error().empty()) fuzz::fail("compile failed with an empty error");
    if (!error) fuzz::fail("compile rejected a module that validate accepts", module.error());
    if (error->message.empty()) fuzz::fail("validate failed with an empty message");
    if (error->offset > size) fuzz::fail("error offset past the end of the module", error->to_string());
    return 0;
  }
  if (error) fuzz::fail("validate rejected a module that compile accepts", error->to_string());
  // Cheap accessors every embedder uses on a compiled module.
  (void)module->imports();
  (void)module->exports();
  return 0;
}
