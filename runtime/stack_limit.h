// The calling thread's native stack and the limit below which wasm and host re-entry must not
// go, so that running out of stack is a trap, never a crash (see runtime/README.md).
#pragma once

#include <cstddef>

namespace wrun::rt {

// A stack [low, high); it grows down from high.
struct StackBounds {
  const char* low = nullptr;
  const char* high = nullptr;
  size_t size() const { return static_cast<size_t>(high - low); }
  bool contains(const void* p) const {
    return static_cast<const char*>(p) >= low && static_cast<const char*>(p) < high;
  }
};

// Bytes kept free below stack_limit(): a host function that makes no check of its own, a
// trap's construction and unwinding, and a signal frame on a thread without an alternate
// signal stack must fit in it. Doubled under AddressSanitizer, whose frames are larger.
inline constexpr size_t kStackReserve = 128 * 1024;

// The reserve used for a stack of `size` bytes: the reserve above, but never more than half
// the stack, so that a small stack keeps room to run.
size_t stack_reserve(size_t size);

// The calling thread's stack, found once per thread and cached: pthread_getattr_np on Linux
// (the main thread's is computed from RLIMIT_STACK and its mapping), pthread_get_stackaddr_np
// on macOS, pthread_attr_get_np on the BSDs. Elsewhere the stack is assumed to end
// kFallbackStackSize below the frame of the first query; such embedders should declare their
// stacks with set_current_stack.
StackBounds current_stack_bounds();
inline constexpr size_t kFallbackStackSize = 256 * 1024;

// Declares the stack the calling thread runs on from now on, for stacks the thread library
// does not know (a fiber or coroutine stack the embedder switched to); reset_current_stack
// returns to the thread's own stack. Both change what stack_limit() returns.
void set_current_stack(StackBounds bounds);
void reset_current_stack();

namespace detail {
// The cached limit: a constant-initialised thread_local, so reading it is one TLS load.
inline constinit thread_local const char* t_stack_limit = nullptr;
const char* compute_stack_limit();
}  // namespace detail

// The lowest address a frame may start at before wasm or a host re-entry must trap:
// the stack's low end plus stack_reserve(size).
inline const char* stack_limit() {
  const char* limit = detail::t_stack_limit;
  if (limit == nullptr) [[unlikely]]
    limit = detail::compute_stack_limit();
  return limit;
}

// True when the caller's frame lies below stack_limit(): check before entering wasm or
// calling a host function that may re-enter it. Inlined, it tests the caller's own frame.
inline bool stack_exhausted() {
  return static_cast<const char*>(__builtin_frame_address(0)) < stack_limit();
}

}  // namespace wrun::rt
