// Instantiation: allocation, constant expressions, segment initialisation in order (with
// bulk-memory semantics: a trapping segment leaves earlier effects visible), start function.
#include <gtest/gtest.h>

#include <cstring>

#include "decoder/tests/wasm_builder.h"
#include "engine/internal.h"
#include "engine/tests/test_modules.h"

namespace wrun {
namespace {

struct InstantiateFixture : ::testing::Test {
  Engine engine;
  Store store{engine};
  Linker linker{store};

  Module compile(const std::vector<uint8_t>& bytes) {
    auto m = Module::compile(engine, bytes);
    if (!m) {
      ADD_FAILURE() << "compile failed: " << m.error();
      return ApiAccess::module(nullptr);
    }
    return *m;
  }
  std::optional<Instance> instantiate_ok(const std::vector<uint8_t>& bytes) {
    auto r = linker.instantiate(compile(bytes));
    if (auto* e = std::get_if<InstantiateError>(&r)) {
      ADD_FAILURE() << "instantiation failed: " << e->message;
      return std::nullopt;
    }
    return std::get<Instance>(r);
  }
  InstantiateError instantiate_err(const std::vector<uint8_t>& bytes) {
    auto r = linker.instantiate(compile(bytes));
    if (!std::holds_alternative<InstantiateError>(r)) {
      ADD_FAILURE() << "instantiation should have failed";
      return {};
    }
    return std::get<InstantiateError>(r);
  }
  Func const_func(int32_t value) {
    return Func::host(store, FuncType{{}, {ValType::I32}},
                      [value](Caller&, std::span<const Val>, std::span<Val> r) {
                        r[0] = Val::i32(value);
                        return std::optional<Trap>();
                      });
  }
  int32_t call_i32(const Func& f) {
    auto r = f.call(store, {});
    if (auto* t = std::get_if<Trap>(&r)) {
      ADD_FAILURE() << "trap: " << t->message;
      return 0;
    }
    return std::get<std::vector<Val>>(r).at(0).i32();
  }
};

TEST_F(InstantiateFixture, DataSegmentsAndExports) {
  auto inst = instantiate_ok(test::kDataInit);
  ASSERT_TRUE(inst);
  auto mem = inst->get_memory("mem");
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->size_pages(), 1u);
  EXPECT_EQ(std::memcmp(mem->data() + 8, "hello", 5), 0);
  EXPECT_EQ(mem->data()[7], 0);
  EXPECT_EQ(mem->data()[13], 0);
  auto g = inst->get_global("g");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->get().i32(), 42);
  EXPECT_TRUE(g->type().mut);
  EXPECT_FALSE(inst->get_func("mem").has_value());  // wrong kind
  EXPECT_FALSE(inst->get_export("nope").has_value());
  auto all = inst->exports();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "mem");
  EXPECT_EQ(all[0].second.kind(), ExternKind::Memory);
  EXPECT_EQ(all[1].first, "g");

  // The active segment was dropped; the passive one stays for memory.init.
  rt::Instance* ri = api::raw(*inst);
  ASSERT_EQ(ri->data_segments.size(), 2u);
  EXPECT_TRUE(ri->data_segments[0].empty());
  EXPECT_EQ(std::string(ri->data_segments[1].begin(), ri->data_segments[1].end()), "passive");
}

TEST_F(InstantiateFixture, OutOfBoundsDataTrapsButEarlierSegmentsStay) {
  Memory mem = *Memory::create(store, MemoryType{{1, {}}});
  linker.define("env", "m", mem);
  InstantiateError e = instantiate_err(test::kDataOob);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Trap);
  EXPECT_EQ(e.message, "out of bounds memory access");
  ASSERT_TRUE(e.trap.has_value());
  EXPECT_EQ(e.trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(std::memcmp(mem.data(), "first", 5), 0);  // the segment before it was applied
  EXPECT_EQ(mem.data()[65534], 0);                    // nothing of the failing one
  EXPECT_EQ(mem.data()[8], 0);                        // nor of the one after it
}

