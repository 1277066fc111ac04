// What the fuzz targets share: one engine with small stacks, and "instantiate with stub
// imports and call every exported function" under fuel and memory limits.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "wrun/wrun.h"

namespace wrun::fuzz {

// Aborts the process (a finding for libFuzzer, a failed test for fuzz_replay) with a message.
[[noreturn]] void fail(const char* what, const std::string& detail = {});

// A process-wide engine with a smaller value stack and call depth than the default, so that
// stack exhaustion is reached quickly and each store's stacks are cheap to allocate.
Engine& fuzz_engine();
// The same limits, with the interpreter's plain lowering (EngineConfig::optimize_interp_code
// off): running a module on both must give the same transcript.
Engine& fuzz_plain_engine();
// The same limits, run by the JIT (with the interpreter for what it does not compile): the
// same transcript as the interpreter's, up to the first fuel or stack trap (Event).
Engine& fuzz_jit_engine();
// The JIT with every odd-numbered function left to the interpreter: calls cross between the
// executors both ways (EngineConfig::interpret_functions). Compared as fuzz_jit_engine().
Engine& fuzz_mixed_engine();

// WRUN_FUZZ_VERBOSE is set: print what happens to each module.
bool verbose();

struct RunLimits {
  uint64_t fuel = 100'000;                  // per call (and for instantiation)
  uint64_t max_memory_bytes = 64ull << 20;  // the store's limit on every memory
  uint64_t max_table_entries = 1u << 20;    // stub tables larger than this are not created
  size_t max_calls = 64;                    // exported functions called per module (both instances)
};

// One line of a run's transcript.
struct Event {
  std::string text;
  // The event is a trap of the call stack filling up. Executors use the stack differently
  // (the interpreter's value stack, the JIT's native one), so where it strikes, and all that
  // follows, may differ between executors (not between two lowerings of the interpreter).
  // Fuel is metered alike by both and compared like everything else.
  bool executor_limit = false;
};

struct RunStats {
  bool instantiated = false;
  size_t calls = 0;
  size_t traps = 0;
  // What happened, an event per line: each instantiation (or why it failed), each call's
  // results (as bits; references as the export they are) or trap (kind and message), and the
  // exports' final state (memory size and contents hash, globals, table sizes and elements).
  std::vector<Event> transcript;
};

// Instantiates `module` in a fresh store, defining a stub for every import (host functions of
// the right type that return zeros; tables, memories and globals of the imported type), then
// calls each exported function with zero arguments of its parameter types. When the module
// has imports, a second instance follows that imports the first one's exports where they fit
// (calls, tables and memories shared across instances). Traps and link errors are fine;
// anything the engine reports must be well formed (non-empty messages, limits kept).
// The module must have been compiled from `wasm` with `engine`; the harness decodes `wasm`
// itself for what the API does not show (import types, the bytes a backtrace points at).
RunStats instantiate_and_run(std::span<const uint8_t> wasm, const Module& module,
                             const RunLimits& limits = {}, Engine& engine = fuzz_engine());

}  // namespace wrun::fuzz
