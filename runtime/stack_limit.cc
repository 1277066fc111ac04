#include "runtime/stack_limit.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <string>

#if defined(__linux__)
#include <sys/syscall.h>
#endif
#if defined(__FreeBSD__) || defined(__DragonFly__)
#include <pthread_np.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define WRUN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WRUN_ASAN 1
#endif
#endif

namespace wrun::rt {
namespace {

// The stack the thread library gave this thread, and the one it runs on now (the same unless
// set_current_stack declared another).
thread_local StackBounds t_thread_stack;
thread_local StackBounds t_current_stack;

StackBounds from_top(uintptr_t high, size_t size) {
  return {reinterpret_cast<const char*>(high - size), reinterpret_cast<const char*>(high)};
}

StackBounds fallback_stack() {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  return from_top((frame + page - 1) & ~(page - 1), kFallbackStackSize);
}

#if defined(__linux__)
bool is_main_thread() { return getpid() == static_cast<pid_t>(syscall(SYS_gettid)); }

// The kernel keeps a growing stack this far from the mapping below it (its default
// stack_guard_gap of 256 pages).
constexpr uintptr_t kStackGuardGap = 1 << 20;

// The main thread's stack is a mapping the kernel grows on demand while it stays within
// RLIMIT_STACK, counted from the mapping's top (argv and the environment included), and
// away from the mapping below it. glibc's pthread_getattr_np counts from below argv and
// musl's reports only what is mapped so far, so the bounds are computed here.
bool main_thread_stack(StackBounds* out) {
  const auto frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  uintptr_t below_end = 0;  // end of the mapping below the stack's
  while (std::getline(maps, line)) {
    uintptr_t start = 0, end = 0;
    const char* const last = line.data() + line.size();
    auto [dash, err] = std::from_chars(line.data(), last, start, 16);
    if (err != std::errc() || dash == last || *dash != '-') return false;
    if (std::from_chars(dash + 1, last, end, 16).ec != std::errc()) return false;
    if (frame < start || frame >= end) {
      below_end = end;
      continue;
    }
    if (!line.ends_with("[stack]")) return false;  // a fiber's stack: not the thread's
    rlimit limit{};
    uintptr_t size = end - below_end;
    if (below_end + kStackGuardGap < end) size = end - below_end - kStackGuardGap;
    if (getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      size = std::min<uintptr_t>(size, limit.rlim_cur);
    if (end - size > frame) return false;  // the frame is already past the limit: unknown
    *out = from_top(end, size);
    return true;
  }
  return false;
}
#endif

StackBounds query_thread_stack() {
#if defined(__linux__)
  StackBounds bounds;
  if (is_main_thread() && main_thread_stack(&bounds)) return bounds;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return fallback_stack();
  void* low = nullptr;
  size_t size = 0;
  const int err = pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  if (err != 0 || low == nullptr) return fallback_stack();
  return from_top(reinterpret_cast<uintptr_t>(low) + size, size);
#elif defined(__APPLE__)
  const pthread_t self = pthread_self();
  return from_top(reinterpret_cast<uintptr_t>(pthread_get_stackaddr_np(self)),
                  pthread_get_stacksize_np(self));
#elif defined(__FreeBSD__) || defined(__DragonFly__)
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  void* low = nullptr;
  size_t size = 0;
  const bool ok = pthread_attr_get_np(pthread_self(), &attr) == 0 &&
                  pthread_attr_getstack(&attr, &low, &size) == 0 && low != nullptr;
  pthread_attr_destroy(&attr);
  if (!ok) return fallback_stack();
  return from_top(reinterpret_cast<uintptr_t>(low) + size, size);
#else
  return fallback_stack();
#endif
}

const char* limit_of(StackBounds bounds) { return bounds.low + stack_reserve(bounds.size()); }

}  // namespace

size_t stack_reserve(size_t size) {
#if defined(WRUN_ASAN)
  constexpr size_t reserve = 2 * kStackReserve;
#else
  constexpr size_t reserve = kStackReserve;
#endif
  return std::min(reserve, size / 2);
}

StackBounds current_stack_bounds() {
  if (t_current_stack.high == nullptr) {
    if (t_thread_stack.high == nullptr) t_thread_stack = query_thread_stack();
    t_current_stack = t_thread_stack;
  }
  return t_current_stack;
}

void set_current_stack(StackBounds bounds) {
  t_current_stack = bounds;
  detail::t_stack_limit = limit_of(bounds);
}

void reset_current_stack() {
  t_current_stack = {};
  detail::t_stack_limit = limit_of(current_stack_bounds());
}

namespace detail {
const char* compute_stack_limit() { return t_stack_limit = limit_of(current_stack_bounds()); }
}  // namespace detail

}  // namespace wrun::rt
