// Fuel and interrupts at calls: a call to a host function is metered like a call to a wasm
// function (one unit, and a pending interrupt stops it), and a call pays one more unit per 64
// declared local slots it zeroes (interp/code.h, call_fuel).
#include <gtest/gtest.h>

#include "decoder/tests/wasm_builder.h"
#include "wrun/wrun.h"

namespace wrun {
namespace {

using namespace wrun::test;

// Imports env.h and env.stop (both () -> ()); exports
//   chain       ten calls of h, no loop and no call to a wasm function
//   stop_then_h stop, then h twice
//   big         declares 6400 i64 locals (100 units of 64 slots), does nothing
//   call_big    calls big
//   small       declares 63 i64 locals
//   call_small  calls small
Bytes call_module() {
  Bytes calls_h;
  for (int i = 0; i < 10; ++i) calls_h.insert(calls_h.end(), {0x10, 0x00});
  auto body = [](const Bytes& locals, const Bytes& code) {
    Bytes b = cat({locals, code, {0x0B}});
    return cat({uleb(b.size()), b});
  };
  auto exp = [](const std::string& n, uint8_t func) { return cat({name(n), {0x00, func}}); };
  return module({
      type_void_void(),
      section(2, cat({{0x02},
                      name("env"),
                      name("h"),
                      {0x00, 0x00},
                      name("env"),
                      name("stop"),
                      {0x00, 0x00}})),
      section(3, {0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}),
      section(7, cat({{0x06},
                      exp("chain", 2),
                      exp("stop_then_h", 3),
                      exp("big", 4),
                      exp("call_big", 5),
                      exp("small", 6),
                      exp("call_small", 7)})),
      section(10, cat({{0x06},
                       body({0x00}, calls_h),
                       body({0x00}, {0x10, 0x01, 0x10, 0x00, 0x10, 0x00}),
                       body(cat({{0x01}, uleb(6400), {0x7E}}), {}),
                       body({0x00}, {0x10, 0x04}),
                       body({0x01, 0x3F, 0x7E}, {}),
                       body({0x00}, {0x10, 0x06})})),
  });
}

// Both executors meter calls the same way (jit/runtime_calls.h says how the JIT does).
using Executor = EngineConfig::Executor;
struct CallFuel : ::testing::TestWithParam<Executor> {
  static EngineConfig config() {
    EngineConfig c;
    c.executor = GetParam();
    return c;
  }
  Engine engine{config()};
  Store store{engine};
  Linker linker{store};
  int h_calls = 0;
  std::optional<Instance> inst;

  void SetUp() override {
    linker.define(
        "env", "h",
        Func::host(store, FuncType{}, [this](Caller&, std::span<const Val>, std::span<Val>) {
          ++h_calls;
          return std::optional<Trap>();
        }));
    linker.define(
        "env", "stop",
        Func::host(store, FuncType{}, [](Caller& caller, std::span<const Val>, std::span<Val>) {
          caller.store().interrupt();
          return std::optional<Trap>();
        }));
    auto m = Module::compile(engine, call_module());
    ASSERT_TRUE(m.ok()) << m.error();
    auto r = linker.instantiate(*m);
    ASSERT_TRUE(std::holds_alternative<Instance>(r)) << std::get<InstantiateError>(r).message;
    inst = std::get<Instance>(r);
  }
  std::variant<std::vector<Val>, Trap> call(std::string_view name) {
    return inst->get_func(name)->call(store, {});
  }
  // The fuel one call of `name` uses (it must not trap).
  uint64_t used(std::string_view name) {
    store.set_fuel(1'000'000);
    auto r = call(name);
    EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(r)) << name;
    const uint64_t left = store.fuel().value_or(0);
    store.set_fuel(std::nullopt);
    return 1'000'000 - left;
  }
};

TEST_P(CallFuel, HostCallsCostOneUnitEach) {
  EXPECT_EQ(used("chain"), 10u);
  EXPECT_EQ(h_calls, 10);
}

TEST_P(CallFuel, ALoopFreeChainOfHostCallsRunsOutOfFuel) {
  store.set_fuel(9);
  auto r = call("chain");
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  EXPECT_EQ(h_calls, 9);  // the tenth call was not made
  EXPECT_EQ(store.fuel(), std::optional<uint64_t>(0));
}

TEST_P(CallFuel, InterruptFromAHostFunctionIsDeliveredAtTheNextHostCall) {
  auto r = call("stop_then_h");
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::Interrupted);
  EXPECT_EQ(h_calls, 0);
  // Delivered once: the next call runs.
  EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(call("chain")));
  EXPECT_EQ(h_calls, 10);
}

TEST_P(CallFuel, CallsPayForTheLocalsTheyZero) {
  EXPECT_EQ(used("call_small"), 1u);  // 63 local slots: one unit, as any call
  EXPECT_EQ(used("call_big"), 101u);  // 6400 local slots: one unit and 100 more
  EXPECT_EQ(used("big"), 100u);       // entered from the host: the locals alone
  EXPECT_EQ(used("small"), 0u);
}

TEST_P(CallFuel, ABudgetThatCannotPayTrapsBeforeTheCall) {
  store.set_fuel(100);
  auto r = call("call_big");
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  EXPECT_EQ(store.fuel(), std::optional<uint64_t>(100));  // nothing charged
  store.set_fuel(99);
  r = call("big");
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  EXPECT_EQ(store.fuel(), std::optional<uint64_t>(99));
}

INSTANTIATE_TEST_SUITE_P(Executors, CallFuel,
                         ::testing::Values(Executor::Interpreter, Executor::Jit),
                         [](const ::testing::TestParamInfo<Executor>& info) {
                           return info.param == Executor::Jit ? "Jit" : "Interpreter";
                         });

}  // namespace
}  // namespace wrun