TEST_F(InstantiateFixture, EmptyDataSegmentAtTheEnd) {
  Global off = *Global::create(store, GlobalType{ValType::I32, false}, Val::i32(65536));
  linker.define("env", "off", off);
  EXPECT_TRUE(instantiate_ok(test::kDataEdge));  // offset == size, length 0: in bounds
  linker.define("env", "off",
                *Global::create(store, GlobalType{ValType::I32, false}, Val::i32(65537)));
  InstantiateError e = instantiate_err(test::kDataEdge);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Trap);
  EXPECT_EQ(e.message, "out of bounds memory access");
  // Offsets are unsigned: -1 is 4 GiB - 1, far out of bounds.
  linker.define("env", "off", *Global::create(store, GlobalType{ValType::I32, false}, Val::i32(-1)));
  EXPECT_EQ(instantiate_err(test::kDataEdge).stage, InstantiateError::Stage::Trap);
}

TEST_F(InstantiateFixture, OutOfBoundsElemTrapsButEarlierSegmentsStay) {
  Func f = const_func(7);
  Table table = *Table::create(store, TableType{ValType::FuncRef, {3, {}}}, Val::funcref_null());
  linker.define("env", "f", f);
  linker.define("env", "t", table);
  InstantiateError e = instantiate_err(test::kElemOob);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Trap);
  EXPECT_EQ(e.message, "out of bounds table access");
  ASSERT_TRUE(e.trap.has_value());
  EXPECT_EQ(e.trap->kind, TrapKind::TableOutOfBounds);
  EXPECT_TRUE(table.get(0)->is_null_ref());
  EXPECT_EQ(table.get(1)->funcref(), std::optional<Func>(f));
  EXPECT_TRUE(table.get(2)->is_null_ref());  // the failing segment wrote nothing
  // The failed instance stays in the store: its objects may be referenced from shared ones.
  EXPECT_EQ(api::raw(store)->instances.size(), 1u);
}

TEST_F(InstantiateFixture, ElementSegments) {
  Func f = const_func(99);
  linker.define("env", "f", f);
  linker.define("env", "at", *Global::create(store, GlobalType{ValType::I32, false}, Val::i32(2)));
  auto inst = instantiate_ok(test::kElemInit);
  ASSERT_TRUE(inst);
  auto tab = inst->get_table("tab");
  ASSERT_TRUE(tab);
  ASSERT_EQ(tab->size(), 4u);
  EXPECT_EQ(tab->get(0)->funcref(), std::optional<Func>(f));
  EXPECT_TRUE(tab->get(1)->is_null_ref());
  EXPECT_EQ(tab->get(2)->funcref(), std::optional<Func>(f));  // offset from an imported global
  EXPECT_TRUE(tab->get(3)->is_null_ref());
  auto from_table = tab->get(2)->funcref();
  ASSERT_TRUE(from_table);
  EXPECT_EQ(call_i32(*from_table), 99);

  // Active and declarative segments are dropped; the passive one keeps its references.
  rt::Instance* ri = api::raw(*inst);
  ASSERT_EQ(ri->elem_segments.size(), 5u);
  EXPECT_TRUE(ri->elem_segments[0].empty());
  EXPECT_TRUE(ri->elem_segments[1].empty());
  EXPECT_TRUE(ri->elem_segments[2].empty());
  ASSERT_EQ(ri->elem_segments[3].size(), 2u);
  EXPECT_EQ(ri->elem_segments[3][0], reinterpret_cast<uintptr_t>(api::raw(f)));
  EXPECT_TRUE(ri->elem_segments[4].empty());
}

