// validate_module (rules outside function bodies) and declared_func_refs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decoder/module.h"
#include "decoder/tests/wasm_builder.h"
#include "validator/validator.h"

namespace wrun {
namespace {

using namespace wrun::test;

std::shared_ptr<DecodedModule> decoded(const Bytes& bytes) {
  DecodeResult r = decode_module(bytes);
  EXPECT_TRUE(r.module) << r.error.to_string();
  return r.module;
}

// The validation error message for a module that decodes, or "" when it is valid.
std::string invalid(const Bytes& bytes) {
  auto m = decoded(bytes);
  if (!m) return "<decode error>";
  auto err = validate_module(*m);
  return err ? err->message : "";
}

// Imports: "env" "g" (global i32), "env" "mg" (global (mut i32)), "env" "f" (func type 0).
Bytes imports() {
  return section(2, cat({{0x03},
                         name("env"),
                         name("g"),
                         {0x03, 0x7F, 0x00},
                         name("env"),
                         name("mg"),
                         {0x03, 0x7F, 0x01},
                         name("env"),
                         name("f"),
                         {0x00, 0x00}}));
}

// A module with the standard imports and one defined function, plus `extra` sections that go
// between the function and code sections (table, memory, global, export, start, element).
Bytes with_sections(std::initializer_list<Bytes> extra, const Bytes& trailing = {}) {
  Bytes out = cat({header(), type_void_void(), imports(), one_func_of_type0()});
  for (const Bytes& s : extra) out.insert(out.end(), s.begin(), s.end());
  return cat({out, one_empty_body(), trailing});
}

// A module with one defined global of `type` (a value type byte) initialized by `init`.
Bytes global_init(uint8_t type, const Bytes& init) {
  return with_sections({section(6, cat({{0x01, type, 0x00}, init, {0x0B}}))});
}

TEST(ModuleValidator, AcceptsAWellFormedModule) {
  Bytes bytes = with_sections(
      {section(4, {0x01, 0x70, 0x01, 0x01, 0x02}), section(5, {0x01, 0x01, 0x01, 0x02}),
       section(6, {0x02, 0x7F, 0x00, 0x23, 0x00, 0x0B, 0x70, 0x00, 0xD2, 0x01, 0x0B}),
       section(7, cat({{0x02}, name("run"), {0x00, 0x01}, name("mem"), {0x02, 0x00}})),
       section(8, {0x01}), section(9, {0x01, 0x00, 0x23, 0x00, 0x0B, 0x01, 0x01})},
      section(11, {0x01, 0x00, 0x23, 0x02, 0x0B, 0x01, 'x'}));
  EXPECT_EQ(invalid(bytes), "");
}

TEST(ModuleValidator, UnknownTypeIndices) {
  auto m = decoded(module({type_void_void(), section(3, {0x02, 0x00, 0x05}),
                           section(10, {0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B})}));
  ASSERT_TRUE(m);
  auto err = validate_module(*m);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "unknown type 5");
  EXPECT_EQ(err->offset, 18u);  // the second entry of the function section
  EXPECT_EQ(invalid(module({section(2, cat({{0x01}, name("a"), name("b"), {0x00, 0x00}}))})),
            "unknown type 0");
}

TEST(ModuleValidator, Memories) {
  EXPECT_EQ(invalid(module({section(5, {0x02, 0x00, 0x00, 0x00, 0x00})})), "multiple memories");
  EXPECT_EQ(invalid(module({section(2, cat({{0x01}, name("a"), name("m"), {0x02, 0x00, 0x00}})),
                            section(5, {0x01, 0x00, 0x00})})),
            "multiple memories");
  const std::string kTooBig = "memory size must be at most 65536 pages (4GiB)";
  EXPECT_EQ(invalid(module({section(5, cat({{0x01, 0x00}, uleb(65537)}))})), kTooBig);
  EXPECT_EQ(invalid(module({section(5, cat({{0x01, 0x01, 0x00}, uleb(65537)}))})), kTooBig);
  EXPECT_EQ(invalid(module({section(5, cat({{0x01, 0x00}, uleb(65536)}))})), "");
  EXPECT_EQ(invalid(module({section(5, {0x01, 0x01, 0x02, 0x01})})),
            "size minimum must not be greater than maximum");
  EXPECT_EQ(
      invalid(module({section(2, cat({{0x01}, name("a"), name("m"), {0x02, 0x01, 0x02, 0x01}}))})),
      "size minimum must not be greater than maximum");
}

TEST(ModuleValidator, Tables) {
  EXPECT_EQ(invalid(module({section(4, {0x01, 0x70, 0x01, 0x03, 0x02})})),
            "size minimum must not be greater than maximum");
  // Several tables are fine in 2.0, and u32 maximums are always in range.
  EXPECT_EQ(invalid(module({section(
                4, cat({{0x02, 0x70, 0x01, 0x00}, uleb(0xFFFFFFFF), {0x6F, 0x00, 0x00}}))})),
            "");
}

TEST(ModuleValidator, TableSizeLimit) {
  auto table_min = [](uint64_t min) {
    return module({section(4, cat({{0x01, 0x70, 0x00}, uleb(min)}))});
  };
  EXPECT_EQ(invalid(table_min(10'000'000)), "");
  EXPECT_EQ(invalid(table_min(10'000'001)), "table too large: 10000001 entries (limit 10000000)");
  // An imported table's minimum too.
  EXPECT_EQ(
      invalid(module({section(2, cat({{0x01, 0x00, 0x00, 0x01, 0x70, 0x00}, uleb(10'000'001)}))})),
      "table too large: 10000001 entries (limit 10000000)");
  // The spec's own rule comes first.
  EXPECT_EQ(invalid(module({section(4, cat({{0x01, 0x70, 0x01}, uleb(0xFFFFFFFF), {0x00}}))})),
            "size minimum must not be greater than maximum");
}

TEST(ModuleValidator, GlobalInitializers) {
  EXPECT_EQ(invalid(global_init(0x7F, {0x41, 0x05})), "");
  EXPECT_EQ(invalid(global_init(0x7E, {0x41, 0x05})), "type mismatch");
  EXPECT_EQ(invalid(global_init(0x7F, {})), "type mismatch");
  EXPECT_EQ(invalid(global_init(0x7F, {0x41, 0x00, 0x41, 0x00})), "type mismatch");
  EXPECT_EQ(invalid(global_init(0x7F, {0x41, 0x00, 0x41, 0x00, 0x6A})),
            "constant expression required");
  EXPECT_EQ(invalid(global_init(0x7F, {0x41, 0x00, 0x01})), "constant expression required");
  EXPECT_EQ(invalid(global_init(0x7F, {0x20, 0x00})), "constant expression required");
  // What follows a non-constant instruction is not kept (decoder), nor reported.
  EXPECT_EQ(invalid(global_init(0x7F, {0x01, 0xD2, 0x63, 0x23, 0x63})),
            "constant expression required");
  // global.get: imported and immutable only.
  EXPECT_EQ(invalid(global_init(0x7F, {0x23, 0x00})), "");
  EXPECT_EQ(invalid(global_init(0x7F, {0x23, 0x01})), "constant expression required");
  EXPECT_EQ(invalid(global_init(0x7F, {0x23, 0x02})), "unknown global 2");  // itself
  EXPECT_EQ(invalid(global_init(0x7E, {0x23, 0x00})), "type mismatch");
  // References.
  EXPECT_EQ(invalid(global_init(0x70, {0xD2, 0x01})), "");
  EXPECT_EQ(invalid(global_init(0x70, {0xD2, 0x07})), "unknown function 7");
  EXPECT_EQ(invalid(global_init(0x6F, {0xD0, 0x6F})), "");
  EXPECT_EQ(invalid(global_init(0x6F, {0xD0, 0x70})), "type mismatch");
  EXPECT_EQ(invalid(global_init(0x6F, {0xD2, 0x00})), "type mismatch");
}

TEST(ModuleValidator, GlobalInitCannotReadDefinedGlobals) {
  Bytes two = section(6, {0x02, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x7F, 0x00, 0x23, 0x02, 0x0B});
  auto m = decoded(with_sections({two}));
  ASSERT_TRUE(m);
  auto err = validate_module(*m);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "unknown global 2");
  EXPECT_EQ(err->offset, m->globals[1].init.offset);
}

