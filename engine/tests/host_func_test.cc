// Host functions called through Func::call: argument checks, conversions, traps, re-entry.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/internal.h"

namespace wrun {
namespace {

using Results = std::vector<Val>;

Results results_of(const std::variant<std::vector<Val>, Trap>& r) {
  if (auto* t = std::get_if<Trap>(&r)) ADD_FAILURE() << "unexpected trap: " << t->message;
  return std::holds_alternative<Results>(r) ? std::get<Results>(r) : Results{};
}

Trap trap_of(const std::variant<std::vector<Val>, Trap>& r) {
  if (!std::holds_alternative<Trap>(r)) {
    ADD_FAILURE() << "expected a trap";
    return Trap{};
  }
  return std::get<Trap>(r);
}

TEST(HostFunc, AddsTwoNumbers) {
  Engine engine;
  Store store(engine);
  int calls = 0;
  Func add = Func::host(
      store, FuncType{{ValType::I32, ValType::I32}, {ValType::I32}},
      [&](Caller&, std::span<const Val> args, std::span<Val> results) -> std::optional<Trap> {
        ++calls;
        results[0] = Val::i32(args[0].i32() + args[1].i32());
        return std::nullopt;
      });
  EXPECT_EQ(add.type(), (FuncType{{ValType::I32, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(api::raw(add)->param_slots, 2u);
  EXPECT_EQ(api::raw(add)->result_slots, 1u);
  EXPECT_EQ(api::raw(add)->type_id, rt::intern_func_type(add.type())->id);
  const Val args[] = {Val::i32(40), Val::i32(2)};
  const Results r = results_of(add.call(store, args));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].type(), ValType::I32);
  EXPECT_EQ(r[0].i32(), 42);
  EXPECT_EQ(calls, 1);
}

TEST(HostFunc, EveryValueTypeRoundTrips) {
  Engine engine;
  Store store(engine);
  const FuncType type{{ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128,
                       ValType::ExternRef, ValType::FuncRef},
                      {ValType::FuncRef, ValType::ExternRef, ValType::V128, ValType::F64,
                       ValType::F32, ValType::I64, ValType::I32}};
  // Returns its arguments reversed.
  Func echo =
      Func::host(store, type, [](Caller&, std::span<const Val> args, std::span<Val> results) {
        for (size_t i = 0; i < args.size(); ++i) results[results.size() - 1 - i] = args[i];
        return std::optional<Trap>();
      });
  EXPECT_EQ(api::raw(echo)->param_slots, 8u);
  V128 v;
  for (int i = 0; i < 16; ++i) v.bytes[i] = static_cast<uint8_t>(i * 17);
  int host_obj = 0;
  const Val args[] = {Val::i32(-3),
                      Val::i64(-4),
                      Val::f32_bits(0x7FA00001),
                      Val::f64_bits(0xFFF4000000000001),
                      Val::v128(v),
                      Val::externref(&host_obj),
                      Val::funcref(&echo)};
  const Results r = results_of(echo.call(store, args));
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0].funcref(), std::optional<Func>(echo));
  EXPECT_EQ(r[1].externref(), &host_obj);
  EXPECT_EQ(r[2].v128(), v);
  EXPECT_EQ(r[3].f64_bits(), 0xFFF4000000000001ull);
  EXPECT_EQ(r[4].f32_bits(), 0x7FA00001u);
  EXPECT_EQ(r[5].i64(), -4);
  EXPECT_EQ(r[6].i32(), -3);
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].type(), type.results[i]);
}

TEST(HostFunc, ManyArgumentsUseTheHeapPaths) {
  Engine engine;
  Store store(engine);
  FuncType type;
  for (int i = 0; i < 20; ++i) type.params.push_back(ValType::V128);  // 40 slots, 20 Vals
  type.results = {ValType::I64};
  Func sum =
      Func::host(store, type, [](Caller&, std::span<const Val> args, std::span<Val> results) {
        int64_t s = 0;
        for (const Val& a : args) s += a.v128().bytes[0] + a.v128().bytes[15];
        results[0] = Val::i64(s);
        return std::optional<Trap>();
      });
  std::vector<Val> args;
  for (int i = 0; i < 20; ++i) {
    V128 v;
    v.bytes[0] = static_cast<uint8_t>(i);
    v.bytes[15] = 1;
    args.push_back(Val::v128(v));
  }
  const Results r = results_of(sum.call(store, args));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i64(), 190 + 20);
}

