// Module compilation errors, import resolution and matching.
#include <gtest/gtest.h>

#include "engine/internal.h"
#include "engine/tests/test_modules.h"

namespace wrun {
namespace {

using test::kLinkImports;

Module compile_ok(Engine& engine, const std::vector<uint8_t>& bytes) {
  auto m = Module::compile(engine, bytes);
  if (!m) {
    ADD_FAILURE() << "compile failed: " << m.error();
    return ApiAccess::module(nullptr);
  }
  return *m;
}

InstantiateError link_error(Linker& linker, const Module& m) {
  auto r = linker.instantiate(m);
  if (!std::holds_alternative<InstantiateError>(r)) {
    ADD_FAILURE() << "instantiation should have failed";
    return {};
  }
  return std::get<InstantiateError>(r);
}

HostCallback nop() {
  return [](Caller&, std::span<const Val>, std::span<Val>) { return std::optional<Trap>(); };
}

// Defines everything kLinkImports needs, with matching types.
struct LinkFixture : ::testing::Test {
  Engine engine;
  Store store{engine};
  Linker linker{store};
  Func f = Func::host(store, FuncType{{ValType::I32}, {ValType::I32}}, nop());
  Table t = *Table::create(store, TableType{ValType::FuncRef, {2, 10}}, Val::funcref_null());
  Memory m = *Memory::create(store, MemoryType{{1, 2}});
  Global g = *Global::create(store, GlobalType{ValType::I64, true}, Val::i64(0));
  void define_all() {
    linker.define("env", "f", f);
    linker.define("env", "t", t);
    linker.define("env", "m", m);
    linker.define("env", "g", g);
  }
  void expect_incompatible(const Module& mod) {
    InstantiateError e = link_error(linker, mod);
    EXPECT_EQ(e.stage, InstantiateError::Stage::Link);
    EXPECT_EQ(e.message.rfind("incompatible import type", 0), 0u) << e.message;
    EXPECT_FALSE(e.trap.has_value());
  }
};

TEST(Module, CompileRejectsGarbage) {
  Engine engine;
  const uint8_t junk[] = {0x00, 0x61, 0x73};
  auto m = Module::compile(engine, junk);
  ASSERT_FALSE(m.ok());
  EXPECT_FALSE(m.error().empty());
  EXPECT_NE(m.error().find("offset"), std::string::npos) << m.error();
  EXPECT_TRUE(Module::validate(junk).has_value());
  EXPECT_FALSE(Module::compile(engine, std::span<const uint8_t>()).ok());
}

TEST(Module, ListsImportsAndExports) {
  Engine engine;
  Module m = compile_ok(engine, kLinkImports);
  ASSERT_TRUE(ApiAccess::compiled(m));
  EXPECT_FALSE(Module::validate(kLinkImports).has_value());
  auto imports = m.imports();
  ASSERT_EQ(imports.size(), 4u);
  EXPECT_EQ(imports[0].module, "env");
  EXPECT_EQ(imports[0].name, "f");
  EXPECT_EQ(imports[0].kind, ExternKind::Func);
  EXPECT_EQ(imports[1].kind, ExternKind::Table);
  EXPECT_EQ(imports[2].kind, ExternKind::Memory);
  EXPECT_EQ(imports[3].kind, ExternKind::Global);
  EXPECT_TRUE(m.exports().empty());
  EXPECT_EQ(ApiAccess::compiled(m)->ir->imports.size(), 4u);

  Module g = compile_ok(engine, test::kGlobals);
  ASSERT_TRUE(ApiAccess::compiled(g));
  auto exports = g.exports();
  ASSERT_EQ(exports.size(), 7u);
  EXPECT_EQ(exports[0].name, "copy");
  EXPECT_EQ(exports[0].kind, ExternKind::Global);
  EXPECT_EQ(exports[6].name, "f");
  EXPECT_EQ(exports[6].kind, ExternKind::Func);
}

TEST_F(LinkFixture, AllImportsMatch) {
  define_all();
  auto r = linker.instantiate(compile_ok(engine, kLinkImports));
  ASSERT_TRUE(std::holds_alternative<Instance>(r)) << std::get<InstantiateError>(r).message;
  rt::Instance* inst = api::raw(std::get<Instance>(r));
  ASSERT_EQ(inst->funcs.size(), 1u);
  EXPECT_EQ(inst->funcs[0], api::raw(f));
  EXPECT_EQ(inst->tables[0], api::raw(t));
  EXPECT_EQ(inst->memories[0], api::raw(m));
  EXPECT_EQ(inst->globals[0], api::raw(g));
}

TEST_F(LinkFixture, UnknownImport) {
  linker.define("env", "f", f);
  linker.define("env", "t", t);
  linker.define("env", "g", g);
  InstantiateError e = link_error(linker, compile_ok(engine, kLinkImports));
  EXPECT_EQ(e.stage, InstantiateError::Stage::Link);
  EXPECT_EQ(e.message.rfind("unknown import", 0), 0u) << e.message;
  EXPECT_NE(e.message.find("\"env\" \"m\""), std::string::npos) << e.message;
  // Nothing was allocated in the store for the failed instance.
  EXPECT_TRUE(api::raw(store)->instances.empty());
}

TEST_F(LinkFixture, FunctionTypeMustBeEqual) {
  define_all();
  linker.define("env", "f", Func::host(store, FuncType{{ValType::I32}, {}}, nop()));
  expect_incompatible(compile_ok(engine, kLinkImports));
  linker.define("env", "f", Func::host(store, FuncType{{ValType::I64}, {ValType::I32}}, nop()));
  expect_incompatible(compile_ok(engine, kLinkImports));
}

TEST_F(LinkFixture, KindMustMatch) {
  define_all();
  linker.define("env", "f", g);
  expect_incompatible(compile_ok(engine, kLinkImports));
  linker.define("env", "f", f);
  linker.define("env", "m", t);
  expect_incompatible(compile_ok(engine, kLinkImports));
}

TEST_F(LinkFixture, TableLimitsSubtyping) {
  define_all();
  Module mod = compile_ok(engine, kLinkImports);  // imports (table 2 10 funcref)
  auto with_table = [&](TableType type, ValType init_type) {
    linker.define("env", "t", *Table::create(store, type, Val::default_for(init_type)));
    return linker.instantiate(mod);
  };
  EXPECT_TRUE(
      std::holds_alternative<Instance>(with_table({ValType::FuncRef, {3, 10}}, ValType::FuncRef)));
  EXPECT_TRUE(
      std::holds_alternative<Instance>(with_table({ValType::FuncRef, {2, 5}}, ValType::FuncRef)));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(
      with_table({ValType::FuncRef, {1, 10}}, ValType::FuncRef)));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(
      with_table({ValType::FuncRef, {2, 11}}, ValType::FuncRef)));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(
      with_table({ValType::FuncRef, {2, {}}}, ValType::FuncRef)));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(
      with_table({ValType::ExternRef, {2, 10}}, ValType::ExternRef)));
  // A table that grew past the declared minimum matches by its current size.
  Table grown = *Table::create(store, TableType{ValType::FuncRef, {1, 10}}, Val::funcref_null());
  linker.define("env", "t", grown);
  expect_incompatible(mod);
  ASSERT_TRUE(grown.grow(1, Val::funcref_null()));
  EXPECT_TRUE(std::holds_alternative<Instance>(linker.instantiate(mod)));
}

