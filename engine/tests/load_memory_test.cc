// Heap memory of loading and instantiating modules made of many small things, measured by
// counting every byte operator new hands out (AllocMeter; RSS would be too coarse and too
// noisy to test). The bounds are per module byte: loading must stay a small
// multiple of the module's size however many functions or elements it packs.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "decoder/tests/wasm_builder.h"
#include "engine/tests/alloc_meter.h"
#include "wrun/wrun.h"

namespace {
int64_t live_bytes() { return static_cast<int64_t>(wrun::test::AllocMeter::live()); }
}  // namespace

namespace wrun {
namespace {

using namespace wrun::test;

// A vector section of `count` copies of `item`.
Bytes vec_section(uint8_t id, uint32_t count, const Bytes& item) {
  Bytes payload = uleb(count);
  for (uint32_t i = 0; i < count; ++i) payload.insert(payload.end(), item.begin(), item.end());
  return section(id, payload);
}

// (module (func) x n): 4 bytes per function.
Bytes empty_functions(uint32_t n) {
  return module(
      {type_void_void(), vec_section(3, n, {0x00}), vec_section(10, n, {0x02, 0x00, 0x0B})});
}

// One function and a table of n entries with an active or passive segment of n function
// indices: 1 byte per element.
Bytes element_segment(uint32_t n, bool passive) {
  Bytes elems = passive ? Bytes{0x01, 0x01, 0x00} : Bytes{0x01, 0x00, 0x41, 0x00, 0x0B};
  elems = cat({elems, uleb(n), Bytes(n, 0x00)});
  return module({type_void_void(), one_func_of_type0(),
                 section(4, cat({{0x01, 0x70, 0x00}, uleb(n)})), section(9, elems),
                 one_empty_body()});
}

struct Cost {
  double load = 0;         // heap bytes per module byte kept by the compiled module
  double instantiate = 0;  // heap bytes per module byte added by instantiating it
};

// The bytes stay in the caller's vector, as a tool's file buffer would; the compiled module
// keeps its own copy (counted).
Cost cost_of(const Bytes& bytes) {
  Engine engine;
  Store store(engine);
  Linker linker(store);
  const int64_t before = live_bytes();
  Result<Module> m = Module::compile(engine, bytes);
  EXPECT_TRUE(m) << m.error();
  if (!m) return {};
  const int64_t loaded = live_bytes();
  auto inst = linker.instantiate(*m);
  EXPECT_TRUE(std::holds_alternative<Instance>(inst));
  const int64_t instantiated = live_bytes();
  const double size = static_cast<double>(bytes.size());
  Cost c{static_cast<double>(loaded - before) / size,
         static_cast<double>(instantiated - loaded) / size};
  std::printf("%zu-byte module: %.1f heap bytes per module byte to load, %.1f to instantiate\n",
              bytes.size(), c.load, c.instantiate);
  return c;
}

TEST(LoadMemory, TheCounterSeesAllocations) {
  const int64_t before = live_bytes();
  auto* block = new std::vector<char>(1 << 20);
  EXPECT_GE(live_bytes() - before, 1 << 20);
  delete block;
  EXPECT_EQ(live_bytes(), before);
}

// About 29 bytes per module byte: each 4-byte function has a 24-byte body record, its type
// index and offset, and 80 bytes of lowered code with its pointer.
TEST(LoadMemory, EmptyFunctions) {
  Cost c = cost_of(empty_functions(100'000));
  EXPECT_LT(c.load, 40.0);
  EXPECT_LT(c.instantiate, 20.0);  // a FuncInst and its pointer: 72 bytes
}

// About 5 bytes per module byte to load (4 per element and the module's copy); an active
// segment goes straight into the table, whose 8-byte entries are the instantiation's cost.
TEST(LoadMemory, ElementSegments) {
  Cost active = cost_of(element_segment(1'000'000, false));
  EXPECT_LT(active.load, 6.0);
  EXPECT_LT(active.instantiate, 9.0);
  Cost passive = cost_of(element_segment(1'000'000, true));
  EXPECT_LT(passive.load, 6.0);
  EXPECT_LT(passive.instantiate, 17.0);  // the table and the segment's references
}

// Module shapes where a few bytes stand for many operands or labels: how much heap compiling
// them takes at its peak (transient data included), per module byte.
struct Peak {
  bool compiled = false;
  std::string error;
  double peak = 0;      // heap bytes per module byte at the peak of Module::compile
  double retained = 0;  // heap bytes per module byte kept by the compiled module
};
Peak compile_peak(const Bytes& bytes) {
  Engine engine;
  Peak p;
  std::optional<Module> kept;
  {
    AllocScope scope;
    Result<Module> m = Module::compile(engine, bytes);
    p.compiled = m.ok();
    if (m)
      kept = *m;
    else
      p.error = m.error();
    const double size = static_cast<double>(bytes.size());
    p.peak = static_cast<double>(scope.peak_growth()) / size;
    p.retained = static_cast<double>(scope.retained()) / size;
  }
  std::printf("%zu-byte module: %s, peak %.1f heap bytes per module byte, %.1f kept\n",
              bytes.size(), p.compiled ? "compiled" : p.error.c_str(), p.peak, p.retained);
  return p;
}

Bytes repeat(const Bytes& piece, uint32_t n) {
  Bytes out;
  for (uint32_t i = 0; i < n; ++i) out.insert(out.end(), piece.begin(), piece.end());
  return out;
}

// Function 0 returns 1000 i32s (its body is `unreachable`); function 1, of type () -> () with
// one i32 local, runs `code`.
Bytes with_many_results(const Bytes& code) {
  Bytes types =
      section(1, cat({{0x02, 0x60, 0x00}, uleb(1000), Bytes(1000, 0x7F), {0x60, 0x00, 0x00}}));
  Bytes body = cat({{0x01, 0x01, 0x7F}, code, {0x0B}});
  return module({types, section(3, {0x02, 0x00, 0x01}),
                 section(10, cat({{0x02, 0x03, 0x00, 0x00, 0x0B}, uleb(body.size()), body}))});
}

// 10,000 2-byte calls each pushing 1000 operands (365 MB to compile before the frame limit):
// rejected once the frame passes limits::kFrameSlots, having taken what a frame of that size
// takes (about 60 MB: 8 bytes per operand in the walker, 16 in the lowering, and their
// vectors' growth), the most any function can.
TEST(LoadMemory, OperandStackIsBounded) {
  const Bytes bytes = with_many_results(cat({repeat({0x10, 0x00}, 10000), {0x00}}));
  Peak p = compile_peak(bytes);
  EXPECT_FALSE(p.compiled);
  EXPECT_NE(p.error.find("function frame too large"), std::string::npos) << p.error;
  EXPECT_LT(p.peak * static_cast<double>(bytes.size()), 80e6);  // bytes in all
}

// 10,000 4-byte `br_if`s, each moving 1000 values that are not in place: one copy each, not
// 1000 (475 MB at the peak and 240 MB kept before).
TEST(LoadMemory, BranchValuesMoveAsOneCopy) {
  Peak p = compile_peak(with_many_results(cat({{0x02, 0x00, 0x10, 0x00, 0x10, 0x00},
                                               repeat({0x20, 0x00, 0x0D, 0x00}, 10000),
                                               {0x00, 0x0B, 0x00}})));
  EXPECT_TRUE(p.compiled) << p.error;
  EXPECT_LT(p.retained, 40.0);  // about 21: 56 bytes of code and 3 offsets entries per br_if
  EXPECT_LT(p.peak, 120.0);
}

// A global initialised by ten million nops: the decoder keeps the first, not 24 bytes each
// (429 MB before).
TEST(LoadMemory, NonConstantExpressionsAreNotKept) {
  Peak p = compile_peak(module(
      {section(6, cat({{0x01, 0x7F, 0x00}, Bytes(10'000'000, 0x01), {0x41, 0x00, 0x0B}}))}));
  EXPECT_FALSE(p.compiled);
  EXPECT_NE(p.error.find("constant expression required"), std::string::npos) << p.error;
  EXPECT_LT(p.peak, 3.0);
}

// A million nested empty blocks (3 bytes each), and a br_table of a million labels (1 byte
// each) out of 100 blocks: labels cost a few dozen bytes each while lowering, and a table's
// entries nothing beyond their 8 bytes of code.
TEST(LoadMemory, NestedBlocksAndBranchTables) {
  const Bytes blocks = cat({{0x00}, repeat({0x02, 0x40}, 1'000'000), repeat({0x0B}, 1'000'001)});
  Peak nest = compile_peak(module({type_void_void(), one_func_of_type0(),
                                   section(10, cat({{0x01}, uleb(blocks.size()), blocks}))}));
  EXPECT_TRUE(nest.compiled) << nest.error;
  EXPECT_LT(nest.peak, 80.0);  // about 44
  Bytes labels;
  for (uint32_t i = 0; i < 1'000'000; ++i) labels.push_back(static_cast<uint8_t>(i % 100));
  Bytes body = cat({{0x00}, repeat({0x02, 0x40}, 100), {0x20, 0x00, 0x0E}, uleb(1'000'000),
                    labels, {0x00}, repeat({0x0B}, 101)});
  Peak table = compile_peak(module({section(1, {0x01, 0x60, 0x01, 0x7F, 0x00}), one_func_of_type0(),
                                    section(10, cat({{0x01}, uleb(body.size()), body}))}));
  EXPECT_TRUE(table.compiled) << table.error;
  EXPECT_LT(table.peak, 40.0);  // about 21
}

}  // namespace
}  // namespace wrun
