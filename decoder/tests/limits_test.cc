// The implementation limits of decoder/limits.h: each count is refused one past its limit,
// before its contents are read, and accepted at the limit where building such a module is cheap.
#include "decoder/limits.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <string>

#include "decoder/module.h"
#include "decoder/tests/wasm_builder.h"

namespace wrun {
namespace {

using namespace wrun::test;

// A vector section of `count` copies of `item`.
Bytes vec_section(uint8_t id, uint32_t count, const Bytes& item) {
  Bytes payload = uleb(count);
  payload.reserve(payload.size() + size_t{count} * item.size());
  for (uint32_t i = 0; i < count; ++i) payload.insert(payload.end(), item.begin(), item.end());
  return section(id, payload);
}

// A section holding only a count: one past a limit must fail before the missing items.
Bytes count_only(uint8_t id, uint32_t count) { return section(id, uleb(count)); }

std::string error_of(const Bytes& bytes) {
  DecodeResult r = decode_module(bytes);
  return r.module ? "<decoded>" : r.error.message;
}

std::string too_many(const char* what, uint64_t n, uint64_t limit) {
  return std::string("too many ") + what + ": " + std::to_string(n) + " (limit " +
         std::to_string(limit) + ")";
}

// `count` functions of type 0, with empty bodies.
Bytes functions(uint32_t count) {
  return cat({vec_section(3, count, {0x00}), vec_section(10, count, {0x02, 0x00, 0x0B})});
}

// `n` function imports of type 0 named "" "".
Bytes func_imports(uint32_t n) { return vec_section(2, n, {0x00, 0x00, 0x00, 0x00}); }

TEST(Limits, Types) {
  EXPECT_EQ(error_of(module({count_only(1, limits::kTypes + 1)})),
            too_many("types", limits::kTypes + 1, limits::kTypes));
  DecodeResult r = decode_module(module({vec_section(1, limits::kTypes, {0x60, 0x00, 0x00})}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->types.size(), limits::kTypes);
}

TEST(Limits, ParamsAndResults) {
  auto type_with = [](uint32_t params, uint32_t results) {
    return module({section(1, cat({{0x01, 0x60},
                                   uleb(params),
                                   Bytes(params, 0x7F),
                                   uleb(results),
                                   Bytes(results, 0x7E)}))});
  };
  EXPECT_EQ(error_of(type_with(limits::kParams + 1, 0)),
            too_many("params", limits::kParams + 1, limits::kParams));
  EXPECT_EQ(error_of(type_with(0, limits::kResults + 1)),
            too_many("results", limits::kResults + 1, limits::kResults));
  DecodeResult r = decode_module(type_with(limits::kParams, limits::kResults));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->types[0].params.size(), limits::kParams);
  EXPECT_EQ(r.module->types[0].results.size(), limits::kResults);
}

TEST(Limits, Imports) {
  DecodeResult r = decode_module(module({count_only(2, limits::kImports + 1)}));
  EXPECT_EQ(r.error.message, too_many("imports", limits::kImports + 1, limits::kImports));
  EXPECT_EQ(r.error.offset, 10u);  // the count, after the header and the section's id and size
}

TEST(Limits, Exports) {
  EXPECT_EQ(error_of(module({count_only(7, limits::kExports + 1)})),
            too_many("exports", limits::kExports + 1, limits::kExports));
}

TEST(Limits, FunctionsCountImportsToo) {
  EXPECT_EQ(error_of(module({type_void_void(), count_only(3, limits::kFunctions + 1)})),
            too_many("functions", limits::kFunctions + 1, limits::kFunctions));
  EXPECT_EQ(
      error_of(module({type_void_void(), func_imports(1), count_only(3, limits::kFunctions)})),
      too_many("functions", limits::kFunctions + 1, limits::kFunctions));
  DecodeResult r = decode_module(module({type_void_void(), functions(limits::kFunctions)}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->funcs.size(), limits::kFunctions);
}

TEST(Limits, TablesCountImportsToo) {
  const Bytes table = {0x70, 0x00, 0x00};  // funcref, min 0
  EXPECT_EQ(error_of(module({count_only(4, limits::kTables + 1)})),
            too_many("tables", limits::kTables + 1, limits::kTables));
  DecodeResult r = decode_module(module({vec_section(4, limits::kTables, table)}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->tables.size(), limits::kTables);
  // One imported table and as many defined as the limit: the import counts.
  EXPECT_EQ(error_of(module({section(2, cat({{0x01, 0x00, 0x00, 0x01}, table})),
                             count_only(4, limits::kTables)})),
            too_many("tables", limits::kTables + 1, limits::kTables));
  // Imports alone can exceed it: the import one past it fails.
  EXPECT_EQ(
      error_of(module({vec_section(2, limits::kTables + 1, cat({{0x00, 0x00, 0x01}, table}))})),
      too_many("tables", limits::kTables + 1, limits::kTables));
}

TEST(Limits, MemoriesCountImportsToo) {
  const Bytes memory = {0x00, 0x00};  // min 0
  EXPECT_EQ(error_of(module({count_only(5, limits::kMemories + 1)})),
            too_many("memories", limits::kMemories + 1, limits::kMemories));
  // Decoded at the limit; more than one memory is the validator's to refuse (2.0).
  DecodeResult r = decode_module(module({vec_section(5, limits::kMemories, memory)}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->memories.size(), limits::kMemories);
  EXPECT_EQ(
      error_of(module({vec_section(2, limits::kMemories + 1, cat({{0x00, 0x00, 0x02}, memory}))})),
      too_many("memories", limits::kMemories + 1, limits::kMemories));
}

TEST(Limits, GlobalsCountImportsToo) {
  EXPECT_EQ(error_of(module({count_only(6, limits::kGlobals + 1)})),
            too_many("globals", limits::kGlobals + 1, limits::kGlobals));
  EXPECT_EQ(error_of(module({section(2, {0x01, 0x00, 0x00, 0x03, 0x7F, 0x00}),
                             count_only(6, limits::kGlobals)})),
            too_many("globals", limits::kGlobals + 1, limits::kGlobals));
}

TEST(Limits, DataSegments) {
  EXPECT_EQ(error_of(module({count_only(11, limits::kDataSegments + 1)})),
            too_many("data segments", limits::kDataSegments + 1, limits::kDataSegments));
  EXPECT_EQ(error_of(module({count_only(12, limits::kDataSegments + 1)})),
            too_many("data segments", limits::kDataSegments + 1, limits::kDataSegments));
  DecodeResult r = decode_module(module({vec_section(11, limits::kDataSegments, {0x01, 0x00})}));
  ASSERT_TRUE(r.module) << r.error.to_string();
  EXPECT_EQ(r.module->datas.size(), limits::kDataSegments);
}

TEST(Limits, ElementSegmentsAndTheirEntries) {
  EXPECT_EQ(error_of(module({count_only(9, limits::kElemSegments + 1)})),
            too_many("element segments", limits::kElemSegments + 1, limits::kElemSegments));
  // A passive segment of function indices claiming one entry too many.
  EXPECT_EQ(error_of(module(
                {section(9, cat({{0x01, 0x01, 0x00}, uleb(limits::kElemSegmentEntries + 1)}))})),
            too_many("elements in a segment", limits::kElemSegmentEntries + 1,
                     limits::kElemSegmentEntries));
}

// A module of one function of type (i32 x params) -> () whose body declares `decls`.
Bytes locals_module(uint32_t params, const Bytes& decls, uint32_t body_padding = 0) {
  Bytes body = cat({decls, Bytes(body_padding, 0x01), {0x0B}});  // nops, end
  return module({section(1, cat({{0x01, 0x60}, uleb(params), Bytes(params, 0x7F), {0x00}})),
                 one_func_of_type0(), section(10, cat({{0x01}, uleb(body.size()), body}))});
}

TEST(Limits, LocalsCountParamsToo) {
  const uint32_t params = 10;
  DecodeResult ok =
      decode_module(locals_module(params, cat({{0x01}, uleb(limits::kLocals - params), {0x7F}})));
  ASSERT_TRUE(ok.module) << ok.error.to_string();
  EXPECT_EQ(ok.module->code[0].num_locals, limits::kLocals - params);
  EXPECT_EQ(
      error_of(locals_module(params, cat({{0x01}, uleb(limits::kLocals - params + 1), {0x7F}}))),
      too_many("locals", limits::kLocals + 1, limits::kLocals));
}

TEST(Limits, FunctionBodySize) {
  const Bytes decls = {0x00};
  // Size = declarations + nops + end.
  DecodeResult ok = decode_module(locals_module(0, decls, limits::kFunctionBodyBytes - 2));
  ASSERT_TRUE(ok.module) << ok.error.to_string();
  EXPECT_EQ(ok.module->code[0].body_size, limits::kFunctionBodyBytes);
  EXPECT_EQ(error_of(locals_module(0, decls, limits::kFunctionBodyBytes - 1)),
            "function body too large: 7654322 bytes (limit 7654321)");
}

TEST(Limits, ModuleSizeIsCheckedBeforeReading) {
  // An inaccessible mapping one byte past the limit: reading any of it would crash.
  const size_t size = limits::kModuleBytes + 1;
  void* p = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  DecodeResult r = decode_module(std::span<const uint8_t>(static_cast<const uint8_t*>(p), size));
  munmap(p, size);
  EXPECT_FALSE(r.module);
  EXPECT_EQ(r.error.message, "module too large: 1073741825 bytes (limit 1073741824)");
}

}  // namespace
}  // namespace wrun
