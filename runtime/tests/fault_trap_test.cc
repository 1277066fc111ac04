// A fault in registered code becomes the spec's trap: through the real handler, from machine
// code that faults on purpose at a registered trap site.
#include "runtime/fault_trap.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <csignal>
#include <vector>

#include "runtime/code_registry.h"
#include "runtime/tests/machine_code.h"

namespace wrun::rt {
namespace {

using testing::CodePage;
using testing::kHaveMachineCode;
using testing::NoAccessPage;

#define REQUIRE_MACHINE_CODE() \
  if (!kHaveMachineCode) GTEST_SKIP() << "no test machine code for this architecture"

int g_module;  // the executor's cookie

TEST(FaultTrap, OutOfBoundsLoadAtATrapSiteIsTheSpecsTrap) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  const TrapSite site{0, trap_site_reason(TrapKind::MemoryOutOfBounds), 0x2a};
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_module, {&site, 1});
  NoAccessPage guard;  // stands for a memory's guard region
  auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(guard.at(0)); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->source_offset, 0x2au);  // what the executor puts in the trap's frame
  std::optional<Trap> trap = trap_from_fault(*fault);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap->message, "out of bounds memory access");
}

TEST(FaultTrap, DivisionByZeroAtATrapSite) {
  REQUIRE_MACHINE_CODE();
#if !defined(__x86_64__)
  GTEST_SKIP() << "only x86-64's idiv faults on a zero divisor";
#else
  CodePage code(testing::div_code());
  const TrapSite site{testing::kDivTrapOffset, trap_site_reason(TrapKind::IntegerDivideByZero), 7};
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_module, {&site, 1});
  auto fault = run_guarded([&] { code.entry<testing::DivFn>()(1, 0); });
  ASSERT_TRUE(fault.has_value());
  std::optional<Trap> trap = trap_from_fault(*fault);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, TrapKind::IntegerDivideByZero);
  EXPECT_EQ(trap->message, "integer divide by zero");
#endif
}

// A fault where no trap was meant is no trap: the executor must treat it as its own bug.
TEST(FaultTrap, FaultWithoutATrapSiteIsNoTrap) {
  REQUIRE_MACHINE_CODE();
  CodePage code(testing::load_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_module);
  NoAccessPage bad;
  auto fault = run_guarded([&] { code.entry<testing::LoadFn>()(bad.at(0)); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_FALSE(trap_from_fault(*fault).has_value());
}

TEST(FaultTrap, ReasonsThatNameNoFaultingTrapAreNoTrap) {
  FaultInfo fault;
  fault.signal = SIGSEGV;
  fault.has_site = true;
  for (TrapKind kind : {TrapKind::OutOfFuel, TrapKind::Interrupted, TrapKind::Exit, TrapKind::Host}) {
    fault.reason = trap_site_reason(kind);
    EXPECT_FALSE(trap_from_fault(fault).has_value()) << trap_kind_message(kind);
  }
  fault.reason = 0x109;  // would be Unreachable if cut to 8 bits
  EXPECT_FALSE(trap_from_fault(fault).has_value());
}

// Recursion in registered code that runs off the end of a small thread's stack.
void* overflow(void* out) {
  CodePage code(testing::recurse_code());
  CodeRegistration reg = register_code(code.begin(), code.end(), &g_module);
  auto fault = run_guarded([&] { code.entry<testing::VoidFn>()(); });
  if (fault) *static_cast<std::optional<Trap>*>(out) = trap_from_fault(*fault);
  return nullptr;
}

TEST(FaultTrap, StackOverflowIsCallStackExhausted) {
  REQUIRE_MACHINE_CODE();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  std::optional<Trap> trap;
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, overflow, &trap), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, TrapKind::StackExhausted);
  EXPECT_EQ(trap->message, "call stack exhausted");
}

}  // namespace
}  // namespace wrun::rt
