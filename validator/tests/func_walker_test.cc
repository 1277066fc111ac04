// What the walker reports to its visitor: drop with the dropped operand, and every memory
// instruction with its memory index and operand slots.
#include "validator/func_walker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decoder/module.h"
#include "decoder/tests/wasm_builder.h"
#include "validator/validator.h"

namespace wrun {
namespace {

using namespace wrun::test;

// Records the callbacks under test as text; everything else goes to NullVisitor.
struct Recorder : NullVisitor {
  std::vector<std::string> events;

  void add(std::string e) { events.push_back(std::move(e)); }
  static std::string mem(const MemArg& m) {
    return " m" + std::to_string(m.memory) + " align" + std::to_string(m.align_log2) + " off" +
           std::to_string(m.offset);
  }
  static std::string n(const char* what, uint32_t v) { return std::string(" ") + what + std::to_string(v); }

  void on_drop(Operand o) { add("drop " + std::string(val_type_name(o.type)) + n("@", o.slot)); }
  void on_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr) {
    add(op_name(op) + mem(m) + n("dst", dst) + n("addr", addr));
  }
  void on_store(Op op, const MemArg& m, uint32_t addr, uint32_t val) {
    add(op_name(op) + mem(m) + n("addr", addr) + n("val", val));
  }
  void on_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                    uint32_t vec) {
    add(op_name(op) + mem(m) + n("lane", lane) + n("dst", dst) + n("addr", addr) + n("vec", vec));
  }
  void on_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec) {
    add(op_name(op) + mem(m) + n("lane", lane) + n("addr", addr) + n("vec", vec));
  }
  void on_memory_size(uint32_t memory, uint32_t dst) {
    add("memory.size" + n("m", memory) + n("dst", dst));
  }
  void on_memory_grow(uint32_t memory, uint32_t dst, uint32_t delta) {
    add("memory.grow" + n("m", memory) + n("dst", dst) + n("delta", delta));
  }
  void on_memory_init(uint32_t seg, uint32_t memory, uint32_t d) {
    add("memory.init" + n("seg", seg) + n("m", memory) + n("d", d));
  }
  void on_data_drop(uint32_t seg) { add("data.drop" + n("seg", seg)); }
  void on_memory_copy(uint32_t dst_memory, uint32_t src_memory, uint32_t d) {
    add("memory.copy" + n("m", dst_memory) + n("m", src_memory) + n("d", d));
  }
  void on_memory_fill(uint32_t memory, uint32_t d) {
    add("memory.fill" + n("m", memory) + n("d", d));
  }
};

struct Walked {
  std::vector<std::string> events;
  std::string error;  // "" when the body is valid
};

// Locals of every walked body: an i32 (slot 0) and a v128 (slots 1-2), so operands start at 3.
constexpr uint8_t kLocals[] = {0x02, 0x01, 0x7F, 0x01, 0x7B};

// Walks `code` (instructions; the final `end` is added) as the one function, type [] -> [], of
// a module with `memories` memories of one page and one passive data segment. Modules with more
// than one memory are not valid 2.0 and skip validate_module.
Walked walk(const Bytes& code, uint32_t memories = 1, WalkerFeatures features = {}) {
  Bytes body = cat({Bytes(std::begin(kLocals), std::end(kLocals)), code, {0x0B}});
  Bytes mems = uleb(memories);
  for (uint32_t i = 0; i < memories; ++i) mems = cat({mems, {0x00, 0x01}});
  Bytes bytes = module({type_void_void(), one_func_of_type0(), section(5, mems), section(12, {0x01}),
                        section(10, cat({{0x01}, uleb(body.size()), body})),
                        section(11, {0x01, 0x01, 0x00})});
  DecodeResult r = decode_module(bytes);
  if (!r.module) return {{}, "decode: " + r.error.message};
  if (memories == 1) {
    if (auto err = validate_module(*r.module)) return {{}, "module: " + err->message};
  }
  std::vector<bool> refs = declared_func_refs(*r.module);
  Recorder rec;
  try {
    FuncWalker<Recorder> walker(*r.module, 0, rec, refs, features);
    walker.run();
  } catch (const DecodeError& e) {
    return {std::move(rec.events), e.error.message};
  }
  return {std::move(rec.events), ""};
}

using Events = std::vector<std::string>;

constexpr uint8_t kDrop = 0x1A;
Bytes i32_const(uint8_t v) { return {0x41, v}; }
Bytes i64_const(uint8_t v) { return {0x42, v}; }
Bytes local_get(uint8_t i) { return {0x20, i}; }
Bytes v128_zero() {
  Bytes b = {0xFD, 0x0C};
  b.resize(b.size() + 16, 0);
  return b;
}

TEST(FuncWalker, DropReportsTheDroppedOperand) {
  Walked w = walk(cat({local_get(0), local_get(1), i64_const(7), {kDrop, kDrop, kDrop},
                       v128_zero(), {0x43, 0, 0, 0, 0}, {kDrop, kDrop},  // f32.const 0
                       {0xD0, 0x6F, kDrop},                              // ref.null extern
                       {0xD0, 0x70, kDrop},                              // ref.null func
                       {0x44, 0, 0, 0, 0, 0, 0, 0, 0, kDrop}}));         // f64.const 0
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(w.events, (Events{"drop i64 @6", "drop v128 @4", "drop i32 @3", "drop f32 @5",
                              "drop v128 @3", "drop externref @3", "drop funcref @3",
                              "drop f64 @3"}));
}