TEST(ModuleValidator, ElementSegments) {
  Bytes table = section(4, {0x01, 0x70, 0x00, 0x01});
  EXPECT_EQ(invalid(with_sections({section(9, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x00})})),
            "unknown table 0");
  EXPECT_EQ(
      invalid(with_sections({table, section(9, {0x01, 0x02, 0x01, 0x41, 0x00, 0x0B, 0x00, 0x00})})),
      "unknown table 1");
  EXPECT_EQ(invalid(with_sections({table, section(9, {0x01, 0x00, 0x42, 0x00, 0x0B, 0x00})})),
            "type mismatch");
  EXPECT_EQ(invalid(with_sections({table, section(9, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x01, 0x09})})),
            "unknown function 9");
  // An externref segment cannot go into a funcref table, nor hold funcref values.
  EXPECT_EQ(
      invalid(with_sections({table, section(9, {0x01, 0x06, 0x00, 0x41, 0x00, 0x0B, 0x6F, 0x00})})),
      "type mismatch");
  EXPECT_EQ(invalid(with_sections({section(9, {0x01, 0x05, 0x6F, 0x01, 0xD0, 0x70, 0x0B})})),
            "type mismatch");
  EXPECT_EQ(invalid(with_sections({section(9, {0x01, 0x05, 0x70, 0x01, 0x41, 0x00, 0x0B})})),
            "type mismatch");
  EXPECT_EQ(invalid(with_sections({section(9, {0x01, 0x05, 0x70, 0x01, 0x23, 0x00, 0x0B})})),
            "type mismatch");
  // Passive and declarative segments need no table.
  EXPECT_EQ(
      invalid(with_sections({section(9, {0x02, 0x01, 0x00, 0x01, 0x01, 0x03, 0x00, 0x01, 0x00})})),
      "");
  // Offsets may read any immutable global (the full context C in 2.0), but not a mutable one.
  EXPECT_EQ(invalid(with_sections({table, section(6, {0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B}),
                                   section(9, {0x01, 0x00, 0x23, 0x02, 0x0B, 0x00})})),
            "");
  EXPECT_EQ(invalid(with_sections({table, section(9, {0x01, 0x00, 0x23, 0x01, 0x0B, 0x00})})),
            "constant expression required");
}

