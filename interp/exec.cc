// The interpreter's execution loop: direct-threaded dispatch with computed goto (GCC/Clang),
// or a switch over instruction ids elsewhere. Registers of the loop: ip (current instruction),
// fp (frame base: slot 0 of the running function), the instance, and its memory 0.
//
// Calls between wasm functions never recurse on the host stack: they push a CallFrame and
// continue in the same loop, with the callee's frame starting at the caller's argument slots
// (arguments are already in place; results come back in place). Host functions are called
// through their thunk; a host function calling back into wasm starts a nested activation
// above the caller's frame.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "interp/code.h"
#include "interp/float_ops.h"
#include "interp/simd_ops.h"
#include "interp/interp.h"
#include "runtime/backtrace.h"
#include "runtime/store.h"

#if defined(__GNUC__) || defined(__clang__)
#define WRUN_COMPUTED_GOTO 1
#define WRUN_LIKELY(x) __builtin_expect(!!(x), 1)
#define WRUN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WRUN_OPAQUE(p) __asm__("" : "+r"(p))  // the compiler forgets what it knew of p
#define WRUN_NOINLINE __attribute__((noinline))
#else
#define WRUN_COMPUTED_GOTO 0
#define WRUN_LIKELY(x) (x)
#define WRUN_UNLIKELY(x) (x)
#define WRUN_OPAQUE(p) ((void)0)
#define WRUN_NOINLINE
#endif

namespace wrun::interp {

using rt::Slot;

namespace {

struct CallFrame {
  const uint8_t* ret_ip;  // null marks the entry frame of an activation
  Slot* fp;
  const Code* code;
  rt::Instance* inst;
  rt::MemoryInst* mem;  // the caller's memory 0 (cached: instance switches are rare)
};

// Per-store interpreter state, shared by nested activations.
struct State {
  std::unique_ptr<Slot[]> stack;  // left uninitialised: pages are touched only when used
  Slot* stack_end = nullptr;
  Slot* sp = nullptr;  // first free slot above every live frame
  std::unique_ptr<CallFrame[]> frames;
  uint32_t num_frames = 0;
  uint32_t max_frames = 0;
};

State& state_of(rt::Store& store) {
  std::shared_ptr<void>& state = store.executor_state[rt::kInterpExecutor];
  if (!state) {
    auto st = std::make_shared<State>();
    const rt::StoreConfig& cfg = store.config;
    st->stack.reset(new Slot[cfg.value_stack_slots]);
    st->stack_end = st->stack.get() + cfg.value_stack_slots;
    st->sp = st->stack.get();
    st->max_frames = cfg.max_call_depth;
    st->frames.reset(new CallFrame[cfg.max_call_depth + 1]);
    state = st;
  }
  return *static_cast<State*>(state.get());
}

inline uint32_t u32_at(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t u64_at(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Typed views of slots. i32/f32 live in the low 32 bits, zero-extended.
inline uint32_t I32(Slot s) { return static_cast<uint32_t>(s); }
inline uint64_t I64(Slot s) { return s; }
inline float F32(Slot s) { return std::bit_cast<float>(static_cast<uint32_t>(s)); }
inline double F64(Slot s) { return std::bit_cast<double>(s); }
inline Slot PI32(uint32_t v) { return v; }
inline Slot PI64(uint64_t v) { return v; }
inline Slot PF32(float v) { return std::bit_cast<uint32_t>(v); }
inline Slot PF64(double v) { return std::bit_cast<uint64_t>(v); }
inline Slot PBool(bool b) { return b ? 1 : 0; }
// Immediate operands are 32-bit fields, sign-extended to the operand width.
inline uint32_t IMM_I32(uint32_t v) { return v; }
inline uint64_t IMM_I64(uint32_t v) { return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v))); }
// Immediates of binary instructions (at byte 16): 32 bits for i32 ops, 64 bits for i64 ops.
#define BIN_IMM_I32(ip) u32_at((ip) + 16)
#define BIN_IMM_I64(ip) u64_at((ip) + 16)

// Numeric instructions without traps: (name, operand view, result view, expression of a, b).
#define WRUN_BINARY_INT(X)                                                                   \
  X(I32Add, I32, PI32, a + b) X(I32Sub, I32, PI32, a - b) X(I32Mul, I32, PI32, a * b)      \
  X(I32And, I32, PI32, a & b) X(I32Or, I32, PI32, a | b) X(I32Xor, I32, PI32, a ^ b)       \
  X(I32Shl, I32, PI32, a << (b & 31)) X(I32ShrU, I32, PI32, a >> (b & 31))                 \
  X(I32ShrS, I32, PI32, static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31)))        \
  X(I32Rotl, I32, PI32, std::rotl(a, static_cast<int>(b & 31)))                            \
  X(I32Rotr, I32, PI32, std::rotr(a, static_cast<int>(b & 31)))                            \
  X(I32Eq, I32, PBool, a == b) X(I32Ne, I32, PBool, a != b)                                \
  X(I32LtS, I32, PBool, static_cast<int32_t>(a) < static_cast<int32_t>(b))                 \
  X(I32LtU, I32, PBool, a < b)                                                             \
  X(I32GtS, I32, PBool, static_cast<int32_t>(a) > static_cast<int32_t>(b))                 \
  X(I32GtU, I32, PBool, a > b)                                                             \
  X(I32LeS, I32, PBool, static_cast<int32_t>(a) <= static_cast<int32_t>(b))                \
  X(I32LeU, I32, PBool, a <= b)                                                            \
  X(I32GeS, I32, PBool, static_cast<int32_t>(a) >= static_cast<int32_t>(b))                \
  X(I32GeU, I32, PBool, a >= b)                                                            \
  X(I64Add, I64, PI64, a + b) X(I64Sub, I64, PI64, a - b) X(I64Mul, I64, PI64, a * b)      \
  X(I64And, I64, PI64, a & b) X(I64Or, I64, PI64, a | b) X(I64Xor, I64, PI64, a ^ b)       \
  X(I64Shl, I64, PI64, a << (b & 63)) X(I64ShrU, I64, PI64, a >> (b & 63))                 \
  X(I64ShrS, I64, PI64, static_cast<uint64_t>(static_cast<int64_t>(a) >> (b & 63)))        \
  X(I64Rotl, I64, PI64, std::rotl(a, static_cast<int>(b & 63)))                            \
  X(I64Rotr, I64, PI64, std::rotr(a, static_cast<int>(b & 63)))                            \
  X(I64Eq, I64, PBool, a == b) X(I64Ne, I64, PBool, a != b)                                \
  X(I64LtS, I64, PBool, static_cast<int64_t>(a) < static_cast<int64_t>(b))                 \
  X(I64LtU, I64, PBool, a < b)                                                             \
  X(I64GtS, I64, PBool, static_cast<int64_t>(a) > static_cast<int64_t>(b))                 \
  X(I64GtU, I64, PBool, a > b)                                                             \
  X(I64LeS, I64, PBool, static_cast<int64_t>(a) <= static_cast<int64_t>(b))                \
  X(I64LeU, I64, PBool, a <= b)                                                            \
  X(I64GeS, I64, PBool, static_cast<int64_t>(a) >= static_cast<int64_t>(b))                \
  X(I64GeU, I64, PBool, a >= b)
#define WRUN_BINARY_FLOAT(X)                                                               \
  X(F32Add, F32, PF32, a + b) X(F32Sub, F32, PF32, a - b) X(F32Mul, F32, PF32, a * b)      \
  X(F32Div, F32, PF32, a / b) X(F32Min, F32, PF32, wasm_min(a, b))                         \
  X(F32Max, F32, PF32, wasm_max(a, b)) X(F32Copysign, F32, PF32, f32_copysign(a, b))       \
  X(F32Eq, F32, PBool, a == b) X(F32Ne, F32, PBool, a != b) X(F32Lt, F32, PBool, a < b)    \
  X(F32Gt, F32, PBool, a > b) X(F32Le, F32, PBool, a <= b) X(F32Ge, F32, PBool, a >= b)    \
  X(F64Add, F64, PF64, a + b) X(F64Sub, F64, PF64, a - b) X(F64Mul, F64, PF64, a * b)      \
  X(F64Div, F64, PF64, a / b) X(F64Min, F64, PF64, wasm_min(a, b))                         \
  X(F64Max, F64, PF64, wasm_max(a, b)) X(F64Copysign, F64, PF64, f64_copysign(a, b))       \
  X(F64Eq, F64, PBool, a == b) X(F64Ne, F64, PBool, a != b) X(F64Lt, F64, PBool, a < b)    \
  X(F64Gt, F64, PBool, a > b) X(F64Le, F64, PBool, a <= b) X(F64Ge, F64, PBool, a >= b)

// Compares that fuse with a following br_if/if: (name, operand view, condition over a, b).
#define WRUN_COMPARES(X)                                                                   \
  X(I32Eq, I32, a == b) X(I32Ne, I32, a != b)                                              \
  X(I32LtS, I32, static_cast<int32_t>(a) < static_cast<int32_t>(b)) X(I32LtU, I32, a < b)  \
  X(I32GtS, I32, static_cast<int32_t>(a) > static_cast<int32_t>(b)) X(I32GtU, I32, a > b)  \
  X(I32LeS, I32, static_cast<int32_t>(a) <= static_cast<int32_t>(b)) X(I32LeU, I32, a <= b) \
  X(I32GeS, I32, static_cast<int32_t>(a) >= static_cast<int32_t>(b)) X(I32GeU, I32, a >= b) \
  X(I64Eq, I64, a == b) X(I64Ne, I64, a != b)                                              \
  X(I64LtS, I64, static_cast<int64_t>(a) < static_cast<int64_t>(b)) X(I64LtU, I64, a < b)  \
  X(I64GtS, I64, static_cast<int64_t>(a) > static_cast<int64_t>(b)) X(I64GtU, I64, a > b)  \
  X(I64LeS, I64, static_cast<int64_t>(a) <= static_cast<int64_t>(b)) X(I64LeU, I64, a <= b) \
  X(I64GeS, I64, static_cast<int64_t>(a) >= static_cast<int64_t>(b)) X(I64GeU, I64, a >= b)

#define WRUN_BINARY(X) WRUN_BINARY_INT(X) WRUN_BINARY_FLOAT(X)

#define WRUN_UNARY(X)                                                                        \
  X(I32Eqz, I32, PBool, a == 0) X(I64Eqz, I64, PBool, a == 0)                                \
  X(I32Clz, I32, PI32, static_cast<uint32_t>(std::countl_zero(a)))                           \
  X(I32Ctz, I32, PI32, static_cast<uint32_t>(std::countr_zero(a)))                           \
  X(I32Popcnt, I32, PI32, static_cast<uint32_t>(std::popcount(a)))                           \
  X(I64Clz, I64, PI64, static_cast<uint64_t>(std::countl_zero(a)))                           \
  X(I64Ctz, I64, PI64, static_cast<uint64_t>(std::countr_zero(a)))                           \
  X(I64Popcnt, I64, PI64, static_cast<uint64_t>(std::popcount(a)))                           \
  X(F32Abs, F32, PF32, f32_abs(a)) X(F32Neg, F32, PF32, f32_neg(a))                          \
  X(F32Ceil, F32, PF32, f32_ceil(a)) X(F32Floor, F32, PF32, f32_floor(a))                  \
  X(F32Trunc, F32, PF32, f32_trunc(a)) X(F32Nearest, F32, PF32, f32_nearest(a))          \
  X(F32Sqrt, F32, PF32, std::sqrt(a))                                                        \
  X(F64Abs, F64, PF64, f64_abs(a)) X(F64Neg, F64, PF64, f64_neg(a))                          \
  X(F64Ceil, F64, PF64, f64_ceil(a)) X(F64Floor, F64, PF64, f64_floor(a))                  \
  X(F64Trunc, F64, PF64, f64_trunc(a)) X(F64Nearest, F64, PF64, f64_nearest(a))          \
  X(F64Sqrt, F64, PF64, std::sqrt(a))                                                        \
  X(I32WrapI64, I64, PI32, static_cast<uint32_t>(a))                                         \
  X(I64ExtendI32S, I32, PI64, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)))) \
  X(I64ExtendI32U, I32, PI64, static_cast<uint64_t>(a))                                      \
  X(F32ConvertI32S, I32, PF32, static_cast<float>(static_cast<int32_t>(a)))                  \
  X(F32ConvertI32U, I32, PF32, static_cast<float>(a))                                        \
  X(F32ConvertI64S, I64, PF32, static_cast<float>(static_cast<int64_t>(a)))                  \
  X(F32ConvertI64U, I64, PF32, static_cast<float>(a))                                        \
  X(F32DemoteF64, F64, PF32, static_cast<float>(a))                                          \
  X(F64ConvertI32S, I32, PF64, static_cast<double>(static_cast<int32_t>(a)))                 \
  X(F64ConvertI32U, I32, PF64, static_cast<double>(a))                                       \
  X(F64ConvertI64S, I64, PF64, static_cast<double>(static_cast<int64_t>(a)))                 \
  X(F64ConvertI64U, I64, PF64, static_cast<double>(a))                                       \
  X(F64PromoteF32, F32, PF64, static_cast<double>(a))                                        \
  X(I32ReinterpretF32, I32, PI32, a) X(I64ReinterpretF64, I64, PI64, a)                      \
  X(F32ReinterpretI32, I32, PI32, a) X(F64ReinterpretI64, I64, PI64, a)                      \
  X(I32Extend8S, I32, PI32, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(a))))   \
  X(I32Extend16S, I32, PI32, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(a)))) \
  X(I64Extend8S, I64, PI64, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(a))))   \
  X(I64Extend16S, I64, PI64, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(a)))) \
  X(I64Extend32S, I64, PI64, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)))) \
  X(I32TruncSatF32S, F32, PI32, static_cast<uint32_t>(trunc_sat<int32_t>(a, kF32I32Lo, kF32I32Hi))) \
  X(I32TruncSatF32U, F32, PI32, trunc_sat<uint32_t>(a, kF32U32Lo, kF32U32Hi))                \
  X(I32TruncSatF64S, F64, PI32, static_cast<uint32_t>(trunc_sat<int32_t>(a, kF64I32Lo, kF64I32Hi))) \
  X(I32TruncSatF64U, F64, PI32, trunc_sat<uint32_t>(a, kF64U32Lo, kF64U32Hi))                \
  X(I64TruncSatF32S, F32, PI64, static_cast<uint64_t>(trunc_sat<int64_t>(a, kF32I64Lo, kF32I64Hi))) \
  X(I64TruncSatF32U, F32, PI64, trunc_sat<uint64_t>(a, kF32U64Lo, kF32U64Hi))                \
  X(I64TruncSatF64S, F64, PI64, static_cast<uint64_t>(trunc_sat<int64_t>(a, kF64I64Lo, kF64I64Hi))) \
  X(I64TruncSatF64U, F64, PI64, trunc_sat<uint64_t>(a, kF64U64Lo, kF64U64Hi))

