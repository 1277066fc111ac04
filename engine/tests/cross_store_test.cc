// Handles belong to one store: calls, links, table and global writes and host results that
// would mix two stores are refused (wrun.h, the error rule).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "engine/internal.h"
#include "engine/tests/test_modules.h"
#include "engine/tests/wasm_modules.h"

namespace wrun {
namespace {

HostCallback returns(Val v) {
  return [v](Caller&, std::span<const Val>, std::span<Val> results) {
    if (!results.empty()) results[0] = v;
    return std::optional<Trap>();
  };
}

Trap trap_of(const std::variant<std::vector<Val>, Trap>& r) {
  if (const Trap* t = std::get_if<Trap>(&r)) return *t;
  ADD_FAILURE() << "expected a trap";
  return {};
}

struct TwoStores : ::testing::Test {
  Engine engine;
  Store a{engine}, b{engine};
  Func fa = Func::host(a, FuncType{}, returns({}));
  Func fb = Func::host(b, FuncType{}, returns({}));
};

TEST_F(TwoStores, CallInAnotherStoreIsAnError) {
  bool called = false;
  Func f = Func::host(a, FuncType{{}, {ValType::I32}}, [&](Caller&, std::span<const Val>, std::span<Val> r) {
    called = true;
    r[0] = Val::i32(1);
    return std::optional<Trap>();
  });
  Trap t = trap_of(f.call(b, {}));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_EQ(t.message, "function belongs to another store");
  EXPECT_FALSE(called);
  EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(f.call(a, {})));
  EXPECT_TRUE(called);

  // A wasm function too.
  auto m = Module::compile(engine, test::kCallsWasm);
  ASSERT_TRUE(m.ok()) << m.error();
  Linker linker(a);
  ASSERT_TRUE(linker.define("env", "twice", Func::host(a, FuncType{{ValType::I32}, {ValType::I32}},
                                                         returns(Val::i32(0)))));
  auto inst = linker.instantiate(*m);
  ASSERT_TRUE(std::holds_alternative<Instance>(inst));
  Func add = *std::get<Instance>(inst).get_func("add");
  std::vector<Val> args{Val::i32(2), Val::i32(3)};
  EXPECT_EQ(trap_of(add.call(b, args)).message, "function belongs to another store");
  auto sum = add.call(a, args);
  ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(sum));
  EXPECT_EQ(std::get<std::vector<Val>>(sum)[0].i32(), 5);
}

TEST_F(TwoStores, FuncrefArgumentOfAnotherStoreIsAnError) {
  bool called = false;
  Func f = Func::host(a, FuncType{{ValType::FuncRef}, {}}, [&](Caller&, std::span<const Val>, std::span<Val>) {
    called = true;
    return std::optional<Trap>();
  });
  std::vector<Val> foreign{Val::funcref(&fb)};
  Trap t = trap_of(f.call(a, foreign));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_EQ(t.message, "argument 0 is a function of another store");
  EXPECT_FALSE(called);
  std::vector<Val> own{Val::funcref(&fa)};
  EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(f.call(a, own)));
  std::vector<Val> null{Val::funcref_null()};
  EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(f.call(a, null)));
  EXPECT_TRUE(called);
}

TEST_F(TwoStores, HostResultOfAnotherStoreTraps) {
  Func f = Func::host(a, FuncType{{}, {ValType::FuncRef}}, returns(Val::funcref(&fb)));
  Trap t = trap_of(f.call(a, {}));
  EXPECT_EQ(t.kind, TrapKind::Host);
  EXPECT_NE(t.message.find("another store"), std::string::npos) << t.message;
  Func g = Func::host(a, FuncType{{}, {ValType::FuncRef}}, returns(Val::funcref(&fa)));
  auto r = g.call(a, {});
  ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(r));
  EXPECT_EQ(std::get<std::vector<Val>>(r)[0].funcref(), fa);
}

TEST_F(TwoStores, LinkerRefusesExternsOfAnotherStore) {
  Linker linker(a);
  Table tb = *Table::create(b, TableType{ValType::FuncRef, {1, {}}}, Val::funcref_null());
  Memory mb = *Memory::create(b, MemoryType{{1, {}}});
  Global gb = *Global::create(b, GlobalType{ValType::I32, false}, Val::i32(1));
  EXPECT_FALSE(linker.define("b", "f", fb));
  EXPECT_FALSE(linker.define("b", "t", tb));
  EXPECT_FALSE(linker.define("b", "m", mb));
  EXPECT_FALSE(linker.define("b", "g", gb));
  EXPECT_FALSE(linker.find("b", "f"));
  EXPECT_FALSE(linker.find("b", "t"));
  EXPECT_FALSE(linker.find("b", "m"));
  EXPECT_FALSE(linker.find("b", "g"));
  EXPECT_TRUE(linker.define("a", "f", fa));
  EXPECT_TRUE(linker.find("a", "f"));

  // Nor a whole instance of another store.
  auto m = Module::compile(engine, test::kDataInit);
  ASSERT_TRUE(m.ok()) << m.error();
  auto inst = Linker(b).instantiate(*m);
  ASSERT_TRUE(std::holds_alternative<Instance>(inst));
  EXPECT_FALSE(linker.define_instance("data", std::get<Instance>(inst)));
  EXPECT_FALSE(linker.find("data", "mem"));
  Linker own(b);
  EXPECT_TRUE(own.define_instance("data", std::get<Instance>(inst)));
  EXPECT_TRUE(own.find("data", "mem"));
}