TEST_F(InstantiateFixture, GlobalInitializers) {
  Func f = Func::host(store, FuncType{}, [](Caller&, std::span<const Val>, std::span<Val>) {
    return std::optional<Trap>();
  });
  linker.define("env", "base",
                *Global::create(store, GlobalType{ValType::I32, false}, Val::i32(-12345)));
  linker.define("env", "f", f);
  auto inst = instantiate_ok(test::kGlobals);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->get_global("copy")->get().i32(), -12345);
  EXPECT_EQ(inst->get_global("nan")->get().f32_bits(), 0x7FA00001u);
  EXPECT_EQ(inst->get_global("nan64")->get().f64_bits(), 0xFFF4000000000001ull);
  EXPECT_EQ(inst->get_global("ref")->get().funcref(), std::optional<Func>(f));
  Val null = inst->get_global("null")->get();
  EXPECT_EQ(null.type(), ValType::ExternRef);
  EXPECT_TRUE(null.is_null_ref());
  auto big = inst->get_global("big");
  EXPECT_EQ(big->get().i64(), -2);
  EXPECT_TRUE(big->set(Val::i64(5)));
  EXPECT_EQ(big->get().i64(), 5);
  EXPECT_EQ(inst->get_func("f"), std::optional<Func>(f));  // re-exported import: the same function
  EXPECT_FALSE(inst->get_global("copy")->set(Val::i32(0)));
}

TEST_F(InstantiateFixture, StartFunctionRunsAfterData) {
  int calls = 0;
  int seen = -1;
  linker.define(
      "env", "start",
      Func::host(store, FuncType{}, [&](Caller& caller, std::span<const Val>, std::span<Val>) {
        ++calls;
        // The caller of the start function is the new instance; its data is in place.
        if (auto mem = caller.get_export("mem"); mem && mem->memory())
          seen = mem->memory()->data()[0];
        return std::optional<Trap>();
      }));
  auto inst = instantiate_ok(test::kStart);
  ASSERT_TRUE(inst);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 42);
}

TEST_F(InstantiateFixture, StartFunctionTrap) {
  std::optional<Memory> mem;
  linker.define(
      "env", "start",
      Func::host(store, FuncType{}, [&](Caller& caller, std::span<const Val>, std::span<Val>) {
        mem = caller.get_export("mem")->memory();
        return std::optional<Trap>(Trap::make(TrapKind::Host, "start refused"));
      }));
  InstantiateError e = instantiate_err(test::kStart);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Trap);
  EXPECT_EQ(e.message, "start refused");
  ASSERT_TRUE(e.trap.has_value());
  EXPECT_EQ(e.trap->kind, TrapKind::Host);
  ASSERT_TRUE(mem.has_value());
  EXPECT_EQ(mem->data()[0], 42);  // data segments ran before the start function
}

TEST_F(InstantiateFixture, HugeTableIsAnErrorNotACrash) {
  // One table over the implementation limit does not compile (decoder/limits.h).
  Result<Module> huge = Module::compile(engine, test::kHugeTable);
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().find("table too large"), std::string::npos) << huge.error();

  // 2 x 6M entries: each within the limit, over it together.
  InstantiateError e = instantiate_err(test::kManyTables);
  EXPECT_NE(e.message.find("table"), std::string::npos) << e.message;
  EXPECT_EQ(e.stage, InstantiateError::Stage::Link);
  EXPECT_TRUE(api::raw(store)->tables.empty());

  auto inst = instantiate_ok(test::kTableNomax);  // (table 0 0xffffffff externref)
  ASSERT_TRUE(inst);
  Table t = *inst->get_table("t");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.grow(3, Val::externref(nullptr)), std::optional<uint64_t>(0));
  EXPECT_EQ(t.grow(0xFFFFFFFFu, Val::externref(nullptr)), std::nullopt);
}

