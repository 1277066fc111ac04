// Lane semantics of the fixed-width SIMD instructions (v128), as plain per-lane C++ on a
// 16-byte value; the interpreter's handlers (exec.cc) are thin wrappers around these. Loops
// over std::array lanes are simple enough for the compiler to vectorise where it can.
//
// Lane i of a shape TxN occupies bytes [i*sizeof(T), (i+1)*sizeof(T)) little-endian, which is
// also how a v128 sits in memory and in two consecutive frame slots (low 8 bytes first).
// Integer arithmetic is done on unsigned lanes widened to at least 32 bits, so no narrow lane
// ever promotes to a signed int that could overflow; float -> int conversions go through the
// checked helpers of float_ops.h.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>

#include "interp/float_ops.h"

namespace wrun::interp::simd {

static_assert(std::endian::native == std::endian::little,
              "lane order assumes a little-endian host, like the rest of the engine");

struct Vec {
  std::array<uint8_t, 16> bytes;
};

template <class T>
using Lanes = std::array<T, 16 / sizeof(T)>;
template <class T>
inline Lanes<T> lanes(const Vec& v) {
  return std::bit_cast<Lanes<T>>(v);
}
template <class T>
inline Vec vec(const Lanes<T>& l) {
  return std::bit_cast<Vec>(l);
}

inline Vec load(const void* p) {
  Vec v;
  std::memcpy(&v, p, 16);
  return v;
}
inline void store(void* p, const Vec& v) { std::memcpy(p, &v, 16); }

// --- Lane type helpers ---------------------------------------------------------------------
// The unsigned integer of N bytes (N = 1, 2, 4, 8).
template <size_t N>
using UintN = std::conditional_t<
    N == 1, uint8_t,
    std::conditional_t<N == 2, uint16_t, std::conditional_t<N == 4, uint32_t, uint64_t>>>;
// The unsigned integer of T's width (also for floats: the mask type of comparisons).
template <class T>
using Bits = UintN<sizeof(T)>;
// Unsigned arithmetic type for T's lanes: at least 32 bits, so nothing promotes to int.
template <class T>
using Wide = std::conditional_t<(sizeof(T) < 4), uint32_t, Bits<T>>;
// The integer type of twice T's width with T's signedness (extend, extmul, extadd).
template <class T>
using Twice = std::conditional_t<std::is_signed_v<T>, std::make_signed_t<UintN<2 * sizeof(T)>>,
                                 UintN<2 * sizeof(T)>>;
// The signed integer type of twice T's width (the source of a narrow to T).
template <class T>
using SignedTwice = std::make_signed_t<UintN<2 * sizeof(T)>>;

template <class T, class F>
inline Vec map(const Vec& a, F f) {
  Lanes<T> x = lanes<T>(a), r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = f(x[i]);
  return vec<T>(r);
}
template <class T, class F>
inline Vec zip(const Vec& a, const Vec& b, F f) {
  Lanes<T> x = lanes<T>(a), y = lanes<T>(b), r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = f(x[i], y[i]);
  return vec<T>(r);
}

// --- Constructing and taking apart ----------------------------------------------------------
// splat / replace_lane take the scalar as its slot (i32/f32 in the low 32 bits).
template <class T>
inline Vec splat(uint64_t slot) {
  Lanes<T> r;
  r.fill(static_cast<T>(slot));
  return vec<T>(r);
}
// T is the lane's integer type: signed lanes sign-extend to 32 bits (extract_lane_s).
template <class T>
inline uint64_t extract_lane(const Vec& v, uint32_t lane) {
  T x = lanes<T>(v)[lane];
  if constexpr (sizeof(T) < 4)
    return static_cast<uint32_t>(static_cast<int32_t>(x));
  else
    return static_cast<Bits<T>>(x);
}
template <class T>
inline Vec replace_lane(const Vec& v, uint32_t lane, uint64_t slot) {
  Lanes<T> r = lanes<T>(v);
  r[lane] = static_cast<T>(slot);
  return vec<T>(r);
}

// Lanes 0-15 pick from a, 16-31 from b (validated < 32).
inline Vec shuffle(const Vec& a, const Vec& b, const uint8_t* idx) {
  Vec r;
  for (size_t i = 0; i < 16; ++i) r.bytes[i] = idx[i] < 16 ? a.bytes[idx[i]] : b.bytes[idx[i] - 16];
  return r;
}
// Out-of-range indices select 0.
inline Vec swizzle(const Vec& a, const Vec& idx) {
  Vec r;
  for (size_t i = 0; i < 16; ++i) r.bytes[i] = idx.bytes[i] < 16 ? a.bytes[idx.bytes[i]] : 0;
  return r;
}

// --- Bitwise --------------------------------------------------------------------------------
inline Vec not_(const Vec& a) {
  return map<uint64_t>(a, [](uint64_t x) { return ~x; });
}
inline Vec and_(const Vec& a, const Vec& b) {
  return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & y; });
}
inline Vec andnot(const Vec& a, const Vec& b) {
  return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & ~y; });
}
inline Vec or_(const Vec& a, const Vec& b) {
  return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x | y; });
}
inline Vec xor_(const Vec& a, const Vec& b) {
  return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x ^ y; });
}
// Bits of a where c is 1, of b where c is 0.
inline Vec bitselect(const Vec& a, const Vec& b, const Vec& c) {
  Lanes<uint64_t> x = lanes<uint64_t>(a), y = lanes<uint64_t>(b), m = lanes<uint64_t>(c), r;
  for (size_t i = 0; i < 2; ++i) r[i] = (x[i] & m[i]) | (y[i] & ~m[i]);
  return vec<uint64_t>(r);
}
inline uint32_t any_true(const Vec& a) {
  Lanes<uint64_t> x = lanes<uint64_t>(a);
  return (x[0] | x[1]) != 0;
}
template <class T>
inline uint32_t all_true(const Vec& a) {
  Lanes<T> x = lanes<T>(a);
  return std::all_of(x.begin(), x.end(), [](T v) { return v != 0; });
}
// Bit i of the result is the sign bit of lane i.
template <class T>
inline uint32_t bitmask(const Vec& a) {
  Lanes<Bits<T>> x = lanes<Bits<T>>(a);
  uint32_t r = 0;
  for (size_t i = 0; i < x.size(); ++i)
    r |= static_cast<uint32_t>(x[i] >> (8 * sizeof(T) - 1)) << i;
  return r;
}