TEST_F(LinkFixture, MemoryLimitsSubtyping) {
  define_all();
  Module mod = compile_ok(engine, kLinkImports);  // imports (memory 1 2)
  auto with_memory = [&](MemoryType type) {
    linker.define("env", "m", *Memory::create(store, type));
    return linker.instantiate(mod);
  };
  EXPECT_TRUE(std::holds_alternative<Instance>(with_memory({{1, 1}})));
  EXPECT_TRUE(std::holds_alternative<Instance>(with_memory({{2, 2}})));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(with_memory({{0, 2}})));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(with_memory({{1, 3}})));
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(with_memory({{1, {}}})));
  Memory grown = *Memory::create(store, MemoryType{{0, 2}});
  linker.define("env", "m", grown);
  expect_incompatible(mod);
  ASSERT_TRUE(grown.grow(1));
  EXPECT_TRUE(std::holds_alternative<Instance>(linker.instantiate(mod)));
}

TEST_F(LinkFixture, GlobalTypeAndMutability) {
  define_all();
  Module mod = compile_ok(engine, kLinkImports);  // imports (global (mut i64))
  linker.define("env", "g", *Global::create(store, GlobalType{ValType::I64, false}, Val::i64(0)));
  expect_incompatible(mod);
  linker.define("env", "g", *Global::create(store, GlobalType{ValType::I32, true}, Val::i32(0)));
  expect_incompatible(mod);
  linker.define("env", "g", *Global::create(store, GlobalType{ValType::I64, true}, Val::i64(0)));
  EXPECT_TRUE(std::holds_alternative<Instance>(linker.instantiate(mod)));
}

