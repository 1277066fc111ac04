// The signal handler, its chaining, and the per-thread activations it unwinds to.
//
// Async-signal-safety: the handler reads one initial-exec thread_local (the innermost
// activation), does a lock-free registry lookup (code_registry.cc), and then either
// siglongjmps or calls the previous handler; it allocates nothing and takes no lock. Jumping
// out of a signal handler is safe here because the interrupted instruction is generated code,
// which by contract holds no lock and is not inside libc.
#include "runtime/fault_handler.h"

#include <pthread.h>
#include <setjmp.h>
#include <ucontext.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>

#include "runtime/code_registry.h"
#include "runtime/signal_stack.h"
#include "runtime/stack_limit.h"

namespace wrun::rt {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
constexpr size_t kSignalCount = sizeof(kSignals) / sizeof(kSignals[0]);

// The handlers in place before ours, written once before ours is installed.
struct sigaction g_previous[kSignalCount];

struct Activation {
  sigjmp_buf jump;
  Activation* outer;
  FaultInfo fault;
};

// The innermost activation of this thread. Initial-exec TLS: reading it never allocates,
// which general-dynamic TLS in a dlopen'ed library may do on a thread's first access, and the
// handler also runs on threads that never entered guarded code.
__attribute__((tls_model("initial-exec"))) constinit thread_local Activation* t_innermost = nullptr;

const void* interrupted_pc(void* context) {
  [[maybe_unused]] auto* uc = static_cast<ucontext_t*>(context);
#if defined(__linux__) && defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__linux__) && defined(__aarch64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.pc);
#elif defined(__APPLE__) && defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext->__ss.__rip);
#elif defined(__APPLE__) && defined(__aarch64__)
  return reinterpret_cast<const void*>(__darwin_arm_thread_state64_get_pc(uc->uc_mcontext->__ss));
#elif defined(__FreeBSD__) && defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.mc_rip);
#elif defined(__FreeBSD__) && defined(__aarch64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.mc_gpregs.gp_elr);
#else
  return nullptr;  // unknown layout: nothing is recovered, every fault is chained
#endif
}

const void* interrupted_sp(void* context) {
  [[maybe_unused]] auto* uc = static_cast<ucontext_t*>(context);
#if defined(__linux__) && defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__linux__) && defined(__aarch64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.sp);
#elif defined(__APPLE__) && defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext->__ss.__rsp);
#elif defined(__APPLE__) && defined(__aarch64__)
  return reinterpret_cast<const void*>(__darwin_arm_thread_state64_get_sp(uc->uc_mcontext->__ss));
#elif defined(__FreeBSD__) && defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.mc_rsp);
#elif defined(__FreeBSD__) && defined(__aarch64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.mc_gpregs.gp_sp);
#else
  return nullptr;  // unknown layout: no fault is reported as a stack overflow
#endif
}

// Resumes the interrupted code at `landing` with the landing registers set (fault_handler.h);
// false where the context's layout is not known here.
bool resume_at(void* context, const void* landing, uint32_t reason, uint32_t source_offset) {
  [[maybe_unused]] auto* uc = static_cast<ucontext_t*>(context);
#if defined(__linux__) && defined(__x86_64__)
  static_assert(kLandingReasonRegister == 10 && kLandingSourceRegister == 11);
  uc->uc_mcontext.gregs[REG_R10] = reason;
  uc->uc_mcontext.gregs[REG_R11] = source_offset;
  uc->uc_mcontext.gregs[REG_RIP] = reinterpret_cast<greg_t>(landing);
  return true;
#else
  (void)landing, (void)reason, (void)source_offset;
  return false;
#endif
}

void restore_default(int sig) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  sigaction(sig, &default_action, nullptr);
}

const struct sigaction& previous_for(int sig) {
  size_t i = 0;
  while (i + 1 < kSignalCount && kSignals[i] != sig) ++i;
  return g_previous[i];
}

