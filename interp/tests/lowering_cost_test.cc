// What lowering a function costs must follow its body's bytes, whatever the operands' count
// (a 2-byte call pushes up to 1000 values) or the number of structures: lowered code size and
// lowering work, checked on module shapes that once took hundreds of MB or tens of seconds.
// Work is the lowering's own step count (compile_function's `work`), not time, so the checks
// are exact on any machine and under sanitizers: a body four times as long must cost at most
// four times as much (a quadratic walk costs sixteen).
#include <gtest/gtest.h>

#include <string>

#include "decoder/module.h"
#include "decoder/tests/wasm_builder.h"
#include "interp/code.h"
#include "interp/interp.h"
#include "validator/validator.h"

namespace wrun::interp {
namespace {

using namespace wrun::test;

// Type 0: () -> (i32 x 1000); type 1: () -> (); type 2: (i32 i32 i32) -> ().
// Function 0 (type 0) is `unreachable`; function 1 has `type`, `locals` (local declarations)
// and `code`.
Bytes module_with(uint8_t type, const Bytes& locals, const Bytes& code) {
  Bytes many = cat({{0x60, 0x00}, uleb(1000), Bytes(1000, 0x7F)});
  Bytes types =
      section(1, cat({{0x03}, many, {0x60, 0x00, 0x00, 0x60, 0x03, 0x7F, 0x7F, 0x7F, 0x00}}));
  Bytes body = cat({locals, code, {0x0B}});
  return module({types, section(3, {0x02, 0x00, type}), section(5, {0x01, 0x00, 0x01}),
                 section(10, cat({{0x02, 0x03, 0x00, 0x00, 0x0B}, uleb(body.size()), body}))});
}

Bytes repeat(const Bytes& piece, uint32_t n) {
  Bytes out;
  for (uint32_t i = 0; i < n; ++i) out.insert(out.end(), piece.begin(), piece.end());
  return out;
}

// `i32.const k; local.set local` n times, k cycling through 1..63 so that no set repeats the
// value the local already has.
Bytes sets_of(uint8_t local, uint32_t n) {
  Bytes out;
  for (uint32_t i = 0; i < n; ++i) {
    const Bytes piece = {0x41, static_cast<uint8_t>(1 + i % 63), 0x21, local};
    out.insert(out.end(), piece.begin(), piece.end());
  }
  return out;
}

struct Lowered {
  std::shared_ptr<DecodedModule> module;
  CodePtr code;
  uint64_t work = 0;
};

// Lowers function 1.
Lowered lower(const Bytes& bytes) {
  Lowered l;
  DecodeResult r = decode_module(bytes);
  EXPECT_TRUE(r.module) << r.error.to_string();
  if (!r.module) return l;
  l.module = r.module;
  auto err = validate_module(*l.module);
  EXPECT_FALSE(err) << err->message;
  l.code = compile_function(*l.module, 1, declared_func_refs(*l.module), true, &l.work);
  return l;
}

// Lowers the module `make(n)` builds and `make(4 * n)`'s, and checks the work grew about
// fourfold, not more (a fixed part, such as a prologue, only lowers the ratio; 4.025 leaves room
// for shapes rounded to a multiple).
template <typename Make>
void expect_linear(Make make, uint32_t n) {
  Lowered small = lower(make(n));
  Lowered large = lower(make(4 * n));
  ASSERT_TRUE(small.code && large.code);
  EXPECT_GT(small.work, uint64_t{n});
  EXPECT_LE(large.work, 4 * small.work + small.work / 40)
      << "work " << small.work << " for n = " << n << ", " << large.work << " for 4n";
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// `block (result i32 x 1000); call 0; call 0; (local.get 0; br_if 0) x n; unreachable; end;
// unreachable`: each br_if moves 1000 values that are not in their label's slots.
Bytes br_if_values(uint32_t n) {
  return module_with(1, {0x01, 0x01, 0x7F},
                     cat({{0x02, 0x00, 0x10, 0x00, 0x10, 0x00},
                          repeat({0x20, 0x00, 0x0D, 0x00}, n),
                          {0x00, 0x0B, 0x00}}));
}

TEST(LoweringCost, BranchValuesMoveAsOneCopy) {
  Lowered l = lower(br_if_values(1000));
  ASSERT_TRUE(l.code);
  // A br_if_z over a copy_n and a br: 56 bytes per 4-byte br_if (it was 24 KB each).
  EXPECT_LT(size_t{l.code->num_words} * 8, 1000u * 64 + 1024);
  EXPECT_EQ(count(disassemble(*l.code), "copy_n"), 1000u);
}

TEST(LoweringCost, ForwardedBranchValuesAreCopiedOnce) {
  // (func (param i32 i32) (block (result i32 i32 i32) i32.const 0 (local.get 0) x3
  //   (local.get 1; br_if 0) x100 unreachable) unreachable): the three forwarded locals are
  // put in their slots once, then each branch moves them with one copy.
  Bytes three = {0x60, 0x00, 0x03, 0x7F, 0x7F, 0x7F};
  Bytes types = section(1, cat({{0x02}, three, {0x60, 0x02, 0x7F, 0x7F, 0x00}}));
  Bytes body = cat({{0x00, 0x02, 0x00, 0x41, 0x00},
                    repeat({0x20, 0x00}, 3),
                    repeat({0x20, 0x01, 0x0D, 0x00}, 100),
                    {0x00, 0x0B, 0x00, 0x0B}});
  Bytes bytes =
      module({types, section(3, {0x02, 0x00, 0x01}),
              section(10, cat({{0x02, 0x03, 0x00, 0x00, 0x0B}, uleb(body.size()), body}))});
  Lowered l = lower(bytes);
  ASSERT_TRUE(l.code);
  const std::string text = disassemble(*l.code);
  EXPECT_EQ(count(text, " copy "), 3u) << text;
  EXPECT_EQ(count(text, "copy_n"), 100u) << text;
}

TEST(LoweringCost, OneValueBranchesStayAsTheyWere) {
  // `block (result i32) i32.const 0; local.get 0; br_if 0 ...`: one copy of the forwarded
  // local on the taken path, nothing materialised for the fallthrough.
  Bytes code = cat({{0x02, 0x7F, 0x41, 0x00, 0x20, 0x00, 0x20, 0x00, 0x0D, 0x00, 0x1A, 0x1A, 0x41,
                     0x01, 0x0B, 0x1A}});
  Lowered l = lower(module_with(1, {0x01, 0x01, 0x7F}, code));
  ASSERT_TRUE(l.code);
  const std::string text = disassemble(*l.code);
  EXPECT_EQ(count(text, " copy "), 1u) << text;
  EXPECT_EQ(count(text, "copy_n"), 0u) << text;
}

// n / 100 calls of function 0 (10 stack slots per block), then n blocks holding a local.get:
// each block flushes the pending operands, not the whole stack (16 s for 20,000 blocks over
// 100,000 slots when each scanned every slot).
TEST(LoweringCost, BlocksOverADeepStackAreLinear) {
  expect_linear(
      [](uint32_t n) {
        return module_with(1, {0x01, 0x01, 0x7F},
                           cat({repeat({0x10, 0x00}, n / 100),
                                repeat({0x02, 0x40, 0x20, 0x00, 0x1A, 0x0B}, n),
                                {0x00}}));
      },
      5000);
}

// About n forwarded local.gets stay on the stack while n local.sets write another local: a
// set looks at the operands still pending (at most 256), not at the whole stack. The count,
// 200 + a multiple of 128, leaves 200 pending at both sizes (half go to their slots at 257).
TEST(LoweringCost, LocalSetsUnderManyPendingOperandsAreLinear) {
  expect_linear(
      [](uint32_t n) {
        return module_with(1, {0x01, 0x02, 0x7F},
                           cat({repeat({0x20, 0x00}, 200 + n / 128 * 128), sets_of(1, n), {0x00}}));
      },
      25000);
}

// n local.sets of a local that every one of 200 pending operands stands for: each set puts
// them in their slots once, then finds none left.
TEST(LoweringCost, LocalSetsOfAForwardedLocalAreLinear) {
  expect_linear(
      [](uint32_t n) {
        return module_with(1, {0x01, 0x02, 0x7F},
                           cat({repeat({0x20, 0x00}, 200), sets_of(0, n), {0x00}}));
      },
      25000);
}

// n byte-fill loops (store8 d, v; d += 1; n -= 1; br_if n), each recognised as a memset
// (10 s for 100,000 when each loop shifted every earlier branch record).
TEST(LoweringCost, LoopIdiomsAreLinear) {
  const Bytes loop = {0x03, 0x40, 0x20, 0x00, 0x20, 0x01, 0x3A, 0x00, 0x00, 0x20, 0x00, 0x41, 0x01,
                      0x6A, 0x21, 0x00, 0x20, 0x02, 0x41, 0x01, 0x6B, 0x22, 0x02, 0x0D, 0x00, 0x0B};
  const auto make = [&](uint32_t n) { return module_with(2, {0x00}, repeat(loop, n)); };
  Lowered l = lower(make(1000));
  ASSERT_TRUE(l.code);
  EXPECT_EQ(count(disassemble(*l.code), "fill_bytes"), 1000u);
  expect_linear(make, 25000);
}

// n forward branches to one label, bound when the block ends: the fixup chain is walked once.
TEST(LoweringCost, ManyBranchesToOneLabelAreLinear) {
  expect_linear(
      [](uint32_t n) {
        return module_with(1, {0x01, 0x01, 0x7F},
                           cat({{0x02, 0x40}, repeat({0x20, 0x00, 0x0D, 0x00}, n), {0x0B, 0x00}}));
      },
      25000);
}

}  // namespace
}  // namespace wrun::interp