TEST(HostFunc, ArgumentMismatchIsAHostTrap) {
  Engine engine;
  Store store(engine);
  bool called = false;
  Func f = Func::host(store, FuncType{{ValType::I32}, {}},
                      [&](Caller&, std::span<const Val>, std::span<Val>) {
                        called = true;
                        return std::optional<Trap>();
                      });
  Trap t = trap_of(f.call(store, {}));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_NE(t.message.find("expected 1 arguments, got 0"), std::string::npos) << t.message;

  const Val wrong[] = {Val::i64(1)};
  t = trap_of(f.call(store, wrong));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_NE(t.message.find("argument 0 has type i64, expected i32"), std::string::npos)
      << t.message;

  const Val too_many[] = {Val::i32(1), Val::i32(2)};
  EXPECT_EQ(trap_of(f.call(store, too_many)).kind, TrapKind::Host);
  EXPECT_FALSE(called);

  EXPECT_EQ(trap_of(ApiAccess::func(nullptr).call(store, {})).kind, TrapKind::Host);
}

TEST(HostFunc, TrapsPropagate) {
  Engine engine;
  Store store(engine);
  Func f = Func::host(store, FuncType{{}, {ValType::I32}},
                      [](Caller&, std::span<const Val>, std::span<Val>) {
                        Trap t = Trap::make(TrapKind::Exit);
                        t.exit_code = 3;
                        return std::optional<Trap>(t);
                      });
  Trap t = trap_of(f.call(store, {}));
  EXPECT_EQ(t.kind, TrapKind::Exit);
  EXPECT_EQ(t.exit_code, 3);

  Func thrower = Func::host(
      store, FuncType{}, [](Caller&, std::span<const Val>, std::span<Val>) -> std::optional<Trap> {
        throw std::runtime_error("boom");
      });
  t = trap_of(thrower.call(store, {}));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_NE(t.message.find("boom"), std::string::npos);
}

TEST(HostFunc, WronglyTypedResultIsATrap) {
  Engine engine;
  Store store(engine);
  // A host returning an i32 where a funcref is due would hand wasm a bogus pointer.
  Func f = Func::host(store, FuncType{{}, {ValType::FuncRef}},
                      [](Caller&, std::span<const Val>, std::span<Val> r) {
                        r[0] = Val::i32(0x1234);
                        return std::optional<Trap>();
                      });
  Trap t = trap_of(f.call(store, {}));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_NE(t.message.find("funcref"), std::string::npos) << t.message;

  // Results left untouched are the type's default (zero / null).
  Func lazy = Func::host(
      store, FuncType{{}, {ValType::F64, ValType::ExternRef}},
      [](Caller&, std::span<const Val>, std::span<Val>) { return std::optional<Trap>(); });
  const Results r = results_of(lazy.call(store, {}));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].f64_bits(), 0u);
  EXPECT_TRUE(r[1].is_null_ref());
}

TEST(HostFunc, CallerAndReentry) {
  Engine engine;
  Store store(engine);
  Func inner = Func::host(store, FuncType{{ValType::I32}, {ValType::I32}},
                          [](Caller&, std::span<const Val> a, std::span<Val> r) {
                            r[0] = Val::i32(a[0].i32() * 2);
                            return std::optional<Trap>();
                          });
  Store* seen = nullptr;
  bool had_export = true;
  Func outer = Func::host(
      store, FuncType{{ValType::I32}, {ValType::I32}},
      [&](Caller& caller, std::span<const Val> a, std::span<Val> r) -> std::optional<Trap> {
        seen = &caller.store();
        had_export = caller.get_export("memory").has_value();  // no calling instance
        const Val args[] = {Val::i32(a[0].i32() + 1)};
        auto res = inner.call(caller.store(), args);
        if (auto* t = std::get_if<Trap>(&res)) return *t;
        r[0] = std::get<Results>(res)[0];
        return std::nullopt;
      });
  const Val args[] = {Val::i32(20)};
  const Results r = results_of(outer.call(store, args));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i32(), 42);
  EXPECT_EQ(seen, &store);
  EXPECT_FALSE(had_export);
  EXPECT_EQ(&ApiAccess::store(api::raw(store)), &store);
}

TEST(Store, FuelAndInterruptSettings) {
  Engine engine(EngineConfig{100, 1024});
  EXPECT_EQ(engine.config().max_call_depth, 100u);
  Store store(engine);
  EXPECT_EQ(&store.engine(), &engine);
  EXPECT_EQ(store.fuel(), std::nullopt);
  store.set_fuel(1000);
  EXPECT_EQ(store.fuel(), std::optional<uint64_t>(1000));
  EXPECT_TRUE(api::raw(store)->fuel_enabled);
  store.set_fuel(std::nullopt);
  EXPECT_EQ(store.fuel(), std::nullopt);
  store.interrupt();
  EXPECT_TRUE(api::raw(store)->interrupt_requested.load());
}

}  // namespace
}  // namespace wrun