TEST_F(InstantiateFixture, FailedAllocationLeavesNoFunctions) {
  // (module (func) (func) (memory 2)): the functions are allocated before the memory fails.
  const std::vector<uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                      0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00,
                                      0x00, 0x05, 0x03, 0x01, 0x00, 0x02, 0x0a, 0x07, 0x02,
                                      0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b};
  Func host = const_func(7);
  store.set_max_memory_bytes(kPageSize);
  InstantiateError e = instantiate_err(bytes);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Link);
  ASSERT_EQ(api::raw(store)->funcs.size(), 1u);
  EXPECT_EQ(&api::raw(store)->funcs[0], api::raw(host));
  store.set_max_memory_bytes(std::nullopt);
  ASSERT_TRUE(instantiate_ok(bytes));
  EXPECT_EQ(api::raw(store)->funcs.size(), 3u);
  EXPECT_EQ(std::get<std::vector<Val>>(host.call(store, {}))[0].i32(), 7);
}

TEST_F(InstantiateFixture, StoreMemoryLimit) {
  store.set_max_memory_bytes(kPageSize);
  InstantiateError e = instantiate_err(test::kMemory2);  // (memory 2)
  EXPECT_EQ(e.stage, InstantiateError::Stage::Link);
  EXPECT_NE(e.message.find("memory"), std::string::npos) << e.message;
  store.set_max_memory_bytes(3 * kPageSize);
  auto inst = instantiate_ok(test::kMemory2);
  ASSERT_TRUE(inst);
  Memory m = *inst->get_memory("m");
  EXPECT_EQ(m.grow(1), std::optional<uint64_t>(2));
  EXPECT_EQ(m.grow(1), std::nullopt);
}

TEST_F(InstantiateFixture, ExportsAreFoundByName) {
  // (module (func $f) (memory 1) (export "e<i>" (func $f)) ... (export "memory" (memory 0)))
  // with the names in a shuffled order, and names that prefix each other.
  std::vector<std::string> names;
  for (int i = 0; i < 2000; ++i) names.push_back("e" + std::to_string((i * 7919) % 2000));
  names.insert(names.begin() + 1000, "memory");
  names.push_back("");
  test::Bytes exports = test::uleb(names.size());
  for (const std::string& n : names) {
    const bool mem = n == "memory";
    exports = test::cat({exports, test::name(n), {static_cast<uint8_t>(mem ? 0x02 : 0x00), 0x00}});
  }
  auto inst = instantiate_ok(test::module({
      test::section(1, {0x01, 0x60, 0x00, 0x00}),
      test::section(3, {0x01, 0x00}),
      test::section(5, {0x01, 0x00, 0x01}),
      test::section(7, exports),
      test::section(10, {0x01, 0x02, 0x00, 0x0B}),
  }));
  ASSERT_TRUE(inst);
  const rt::FuncInst* f = api::raw(*inst)->funcs[0];
  for (const std::string& n : names) {
    auto e = inst->get_export(n);
    ASSERT_TRUE(e.has_value()) << n;
    if (n == "memory") {
      EXPECT_EQ(api::raw(*e->memory()), api::raw(*inst)->memories.at(0));
    } else {
      EXPECT_EQ(api::raw(*e->func()), f) << n;
    }
  }
  for (const char* absent : {"e2000", "e", "memor", "memory0", "f", "\xff"})
    EXPECT_FALSE(inst->get_export(absent).has_value()) << absent;
  // The list of exports keeps the module's order.
  auto all = inst->exports();
  ASSERT_EQ(all.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(all[i].first, names[i]);
}

TEST_F(InstantiateFixture, DefineInstanceReexports) {
  Func f = const_func(5);
  linker.define("env", "f", f);
  auto first = instantiate_ok(test::kReexport);
  ASSERT_TRUE(first);
  linker.define_instance("reexp", *first);
  ASSERT_TRUE(linker.find("reexp", "f2"));
  EXPECT_EQ(linker.find("reexp", "f2")->func(), std::optional<Func>(f));
  auto second = instantiate_ok(test::kImportMem);
  ASSERT_TRUE(second);
  EXPECT_EQ(api::raw(*second)->memories.at(0), api::raw(*first->get_memory("mem")));
  EXPECT_EQ(api::raw(*second)->funcs[0], api::raw(f));
}

}  // namespace
}  // namespace wrun
