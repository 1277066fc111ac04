// Calls into wasm code through Func::call (the interpreter behind rt::call_func): arguments
// and results, host imports called from wasm, traps, interrupts, fuel, start functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "engine/internal.h"
#include "engine/tests/wasm_modules.h"
#include "interp/code.h"
#include "interp/interp.h"

namespace wrun {
namespace {

using Results = std::vector<Val>;

struct WasmCall : ::testing::Test {
  Engine engine;
  Store store{engine};
  Linker linker{store};
  int twice_calls = 0;
  std::optional<Instance> inst;

  void SetUp() override {
    linker.define("env", "twice",
                  Func::host(store, FuncType{{ValType::I32}, {ValType::I32}},
                             [this](Caller& caller, std::span<const Val> a,
                                    std::span<Val> r) -> std::optional<Trap> {
                               ++twice_calls;
                               // Called from wasm: the caller is the instance, its memory is
                               // visible.
                               auto mem = caller.get_export("mem");
                               if (!mem || !mem->memory())
                                 return Trap::make(TrapKind::Host, "no caller memory");
                               if (a[0].i32() < 0) return Trap::make(TrapKind::Host, "negative");
                               r[0] = Val::i32(a[0].i32() * 2);
                               return std::nullopt;
                             }));
    auto m = Module::compile(engine, test::kCallsWasm);
    ASSERT_TRUE(m.ok()) << m.error();
    auto r = linker.instantiate(*m);
    ASSERT_TRUE(std::holds_alternative<Instance>(r)) << std::get<InstantiateError>(r).message;
    inst = std::get<Instance>(r);
  }

  std::variant<Results, Trap> call(std::string_view name, std::vector<Val> args) {
    auto f = inst->get_func(name);
    if (!f) return Trap::make(TrapKind::Host, "no export");
    return f->call(store, args);
  }
  Results ok(std::string_view name, std::vector<Val> args) {
    auto r = call(name, std::move(args));
    if (auto* t = std::get_if<Trap>(&r)) {
      ADD_FAILURE() << name << " trapped: " << t->message;
      return {};
    }
    return std::get<Results>(r);
  }
  Trap trap(std::string_view name, std::vector<Val> args) {
    auto r = call(name, std::move(args));
    if (!std::holds_alternative<Trap>(r)) {
      ADD_FAILURE() << name << " did not trap";
      return {};
    }
    return std::get<Trap>(r);
  }
};

TEST_F(WasmCall, StartFunctionRan) {
  EXPECT_EQ(inst->get_global("count")->get().i32(), 1);
  uint32_t word;
  std::memcpy(&word, inst->get_memory("mem")->data(), 4);
  EXPECT_EQ(word, 0x01020304u);
}

TEST_F(WasmCall, ArgumentsAndResults) {
  Results r = ok("add", {Val::i32(40), Val::i32(2)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].type(), ValType::I32);
  EXPECT_EQ(r[0].i32(), 42);
  EXPECT_EQ(ok("add", {Val::i32(INT32_MAX), Val::i32(1)}).at(0).i32(), INT32_MIN);

  r = ok("pair", {Val::i64(-9), Val::f64_bits(0x7FF4000000000001)});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].type(), ValType::F64);
  EXPECT_EQ(r[0].f64_bits(), 0x7FF4000000000001ull);  // NaN payload survives wasm code
  EXPECT_EQ(r[1].i64(), -9);
}

TEST_F(WasmCall, ArgumentChecks) {
  EXPECT_EQ(trap("add", {Val::i32(1)}).kind, TrapKind::Host);
  EXPECT_EQ(trap("add", {Val::i32(1), Val::i64(2)}).kind, TrapKind::Host);
}

TEST_F(WasmCall, HostImportCalledFromWasm) {
  EXPECT_EQ(ok("twice_plus_one", {Val::i32(20)}).at(0).i32(), 41);
  EXPECT_EQ(twice_calls, 1);
  Trap t = trap("twice_plus_one", {Val::i32(-1)});
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_EQ(t.message, "negative");
  // The store is usable after a trap.
  EXPECT_EQ(ok("twice_plus_one", {Val::i32(1)}).at(0).i32(), 3);
}

