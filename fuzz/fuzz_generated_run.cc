// Fuzz target, structure-aware: fuzzer bytes -> module_gen -> a valid module binary -> the
// same instantiate-and-run as fuzz_instantiate_run. A generated module that does not compile
// is a finding (a generator bug, or the engine rejecting a valid module). Each module runs
// three times: on the interpreter with its optimised lowering, with its plain lowering, and on
// the JIT; a difference in any call's outcome or in the final state is a finding.
// WRUN_FUZZ_DUMP=<file> writes each generated module to <file> (the last one wins).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "fuzz/harness.h"
#include "fuzz/module_gen.h"

namespace {

using wrun::fuzz::Event;

[[noreturn]] void diverged(std::span<const uint8_t> wasm, const char* what,
                           const std::string& detail) {
  wrun::fuzz::dump_module("wrun-fuzz-generated.wasm", wasm);
  wrun::fuzz::fail(what, detail + " (module in wrun-fuzz-generated.wasm)");
}

// The first event where two transcripts differ, or their common length when neither differs.
size_t first_difference(const std::vector<Event>& a, const std::vector<Event>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i].text == b[i].text) ++i;
  return i;
}

std::string event_text(const std::vector<Event>& t, size_t i) {
  return i < t.size() ? t[i].text : "(nothing)";
}

// Modules whose JIT comparison stopped early at a stack trap, out of all compared.
size_t jit_modules_compared = 0, jit_modules_stopped_at_limit = 0;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrun;
  std::vector<uint8_t> wasm = fuzz::generate_module(std::span<const uint8_t>(data, size));
  // WRUN_FUZZ_DUMP=file.wasm writes the generated module out (e.g. to read it with wasm2wat).
  static const char* dump = std::getenv("WRUN_FUZZ_DUMP");
  if (dump) fuzz::dump_module(dump, wasm);
  auto module = Module::compile(fuzz::fuzz_engine(), wasm);
  if (!module) {
    fuzz::dump_module("wrun-fuzz-generated.wasm", wasm);
    fuzz::fail("generated module does not compile (written to wrun-fuzz-generated.wasm)",
               module.error());
  }
  if (auto error = Module::validate(wasm)) {
    fuzz::dump_module("wrun-fuzz-generated.wasm", wasm);
    fuzz::fail("Module::validate rejects a generated module that compiles", error->to_string());
  }
  if (fuzz::verbose()) std::fprintf(stderr, "interpreter, optimised lowering:\n");
  const fuzz::RunStats optimized = fuzz::instantiate_and_run(wasm, *module);

  // Differential check of the interpreter's lowering optimisations: the plain lowering must
  // behave the same, call by call, fuel and stack traps included (both charge fuel the same
  // way, and a function's frame has the same size in both).
  auto plain_module = Module::compile(fuzz::fuzz_plain_engine(), wasm);
  if (!plain_module)
    fuzz::fail("generated module compiles only with the optimising lowering", plain_module.error());
  if (fuzz::verbose()) std::fprintf(stderr, "interpreter, plain lowering:\n");
  const fuzz::RunStats plain =
      fuzz::instantiate_and_run(wasm, *plain_module, {}, fuzz::fuzz_plain_engine());
  const size_t plain_diff = first_difference(optimized.transcript, plain.transcript);
  if (plain_diff < std::max(optimized.transcript.size(), plain.transcript.size())) {
    diverged(wasm, "optimised and plain lowering differ",
             "optimised: " + event_text(optimized.transcript, plain_diff) +
                 "; plain: " + event_text(plain.transcript, plain_diff));
  }

  // Differential check of the JIT against the interpreter. Both meter fuel alike, so fuel
  // traps must match like any other; but the JIT recurses on the native stack, not in the
  // interpreter's value stack, so the stack may fill at another depth: from the first such
  // trap on either side the two runs may legitimately part ways, and the rest of the module
  // is not compared.
  auto jit_module = Module::compile(fuzz::fuzz_jit_engine(), wasm);
  if (!jit_module)
    diverged(wasm, "generated module does not compile for the JIT", jit_module.error());
  if (fuzz::verbose()) std::fprintf(stderr, "JIT:\n");
  const fuzz::RunStats jit =
      fuzz::instantiate_and_run(wasm, *jit_module, {}, fuzz::fuzz_jit_engine());
  const auto& interp_events = optimized.transcript;
  const auto& jit_events = jit.transcript;
  // The events compared: all, or those before the first stack trap on either side.
  size_t compared = std::max(interp_events.size(), jit_events.size());
  bool stopped_at_limit = false;
  for (size_t i = 0; i < std::min(interp_events.size(), jit_events.size()); ++i) {
    if (interp_events[i].executor_limit || jit_events[i].executor_limit) {
      compared = i;
      stopped_at_limit = true;
      break;
    }
  }
  ++jit_modules_compared;
  jit_modules_stopped_at_limit += stopped_at_limit;
  const size_t jit_diff = first_difference(interp_events, jit_events);
  if (jit_diff < compared) {
    diverged(wasm, "the JIT and the interpreter differ",
             "interpreter: " + event_text(interp_events, jit_diff) +
                 "; JIT: " + event_text(jit_events, jit_diff));
  }
  if (fuzz::verbose() && stopped_at_limit) {
    std::fprintf(stderr, "JIT comparison stopped at event %zu of %zu (interpreter: %s; JIT: %s)\n",
                 compared + 1, interp_events.size(), interp_events[compared].text.c_str(),
                 jit_events[compared].text.c_str());
    std::fprintf(stderr, "  at a stack trap, like %zu of %zu modules so far\n",
                 jit_modules_stopped_at_limit, jit_modules_compared);
  }
  return 0;
}
