// Fuel at calls: a call pays one more unit per 64 declared local slots it zeroes
// (interp/code.h, call_fuel).
#include <gtest/gtest.h>

#include "decoder/tests/wasm_builder.h"
#include "wrun/wrun.h"

namespace wrun {
namespace {

using namespace wrun::test;

// Exports
//   big         declares 6400 i64 locals (100 units of 64 slots), does nothing
//   call_big    calls big
//   small       declares 63 i64 locals
//   call_small  calls small
Bytes call_module() {
  auto body = [](const Bytes& locals, const Bytes& code) {
    Bytes b = cat({locals, code, {0x0B}});
    return cat({uleb(b.size()), b});
  };
  auto exp = [](const std::string& n, uint8_t func) { return cat({name(n), {0x00, func}}); };
  return module({
      type_void_void(),
      section(3, {0x04, 0x00, 0x00, 0x00, 0x00}),
      section(
          7,
          cat({{0x04}, exp("big", 0), exp("call_big", 1), exp("small", 2), exp("call_small", 3)})),
      section(10, cat({{0x04},
                       body(cat({{0x01}, uleb(6400), {0x7E}}), {}),
                       body({0x00}, {0x10, 0x00}),
                       body({0x01, 0x3F, 0x7E}, {}),
                       body({0x00}, {0x10, 0x02})})),
  });
}

struct CallFuel : ::testing::Test {
  Engine engine;
  Store store{engine};
  Linker linker{store};
  std::optional<Instance> inst;

  void SetUp() override {
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

TEST_F(CallFuel, CallsPayForTheLocalsTheyZero) {
  EXPECT_EQ(used("call_small"), 1u);  // 63 local slots: one unit, as any call
  EXPECT_EQ(used("call_big"), 101u);  // 6400 local slots: one unit and 100 more
  EXPECT_EQ(used("big"), 100u);       // entered from the host: the locals alone
  EXPECT_EQ(used("small"), 0u);
}

TEST_F(CallFuel, ABudgetThatCannotPayTrapsBeforeTheCall) {
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

}  // namespace
}  // namespace wrun