// Loads: (name, C type read from memory, slot value built from the loaded `v`). The i32
// loads come first as their own list: they also exist as load-and-branch (code.h,
// WRUN_BRANCHING_LOADS).
#define WRUN_BRANCHING_LOAD_TYPES(X)                                                   \
  X(I32Load, uint32_t, PI32(v))                                                        \
  X(I32Load8S, int8_t, PI32(static_cast<uint32_t>(static_cast<int32_t>(v))))           \
  X(I32Load8U, uint8_t, PI32(v))                                                       \
  X(I32Load16S, int16_t, PI32(static_cast<uint32_t>(static_cast<int32_t>(v))))         \
  X(I32Load16U, uint16_t, PI32(v))
#define WRUN_LOADS(X)                                                                   \
  WRUN_BRANCHING_LOAD_TYPES(X)                                                          \
  X(I64Load, uint64_t, PI64(v)) X(F32Load, uint32_t, PI32(v)) X(F64Load, uint64_t, PI64(v)) \
  X(I64Load8S, int8_t, PI64(static_cast<uint64_t>(static_cast<int64_t>(v))))             \
  X(I64Load8U, uint8_t, PI64(v))                                                         \
  X(I64Load16S, int16_t, PI64(static_cast<uint64_t>(static_cast<int64_t>(v))))           \
  X(I64Load16U, uint16_t, PI64(v))                                                       \
  X(I64Load32S, int32_t, PI64(static_cast<uint64_t>(static_cast<int64_t>(v))))           \
  X(I64Load32U, uint32_t, PI64(v))
// Stores: (name, C type written to memory).
#define WRUN_STORES(X)                                                                     \
  X(I32Store, uint32_t) X(I64Store, uint64_t) X(F32Store, uint32_t) X(F64Store, uint64_t) \
  X(I32Store8, uint8_t) X(I32Store16, uint16_t) X(I64Store8, uint8_t) X(I64Store16, uint16_t) \
  X(I64Store32, uint32_t)

// SIMD (v128) handlers, one row per instruction: (name, function in simd_ops.h). Shapes:
// unary v128 -> v128; binary v128 v128 -> v128; shift v128 i32 -> v128; test v128 -> i32.
#define WRUN_SIMD_UNARY(X)                                                                     \
  X(V128Not, not_) X(I8x16Abs, abs<int8_t>) X(I8x16Neg, neg<uint8_t>) X(I8x16Popcnt, popcnt)   \
  X(I16x8Abs, abs<int16_t>) X(I16x8Neg, neg<uint16_t>) X(I32x4Abs, abs<int32_t>)               \
  X(I32x4Neg, neg<uint32_t>) X(I64x2Abs, abs<int64_t>) X(I64x2Neg, neg<uint64_t>)              \
  X(F32x4Abs, fabs<float>) X(F32x4Neg, fneg<float>) X(F32x4Sqrt, fsqrt<float>)                 \
  X(F32x4Ceil, ceil<float>) X(F32x4Floor, floor<float>) X(F32x4Trunc, trunc<float>)            \
  X(F32x4Nearest, nearest<float>) X(F64x2Abs, fabs<double>) X(F64x2Neg, fneg<double>)          \
  X(F64x2Sqrt, fsqrt<double>) X(F64x2Ceil, ceil<double>) X(F64x2Floor, floor<double>)          \
  X(F64x2Trunc, trunc<double>) X(F64x2Nearest, nearest<double>)                                \
  X(I16x8ExtendLowI8x16S, extend_low<int8_t>) X(I16x8ExtendHighI8x16S, extend_high<int8_t>)    \
  X(I16x8ExtendLowI8x16U, extend_low<uint8_t>) X(I16x8ExtendHighI8x16U, extend_high<uint8_t>)  \
  X(I32x4ExtendLowI16x8S, extend_low<int16_t>) X(I32x4ExtendHighI16x8S, extend_high<int16_t>)  \
  X(I32x4ExtendLowI16x8U, extend_low<uint16_t>)                                                \
  X(I32x4ExtendHighI16x8U, extend_high<uint16_t>)                                              \
  X(I64x2ExtendLowI32x4S, extend_low<int32_t>) X(I64x2ExtendHighI32x4S, extend_high<int32_t>)  \
  X(I64x2ExtendLowI32x4U, extend_low<uint32_t>)                                                \
  X(I64x2ExtendHighI32x4U, extend_high<uint32_t>)                                              \
  X(I16x8ExtaddPairwiseI8x16S, extadd_pairwise<int8_t>)                                        \
  X(I16x8ExtaddPairwiseI8x16U, extadd_pairwise<uint8_t>)                                       \
  X(I32x4ExtaddPairwiseI16x8S, extadd_pairwise<int16_t>)                                       \
  X(I32x4ExtaddPairwiseI16x8U, extadd_pairwise<uint16_t>)                                      \
  X(I32x4TruncSatF32x4S, i32x4_trunc_sat_f32x4_s) X(I32x4TruncSatF32x4U, i32x4_trunc_sat_f32x4_u) \
  X(I32x4TruncSatF64x2SZero, i32x4_trunc_sat_f64x2_s_zero)                                     \
  X(I32x4TruncSatF64x2UZero, i32x4_trunc_sat_f64x2_u_zero)                                     \
  X(F32x4ConvertI32x4S, f32x4_convert_i32x4_s) X(F32x4ConvertI32x4U, f32x4_convert_i32x4_u)    \
  X(F64x2ConvertLowI32x4S, f64x2_convert_low_i32x4_s)                                          \
  X(F64x2ConvertLowI32x4U, f64x2_convert_low_i32x4_u)                                          \
  X(F32x4DemoteF64x2Zero, f32x4_demote_f64x2_zero) X(F64x2PromoteLowF32x4, f64x2_promote_low_f32x4)

#define WRUN_SIMD_BINARY(X)                                                                    \
  X(I8x16Swizzle, swizzle) X(V128And, and_) X(V128AndNot, andnot) X(V128Or, or_)               \
  X(V128Xor, xor_)                                                                             \
  X(I8x16Eq, eq<uint8_t>) X(I8x16Ne, ne<uint8_t>) X(I8x16LtS, lt<int8_t>)                      \
  X(I8x16LtU, lt<uint8_t>) X(I8x16GtS, gt<int8_t>) X(I8x16GtU, gt<uint8_t>)                    \
  X(I8x16LeS, le<int8_t>) X(I8x16LeU, le<uint8_t>) X(I8x16GeS, ge<int8_t>)                     \
  X(I8x16GeU, ge<uint8_t>)                                                                     \
  X(I16x8Eq, eq<uint16_t>) X(I16x8Ne, ne<uint16_t>) X(I16x8LtS, lt<int16_t>)                   \
  X(I16x8LtU, lt<uint16_t>) X(I16x8GtS, gt<int16_t>) X(I16x8GtU, gt<uint16_t>)                 \
  X(I16x8LeS, le<int16_t>) X(I16x8LeU, le<uint16_t>) X(I16x8GeS, ge<int16_t>)                  \
  X(I16x8GeU, ge<uint16_t>)                                                                    \
  X(I32x4Eq, eq<uint32_t>) X(I32x4Ne, ne<uint32_t>) X(I32x4LtS, lt<int32_t>)                   \
  X(I32x4LtU, lt<uint32_t>) X(I32x4GtS, gt<int32_t>) X(I32x4GtU, gt<uint32_t>)                 \
  X(I32x4LeS, le<int32_t>) X(I32x4LeU, le<uint32_t>) X(I32x4GeS, ge<int32_t>)                  \
  X(I32x4GeU, ge<uint32_t>)                                                                    \
  X(I64x2Eq, eq<uint64_t>) X(I64x2Ne, ne<uint64_t>) X(I64x2LtS, lt<int64_t>)                   \
  X(I64x2GtS, gt<int64_t>) X(I64x2LeS, le<int64_t>) X(I64x2GeS, ge<int64_t>)                   \
  X(F32x4Eq, eq<float>) X(F32x4Ne, ne<float>) X(F32x4Lt, lt<float>) X(F32x4Gt, gt<float>)      \
  X(F32x4Le, le<float>) X(F32x4Ge, ge<float>)                                                  \
  X(F64x2Eq, eq<double>) X(F64x2Ne, ne<double>) X(F64x2Lt, lt<double>) X(F64x2Gt, gt<double>)  \
  X(F64x2Le, le<double>) X(F64x2Ge, ge<double>)                                                \
  X(I8x16NarrowI16x8S, narrow<int8_t>) X(I8x16NarrowI16x8U, narrow<uint8_t>)                   \
  X(I16x8NarrowI32x4S, narrow<int16_t>) X(I16x8NarrowI32x4U, narrow<uint16_t>)                 \
  X(I8x16Add, add<uint8_t>) X(I8x16AddSatS, add_sat<int8_t>) X(I8x16AddSatU, add_sat<uint8_t>) \
  X(I8x16Sub, sub<uint8_t>) X(I8x16SubSatS, sub_sat<int8_t>) X(I8x16SubSatU, sub_sat<uint8_t>) \
  X(I8x16MinS, min<int8_t>) X(I8x16MinU, min<uint8_t>) X(I8x16MaxS, max<int8_t>)               \
  X(I8x16MaxU, max<uint8_t>) X(I8x16AvgrU, avgr<uint8_t>)                                      \
  X(I16x8Add, add<uint16_t>) X(I16x8AddSatS, add_sat<int16_t>)                                 \
  X(I16x8AddSatU, add_sat<uint16_t>) X(I16x8Sub, sub<uint16_t>)                                \
  X(I16x8SubSatS, sub_sat<int16_t>) X(I16x8SubSatU, sub_sat<uint16_t>)                         \
  X(I16x8Mul, mul<uint16_t>) X(I16x8MinS, min<int16_t>) X(I16x8MinU, min<uint16_t>)            \
  X(I16x8MaxS, max<int16_t>) X(I16x8MaxU, max<uint16_t>) X(I16x8AvgrU, avgr<uint16_t>)         \
  X(I16x8Q15mulrSatS, q15mulr_sat)                                                             \
  X(I16x8ExtmulLowI8x16S, extmul_low<int8_t>) X(I16x8ExtmulHighI8x16S, extmul_high<int8_t>)    \
  X(I16x8ExtmulLowI8x16U, extmul_low<uint8_t>) X(I16x8ExtmulHighI8x16U, extmul_high<uint8_t>)  \
  X(I32x4Add, add<uint32_t>) X(I32x4Sub, sub<uint32_t>) X(I32x4Mul, mul<uint32_t>)             \
  X(I32x4MinS, min<int32_t>) X(I32x4MinU, min<uint32_t>) X(I32x4MaxS, max<int32_t>)            \
  X(I32x4MaxU, max<uint32_t>) X(I32x4DotI16x8S, dot_i16x8)                                     \
  X(I32x4ExtmulLowI16x8S, extmul_low<int16_t>) X(I32x4ExtmulHighI16x8S, extmul_high<int16_t>)  \
  X(I32x4ExtmulLowI16x8U, extmul_low<uint16_t>)                                                \
  X(I32x4ExtmulHighI16x8U, extmul_high<uint16_t>)                                              \
  X(I64x2Add, add<uint64_t>) X(I64x2Sub, sub<uint64_t>) X(I64x2Mul, mul<uint64_t>)             \
  X(I64x2ExtmulLowI32x4S, extmul_low<int32_t>) X(I64x2ExtmulHighI32x4S, extmul_high<int32_t>)  \
  X(I64x2ExtmulLowI32x4U, extmul_low<uint32_t>)                                                \
  X(I64x2ExtmulHighI32x4U, extmul_high<uint32_t>)                                              \
  X(F32x4Add, fadd<float>) X(F32x4Sub, fsub<float>) X(F32x4Mul, fmul<float>)                   \
  X(F32x4Div, fdiv<float>) X(F32x4Min, fmin<float>) X(F32x4Max, fmax<float>)                   \
  X(F32x4Pmin, pmin<float>) X(F32x4Pmax, pmax<float>)                                          \
  X(F64x2Add, fadd<double>) X(F64x2Sub, fsub<double>) X(F64x2Mul, fmul<double>)                \
  X(F64x2Div, fdiv<double>) X(F64x2Min, fmin<double>) X(F64x2Max, fmax<double>)                \
  X(F64x2Pmin, pmin<double>) X(F64x2Pmax, pmax<double>)