// --- Comparisons: all ones where true. T is the lane type (signedness / float picks the order).
template <class T, class Pred>
inline Vec compare(const Vec& a, const Vec& b, Pred pred) {
  Lanes<T> x = lanes<T>(a), y = lanes<T>(b);
  Lanes<Bits<T>> r;
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = pred(x[i], y[i]) ? static_cast<Bits<T>>(~Bits<T>{0}) : 0;
  return vec<Bits<T>>(r);
}
template <class T>
inline Vec eq(const Vec& a, const Vec& b) {
  return compare<T>(a, b, std::equal_to<>());
}
template <class T>
inline Vec ne(const Vec& a, const Vec& b) {
  return compare<T>(a, b, std::not_equal_to<>());
}
template <class T>
inline Vec lt(const Vec& a, const Vec& b) {
  return compare<T>(a, b, std::less<>());
}
template <class T>
inline Vec gt(const Vec& a, const Vec& b) {
  return compare<T>(a, b, std::greater<>());
}
template <class T>
inline Vec le(const Vec& a, const Vec& b) {
  return compare<T>(a, b, std::less_equal<>());
}
template <class T>
inline Vec ge(const Vec& a, const Vec& b) {
  return compare<T>(a, b, std::greater_equal<>());
}

// --- Integer arithmetic (T unsigned unless the operation is signed) --------------------------
template <class T>
inline Vec add(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return static_cast<T>(Wide<T>{x} + Wide<T>{y}); });
}
template <class T>
inline Vec sub(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return static_cast<T>(Wide<T>{x} - Wide<T>{y}); });
}
template <class T>
inline Vec mul(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return static_cast<T>(Wide<T>{x} * Wide<T>{y}); });
}
template <class T>
inline Vec neg(const Vec& a) {
  return map<T>(a, [](T x) { return static_cast<T>(Wide<T>{0} - Wide<T>{x}); });
}
// abs of the most negative value is itself (wraps), as the spec says.
template <class T>
inline Vec abs(const Vec& a) {
  using U = Bits<T>;
  return map<U>(
      a, [](U x) { return static_cast<T>(x) < 0 ? static_cast<U>(Wide<U>{0} - Wide<U>{x}) : x; });
}
template <class T>
inline Vec min(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return std::min(x, y); });
}
template <class T>
inline Vec max(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return std::max(x, y); });
}
// Rounding average of unsigned lanes; the sum cannot overflow the widened type.
template <class T>
inline Vec avgr(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return static_cast<T>((Wide<T>{x} + Wide<T>{y} + 1) / 2); });
}
inline Vec popcnt(const Vec& a) {
  return map<uint8_t>(a, [](uint8_t x) { return static_cast<uint8_t>(std::popcount(x)); });
}

