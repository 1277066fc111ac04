#include "spectest/values.h"

#include <gtest/gtest.h>

namespace wrun::spectest {
namespace {

json::Value js(std::string_view text) { return std::get<json::Value>(json::parse(text)); }

Expected expect(std::string_view text) { return parse_expected(js(text)); }

TEST(Values, ParsesScalarArgumentsAsBitPatterns) {
  EXPECT_EQ(parse_arg(js(R"({"type":"i32","value":"4294967295"})")).i32(), -1);
  EXPECT_EQ(parse_arg(js(R"({"type":"i64","value":"9223372036854775808"})")).i64(), INT64_MIN);
  EXPECT_EQ(parse_arg(js(R"({"type":"f32","value":"2143289344"})")).f32_bits(), 0x7fc00000u);
  EXPECT_EQ(parse_arg(js(R"({"type":"f64","value":"9221120237041090560"})")).f64_bits(),
            0x7ff8000000000000u);
  EXPECT_THROW(parse_arg(js(R"({"type":"i32","value":"4294967296"})")), ScriptError);
  EXPECT_THROW(parse_arg(js(R"({"type":"i32","value":"12x"})")), ScriptError);
  EXPECT_THROW(parse_arg(js(R"({"type":"i32"})")), ScriptError);
  EXPECT_THROW(parse_arg(js(R"({"type":"i33","value":"1"})")), ScriptError);
}

TEST(Values, ExternrefsAreDistinctAndNonNull) {
  Val zero = parse_arg(js(R"({"type":"externref","value":"0"})"));
  Val one = parse_arg(js(R"({"type":"externref","value":"1"})"));
  Val null = parse_arg(js(R"({"type":"externref","value":"null"})"));
  EXPECT_FALSE(zero.is_null_ref());
  EXPECT_NE(zero.raw(), one.raw());
  EXPECT_TRUE(null.is_null_ref());
  EXPECT_TRUE(matches(expect(R"({"type":"externref","value":"1"})"), one));
  EXPECT_FALSE(matches(expect(R"({"type":"externref","value":"1"})"), zero));
  EXPECT_FALSE(matches(expect(R"({"type":"externref","value":"null"})"), zero));
  EXPECT_EQ(to_string(one), "ref.extern 1");
}

TEST(Values, FuncrefWithoutIdentityMatchesAnyNonNull) {
  Val some = Val::from_raw(ValType::FuncRef, 0x1000);
  EXPECT_TRUE(matches(expect(R"({"type":"funcref","value":"3"})"), some));
  EXPECT_FALSE(matches(expect(R"({"type":"funcref","value":"3"})"), Val::funcref_null()));
  EXPECT_TRUE(matches(expect(R"({"type":"funcref","value":"null"})"), Val::funcref_null()));
  EXPECT_FALSE(matches(expect(R"({"type":"funcref","value":"null"})"), some));
  EXPECT_FALSE(matches(expect(R"({"type":"externref","value":"null"})"), Val::funcref_null()));
}

TEST(Values, FloatsCompareBitwise) {
  Expected zero = expect(R"({"type":"f64","value":"0"})");
  EXPECT_TRUE(matches(zero, Val::f64(0.0)));
  EXPECT_FALSE(matches(zero, Val::f64(-0.0)));
  EXPECT_FALSE(matches(zero, Val::i64(0)));                         // the type counts too
  Expected nan = expect(R"({"type":"f32","value":"2143289345"})");  // 0x7fc00001
  EXPECT_TRUE(matches(nan, Val::f32_bits(0x7fc00001)));
  EXPECT_FALSE(matches(nan, Val::f32_bits(0x7fc00000)));
}

TEST(Values, NanPatterns) {
  Expected canon32 = expect(R"({"type":"f32","value":"nan:canonical"})");
  Expected arith32 = expect(R"({"type":"f32","value":"nan:arithmetic"})");
  EXPECT_TRUE(matches(canon32, Val::f32_bits(0x7fc00000)));
  EXPECT_TRUE(matches(canon32, Val::f32_bits(0xffc00000)));
  EXPECT_FALSE(matches(canon32, Val::f32_bits(0x7fc00001)));
  EXPECT_FALSE(matches(canon32, Val::f32_bits(0x7f800000)));  // inf
  EXPECT_TRUE(matches(arith32, Val::f32_bits(0x7fc00001)));
  EXPECT_TRUE(matches(arith32, Val::f32_bits(0xffe00000)));
  EXPECT_FALSE(matches(arith32, Val::f32_bits(0x7fa00000)));  // signalling
  EXPECT_FALSE(matches(arith32, Val::f32_bits(0x3f800000)));

  Expected canon64 = expect(R"({"type":"f64","value":"nan:canonical"})");
  Expected arith64 = expect(R"({"type":"f64","value":"nan:arithmetic"})");
  EXPECT_TRUE(matches(canon64, Val::f64_bits(0xfff8000000000000)));
  EXPECT_FALSE(matches(canon64, Val::f64_bits(0x7ff8000000000001)));
  EXPECT_TRUE(matches(arith64, Val::f64_bits(0x7ff8000000000001)));
  EXPECT_FALSE(matches(arith64, Val::f64_bits(0x7ff4000000000000)));
  EXPECT_FALSE(matches(canon64, Val::f32_bits(0x7fc00000)));
  EXPECT_THROW(expect(R"({"type":"i32","value":"nan:canonical"})"), ScriptError);
}

TEST(Values, V128LanesRoundTripAndMatchPerLane) {
  Val v = parse_arg(js(R"({"type":"v128","lane_type":"i16","value":
      ["1","2","3","4","5","6","7","65535"]})"));
  EXPECT_EQ(v.v128().bytes[0], 1);
  EXPECT_EQ(v.v128().bytes[14], 0xff);
  EXPECT_EQ(v.v128().bytes[15], 0xff);
  EXPECT_TRUE(matches(expect(R"({"type":"v128","lane_type":"i32","value":
      ["131073","262147","393221","4294901767"]})"),
                      v));
  EXPECT_EQ(to_string(v, LaneType::I16), "v128.const i16x8 1 2 3 4 5 6 7 -1");