TEST_F(WasmCall, Traps) {
  EXPECT_EQ(trap("boom", {}).kind, TrapKind::Unreachable);
  EXPECT_EQ(trap("load", {Val::i32(65533)}).kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap("load", {Val::i32(-1)}).kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(ok("load", {Val::i32(65532)}).at(0).i32(), 0);
  ASSERT_TRUE(inst->get_memory("mem")->grow(1));
  EXPECT_EQ(ok("load", {Val::i32(65533)}).at(0).i32(), 0);  // in bounds after growth
}

TEST_F(WasmCall, FunctionsShareTheirType) {
  // A function's type is the module's, not a copy: a module can give 20000 functions one type
  // of 100000 parameters. "boom" and "spin" are both [] -> [], of one type index.
  const FuncType& boom = inst->get_func("boom")->type();
  EXPECT_EQ(&boom, &inst->get_func("spin")->type());
  auto again = std::get<Instance>(linker.instantiate(ApiAccess::module(api::raw(*inst)->module)));
  EXPECT_EQ(&again.get_func("boom")->type(), &boom);  // and so do other instances
  EXPECT_EQ(boom, FuncType{});
}

TEST_F(WasmCall, InterruptIsDeliveredOnce) {
  store.interrupt();
  EXPECT_EQ(trap("spin", {}).kind, TrapKind::Interrupted);
  EXPECT_FALSE(api::raw(store)->interrupt_requested.load());
  EXPECT_EQ(ok("add", {Val::i32(1), Val::i32(2)}).at(0).i32(), 3);
}

TEST_F(WasmCall, FuelRunsOut) {
  store.set_fuel(1000);
  EXPECT_EQ(trap("spin", {}).kind, TrapKind::OutOfFuel);
  EXPECT_EQ(store.fuel(), std::optional<uint64_t>(0));
  store.set_fuel(std::nullopt);
  EXPECT_EQ(ok("add", {Val::i32(1), Val::i32(2)}).at(0).i32(), 3);
}

TEST(WasmStart, TrapKeepsEarlierEffects) {
  Engine engine;
  Store store(engine);
  Linker linker(store);
  Memory mem = *Memory::create(store, MemoryType{{1, {}}});
  linker.define("env", "m", mem);
  auto m = Module::compile(engine, test::kStartTrapWasm);
  ASSERT_TRUE(m.ok()) << m.error();
  auto r = linker.instantiate(*m);
  ASSERT_TRUE(std::holds_alternative<InstantiateError>(r));
  const InstantiateError& e = std::get<InstantiateError>(r);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Trap);
  ASSERT_TRUE(e.trap.has_value());
  EXPECT_EQ(e.trap->kind, TrapKind::Unreachable);
  EXPECT_EQ(std::memcmp(mem.data(), "ok!", 3), 0);  // data segment and the start's own store
}

// The tables an instance defines are bounded together, after growth too (from wasm or from the
// embedder), so a module cannot reach gigabytes by growing many tables to the per-table limit.
// A byte-fill loop is one of the interpreter's loop idioms (one memset when nothing is
// pending); with fuel metered or an interrupt pending it must still run iteration by
// iteration: fuel per back edge, and the bytes before the trap written.
// An instance of one test module, for fixtures that call into it.
struct ModuleInstance : ::testing::Test {
  Engine engine;
  Store store{engine};
  std::optional<Instance> inst;
  void instantiate(const std::vector<uint8_t>& wasm) {
    auto m = Module::compile(engine, wasm);
    ASSERT_TRUE(m.ok()) << m.error();
    auto r = Linker(store).instantiate(*m);
    ASSERT_TRUE(std::holds_alternative<Instance>(r)) << std::get<InstantiateError>(r).message;
    inst = std::get<Instance>(r);
  }
};

struct ByteLoop : ModuleInstance {
  void SetUp() override { instantiate(test::kFillLoopWasm); }
  std::variant<Results, Trap> fill(int32_t d, int32_t v, int32_t n) {
    std::vector<Val> args{Val::i32(d), Val::i32(v), Val::i32(n)};
    return inst->get_func("fill")->call(store, args);
  }
  size_t bytes_equal_to(uint8_t v) {
    auto mem = inst->get_memory("mem");
    return static_cast<size_t>(std::count(mem->data(), mem->data() + 65536, v));
  }
};

TEST_F(ByteLoop, RunsWholeWithoutFuel) {
  ASSERT_TRUE(std::holds_alternative<Results>(fill(100, 7, 1000)));
  EXPECT_EQ(bytes_equal_to(7), 1000u);
}

TEST_F(ByteLoop, FuelIsChargedPerIteration) {
  store.set_fuel(10);
  auto r = fill(0, 7, 1000);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  // Ten units pay for ten back edges; the eleventh iteration's back edge runs out.
  EXPECT_EQ(bytes_equal_to(7), 11u);
}