// Saturating add/sub of 8- and 16-bit lanes: exact in int32, then clamped to T's range.
template <class T>
inline T saturate(int32_t v) {
  return static_cast<T>(
      std::clamp<int32_t>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
}
template <class T>
inline Vec add_sat(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return saturate<T>(int32_t{x} + int32_t{y}); });
}
template <class T>
inline Vec sub_sat(const Vec& a, const Vec& b) {
  return zip<T>(a, b, [](T x, T y) { return saturate<T>(int32_t{x} - int32_t{y}); });
}
// (x * y + 2^14) >> 15, saturated: only -32768 * -32768 overflows int16.
inline Vec q15mulr_sat(const Vec& a, const Vec& b) {
  return zip<int16_t>(a, b, [](int16_t x, int16_t y) {
    return saturate<int16_t>((int32_t{x} * int32_t{y} + 0x4000) >> 15);
  });
}

// Shifts take the count modulo the lane width. T: unsigned for shl/shr_u, signed for shr_s.
template <class T>
inline Vec shl(const Vec& a, uint32_t n) {
  const uint32_t k = n & (8 * sizeof(T) - 1);
  return map<T>(a, [k](T x) { return static_cast<T>(Wide<T>{x} << k); });
}
template <class T>
inline Vec shr(const Vec& a, uint32_t n) {
  const uint32_t k = n & (8 * sizeof(T) - 1);
  return map<T>(a, [k](T x) { return static_cast<T>(x >> k); });  // arithmetic for signed T
}

// --- Widening and narrowing -----------------------------------------------------------------
// T is the narrow source lane type; its signedness picks sign or zero extension.
template <class T, bool kHigh>
inline Lanes<Twice<T>> extend_half(const Vec& a) {
  Lanes<T> x = lanes<T>(a);
  Lanes<Twice<T>> r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = x[i + (kHigh ? r.size() : 0)];
  return r;
}
template <class T>
inline Vec extend_low(const Vec& a) {
  return vec(extend_half<T, false>(a));
}
template <class T>
inline Vec extend_high(const Vec& a) {
  return vec(extend_half<T, true>(a));
}

// Products of the widened halves; they fit the wide lane (even -128 * -128 in int16).
template <class T, bool kHigh>
inline Vec extmul(const Vec& a, const Vec& b) {
  using W = Twice<T>;
  Lanes<W> x = extend_half<T, kHigh>(a), y = extend_half<T, kHigh>(b), r;
  for (size_t i = 0; i < r.size(); ++i) {
    if constexpr (std::is_signed_v<W>)
      r[i] = static_cast<W>(int64_t{x[i]} * int64_t{y[i]});
    else
      r[i] = static_cast<W>(uint64_t{x[i]} * uint64_t{y[i]});
  }
  return vec<W>(r);
}
template <class T>
inline Vec extmul_low(const Vec& a, const Vec& b) {
  return extmul<T, false>(a, b);
}
template <class T>
inline Vec extmul_high(const Vec& a, const Vec& b) {
  return extmul<T, true>(a, b);
}

