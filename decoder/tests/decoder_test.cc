// decode_module: section structure, every section's contents, and the malformed-module errors
// the spec tests expect.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "decoder/limits.h"
#include "decoder/module.h"
#include "decoder/tests/wasm_builder.h"

namespace wrun {
namespace {

using namespace wrun::test;

// The header plus sections, remembering where each section's payload starts and where each
// section ends.
struct Built {
  Bytes bytes;
  std::vector<size_t> payload;
  std::vector<size_t> ends;
};

Built build(const std::vector<Bytes>& sections) {
  Built b{header(), {}, {}};
  for (const Bytes& s : sections) {
    size_t size_len = 1;
    while (s[size_len] & 0x80) ++size_len;
    b.payload.push_back(b.bytes.size() + 1 + size_len);
    b.bytes.insert(b.bytes.end(), s.begin(), s.end());
    b.ends.push_back(b.bytes.size());
  }
  return b;
}

DecodeResult decode(const Bytes& bytes) { return decode_module(bytes); }

// The error message of a module that must fail to decode.
std::string error_of(const Bytes& bytes) {
  DecodeResult r = decode(bytes);
  if (r.module) return "<decoded>";
  return r.error.message;
}

// func_name of every function, "" for those without one.
std::vector<std::string> all_func_names(const DecodedModule& m) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < m.funcs.size(); ++i) names.emplace_back(m.func_name(i));
  return names;
}

// One module using every section kind (and all four import kinds).
std::vector<Bytes> full_module_sections() {
  return {
      section(1, {0x02, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D}),
      section(2, cat({{0x04},
                      name("env"),
                      name("f"),
                      {0x00, 0x01},
                      name("env"),
                      name("t"),
                      {0x01, 0x70, 0x01, 0x01, 0x0A},
                      name("env"),
                      name("m"),
                      {0x02, 0x00, 0x01},
                      name("env"),
                      name("g"),
                      {0x03, 0x7F, 0x00}})),
      section(3, {0x02, 0x00, 0x01}),
      section(4, {0x01, 0x6F, 0x00, 0x02}),
      section(6, {0x01, 0x7E, 0x01, 0x42, 0x7E, 0x0B}),  // (mut i64) (i64.const -2)
      section(7, cat({{0x02}, name("run"), {0x00, 0x01}, name("gx"), {0x03, 0x01}})),
      section(8, {0x01}),
      section(9, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x01, 0x02}),
      section(12, {0x01}),
      section(10,
              {0x02, 0x04, 0x01, 0x02, 0x7F, 0x0B, 0x07, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x0B}),
      section(11, {0x01, 0x00, 0x41, 0x08, 0x0B, 0x03, 'a', 'b', 'c'}),
      section(0,
              cat({name("name"), {0x00, 0x02}, name("m"), {0x01, 0x06, 0x01, 0x01}, name("run")})),
  };
}

TEST(Decoder, EmptyModule) {
  DecodeResult r = decode(header());
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_TRUE(r.module->types.empty());
  EXPECT_TRUE(r.module->funcs.empty());
  EXPECT_FALSE(r.module->start.has_value());
  EXPECT_FALSE(r.module->data_count.has_value());
  EXPECT_EQ(r.module->bytes, header());
}