#define WRUN_SIMD_SHIFT(X)                                                                     \
  X(I8x16Shl, shl<uint8_t>) X(I8x16ShrS, shr<int8_t>) X(I8x16ShrU, shr<uint8_t>)               \
  X(I16x8Shl, shl<uint16_t>) X(I16x8ShrS, shr<int16_t>) X(I16x8ShrU, shr<uint16_t>)            \
  X(I32x4Shl, shl<uint32_t>) X(I32x4ShrS, shr<int32_t>) X(I32x4ShrU, shr<uint32_t>)            \
  X(I64x2Shl, shl<uint64_t>) X(I64x2ShrS, shr<int64_t>) X(I64x2ShrU, shr<uint64_t>)

#define WRUN_SIMD_TEST(X)                                                                      \
  X(V128AnyTrue, any_true) X(I8x16AllTrue, all_true<uint8_t>) X(I8x16Bitmask, bitmask<uint8_t>) \
  X(I16x8AllTrue, all_true<uint16_t>) X(I16x8Bitmask, bitmask<uint16_t>)                       \
  X(I32x4AllTrue, all_true<uint32_t>) X(I32x4Bitmask, bitmask<uint32_t>)                       \
  X(I64x2AllTrue, all_true<uint64_t>) X(I64x2Bitmask, bitmask<uint64_t>)

// scalar slot -> v128 (f32/f64 splat their bit patterns).
#define WRUN_SIMD_SPLAT(X)                                                                     \
  X(I8x16Splat, splat<uint8_t>) X(I16x8Splat, splat<uint16_t>) X(I32x4Splat, splat<uint32_t>)  \
  X(I64x2Splat, splat<uint64_t>) X(F32x4Splat, splat<uint32_t>) X(F64x2Splat, splat<uint64_t>)

// (name, lane type): extract_lane v128 -> scalar, replace_lane v128 scalar -> v128.
#define WRUN_SIMD_EXTRACT(X)                                                                   \
  X(I8x16ExtractLaneS, int8_t) X(I8x16ExtractLaneU, uint8_t) X(I16x8ExtractLaneS, int16_t)     \
  X(I16x8ExtractLaneU, uint16_t) X(I32x4ExtractLane, uint32_t) X(I64x2ExtractLane, uint64_t)   \
  X(F32x4ExtractLane, uint32_t) X(F64x2ExtractLane, uint64_t)
#define WRUN_SIMD_REPLACE(X)                                                                   \
  X(I8x16ReplaceLane, uint8_t) X(I16x8ReplaceLane, uint16_t) X(I32x4ReplaceLane, uint32_t)     \
  X(I64x2ReplaceLane, uint64_t) X(F32x4ReplaceLane, uint32_t) X(F64x2ReplaceLane, uint64_t)

// Loads: (name, bytes read, function building the v128 from them).
#define WRUN_SIMD_LOADS(X)                                                                     \
  X(V128Load, 16, load) X(V128Load8x8S, 8, load_extend<int8_t>)                                \
  X(V128Load8x8U, 8, load_extend<uint8_t>) X(V128Load16x4S, 8, load_extend<int16_t>)           \
  X(V128Load16x4U, 8, load_extend<uint16_t>) X(V128Load32x2S, 8, load_extend<int32_t>)         \
  X(V128Load32x2U, 8, load_extend<uint32_t>) X(V128Load8Splat, 1, load_splat<uint8_t>)         \
  X(V128Load16Splat, 2, load_splat<uint16_t>) X(V128Load32Splat, 4, load_splat<uint32_t>)      \
  X(V128Load64Splat, 8, load_splat<uint64_t>) X(V128Load32Zero, 4, load_zero<uint32_t>)        \
  X(V128Load64Zero, 8, load_zero<uint64_t>)
// Lane loads and stores: (name, lane type).
#define WRUN_SIMD_LOAD_LANE(X)                                                                 \
  X(V128Load8Lane, uint8_t) X(V128Load16Lane, uint16_t) X(V128Load32Lane, uint32_t)            \
  X(V128Load64Lane, uint64_t)
#define WRUN_SIMD_STORE_LANE(X)                                                                \
  X(V128Store8Lane, uint8_t) X(V128Store16Lane, uint16_t) X(V128Store32Lane, uint32_t)         \
  X(V128Store64Lane, uint64_t)

// Every SIMD table, for building the label table and the switch fallback.
#define WRUN_SIMD_ALL(X)                                                                       \
  WRUN_SIMD_UNARY(X) WRUN_SIMD_BINARY(X) WRUN_SIMD_SHIFT(X) WRUN_SIMD_TEST(X)                  \
  WRUN_SIMD_SPLAT(X) WRUN_SIMD_EXTRACT(X) WRUN_SIMD_REPLACE(X) WRUN_SIMD_LOADS(X)              \
  WRUN_SIMD_LOAD_LANE(X) WRUN_SIMD_STORE_LANE(X)

// Every other handler: (instruction id, label name).
#define WRUN_OTHER(X)                                                                         \
  X(id_of(Op::Unreachable), Unreachable) X(id_of(Op::Br), Br) X(id_of(Op::BrTable), BrTable)  \
  X(id_of(Op::Return), Return) X(id_of(Op::Call), Call) X(id_of(Op::CallIndirect), CallIndirect) \
  X(id_of(Op::Select), Select) X(id_of(Op::GlobalGet), GlobalGet)                             \
  X(id_of(Op::GlobalSet), GlobalSet) X(id_of(Op::TableGet), TableGet)                         \
  X(id_of(Op::TableSet), TableSet) X(id_of(Op::MemorySize), MemorySize)                       \
  X(id_of(Op::MemoryGrow), MemoryGrow) X(id_of(Op::I32Const), I32Const)                       \
  X(id_of(Op::I64Const), I64Const) X(id_of(Op::RefNull), RefNull)                             \
  X(id_of(Op::RefIsNull), RefIsNull) X(id_of(Op::RefFunc), RefFunc)                           \
  X(id_of(Op::MemoryInit), MemoryInit) X(id_of(Op::DataDrop), DataDrop)                       \
  X(id_of(Op::MemoryCopy), MemoryCopy) X(id_of(Op::MemoryFill), MemoryFill)                   \
  X(id_of(Op::TableInit), TableInit) X(id_of(Op::ElemDrop), ElemDrop)                         \
  X(id_of(Op::TableCopy), TableCopy) X(id_of(Op::TableGrow), TableGrow)                       \
  X(id_of(Op::TableSize), TableSize) X(id_of(Op::TableFill), TableFill)                       \
  X(id_of(Op::I32DivS), I32DivS) X(id_of(Op::I32DivU), I32DivU) X(id_of(Op::I32RemS), I32RemS) \
  X(id_of(Op::I32RemU), I32RemU) X(id_of(Op::I64DivS), I64DivS) X(id_of(Op::I64DivU), I64DivU) \
  X(id_of(Op::I64RemS), I64RemS) X(id_of(Op::I64RemU), I64RemU)                               \
  X(id_of(Op::I32TruncF32S), I32TruncF32S) X(id_of(Op::I32TruncF32U), I32TruncF32U)           \
  X(id_of(Op::I32TruncF64S), I32TruncF64S) X(id_of(Op::I32TruncF64U), I32TruncF64U)           \
  X(id_of(Op::I64TruncF32S), I64TruncF32S) X(id_of(Op::I64TruncF32U), I64TruncF32U)           \
  X(id_of(Op::I64TruncF64S), I64TruncF64S) X(id_of(Op::I64TruncF64U), I64TruncF64U)           \
  X(kCopy, Copy) X(kCopy2, Copy2) X(kCopyN, CopyN) X(kBrIfZ, BrIfZ) X(kBrIfNz, BrIfNz)         \
  X(kSelect2, Select2) X(kGlobalGet2, GlobalGet2) X(kGlobalSet2, GlobalSet2) X(kCheck, Check)   \
  X(kInvalid, Invalid) X(kBrIfAndZ32, BrIfAndZ32) X(kBrIfAndNz32, BrIfAndNz32)                \
  X(kBrIfAndEqImm32, BrIfAndEqImm32) X(kBrIfAndNeImm32, BrIfAndNeImm32)                \
  X(kBrIfAddLtU32, BrIfAddLtU32) X(kBrIfAddGeU32, BrIfAddGeU32)                \
  X(kShrUAnd32, ShrUAnd32) X(kShrUAnd64, ShrUAnd64) X(kMulAdd32, MulAdd32)                   \
  X(kMulAdd64, MulAdd64) X(kAccW_MulAdd32, AccW_MulAdd32) X(kAccRB_MulAdd32, AccRB_MulAdd32)    \
  X(kAccRBW_MulAdd32, AccRBW_MulAdd32) X(kAccW_MulAdd64, AccW_MulAdd64)                       \
  X(kAccRB_MulAdd64, AccRB_MulAdd64) X(kAccRBW_MulAdd64, AccRBW_MulAdd64)                     \
  X(kAddImmBrNz32, AddImmBrNz32) X(kAddImmBrZ32, AddImmBrZ32) X(kAddImmBr32, AddImmBr32)          \
  X(kSubImmBrNz32, SubImmBrNz32) X(kSubImmBrZ32, SubImmBrZ32) X(kCopyBytesFwd, CopyBytesFwd)   \
  X(kCopyBytesBwd, CopyBytesBwd) X(kFillBytes, FillBytes) X(kCallArgs, CallArgs)              \
  X(kScanZeroWord, ScanZeroWord) X(kScanZeroByte, ScanZeroByte)              \
  X(kBrIfHasZeroByte, BrIfHasZeroByte) X(kBrIfNoZeroByte, BrIfNoZeroByte)                     \
  X(kConstBr, ConstBr) X(kBrTableS8, BrTableS8)                                               \
  X(kBrTableFwd, BrTableFwd) X(kBrTableFwdS8, BrTableFwdS8) X(kJump, Jump)                    \
  X(id_of(Op::V128Const), V128Const) X(id_of(Op::V128Store), V128Store)  \
  X(id_of(Op::I8x16Shuffle), I8x16Shuffle) X(id_of(Op::V128Bitselect), V128Bitselect)

// What the loop reports when it stops.
struct Exit {
  std::optional<Trap> trap;  // set when it trapped
};

const void* const* g_labels = nullptr;

Trap make_trap(TrapKind kind) { return Trap::make(kind); }

// The backtrace frame for code at ip (the name stays in the module until a kept frame copies it).
rt::FrameSource frame_source(const Code* code, const uint8_t* ip) {
  rt::FrameSource f;
  f.func_index = code->func_index;
  if (code->module) f.func_name = code->module->func_name(code->func_index);
  f.code_offset = code->module_offset_at(ip);
  return f;
}

// The frames of the activation that is trapping, innermost first, as (code, ip): run() notes
// them while it walks its call stack (add_frame), and array_call() adds them to the trap when run()
// returns, bounded and with only the kept names copied (finish_backtrace). The walk in run()
// is a loop of out-of-line calls on purpose: the compiler's register choice for the whole
// interpreter loop hangs on it. A callback reaching run()'s ip and code put them in memory
// (keccak 31 -> 85 ms); other shapes of the walk kept the frame pointer in memory (one or two
// more instructions per call, counted with callgrind).
thread_local std::vector<std::pair<const Code*, const uint8_t*>> t_trace;