TEST(FuncWalker, DropInUnreachableCodeIsNotReported) {
  Walked w = walk(cat({{0x02, 0x40}, i32_const(9), {kDrop},  // block: reachable
                       {0x00, kDrop},                        // unreachable; drop of nothing
                       i32_const(1), {kDrop},                // still unreachable
                       {0x0B},                               // end
                       {0x02, 0x40}, local_get(0), {0x0C, 0x00},  // block; br 0
                       local_get(0), {kDrop, 0x0B},               // dead drop; end
                       i64_const(2), {kDrop}}));
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(w.events, (Events{"drop i32 @3", "drop i64 @3"}));
}

TEST(FuncWalker, MemoryInstructionsReportMemoryZeroAndSlots) {
  Walked w = walk(cat({
      local_get(0), {0x28, 0x02, 0x04}, {kDrop},                  // i32.load align=4 offset=4
      i32_const(0), i64_const(0), {0x37, 0x03, 0x08},             // i64.store
      i32_const(0), local_get(1), {0xFD, 0x54, 0x00, 0x00, 0x0F}, {kDrop},  // v128.load8_lane 15
      i32_const(0), local_get(1), {0xFD, 0x59, 0x01, 0x02, 0x07},  // v128.store16_lane 7
      i64_const(0), i32_const(0), {0xFD, 0x00, 0x04, 0x10}, {kDrop, kDrop},  // v128.load
      {0x3F, 0x00}, {0x40, 0x00}, {kDrop},                         // memory.size; grow
      i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x08, 0x00, 0x00},  // memory.init 0
      {0xFC, 0x09, 0x00},                                           // data.drop 0
      i64_const(0), i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x0A, 0x00, 0x00},
      i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x0B, 0x00}, {kDrop},  // memory.fill
  }));
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(w.events, (Events{
                          "i32.load m0 align2 off4 dst3 addr3",
                          "drop i32 @3",
                          "i64.store m0 align3 off8 addr3 val4",
                          "v128.load8_lane m0 align0 off0 lane15 dst3 addr3 vec4",
                          "drop v128 @3",
                          "v128.store16_lane m0 align1 off2 lane7 addr3 vec4",
                          "v128.load m0 align4 off16 dst4 addr4",
                          "drop v128 @4",
                          "drop i64 @3",
                          "memory.size m0 dst3",
                          "memory.grow m0 dst3 delta3",
                          "drop i32 @3",
                          "memory.init seg0 m0 d3",
                          "data.drop seg0",
                          "memory.copy m0 m0 d4",
                          "memory.fill m0 d4",
                          "drop i64 @3",
                      }));
}

// Wasm 2.0 has no memory index in a memarg and a reserved zero byte (not a LEB zero) elsewhere.
TEST(FuncWalker, MemoryIndicesAreWasm2ByDefault) {
  EXPECT_EQ(walk({0x3F, 0x01}).error, "zero byte expected");
  EXPECT_EQ(walk({0x3F, 0x80, 0x00}).error, "zero byte expected");
  EXPECT_EQ(walk(cat({i32_const(0), {0x40, 0x01}})).error, "zero byte expected");
  EXPECT_EQ(walk(cat({i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x0A, 0x00, 0x01}})).error,
            "zero byte expected");
  EXPECT_EQ(walk(cat({i32_const(0), {0x28, 0x42, 0x01, 0x00}})).error,
            "alignment must not be larger than natural");
  // Without the flag a second memory is unreachable, even where the module has one.
  EXPECT_EQ(walk({0x3F, 0x01}, 2).error, "zero byte expected");
}

TEST(FuncWalker, MultiMemoryReportsTheEncodedIndex) {
  WalkerFeatures mm;
  mm.multi_memory = true;
  Walked w = walk(cat({
                      i32_const(0), {0x28, 0x42, 0x01, 0x04}, {kDrop},  // i32.load memory 1
                      i32_const(0), {0x28, 0x02, 0x04}, {kDrop},        // i32.load memory 0
                      i32_const(0), i64_const(0), {0x37, 0x43, 0x01, 0x00},  // i64.store memory 1
                      i32_const(0), local_get(1), {0xFD, 0x58, 0x40, 0x01, 0x00, 0x03},
                      {0x3F, 0x01}, {0x40, 0x01}, {kDrop},
                      i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x08, 0x00, 0x01},
                      i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x0A, 0x00, 0x01},
                      i32_const(0), i32_const(0), i32_const(0), {0xFC, 0x0B, 0x01},
                  }),
                  2, mm);
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(w.events, (Events{
                          "i32.load m1 align2 off4 dst3 addr3",
                          "drop i32 @3",
                          "i32.load m0 align2 off4 dst3 addr3",
                          "drop i32 @3",
                          "i64.store m1 align3 off0 addr3 val4",
                          "v128.store8_lane m1 align0 off0 lane3 addr3 vec4",
                          "memory.size m1 dst3",
                          "memory.grow m1 dst3 delta3",
                          "drop i32 @3",
                          "memory.init seg0 m1 d3",
                          "memory.copy m0 m1 d3",
                          "memory.fill m1 d3",
                      }));

  EXPECT_EQ(walk({0x3F, 0x02}, 2, mm).error, "unknown memory 2");
  EXPECT_EQ(walk(cat({i32_const(0), {0x28, 0x42, 0x02, 0x00}}), 2, mm).error, "unknown memory 2");
  EXPECT_EQ(walk(cat({i32_const(0), {0x28, 0x82, 0x01, 0x00}}), 2, mm).error,
            "malformed memop flags");
  EXPECT_EQ(walk(cat({i32_const(0), {0x28, 0x03, 0x00}}), 2, mm).error,
            "alignment must not be larger than natural");
}

}  // namespace
}  // namespace wrun
