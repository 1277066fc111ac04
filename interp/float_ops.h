// Scalar float semantics shared by the scalar handlers (exec.cc) and the SIMD lanes
// (simd_ops.h): wasm min/max, NaN-quieting rounding, bit-exact abs/neg/copysign, and
// float -> int truncation without undefined behaviour.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace wrun::interp {

// The NaN that min and max give when an operand is one: the first operand's if it is a NaN,
// else the second's, quieted (as an x86 add of the two gives it, and the JIT computes it).
// Not a + b: the compiler may swap a commutative add's operands, and which NaN wins when both
// are one would then depend on the build.
template <class F>
F propagate_nan(F a, F b) {
  return std::isnan(a) ? a + a : b + b;
}
template <class F>
F wasm_min(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return propagate_nan(a, b);
  if (a == b) return std::signbit(a) ? a : b;  // min(-0, +0) = -0
  return a < b ? a : b;
}
template <class F>
F wasm_max(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return propagate_nan(a, b);
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
// libm's rounding functions may return a signalling NaN unchanged; wasm wants it quieted.
template <class F>
F quiet_round(F a, F (*round)(F)) {
  return std::isnan(a) ? a + a : round(a);
}
inline float f32_ceil(float a) { return quiet_round<float>(a, std::ceil); }
inline float f32_floor(float a) { return quiet_round<float>(a, std::floor); }
inline float f32_trunc(float a) { return quiet_round<float>(a, std::trunc); }
inline float f32_nearest(float a) { return quiet_round<float>(a, std::nearbyint); }
inline double f64_ceil(double a) { return quiet_round<double>(a, std::ceil); }
inline double f64_floor(double a) { return quiet_round<double>(a, std::floor); }
inline double f64_trunc(double a) { return quiet_round<double>(a, std::trunc); }
inline double f64_nearest(double a) { return quiet_round<double>(a, std::nearbyint); }
inline float f32_copysign(float a, float b) {
  uint32_t x = std::bit_cast<uint32_t>(a), y = std::bit_cast<uint32_t>(b);
  return std::bit_cast<float>((x & 0x7FFFFFFFu) | (y & 0x80000000u));
}
inline double f64_copysign(double a, double b) {
  uint64_t x = std::bit_cast<uint64_t>(a), y = std::bit_cast<uint64_t>(b);
  return std::bit_cast<double>((x & ~(uint64_t{1} << 63)) | (y & (uint64_t{1} << 63)));
}
inline float f32_abs(float a) {
  return std::bit_cast<float>(std::bit_cast<uint32_t>(a) & 0x7FFFFFFFu);
}
inline double f64_abs(double a) {
  return std::bit_cast<double>(std::bit_cast<uint64_t>(a) & ~(uint64_t{1} << 63));
}
inline float f32_neg(float a) {
  return std::bit_cast<float>(std::bit_cast<uint32_t>(a) ^ 0x80000000u);
}
inline double f64_neg(double a) {
  return std::bit_cast<double>(std::bit_cast<uint64_t>(a) ^ (uint64_t{1} << 63));
}

// Float -> int truncation. `lo` and `hi` are exclusive bounds of the valid input range.
enum class Conv { Ok, Nan, Overflow };
template <class I, class F>
inline Conv trunc_checked(F x, F lo, F hi, I& out) {
  if (std::isnan(x)) return Conv::Nan;
  if (!(x > lo && x < hi)) return Conv::Overflow;
  out = static_cast<I>(x);
  return Conv::Ok;
}
template <class I, class F>
inline I trunc_sat(F x, F lo, F hi) {
  if (std::isnan(x)) return 0;
  if (!(x > lo)) return std::numeric_limits<I>::min();
  if (!(x < hi)) return std::numeric_limits<I>::max();
  return static_cast<I>(x);
}

// Exclusive bounds for truncation, exact in the source float type.
constexpr float kF32I32Lo = -2147483904.0f, kF32I32Hi = 2147483648.0f;
constexpr float kF32U32Lo = -1.0f, kF32U32Hi = 4294967296.0f;
constexpr float kF32I64Lo = -9223373136366403584.0f, kF32I64Hi = 9223372036854775808.0f;
constexpr float kF32U64Lo = -1.0f, kF32U64Hi = 18446744073709551616.0f;
constexpr double kF64I32Lo = -2147483649.0, kF64I32Hi = 2147483648.0;
constexpr double kF64U32Lo = -1.0, kF64U32Hi = 4294967296.0;
constexpr double kF64I64Lo = -9223372036854777856.0, kF64I64Hi = 9223372036854775808.0;
constexpr double kF64U64Lo = -1.0, kF64U64Hi = 18446744073709551616.0;

}  // namespace wrun::interp
