// Calls between the executors: a module whose functions alternate between JIT code and
// the interpreter (as when the JIT leaves a function to the interpreter) calls across them
// directly, through tables and recursively, with the same results, traps and fuel as on
// either executor alone.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <variant>

#include "engine/internal.h"
#include "jit/jit.h"
#include "runtime/compiled_module.h"
#include "validator/validator.h"
#include "wrun/wrun.h"

namespace wrun {
namespace {

// (module
//   (type $i2i (func (param i32) (result i32)))
//   (table 4 funcref)
//   (elem (i32.const 0) $even $odd $boom $boom2)
//   (memory 1)
//   (func $even (export "even") (param i32) (result i32)
//     (if (result i32) (i32.eqz (local.get 0))
//       (then (i32.const 1))
//       (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
//   (func $odd (export "odd") (param i32) (result i32)
//     (if (result i32) (i32.eqz (local.get 0))
//       (then (i32.const 0))
//       (else (call_indirect (type $i2i) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0)))))
//   (func $boom (export "boom") (param i32) (result i32)
//     (if (result i32) (i32.eqz (local.get 0))
//       (then (i32.load (i32.const 65536)))
//       (else (call $boom2 (i32.sub (local.get 0) (i32.const 1))))))
//   (func $boom2 (export "boom2") (param i32) (result i32)
//     (if (result i32) (i32.eqz (local.get 0))
//       (then (unreachable))
//       (else (call_indirect (type $i2i) (i32.sub (local.get 0) (i32.const 1)) (i32.const 2))))))
const std::vector<uint8_t> kMixedWasm = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x03, 0x05, 0x04, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x03, 0x01,
    0x00, 0x01, 0x07, 0x1d, 0x04, 0x04, 0x65, 0x76, 0x65, 0x6e, 0x00, 0x00, 0x03, 0x6f, 0x64, 0x64,
    0x00, 0x01, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x00, 0x02, 0x05, 0x62, 0x6f, 0x6f, 0x6d, 0x32, 0x00,
    0x03, 0x09, 0x0a, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x01, 0x02, 0x03, 0x0a, 0x57, 0x04,
    0x12, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
    0x01, 0x0b, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41,
    0x01, 0x6b, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x0b, 0x17, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f,
    0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x03, 0x0b,
    0x0b, 0x14, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x41,
    0x02, 0x11, 0x00, 0x00, 0x0b, 0x0b, 0x00, 0x33, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x19, 0x04,
    0x00, 0x04, 0x65, 0x76, 0x65, 0x6e, 0x01, 0x03, 0x6f, 0x64, 0x64, 0x02, 0x04, 0x62, 0x6f, 0x6f,
    0x6d, 0x03, 0x05, 0x62, 0x6f, 0x6f, 0x6d, 0x32, 0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02,
    0x00, 0x03, 0x00, 0x04, 0x06, 0x01, 0x00, 0x03, 0x69, 0x32, 0x69};

using Executor = EngineConfig::Executor;

// The module with even function indexes on the JIT and odd ones on the interpreter, as
// Module::compile puts it together when the JIT leaves functions to the interpreter: direct
// calls from JIT code to an odd function go through the runtime to the interpreter.
Module spliced(Engine& interp_engine) {
  auto interp = Module::compile(interp_engine, kMixedWasm);
  EXPECT_TRUE(interp.ok()) << interp.error();
  auto mixed = std::make_shared<rt::CompiledModule>(*ApiAccess::compiled(interp.value()));
  jit::ModuleCode native =
      jit::compile_module(*mixed->ir, declared_func_refs(*mixed->ir),
                          {.interpret = [](uint32_t func_index) { return func_index % 2 == 1; }});
  for (size_t i = 0; i < mixed->funcs.size(); i += 2)
    mixed->funcs[i] = rt::CompiledFunc{native.bodies[i], &jit::array_call, native.native[i]};
  mixed->needs_guarded_memories = true;
  struct Both {
    std::shared_ptr<const void> interp, jit;
  };
  mixed->code_owner = std::make_shared<Both>(Both{mixed->code_owner, native.owner});
  return ApiAccess::module(std::move(mixed));
}

struct Arrangement {
  explicit Arrangement(std::optional<Executor> executor)
      : jit_engine(EngineConfig{.executor = Executor::Jit}),
        interp_engine(EngineConfig{.executor = Executor::Interpreter}),
        store(executor == Executor::Interpreter ? interp_engine : jit_engine) {
    if (executor) {
      auto m = Module::compile(*executor == Executor::Jit ? jit_engine : interp_engine, kMixedWasm);
      EXPECT_TRUE(m.ok()) << m.error();
      module = m.value();
    } else {
      module = spliced(interp_engine);
    }
    auto r = Linker(store).instantiate(*module);
    EXPECT_TRUE(module);
    EXPECT_TRUE(std::holds_alternative<Instance>(r));
    instance = std::get<Instance>(r);
  }
  std::variant<std::vector<Val>, Trap> call(std::string_view name, int32_t n) {
    const Val args[] = {Val::i32(n)};
    return instance->get_func(name)->call(store, args);
  }
  Engine jit_engine, interp_engine;
  Store store;
  std::optional<Module> module;
  std::optional<Instance> instance;
};

bool jit_here() { return jit::available(); }

TEST(MixedExecutors, TheSplicedModuleReallyMixesThem) {
  if (!jit_here()) GTEST_SKIP() << "no JIT backend for this machine";
  Arrangement mixed(std::nullopt);
  const auto& funcs = ApiAccess::compiled(*mixed.module)->funcs;
  ASSERT_EQ(funcs.size(), 4u);
  for (size_t i = 0; i < funcs.size(); ++i)
    EXPECT_EQ(funcs[i].native_entry != nullptr, i % 2 == 0) << "function " << i;
}

TEST(MixedExecutors, CallEachOtherDirectlyAndThroughTables) {
  if (!jit_here()) GTEST_SKIP() << "no JIT backend for this machine";
  Arrangement mixed(std::nullopt);
  for (int32_t n : {0, 1, 2, 7, 100, 201}) {
    auto r = mixed.call("even", n);
    ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(r))
        << n << ": " << std::get<Trap>(r).message;
    EXPECT_EQ(std::get<std::vector<Val>>(r).at(0).i32(), n % 2 == 0 ? 1 : 0) << n;
    r = mixed.call("odd", n);
    ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(r)) << n;
    EXPECT_EQ(std::get<std::vector<Val>>(r).at(0).i32(), n % 2) << n;
  }
}

