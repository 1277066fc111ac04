#include "runtime/signal_stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <system_error>

namespace wrun::rt {
namespace {

// A stack installed for this thread, removed by the thread_local's destructor at thread exit
// (C++ thread_local destructors run before the thread library's key destructors, where
// sanitizers unmap the stack they installed: it is back in place by then).
struct ThreadSignalStack {
  bool checked = false;
  void* mapping = nullptr;  // guard page + stack, if mapped here
  size_t mapping_size = 0;
  stack_t ours{};
  stack_t previous{};

  ~ThreadSignalStack() {
    if (mapping == nullptr) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == ours.ss_sp &&
        !(current.ss_flags & SS_DISABLE))
      sigaltstack(&previous, nullptr);  // SS_DISABLE in previous disables it
    munmap(mapping, mapping_size);
  }
};

thread_local ThreadSignalStack t_signal_stack;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

void ensure_signal_stack() {
  ThreadSignalStack& s = t_signal_stack;
  if (s.checked) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0) fail("sigaltstack");
  if (!(current.ss_flags & SS_DISABLE) && current.ss_size >= kSignalStackSize) {
    s.checked = true;
    return;
  }
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t size = (kSignalStackSize + page - 1) & ~(page - 1);
  void* mapping =
      mmap(nullptr, page + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) fail("mmap of a signal stack");
  // An overflow of the signal stack then faults instead of writing below it.
  if (mprotect(mapping, page, PROT_NONE) != 0) {
    const int err = errno;
    munmap(mapping, page + size);
    errno = err;
    fail("mprotect of a signal stack guard");
  }
  stack_t ours{};
  ours.ss_sp = static_cast<char*>(mapping) + page;
  ours.ss_size = size;
  if (sigaltstack(&ours, &s.previous) != 0) {
    const int err = errno;
    munmap(mapping, page + size);
    errno = err;
    fail("sigaltstack");
  }
  s.mapping = mapping;
  s.mapping_size = page + size;
  s.ours = ours;
  s.checked = true;
}

}  // namespace wrun::rt
