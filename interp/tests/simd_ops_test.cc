// Lane semantics that are easy to get wrong (wrapping, saturation, shift counts, NaN bits),
// checked on simd_ops.h directly. The spec scripts cover the rest end to end.
#include "interp/simd_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace wrun::interp::simd {
namespace {

template <class T>
Vec of(std::initializer_list<T> values) {
  Lanes<T> l{};
  size_t i = 0;
  for (T v : values) l[i++] = v;
  return vec<T>(l);
}
template <class T>
Vec all(T v) {
  Lanes<T> l;
  l.fill(v);
  return vec<T>(l);
}

TEST(SimdOps, IntegerWrapsAtTheLaneWidth) {
  EXPECT_EQ(lanes<int8_t>(abs<int8_t>(all<int8_t>(-128)))[0], -128);
  EXPECT_EQ(lanes<int64_t>(neg<uint64_t>(all(std::numeric_limits<int64_t>::min())))[1],
            std::numeric_limits<int64_t>::min());
  // 0xFFFF * 0xFFFF would overflow int after integer promotion; the lane wraps to 1.
  EXPECT_EQ(lanes<uint16_t>(mul<uint16_t>(all<uint16_t>(0xFFFF), all<uint16_t>(0xFFFF)))[3], 1);
  EXPECT_EQ(lanes<uint8_t>(add<uint8_t>(all<uint8_t>(200), all<uint8_t>(100)))[0], 44);
  EXPECT_EQ(lanes<uint8_t>(avgr<uint8_t>(all<uint8_t>(255), all<uint8_t>(254)))[0], 255);
}

TEST(SimdOps, SaturatingArithmetic) {
  EXPECT_EQ(lanes<int8_t>(add_sat<int8_t>(all<int8_t>(100), all<int8_t>(100)))[0], 127);
  EXPECT_EQ(lanes<int8_t>(sub_sat<int8_t>(all<int8_t>(-100), all<int8_t>(100)))[0], -128);
  EXPECT_EQ(lanes<uint16_t>(sub_sat<uint16_t>(all<uint16_t>(1), all<uint16_t>(2)))[0], 0);
  EXPECT_EQ(lanes<int16_t>(q15mulr_sat(all<int16_t>(-32768), all<int16_t>(-32768)))[0], 32767);
  EXPECT_EQ(lanes<int16_t>(q15mulr_sat(all<int16_t>(-32768), all<int16_t>(16384)))[0], -16384);
  // Narrowing reads the source lanes as signed, for the unsigned form too.
  Vec n = narrow<uint8_t>(of<int16_t>({-1, 300, 255, 0}), all<int16_t>(-300));
  EXPECT_EQ(lanes<uint8_t>(n)[0], 0);
  EXPECT_EQ(lanes<uint8_t>(n)[1], 255);
  EXPECT_EQ(lanes<uint8_t>(n)[2], 255);
  EXPECT_EQ(lanes<uint8_t>(n)[8], 0);
  EXPECT_EQ(lanes<int8_t>(narrow<int8_t>(all<int16_t>(-300), all<int16_t>(300)))[15], 127);
}

TEST(SimdOps, DotProductWraps) {
  // Two products of 2^30 sum to 2^31, which wraps to INT32_MIN.
  EXPECT_EQ(lanes<int32_t>(dot_i16x8(all<int16_t>(-32768), all<int16_t>(-32768)))[0],
            std::numeric_limits<int32_t>::min());
}

TEST(SimdOps, WideningKeepsSignedness) {
  EXPECT_EQ(lanes<uint64_t>(
                extmul_high<uint32_t>(all<uint32_t>(0xFFFFFFFF), all<uint32_t>(0xFFFFFFFF)))[1],
            0xFFFFFFFE00000001u);
  EXPECT_EQ(lanes<int16_t>(extmul_low<int8_t>(all<int8_t>(-128), all<int8_t>(-128)))[0], 16384);
  Vec x = of<int8_t>({1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8});
  EXPECT_EQ(lanes<int16_t>(extend_high<int8_t>(x))[0], -1);
  EXPECT_EQ(lanes<uint16_t>(extend_high<uint8_t>(x))[0], 255);
  EXPECT_EQ(lanes<int16_t>(extadd_pairwise<int8_t>(x))[7], -15);
  EXPECT_EQ(lanes<uint16_t>(extadd_pairwise<uint8_t>(x))[7], 0xF9 + 0xF8);
}

TEST(SimdOps, ShiftCountIsModuloLaneWidth) {
  EXPECT_EQ(lanes<uint8_t>(shl<uint8_t>(all<uint8_t>(1), 9))[0], 2);
  EXPECT_EQ(lanes<int16_t>(shr<int16_t>(all<int16_t>(-32768), 15))[0], -1);
  EXPECT_EQ(lanes<uint16_t>(shr<uint16_t>(all<uint16_t>(0x8000), 31))[0], 1);
  EXPECT_EQ(lanes<uint64_t>(shl<uint64_t>(all<uint64_t>(1), 64))[0], 1u);
}

TEST(SimdOps, LanesAndBitmasks) {
  Vec a = of<uint8_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  Vec b = all<uint8_t>(0xAA);
  Vec s = swizzle(a, of<uint8_t>({15, 16, 255, 0}));
  EXPECT_EQ(lanes<uint8_t>(s)[0], 15);
  EXPECT_EQ(lanes<uint8_t>(s)[1], 0);
  EXPECT_EQ(lanes<uint8_t>(s)[2], 0);
  const uint8_t idx[16] = {31, 0, 16, 15};
  Vec sh = shuffle(a, b, idx);
  EXPECT_EQ(lanes<uint8_t>(sh)[0], 0xAA);
  EXPECT_EQ(lanes<uint8_t>(sh)[3], 15);
  EXPECT_EQ(bitmask<uint16_t>(of<int16_t>({-1, 0, -32768, 1, 0, 0, 0, -2})), 0b10000101u);
  EXPECT_EQ(extract_lane<int8_t>(all<uint8_t>(0x80), 3), 0xFFFFFF80u);
  EXPECT_EQ(extract_lane<uint8_t>(all<uint8_t>(0x80), 3), 0x80u);
  EXPECT_EQ(all_true<uint32_t>(of<uint32_t>({1, 2, 3, 0})), 0u);
  EXPECT_EQ(any_true(of<uint8_t>({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})), 1u);
}

TEST(SimdOps, FloatNaNsAndConversions) {
  const uint32_t kSignallingNan = 0x7F800001;
  Vec nan = all<uint32_t>(kSignallingNan);
  // abs/neg change only the sign bit; pmin/pmax return an operand unchanged.
  EXPECT_EQ(lanes<uint32_t>(fneg<float>(nan))[0], 0xFF800001u);
  EXPECT_EQ(lanes<uint32_t>(pmin<float>(nan, all(1.0f)))[0], kSignallingNan);
  EXPECT_EQ(lanes<float>(pmax<float>(all(1.0f), nan))[0], 1.0f);
  // Rounding quiets a signalling NaN.
  EXPECT_EQ(lanes<uint32_t>(floor<float>(nan))[0] & 0x7FC00000u, 0x7FC00000u);
  EXPECT_TRUE(std::signbit(lanes<float>(fmin<float>(all(0.0f), all(-0.0f)))[0]));
  Vec t = i32x4_trunc_sat_f32x4_u(of<float>({-1.5f, 5e9f, std::nanf(""), 3.9f}));
  EXPECT_EQ(lanes<uint32_t>(t)[0], 0u);
  EXPECT_EQ(lanes<uint32_t>(t)[1], 0xFFFFFFFFu);
  EXPECT_EQ(lanes<uint32_t>(t)[2], 0u);
  EXPECT_EQ(lanes<uint32_t>(t)[3], 3u);
  Vec z = i32x4_trunc_sat_f64x2_s_zero(of<double>({-1e10, 2.5}));
  EXPECT_EQ(lanes<int32_t>(z)[0], std::numeric_limits<int32_t>::min());
  EXPECT_EQ(lanes<int32_t>(z)[1], 2);
  EXPECT_EQ(lanes<int32_t>(z)[2], 0);
  EXPECT_EQ(lanes<double>(f64x2_convert_low_i32x4_u(all<uint32_t>(0xFFFFFFFF)))[1], 4294967295.0);
  Vec d = f32x4_demote_f64x2_zero(of<double>({1e300, 0.5}));
  EXPECT_TRUE(std::isinf(lanes<float>(d)[0]));
  EXPECT_EQ(lanes<uint32_t>(d)[3], 0u);
}

TEST(SimdOps, Loads) {
  const uint8_t mem[16] = {0x80, 0x01, 0xFF, 0x7F, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  EXPECT_EQ(lanes<int16_t>(load_extend<int8_t>(mem))[0], -128);
  EXPECT_EQ(lanes<uint16_t>(load_extend<uint8_t>(mem))[2], 0xFF);
  EXPECT_EQ(lanes<int32_t>(load_extend<int16_t>(mem))[1], 0x7FFF);
  EXPECT_EQ(lanes<uint32_t>(load_splat<uint32_t>(mem))[3], 0x7FFF0180u);
  Vec z = load_zero<uint32_t>(mem);
  EXPECT_EQ(lanes<uint32_t>(z)[0], 0x7FFF0180u);
  EXPECT_EQ(lanes<uint32_t>(z)[1], 0u);
}

}  // namespace
}  // namespace wrun::interp::simd