// Never throws, so no frame noted can be left behind for the next trap: without memory for
// it a frame is left out.
WRUN_NOINLINE void add_frame(const Code* code, const uint8_t* ip) noexcept {
  try {
    t_trace.emplace_back(code, ip);
  } catch (...) {
  }
}

WRUN_NOINLINE void finish_backtrace(Trap& trap) {
  struct Clear {  // also when building a frame throws
    ~Clear() { t_trace.clear(); }
  } clear;
  rt::append_backtrace(trap, t_trace.size(),
                       [](size_t i) { return frame_source(t_trace[i].first, t_trace[i].second); });
}

// Runs from the entry frame (already pushed at st.frames[entry]) until it returns or traps.
// With init_only, only publishes the label table.
void run(rt::Store* store_ptr, State* state_ptr, const uint8_t* ip, Slot* fp, const Code* code,
         rt::Instance* inst, Exit& exit, bool init_only) {
#if WRUN_COMPUTED_GOTO
  static const void* labels[kNumInstrIds];
  if (init_only) {
    for (auto& l : labels) l = &&L_Invalid;
#define WRUN_SET(id, name) labels[id] = &&L_##name;
#define WRUN_SET_NUM(name, ...) labels[id_of(Op::name)] = &&L_##name;
    WRUN_OTHER(WRUN_SET)
    WRUN_BINARY(WRUN_SET_NUM) WRUN_UNARY(WRUN_SET_NUM) WRUN_LOADS(WRUN_SET_NUM) WRUN_STORES(WRUN_SET_NUM)
    WRUN_SIMD_ALL(WRUN_SET_NUM)
#define WRUN_SET_IMM(name, ...) labels[kImm_##name] = &&L_Imm_##name;
#define WRUN_SET_BR(name, ...)        \
  labels[kBrIf_##name] = &&L_BrIf_##name; \
  labels[kBrIfImm_##name] = &&L_BrIfImm_##name;
    WRUN_BINARY_INT(WRUN_SET_IMM) WRUN_COMPARES(WRUN_SET_BR)
    labels[kRSubImm32] = &&L_RSubImm32;
#define WRUN_SET_ADDR(name, ...)           \
  labels[kAddr_##name] = &&L_Addr_##name; \
  labels[kAddr2_##name] = &&L_Addr2_##name;
    WRUN_LOADS(WRUN_SET_ADDR) WRUN_STORES(WRUN_SET_ADDR)
    labels[kRSubImm64] = &&L_RSubImm64;
#define WRUN_SET_CHAIN_II(op1, op2) labels[kChainII_##op1##_##op2] = &&L_ChainII_##op1##_##op2;
#define WRUN_SET_CHAIN_RI(op1, op2) labels[kChainRI_##op1##_##op2] = &&L_ChainRI_##op1##_##op2;
    WRUN_CHAIN_IMM_PAIRS(WRUN_SET_CHAIN_II) WRUN_CHAIN_REG_PAIRS(WRUN_SET_CHAIN_RI)
#undef WRUN_SET_CHAIN_II
#undef WRUN_SET_CHAIN_RI
#define WRUN_SET_LOAD_BR(name, ...)                \
  labels[kLoadBrNz_##name] = &&L_LoadBrNz_##name; \
  labels[kLoadBrZ_##name] = &&L_LoadBrZ_##name;   \
  labels[kStepLoadBrNz_##name] = &&L_StepLoadBrNz_##name; \
  labels[kStepLoadBrZ_##name] = &&L_StepLoadBrZ_##name;
    WRUN_BRANCHING_LOAD_TYPES(WRUN_SET_LOAD_BR)
#define WRUN_SET_STORE_IMM(name) labels[kStoreImm_##name] = &&L_StoreImm_##name;
    WRUN_CONST_STORES(WRUN_SET_STORE_IMM)
#undef WRUN_SET_STORE_IMM
#define WRUN_SET_ACC(name, ...)                   \
  labels[kAccW_##name] = &&L_AccW_##name;         \
  labels[kAccRA_##name] = &&L_AccRA_##name;       \
  labels[kAccRB_##name] = &&L_AccRB_##name;       \
  labels[kAccRAW_##name] = &&L_AccRAW_##name;     \
  labels[kAccRBW_##name] = &&L_AccRBW_##name;     \
  labels[kAccImmW_##name] = &&L_AccImmW_##name;   \
  labels[kAccImmRA_##name] = &&L_AccImmRA_##name; \
  labels[kAccImmRAW_##name] = &&L_AccImmRAW_##name;
    WRUN_BINARY_INT(WRUN_SET_ACC)
    labels[id_of(Op::F32Const)] = &&L_I32Const;
    labels[id_of(Op::F64Const)] = &&L_I64Const;
    g_labels = labels;
    return;
  }
#define DISPATCH() goto* reinterpret_cast<const void*>(u64_at(ip))
#else
  if (init_only) return;
#define DISPATCH() goto dispatch
#endif
#define NEXT(n)  \
  do {           \
    ip += (n);   \
    DISPATCH();  \
  } while (0)
#define TRAP(k)                  \
  do {                           \
    trap_kind = TrapKind::k;     \
    goto trap;                   \
  } while (0)
#define OP(off) u32_at(ip + (off))
#define S(off) fp[OP(off)]

  rt::Store& store = *store_ptr;
  State& st = *state_ptr;
  // The call-frame stack pointer lives in a local; st.num_frames is synced around host calls
  // (which may start nested activations) and on exit.
  CallFrame* frames = st.frames.get();
  CallFrame* frame = frames + st.num_frames;
  CallFrame* const frame_limit = frames + st.max_frames;
  rt::MemoryInst* mem_inst = inst->memories.empty() ? nullptr : inst->memories[0];
  uint8_t* mem = nullptr;
  uint64_t mem_size = 0;
  TrapKind trap_kind = TrapKind::Unreachable;
  // The accumulator: a temporary passed from one instruction to the next (code.h, kAcc*).
  Slot acc = 0;
  std::optional<Trap> host_trap;
  // Shared by call and call_indirect (set before jumping to do_call).
  rt::FuncInst* callee = nullptr;
  Slot* args = nullptr;
  const uint8_t* next = nullptr;
// Memory 0 may have grown (or the instance changed) after calls and memory.grow.
#define RELOAD_MEM()                \
  do {                              \
    if (mem_inst) {                 \
      mem = mem_inst->base;         \
      mem_size = mem_inst->size_bytes; \
    } else {                        \
      mem = nullptr;                \
      mem_size = 0;                 \
    }                               \
  } while (0)
// A taken branch. Backward branches (loop back edges) poll for fuel and interrupts, so no
// loop runs unchecked without a separate check instruction in its body.
#define TAKE_BRANCH(rel_word)                    \
  do {                                           \
    int32_t rel = static_cast<int32_t>(rel_word); \
    if (rel <= 0) POLL();                        \
    ip += rel;                                   \
    DISPATCH();                                  \
  } while (0)
// Fuel and interrupts: one relaxed load on the fast path (rt::Store::poll).
#define POLL()                                                                         \
  do {                                                                                 \
    if (WRUN_UNLIKELY(store.poll.load(std::memory_order_relaxed))) {                   \
      if (store.fuel_enabled) {                                                        \
        if (store.fuel == 0) TRAP(OutOfFuel);                                          \
        --store.fuel;                                                                  \
      }                                                                                \
      if (store.interrupt_requested.load(std::memory_order_relaxed)) TRAP(Interrupted); \
    }                                                                                  \
  } while (0)
// Bulk operations poll too, paying rt::bulk_fuel(bytes) before they start: a budget that
// cannot pay traps with nothing written and keeps what it had. Calls pay call_fuel (code.h).
#define POLL_UNITS(units)                                                              \
  do {                                                                                 \
    if (WRUN_UNLIKELY(store.poll.load(std::memory_order_relaxed))) {                   \
      if (store.fuel_enabled) {                                                        \
        const uint64_t cost = (units);                                                 \
        if (store.fuel < cost) TRAP(OutOfFuel);                                        \
        store.fuel -= cost;                                                            \
      }                                                                                \
      if (store.interrupt_requested.load(std::memory_order_relaxed)) TRAP(Interrupted); \
    }                                                                                  \
  } while (0)
#define POLL_BULK(bytes) POLL_UNITS(rt::bulk_fuel(bytes))
  RELOAD_MEM();

#if WRUN_COMPUTED_GOTO
  DISPATCH();
#else
dispatch:
  switch (u64_at(ip)) {
#define WRUN_CASE(id, name) \
  case id:                  \
    goto L_##name;
#define WRUN_CASE_NUM(name, ...) \
  case id_of(Op::name):          \
    goto L_##name;
    WRUN_OTHER(WRUN_CASE)
    WRUN_BINARY(WRUN_CASE_NUM) WRUN_UNARY(WRUN_CASE_NUM) WRUN_LOADS(WRUN_CASE_NUM) WRUN_STORES(WRUN_CASE_NUM)
    WRUN_SIMD_ALL(WRUN_CASE_NUM)
#define WRUN_CASE_IMM(name, ...) \
  case kImm_##name:              \
    goto L_Imm_##name;
#define WRUN_CASE_BR(name, ...) \
  case kBrIf_##name:            \
    goto L_BrIf_##name;         \
  case kBrIfImm_##name:         \
    goto L_BrIfImm_##name;
    WRUN_BINARY_INT(WRUN_CASE_IMM) WRUN_COMPARES(WRUN_CASE_BR)
    case kRSubImm32: goto L_RSubImm32;
#define WRUN_CASE_ADDR(name, ...) \
  case kAddr_##name:              \
    goto L_Addr_##name;           \
  case kAddr2_##name:             \
    goto L_Addr2_##name;
    WRUN_LOADS(WRUN_CASE_ADDR) WRUN_STORES(WRUN_CASE_ADDR)
    case kRSubImm64: goto L_RSubImm64;
#define WRUN_CASE_CHAIN_II(op1, op2) \
  case kChainII_##op1##_##op2:       \
    goto L_ChainII_##op1##_##op2;
#define WRUN_CASE_CHAIN_RI(op1, op2) \
  case kChainRI_##op1##_##op2:       \
    goto L_ChainRI_##op1##_##op2;
    WRUN_CHAIN_IMM_PAIRS(WRUN_CASE_CHAIN_II) WRUN_CHAIN_REG_PAIRS(WRUN_CASE_CHAIN_RI)
#undef WRUN_CASE_CHAIN_II
#undef WRUN_CASE_CHAIN_RI
#define WRUN_CASE_LOAD_BR(name, ...) \
  case kLoadBrNz_##name:             \
    goto L_LoadBrNz_##name;          \
  case kLoadBrZ_##name:              \
    goto L_LoadBrZ_##name;           \
  case kStepLoadBrNz_##name:         \
    goto L_StepLoadBrNz_##name;      \
  case kStepLoadBrZ_##name:          \
    goto L_StepLoadBrZ_##name;
    WRUN_BRANCHING_LOAD_TYPES(WRUN_CASE_LOAD_BR)
#define WRUN_CASE_STORE_IMM(name) \
  case kStoreImm_##name:          \
    goto L_StoreImm_##name;
    WRUN_CONST_STORES(WRUN_CASE_STORE_IMM)
#undef WRUN_CASE_STORE_IMM
#define WRUN_CASE_ACC(name, ...)                          \
  case kAccW_##name: goto L_AccW_##name;                  \
  case kAccRA_##name: goto L_AccRA_##name;                \
  case kAccRB_##name: goto L_AccRB_##name;                \
  case kAccRAW_##name: goto L_AccRAW_##name;              \
  case kAccRBW_##name: goto L_AccRBW_##name;              \
  case kAccImmW_##name: goto L_AccImmW_##name;            \
  case kAccImmRA_##name: goto L_AccImmRA_##name;          \
  case kAccImmRAW_##name: goto L_AccImmRAW_##name;
    WRUN_BINARY_INT(WRUN_CASE_ACC)
    case id_of(Op::F32Const): goto L_I32Const;
    case id_of(Op::F64Const): goto L_I64Const;
    default: goto L_Invalid;
  }
#endif

  // --- Numeric ----------------------------------------------------------------------------
#define WRUN_DEF_BIN(name, view, put, expr) \
  L_##name : {                              \
    auto a = view(S(12));                   \
    auto b = view(S(16));                   \
    S(8) = put(expr);                       \
    NEXT(24);                               \
  }
#define WRUN_DEF_UN(name, view, put, expr) \
  L_##name : {                             \
    auto a = view(S(12));                  \
    S(8) = put(expr);                      \
    NEXT(16);                              \
  }
  WRUN_BINARY(WRUN_DEF_BIN)
  WRUN_UNARY(WRUN_DEF_UN)
#define WRUN_DEF_IMM(name, view, put, expr) \
  L_Imm_##name : {                          \
    auto a = view(S(12));                   \
    auto b = BIN_IMM_##view(ip);            \
    S(8) = put(expr);                       \
    NEXT(24);                               \
  }
  WRUN_BINARY_INT(WRUN_DEF_IMM)
  // Accumulator forms (code.h): `acc` carries a temporary from one instruction to the next.
#define WRUN_DEF_ACC_AS(label, view, put, expr, a_from, b_from, store) \
  label : {                                                         \
    auto a = view(a_from);                                          \
    auto b = b_from;                                                \
    store = put(expr);                                              \
    NEXT(24);                                                       \
  }
#define WRUN_DEF_ACC(name, view, put, expr)                                                   \
  WRUN_DEF_ACC_AS(L_AccW_##name, view, put, expr, S(12), view(S(16)), acc)                    \
  WRUN_DEF_ACC_AS(L_AccRA_##name, view, put, expr, acc, view(S(16)), S(8))                    \
  WRUN_DEF_ACC_AS(L_AccRB_##name, view, put, expr, S(12), view(acc), S(8))                    \
  WRUN_DEF_ACC_AS(L_AccRAW_##name, view, put, expr, acc, view(S(16)), acc)                    \
  WRUN_DEF_ACC_AS(L_AccRBW_##name, view, put, expr, S(12), view(acc), acc)                    \
  WRUN_DEF_ACC_AS(L_AccImmW_##name, view, put, expr, S(12), BIN_IMM_##view(ip), acc)          \
  WRUN_DEF_ACC_AS(L_AccImmRA_##name, view, put, expr, acc, BIN_IMM_##view(ip), S(8))          \
  WRUN_DEF_ACC_AS(L_AccImmRAW_##name, view, put, expr, acc, BIN_IMM_##view(ip), acc)
  WRUN_BINARY_INT(WRUN_DEF_ACC)
#undef WRUN_DEF_ACC
#undef WRUN_DEF_ACC_AS
  L_RSubImm32 : {
    S(8) = PI32(u32_at(ip + 16) - I32(S(12)));
    NEXT(24);
  }
  L_RSubImm64 : {
    S(8) = PI64(u64_at(ip + 16) - I64(S(12)));
    NEXT(24);
  }
  L_ShrUAnd32 : {
    S(8) = PI32((I32(S(12)) >> (OP(16) & 31)) & OP(20));
    NEXT(24);
  }
  L_ShrUAnd64 : {
    S(8) = PI64((I64(S(12)) >> (OP(16) & 63)) & u64_at(ip + 24));
    NEXT(32);
  }
  // Two-operation chains (code.h, kChainII/kChainRI). The result goes to acc as well, for a
  // next instruction that reads it from there (lower.cc, acc_forms).
#define CHAIN_Add(x, y) ((x) + (y))
#define CHAIN_Sub(x, y) ((x) - (y))
#define CHAIN_RSub(x, y) ((y) - (x))
#define CHAIN_And(x, y) ((x) & (y))
#define CHAIN_Or(x, y) ((x) | (y))
#define CHAIN_Xor(x, y) ((x) ^ (y))
#define CHAIN_Shl(x, y) ((x) << ((y) & 31))
#define CHAIN_ShrU(x, y) ((x) >> ((y) & 31))
#define CHAIN_Rotl(x, y) std::rotl(static_cast<uint32_t>(x), static_cast<int>((y) & 31))
#define CHAIN_Rotr(x, y) std::rotr(static_cast<uint32_t>(x), static_cast<int>((y) & 31))
#define WRUN_DEF_CHAIN_II(op1, op2)                                      \
  L_ChainII_##op1##_##op2 : {                                            \
    const uint32_t t = CHAIN_##op1(I32(S(12)), OP(16));                  \
    acc = PI32(CHAIN_##op2(t, OP(20)));                                  \
    S(8) = acc;                                                          \
    NEXT(24);                                                            \
  }
#define WRUN_DEF_CHAIN_RI(op1, op2)                                      \
  L_ChainRI_##op1##_##op2 : {                                            \
    const uint32_t t = CHAIN_##op1(I32(S(12)), I32(S(16)));              \
    acc = PI32(CHAIN_##op2(t, OP(20)));                                  \
    S(8) = acc;                                                          \
    NEXT(24);                                                            \
  }
  WRUN_CHAIN_IMM_PAIRS(WRUN_DEF_CHAIN_II)
  WRUN_CHAIN_REG_PAIRS(WRUN_DEF_CHAIN_RI)
#undef WRUN_DEF_CHAIN_II
#undef WRUN_DEF_CHAIN_RI
#undef CHAIN_Add
#undef CHAIN_Sub
#undef CHAIN_RSub
#undef CHAIN_And
#undef CHAIN_Or
#undef CHAIN_Xor
#undef CHAIN_Shl
#undef CHAIN_ShrU
#undef CHAIN_Rotl
#undef CHAIN_Rotr
  // Multiply-add, and its accumulator forms (the result to acc, the addend c from acc).
#define WRUN_DEF_MUL_ADD_AS(label, view, put, addend, dst)     \
  label : {                                                    \
    dst = put(view(S(12)) * view(S(16)) + view(addend));       \
    NEXT(24);                                                  \
  }
#define WRUN_DEF_MUL_ADD(bits, view, put)                                 \
  WRUN_DEF_MUL_ADD_AS(L_MulAdd##bits, view, put, S(20), S(8))             \
  WRUN_DEF_MUL_ADD_AS(L_AccW_MulAdd##bits, view, put, S(20), acc)         \
  WRUN_DEF_MUL_ADD_AS(L_AccRB_MulAdd##bits, view, put, acc, S(8))         \
  WRUN_DEF_MUL_ADD_AS(L_AccRBW_MulAdd##bits, view, put, acc, acc)
  WRUN_DEF_MUL_ADD(32, I32, PI32)
  WRUN_DEF_MUL_ADD(64, I64, PI64)
#undef WRUN_DEF_MUL_ADD
#undef WRUN_DEF_MUL_ADD_AS
#define WRUN_DEF_STEP_BR(name, expr, test) \
  L_##name : {                             \
    uint32_t v = expr;                     \
    S(8) = PI32(v);                        \
    if (test) TAKE_BRANCH(OP(20));         \
    NEXT(24);                              \
  }
  WRUN_DEF_STEP_BR(AddImmBrNz32, I32(S(12)) + OP(16), v != 0)
  WRUN_DEF_STEP_BR(AddImmBrZ32, I32(S(12)) + OP(16), v == 0)
  WRUN_DEF_STEP_BR(SubImmBrNz32, I32(S(12)) - OP(16), v != 0)
  WRUN_DEF_STEP_BR(SubImmBrZ32, I32(S(12)) - OP(16), v == 0)
  WRUN_DEF_STEP_BR(AddImmBr32, I32(S(12)) + OP(16), true)
#undef WRUN_DEF_STEP_BR
#define HAS_ZERO_BYTE(w) ((((w) - 0x01010101u) & ~(w) & 0x80808080u) != 0)
  L_BrIfHasZeroByte : {
    uint32_t w = I32(S(8));
    if (HAS_ZERO_BYTE(w)) TAKE_BRANCH(OP(12));
    NEXT(16);
  }
  L_BrIfNoZeroByte : {
    uint32_t w = I32(S(8));
    if (!HAS_ZERO_BYTE(w)) TAKE_BRANCH(OP(12));
    NEXT(16);
  }
#undef HAS_ZERO_BYTE
  L_BrIfAndZ32 : {
    if ((I32(S(8)) & OP(12)) == 0) TAKE_BRANCH(OP(16));
    NEXT(24);
  }
  L_BrIfAndNz32 : {
    if ((I32(S(8)) & OP(12)) != 0) TAKE_BRANCH(OP(16));
    NEXT(24);
  }
  L_BrIfAndEqImm32 : {
    if ((I32(S(8)) & OP(12)) == OP(16)) TAKE_BRANCH(OP(20));
    NEXT(24);
  }
  L_BrIfAndNeImm32 : {
    if ((I32(S(8)) & OP(12)) != OP(16)) TAKE_BRANCH(OP(20));
    NEXT(24);
  }
  L_BrIfAddLtU32 : {
    if (I32(S(8)) + OP(12) < OP(16)) TAKE_BRANCH(OP(20));
    NEXT(24);
  }
  L_BrIfAddGeU32 : {
    if (I32(S(8)) + OP(12) >= OP(16)) TAKE_BRANCH(OP(20));
    NEXT(24);
  }
  // Compare-and-branch: a b rel / a imm rel.
#define WRUN_DEF_BR(name, view, expr)                       \
  L_BrIf_##name : {                                         \
    auto a = view(S(8));                                    \
    auto b = view(S(12));                                   \
    if (expr) TAKE_BRANCH(OP(16));                          \
    NEXT(24);                                               \
  }                                                         \
  L_BrIfImm_##name : {                                      \
    auto a = view(S(8));                                    \
    auto b = IMM_##view(OP(12));                            \
    if (expr) TAKE_BRANCH(OP(16));                          \
    NEXT(24);                                               \
  }
  WRUN_COMPARES(WRUN_DEF_BR)

  L_I32DivS : {
    int32_t a = static_cast<int32_t>(I32(S(12))), b = static_cast<int32_t>(I32(S(16)));
    if (b == 0) TRAP(IntegerDivideByZero);
    if (a == INT32_MIN && b == -1) TRAP(IntegerOverflow);
    S(8) = PI32(static_cast<uint32_t>(a / b));
    NEXT(24);
  }
  L_I32DivU : {
    uint32_t a = I32(S(12)), b = I32(S(16));
    if (b == 0) TRAP(IntegerDivideByZero);
    S(8) = PI32(a / b);
    NEXT(24);
  }
  L_I32RemS : {
    int32_t a = static_cast<int32_t>(I32(S(12))), b = static_cast<int32_t>(I32(S(16)));
    if (b == 0) TRAP(IntegerDivideByZero);
    S(8) = PI32(b == -1 ? 0 : static_cast<uint32_t>(a % b));
    NEXT(24);
  }
  L_I32RemU : {
    uint32_t a = I32(S(12)), b = I32(S(16));
    if (b == 0) TRAP(IntegerDivideByZero);
    S(8) = PI32(a % b);
    NEXT(24);
  }
  L_I64DivS : {
    int64_t a = static_cast<int64_t>(S(12)), b = static_cast<int64_t>(S(16));
    if (b == 0) TRAP(IntegerDivideByZero);
    if (a == INT64_MIN && b == -1) TRAP(IntegerOverflow);
    S(8) = PI64(static_cast<uint64_t>(a / b));
    NEXT(24);
  }
  L_I64DivU : {
    uint64_t a = S(12), b = S(16);
    if (b == 0) TRAP(IntegerDivideByZero);
    S(8) = PI64(a / b);
    NEXT(24);
  }
  L_I64RemS : {
    int64_t a = static_cast<int64_t>(S(12)), b = static_cast<int64_t>(S(16));
    if (b == 0) TRAP(IntegerDivideByZero);
    S(8) = PI64(b == -1 ? 0 : static_cast<uint64_t>(a % b));
    NEXT(24);
  }
  L_I64RemU : {
    uint64_t a = S(12), b = S(16);
    if (b == 0) TRAP(IntegerDivideByZero);
    S(8) = PI64(a % b);
    NEXT(24);
  }
#define WRUN_DEF_TRUNC(name, view, I, lo, hi)                          \
  L_##name : {                                                         \
    I out{};                                                           \
    switch (trunc_checked<I>(view(S(12)), lo, hi, out)) {              \
      case Conv::Nan: TRAP(InvalidConversion);                         \
      case Conv::Overflow: TRAP(IntegerOverflow);                      \
      case Conv::Ok: break;                                            \
    }                                                                  \
    S(8) = static_cast<Slot>(static_cast<std::make_unsigned_t<I>>(out)); \
    NEXT(16);                                                          \
  }
  WRUN_DEF_TRUNC(I32TruncF32S, F32, int32_t, kF32I32Lo, kF32I32Hi)
  WRUN_DEF_TRUNC(I32TruncF32U, F32, uint32_t, kF32U32Lo, kF32U32Hi)
  WRUN_DEF_TRUNC(I32TruncF64S, F64, int32_t, kF64I32Lo, kF64I32Hi)
  WRUN_DEF_TRUNC(I32TruncF64U, F64, uint32_t, kF64U32Lo, kF64U32Hi)
  WRUN_DEF_TRUNC(I64TruncF32S, F32, int64_t, kF32I64Lo, kF32I64Hi)
  WRUN_DEF_TRUNC(I64TruncF32U, F32, uint64_t, kF32U64Lo, kF32U64Hi)
  WRUN_DEF_TRUNC(I64TruncF64S, F64, int64_t, kF64I64Lo, kF64I64Hi)
  WRUN_DEF_TRUNC(I64TruncF64U, F64, uint64_t, kF64U64Lo, kF64U64Hi)

  // --- Memory -------------------------------------------------------------------------------
  // The effective address is computed in 64 bits, so addr + offset + size never wraps.
#define WRUN_DEF_LOAD(name, T, value)                                     \
  L_##name : {                                                            \
    uint64_t ea = uint64_t{I32(S(12))} + OP(16);                          \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v;                                                                  \
    std::memcpy(&v, mem + ea, sizeof(T));                                 \
    S(8) = value;                                                         \
    NEXT(24);                                                             \
  }
#define WRUN_DEF_STORE(name, T)                                           \
  L_##name : {                                                            \
    uint64_t ea = uint64_t{I32(S(8))} + OP(16);                           \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v = static_cast<T>(S(12));                                          \
    std::memcpy(mem + ea, &v, sizeof(T));                                 \
    NEXT(24);                                                             \
  }
  WRUN_LOADS(WRUN_DEF_LOAD)
  WRUN_STORES(WRUN_DEF_STORE)
  // Constant stores (code.h): addr offset imm.
#define WRUN_DEF_STORE_IMM(name, T)                                       \
  L_StoreImm_##name : {                                                   \
    uint64_t ea = uint64_t{I32(S(8))} + OP(12);                           \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v = static_cast<T>(static_cast<int64_t>(static_cast<int32_t>(OP(16)))); \
    std::memcpy(mem + ea, &v, sizeof(T));                                 \
    NEXT(24);                                                             \
  }
  WRUN_DEF_STORE_IMM(I32Store, uint32_t)
  WRUN_DEF_STORE_IMM(I32Store8, uint8_t)
  WRUN_DEF_STORE_IMM(I32Store16, uint16_t)
  WRUN_DEF_STORE_IMM(I64Store, uint64_t)
  WRUN_DEF_STORE_IMM(I64Store8, uint8_t)
  WRUN_DEF_STORE_IMM(I64Store16, uint16_t)
  WRUN_DEF_STORE_IMM(I64Store32, uint32_t)
#undef WRUN_DEF_STORE_IMM
  // Load-and-branch (code.h): the load above, then a branch on the value (`test` on v): the
  // value goes to S(dst), the offset is at `rel`, the instruction is `size` bytes.
#define WRUN_LOAD_THEN_BRANCH(T, value, address, dst, rel, size, test)      \
  {                                                                         \
    uint64_t ea = (address);                                                \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds);   \
    T v;                                                                    \
    std::memcpy(&v, mem + ea, sizeof(T));                                   \
    S(dst) = value;                                                         \
    if (test) TAKE_BRANCH(OP(rel));                                         \
    NEXT(size);                                                             \
  }
#define WRUN_DEF_LOAD_BR_AS(label, T, value, test) \
  label : WRUN_LOAD_THEN_BRANCH(T, value, uint64_t{I32(S(12))} + OP(16), 8, 20, 24, test)
// The stepping form: p = q + imm first, then the load from p (code.h).
#define WRUN_DEF_STEP_LOAD_BR_AS(label, T, value, test)                        \
  label : {                                                                    \
    uint32_t p = I32(S(12)) + OP(16);                                          \
    S(8) = PI32(p);                                                            \
    WRUN_LOAD_THEN_BRANCH(T, value, uint64_t{p} + OP(24), 20, 28, 32, test)    \
  }
#define WRUN_DEF_LOAD_BR(name, T, value)                               \
  WRUN_DEF_LOAD_BR_AS(L_LoadBrNz_##name, T, value, v != 0)             \
  WRUN_DEF_LOAD_BR_AS(L_LoadBrZ_##name, T, value, v == 0)              \
  WRUN_DEF_STEP_LOAD_BR_AS(L_StepLoadBrNz_##name, T, value, v != 0)    \
  WRUN_DEF_STEP_LOAD_BR_AS(L_StepLoadBrZ_##name, T, value, v == 0)
  WRUN_BRANCHING_LOAD_TYPES(WRUN_DEF_LOAD_BR)
#undef WRUN_DEF_LOAD_BR
#undef WRUN_DEF_LOAD_BR_AS
#undef WRUN_DEF_STEP_LOAD_BR_AS
#undef WRUN_LOAD_THEN_BRANCH
  // The same with a folded address add: the i32 sum wraps, then the offset is added in 64 bits.
#define WRUN_DEF_LOAD_ADDR(name, T, value)                                \
  L_Addr_##name : {                                                       \
    uint64_t ea = uint64_t{I32(S(12)) + OP(20)} + OP(16);                 \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v;                                                                  \
    std::memcpy(&v, mem + ea, sizeof(T));                                 \
    S(8) = value;                                                         \
    NEXT(24);                                                             \
  }
#define WRUN_DEF_STORE_ADDR(name, T)                                      \
  L_Addr_##name : {                                                       \
    uint64_t ea = uint64_t{I32(S(8)) + OP(20)} + OP(16);                  \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v = static_cast<T>(S(12));                                          \
    std::memcpy(mem + ea, &v, sizeof(T));                                 \
    NEXT(24);                                                             \
  }
  WRUN_LOADS(WRUN_DEF_LOAD_ADDR)
  WRUN_STORES(WRUN_DEF_STORE_ADDR)
#define WRUN_DEF_LOAD_ADDR2(name, T, value)                               \
  L_Addr2_##name : {                                                      \
    uint64_t ea = uint64_t{I32(S(12)) + I32(S(20))} + OP(16);             \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v;                                                                  \
    std::memcpy(&v, mem + ea, sizeof(T));                                 \
    S(8) = value;                                                         \
    NEXT(24);                                                             \
  }
#define WRUN_DEF_STORE_ADDR2(name, T)                                     \
  L_Addr2_##name : {                                                      \
    uint64_t ea = uint64_t{I32(S(8)) + I32(S(20))} + OP(16);              \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v = static_cast<T>(S(12));                                          \
    std::memcpy(mem + ea, &v, sizeof(T));                                 \
    NEXT(24);                                                             \
  }
  WRUN_LOADS(WRUN_DEF_LOAD_ADDR2)
  WRUN_STORES(WRUN_DEF_STORE_ADDR2)

  // Loop idioms (code.h): the whole byte loop that follows, when running it as one memmove or
  // memset is exact; otherwise fall through into the loop. n == 0 means 2^32 iterations
  // (the loop decrements before testing).
  L_CopyBytesFwd : {  // d s n t load_offset store_offset body_size
    if (!store.poll.load(std::memory_order_relaxed)) {
      uint32_t d = I32(S(8)), s = I32(S(12)), n = I32(S(16));
      uint64_t count = n ? n : uint64_t{1} << 32;
      uint64_t from = uint64_t{s} + OP(24), to = uint64_t{d} + OP(28);
      // Forward byte copying equals memmove unless the destination starts inside the source.
      if (from + count <= mem_size && to + count <= mem_size && (to <= from || to >= from + count)) {
        std::memmove(mem + to, mem + from, count);
        S(8) = PI32(d + static_cast<uint32_t>(count));
        S(12) = PI32(s + static_cast<uint32_t>(count));
        S(16) = 0;
        S(20) = PI32(mem[to + count - 1]);
        NEXT(40 + OP(32));
      }
    }
    NEXT(40);
  }
  L_CopyBytesBwd : {  // the same, stepping both pointers down before each byte
    if (!store.poll.load(std::memory_order_relaxed)) {
      uint32_t d = I32(S(8)), s = I32(S(12)), n = I32(S(16));
      uint64_t count = n ? n : uint64_t{1} << 32;
      if (count <= s && count <= d) {  // neither pointer wraps below zero
        uint64_t from = uint64_t{s - static_cast<uint32_t>(count)} + OP(24);
        uint64_t to = uint64_t{d - static_cast<uint32_t>(count)} + OP(28);
        // Backward byte copying equals memmove unless the source starts inside the destination.
        if (from + count <= mem_size && to + count <= mem_size && (to >= from || to + count <= from)) {
          std::memmove(mem + to, mem + from, count);
          S(8) = PI32(d - static_cast<uint32_t>(count));
          S(12) = PI32(s - static_cast<uint32_t>(count));
          S(16) = 0;
          S(20) = PI32(mem[to]);
          NEXT(40 + OP(32));
        }
      }
    }
    NEXT(40);
  }
  L_FillBytes : {  // d v n offset body_size
    if (!store.poll.load(std::memory_order_relaxed)) {
      uint32_t d = I32(S(8)), n = I32(S(16));
      uint64_t count = n ? n : uint64_t{1} << 32;
      uint64_t to = uint64_t{d} + OP(20);
      if (to + count <= mem_size) {
        std::memset(mem + to, static_cast<uint8_t>(S(12)), count);
        S(8) = PI32(d + static_cast<uint32_t>(count));
        S(16) = 0;
        NEXT(32 + OP(24));
      }
    }
    NEXT(32);
  }

  // Zero scans (code.h): iteration i loads from p0 + i * step + k (wrapping to 32 bits) +
  // offset and leaves p = p0 + (i + 1) * step, t = p0 + i * step + k_t and w = the loaded value.
  // The native loop stops at a zero (then the loop is skipped), at a load that would be out of
  // bounds, or at a pending poll (checked every 64K iterations); then the locals are written as
  // after the iterations done and the loop itself goes on from there.
#define WRUN_DEF_SCAN(name, T, has_zero)                                              \
  L_##name : {                                                                       \
    if (store.poll.load(std::memory_order_relaxed)) NEXT(40);                        \
    const uint32_t p0 = I32(S(8)), k = OP(12), step = sizeof(T);                     \
    const uint64_t offset = OP(16);                                                  \
    uint32_t p = p0, value = 0;                                                      \
    bool found = false;                                                              \
    for (uint32_t budget = 1u << 16;; --budget) {                                    \
      if (budget == 0) {                                                             \
        if (store.poll.load(std::memory_order_relaxed)) break;                       \
        budget = 1u << 16;                                                           \
      }                                                                              \
      const uint64_t ea = uint64_t{static_cast<uint32_t>(p + k)} + offset;           \
      if (ea + sizeof(T) > mem_size) break;                                          \
      T v;                                                                           \
      std::memcpy(&v, mem + ea, sizeof(T));                                          \
      value = v;                                                                     \
      p += step;                                                                     \
      if (has_zero) {                                                                \
        found = true;                                                                \
        break;                                                                       \
      }                                                                              \
    }                                                                                \
    if (p != p0) {                                                                   \
      S(24) = PI32(p - step + OP(28));                                               \
      S(20) = PI32(value);                                                           \
      S(8) = PI32(p);                                                                \
    }                                                                                \
    NEXT(found ? 40 + OP(32) : 40);                                                  \
  }
  WRUN_DEF_SCAN(ScanZeroWord, uint32_t, ((v - 0x01010101u) & ~v & 0x80808080u) != 0)
  WRUN_DEF_SCAN(ScanZeroByte, uint8_t, v == 0)
#undef WRUN_DEF_SCAN

  L_MemorySize : {
    S(8) = PI32(static_cast<uint32_t>(mem_size / kPageSize));
    NEXT(16);
  }
  L_MemoryGrow : {
    POLL_BULK(uint64_t{I32(S(12))} * kPageSize);
    int64_t old = inst->memories[0]->grow(I32(S(12)));
    RELOAD_MEM();
    S(8) = PI32(static_cast<uint32_t>(old));  // -1 on failure
    NEXT(16);
  }
  L_MemoryInit : {
    uint32_t seg = OP(8);
    Slot* a = &S(12);
    uint64_t d = I32(a[0]), s = I32(a[1]), n = I32(a[2]);
    POLL_BULK(n);
    std::span<const uint8_t> data = inst->data_segments[seg];
    if (s + n > data.size() || d + n > mem_size) TRAP(MemoryOutOfBounds);
    if (n) std::memcpy(mem + d, data.data() + s, n);
    NEXT(16);
  }
  L_DataDrop : {
    inst->data_segments[OP(8)] = {};
    NEXT(16);
  }
  L_MemoryCopy : {
    Slot* a = &S(8);
    uint64_t d = I32(a[0]), s = I32(a[1]), n = I32(a[2]);
    POLL_BULK(n);
    if (s + n > mem_size || d + n > mem_size) TRAP(MemoryOutOfBounds);
    if (n) std::memmove(mem + d, mem + s, n);
    NEXT(16);
  }
  L_MemoryFill : {
    Slot* a = &S(8);
    uint64_t d = I32(a[0]), n = I32(a[2]);
    POLL_BULK(n);
    if (d + n > mem_size) TRAP(MemoryOutOfBounds);
    if (n) std::memset(mem + d, static_cast<uint8_t>(a[1]), n);
    NEXT(16);
  }

  // --- SIMD (v128 operands span two slots; lane semantics in simd_ops.h) ---------------------
  // Every input is read before the result is written: dst usually overlaps the first operand.
#define VEC(off) simd::load(&S(off))
#define PUT_VEC(off, v) simd::store(&S(off), (v))
#define WRUN_DEF_SIMD_UN(name, fn) \
  L_##name : {                     \
    PUT_VEC(8, simd::fn(VEC(12))); \
    NEXT(16);                      \
  }
#define WRUN_DEF_SIMD_BIN(name, fn)         \
  L_##name : {                              \
    PUT_VEC(8, simd::fn(VEC(12), VEC(16))); \
    NEXT(24);                               \
  }
#define WRUN_DEF_SIMD_SHIFT(name, fn)          \
  L_##name : {                                 \
    PUT_VEC(8, simd::fn(VEC(12), I32(S(16)))); \
    NEXT(24);                                  \
  }
#define WRUN_DEF_SIMD_TEST(name, fn) \
  L_##name : {                       \
    S(8) = PI32(simd::fn(VEC(12)));  \
    NEXT(16);                        \
  }
#define WRUN_DEF_SIMD_SPLAT(name, fn) \
  L_##name : {                        \
    PUT_VEC(8, simd::fn(S(12)));      \
    NEXT(16);                         \
  }
#define WRUN_DEF_SIMD_EXTRACT(name, T)             \
  L_##name : {                                     \
    S(8) = simd::extract_lane<T>(VEC(12), OP(16)); \
    NEXT(24);                                      \
  }
#define WRUN_DEF_SIMD_REPLACE(name, T)                         \
  L_##name : {                                                 \
    PUT_VEC(8, simd::replace_lane<T>(VEC(12), OP(20), S(16))); \
    NEXT(24);                                                  \
  }
#define WRUN_DEF_SIMD_LOAD(name, bytes, fn)                              \
  L_##name : {                                                           \
    uint64_t ea = uint64_t{I32(S(12))} + OP(16);                         \
    if (WRUN_UNLIKELY(ea + (bytes) > mem_size)) TRAP(MemoryOutOfBounds); \
    PUT_VEC(8, simd::fn(mem + ea));                                      \
    NEXT(24);                                                            \
  }
  // Lane loads: dst addr vec offset lane; lane stores: addr vec offset lane.
#define WRUN_DEF_SIMD_LOAD_LANE(name, T)                                         \
  L_##name : {                                                                   \
    uint64_t ea = uint64_t{I32(S(12))} + OP(20);                                 \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds);       \
    PUT_VEC(8, simd::replace_lane<T>(VEC(16), OP(24), simd::read<T>(mem + ea))); \
    NEXT(32);                                                                    \
  }
#define WRUN_DEF_SIMD_STORE_LANE(name, T)                                  \
  L_##name : {                                                             \
    uint64_t ea = uint64_t{I32(S(8))} + OP(16);                            \
    if (WRUN_UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(MemoryOutOfBounds); \
    T v = static_cast<T>(simd::extract_lane<T>(VEC(12), OP(20)));          \
    std::memcpy(mem + ea, &v, sizeof(T));                                  \
    NEXT(24);                                                              \
  }
  WRUN_SIMD_UNARY(WRUN_DEF_SIMD_UN)
  WRUN_SIMD_BINARY(WRUN_DEF_SIMD_BIN)
  WRUN_SIMD_SHIFT(WRUN_DEF_SIMD_SHIFT)
  WRUN_SIMD_TEST(WRUN_DEF_SIMD_TEST)
  WRUN_SIMD_SPLAT(WRUN_DEF_SIMD_SPLAT)
  WRUN_SIMD_EXTRACT(WRUN_DEF_SIMD_EXTRACT)
  WRUN_SIMD_REPLACE(WRUN_DEF_SIMD_REPLACE)
  WRUN_SIMD_LOADS(WRUN_DEF_SIMD_LOAD)
  WRUN_SIMD_LOAD_LANE(WRUN_DEF_SIMD_LOAD_LANE)
  WRUN_SIMD_STORE_LANE(WRUN_DEF_SIMD_STORE_LANE)

  L_V128Store : {  // addr val offset
    uint64_t ea = uint64_t{I32(S(8))} + OP(16);
    if (WRUN_UNLIKELY(ea + 16 > mem_size)) TRAP(MemoryOutOfBounds);
    simd::store(mem + ea, VEC(12));
    NEXT(24);
  }
  L_V128Const : {  // dst, then the 16 bytes
    PUT_VEC(8, simd::load(ip + 12));
    NEXT(32);
  }
  L_I8x16Shuffle : {  // dst a b, then the 16 lane indices
    PUT_VEC(8, simd::shuffle(VEC(12), VEC(16), ip + 20));
    NEXT(40);
  }
  L_V128Bitselect : {
    PUT_VEC(8, simd::bitselect(VEC(12), VEC(16), VEC(20)));
    NEXT(24);
  }
#undef VEC
#undef PUT_VEC

  // --- Constants, variables, parametric -----------------------------------------------------
  L_I32Const : {
    S(8) = OP(12);
    NEXT(16);
  }
  L_I64Const : {
    S(8) = u64_at(ip + 12);
    NEXT(24);
  }
  L_Copy : {
    S(8) = S(12);
    NEXT(16);
  }
  L_Copy2 : {
    Slot* d = &S(8);
    Slot* s = &S(12);
    d[0] = s[0];
    d[1] = s[1];
    NEXT(16);
  }
  L_CopyN : {
    std::memmove(&S(8), &S(12), sizeof(Slot) * OP(16));
    NEXT(24);
  }
  L_Select : {
    S(8) = I32(S(20)) ? S(12) : S(16);
    NEXT(24);
  }
  L_Select2 : {
    Slot* d = &S(8);
    Slot* s = I32(S(20)) ? &S(12) : &S(16);
    Slot lo = s[0], hi = s[1];
    d[0] = lo;
    d[1] = hi;
    NEXT(24);
  }
  L_GlobalGet : {
    S(8) = inst->globals[OP(12)]->value[0];
    NEXT(16);
  }
  L_GlobalSet : {
    inst->globals[OP(8)]->value[0] = S(12);
    NEXT(16);
  }
  L_GlobalGet2 : {
    rt::GlobalInst* g = inst->globals[OP(12)];
    Slot* d = &S(8);
    d[0] = g->value[0];
    d[1] = g->value[1];
    NEXT(16);
  }
  L_GlobalSet2 : {
    rt::GlobalInst* g = inst->globals[OP(8)];
    Slot* s = &S(12);
    g->value[0] = s[0];
    g->value[1] = s[1];
    NEXT(16);
  }

  // --- References and tables ----------------------------------------------------------------
  L_RefNull : {
    S(8) = 0;
    NEXT(16);
  }
  L_RefIsNull : {
    S(8) = PBool(S(12) == 0);
    NEXT(16);
  }
  L_RefFunc : {
    S(8) = reinterpret_cast<uintptr_t>(inst->funcs[OP(12)]);
    NEXT(16);
  }
  L_TableGet : {
    rt::TableInst* t = inst->tables[OP(16)];
    uint32_t i = I32(S(12));
    if (i >= t->elems.size()) TRAP(TableOutOfBounds);
    S(8) = t->elems[i];
    NEXT(24);
  }
  L_TableSet : {
    rt::TableInst* t = inst->tables[OP(8)];
    uint32_t i = I32(S(12));
    if (i >= t->elems.size()) TRAP(TableOutOfBounds);
    t->elems[i] = S(16);
    NEXT(24);
  }
  L_TableSize : {
    S(8) = PI32(static_cast<uint32_t>(inst->tables[OP(12)]->elems.size()));
    NEXT(16);
  }
  L_TableGrow : {
    Slot* a = &S(8);
    POLL_BULK(uint64_t{I32(a[1])} * sizeof(Slot));
    int64_t old = inst->tables[OP(12)]->grow(I32(a[1]), a[0]);
    a[0] = PI32(static_cast<uint32_t>(old));
    NEXT(16);
  }
  L_TableFill : {
    rt::TableInst* t = inst->tables[OP(8)];
    Slot* a = &S(12);
    uint64_t i = I32(a[0]), n = I32(a[2]);
    POLL_BULK(n * sizeof(Slot));
    if (i + n > t->elems.size()) TRAP(TableOutOfBounds);
    std::fill_n(t->elems.begin() + static_cast<ptrdiff_t>(i), n, a[1]);
    NEXT(16);
  }
  L_TableCopy : {
    rt::TableInst* dt = inst->tables[OP(8)];
    rt::TableInst* st_ = inst->tables[OP(12)];
    Slot* a = &S(16);
    uint64_t d = I32(a[0]), s = I32(a[1]), n = I32(a[2]);
    POLL_BULK(n * sizeof(Slot));
    if (s + n > st_->elems.size() || d + n > dt->elems.size()) TRAP(TableOutOfBounds);
    if (n) std::memmove(dt->elems.data() + d, st_->elems.data() + s, n * sizeof(Slot));
    NEXT(24);
  }
  L_TableInit : {
    const std::vector<Slot>& seg = inst->elem_segments[OP(8)];
    rt::TableInst* t = inst->tables[OP(12)];
    Slot* a = &S(16);
    uint64_t d = I32(a[0]), s = I32(a[1]), n = I32(a[2]);
    POLL_BULK(n * sizeof(Slot));
    if (s + n > seg.size() || d + n > t->elems.size()) TRAP(TableOutOfBounds);
    if (n) std::memcpy(t->elems.data() + d, seg.data() + s, n * sizeof(Slot));
    NEXT(24);
  }
  L_ElemDrop : {
    inst->elem_segments[OP(8)].clear();
    inst->elem_segments[OP(8)].shrink_to_fit();
    NEXT(16);
  }

  // --- Control ------------------------------------------------------------------------------
  L_Unreachable : TRAP(Unreachable);
  L_Invalid : TRAP(Unreachable);
  L_Check : {
    POLL();
    NEXT(8);
  }
  L_Br : TAKE_BRANCH(OP(8));
  L_Jump : {
    ip += static_cast<int32_t>(OP(8));
    DISPATCH();
  }
  L_BrIfZ : {
    if (I32(S(8)) == 0) TAKE_BRANCH(OP(12));
    NEXT(16);
  }
  L_BrIfNz : {
    if (I32(S(8)) != 0) TAKE_BRANCH(OP(12));
    NEXT(16);
  }
  L_ConstBr : {
    S(8) = OP(12);
    TAKE_BRANCH(OP(16));
  }
#define WRUN_BR_TABLE(index)                                                             \
  {                                                                                      \
    uint32_t i = (index) + OP(24); /* a folded `i32.add x, bias` (cases from bias) */    \
    uint32_t count = OP(12);                                                             \
    if (i > count) i = count; /* the last entry is the default */                        \
    const uint8_t* entry = ip + 32 + 8 * size_t{i};                                      \
    uint32_t src = OP(16), n = OP(20), dst = u32_at(entry + 4);                          \
    if (n && dst != src) std::memmove(fp + dst, fp + src, n * sizeof(Slot));             \
    TAKE_BRANCH(u32_at(entry));                                                          \
  }
  L_BrTable : WRUN_BR_TABLE(I32(S(8)))
  L_BrTableS8 : WRUN_BR_TABLE(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(S(8)))))
#undef WRUN_BR_TABLE
#define WRUN_BR_TABLE_FWD(index)                                      \
  {                                                                   \
    uint32_t i = (index) + OP(24);                                    \
    uint32_t count = OP(12);                                          \
    if (i > count) i = count;                                         \
    ip += static_cast<int32_t>(u32_at(ip + 32 + 8 * size_t{i}));     \
    DISPATCH();                                                       \
  }
  L_BrTableFwd : WRUN_BR_TABLE_FWD(I32(S(8)))
  L_BrTableFwdS8 : WRUN_BR_TABLE_FWD(static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(S(8)))))
#undef WRUN_BR_TABLE_FWD
  L_Return : {
    uint32_t src = OP(8), n = OP(12);
    if (n == 1) fp[0] = fp[src];
    else if (n && src) std::memmove(fp, fp + src, n * sizeof(Slot));
    const CallFrame& f = *--frame;
    if (f.ret_ip == nullptr) {  // back to array_call()
      st.num_frames = static_cast<uint32_t>(frame - frames);
      return;
    }
    ip = f.ret_ip;
    fp = f.fp;
    code = f.code;
    inst = f.inst;
    mem_inst = f.mem;
    RELOAD_MEM();
    DISPATCH();
  }
  L_Call : {
    callee = inst->funcs[OP(8)];
    args = fp + OP(12);
    next = ip + 16;
    goto do_call;
  do_call:
    // Functions this interpreter compiled run in this loop; any other (a host function, code
    // of another executor) through its entry. Such a call is metered like a wasm call: a
    // loop-free chain of WASI calls must still run out of fuel, and an interrupt requested
    // meanwhile stops it at the next call.
    if (callee->entry != &array_call) {
      POLL();
      st.sp = fp + code->frame_slots;
      st.num_frames = static_cast<uint32_t>(frame - frames);
      host_trap = callee->entry(store, callee, inst, args);
      if (host_trap) goto trap;
      RELOAD_MEM();
      ip = next;
      DISPATCH();
    }
    {
      const Code* callee_code = static_cast<const Code*>(callee->code);
      if (WRUN_UNLIKELY(frame == frame_limit)) TRAP(StackExhausted);
      // (frame_slots is at most limits::kFrameSlots, so this compares sizes, never a pointer
      // past the stack.)
      if (WRUN_UNLIKELY(callee_code->frame_slots > static_cast<size_t>(st.stack_end - args)))
        TRAP(StackExhausted);
      POLL_UNITS(call_fuel(*callee_code));
      *frame++ = CallFrame{next, fp, code, inst, mem_inst};
      fp = args;
      code = callee_code;
      if (WRUN_UNLIKELY(callee->instance != inst)) {
        inst = callee->instance;
        mem_inst = inst->memories.empty() ? nullptr : inst->memories[0];
        RELOAD_MEM();
      }
      // Declared locals start at zero; most functions have only a few, so a plain loop beats
      // the memset call the compiler would turn it into (the empty asm hides the idiom).
      Slot* local = fp + code->param_slots;
      for (uint32_t n = code->zero_slots; n > 0; --n) {
        *local++ = 0;
        WRUN_OPAQUE(local);
      }
      ip = code->entry;
      DISPATCH();
    }
  }
  L_CallArgs : {  // func args n_locals n_consts, then the moves (code.h)
    const uint8_t* m = ip + 24;
    for (uint32_t n = OP(16); n > 0; --n, m += 8) fp[u32_at(m)] = fp[u32_at(m + 4)];
    for (uint32_t n = OP(20); n > 0; --n, m += 16) fp[u32_at(m)] = u64_at(m + 8);
    callee = inst->funcs[OP(8)];
    args = fp + OP(12);
    next = m;
    goto do_call;
  }
  L_CallIndirect : {
    rt::TableInst* t = inst->tables[OP(12)];
    uint32_t i = I32(S(20));
    if (i >= t->elems.size()) TRAP(UndefinedElement);
    callee = reinterpret_cast<rt::FuncInst*>(static_cast<uintptr_t>(t->elems[i]));
    if (!callee) TRAP(UninitializedElement);
    if (callee->type_id != inst->type_ids[OP(8)]) TRAP(IndirectCallTypeMismatch);
    args = fp + OP(16);
    next = ip + 24;
    goto do_call;
  }

trap : {
  Trap t = host_trap ? std::move(*host_trap) : make_trap(trap_kind);
  // Backtrace: the trapping instruction, then each caller up to this activation's entry.
  add_frame(code, ip);
  while (frame > frames) {
    const CallFrame& f = *--frame;
    if (f.ret_ip == nullptr) break;
    add_frame(f.code, f.ret_ip - 8);
  }
  st.num_frames = static_cast<uint32_t>(frame - frames);
  exit.trap = std::move(t);
  return;
}
#undef DISPATCH
#undef NEXT
#undef TRAP
#undef OP
#undef S
#undef RELOAD_MEM
#undef POLL
#undef TAKE_BRANCH
#undef POLL_BULK
#undef POLL_UNITS
}

const void* const* labels() {
  static const void* const* table = [] {
    Exit unused;
    run(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, unused, true);
    return g_labels;
  }();
  return table;
}

}  // namespace

uint64_t handler_word(uint16_t id) {
#if WRUN_COMPUTED_GOTO
  return reinterpret_cast<uintptr_t>(labels()[id]);
#else
  return id;
#endif
}

std::optional<Trap> array_call(rt::Store& store, rt::FuncInst* func, rt::Instance*, Slot* slots) {
  State& st = state_of(store);
  const Code* code = static_cast<const Code*>(func->code);
  Slot* fp = st.sp;
  if (st.num_frames >= st.max_frames || code->frame_slots > static_cast<size_t>(st.stack_end - fp))
    return Trap::make(TrapKind::StackExhausted);
  // Entering from the host costs no fuel, but zeroing many locals does (call_fuel).
  if (code->zero_slots >= kZeroSlotsPerFuel && store.poll.load(std::memory_order_relaxed) &&
      store.fuel_enabled) {
    const uint64_t cost = call_fuel(*code) - 1;
    if (store.fuel < cost) return Trap::make(TrapKind::OutOfFuel);
    store.fuel -= cost;
  }
  Slot* saved_sp = st.sp;
  std::memcpy(fp, slots, code->param_slots * sizeof(Slot));
  std::memset(fp + code->param_slots, 0, (code->local_slots - code->param_slots) * sizeof(Slot));
  st.frames[st.num_frames++] = CallFrame{nullptr, nullptr, nullptr, nullptr, nullptr};
  Exit exit;
  ++store.call_depth;  // nesting of activations (host -> wasm -> host -> wasm)
  run(&store, &st, code->entry, fp, code, func->instance, exit, false);
  --store.call_depth;
  st.sp = saved_sp;
  if (exit.trap) {
    finish_backtrace(*exit.trap);
    return std::move(exit.trap);
  }
  std::memcpy(slots, fp, code->result_slots * sizeof(Slot));
  return std::nullopt;
}

}  // namespace wrun::interp