// The kind and the innermost frame of a trap n calls down, on each arrangement.
TEST(MixedExecutors, TrapsComeBackThroughEitherExecutor) {
  if (!jit_here()) GTEST_SKIP() << "no JIT backend for this machine";
  for (int32_t n : {0, 1, 2, 3, 10, 11}) {
    // boom ends in an out-of-bounds load on even depths (JIT code: a guard-page fault),
    // boom2 in unreachable (interpreted) on odd ones.
    const TrapKind expected = n % 2 == 0 ? TrapKind::MemoryOutOfBounds : TrapKind::Unreachable;
    for (std::optional<Executor> e : {std::optional<Executor>(), std::optional(Executor::Jit),
                                      std::optional(Executor::Interpreter)}) {
      Arrangement run(e);
      auto r = run.call("boom", n);
      ASSERT_TRUE(std::holds_alternative<Trap>(r)) << n;
      const Trap& t = std::get<Trap>(r);
      EXPECT_EQ(t.kind, expected) << n << " " << t.message;
      ASSERT_FALSE(t.backtrace.empty()) << n;
      EXPECT_EQ(t.backtrace[0].func_name, n % 2 == 0 ? "boom" : "boom2") << n;
    }
  }
}

// Every frame between the trap and the host, whichever executor runs each and whether the
// trap is a guard-page fault in JIT code or one raised by code: the same backtrace.
TEST(MixedExecutors, BacktracesListEveryFrameOnEveryArrangement) {
  if (!jit_here()) GTEST_SKIP() << "no JIT backend for this machine";
  for (int32_t n : {0, 1, 4, 7}) {
    std::vector<std::pair<uint32_t, uint32_t>> reference;  // (function, offset), innermost first
    for (std::optional<Executor> e : {std::optional(Executor::Interpreter),
                                      std::optional<Executor>(), std::optional(Executor::Jit)}) {
      Arrangement run(e);
      auto r = run.call("boom", n);
      ASSERT_TRUE(std::holds_alternative<Trap>(r)) << n;
      const Trap& t = std::get<Trap>(r);
      ASSERT_EQ(t.backtrace.size(), static_cast<size_t>(n) + 1) << n;
      std::vector<std::pair<uint32_t, uint32_t>> frames;
      for (size_t i = 0; i < t.backtrace.size(); ++i) {
        // boom is function 2, boom2 function 3; the outermost frame is boom.
        EXPECT_EQ(t.backtrace[i].func_index, (n - i) % 2 == 0 ? 2u : 3u) << n << " frame " << i;
        EXPECT_NE(t.backtrace[i].code_offset, 0u) << n << " frame " << i;
        frames.emplace_back(t.backtrace[i].func_index, t.backtrace[i].code_offset);
      }
      if (reference.empty())
        reference = frames;
      else
        EXPECT_EQ(frames, reference) << n;
    }
  }
}

TEST(MixedExecutors, FuelIsTheSameOnEveryArrangement) {
  if (!jit_here()) GTEST_SKIP() << "no JIT backend for this machine";
  std::optional<uint64_t> reference;
  for (std::optional<Executor> e : {std::optional(Executor::Interpreter), std::optional<Executor>(),
                                    std::optional(Executor::Jit)}) {
    Arrangement run(e);
    run.store.set_fuel(1'000'000);
    ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(run.call("even", 199)));
    const uint64_t used = 1'000'000 - *run.store.fuel();
    if (!reference) reference = used;
    EXPECT_EQ(used, *reference);
    // And running out part-way is a trap on every arrangement.
    run.store.set_fuel(used / 2);
    auto r = run.call("even", 199);
    ASSERT_TRUE(std::holds_alternative<Trap>(r));
    EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  }
}

TEST(MixedExecutors, DeepRecursionAcrossThemIsATrap) {
  if (!jit_here()) GTEST_SKIP() << "no JIT backend for this machine";
  Arrangement mixed(std::nullopt);
  auto r = mixed.call("even", 10'000'000);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::StackExhausted);
  // The store is usable afterwards.
  r = mixed.call("even", 10);
  ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(r));
  EXPECT_EQ(std::get<std::vector<Val>>(r).at(0).i32(), 1);
}

}  // namespace
}  // namespace wrun