TEST(Decoder, DecodesEverySection) {
  Built b = build(full_module_sections());
  DecodeResult r = decode(b.bytes);
  ASSERT_TRUE(r.module) << r.error.to_string();
  const DecodedModule& m = *r.module;

  ASSERT_EQ(m.types.size(), 2u);
  EXPECT_EQ(m.types[1], (FuncType{{ValType::I32, ValType::I64}, {ValType::F32}}));

  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[0].module, "env");
  EXPECT_EQ(m.imports[0].name, "f");
  EXPECT_EQ(m.imports[0].kind, ExternKind::Func);
  EXPECT_EQ(m.imports[0].func_type, 1u);
  EXPECT_EQ(m.imports[0].entry_offset, b.payload[1] + 1);
  EXPECT_EQ(m.imports[1].kind, ExternKind::Table);
  EXPECT_EQ(m.imports[1].table.elem, ValType::FuncRef);
  EXPECT_EQ(m.imports[1].table.limits, (Limits{1, 10}));
  EXPECT_EQ(m.imports[2].kind, ExternKind::Memory);
  EXPECT_EQ(m.imports[2].memory.limits, (Limits{1, std::nullopt}));
  EXPECT_EQ(m.imports[3].kind, ExternKind::Global);
  EXPECT_EQ(m.imports[3].global.type, ValType::I32);
  EXPECT_FALSE(m.imports[3].global.mut);

  EXPECT_EQ(m.funcs, (std::vector<uint32_t>{1, 0, 1}));  // imported first
  EXPECT_EQ(m.num_imported_funcs, 1u);
  EXPECT_EQ(m.num_imported_tables, 1u);
  EXPECT_EQ(m.num_imported_memories, 1u);
  EXPECT_EQ(m.num_imported_globals, 1u);
  ASSERT_EQ(m.tables.size(), 2u);
  EXPECT_EQ(m.tables[1].elem, ValType::ExternRef);
  EXPECT_EQ(m.tables[1].limits, (Limits{2, std::nullopt}));
  ASSERT_EQ(m.memories.size(), 1u);
  EXPECT_EQ(m.decl_offsets.funcs, (std::vector<uint32_t>{static_cast<uint32_t>(b.payload[2] + 1),
                                                         static_cast<uint32_t>(b.payload[2] + 2)}));
  EXPECT_EQ(m.decl_offsets.tables,
            (std::vector<uint32_t>{static_cast<uint32_t>(b.payload[3] + 1)}));

  ASSERT_EQ(m.global_types.size(), 2u);
  EXPECT_EQ(m.global_types[0].type, ValType::I32);
  EXPECT_EQ(m.global_types[1].type, ValType::I64);
  EXPECT_TRUE(m.global_types[1].mut);
  ASSERT_EQ(m.globals.size(), 1u);
  ASSERT_EQ(m.globals[0].init.instrs.size(), 1u);
  EXPECT_EQ(m.globals[0].init.instrs[0].op, Op::I64Const);
  EXPECT_EQ(m.globals[0].init.instrs[0].imm, static_cast<uint64_t>(int64_t{-2}));
  EXPECT_EQ(m.globals[0].init.offset, b.payload[4] + 3);

  ASSERT_EQ(m.exports.size(), 2u);
  EXPECT_EQ(m.exports[0].name, "run");
  EXPECT_EQ(m.exports[0].kind, ExternKind::Func);
  EXPECT_EQ(m.exports[0].index, 1u);
  EXPECT_EQ(m.exports[1].name, "gx");
  EXPECT_EQ(m.exports[1].kind, ExternKind::Global);
  EXPECT_EQ(m.start, 1u);
  EXPECT_EQ(m.decl_offsets.start, b.payload[6]);

  ASSERT_EQ(m.elems.size(), 1u);
  const ElemSegment& e = m.elems[0];
  EXPECT_EQ(e.mode, SegmentMode::Active);
  EXPECT_EQ(e.table, 0u);
  EXPECT_EQ(e.elem_type, ValType::FuncRef);
  ASSERT_EQ(e.offset.instrs.size(), 1u);
  EXPECT_EQ(e.offset.instrs[0].op, Op::I32Const);
  EXPECT_FALSE(e.uses_exprs);
  EXPECT_EQ(e.funcs, (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(e.exprs.empty());
  EXPECT_EQ(e.elems_offset, b.payload[7] + 6);

  EXPECT_EQ(m.data_count, 1u);

  ASSERT_EQ(m.code.size(), 2u);
  const FuncBody& f0 = m.code[0];
  EXPECT_EQ(f0.body_offset, b.payload[9] + 2);
  EXPECT_EQ(f0.body_size, 4u);
  ASSERT_EQ(m.locals(f0).size(), 1u);
  EXPECT_EQ(m.locals(f0)[0].count, 2u);
  EXPECT_EQ(m.locals(f0)[0].type, ValType::I32);
  EXPECT_EQ(f0.num_locals, 2u);
  EXPECT_EQ(f0.code_offset, f0.body_offset + 3);
  EXPECT_EQ(m.bytes[f0.code_offset], 0x0B);
  const FuncBody& f1 = m.code[1];
  EXPECT_EQ(f1.body_offset, f0.body_offset + 5);
  EXPECT_EQ(f1.body_size, 7u);
  EXPECT_TRUE(m.locals(f1).empty());
  EXPECT_EQ(f1.code_offset, f1.body_offset + 1);
  EXPECT_EQ(m.bytes[f1.code_offset], 0x43);

  ASSERT_EQ(m.datas.size(), 1u);
  const DataSegment& d = m.datas[0];
  EXPECT_EQ(d.mode, SegmentMode::Active);
  EXPECT_EQ(d.memory, 0u);
  ASSERT_EQ(d.offset.instrs.size(), 1u);
  EXPECT_EQ(d.offset.instrs[0].imm, 8u);
  auto data = m.data_bytes(d);
  EXPECT_EQ(std::string(data.begin(), data.end()), "abc");

  ASSERT_EQ(m.customs.size(), 1u);
  EXPECT_EQ(m.name_of(m.customs[0]), "name");
  EXPECT_EQ(m.customs[0].offset, b.payload[11] + 5);
  EXPECT_EQ(m.customs[0].offset + m.customs[0].size, b.bytes.size());
  EXPECT_EQ(m.module_name, "m");
  EXPECT_EQ(all_func_names(m), (std::vector<std::string>{"", "run", ""}));
}

TEST(Decoder, HeaderErrors) {
  EXPECT_EQ(error_of({}), "unexpected end");
  EXPECT_EQ(error_of({0x00, 0x61, 0x73}), "unexpected end");
  EXPECT_EQ(error_of({0x00, 0x61, 0x73, 0x6D, 0x01}), "unexpected end");
  DecodeResult r = decode({'a', 's', 'm', 0x00, 0x01, 0x00, 0x00, 0x00});
  EXPECT_EQ(r.error.message, "magic header not detected");
  EXPECT_EQ(r.error.offset, 0u);
  r = decode({0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x00, 0x00});
  EXPECT_EQ(r.error.message, "unknown binary version");
  EXPECT_EQ(r.error.offset, 4u);
}

TEST(Decoder, MalformedSectionId) {
  DecodeResult r = decode(module({type_void_void(), {0x0D, 0x00}}));
  EXPECT_EQ(r.error.message, "malformed section id");
  EXPECT_EQ(r.error.offset, 14u);
  EXPECT_EQ(error_of(module({{0x80, 0x00, 0x01, 0x00}})), "malformed section id");
}

TEST(Decoder, SectionsMustBeInOrder) {
  // Function before type.
  DecodeResult r = decode(module({one_func_of_type0(), type_void_void(), one_empty_body()}));
  EXPECT_EQ(r.error.message, "unexpected content after last section");
  EXPECT_EQ(r.error.offset, 12u);  // the type section's id
  // Data count goes before code, not after it.
  EXPECT_EQ(error_of(module(
                {type_void_void(), one_func_of_type0(), one_empty_body(), section(12, {0x00})})),
            "unexpected content after last section");
  EXPECT_TRUE(decode(module({section(12, {0x00}), section(10, {0x00})})).module);
}

TEST(Decoder, SectionsAtMostOnce) {
  EXPECT_EQ(error_of(module({type_void_void(), type_void_void()})),
            "unexpected content after last section");
  EXPECT_EQ(error_of(module({type_void_void(), one_func_of_type0(), section(8, {0x00}),
                             section(8, {0x00}), one_empty_body()})),
            "unexpected content after last section");
}

TEST(Decoder, CustomSectionsMayAppearAnywhere) {
  Bytes custom = section(0, cat({name("x"), {1, 2, 3}}));
  DecodeResult r = decode(module(
      {custom, type_void_void(), custom, one_func_of_type0(), custom, one_empty_body(), custom}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  ASSERT_EQ(r.module->customs.size(), 4u);
  EXPECT_EQ(r.module->name_of(r.module->customs[0]), "x");
  EXPECT_EQ(r.module->customs[0].offset, 12u);
  EXPECT_EQ(r.module->customs[0].size, 3u);
}

TEST(Decoder, SectionSizeMismatch) {
  // One type declared, but the section holds an extra byte.
  DecodeResult r = decode(module({section(1, {0x01, 0x60, 0x00, 0x00, 0x60})}));
  EXPECT_EQ(r.error.message, "section size mismatch");
  EXPECT_EQ(r.error.offset, 14u);
  // A section whose contents run past its declared size.
  EXPECT_EQ(error_of(module({section(1, {0x01, 0x60, 0x00})})),
            "unexpected end of section or function");
}

// Contents are read past the declared size (then rejected), so a count that overstates the
// contents fails on the following bytes, with the messages the spec tests expect.
TEST(Decoder, SectionContentsOverrunningTheirSize) {
  // The type's result count is the next section's id byte.
  DecodeResult r = decode(module({{0x01, 0x03, 0x01, 0x60, 0x00}, section(0, name("x"))}));
  EXPECT_EQ(r.error.message, "unexpected end of section or function");
  EXPECT_EQ(r.error.offset, 13u);  // the declared end of the type section
  // Two exports declared, one given: the code section's id reads as a name length.
  EXPECT_EQ(error_of(module({type_void_void(), section(3, {0x02, 0x00, 0x00}),
                             section(7, cat({{0x02}, name("f1"), {0x00, 0x00}})),
                             section(10, {0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B})})),
            "length out of bounds");
}

TEST(Decoder, SectionLargerThanTheFile) {
  Bytes bytes = module({{0x01, 0x07, 0x02, 0x60, 0x00, 0x00}});
  EXPECT_EQ(error_of(bytes), "length out of bounds");
  // Two modules concatenated: the second magic reads as a custom section of size 0x61.
  EXPECT_EQ(error_of(cat({header(), header()})), "length out of bounds");
}

TEST(Decoder, HugeCountsFailWithoutAllocating) {
  // Each section's largest allowed count (decoder/limits.h) with nothing behind it.
  const std::pair<uint8_t, uint32_t> kCounts[] = {
      {1, limits::kTypes},   {2, limits::kImports},      {3, limits::kFunctions},
      {4, limits::kTables},  {5, limits::kMemories},     {6, limits::kGlobals},
      {7, limits::kExports}, {9, limits::kElemSegments}, {11, limits::kDataSegments}};
  for (auto [id, n] : kCounts) {
    SCOPED_TRACE(int{id});
    EXPECT_EQ(error_of(module({section(id, uleb(n))})), "unexpected end of section or function");
  }
  EXPECT_EQ(error_of(module({section(1, cat({{0x01, 0x60}, uleb(limits::kParams)}))})),
            "unexpected end of section or function");
  // A vector count of 2^32-1 with nothing behind it.
  Bytes count = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  // 2^32-1 local declarations.
  EXPECT_EQ(error_of(module(
                {type_void_void(), one_func_of_type0(), section(10, cat({{0x01, 0x05}, count}))})),
            "unexpected end of section or function");
}

// Every proper prefix of a valid module that does not end on a section boundary must be
// rejected as truncated, never read out of bounds.
TEST(Decoder, EveryTruncationIsAnError) {
  Built b = build(full_module_sections());
  ASSERT_TRUE(decode(b.bytes).module);
  for (size_t len = 0; len < b.bytes.size(); ++len) {
    // Heap copy of exactly `len` bytes, so a sanitizer build catches any overread.
    Bytes prefix(b.bytes.begin(), b.bytes.begin() + static_cast<ptrdiff_t>(len));
    DecodeResult r = decode_module(prefix);
    bool boundary = len == 8;
    for (size_t end : b.ends) boundary |= len == end;
    if (boundary) continue;
    SCOPED_TRACE(len);
    ASSERT_FALSE(r.module);
    EXPECT_TRUE(r.error.message == "unexpected end" || r.error.message == "length out of bounds")
        << r.error.message;
    EXPECT_LE(r.error.offset, len);
  }
}

TEST(Decoder, InvalidUtf8Names) {
  Bytes bad = {0x02, 0xC0, 0x80};  // overlong NUL
  EXPECT_EQ(error_of(module({section(0, bad)})), "malformed UTF-8 encoding");
  EXPECT_EQ(error_of(module({section(2, cat({{0x01}, bad, name("f"), {0x00, 0x00}}))})),
            "malformed UTF-8 encoding");
  EXPECT_EQ(error_of(module({section(2, cat({{0x01}, name("m"), bad, {0x00, 0x00}}))})),
            "malformed UTF-8 encoding");
  EXPECT_EQ(error_of(module({section(7, cat({{0x01}, bad, {0x00, 0x00}}))})),
            "malformed UTF-8 encoding");
  // A name longer than its section.
  EXPECT_EQ(error_of(module({section(0, {0x05, 'a'})})), "length out of bounds");
}

TEST(Decoder, FunctionAndCodeCountsMustAgree) {
  const char* kMsg = "function and code section have inconsistent lengths";
  DecodeResult r = decode(module({type_void_void(), section(3, {0x02, 0x00, 0x00})}));
  EXPECT_EQ(r.error.message, kMsg);
  EXPECT_EQ(r.error.offset, 19u);  // the end of the module: no code section came
  r = decode(module({type_void_void(), section(3, {0x02, 0x00, 0x00}), one_empty_body()}));
  EXPECT_EQ(r.error.message, kMsg);
  EXPECT_EQ(r.error.offset, 21u);  // the code section's count
  EXPECT_EQ(error_of(module({one_empty_body()})), kMsg);
  EXPECT_EQ(error_of(module({type_void_void(), one_func_of_type0(),
                             section(10, {0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B})})),
            kMsg);
  EXPECT_TRUE(decode(module({section(3, {0x00})})).module);
  EXPECT_TRUE(decode(module({section(10, {0x00})})).module);
}

TEST(Decoder, TooManyLocals) {
  auto with_locals = [](const Bytes& decls) {
    Bytes body = cat({decls, {0x0B}});
    return module({type_void_void(), one_func_of_type0(),
                   section(10, cat({{0x01}, uleb(body.size()), body}))});
  };
  DecodeResult ok = decode(with_locals(cat({{0x01}, uleb(50000), {0x7F}})));
  ASSERT_TRUE(ok.module) << ok.error.to_string();
  EXPECT_EQ(ok.module->code[0].num_locals, 50000u);
  EXPECT_EQ(error_of(with_locals(cat({{0x01}, uleb(50001), {0x7F}}))),
            "too many locals: 50001 (limit 50000)");
  // The sum counts, not each declaration.
  DecodeResult r = decode(with_locals(cat({{0x02}, uleb(40000), {0x7F}, uleb(40000), {0x7E}})));
  EXPECT_EQ(r.error.message, "too many locals: 80000 (limit 50000)");
  EXPECT_EQ(r.error.offset, 27u);  // the second declaration
  EXPECT_EQ(error_of(with_locals(cat({{0x01}, uleb(0xFFFFFFFF), {0x7F}}))),
            "too many locals: 4294967295 (limit 50000)");
  EXPECT_EQ(error_of(with_locals({0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7F})), "integer too large");
  EXPECT_EQ(error_of(with_locals({0x01, 0x01, 0x40})), "malformed value type");
  // Declarations running past the body.
  EXPECT_EQ(error_of(module({type_void_void(), one_func_of_type0(),
                             section(10, {0x01, 0x02, 0x01, 0x01, 0x7F})})),
            "unexpected end of section or function");
}

TEST(Decoder, DeclarationsOfNoLocalsAreDropped) {
  // (local) x0 i32, x3 i64, x0 f32, x1 f64: one function's declarations after another's.
  Bytes body0 = {0x01, 0x01, 0x7F, 0x0B};
  Bytes body1 = {0x04, 0x00, 0x7F, 0x03, 0x7E, 0x00, 0x7D, 0x01, 0x7C, 0x0B};
  DecodeResult r = decode(
      module({type_void_void(), section(3, {0x02, 0x00, 0x00}),
              section(10, cat({{0x02}, uleb(body0.size()), body0, uleb(body1.size()), body1}))}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  const DecodedModule& m = *r.module;
  ASSERT_EQ(m.locals(m.code[1]).size(), 2u);
  EXPECT_EQ(m.locals(m.code[1])[0].count, 3u);
  EXPECT_EQ(m.locals(m.code[1])[0].type, ValType::I64);
  EXPECT_EQ(m.locals(m.code[1])[1].type, ValType::F64);
  EXPECT_EQ(m.code[1].num_locals, 4u);
  EXPECT_EQ(m.local_decls.size(), 3u);
}

TEST(Decoder, DataCountMustMatchDataSection) {
  const char* kMsg = "data count and data section have inconsistent lengths";
  Bytes mem = section(5, {0x01, 0x00, 0x01});
  Bytes passive = section(11, {0x01, 0x01, 0x00});
  EXPECT_EQ(error_of(module({mem, section(12, {0x02}), passive})), kMsg);
  EXPECT_EQ(error_of(module({mem, section(12, {0x01})})), kMsg);
  EXPECT_TRUE(decode(module({mem, section(12, {0x00})})).module);
  DecodeResult r = decode(module({mem, section(12, {0x01}), passive}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->data_count, 1u);
}

TEST(Decoder, DataSegmentModes) {
  Bytes data = section(11, {0x03,                                  // three segments
                            0x00, 0x41, 0x01, 0x0B, 0x01, 'x',     // active, memory 0
                            0x01, 0x02, 'y', 'z',                  // passive
                            0x02, 0x00, 0x41, 0x02, 0x0B, 0x00});  // active, explicit memory
  DecodeResult r = decode(module({section(5, {0x01, 0x00, 0x01}), data}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  const auto& ds = r.module->datas;
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds[0].mode, SegmentMode::Active);
  EXPECT_EQ(ds[0].data_size, 1u);
  EXPECT_EQ(ds[1].mode, SegmentMode::Passive);
  EXPECT_TRUE(ds[1].offset.instrs.empty());
  auto yz = r.module->data_bytes(ds[1]);
  EXPECT_EQ(std::string(yz.begin(), yz.end()), "yz");
  EXPECT_EQ(ds[2].mode, SegmentMode::Active);
  EXPECT_EQ(ds[2].offset.instrs[0].imm, 2u);
  EXPECT_EQ(ds[2].data_size, 0u);
  EXPECT_EQ(error_of(module({section(11, {0x01, 0x03, 0x00})})), "malformed data segment kind");
  // Declared length longer than what is left.
  EXPECT_EQ(error_of(module({section(11, {0x01, 0x01, 0x07, 'a', 'b'})})),
            "unexpected end of section or function");
}

TEST(Decoder, ElementSegmentEncodings) {
  Bytes elems = section(9, {0x08, 0x00, 0x41, 0x00, 0x0B, 0x01, 0x00,        // 8; 0: active
                            0x01, 0x00, 0x01, 0x00,                          // 1: passive
                            0x02, 0x01, 0x41, 0x03, 0x0B, 0x00, 0x01, 0x00,  // 2: table 1
                            0x03, 0x00, 0x01, 0x00,                          // 3: declarative
                            0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B,  // 4: active, exprs
                            0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,              // 5: passive
                            0x06, 0x01, 0x41, 0x00, 0x0B, 0x70, 0x00,        // 6: table 1
                            0x07, 0x70, 0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B});  // 7
  DecodeResult r = decode(module({type_void_void(), one_func_of_type0(), elems, one_empty_body()}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  const auto& es = r.module->elems;
  ASSERT_EQ(es.size(), 8u);
  const SegmentMode modes[] = {
      SegmentMode::Active, SegmentMode::Passive, SegmentMode::Active, SegmentMode::Declarative,
      SegmentMode::Active, SegmentMode::Passive, SegmentMode::Active, SegmentMode::Declarative};
  const uint32_t tables[] = {0, 0, 1, 0, 0, 0, 1, 0};
  const ValType types[] = {ValType::FuncRef, ValType::FuncRef, ValType::FuncRef,
                           ValType::FuncRef, ValType::FuncRef, ValType::ExternRef,
                           ValType::FuncRef, ValType::FuncRef};
  const size_t counts[] = {1, 1, 1, 1, 1, 1, 0, 2};
  for (size_t i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(es[i].mode, modes[i]);
    EXPECT_EQ(es[i].table, tables[i]);
    EXPECT_EQ(es[i].elem_type, types[i]);
    EXPECT_EQ(es[i].size(), counts[i]);
    EXPECT_EQ(es[i].uses_exprs, i >= 4);
    EXPECT_TRUE(es[i].exprs.empty());  // all indices, ref.func or ref.null: the compact form
  }
  EXPECT_EQ(es[2].offset.instrs[0].imm, 3u);
  EXPECT_EQ(es[0].funcs, std::vector<uint32_t>{0});
  EXPECT_EQ(es[4].funcs, std::vector<uint32_t>{0});
  EXPECT_EQ(es[5].funcs, std::vector<uint32_t>{kNullRef});
  EXPECT_EQ(es[7].funcs, (std::vector<uint32_t>{0, kNullRef}));

  // One expression that is not a ref.func or ref.null keeps all of them as expressions.
  r = decode(
      module({type_void_void(), section(2, cat({{0x01}, name("m"), name("g"), {0x03, 0x70, 0x00}})),
              one_func_of_type0(),
              section(9, {0x01, 0x05, 0x70, 0x02, 0xD2, 0x01, 0x0B, 0x23, 0x00, 0x0B}),
              one_empty_body()}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  const ElemSegment& mixed = r.module->elems[0];
  EXPECT_TRUE(mixed.funcs.empty());
  ASSERT_EQ(mixed.exprs.size(), 2u);
  EXPECT_EQ(mixed.exprs[0].instrs[0].op, Op::RefFunc);
  EXPECT_EQ(mixed.exprs[0].offset, mixed.elems_offset);
  EXPECT_EQ(mixed.exprs[1].instrs[0].op, Op::GlobalGet);
  // Malformed expressions are reported as such, whatever the form.
  EXPECT_EQ(error_of(module({section(9, {0x01, 0x05, 0x70, 0x01, 0xD0, 0x7F, 0x0B})})),
            "malformed reference type");
  EXPECT_EQ(error_of(module(
                {section(9, {0x01, 0x05, 0x70, 0x01, 0xD2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0B})})),
            "integer representation too long");
  EXPECT_EQ(error_of(module({section(9, {0x01, 0x05, 0x70, 0x01, 0xD2, 0x00})})),
            "unexpected end of section or function");

  EXPECT_EQ(error_of(module({section(9, {0x01, 0x08})})), "malformed elements segment kind");
  EXPECT_EQ(error_of(module({section(9, {0x01, 0x01, 0x01, 0x00})})), "malformed element kind");
  EXPECT_EQ(error_of(module({section(9, {0x01, 0x05, 0x7F, 0x00})})), "malformed reference type");
}

// A global of type i64 with the given initializer bytes (including `end`).
Bytes global_with_init(const Bytes& init) {
  return module({section(6, cat({{0x01, 0x7E, 0x00}, init}))});
}

TEST(Decoder, ConstExprImmediates) {
  auto first = [](const Bytes& init) {
    DecodeResult r = decode(global_with_init(init));
    EXPECT_TRUE(r.module) << r.error.to_string();
    return r.module ? r.module->globals[0].init.instrs.at(0) : ConstInstr{};
  };
  EXPECT_EQ(first({0x41, 0x7F, 0x0B}).imm, ~uint64_t{0});  // i32 -1, sign-extended
  EXPECT_EQ(first({0x42, 0x80, 0x01, 0x0B}).imm, 128u);
  ConstInstr f32 = first({0x43, 0x00, 0x00, 0x80, 0x3F, 0x0B});
  EXPECT_EQ(f32.op, Op::F32Const);
  EXPECT_EQ(f32.imm, 0x3F800000u);  // 1.0f
  EXPECT_EQ(first({0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B}).imm, 0x3FF0000000000000u);
  EXPECT_EQ(first({0x23, 0x03, 0x0B}).op, Op::GlobalGet);
  EXPECT_EQ(first({0x23, 0x03, 0x0B}).imm, 3u);
  EXPECT_EQ(first({0xD0, 0x6F, 0x0B}).imm, 0x6Fu);
  EXPECT_EQ(first({0xFC, 0x10, 0x00, 0x0B}).op, Op::TableSize);

  // Non-constant instructions are decoded (the validator rejects them), including nested
  // blocks, whose inner `end` must not end the expression. Only the first is kept: the
  // validator stops there.
  DecodeResult r = decode(global_with_init({0x02, 0x40, 0x01, 0x0B, 0x41, 0x00, 0x6A, 0x0B}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  const auto& instrs = r.module->globals[0].init.instrs;
  ASSERT_EQ(instrs.size(), 1u);
  EXPECT_EQ(instrs[0].op, Op::Block);
}

TEST(Decoder, ConstExprKeepsNothingPastANonConstantInstruction) {
  // i32.const 1, then a million nops (and a ref.func after them): the constant and the first
  // nop are kept, 48 bytes where all of them took 24 MB.
  Bytes init = {0x41, 0x01};
  init.resize(init.size() + 1'000'000, 0x01);
  init.insert(init.end(), {0xD2, 0x00, 0x0B});
  DecodeResult r = decode(global_with_init(init));
  ASSERT_TRUE(r.module) << r.error.to_string();
  const auto& instrs = r.module->globals[0].init.instrs;
  ASSERT_EQ(instrs.size(), 2u);
  EXPECT_EQ(instrs[0].op, Op::I32Const);
  EXPECT_EQ(instrs[1].op, Op::Nop);
  EXPECT_LE(instrs.capacity(), 4u);
}

TEST(Decoder, ConstExprErrors) {
  DecodeResult r = decode(global_with_init({0x41, 0x00, 0xF3, 0x0B}));
  EXPECT_EQ(r.error.message, "illegal opcode");
  EXPECT_EQ(r.error.offset, 15u);
  EXPECT_EQ(error_of(global_with_init({0xFC, 0x40, 0x0B})), "illegal opcode");
  EXPECT_EQ(error_of(global_with_init({0x41, 0x00})), "unexpected end of section or function");
  EXPECT_EQ(error_of(global_with_init({0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0B})),
            "integer too large");
  EXPECT_EQ(error_of(global_with_init(
                {0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0B})),
            "integer representation too long");
  EXPECT_EQ(error_of(global_with_init({0xD0, 0x7F, 0x0B})), "malformed reference type");
  EXPECT_EQ(error_of(global_with_init({0x3F, 0x01, 0x0B})), "zero byte expected");
}

TEST(Decoder, MalformedTypesAndKinds) {
  EXPECT_EQ(error_of(module({section(1, {0x01, 0x61, 0x00, 0x00})})), "malformed function type");
  EXPECT_EQ(error_of(module({section(1, {0x01, 0xE0, 0x7F, 0x00, 0x00})})),
            "integer representation too long");
  EXPECT_EQ(error_of(module({section(1, {0x01, 0x60, 0x01, 0x40, 0x00})})), "malformed value type");
  EXPECT_EQ(error_of(module({section(2, cat({{0x01}, name("a"), name("b"), {0x04, 0x00}}))})),
            "malformed import kind");
  EXPECT_EQ(error_of(module({section(2, cat({{0x01}, name("a"), name("b"), {0x03, 0x7F, 0x02}}))})),
            "malformed mutability");
  EXPECT_EQ(error_of(module({section(6, {0x01, 0x7F, 0xFF, 0x41, 0x00, 0x0B})})),
            "malformed mutability");
  EXPECT_EQ(error_of(module({section(7, cat({{0x01}, name("e"), {0x04, 0x00}}))})),
            "malformed export kind");
  EXPECT_EQ(error_of(module({section(4, {0x01, 0x7F, 0x00, 0x00})})), "malformed reference type");
}

TEST(Decoder, LimitsFlags) {
  EXPECT_EQ(error_of(module({section(5, {0x01, 0x02, 0x00})})), "integer too large");
  EXPECT_EQ(error_of(module({section(5, {0x01, 0x81, 0x00, 0x00})})),
            "integer representation too long");
  EXPECT_EQ(error_of(module({section(4, {0x01, 0x70, 0x02, 0x00})})), "integer too large");
  DecodeResult r = decode(module({section(5, {0x01, 0x01, 0x82, 0x00, 0x80, 0x80, 0x04})}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->memories[0].limits, (Limits{2, 65536}));
}

// The name section with the given subsections, in a module with two functions.
Bytes with_name_section(const Bytes& subsections) {
  return module({type_void_void(), section(3, {0x02, 0x00, 0x00}),
                 section(10, {0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B}),
                 section(0, cat({name("name"), subsections}))});
}

TEST(Decoder, NameSection) {
  Bytes funcs = cat({{0x02}, {0x00}, name("a"), {0x01}, name("b")});
  DecodeResult r = decode(with_name_section(
      cat({{0x00, 0x04}, name("mod"), {0x01}, uleb(funcs.size()), funcs, {0x02, 0x01, 0x00}})));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->module_name, "mod");
  EXPECT_EQ(all_func_names(*r.module), (std::vector<std::string>{"a", "b"}));
}

TEST(Decoder, NameSectionBeforeTheFunctionsItNames) {
  Bytes names = section(0, cat({name("name"), {0x01, 0x04, 0x01, 0x00}, name("f")}));
  DecodeResult r = decode(module({names, type_void_void(), one_func_of_type0(), one_empty_body()}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(all_func_names(*r.module), (std::vector<std::string>{"f"}));
}

TEST(Decoder, MalformedNameSectionIsIgnored) {
  const std::vector<Bytes> bad = {
      {0x00, 0x05, 0x01, 'a'},       // subsection larger than the section
      {0x00, 0x02, 0x01, 0xFF},      // module name not UTF-8
      {0x00, 0x03, 0x01, 'a', 'b'},  // module name shorter than its subsection
      {0x01, 0x07, 0x02, 0x01, 0x01, 'b', 0x00, 0x01, 'a'},  // function indices out of order
      {0x01, 0x04, 0x01, 0x05, 0x01, 'x'},                   // unknown function index
      {0x01, 0x01, 0x00, 0x00, 0x02, 0x01, 'a'},             // subsections out of order
      {0x00},                                                // truncated subsection header
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    DecodeResult r = decode(with_name_section(bad[i]));
    ASSERT_TRUE(r.module) << r.error.to_string();
    EXPECT_EQ(r.module->module_name, "");
    EXPECT_TRUE(r.module->func_names.empty());
    EXPECT_EQ(r.module->customs.size(), 1u);
  }
}

}  // namespace
}  // namespace wrun
