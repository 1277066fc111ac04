// The native convention of generated code, shared by the backends and the C++ side (entry,
// runtime calls): a function is `uint32_t f(uint8_t* ctx, rt::Slot* args)` with the System V
// or AAPCS64 C convention, where ctx is its instance's context (InstanceContext::data) and
// args its argument array, to which it writes its results. It returns 0, or 1 when it trapped:
// the trap is then pending on the thread (runtime_calls.h) with the frames unwound so far.
// Generated functions keep only the callee-saved registers they use themselves (within one
// instance the context registers are the same): C++ calls them through the backend's entry
// stub (make_host_entry in backend.h), which keeps the rest.
// Direct calls within one instance may use a backend's register convention instead (the
// x86-64 one is in x64/x64_backend.h); such a function's NativeFn is a stub that loads the
// arguments from the array and calls its body.
#pragma once

#include <cstdint>

#include "runtime/slot.h"

namespace wrun::jit {

using NativeFn = uint32_t (*)(uint8_t* ctx, rt::Slot* args);

}  // namespace wrun::jit
