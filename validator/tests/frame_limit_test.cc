// The bound on a function's frame (limits::kFrameSlots): locals plus the highest the operand
// stack reaches, in 8-byte slots, checked by the walker as operands are pushed.
#include <gtest/gtest.h>

#include <string>

#include "decoder/limits.h"
#include "decoder/module.h"
#include "decoder/tests/wasm_builder.h"
#include "validator/validator.h"

namespace wrun {
namespace {

using namespace wrun::test;

// Function 0 returns 1000 values of `type` (its body is `unreachable`); function 1 declares
// `locals` i64 locals and runs `code` (it returns nothing).
Bytes frame_module(uint8_t type, uint32_t locals, const Bytes& code) {
  Bytes many = cat({{0x60, 0x00}, uleb(1000), Bytes(1000, type)});
  Bytes types = section(1, cat({{0x02}, many, {0x60, 0x00, 0x00}}));
  Bytes decls = locals ? cat({{0x01}, uleb(locals), {0x7E}}) : Bytes{0x00};
  Bytes body = cat({decls, code, {0x0B}});
  return module({types, section(3, {0x02, 0x00, 0x01}),
                 section(10, cat({{0x02, 0x03, 0x00, 0x00, 0x0B}, uleb(body.size()), body}))});
}

// `n` calls of function 0, then `unreachable` (the function returns nothing).
Bytes calls(uint32_t n) {
  Bytes code;
  for (uint32_t i = 0; i < n; ++i) code.insert(code.end(), {0x10, 0x00});
  code.push_back(0x00);
  return code;
}

// The error of validating function 1, or "" when it is valid.
std::string function_error(const Bytes& bytes) {
  DecodeResult r = decode_module(bytes);
  if (!r.module) return "<decode error: " + r.error.to_string() + ">";
  if (auto err = validate_module(*r.module)) return "<module: " + err->message + ">";
  auto err = validate_function(*r.module, 1);
  return err ? err->message : "";
}

const std::string kTooLarge =
    "function frame too large: more than 1048576 slots of locals and operands";

TEST(FrameLimit, IsAnEightMebibyteFrame) { EXPECT_EQ(limits::kFrameSlots, 1u << 20); }

TEST(FrameLimit, OperandsUpToTheLimitAreValid) {
  // 1048 calls push 1,048,000 i32 slots; the 1049th passes 1,048,576.
  EXPECT_EQ(function_error(frame_module(0x7F, 0, calls(1048))), "");
  EXPECT_EQ(function_error(frame_module(0x7F, 0, calls(1049))), kTooLarge);
  // A v128 takes two slots.
  EXPECT_EQ(function_error(frame_module(0x7B, 0, calls(524))), "");
  EXPECT_EQ(function_error(frame_module(0x7B, 0, calls(525))), kTooLarge);
}

TEST(FrameLimit, LocalsCount) {
  // 576 locals and 1,048,000 operands are exactly the limit; one more local passes it.
  EXPECT_EQ(function_error(frame_module(0x7F, 576, calls(1048))), "");
  EXPECT_EQ(function_error(frame_module(0x7F, 577, calls(1048))), kTooLarge);
}

TEST(FrameLimit, UnreachableCodeCounts) {
  // After `unreachable` the operands are still tracked, and still bounded.
  Bytes code = cat({{0x00}, calls(1049)});
  EXPECT_EQ(function_error(frame_module(0x7F, 0, code)), kTooLarge);
}

TEST(FrameLimit, ReportsTheInstructionThatPassesIt) {
  // 10,000 calls: the error comes at the 1049th, without pushing the rest.
  DecodeResult r = decode_module(frame_module(0x7F, 0, calls(10000)));
  ASSERT_TRUE(r.module);
  auto err = validate_function(*r.module, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, kTooLarge);
  const size_t first_call = r.module->code[1].code_offset;
  EXPECT_EQ(err->offset, first_call + 2 * 1048);
}

}  // namespace
}  // namespace wrun