TEST_F(ByteLoop, PendingInterruptStopsAfterOneIteration) {
  store.interrupt();
  auto r = fill(0, 9, 1000);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::Interrupted);
  EXPECT_EQ(bytes_equal_to(9), 1u);
}

// A zero-byte scan loop is another loop idiom (run natively while nothing is pending): it
// must still pay fuel per iteration and stop for a pending interrupt.
struct ScanLoop : ModuleInstance {
  void SetUp() override {
    instantiate(test::kScanLoopWasm);
    ASSERT_TRUE(inst.has_value());
    std::memset(inst->get_memory("mem")->data() + 1, 'x', 1000);  // zero again at 1001
  }
  std::variant<Results, Trap> scan(int32_t p) {
    std::vector<Val> args{Val::i32(p)};
    return inst->get_func("scan")->call(store, args);
  }
};

TEST_F(ScanLoop, FindsTheZeroWithoutFuel) {
  auto r = scan(0);
  ASSERT_TRUE(std::holds_alternative<Results>(r));
  EXPECT_EQ(std::get<Results>(r).at(0).i32(), 1001);
}

TEST_F(ScanLoop, FuelIsChargedPerIteration) {
  store.set_fuel(999);  // one back edge short
  auto r = scan(0);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  store.set_fuel(1001);
  r = scan(0);
  ASSERT_TRUE(std::holds_alternative<Results>(r));
  EXPECT_EQ(std::get<Results>(r).at(0).i32(), 1001);
}

TEST_F(ScanLoop, PendingInterruptStops) {
  store.interrupt();
  auto r = scan(0);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::Interrupted);
}

// State machines whose branches the interpreter threads through the switch they would reach
// (interp/thread.h): the same results, traps and fuel as the plain lowering, which threads
// nothing.
// A module instantiated twice on the interpreter (whose lowering these tests read): lowered
// with every optimisation, and plainly (the reference).
struct LoweringRun {
  Engine engine;
  Store store{engine};
  std::optional<Instance> inst;
  std::string listing;  // the lowered code of every function
  LoweringRun(bool optimize, const std::vector<uint8_t>& wasm)
      : engine(EngineConfig{.optimize_interp_code = optimize,
                            .executor = EngineConfig::Executor::Interpreter}) {
    auto m = Module::compile(engine, wasm);
    EXPECT_TRUE(m.ok()) << m.error();
    for (const rt::CompiledFunc& f : ApiAccess::compiled(*m)->funcs)
      listing += interp::disassemble(*static_cast<const interp::Code*>(f.code));
    auto r = Linker(store).instantiate(*m);
    EXPECT_TRUE(std::holds_alternative<Instance>(r));
    if (auto* i = std::get_if<Instance>(&r)) inst = *i;
  }
  uint8_t* memory() { return inst->get_memory("mem")->data(); }
  std::variant<Results, Trap> call(std::string_view name, std::vector<Val> args) {
    return inst->get_func(name)->call(store, args);
  }
};

struct StateLoop : ::testing::Test {
  struct Run : LoweringRun {
    explicit Run(bool optimize) : LoweringRun(optimize, test::kStateLoopWasm) {}
    // Writes `text` (zero-terminated) at 100 and counts its commas outside quotes.
    std::variant<Results, Trap> commas(std::string_view text) {
      std::memcpy(memory() + 100, text.data(), text.size());
      memory()[100 + text.size()] = 0;
      return call("commas", {Val::i32(100)});
    }
  };
  Run threaded{true}, plain{false};

  static int32_t expected_commas(std::string_view text) {
    int32_t n = 0;
    bool quoted = false;
    for (char c : text) {
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted)
        ++n;
    }
    return n;
  }
};

constexpr std::string_view kCsvLines[] = {"",          "a",      ",",          "a,b,c",
                                          "\"a,b\",c", "\"\"\"", ",,\",,\",,", "x,\"y\"\"z,\",w,,"};

TEST_F(StateLoop, ThreadsTheLoopTail) {
  // The edges into `p++; if (*p) continue;` that know the state get their own copy of it,
  // branching straight to that state's case; the plain lowering has none.
  EXPECT_NE(threaded.listing.find("step_i32.load8_u_br_if_nz"), std::string::npos)
      << threaded.listing;
  EXPECT_NE(threaded.listing.find("jump"), std::string::npos) << threaded.listing;
  EXPECT_EQ(plain.listing.find("step_"), std::string::npos) << plain.listing;
}