TEST(ModuleValidator, ElementErrorsPointAtTheElement) {
  Bytes table = section(4, {0x01, 0x70, 0x00, 0x01});
  // Function indices 0, 0, 7; then ref.func 0, ref.null func, ref.func 9 (both compact).
  for (const Bytes& elems : {Bytes{0x00, 0x41, 0x00, 0x0B, 0x03, 0x00, 0x00, 0x07},
                             Bytes{0x04, 0x41, 0x00, 0x0B, 0x03, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B,
                                   0xD2, 0x09, 0x0B}}) {
    auto m = decoded(with_sections({table, section(9, cat({{0x01}, elems}))}));
    ASSERT_TRUE(m);
    const ElemSegment& seg = m->elems[0];
    ASSERT_TRUE(seg.exprs.empty());
    auto err = validate_module(*m);
    ASSERT_TRUE(err);
    const bool exprs = elems[0] == 0x04;
    EXPECT_EQ(err->message, exprs ? "unknown function 9" : "unknown function 7");
    EXPECT_EQ(err->offset, seg.elems_offset + (exprs ? 6 : 2));
    EXPECT_EQ(m->bytes[err->offset], exprs ? 0xD2 : 0x07);
  }
}

TEST(ModuleValidator, DataSegments) {
  Bytes memory = section(5, {0x01, 0x00, 0x01});
  EXPECT_EQ(invalid(module({section(11, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x00})})),
            "unknown memory 0");
  EXPECT_EQ(invalid(module({memory, section(11, {0x01, 0x02, 0x01, 0x41, 0x00, 0x0B, 0x00})})),
            "unknown memory 1");
  EXPECT_EQ(invalid(module({memory, section(11, {0x01, 0x00, 0x42, 0x00, 0x0B, 0x00})})),
            "type mismatch");
  EXPECT_EQ(invalid(module({memory, section(11, {0x01, 0x00, 0x41, 0x00, 0x68, 0x0B, 0x00})})),
            "constant expression required");
  EXPECT_EQ(invalid(module({section(11, {0x01, 0x01, 0x00})})), "");  // passive: no memory
}

