// Faults in generated code as traps: one process-wide handler for SIGSEGV, SIGBUS, SIGFPE and
// SIGILL turns a fault at a registered code address (code_registry.h), raised while the
// thread runs inside run_guarded, into a return from run_guarded with a FaultInfo. Every
// other fault goes on to the handler installed before this one. See runtime/README.md.
//
// A trap site with a landing is resumed instead, where the platform allows (Linux on x86-64):
// the handler returns to the landing with the site's reason and source offset in the
// landing registers below, and the code there raises the trap and returns through its
// callers' frames, as for any other trap, so that each adds itself to the backtrace.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

namespace wrun::rt {

struct FaultInfo {
  int signal = 0;                    // SIGSEGV, SIGBUS, SIGFPE or SIGILL
  int code = 0;                      // its si_code: SEGV_MAPERR, SEGV_ACCERR, FPE_INTDIV, ...
  const void* pc = nullptr;          // the faulting instruction
  const void* address = nullptr;     // si_addr: the data address for SIGSEGV/SIGBUS, else the pc
  const void* sp = nullptr;          // the stack pointer when it faulted
  const void* code_begin = nullptr;  // the registered range holding pc
  const void* cookie = nullptr;      // and its cookie
  bool has_site = false;             // pc is a registered trap site: then these are its
  uint32_t reason = 0;
  uint32_t source_offset = 0;
  // A SIGSEGV/SIGBUS below stack_limit() and at most 64 KiB under sp: the generated code
  // ran out of stack.
  bool stack_overflow = false;
};

// The x86-64 registers a landing finds the site's reason and source offset in: r10, r11.
inline constexpr int kLandingReasonRegister = 10, kLandingSourceRegister = 11;

// Installs the handler for the four signals, once for the process (later calls do nothing;
// thread-safe). run_guarded calls it. The handlers in place before it are kept and chained
// to; a handler installed after it replaces it, and must chain to it for recovery to work.
void install_fault_handler();

namespace detail {
bool call_guarded(void (*fn)(void*), void* context, FaultInfo* fault);
}  // namespace detail

// Runs fn() as an activation on this thread: returns nullopt when fn returns, or the fault
// that stopped it when registered code faulted inside it (the innermost activation of the
// thread is the one that returns). Recovery unwinds with siglongjmp: between this call and
// the faulting code there must be only generated code, and fn's own frame holding nothing
// that needs destroying; a host function that generated code calls must enter generated code
// again through run_guarded. Exceptions from fn pass through. The first call on a thread
// gives it an alternate signal stack (signal_stack.h).
template <class F>
std::optional<FaultInfo> run_guarded(F&& fn) {
  using Fn = std::remove_reference_t<F>;
  FaultInfo fault;
  void* context = const_cast<void*>(static_cast<const void*>(std::addressof(fn)));
  if (detail::call_guarded([](void* f) { (*static_cast<Fn*>(f))(); }, context, &fault))
    return std::nullopt;
  return fault;
}

}  // namespace wrun::rt
