// Faults in registered machine code come back from run_guarded as FaultInfo; everything else
// reaches the handler that was installed before.
#include "runtime/fault_handler.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/code_registry.h"
#include "runtime/stack_limit.h"
#include "runtime/tests/machine_code.h"

namespace wrun::rt {
namespace {

using testing::CodePage;
using testing::kHaveMachineCode;
using testing::NoAccessPage;

#define REQUIRE_MACHINE_CODE() \
  if (!kHaveMachineCode) GTEST_SKIP() << "no test machine code for this architecture"

int g_cookie_a, g_cookie_b;  // distinct addresses to register as cookies

TEST(FaultHandler, LoadFromNoAccessPageIsAFault) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  const TrapSite site{0, 7, 1234};
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a, {&site, 1});
  NoAccessPage bad;
  uint32_t result = 0;
  auto fault = run_guarded([&] { result = code.entry<testing::LoadFn>()(bad.at(3)); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->signal, SIGSEGV);
  EXPECT_EQ(fault->code, SEGV_ACCERR);
  EXPECT_EQ(fault->pc, code.begin());
  EXPECT_EQ(fault->address, bad.at(3));
  EXPECT_EQ(fault->code_begin, code.begin());
  EXPECT_EQ(fault->cookie, &g_cookie_a);
  EXPECT_TRUE(fault->has_site);
  EXPECT_EQ(fault->reason, 7u);
  EXPECT_EQ(fault->source_offset, 1234u);
  EXPECT_FALSE(fault->stack_overflow);
  EXPECT_EQ(result, 0u);
}

TEST(FaultHandler, ValidLoadReturnsNormally) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  const uint32_t value = 0xfeedf00d;
  uint32_t result = 0;
  EXPECT_FALSE(run_guarded([&] { result = code.entry<testing::LoadFn>()(&value); }));
  EXPECT_EQ(result, value);
}

TEST(FaultHandler, FaultWithoutTrapSiteHasNoReason) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_b);
  NoAccessPage bad;
  auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(0)); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->cookie, &g_cookie_b);
  EXPECT_FALSE(fault->has_site);
}

// Recovery reinstates the signal mask: a second fault (and the hundredth) is caught too.
TEST(FaultHandler, RepeatedFaultsAreEachRecovered) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  NoAccessPage bad;
  for (int i = 0; i < 100; ++i) {
    auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(i)); });
    ASSERT_TRUE(fault.has_value());
    EXPECT_EQ(fault->address, bad.at(i));
  }
  sigset_t mask;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &mask), 0);
  EXPECT_FALSE(sigismember(&mask, SIGSEGV));
}

TEST(FaultHandler, IntegerDivisionByZeroIsAFault) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "integer division does not trap on this architecture";
#endif
  CodePage code(testing::div_code());
  const TrapSite site{testing::kDivTrapOffset, 3, 99};
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a, {&site, 1});
  int32_t result = 0;
  EXPECT_FALSE(run_guarded([&] { result = code.entry<testing::DivFn>()(42, 5); }));
  EXPECT_EQ(result, 8);
  auto fault = run_guarded([&] { result = code.entry<testing::DivFn>()(42, 0); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->signal, SIGFPE);
  EXPECT_EQ(fault->code, FPE_INTDIV);
  EXPECT_EQ(fault->pc, code.begin() + testing::kDivTrapOffset);
  EXPECT_TRUE(fault->has_site);
  EXPECT_EQ(fault->reason, 3u);
  EXPECT_EQ(fault->source_offset, 99u);
}

TEST(FaultHandler, IllegalInstructionIsAFault) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::illegal_code());
  const TrapSite site{0, 5, 0};
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a, {&site, 1});
  auto fault = run_guarded([&] { code.entry<testing::VoidFn>()(); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->signal, SIGILL);
  EXPECT_EQ(fault->pc, code.begin());
  EXPECT_EQ(fault->reason, 5u);
}

// A load from a file mapping past the end of the file raises SIGBUS.
TEST(FaultHandler, LoadPastEndOfMappedFileIsAFault) {
  REQUIRE_MACHINE_CODE();
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  void* mapping =
      mmap(nullptr, testing::page_size(), PROT_READ, MAP_SHARED, fileno(file), 0);  // empty
  ASSERT_NE(mapping, MAP_FAILED);
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(static_cast<uint32_t*>(mapping)); });
  munmap(mapping, testing::page_size());
  std::fclose(file);
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->signal, SIGBUS);
  EXPECT_EQ(fault->address, mapping);
}