TEST_F(StateLoop, CountsAsWritten) {
  for (std::string_view line : kCsvLines) {
    for (Run* run : {&threaded, &plain}) {
      auto r = run->commas(line);
      ASSERT_TRUE(std::holds_alternative<Results>(r)) << line;
      EXPECT_EQ(std::get<Results>(r).at(0).i32(), expected_commas(line)) << line;
    }
  }
}

TEST_F(StateLoop, FuelMatchesThePlainLowering) {
  for (std::string_view line : kCsvLines) {
    uint64_t used[2];
    for (int i = 0; i < 2; ++i) {
      Run& run = i == 0 ? threaded : plain;
      run.store.set_fuel(1000000);
      ASSERT_TRUE(std::holds_alternative<Results>(run.commas(line)));
      used[i] = 1000000 - *run.store.fuel();
    }
    EXPECT_EQ(used[0], used[1]) << line;
    // One per loop iteration after the first (a taken back edge per further character).
    EXPECT_EQ(used[0], line.empty() ? 0 : line.size() - 1) << line;
  }
}

TEST_F(StateLoop, OutOfBoundsLoadTraps) {
  // No terminating zero before the end of memory: the load one past the end traps.
  for (Run* run : {&threaded, &plain}) {
    std::memset(run->memory() + 65500, 'x', 36);
    std::memcpy(run->memory() + 65520, "\"a,", 3);
    auto r = run->call("commas", {Val::i32(65500)});
    ASSERT_TRUE(std::holds_alternative<Trap>(r));
    EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::MemoryOutOfBounds);
  }
}

TEST_F(StateLoop, EndlessStateMachineStops) {
  auto spin = [&](Run& run) { return run.call("spin", {}); };
  threaded.store.set_fuel(10000);
  auto r = spin(threaded);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
  threaded.store.set_fuel(std::nullopt);
  threaded.store.interrupt();
  r = spin(threaded);
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::Interrupted);
}

// The fused operation pairs (kChain) must not hide the zero-byte test from its pattern:
// `(t1 & t2) & 0x80808080` under a branch goes back to a test-branch on the and.
TEST(ZeroWordLoop, TestStaysOneInstruction) {
  LoweringRun run(true, test::kZeroWordLoopWasm);
  EXPECT_NE(run.listing.find("br_if_no_zero_byte"), std::string::npos) << run.listing;
  EXPECT_EQ(run.listing.find("chain"), std::string::npos) << run.listing;
  std::memcpy(run.memory() + 16, "abcdefghij", 11);
  auto r = run.call("words", {Val::i32(16)});
  ASSERT_TRUE(std::holds_alternative<Results>(r));
  EXPECT_EQ(std::get<Results>(r).at(0).i32(), 28);  // the word at 24 holds the zero
}

TEST(WasmTables, GrowthKeepsTheInstanceWideLimit) {
  Engine engine;
  Store store(engine);
  Linker linker(store);
  auto m = Module::compile(engine, test::kTwoTablesWasm);
  ASSERT_TRUE(m.ok()) << m.error();
  auto r = linker.instantiate(*m);
  ASSERT_TRUE(std::holds_alternative<Instance>(r)) << std::get<InstantiateError>(r).message;
  Instance inst = std::get<Instance>(r);
  auto a = inst.get_table("a");
  auto grow_b = inst.get_func("grow_b");
  ASSERT_TRUE(a && grow_b);
  const uint64_t most = rt::kMaxTableEntries * 3 / 5;
  EXPECT_EQ(a->grow(most, Val::funcref_null()), std::optional<uint64_t>(0));
  auto grown = [&](uint64_t delta) {
    const std::vector<Val> args = {Val::i32(static_cast<int32_t>(delta))};
    auto res = grow_b->call(store, args);
    EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(res));
    return std::get<std::vector<Val>>(res).at(0).i32();
  };
  EXPECT_EQ(grown(most), -1);  // alone within the per-table limit, together beyond it
  EXPECT_EQ(grown(rt::kMaxTableEntries - most), 0);
  EXPECT_EQ(grown(1), -1);
  EXPECT_EQ(a->grow(1, Val::funcref_null()), std::nullopt);
  EXPECT_EQ(a->grow(0, Val::funcref_null()), std::optional<uint64_t>(most));
  // A table the embedder creates has its own budget.
  Table own = *Table::create(store, TableType{ValType::FuncRef, Limits{0, std::nullopt}},
                            Val::funcref_null());
  EXPECT_EQ(own.grow(most, Val::funcref_null()), std::optional<uint64_t>(0));
}

}  // namespace
}  // namespace wrun
