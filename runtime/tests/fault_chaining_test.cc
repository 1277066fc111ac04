// Faults that are not the runtime's reach the handler installed before it. Each case runs in
// a fresh child process (a "threadsafe" death test re-executes the test binary), where it
// sets the previous handler and then installs the runtime's, which keeps the first handler it
// finds for good.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <thread>

#include "runtime/code_registry.h"
#include "runtime/fault_handler.h"
#include "runtime/tests/machine_code.h"

namespace wrun::rt {
namespace {

using testing::CodePage;
using testing::NoAccessPage;

class FaultChaining : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::kHaveMachineCode) GTEST_SKIP() << "no test machine code for this architecture";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};

int g_cookie;

void exit_42(int, siginfo_t*, void*) { _exit(42); }

// An embedder's own recovery: its handler jumps out without restoring the signal mask, which
// works because it was installed with SA_NODEFER.
sigjmp_buf g_embedder_jump;
int g_embedder_faults = 0;
void embedder_recovers(int, siginfo_t*, void*) {
  ++g_embedder_faults;
  siglongjmp(g_embedder_jump, 1);
}
void exit_43(int) { _exit(43); }

// In the child: `previous` becomes the handler before the runtime's, no core file is written.
void install_after(const struct sigaction& previous) {
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  sigaction(SIGSEGV, &previous, nullptr);
  install_fault_handler();
}

struct sigaction with_siginfo(void (*fn)(int, siginfo_t*, void*)) {
  struct sigaction action {};
  action.sa_sigaction = fn;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  return action;
}

struct sigaction with_handler(void (*fn)(int)) {
  struct sigaction action {};
  action.sa_handler = fn;
  sigemptyset(&action.sa_mask);
  return action;
}

uint32_t load(const CodePage& code, const uint32_t* p) { return code.entry<testing::LoadFn>()(p); }

TEST_F(FaultChaining, UnregisteredCodeInActivationReachesThePreviousHandler) {
  EXPECT_EXIT(
      {
        install_after(with_siginfo(exit_42));
        CodePage code(testing::load_code());  // not registered
        NoAccessPage bad;
        run_guarded([&] { load(code, bad.at(0)); });
      },
      ::testing::ExitedWithCode(42), "");
}

TEST_F(FaultChaining, RegisteredCodeOutsideActivationReachesThePreviousHandler) {
  EXPECT_EXIT(
      {
        install_after(with_siginfo(exit_42));
        CodePage code(testing::load_code());
        CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie);
        NoAccessPage bad;
        load(code, bad.at(0));
      },
      ::testing::ExitedWithCode(42), "");
}

// The previous handler runs with the mask its flags ask for, so its own way of recovering
// keeps working: here, fault after fault.
TEST_F(FaultChaining, PreviousHandlerMayJumpOut) {
  EXPECT_EXIT(
      {
        struct sigaction action = with_siginfo(embedder_recovers);
        action.sa_flags |= SA_NODEFER;
        install_after(action);
        CodePage code(testing::load_code());
        NoAccessPage bad;
        volatile int tries = 0;
        while (tries < 3) {
          if (sigsetjmp(g_embedder_jump, 0) == 0) load(code, bad.at(0));
          tries = tries + 1;
        }
        _exit(40 + g_embedder_faults);
      },
      ::testing::ExitedWithCode(43), "");
}

TEST_F(FaultChaining, PlainHandlerIsCalled) {
  EXPECT_EXIT(
      {
        install_after(with_handler(exit_43));
        CodePage code(testing::load_code());
        NoAccessPage bad;
        load(code, bad.at(0));
      },
      ::testing::ExitedWithCode(43), "");
}

TEST_F(FaultChaining, DefaultActionKillsTheProcess) {
  EXPECT_EXIT(
      {
        install_after(with_handler(SIG_DFL));
        CodePage code(testing::load_code());
        NoAccessPage bad;
        load(code, bad.at(0));
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

// SIG_IGN cannot ignore a real fault: the kernel kills the process, and so does the runtime.
TEST_F(FaultChaining, IgnoredFaultStillKillsTheProcess) {
  EXPECT_EXIT(
      {
        install_after(with_handler(SIG_IGN));
        CodePage code(testing::load_code());
        NoAccessPage bad;
        load(code, bad.at(0));
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

// A SIGSEGV sent with raise() is not a fault: under SIG_DFL it is raised again and kills,
// under SIG_IGN it is ignored.
TEST_F(FaultChaining, SentSignalTakesTheDefaultAction) {
  EXPECT_EXIT(
      {
        install_after(with_handler(SIG_DFL));
        raise(SIGSEGV);
        _exit(44);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

TEST_F(FaultChaining, SentSignalIsIgnoredUnderSigIgn) {
  EXPECT_EXIT(
      {
        install_after(with_handler(SIG_IGN));
        raise(SIGSEGV);
        _exit(44);
      },
      ::testing::ExitedWithCode(44), "");
}

// A signal sent inside an activation is not a fault either: it is chained, not recovered.
TEST_F(FaultChaining, SentSignalInActivationIsChained) {
  EXPECT_EXIT(
      {
        install_after(with_siginfo(exit_42));
        run_guarded([] { raise(SIGSEGV); });
      },
      ::testing::ExitedWithCode(42), "");
}

// A SIGSEGV sent to a thread while it runs registered code in an activation is not a fault
// of that code: it is chained, not turned into a FaultInfo.
TEST_F(FaultChaining, SentSignalInRegisteredCodeIsChained) {
  EXPECT_EXIT(
      {
        install_after(with_siginfo(exit_42));
        CodePage code(testing::spin_code());
        CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie);
        std::atomic<bool> started{false};
        std::thread spinner([&] {
          run_guarded([&] {
            started = true;
            code.entry<testing::VoidFn>()();
          });
          _exit(45);  // recovered: wrong
        });
        while (!started) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // into the loop
        pthread_kill(spinner.native_handle(), SIGSEGV);
        spinner.join();
      },
      ::testing::ExitedWithCode(42), "");
}

}  // namespace
}  // namespace wrun::rt