TEST(FaultHandler, NestedActivationRecoversToTheInnermost) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  NoAccessPage bad;
  const uint32_t value = 5;
  uint32_t after = 0;
  std::optional<FaultInfo> inner;
  auto outer = run_guarded([&] {
    inner = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(1)); });
    after = code.entry<testing::LoadFn>()(&value);  // the outer activation goes on
  });
  EXPECT_FALSE(outer.has_value());
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->address, bad.at(1));
  EXPECT_EQ(after, value);

  // Once the inner activation has returned, normally or by a fault, a fault unwinds to the
  // outer one.
  outer = run_guarded([&] {
    inner = run_guarded([&] { after = code.entry<testing::LoadFn>()(&value); });
    code.entry<testing::LoadFn>()(bad.at(2));
  });
  EXPECT_FALSE(inner.has_value());
  ASSERT_TRUE(outer.has_value());
  EXPECT_EQ(outer->address, bad.at(2));
  outer = run_guarded([&] {
    inner = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(5)); });
    code.entry<testing::LoadFn>()(bad.at(6));
  });
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->address, bad.at(5));
  ASSERT_TRUE(outer.has_value());
  EXPECT_EQ(outer->address, bad.at(6));
}

// Generated code calls a host function that enters generated code again, which faults: the
// fault unwinds only the host's activation, and the outer generated code returns normally.
struct Reentry {
  const CodePage* load;
  const uint32_t* address;
  std::optional<FaultInfo> inner;
};

void host_reentering_wasm(void* context) {
  auto* r = static_cast<Reentry*>(context);
  r->inner = run_guarded([r] { r->load->entry<testing::LoadFn>()(r->address); });
}

TEST(FaultHandler, HostReentryFaultRecoversToTheHostsActivation) {
  REQUIRE_MACHINE_CODE();
  CodePage load(testing::load_code());
  CodePage call(testing::call_code());
  CodeRegistration reg_load = register_code(load.begin(), load.end(), &g_cookie_a);
  CodeRegistration reg_call = register_code(call.begin(), call.end(), &g_cookie_b);
  NoAccessPage bad;
  Reentry reentry{&load, bad.at(4), std::nullopt};
  auto outer = run_guarded([&] { call.entry<testing::CallFn>()(&reentry, host_reentering_wasm); });
  EXPECT_FALSE(outer.has_value());
  ASSERT_TRUE(reentry.inner.has_value());
  EXPECT_EQ(reentry.inner->cookie, &g_cookie_a);
  EXPECT_EQ(reentry.inner->address, bad.at(4));
}

TEST(FaultHandler, ExceptionsPassThroughAndPopTheActivation) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  EXPECT_THROW(run_guarded([] { throw std::runtime_error("host error"); }), std::runtime_error);
  // The thrown-through activation is gone: this fault reaches the new one.
  NoAccessPage bad;
  auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(0)); });
  EXPECT_TRUE(fault.has_value());
}

// Registered code that recurses until the thread's stack runs out: the handler runs on the
// alternate stack and recovers, on a thread with a small stack and a guard page.
void* overflow_thread(void* arg) {
  auto* out = static_cast<std::vector<std::optional<FaultInfo>>*>(arg);
  CodePage code(testing::recurse_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_b);
  for (int i = 0; i < 3; ++i) out->push_back(run_guarded([&] { code.entry<testing::VoidFn>()(); }));
  // The thread is still healthy: another fault is recovered too.
  CodePage load(testing::load_code());
  CodeRegistration reg_load = register_code(load.begin(), load.end(), &g_cookie_a);
  NoAccessPage bad;
  out->push_back(run_guarded([&] { load.entry<testing::LoadFn>()(bad.at(0)); }));
  return nullptr;
}

TEST(FaultHandler, StackOverflowInRegisteredCodeIsAFault) {
  REQUIRE_MACHINE_CODE();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  std::vector<std::optional<FaultInfo>> faults;
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, overflow_thread, &faults), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  ASSERT_EQ(faults.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(faults[i].has_value());
    EXPECT_EQ(faults[i]->signal, SIGSEGV);
    EXPECT_EQ(faults[i]->cookie, &g_cookie_b);
    EXPECT_EQ(faults[i]->pc, faults[i]->code_begin);
    EXPECT_TRUE(faults[i]->stack_overflow);
  }
  ASSERT_TRUE(faults[3].has_value());
  EXPECT_EQ(faults[3]->cookie, &g_cookie_a);
  EXPECT_FALSE(faults[3]->stack_overflow);
}

// A thread whose stack sits right on top of an inaccessible page: a load from that page
// is an ordinary fault (the thread's stack pointer is far above it), while running out of
// stack into it is an overflow. Another mapping lying under a thread's stack happens whenever
// mmap places one there.
struct UnderStack {
  const uint32_t* below;
  std::vector<std::optional<FaultInfo>> faults;
};