namespace wrun::interp {

std::string disassemble(const Code& code) {
  // Reverse map from handler words to instruction ids.
  std::vector<std::pair<uint64_t, uint16_t>> ids;
  for (uint16_t id = 0; id < kNumInstrIds; ++id) ids.push_back({handler_word(id), id});
  auto name_of = [&](uint64_t word) -> std::string {
    for (auto [w, id] : ids) {
      if (w != word || w == handler_word(kInvalid)) continue;
      if (id < kOpCount) return op_name(static_cast<Op>(id));
      switch (id) {
        case kCopy: return "copy";
        case kCopy2: return "copy2";
        case kCopyN: return "copy_n";
        case kBrIfZ: return "br_if_z";
        case kBrIfNz: return "br_if_nz";
        case kSelect2: return "select2";
        case kGlobalGet2: return "global.get2";
        case kGlobalSet2: return "global.set2";
        case kCheck: return "check";
        case kRSubImm32: return "i32.rsub_imm";
#define WRUN_ADDR_NAME(name)                           \
  case kAddr_##name:                                   \
    return std::string(op_name(Op::name)) + "_addr";   \
  case kAddr2_##name:                                  \
    return std::string(op_name(Op::name)) + "_addr2";
          WRUN_MEMORY_OPS(WRUN_ADDR_NAME)
#undef WRUN_ADDR_NAME
        case kRSubImm64: return "i64.rsub_imm";
        case kBrIfAndZ32: return "br_if_and_z";
        case kBrIfAndNz32: return "br_if_and_nz";
        case kBrIfAndEqImm32: return "br_if_and_eq_imm";
        case kBrIfAndNeImm32: return "br_if_and_ne_imm";
        case kBrIfAddLtU32: return "br_if_add_lt_u";
        case kBrIfAddGeU32: return "br_if_add_ge_u";
        case kShrUAnd32: return "i32.shr_u_and";
        case kShrUAnd64: return "i64.shr_u_and";
        case kMulAdd32: return "i32.mul_add";
        case kMulAdd64: return "i64.mul_add";
        case kAccW_MulAdd32: return "i32.mul_add_to_acc";
        case kAccRB_MulAdd32: return "i32.mul_add_acc_c";
        case kAccRBW_MulAdd32: return "i32.mul_add_acc_c_to_acc";
        case kAccW_MulAdd64: return "i64.mul_add_to_acc";
        case kAccRB_MulAdd64: return "i64.mul_add_acc_c";
        case kAccRBW_MulAdd64: return "i64.mul_add_acc_c_to_acc";
        case kAddImmBrNz32: return "i32.add_imm_br_if_nz";
        case kAddImmBrZ32: return "i32.add_imm_br_if_z";
        case kAddImmBr32: return "i32.add_imm_br";
        case kSubImmBrNz32: return "i32.sub_imm_br_if_nz";
        case kSubImmBrZ32: return "i32.sub_imm_br_if_z";
        case kCopyBytesFwd: return "copy_bytes_loop";
        case kCopyBytesBwd: return "copy_bytes_backward_loop";
        case kFillBytes: return "fill_bytes_loop";
        case kScanZeroWord: return "scan_zero_word_loop";
        case kScanZeroByte: return "scan_zero_byte_loop";
        case kCallArgs: return "call_args";
        case kBrIfHasZeroByte: return "br_if_has_zero_byte";
        case kBrIfNoZeroByte: return "br_if_no_zero_byte";
        case kConstBr: return "const_br";
        case kBrTableS8: return "br_table_s8";
        case kBrTableFwd: return "br_table_fwd";
        case kBrTableFwdS8: return "br_table_fwd_s8";
        case kJump: return "jump";
#define WRUN_CHAIN_II_NAME(op1, op2) \
  case kChainII_##op1##_##op2: return "i32.chain_" #op1 "_imm_" #op2 "_imm";
#define WRUN_CHAIN_RI_NAME(op1, op2) \
  case kChainRI_##op1##_##op2: return "i32.chain_" #op1 "_" #op2 "_imm";
          WRUN_CHAIN_IMM_PAIRS(WRUN_CHAIN_II_NAME) WRUN_CHAIN_REG_PAIRS(WRUN_CHAIN_RI_NAME)
#undef WRUN_CHAIN_II_NAME
#undef WRUN_CHAIN_RI_NAME
#define WRUN_LOAD_BR_NAME(name)                                 \
  case kLoadBrNz_##name:                                        \
    return std::string(op_name(Op::name)) + "_br_if_nz";        \
  case kLoadBrZ_##name:                                         \
    return std::string(op_name(Op::name)) + "_br_if_z";          \
  case kStepLoadBrNz_##name:                                    \
    return "step_" + std::string(op_name(Op::name)) + "_br_if_nz"; \
  case kStepLoadBrZ_##name:                                     \
    return "step_" + std::string(op_name(Op::name)) + "_br_if_z";
          WRUN_BRANCHING_LOADS(WRUN_LOAD_BR_NAME)
#undef WRUN_LOAD_BR_NAME
#define WRUN_STORE_IMM_NAME(name) \
  case kStoreImm_##name:          \
    return std::string(op_name(Op::name)) + "_imm";
          WRUN_CONST_STORES(WRUN_STORE_IMM_NAME)
#undef WRUN_STORE_IMM_NAME
#define WRUN_IMM_NAME(name) \
  case kImm_##name:         \
    return std::string(op_name(Op::name)) + "_imm";
          WRUN_IMM_BINARY_OPS(WRUN_IMM_NAME)
#undef WRUN_IMM_NAME
#define WRUN_ACC_NAME(name)                                                       \
  case kAccW_##name: return std::string(op_name(Op::name)) + "_to_acc";           \
  case kAccRA_##name: return std::string(op_name(Op::name)) + "_acc_a";           \
  case kAccRB_##name: return std::string(op_name(Op::name)) + "_acc_b";           \
  case kAccRAW_##name: return std::string(op_name(Op::name)) + "_acc_a_to_acc";   \
  case kAccRBW_##name: return std::string(op_name(Op::name)) + "_acc_b_to_acc";   \
  case kAccImmW_##name: return std::string(op_name(Op::name)) + "_imm_to_acc";    \
  case kAccImmRA_##name: return std::string(op_name(Op::name)) + "_imm_acc_a";    \
  case kAccImmRAW_##name: return std::string(op_name(Op::name)) + "_imm_acc_a_to_acc";
          WRUN_IMM_BINARY_OPS(WRUN_ACC_NAME)
#undef WRUN_ACC_NAME
#define WRUN_BR_NAME(name, neg, swap) \
  case kBrIf_##name:                  \
    return std::string("br_if_") + op_name(Op::name); \
  case kBrIfImm_##name:               \
    return std::string("br_if_") + op_name(Op::name) + "_imm";
          WRUN_FUSED_COMPARES(WRUN_BR_NAME)
#undef WRUN_BR_NAME
        default: return "id" + std::to_string(id);
      }
    }
    return "?";
  };
  std::string out;
  const uint8_t* base = code.start();
  const auto offsets = code.offsets();
  size_t total = size_t{code.num_words} * 8;
  for (size_t i = 0; i < offsets.size(); ++i) {
    size_t pos = offsets[i].first;
    size_t end = i + 1 < offsets.size() ? offsets[i + 1].first : total;
    out += std::to_string(pos) + ": " + name_of(u64_at(base + pos));
    for (size_t p = pos + 8; p + 4 <= end; p += 4) out += " " + std::to_string(static_cast<int32_t>(u32_at(base + p)));
    out += "\n";
  }
  return out;
}

}  // namespace wrun::interp