// Sums of adjacent lane pairs, widened (cannot overflow the wide lane).
template <class T>
inline Vec extadd_pairwise(const Vec& a) {
  using W = Twice<T>;
  Lanes<T> x = lanes<T>(a);
  Lanes<W> r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<W>(W{x[2 * i]} + W{x[2 * i + 1]});
  return vec<W>(r);
}

// i32x4.dot_i16x8_s: the two products fit int32, their sum may not: add them wrapping.
inline Vec dot_i16x8(const Vec& a, const Vec& b) {
  Lanes<int16_t> x = lanes<int16_t>(a), y = lanes<int16_t>(b);
  Lanes<uint32_t> r;
  for (size_t i = 0; i < r.size(); ++i) {
    int32_t p0 = int32_t{x[2 * i]} * int32_t{y[2 * i]};
    int32_t p1 = int32_t{x[2 * i + 1]} * int32_t{y[2 * i + 1]};
    r[i] = static_cast<uint32_t>(p0) + static_cast<uint32_t>(p1);
  }
  return vec<uint32_t>(r);
}

// Narrow to T (i8/u8 from i16, i16/u16 from i32): a's lanes then b's, read as signed and
// saturated to T's range.
template <class T>
inline Vec narrow(const Vec& a, const Vec& b) {
  using S = SignedTwice<T>;
  Lanes<S> x = lanes<S>(a), y = lanes<S>(b);
  Lanes<T> r;
  auto sat = [](S v) {
    return static_cast<T>(std::clamp<S>(v, static_cast<S>(std::numeric_limits<T>::min()),
                                        static_cast<S>(std::numeric_limits<T>::max())));
  };
  for (size_t i = 0; i < x.size(); ++i) {
    r[i] = sat(x[i]);
    r[i + x.size()] = sat(y[i]);
  }
  return vec<T>(r);
}

// --- Floating point (F is float or double) --------------------------------------------------
// Arithmetic NaN results follow the host's IEEE operations: a quiet NaN from a NaN operand,
// the default (canonical) NaN otherwise, which is what the spec allows.
template <class F>
inline Vec fadd(const Vec& a, const Vec& b) {
  return zip<F>(a, b, std::plus<>());
}
template <class F>
inline Vec fsub(const Vec& a, const Vec& b) {
  return zip<F>(a, b, std::minus<>());
}
template <class F>
inline Vec fmul(const Vec& a, const Vec& b) {
  return zip<F>(a, b, std::multiplies<>());
}
template <class F>
inline Vec fdiv(const Vec& a, const Vec& b) {
  return zip<F>(a, b, std::divides<>());
}
template <class F>
inline Vec fmin(const Vec& a, const Vec& b) {
  return zip<F>(a, b, wasm_min<F>);
}
template <class F>
inline Vec fmax(const Vec& a, const Vec& b) {
  return zip<F>(a, b, wasm_max<F>);
}
// Pseudo-min/max: exactly b < a ? b : a (so a NaN in a is returned unchanged).
template <class F>
inline Vec pmin(const Vec& a, const Vec& b) {
  return zip<F>(a, b, [](F x, F y) { return y < x ? y : x; });
}
template <class F>
inline Vec pmax(const Vec& a, const Vec& b) {
  return zip<F>(a, b, [](F x, F y) { return x < y ? y : x; });
}
// abs/neg only touch the sign bit (NaN payloads stay as they are).
template <class F>
inline Vec fabs(const Vec& a) {
  using U = Bits<F>;
  return map<U>(a, [](U x) { return static_cast<U>(x & ~(U{1} << (8 * sizeof(U) - 1))); });
}
template <class F>
inline Vec fneg(const Vec& a) {
  using U = Bits<F>;
  return map<U>(a, [](U x) { return static_cast<U>(x ^ (U{1} << (8 * sizeof(U) - 1))); });
}
template <class F>
inline Vec fsqrt(const Vec& a) {
  return map<F>(a, [](F x) { return std::sqrt(x); });
}
template <class F>
inline Vec ceil(const Vec& a) {
  return map<F>(a, [](F x) { return quiet_round<F>(x, std::ceil); });
}
template <class F>
inline Vec floor(const Vec& a) {
  return map<F>(a, [](F x) { return quiet_round<F>(x, std::floor); });
}
template <class F>
inline Vec trunc(const Vec& a) {
  return map<F>(a, [](F x) { return quiet_round<F>(x, std::trunc); });
}
template <class F>
inline Vec nearest(const Vec& a) {
  return map<F>(a, [](F x) { return quiet_round<F>(x, std::nearbyint); });
}

