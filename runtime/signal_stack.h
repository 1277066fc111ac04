// The alternate signal stack the fault handler runs on, so that it can run (and recover)
// when guarded code has used up the thread's own stack.
#pragma once

#include <cstddef>

namespace wrun::rt {

// The smallest alternate stack the fault handler accepts: its frame, a signal frame (a few
// KiB with AVX-512 or SVE state) and a chained handler's.
inline constexpr size_t kSignalStackSize = 64 * 1024;

// Gives the calling thread an alternate signal stack of at least kSignalStackSize bytes,
// once: one already installed (by the embedder, a sanitizer) that is large enough is kept;
// otherwise one is mapped, with a guard page below it, and installed. When the thread exits,
// a stack installed here is unmapped and the previous one reinstated. Throws
// std::system_error if it cannot map or install one. Not async-signal-safe.
void ensure_signal_stack();

}  // namespace wrun::rt