// Hands a fault that is not ours to the handler that was there before, as the kernel would
// have: with that handler's signal mask and flags. Under SIG_DFL (or SIG_IGN, which the kernel
// overrides for a fault) the default action is restored: a fault then repeats when the handler
// returns and kills the process with the original context; a signal sent with kill() is raised
// again.
void chain(int sig, siginfo_t* info, void* context) {
  const struct sigaction& previous = previous_for(sig);
  const bool sent = info->si_code <= 0;
  const bool handler = (previous.sa_flags & SA_SIGINFO) ||
                       (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN);
  if (handler) {
    // The mask the kernel would have given that handler: it may jump out instead of
    // returning, keeping whatever is blocked now.
    sigset_t mask = static_cast<ucontext_t*>(context)->uc_sigmask;
    for (int s = 1; s < NSIG; ++s)
      if (sigismember(&previous.sa_mask, s) == 1) sigaddset(&mask, s);
    if (!(previous.sa_flags & SA_NODEFER)) sigaddset(&mask, sig);
    pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    if (previous.sa_flags & SA_RESETHAND) restore_default(sig);
    if (previous.sa_flags & SA_SIGINFO) {
      previous.sa_sigaction(sig, info, context);
    } else {
      previous.sa_handler(sig);
    }
    return;
  }
  if (previous.sa_handler == SIG_IGN && sent) return;
  restore_default(sig);
  if (sent) raise(sig);
}

void handle_fault(int sig, siginfo_t* info, void* context) {
  Activation* activation = t_innermost;
  CodeLookup found;
  // si_code > 0: raised by the processor, not sent by kill() to a thread that happened to
  // be in generated code.
  if (activation != nullptr && info->si_code > 0 && lookup_code(interrupted_pc(context), &found)) {
    // A site with a landing goes on there: returning from the handler unblocks `sig` and
    // leaves the activation in place.
    if (found.has_site && found.site.landing != 0 &&
        resume_at(context, static_cast<const uint8_t*>(found.begin) + found.site.landing,
                  found.site.reason, found.site.source_offset))
      return;
    FaultInfo& fault = activation->fault;
    fault.signal = sig;
    fault.code = info->si_code;
    fault.pc = interrupted_pc(context);
    fault.address = info->si_addr;
    fault.sp = interrupted_sp(context);
    fault.code_begin = found.begin;
    fault.cookie = found.cookie;
    fault.has_site = found.has_site;
    fault.reason = found.site.reason;
    fault.source_offset = found.site.source_offset;
    t_innermost = activation->outer;
    // The kernel blocked `sig` for the handler and would unblock it on return; jumping out
    // skips that return, so the interrupted code's mask is reinstated here.
    pthread_sigmask(SIG_SETMASK, &static_cast<ucontext_t*>(context)->uc_sigmask, nullptr);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    siglongjmp(activation->jump, 1);
  }
  const int saved_errno = errno;
  chain(sig, info, context);
  errno = saved_errno;
}

// A stack overflow touches memory just below the interrupted stack pointer (a push, a call,
// a large frame's probe) and below the stack limit. The address alone would not do: another
// mapping may lie right under a thread's stack, and a fault there is an ordinary one.
bool overflowed_stack(const FaultInfo& fault) {
  if (fault.signal != SIGSEGV && fault.signal != SIGBUS) return false;
  if (fault.sp == nullptr) return false;
  const auto address = reinterpret_cast<uintptr_t>(fault.address);
  const auto sp = reinterpret_cast<uintptr_t>(fault.sp);
  return address < reinterpret_cast<uintptr_t>(stack_limit()) && address + 64 * 1024 >= sp;
}

// Runs fn with `activation` innermost. The setjmp is here, in a frame whose locals never
// change after it, so nothing of it is indeterminate after the jump; `activation` lives in
// the caller's frame, which the handler writes the fault into.
[[gnu::noinline]] bool enter(Activation* activation, void (*fn)(void*), void* context) {
  if (sigsetjmp(activation->jump, 0) != 0) return false;  // mask restored by the handler
  t_innermost = activation;
  try {
    fn(context);
  } catch (...) {
    t_innermost = activation->outer;
    throw;
  }
  t_innermost = activation->outer;
  return true;
}

}  // namespace

void install_fault_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction ours {};
    ours.sa_sigaction = handle_fault;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    for (size_t i = 0; i < kSignalCount; ++i) {
      sigaction(kSignals[i], nullptr, &g_previous[i]);
      sigaction(kSignals[i], &ours, nullptr);
    }
  });
}

namespace detail {

bool call_guarded(void (*fn)(void*), void* context, FaultInfo* fault) {
  install_fault_handler();
  ensure_signal_stack();
  Activation activation;
  activation.outer = t_innermost;
  if (enter(&activation, fn, context)) return true;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  *fault = activation.fault;
  fault->stack_overflow = overflowed_stack(*fault);
  return false;
}

}  // namespace detail
}  // namespace wrun::rt