  V128 bits;
  uint32_t lanes[4] = {0x7fc00000, 0x7fc00001, 0x3f800000, 0x7fa00000};
  std::memcpy(bits.bytes, lanes, 16);
  Val nans = Val::v128(bits);
  EXPECT_TRUE(matches(expect(R"({"type":"v128","lane_type":"f32","value":
      ["nan:canonical","nan:arithmetic","1065353216","2141192192"]})"),
                      nans));
  EXPECT_FALSE(matches(expect(R"({"type":"v128","lane_type":"f32","value":
      ["nan:canonical","nan:canonical","1065353216","2141192192"]})"),
                       nans));
  EXPECT_FALSE(matches(expect(R"({"type":"v128","lane_type":"f32","value":
      ["nan:canonical","nan:arithmetic","1065353216","nan:arithmetic"]})"),
                       nans));
  EXPECT_THROW(parse_arg(js(R"({"type":"v128","lane_type":"i32","value":["1","2","3"]})")),
               ScriptError);
  EXPECT_THROW(expect(R"({"type":"v128","lane_type":"i32","value":
      ["nan:canonical","0","0","0"]})"),
               ScriptError);
}

TEST(Values, ValueLessExpectationsMatchTheTypeOnly) {
  Expected any = expect(R"({"type":"i32"})");
  EXPECT_TRUE(matches(any, Val::i32(5)));
  EXPECT_FALSE(matches(any, Val::i64(5)));
}

TEST(Values, PrintsWastSyntax) {
  EXPECT_EQ(to_string(Val::i32(-1)), "i32.const -1");
  EXPECT_EQ(to_string(Val::f32(1.5f)), "f32.const 1.5");
  EXPECT_EQ(to_string(Val::f64(-0.0)), "f64.const -0");
  EXPECT_EQ(to_string(Val::f32_bits(0xffc00001)), "f32.const -nan:0x400001");
  EXPECT_EQ(to_string(Val::f64_bits(0x7ff0000000000000)), "f64.const inf");
  EXPECT_EQ(to_string(expect(R"({"type":"f32","value":"nan:canonical"})")),
            "f32.const nan:canonical");
  EXPECT_EQ(to_string(std::vector<Val>{Val::i32(1), Val::funcref_null()}),
            "(i32.const 1, ref.null func)");
}

}  // namespace
}  // namespace wrun::spectest
