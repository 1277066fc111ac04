// Fuel for bulk operations (rt::bulk_fuel): one unit plus one per 64 bytes an operation is
// asked to write (a table entry counts 8 bytes, a memory page 64 KiB), charged before it starts,
// so a budget that cannot pay traps with nothing changed. Each test runs on the interpreter and
// on the JIT (whose bulk operations are runtime helpers charging the same).
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "engine/tests/wasm_modules.h"
#include "wrun/wrun.h"

namespace wrun {
namespace {

struct BulkOp {
  const char* name;
  std::vector<int32_t> operands;  // the ones before the length, which comes last
  uint64_t bytes_per_item;        // what one unit of the length writes
  std::vector<int32_t> lengths;   // for the proportionality test, 0 first
  int32_t large;                  // a length whose operation changes the module's state
};

// Table entries 0-15 hold $f and the rest are null; memory page 0 holds a pattern (BulkRun).
const BulkOp kOps[] = {
    {"memory.copy", {65536, 0}, 1, {0, 63, 64, 640, 65536}, 65536},
    {"memory.fill", {0, 0xAB}, 1, {0, 63, 64, 640, 131072}, 131072},
    {"memory.init", {65536, 0}, 1, {0, 63, 64, 128}, 128},
    {"memory.grow", {}, 65536, {0, 1, 2}, 3},
    {"table.copy", {16, 0}, 8, {0, 7, 8, 80, 1000}, 1000},
    {"table.fill", {0}, 8, {0, 7, 8, 80, 1024}, 1024},
    {"table.init", {512, 0}, 8, {0, 7, 8, 16}, 16},
    {"table.grow", {}, 8, {0, 7, 8, 80, 1000}, 1000},
};

// A fresh instance of kBulkOpsWasm in its own store.
struct BulkRun {
  Engine& engine;
  Store store{engine};
  std::optional<Instance> inst;

  explicit BulkRun(Engine& e) : engine(e) {
    auto m = Module::compile(engine, test::kBulkOpsWasm);
    EXPECT_TRUE(m.ok()) << m.error();
    auto r = Linker(store).instantiate(*m);
    EXPECT_TRUE(std::holds_alternative<Instance>(r));
    if (auto* i = std::get_if<Instance>(&r)) inst = *i;
    uint8_t* mem = inst->get_memory("mem")->data();
    for (int i = 0; i < 65536; ++i) mem[i] = static_cast<uint8_t>(i * 7 + 1);
  }
  std::variant<std::vector<Val>, Trap> call(const BulkOp& op, int32_t n) {
    std::vector<Val> args;
    for (int32_t v : op.operands) args.push_back(Val::i32(v));
    args.push_back(Val::i32(n));
    return inst->get_func(op.name)->call(store, args);
  }
  // Fuel used by one call of `op` with length n.
  uint64_t used(const BulkOp& op, int32_t n) {
    constexpr uint64_t kBudget = 1'000'000'000;
    store.set_fuel(kBudget);
    auto r = call(op, n);
    EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(r)) << op.name << " " << n;
    return kBudget - store.fuel().value_or(kBudget);
  }
  // Everything the operations can change: memory size and bytes, table size and entries.
  std::vector<uint64_t> state() {
    std::vector<uint64_t> s;
    Memory mem = *inst->get_memory("mem");
    s.push_back(mem.size_bytes());
    s.insert(s.end(), mem.data(), mem.data() + mem.size_bytes());
    Table tab = *inst->get_table("tab");
    s.push_back(tab.size());
    for (uint64_t i = 0; i < tab.size(); ++i) s.push_back(tab.get(i)->raw());
    return s;
  }
};

using Executor = EngineConfig::Executor;

class BulkFuel : public ::testing::TestWithParam<Executor> {
 protected:
  static EngineConfig config() {
    EngineConfig c;
    c.executor = GetParam();
    return c;
  }
};

TEST_P(BulkFuel, GrowsWithTheLength) {
  Engine engine(config());
  for (const BulkOp& op : kOps) {
    BulkRun run(engine);
    const uint64_t base = run.used(op, 0);
    for (int32_t n : op.lengths) {
      const uint64_t bytes = static_cast<uint64_t>(n) * op.bytes_per_item;
      EXPECT_EQ(run.used(op, n) - base, bytes / 64) << op.name << " of length " << n;
    }
  }
}

TEST_P(BulkFuel, ShortBudgetTrapsBeforeTheOperation) {
  Engine engine(config());
  for (const BulkOp& op : kOps) {
    SCOPED_TRACE(op.name);
    const uint64_t cost = BulkRun(engine).used(op, op.large);  // with the call's own charges
    const uint64_t extra = static_cast<uint64_t>(op.large) * op.bytes_per_item / 64;

    BulkRun short_run(engine);
    const std::vector<uint64_t> before = short_run.state();
    short_run.store.set_fuel(cost - 1);
    auto r = short_run.call(op, op.large);
    ASSERT_TRUE(std::holds_alternative<Trap>(r));
    EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::OutOfFuel);
    EXPECT_TRUE(short_run.state() == before) << "changed before running out of fuel";
    // The call paid its own units; the operation took nothing of what was left.
    EXPECT_EQ(short_run.store.fuel(), std::optional<uint64_t>(extra));

    BulkRun exact_run(engine);
    exact_run.store.set_fuel(cost);
    ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(exact_run.call(op, op.large)));
    EXPECT_EQ(exact_run.store.fuel(), std::optional<uint64_t>(0));
    EXPECT_FALSE(exact_run.state() == before) << "the operation did nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(Executors, BulkFuel,
                         ::testing::Values(Executor::Interpreter, Executor::Jit),
                         [](const ::testing::TestParamInfo<Executor>& info) {
                           return info.param == Executor::Jit ? "Jit" : "Interpreter";
                         });

}  // namespace
}  // namespace wrun
