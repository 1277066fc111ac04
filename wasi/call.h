// What every WASI host function gets: its context, and the caller's memory (looked up on
// first use, once per call). A caller without an exported "memory" gets an empty one, so
// every pointer it passes is FAULT.
#pragma once

#include <optional>

#include "wasi/context.h"
#include "wasi/guest_memory.h"

namespace wrun::wasi {

class Call {
 public:
  Call(ContextImpl& ctx, const Caller& caller) : ctx(ctx), caller_(caller) {}
  ContextImpl& ctx;
  const GuestMemory& mem() {
    if (!mem_) mem_ = GuestMemory::of(caller_).value_or(GuestMemory());
    return *mem_;
  }

 private:
  const Caller& caller_;
  std::optional<GuestMemory> mem_;
};

// Returns early from a host function with any errno other than SUCCESS.
#define WASI_TRY(expr)                                                                  \
  do {                                                                                  \
    if (::wrun::wasi::Errno e_ = (expr); e_ != ::wrun::wasi::Errno::SUCCESS) return e_; \
  } while (0)

}  // namespace wrun::wasi