TEST_F(TwoStores, TablesTakeOnlyFunctionsOfTheirStore) {
  Table t = *Table::create(a, TableType{ValType::FuncRef, {2, {}}}, Val::funcref_null());
  EXPECT_FALSE(t.set(0, Val::funcref(&fb)));
  EXPECT_TRUE(t.get(0)->is_null_ref());
  EXPECT_TRUE(t.set(0, Val::funcref(&fa)));
  EXPECT_EQ(t.get(0)->funcref(), fa);
  EXPECT_FALSE(t.grow(1, Val::funcref(&fb)).has_value());
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.grow(1, Val::funcref(&fa)), std::optional<uint64_t>(2));
  Result<Table> foreign = Table::create(a, TableType{ValType::FuncRef, {1, {}}}, Val::funcref(&fb));
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().find("another store"), std::string::npos) << foreign.error();
}

TEST_F(TwoStores, GlobalsTakeOnlyFunctionsOfTheirStore) {
  Global g = *Global::create(a, GlobalType{ValType::FuncRef, true}, Val::funcref(&fa));
  EXPECT_FALSE(g.set(Val::funcref(&fb)));
  EXPECT_EQ(g.get().funcref(), fa);
  EXPECT_TRUE(g.set(Val::funcref_null()));
  EXPECT_TRUE(g.set(Val::funcref(&fa)));
  Result<Global> foreign = Global::create(a, GlobalType{ValType::FuncRef, false}, Val::funcref(&fb));
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().find("another store"), std::string::npos) << foreign.error();
}

// The linker cannot be given another store's externs, so this goes to the runtime's
// instantiation directly, which checks every import's store as well.
TEST_F(TwoStores, InstantiationRefusesImportsOfAnotherStore) {
  auto m = Module::compile(engine, test::kLinkImports);
  ASSERT_TRUE(m.ok()) << m.error();
  Func fb1 = Func::host(b, FuncType{{ValType::I32}, {ValType::I32}}, returns(Val::i32(0)));
  Func fa1 = Func::host(a, FuncType{{ValType::I32}, {ValType::I32}}, returns(Val::i32(0)));
  Table ta = *Table::create(a, TableType{ValType::FuncRef, {2, 10}}, Val::funcref_null());
  Memory ma = *Memory::create(a, MemoryType{{1, 2}});
  Global ga = *Global::create(a, GlobalType{ValType::I64, true}, Val::i64(0));
  Table tb = *Table::create(b, TableType{ValType::FuncRef, {2, 10}}, Val::funcref_null());
  std::vector<rt::ResolvedImport> imports{api::resolved(fb1), api::resolved(ta), api::resolved(ma),
                                          api::resolved(ga)};
  auto r = rt::instantiate(*api::raw(a), ApiAccess::compiled(*m), imports);
  ASSERT_TRUE(std::holds_alternative<rt::InstantiateFailure>(r));
  const auto& failure = std::get<rt::InstantiateFailure>(r);
  EXPECT_EQ(failure.stage, rt::InstantiateFailure::Stage::Link);
  EXPECT_EQ(failure.message, "import \"env\" \"f\" belongs to another store");
  EXPECT_TRUE(api::raw(a)->instances.empty());

  imports[0] = api::resolved(fa1);
  imports[1] = api::resolved(tb);
  r = rt::instantiate(*api::raw(a), ApiAccess::compiled(*m), imports);
  ASSERT_TRUE(std::holds_alternative<rt::InstantiateFailure>(r));
  EXPECT_EQ(std::get<rt::InstantiateFailure>(r).message, "import \"env\" \"t\" belongs to another store");

  imports[1] = api::resolved(ta);
  r = rt::instantiate(*api::raw(a), ApiAccess::compiled(*m), imports);
  ASSERT_TRUE(std::holds_alternative<rt::Instance*>(r));
  EXPECT_EQ(std::get<rt::Instance*>(r)->store, api::raw(a));
}

}  // namespace
}  // namespace wrun