void* under_stack_thread(void* arg) {
  auto* u = static_cast<UnderStack*>(arg);
  CodePage load(testing::load_code());
  CodeRegistration reg_load = register_code(load.begin(), load.end(), &g_cookie_a);
  u->faults.push_back(run_guarded([&] { load.entry<testing::LoadFn>()(u->below); }));
  CodePage recurse(testing::recurse_code());
  CodeRegistration reg = register_code(recurse.begin(), recurse.end(), &g_cookie_b);
  u->faults.push_back(run_guarded([&] { recurse.entry<testing::VoidFn>()(); }));
  return nullptr;
}

TEST(FaultHandler, FaultJustUnderTheStackIsNotAnOverflow) {
  REQUIRE_MACHINE_CODE();
  const size_t page = testing::page_size();
  const size_t stack_size = 256 * 1024;
  void* map = mmap(nullptr, page + stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  auto* base = static_cast<uint8_t*>(map);
  ASSERT_EQ(mprotect(base, page, PROT_NONE), 0);
  UnderStack u{reinterpret_cast<const uint32_t*>(base + page - 4), {}};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstack(&attr, base + page, stack_size), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, under_stack_thread, &u), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  munmap(map, page + stack_size);
  ASSERT_EQ(u.faults.size(), 2u);
  ASSERT_TRUE(u.faults[0].has_value());
  EXPECT_EQ(u.faults[0]->cookie, &g_cookie_a);
  EXPECT_EQ(u.faults[0]->address, u.below);
  EXPECT_FALSE(u.faults[0]->stack_overflow);
  ASSERT_TRUE(u.faults[1].has_value());
  EXPECT_EQ(u.faults[1]->cookie, &g_cookie_b);
  EXPECT_TRUE(u.faults[1]->stack_overflow);
}

// Threads fault and recover while other threads register and unregister ranges and look
// addresses up: every fault finds its own range, and lookups see consistent snapshots.
TEST(FaultHandler, FaultsWhileOtherThreadsChangeTheRegistry) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  NoAccessPage bad;
  // Addresses for dummy ranges: reserved, never executed.
  const size_t span = 1 << 20;
  void* reserved = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(reserved, MAP_FAILED);
  const auto* base = static_cast<const char*>(reserved);

  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::vector<CodeRegistration> held;
      unsigned n = 0;
      while (!stop.load()) {
        const char* b = base + (t * span / 2) + (n % 64) * 4096;
        if (held.size() == 64) held.erase(held.begin() + (n * 7) % 64);
        try {
          held.push_back(register_code(b, b + 100, &g_cookie_b, {}));
        } catch (const std::invalid_argument&) {  // still registered from an earlier round
        }
        CodeLookup found;
        if (lookup_code(b + 50, &found) && found.cookie != &g_cookie_b) ++wrong;
        ++n;
      }
    });
  }
  std::atomic<int> recovered{0};
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(t)); });
        if (!fault || fault->cookie != &g_cookie_a || fault->address != bad.at(t))
          ++wrong;
        else
          ++recovered;
      }
    });
  }
  threads[2].join();
  threads[3].join();
  stop = true;
  threads[0].join();
  threads[1].join();
  munmap(reserved, span);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(recovered.load(), 4000);
}

size_t count_mappings() {
  std::ifstream maps("/proc/self/maps");
  size_t n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

// Each thread's alternate stack is unmapped when the thread exits.
TEST(FaultHandler, ThreadsFreeTheirSignalStacks) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_cookie_a);
  NoAccessPage bad;
  auto fault_once = [&] {
    EXPECT_TRUE(run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(0)); }));
  };
  std::thread(fault_once).join();  // the thread library's stack cache fills up
  const size_t before = count_mappings();
  for (int i = 0; i < 32; ++i) std::thread(fault_once).join();
  EXPECT_LT(count_mappings(), before + 8);
}

// A thread's own alternate stack that is large enough is used as it is.
TEST(FaultHandler, KeepsALargeEnoughSignalStack) {
  std::thread([] {
    std::vector<char> own(256 * 1024);
    stack_t mine{};
    mine.ss_sp = own.data();
    mine.ss_size = own.size();
    stack_t old{};
    ASSERT_EQ(sigaltstack(&mine, &old), 0);
    EXPECT_FALSE(run_guarded([] {}));
    stack_t now{};
    ASSERT_EQ(sigaltstack(nullptr, &now), 0);
    EXPECT_EQ(now.ss_sp, own.data());
    sigaltstack(&old, nullptr);
  }).join();
}

}  // namespace
}  // namespace wrun::rt