// --- Conversions ----------------------------------------------------------------------------
// Each converts the lanes of `a` of type From into lanes of type To; `zero_high` (the *_zero
// forms) converts the low lanes and zeroes the rest; From lanes past To's count are ignored
// (the *_low forms).
template <class From, class To, class F>
inline Vec convert(const Vec& a, F f) {
  Lanes<From> x = lanes<From>(a);
  Lanes<To> r{};
  for (size_t i = 0; i < std::min(x.size(), r.size()); ++i) r[i] = f(x[i]);
  return vec<To>(r);
}
inline Vec i32x4_trunc_sat_f32x4_s(const Vec& a) {
  return convert<float, int32_t>(
      a, [](float x) { return trunc_sat<int32_t>(x, kF32I32Lo, kF32I32Hi); });
}
inline Vec i32x4_trunc_sat_f32x4_u(const Vec& a) {
  return convert<float, uint32_t>(
      a, [](float x) { return trunc_sat<uint32_t>(x, kF32U32Lo, kF32U32Hi); });
}
inline Vec i32x4_trunc_sat_f64x2_s_zero(const Vec& a) {
  return convert<double, int32_t>(
      a, [](double x) { return trunc_sat<int32_t>(x, kF64I32Lo, kF64I32Hi); });
}
inline Vec i32x4_trunc_sat_f64x2_u_zero(const Vec& a) {
  return convert<double, uint32_t>(
      a, [](double x) { return trunc_sat<uint32_t>(x, kF64U32Lo, kF64U32Hi); });
}
inline Vec f32x4_convert_i32x4_s(const Vec& a) {
  return convert<int32_t, float>(a, [](int32_t x) { return static_cast<float>(x); });
}
inline Vec f32x4_convert_i32x4_u(const Vec& a) {
  return convert<uint32_t, float>(a, [](uint32_t x) { return static_cast<float>(x); });
}
inline Vec f64x2_convert_low_i32x4_s(const Vec& a) {
  return convert<int32_t, double>(a, [](int32_t x) { return static_cast<double>(x); });
}
inline Vec f64x2_convert_low_i32x4_u(const Vec& a) {
  return convert<uint32_t, double>(a, [](uint32_t x) { return static_cast<double>(x); });
}
// Rounds to nearest; out-of-range values become infinities (IEEE), NaNs stay (quiet) NaNs.
inline Vec f32x4_demote_f64x2_zero(const Vec& a) {
  return convert<double, float>(a, [](double x) { return static_cast<float>(x); });
}
inline Vec f64x2_promote_low_f32x4(const Vec& a) {
  return convert<float, double>(a, [](float x) { return static_cast<double>(x); });
}

// --- Memory ---------------------------------------------------------------------------------
// Readers of the bytes at p (bounds already checked): T is the memory lane type.
template <class T>
inline T read(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
// v128.loadNxM_s/u: M lanes of T widened to twice their width.
template <class T>
inline Vec load_extend(const uint8_t* p) {
  Lanes<Twice<T>> r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = read<T>(p + i * sizeof(T));
  return vec<Twice<T>>(r);
}
template <class T>
inline Vec load_splat(const uint8_t* p) {
  Lanes<T> r;
  r.fill(read<T>(p));
  return vec<T>(r);
}
template <class T>
inline Vec load_zero(const uint8_t* p) {
  Lanes<T> r{};
  r[0] = read<T>(p);
  return vec<T>(r);
}

}  // namespace wrun::interp::simd