TEST(ModuleValidator, StartFunction) {
  Bytes types = section(1, {0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x00});
  auto start = [&](uint8_t func, uint8_t type) {
    return module({types, section(3, {0x01, type}), section(8, {func}), one_empty_body()});
  };
  EXPECT_EQ(invalid(start(0, 0)), "");
  EXPECT_EQ(invalid(start(0, 1)), "start function");
  auto m = decoded(start(1, 0));
  ASSERT_TRUE(m);
  auto err = validate_module(*m);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "unknown function 1");
  EXPECT_EQ(err->offset, m->decl_offsets.start);
}

TEST(ModuleValidator, Exports) {
  auto exports = [](const Bytes& entries) { return with_sections({section(7, entries)}); };
  EXPECT_EQ(invalid(exports(cat({{0x02}, name("a"), {0x00, 0x00}, name("b"), {0x00, 0x01}}))), "");
  auto m = decoded(exports(cat({{0x02}, name("a"), {0x00, 0x00}, name("a"), {0x03, 0x00}})));
  ASSERT_TRUE(m);
  auto err = validate_module(*m);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "duplicate export name");
  EXPECT_EQ(err->offset, m->exports[1].entry_offset);
  EXPECT_EQ(invalid(exports(cat({{0x01}, name("f"), {0x00, 0x02}}))), "unknown function 2");
  EXPECT_EQ(invalid(exports(cat({{0x01}, name("t"), {0x01, 0x00}}))), "unknown table 0");
  EXPECT_EQ(invalid(exports(cat({{0x01}, name("m"), {0x02, 0x00}}))), "unknown memory 0");
  EXPECT_EQ(invalid(exports(cat({{0x01}, name("g"), {0x03, 0x02}}))), "unknown global 2");
  EXPECT_EQ(invalid(exports(cat({{0x01}, name("mg"), {0x03, 0x01}}))), "");  // mutable is fine
}

TEST(ModuleValidator, HandBuiltModulesAreBoundsChecked) {
  DecodedModule m;
  m.types.push_back(FuncType{});
  m.funcs = {0, 0};  // two defined functions but one body
  m.code.resize(1);
  auto err = validate_module(m);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "function and code section have inconsistent lengths");

  DecodedModule g;
  g.num_imported_globals = 3;  // claims imports that global_types does not hold
  g.globals.push_back(
      GlobalDef{GlobalType{ValType::I32, false}, ConstExpr{{ConstInstr{Op::GlobalGet, 2}}, 0}});
  g.global_types.push_back(g.globals[0].type);
  err = validate_module(g);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "unknown global 2");

  DecodedModule d;
  d.data_count = 2;
  err = validate_module(d);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "data count and data section have inconsistent lengths");
}

TEST(DeclaredFuncRefs, CollectsElementGlobalAndExportReferences) {
  // Functions: 0 imported, 1..4 defined.
  Bytes funcs = section(3, {0x04, 0x00, 0x00, 0x00, 0x00});
  Bytes bodies =
      section(10, {0x04, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B});
  Bytes global = section(6, {0x01, 0x70, 0x00, 0xD2, 0x02, 0x0B});
  Bytes exp = section(7, cat({{0x01}, name("e"), {0x00, 0x04}}));
  Bytes elem = section(9, {0x01, 0x03, 0x00, 0x01, 0x01});  // declarative: func 1
  auto m = decoded(cat({header(), type_void_void(),
                        section(2, cat({{0x01}, name("a"), name("f"), {0x00, 0x00}})), funcs,
                        global, exp, elem, bodies}));
  ASSERT_TRUE(m);
  EXPECT_EQ(validate_module(*m), std::nullopt);
  EXPECT_EQ(declared_func_refs(*m), (std::vector<bool>{false, true, true, false, true}));
}

TEST(DeclaredFuncRefs, IgnoresOutOfRangeIndices) {
  DecodedModule m;
  m.funcs = {0};
  m.exports.push_back(Export{"e", ExternKind::Func, 9, 0});
  ElemSegment seg;
  seg.funcs = {1u << 31, kNullRef, 0};
  m.elems.push_back(seg);
  ElemSegment exprs;
  exprs.exprs.push_back(ConstExpr{{ConstInstr{Op::RefFunc, 1u << 31}}, 0});
  m.elems.push_back(exprs);
  EXPECT_EQ(declared_func_refs(m), std::vector<bool>{true});
}

}  // namespace
}  // namespace wrun
