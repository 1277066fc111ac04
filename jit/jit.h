// The JIT: compiles validated function bodies to machine code for the host (x86-64 today)
// through AsmJit, on the runtime layer's conventions (ARCHITECTURE.md). See jit/README.md.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "decoder/module.h"
#include "runtime/compiled_module.h"
#include "runtime/store.h"

namespace wrun::jit {

// True when this build has a backend for the machine it runs on.
bool available();

// What compiling a module produced: per defined function, a native entry or null where the
// function uses something the JIT does not compile yet (the caller gives those to the
// interpreter); and the object that owns the code (executable memory, registered with the
// runtime's code registry for the fault handler) for CompiledModule::code_owner.
struct ModuleCode {
  std::vector<const void*> native;  // by defined function
  // Where the module's own code calls each compiled function (its body, which may take its
  // arguments in registers): FuncInst::code for call_indirect. By defined function.
  std::vector<const void*> bodies;
  std::shared_ptr<const void> owner;
  std::span<const uint8_t> code;  // all of it, functions at native[i]; owned by `owner`
  uint32_t compiled = 0;          // functions with native code
  // The others, with the first instruction that kept each from the JIT.
  std::vector<std::pair<uint32_t, std::string>> interpreted;
};
struct CompileOptions {
  // Functions compile on this many threads (0: one per core for a module with enough code
  // to pay for them, else one); the code is the same for any number.
  unsigned threads = 0;
  // Append a line per compiled function to /tmp/perf-PID.map, so that `perf report` names
  // the JIT's code (the file is perf's; nothing removes it).
  bool perf_map = false;
  // Functions to leave to the interpreter although the JIT could compile them (tests of
  // calls between the executors; narrowing down a miscompiled function).
  std::function<bool(uint32_t func_index)> interpret = nullptr;
};
// The module must outlive the code (CompiledModule keeps both). Throws DecodeError on invalid
// code (validate_module must have accepted the module).
ModuleCode compile_module(const DecodedModule& module, const std::vector<bool>& declared_refs,
                          const CompileOptions& options = {});

// A listing of the module's code for people (wrun --emit-asm): each compiled function (or
// only function `only`) disassembled, with the wasm offset and name of the instruction each
// piece of code comes from; the others say what keeps them on the interpreter. Compiles
// the module again to find where the instructions went; the code is the same as
// compile_module's, at offsets from the start of the module's code.
std::string listing(const DecodedModule& module, const std::vector<bool>& declared_refs,
                    std::optional<uint32_t> only = std::nullopt);

// The array-call entry (rt::ArrayCall) of every function the JIT compiled: runs its native
// code inside rt::run_guarded, so that a fault at one of its trap sites becomes the trap.
std::optional<Trap> array_call(rt::Store& store, rt::FuncInst* func, rt::Instance* caller,
                               rt::Slot* slots);

}  // namespace wrun::jit
