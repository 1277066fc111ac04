// Fuzz target, structure-aware: fuzzer bytes -> module_gen -> a valid module binary -> the
// same instantiate-and-run as fuzz_instantiate_run. A generated module that does not compile
// is a finding (a generator bug, or the engine rejecting a valid module). Each module runs
// four times: on the interpreter with its optimised lowering, with its plain lowering, on
// the JIT, and on the JIT with every other function interpreted; a difference in any call's
// outcome or in the final state is a finding.
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

// Runs the module on `engine` (the JIT, alone or mixed) and compares its transcript with the
// interpreter's. Both meter fuel alike, so fuel traps must match like any other; but the JIT
// recurses on the native stack, not in the interpreter's value stack, so the stack may fill
// at another depth: from the first such trap on either side the two runs may legitimately
// part ways, and the rest of the module is not compared.
void compare_with_interpreter(std::span<const uint8_t> wasm, const wrun::fuzz::RunStats& interp,
                              wrun::Engine& engine, const char* name) {
  using namespace wrun;
  auto module = Module::compile(engine, wasm);
  if (!module) diverged(wasm, "generated module does not compile for the JIT", module.error());
  if (fuzz::verbose()) std::fprintf(stderr, "%s:\n", name);
  const fuzz::RunStats jit = fuzz::instantiate_and_run(wasm, *module, {}, engine);
  const auto& interp_events = interp.transcript;
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
    diverged(wasm, (std::string(name) + " and the interpreter differ").c_str(),
             "interpreter: " + event_text(interp_events, jit_diff) + "; " + name + ": " +
                 event_text(jit_events, jit_diff));
  }
  if (fuzz::verbose() && stopped_at_limit) {
    std::fprintf(stderr, "%s comparison stopped at event %zu of %zu (interpreter: %s; %s: %s)\n",
                 name, compared + 1, interp_events.size(), interp_events[compared].text.c_str(),
                 name, jit_events[compared].text.c_str());
    std::fprintf(stderr, "  at a stack trap, like %zu of %zu runs so far\n",
                 jit_modules_stopped_at_limit, jit_modules_compared);
  }
}

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

  // Differential checks of the JIT against the interpreter: alone, and with every other
  // function left to the interpreter (calls between the executors both ways).
  compare_with_interpreter(wasm, optimized, fuzz::fuzz_jit_engine(), "JIT");
  compare_with_interpreter(wasm, optimized, fuzz::fuzz_mixed_engine(), "JIT and interpreter");
  return 0;
}