// Link errors print the import's names escaped (escape_name), so that a module cannot send
// terminal control sequences through them.
TEST_F(LinkFixture, ErrorsEscapeNames) {
  Module mod = compile_ok(engine, test::kControlImport);
  InstantiateError e = link_error(linker, mod);
  EXPECT_EQ(e.message, "unknown import \"\\x1b[31menv\" \"\\x1b[2Jf\\x07\"");
  linker.define("\x1b[31menv", "\x1b[2Jf\x07", g);
  e = link_error(linker, mod);
  EXPECT_EQ(e.message.rfind("incompatible import type \"\\x1b[31menv\" \"\\x1b[2Jf\\x07\": ", 0),
            0u)
      << e.message;
}

TEST_F(LinkFixture, DefineReplacesAndFinds) {
  EXPECT_FALSE(linker.find("env", "f").has_value());
  linker.define("env", "f", f);
  ASSERT_TRUE(linker.find("env", "f").has_value());
  EXPECT_EQ(linker.find("env", "f")->func(), std::optional<Func>(f));
  linker.define("env", "f", g);
  EXPECT_EQ(linker.find("env", "f")->kind(), ExternKind::Global);
  EXPECT_FALSE(linker.find("env", "F").has_value());
  EXPECT_FALSE(linker.find("Env", "f").has_value());
  EXPECT_EQ(&linker.store(), &store);
}

TEST_F(LinkFixture, ModuleAndNameStayApart) {
  linker.define("ab", "c", f);
  linker.define("a", "bc", g);
  linker.define("", "abc", m);
  EXPECT_EQ(linker.find("ab", "c")->kind(), ExternKind::Func);
  EXPECT_EQ(linker.find("a", "bc")->kind(), ExternKind::Global);
  EXPECT_EQ(linker.find("", "abc")->kind(), ExternKind::Memory);
  EXPECT_FALSE(linker.find("abc", "").has_value());
  EXPECT_FALSE(linker.find("a", "b").has_value());
}

TEST_F(LinkFixture, ManyDefinitions) {
  // A module exporting 50000 names, made importable at once; each is found, and a later
  // definition of one still replaces it.
  std::vector<std::string> names;
  for (int i = 0; i < 50000; ++i) {
    names.push_back("e" + std::to_string(i));
    linker.define("lib", names.back(), (i % 2) ? Extern(f) : Extern(g));
  }
  linker.define("lib", "e777", t);
  for (int i = 0; i < 50000; ++i) {
    auto e = linker.find("lib", names[i]);
    ASSERT_TRUE(e.has_value()) << names[i];
    const ExternKind want = i == 777  ? ExternKind::Table
                            : (i % 2) ? ExternKind::Func
                                      : ExternKind::Global;
    EXPECT_EQ(e->kind(), want) << names[i];
  }
  EXPECT_FALSE(linker.find("lib", "e50000").has_value());
  EXPECT_FALSE(linker.find("lib2", "e1").has_value());
}

}  // namespace
}  // namespace wrun
