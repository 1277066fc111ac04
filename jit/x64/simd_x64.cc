// The x86-64 backend's 128-bit SIMD (x64_backend.h), on SSE4.1 with SSSE3 (every SSE4.1 CPU
// has it); SSE4.2's pcmpgtq when the CPU has it.
//
// v128 values live in their two frame slots (8-byte aligned, so only movdqu/movups touch
// them) and never in the value cache: each instruction loads its v128 operands into
// temporaries it locks (simd_temp: xmm0-xmm7, never a home), computes, and stores its result
// back (simd_out, which first drops whatever the cache still maps to the two slots). Scalar
// operands and results (splat sources, lane values, shift counts, addresses, any_true and
// friends) go through the cache like any other. Constants (shuffle masks, sign masks, lookup
// tables) come from a 16-byte aligned pool after the code, so they serve as memory operands.
//
// Where x86 and wasm disagree the sequences follow V8's and LLVM's:
// - min/max run both operand orders and merge, so NaNs and signed zeros come out as wasm says;
// - trunc_sat clamps and repairs what cvttps2dq's 0x80000000 overflow value gets wrong;
// - i64x2 has no gt (before SSE4.2), abs or shr_s: dword compares, sign masks and the
//   ((x ^ m) >> n) - (m >> n) identity stand in;
// - i8x16 shifts go through 16-bit shifts and a byte mask (or a widening for shr_s).
#include <cstdio>
#include <mutex>

#include "jit/x64/x64_backend.h"

namespace wrun::jit::x64 {

using asmjit::imm;
using CC = x86::CondCode;
using Id = x86::Inst::Id;

namespace {

bool host_has_sse42() {
  static const bool has = asmjit::CpuInfo::host().features().x86().hasSSE4_2();
  return has;
}
bool host_has_ssse3() {
  static const bool has = asmjit::CpuInfo::host().features().x86().hasSSSE3();
  return has;
}

// The v128 in slots s, s+1 (or `size` bytes of it from byte `at`) as a memory operand.
x86::Mem v128_mem(uint32_t s, uint32_t at = 0, uint32_t size = 16) {
  return x86::ptr(x86::rsp, static_cast<int32_t>(8 + uint64_t{s} * 8 + at), size);
}

// cmpps/cmppd predicates.
constexpr uint32_t kCmpEq = 0, kCmpLt = 1, kCmpLe = 2, kCmpUnord = 3, kCmpNeq = 4;

}  // namespace

// --- Helpers ---------------------------------------------------------------------------------

bool X64Backend::simd_ok() {
  if (sse41_ && host_has_ssse3()) return true;
  static std::once_flag said;
  std::call_once(said, [] {
    std::fputs("wrun: this CPU lacks SSE4.1; functions using SIMD run on the interpreter\n",
               stderr);
  });
  return false;
}

x86::Xmm X64Backend::simd_temp() {
  const Reg r = alloc(true);
  set_locked(r, true);
  return xmm(r);
}

x86::Xmm X64Backend::simd_in(uint32_t s) {
  const x86::Xmm x = simd_temp();
  a_.movdqu(x, v128_mem(s));
  return x;
}

void X64Backend::simd_out(uint32_t dst, const x86::Xmm& x) {
  unmap(dst);
  unmap(dst + 1);
  a_.movdqu(v128_mem(dst), x);
}

x86::Mem X64Backend::v128_const(uint64_t lo, uint64_t hi) {
  for (const V128Const& c : v128_consts_)
    if (c.lo == lo && c.hi == hi) return x86::xmmword_ptr(c.label);
  v128_consts_.push_back({a_.newLabel(), lo, hi});
  return x86::xmmword_ptr(v128_consts_.back().label);
}

x86::Mem X64Backend::v128_splat8(uint8_t v) { return v128_splat64(v * 0x0101010101010101ull); }
x86::Mem X64Backend::v128_splat16(uint16_t v) { return v128_splat64(v * 0x0001000100010001ull); }
x86::Mem X64Backend::v128_splat32(uint32_t v) { return v128_splat64(v * 0x0000000100000001ull); }

void X64Backend::emit_v128_consts() {
  if (v128_consts_.empty()) return;
  a_.align(asmjit::AlignMode::kData, 16);  // functions start 16-byte aligned
  for (const V128Const& c : v128_consts_) {
    a_.bind(c.label);
    a_.embedUInt64(c.lo);
    a_.embedUInt64(c.hi);
  }
}

// x = (x > y) lanewise for signed i64 lanes; y is kept.
void X64Backend::i64x2_gt_s(const x86::Xmm& x, const x86::Xmm& y) {
  if (host_has_sse42()) {
    a_.pcmpgtq(x, y);
    return;
  }
  // The high dword decides unless the two are equal; then y - x borrows into it exactly when
  // x's low dword is above y's (unsigned).
  const x86::Xmm t = simd_temp(), u = simd_temp();
  a_.movdqa(t, y);
  a_.psubq(t, x);
  a_.movdqa(u, x);
  a_.pcmpeqd(u, y);
  a_.pand(t, u);
  a_.movdqa(u, x);
  a_.pcmpgtd(u, y);
  a_.por(t, u);
  a_.pshufd(x, t, imm(0xF5));  // each lane's high dword, twice
}

// --- Constants, moves, select, globals -------------------------------------------------------

bool X64Backend::simd_const(uint32_t dst, uint64_t lo, uint64_t hi) {
  if (!simd_ok()) return false;
  unmap(dst);
  unmap(dst + 1);
  const uint64_t half[2] = {lo, hi};
  for (uint32_t i = 0; i < 2; ++i) {
    if (fits_i32(half[i])) {
      a_.mov(slot_mem(dst + i), imm(static_cast<int32_t>(half[i])));
    } else {
      a_.mov(x86::r11, imm(half[i]));
      a_.mov(slot_mem(dst + i), x86::r11);
    }
  }
  return true;
}

void X64Backend::simd_select(uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) {
  lock(cond);
  std::optional<bool> constant;
  const CC cc = condition(cond, &constant);  // "take a"
  if (constant) {
    copy(dst, *constant ? a : b, ValType::V128);
    return;
  }
  // Only moves from here to the branch: the flags survive.
  const x86::Xmm x = simd_in(a);
  const x86::Xmm y = simd_in(b);
  asmjit::Label keep = a_.newLabel();
  a_.j(cc, keep);
  a_.movdqa(x, y);
  a_.bind(keep);
  simd_out(dst, x);
}

void X64Backend::simd_global_get(uint32_t global, uint32_t dst) {
  settle();
  const x86::Xmm x = simd_temp();
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.global(global))));
  a_.movdqu(x, x86::xmmword_ptr(x86::r11));
  simd_out(dst, x);
}

void X64Backend::simd_global_set(uint32_t global, uint32_t src) {
  settle();
  const x86::Xmm x = simd_in(src);
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.global(global))));
  a_.movdqu(x86::xmmword_ptr(x86::r11), x);
}

// --- Memory ----------------------------------------------------------------------------------

bool X64Backend::simd_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) {
  if (!has_memory_ || !simd_ok()) return false;
  switch (op) {
    case Op::V128Load:
    case Op::V128Load8x8S:
    case Op::V128Load8x8U:
    case Op::V128Load16x4S:
    case Op::V128Load16x4U:
    case Op::V128Load32x2S:
    case Op::V128Load32x2U:
    case Op::V128Load8Splat:
    case Op::V128Load16Splat:
    case Op::V128Load32Splat:
    case Op::V128Load64Splat:
    case Op::V128Load32Zero:
    case Op::V128Load64Zero:
      break;
    default:
      return false;
  }
  lock(addr);
  settle();
  // The register first: nothing may be allocated once address() has used r11.
  const x86::Xmm x = simd_temp();
  x86::Mem at = address(addr, m.offset);
  at.setSize(mem_access_bytes(op));
  memory_site(offset);
  switch (op) {
    case Op::V128Load:
      a_.movdqu(x, at);
      break;
    case Op::V128Load8x8S:
      a_.pmovsxbw(x, at);
      break;
    case Op::V128Load8x8U:
      a_.pmovzxbw(x, at);
      break;
    case Op::V128Load16x4S:
      a_.pmovsxwd(x, at);
      break;
    case Op::V128Load16x4U:
      a_.pmovzxwd(x, at);
      break;
    case Op::V128Load32x2S:
      a_.pmovsxdq(x, at);
      break;
    case Op::V128Load32x2U:
      a_.pmovzxdq(x, at);
      break;
    case Op::V128Load8Splat:  // r11 may be the index: read before written
      a_.movzx(x86::r11d, at);
      a_.imul(x86::r11d, x86::r11d, imm(0x01010101));
      a_.movd(x, x86::r11d);
      a_.pshufd(x, x, imm(0));
      break;
    case Op::V128Load16Splat:
      a_.movzx(x86::r11d, at);
      a_.imul(x86::r11d, x86::r11d, imm(0x00010001));
      a_.movd(x, x86::r11d);
      a_.pshufd(x, x, imm(0));
      break;
    case Op::V128Load32Splat:
      a_.movd(x, at);
      a_.pshufd(x, x, imm(0));
      break;
    case Op::V128Load64Splat:
      a_.movddup(x, at);
      break;
    case Op::V128Load32Zero:
      a_.movd(x, at);
      break;
    default:  // V128Load64Zero
      a_.movq(x, at);
      break;
  }
  simd_out(dst, x);
  return true;
}

bool X64Backend::simd_store(Op op, const MemArg& m, uint32_t addr, uint32_t value,
                            uint32_t offset) {
  if (!has_memory_ || op != Op::V128Store || !simd_ok()) return false;
  lock(addr);
  settle();
  const x86::Xmm x = simd_in(value);
  x86::Mem at = address(addr, m.offset);
  at.setSize(16);
  memory_site(offset);
  a_.movdqu(at, x);
  return true;
}

bool X64Backend::simd_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                                uint32_t vec, uint32_t offset) {
  if (!has_memory_ || !simd_ok()) return false;
  Id id;
  switch (op) {
    case Op::V128Load8Lane:
      id = Id::kIdPinsrb;
      break;
    case Op::V128Load16Lane:
      id = Id::kIdPinsrw;
      break;
    case Op::V128Load32Lane:
      id = Id::kIdPinsrd;
      break;
    case Op::V128Load64Lane:
      id = Id::kIdPinsrq;
      break;
    default:
      return false;
  }
  lock(addr);
  settle();
  const x86::Xmm x = simd_in(vec);  // dst overlaps the address and the vector: read both first
  x86::Mem at = address(addr, m.offset);
  at.setSize(mem_access_bytes(op));
  memory_site(offset);
  a_.emit(id, x, at, imm(lane));
  simd_out(dst, x);
  return true;
}

bool X64Backend::simd_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec,
                                 uint32_t offset) {
  if (!has_memory_ || !simd_ok()) return false;
  Id id;
  switch (op) {
    case Op::V128Store8Lane:
      id = Id::kIdPextrb;
      break;
    case Op::V128Store16Lane:
      id = Id::kIdPextrw;
      break;
    case Op::V128Store32Lane:
      id = Id::kIdPextrd;
      break;
    case Op::V128Store64Lane:
      id = Id::kIdPextrq;
      break;
    default:
      return false;
  }
  lock(addr);
  settle();
  const x86::Xmm x = simd_in(vec);
  x86::Mem at = address(addr, m.offset);
  at.setSize(mem_access_bytes(op));
  memory_site(offset);
  a_.emit(id, at, x, imm(lane));
  return true;
}

// --- Lanes and shuffles ----------------------------------------------------------------------

bool X64Backend::simd_lane(Op op, uint32_t lane, uint32_t dst, uint32_t a, uint32_t b) {
  if (!simd_ok()) return false;
  switch (op) {
    // Extraction reads the lane straight from the frame.
    case Op::I8x16ExtractLaneS:
    case Op::I8x16ExtractLaneU:
    case Op::I16x8ExtractLaneS:
    case Op::I16x8ExtractLaneU: {
      const bool byte = op == Op::I8x16ExtractLaneS || op == Op::I8x16ExtractLaneU;
      const bool sign = op == Op::I8x16ExtractLaneS || op == Op::I16x8ExtractLaneS;
      settle();
      const x86::Mem at = byte ? v128_mem(a, lane, 1) : v128_mem(a, lane * 2, 2);
      const x86::Gp r = def_gp(dst).r32();
      if (sign)
        a_.movsx(r, at);
      else
        a_.movzx(r, at);
      return true;
    }
    case Op::I32x4ExtractLane:
    case Op::I64x2ExtractLane: {
      const bool wide = op == Op::I64x2ExtractLane;
      settle();
      const x86::Gp r = def_gp(dst);
      if (wide)
        a_.mov(r, v128_mem(a, lane * 8, 8));
      else
        a_.mov(r.r32(), v128_mem(a, lane * 4, 4));
      return true;
    }
    case Op::F32x4ExtractLane:
    case Op::F64x2ExtractLane: {
      const bool wide = op == Op::F64x2ExtractLane;
      settle();
      const x86::Xmm r = def_xmm(dst);
      if (wide)
        a_.movsd(r, v128_mem(a, lane * 8, 8));
      else
        a_.movss(r, v128_mem(a, lane * 4, 4));
      return true;
    }
    case Op::I8x16ReplaceLane:
    case Op::I16x8ReplaceLane:
    case Op::I32x4ReplaceLane:
    case Op::I64x2ReplaceLane: {
      lock(b);
      settle();
      const x86::Gp v = in_gp(b, op == Op::I64x2ReplaceLane);
      const x86::Xmm x = simd_in(a);
      switch (op) {
        case Op::I8x16ReplaceLane:
          a_.pinsrb(x, v.r32(), imm(lane));
          break;
        case Op::I16x8ReplaceLane:
          a_.pinsrw(x, v.r32(), imm(lane));
          break;
        case Op::I32x4ReplaceLane:
          a_.pinsrd(x, v.r32(), imm(lane));
          break;
        default:
          a_.pinsrq(x, v.r64(), imm(lane));
          break;
      }
      simd_out(dst, x);
      return true;
    }
    case Op::F32x4ReplaceLane:
    case Op::F64x2ReplaceLane: {
      const bool wide = op == Op::F64x2ReplaceLane;
      lock(b);
      settle();
      const x86::Xmm v = in_xmm(b, wide);
      const x86::Xmm x = simd_in(a);
      if (!wide)
        a_.insertps(x, v, imm(lane << 4));
      else if (lane == 0)
        a_.movsd(x, v);
      else
        a_.movlhps(x, v);
      simd_out(dst, x);
      return true;
    }
    default:
      return false;
  }
}

bool X64Backend::simd_shuffle(const std::array<uint8_t, 16>& lanes, uint32_t dst, uint32_t a,
                              uint32_t b) {
  if (!simd_ok()) return false;
  settle();
  // pshufb zeroes a byte whose index has its top bit set: one mask per source, then or.
  uint8_t from_a[16], from_b[16];
  bool any_a = false, any_b = false;
  for (int i = 0; i < 16; ++i) {
    from_a[i] = lanes[i] < 16 ? lanes[i] : 0x80;
    from_b[i] = lanes[i] >= 16 ? lanes[i] - 16 : 0x80;
    any_a |= lanes[i] < 16;
    any_b |= lanes[i] >= 16;
  }
  auto pool = [&](const uint8_t* bytes) {
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < 8; ++i) {
      lo |= uint64_t{bytes[i]} << (8 * i);
      hi |= uint64_t{bytes[i + 8]} << (8 * i);
    }
    return v128_const(lo, hi);
  };
  x86::Xmm x;
  if (any_a) {
    x = simd_in(a);
    a_.pshufb(x, pool(from_a));
  }
  if (any_b) {
    const x86::Xmm y = simd_in(b);
    a_.pshufb(y, pool(from_b));
    if (any_a)
      a_.por(x, y);
    else
      x = y;
  }
  simd_out(dst, x);
  return true;
}

// --- Everything without immediates -----------------------------------------------------------

bool X64Backend::simd_op(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t c) {
  if (!simd_ok()) return false;
  if (op == Op::V128Bitselect) {  // (a & c) | (b & ~c)
    settle();
    const x86::Xmm x = simd_in(a), y = simd_in(b), m = simd_in(c);
    a_.pand(x, m);
    a_.pandn(m, y);
    a_.por(x, m);
    simd_out(dst, x);
    return true;
  }
  return simd_scalar(op, dst, a) || simd_shift(op, dst, a, b) || simd_unary(op, dst, a) ||
         simd_float(op, dst, a, b) || simd_binary(op, dst, a, b);
}

// Splats, any_true, all_true and bitmask: a scalar operand or result.
bool X64Backend::simd_scalar(Op op, uint32_t dst, uint32_t a) {
  switch (op) {
    case Op::I8x16Splat:
    case Op::I16x8Splat:
    case Op::I32x4Splat:
    case Op::F32x4Splat:
    case Op::I64x2Splat:
    case Op::F64x2Splat: {
      lock(a);
      settle();
      const bool wide = op == Op::I64x2Splat || op == Op::F64x2Splat;
      const x86::Xmm x = simd_temp();
      load_xmm(x, a, wide);
      switch (op) {
        case Op::I8x16Splat: {
          const x86::Xmm z = simd_temp();
          a_.pxor(z, z);
          a_.pshufb(x, z);
          break;
        }
        case Op::I16x8Splat:
          a_.pshuflw(x, x, imm(0));
          a_.pshufd(x, x, imm(0));
          break;
        case Op::I32x4Splat:
        case Op::F32x4Splat:
          a_.pshufd(x, x, imm(0));
          break;
        default:
          a_.punpcklqdq(x, x);
          break;
      }
      simd_out(dst, x);
      return true;
    }
    case Op::V128AnyTrue:
      settle();
      a_.mov(x86::r11, v128_mem(a, 0, 8));
      a_.or_(x86::r11, v128_mem(a, 8, 8));
      set_flags(dst, CC::kNE);
      return true;
    case Op::I8x16AllTrue:
    case Op::I16x8AllTrue:
    case Op::I32x4AllTrue:
    case Op::I64x2AllTrue: {
      settle();
      const x86::Xmm x = simd_in(a);
      const x86::Xmm z = simd_temp();
      a_.pxor(z, z);
      const Id eq = op == Op::I8x16AllTrue   ? Id::kIdPcmpeqb
                    : op == Op::I16x8AllTrue ? Id::kIdPcmpeqw
                    : op == Op::I32x4AllTrue ? Id::kIdPcmpeqd
                                             : Id::kIdPcmpeqq;
      a_.emit(eq, z, x);  // the zero lanes
      a_.ptest(z, z);
      set_flags(dst, CC::kE);
      return true;
    }
    case Op::I8x16Bitmask:
    case Op::I16x8Bitmask:
    case Op::I32x4Bitmask:
    case Op::I64x2Bitmask: {
      settle();
      const x86::Xmm x = simd_in(a);
      const x86::Gp r = def_gp(dst).r32();
      switch (op) {
        case Op::I8x16Bitmask:
          a_.pmovmskb(r, x);
          break;
        case Op::I16x8Bitmask:
          a_.packsswb(x, x);  // saturation keeps each sign
          a_.pmovmskb(r, x);
          a_.movzx(r, r.r8());
          break;
        case Op::I32x4Bitmask:
          a_.movmskps(r, x);
          break;
        default:
          a_.movmskpd(r, x);
          break;
      }
      return true;
    }
    default:
      return false;
  }
}

bool X64Backend::simd_shift(Op op, uint32_t dst, uint32_t a, uint32_t b) {
  enum Kind { kShl, kShrS, kShrU } kind;
  uint32_t bits;
  switch (op) {
    case Op::I8x16Shl:
      kind = kShl, bits = 8;
      break;
    case Op::I8x16ShrS:
      kind = kShrS, bits = 8;
      break;
    case Op::I8x16ShrU:
      kind = kShrU, bits = 8;
      break;
    case Op::I16x8Shl:
      kind = kShl, bits = 16;
      break;
    case Op::I16x8ShrS:
      kind = kShrS, bits = 16;
      break;
    case Op::I16x8ShrU:
      kind = kShrU, bits = 16;
      break;
    case Op::I32x4Shl:
      kind = kShl, bits = 32;
      break;
    case Op::I32x4ShrS:
      kind = kShrS, bits = 32;
      break;
    case Op::I32x4ShrU:
      kind = kShrU, bits = 32;
      break;
    case Op::I64x2Shl:
      kind = kShl, bits = 64;
      break;
    case Op::I64x2ShrS:
      kind = kShrS, bits = 64;
      break;
    case Op::I64x2ShrU:
      kind = kShrU, bits = 64;
      break;
    default:
      return false;
  }
  lock(b);
  settle();
  const x86::Xmm x = simd_in(a);
  // The count, taken modulo the lane width: an immediate, or in the low bits of an xmm (with
  // 8 added for the byte shifts' masks and widened shifts). Registers first, then r11.
  const bool known = is_const(b);
  const uint32_t k = static_cast<uint32_t>(val(b).bits) & (bits - 1);
  const bool wants_n = !(bits == 8 && kind == kShrS), wants_n8 = bits == 8;
  const x86::Xmm y = bits == 8 && kind == kShrS ? simd_temp() : x86::Xmm();
  const x86::Xmm m = bits == 64 && kind == kShrS ? simd_temp() : x86::Xmm();
  asmjit::Operand n = imm(k), n8 = imm(k + 8);
  if (!known) {
    const x86::Xmm xn = wants_n ? simd_temp() : x86::Xmm();
    const x86::Xmm xn8 = wants_n8 ? simd_temp() : x86::Xmm();
    load_gp(x86::r11d, b, false);
    a_.and_(x86::r11d, imm(bits - 1));
    if (wants_n) {
      a_.movd(xn, x86::r11d);
      n = xn;
    }
    if (wants_n8) {
      a_.add(x86::r11d, imm(8));
      a_.movd(xn8, x86::r11d);
      n8 = xn8;
    }
  }
  if (bits == 8 && kind == kShrS) {
    // Each byte into the top of a word, shifted arithmetically by 8 more, packed back.
    a_.movdqa(y, x);
    a_.punpcklbw(x, x);
    a_.punpckhbw(y, y);
    a_.emit(Id::kIdPsraw, x, n8);
    a_.emit(Id::kIdPsraw, y, n8);
    a_.packsswb(x, y);
  } else if (bits == 8) {
    // 16-bit shifts, with each byte masked to the bits that stay in it: 0xFF >> k (before a
    // left shift, so nothing crosses into the next byte; after a right one).
    asmjit::Operand mask = v128_splat8(static_cast<uint8_t>(0xFF >> k));
    if (!known) {
      const x86::Xmm ones = simd_temp();
      a_.pcmpeqd(ones, ones);
      a_.psrlw(ones, n8.as<x86::Xmm>());  // each word 0xFFFF >> (k + 8)
      a_.packuswb(ones, ones);
      mask = ones;
    }
    if (kind == kShl) {
      a_.emit(Id::kIdPand, x, mask);
      a_.emit(Id::kIdPsllw, x, n);
    } else {
      a_.emit(Id::kIdPsrlw, x, n);
      a_.emit(Id::kIdPand, x, mask);
    }
  } else if (bits == 64 && kind == kShrS) {
    // Arithmetic from logical: ((x ^ m) >> k) - (m >> k), m the sign bit.
    a_.movdqa(m, v128_splat64(0x8000000000000000ull));
    a_.pxor(x, m);
    a_.emit(Id::kIdPsrlq, x, n);
    a_.emit(Id::kIdPsrlq, m, n);
    a_.psubq(x, m);
  } else {
    static constexpr Id kIds[3][3] = {
        {Id::kIdPsllw, Id::kIdPsraw, Id::kIdPsrlw},
        {Id::kIdPslld, Id::kIdPsrad, Id::kIdPsrld},
        {Id::kIdPsllq, Id::kIdNone, Id::kIdPsrlq},
    };
    const int row = bits == 16 ? 0 : bits == 32 ? 1 : 2;
    a_.emit(kIds[row][kind], x, n);
  }
  simd_out(dst, x);
  return true;
}

// One v128 operand, one v128 result.
bool X64Backend::simd_unary(Op op, uint32_t dst, uint32_t a) {
  switch (op) {
    case Op::V128Not:
    case Op::I8x16Abs:
    case Op::I16x8Abs:
    case Op::I32x4Abs:
    case Op::I64x2Abs:
    case Op::I8x16Neg:
    case Op::I16x8Neg:
    case Op::I32x4Neg:
    case Op::I64x2Neg:
    case Op::I8x16Popcnt:
    case Op::I16x8ExtendLowI8x16S:
    case Op::I16x8ExtendHighI8x16S:
    case Op::I16x8ExtendLowI8x16U:
    case Op::I16x8ExtendHighI8x16U:
    case Op::I32x4ExtendLowI16x8S:
    case Op::I32x4ExtendHighI16x8S:
    case Op::I32x4ExtendLowI16x8U:
    case Op::I32x4ExtendHighI16x8U:
    case Op::I64x2ExtendLowI32x4S:
    case Op::I64x2ExtendHighI32x4S:
    case Op::I64x2ExtendLowI32x4U:
    case Op::I64x2ExtendHighI32x4U:
    case Op::I16x8ExtaddPairwiseI8x16S:
    case Op::I16x8ExtaddPairwiseI8x16U:
    case Op::I32x4ExtaddPairwiseI16x8S:
    case Op::I32x4ExtaddPairwiseI16x8U:
    case Op::I32x4TruncSatF32x4S:
    case Op::I32x4TruncSatF32x4U:
    case Op::I32x4TruncSatF64x2SZero:
    case Op::I32x4TruncSatF64x2UZero:
    case Op::F32x4ConvertI32x4S:
    case Op::F32x4ConvertI32x4U:
    case Op::F64x2ConvertLowI32x4S:
    case Op::F64x2ConvertLowI32x4U:
    case Op::F32x4DemoteF64x2Zero:
    case Op::F64x2PromoteLowF32x4:
      break;
    default:
      return false;
  }
  settle();
  // Widening: pmovsx/pmovzx read the low or high 8 bytes straight from the frame.
  auto extend = [&](Id id, bool high) {
    const x86::Xmm x = simd_temp();
    a_.emit(id, x, v128_mem(a, high ? 8 : 0, 8));
    simd_out(dst, x);
  };
  switch (op) {
    case Op::I16x8ExtendLowI8x16S:
      extend(Id::kIdPmovsxbw, false);
      return true;
    case Op::I16x8ExtendHighI8x16S:
      extend(Id::kIdPmovsxbw, true);
      return true;
    case Op::I16x8ExtendLowI8x16U:
      extend(Id::kIdPmovzxbw, false);
      return true;
    case Op::I16x8ExtendHighI8x16U:
      extend(Id::kIdPmovzxbw, true);
      return true;
    case Op::I32x4ExtendLowI16x8S:
      extend(Id::kIdPmovsxwd, false);
      return true;
    case Op::I32x4ExtendHighI16x8S:
      extend(Id::kIdPmovsxwd, true);
      return true;
    case Op::I32x4ExtendLowI16x8U:
      extend(Id::kIdPmovzxwd, false);
      return true;
    case Op::I32x4ExtendHighI16x8U:
      extend(Id::kIdPmovzxwd, true);
      return true;
    case Op::I64x2ExtendLowI32x4S:
      extend(Id::kIdPmovsxdq, false);
      return true;
    case Op::I64x2ExtendHighI32x4S:
      extend(Id::kIdPmovsxdq, true);
      return true;
    case Op::I64x2ExtendLowI32x4U:
      extend(Id::kIdPmovzxdq, false);
      return true;
    case Op::I64x2ExtendHighI32x4U:
      extend(Id::kIdPmovzxdq, true);
      return true;
    default:
      break;
  }
  const x86::Xmm x = simd_in(a);
  x86::Xmm out = x;
  switch (op) {
    case Op::V128Not: {
      const x86::Xmm t = simd_temp();
      a_.pcmpeqd(t, t);
      a_.pxor(x, t);
      break;
    }
    case Op::I8x16Abs:
      a_.pabsb(x, x);
      break;
    case Op::I16x8Abs:
      a_.pabsw(x, x);
      break;
    case Op::I32x4Abs:
      a_.pabsd(x, x);
      break;
    case Op::I64x2Abs: {  // (x ^ s) - s, s each lane's sign
      const x86::Xmm s = simd_temp();
      a_.pshufd(s, x, imm(0xF5));
      a_.psrad(s, 31);
      a_.pxor(x, s);
      a_.psubq(x, s);
      break;
    }
    case Op::I8x16Neg:
    case Op::I16x8Neg:
    case Op::I32x4Neg:
    case Op::I64x2Neg: {
      out = simd_temp();
      a_.pxor(out, out);
      const Id sub = op == Op::I8x16Neg   ? Id::kIdPsubb
                     : op == Op::I16x8Neg ? Id::kIdPsubw
                     : op == Op::I32x4Neg ? Id::kIdPsubd
                                          : Id::kIdPsubq;
      a_.emit(sub, out, x);
      break;
    }
    case Op::I8x16Popcnt: {  // each nibble's count from a 16-entry table
      const x86::Xmm hi = simd_temp(), t = simd_temp();
      const x86::Mem nibble = v128_splat8(0x0F);
      const x86::Mem table = v128_const(0x0302020102010100ull, 0x0403030203020201ull);
      a_.movdqa(hi, x);
      a_.psrlw(hi, 4);
      a_.pand(hi, nibble);
      a_.pand(x, nibble);
      a_.movdqa(t, table);
      a_.pshufb(t, x);
      a_.movdqa(x, table);
      a_.pshufb(x, hi);
      a_.paddb(x, t);
      break;
    }
    case Op::I16x8ExtaddPairwiseI8x16S:  // pmaddubsw: unsigned bytes (1s) by signed ones
      out = simd_temp();
      a_.movdqa(out, v128_splat8(1));
      a_.pmaddubsw(out, x);
      break;
    case Op::I16x8ExtaddPairwiseI8x16U:
      a_.pmaddubsw(x, v128_splat8(1));
      break;
    case Op::I32x4ExtaddPairwiseI16x8S:
      a_.pmaddwd(x, v128_splat16(1));
      break;
    case Op::I32x4ExtaddPairwiseI16x8U:  // biased to signed, summed, unbiased
      a_.pxor(x, v128_splat16(0x8000));
      a_.pmaddwd(x, v128_splat16(1));
      a_.paddd(x, v128_splat32(0x00010000));
      break;
    case Op::I32x4TruncSatF32x4S: {
      // NaNs to 0; cvttps2dq gives 0x80000000 for every out-of-range value, which is right
      // below the range and flips to 0x7FFFFFFF where the input was positive.
      const x86::Xmm t = simd_temp();
      a_.movaps(t, x);
      a_.cmpps(t, t, imm(kCmpEq));
      a_.andps(x, t);
      a_.pxor(t, x);  // sign set: a non-negative input
      a_.cvttps2dq(x, x);
      a_.pand(t, x);
      a_.psrad(t, 31);
      a_.pxor(x, t);
      break;
    }
    case Op::I32x4TruncSatF32x4U: {
      // Negatives and NaNs to 0; values from 2^31 convert as x - 2^31 and add it back; from
      // 2^32 up the sum saturates.
      const x86::Xmm t = simd_temp(), u = simd_temp();
      a_.xorps(t, t);
      a_.maxps(x, t);
      a_.movaps(t, v128_splat32(0x4F000000));  // 2^31
      a_.movaps(u, x);
      a_.subps(u, t);
      a_.cmpps(t, u, imm(kCmpLe));  // x - 2^31 >= 2^31: saturates
      a_.cvttps2dq(u, u);
      a_.pxor(u, t);
      a_.xorps(t, t);
      a_.pmaxsd(u, t);
      a_.cvttps2dq(x, x);
      a_.paddd(x, u);
      break;
    }
    case Op::I32x4TruncSatF64x2SZero: {
      const x86::Xmm t = simd_temp();
      a_.movapd(t, x);
      a_.cmppd(t, t, imm(kCmpEq));
      a_.andpd(t, v128_splat64(0x41DFFFFFFFC00000ull));  // 2147483647.0, 0.0 for NaNs
      a_.minpd(x, t);                                    // a NaN x takes t
      a_.cvttpd2dq(x, x);                                // below the range: 0x80000000
      break;
    }
    case Op::I32x4TruncSatF64x2UZero: {
      // Clamped to [0, 2^32 - 1], truncated, and added to 2^52: the low dword is the integer.
      const x86::Xmm t = simd_temp();
      a_.xorpd(t, t);
      a_.maxpd(x, t);
      a_.minpd(x, v128_splat64(0x41EFFFFFFFE00000ull));  // 4294967295.0
      a_.roundpd(x, x, imm(3 | 8));
      a_.addpd(x, v128_splat64(0x4330000000000000ull));  // 2^52
      a_.shufps(x, t, imm(0x88));
      break;
    }
    case Op::F32x4ConvertI32x4S:
      a_.cvtdq2ps(x, x);
      break;
    case Op::F32x4ConvertI32x4U: {
      // The low 16 bits convert exactly, the high ones exactly after halving; one rounding
      // in the final add.
      const x86::Xmm t = simd_temp();
      a_.pxor(t, t);
      a_.pblendw(t, x, imm(0x55));
      a_.psubd(x, t);
      a_.cvtdq2ps(t, t);
      a_.psrld(x, 1);
      a_.cvtdq2ps(x, x);
      a_.addps(x, x);
      a_.addps(x, t);
      break;
    }
    case Op::F64x2ConvertLowI32x4S:
      a_.cvtdq2pd(x, x);
      break;
    case Op::F64x2ConvertLowI32x4U: {  // 2^52 + u as bits, minus 2^52
      const x86::Xmm t = simd_temp();
      a_.xorpd(t, t);
      a_.unpcklps(x, t);
      a_.orpd(x, v128_splat64(0x4330000000000000ull));
      a_.subpd(x, v128_splat64(0x4330000000000000ull));
      break;
    }
    case Op::F32x4DemoteF64x2Zero:
      a_.cvtpd2ps(x, x);
      break;
    default:  // F64x2PromoteLowF32x4
      a_.cvtps2pd(x, x);
      break;
  }
  simd_out(dst, out);
  return true;
}

// Float lanes: arithmetic, min/max, rounding, compares.
bool X64Backend::simd_float(Op op, uint32_t dst, uint32_t a, uint32_t b) {
  bool wide;
  switch (op) {
    case Op::F32x4Abs:
    case Op::F32x4Neg:
    case Op::F32x4Sqrt:
    case Op::F32x4Ceil:
    case Op::F32x4Floor:
    case Op::F32x4Trunc:
    case Op::F32x4Nearest:
    case Op::F32x4Add:
    case Op::F32x4Sub:
    case Op::F32x4Mul:
    case Op::F32x4Div:
    case Op::F32x4Min:
    case Op::F32x4Max:
    case Op::F32x4Pmin:
    case Op::F32x4Pmax:
    case Op::F32x4Eq:
    case Op::F32x4Ne:
    case Op::F32x4Lt:
    case Op::F32x4Gt:
    case Op::F32x4Le:
    case Op::F32x4Ge:
      wide = false;
      break;
    case Op::F64x2Abs:
    case Op::F64x2Neg:
    case Op::F64x2Sqrt:
    case Op::F64x2Ceil:
    case Op::F64x2Floor:
    case Op::F64x2Trunc:
    case Op::F64x2Nearest:
    case Op::F64x2Add:
    case Op::F64x2Sub:
    case Op::F64x2Mul:
    case Op::F64x2Div:
    case Op::F64x2Min:
    case Op::F64x2Max:
    case Op::F64x2Pmin:
    case Op::F64x2Pmax:
    case Op::F64x2Eq:
    case Op::F64x2Ne:
    case Op::F64x2Lt:
    case Op::F64x2Gt:
    case Op::F64x2Le:
    case Op::F64x2Ge:
      wide = true;
      break;
    default:
      return false;
  }
  settle();
  auto pick = [wide](Id ps, Id pd) { return wide ? pd : ps; };
  const x86::Xmm x = simd_in(a);
  switch (op) {
    case Op::F32x4Abs:
      a_.andps(x, v128_splat32(0x7FFFFFFF));
      simd_out(dst, x);
      return true;
    case Op::F64x2Abs:
      a_.andpd(x, v128_splat64(0x7FFFFFFFFFFFFFFFull));
      simd_out(dst, x);
      return true;
    case Op::F32x4Neg:
      a_.xorps(x, v128_splat32(0x80000000u));
      simd_out(dst, x);
      return true;
    case Op::F64x2Neg:
      a_.xorpd(x, v128_splat64(0x8000000000000000ull));
      simd_out(dst, x);
      return true;
    case Op::F32x4Sqrt:
    case Op::F64x2Sqrt:
      a_.emit(pick(Id::kIdSqrtps, Id::kIdSqrtpd), x, x);
      simd_out(dst, x);
      return true;
    case Op::F32x4Ceil:
    case Op::F32x4Floor:
    case Op::F32x4Trunc:
    case Op::F32x4Nearest:
    case Op::F64x2Ceil:
    case Op::F64x2Floor:
    case Op::F64x2Trunc:
    case Op::F64x2Nearest: {
      // Modes: 0 nearest even, 1 down, 2 up, 3 toward zero; 8 keeps precision quiet.
      int mode = 0;
      if (op == Op::F32x4Floor || op == Op::F64x2Floor) mode = 1;
      if (op == Op::F32x4Ceil || op == Op::F64x2Ceil) mode = 2;
      if (op == Op::F32x4Trunc || op == Op::F64x2Trunc) mode = 3;
      a_.emit(pick(Id::kIdRoundps, Id::kIdRoundpd), x, x, imm(mode | 8));
      simd_out(dst, x);
      return true;
    }
    default:
      break;
  }
  const x86::Xmm y = simd_in(b);
  switch (op) {
    case Op::F32x4Add:
    case Op::F64x2Add:
      a_.emit(pick(Id::kIdAddps, Id::kIdAddpd), x, y);
      break;
    case Op::F32x4Sub:
    case Op::F64x2Sub:
      a_.emit(pick(Id::kIdSubps, Id::kIdSubpd), x, y);
      break;
    case Op::F32x4Mul:
    case Op::F64x2Mul:
      a_.emit(pick(Id::kIdMulps, Id::kIdMulpd), x, y);
      break;
    case Op::F32x4Div:
    case Op::F64x2Div:
      a_.emit(pick(Id::kIdDivps, Id::kIdDivpd), x, y);
      break;
    case Op::F32x4Min:
    case Op::F64x2Min: {
      // minps returns its second operand for NaNs and equal zeros: both orders, or'ed,
      // carry -0 and any NaN; NaN lanes then become the canonical NaN.
      const Id min = pick(Id::kIdMinps, Id::kIdMinpd);
      const Id cmp = pick(Id::kIdCmpps, Id::kIdCmppd);
      const x86::Xmm t = simd_temp();
      a_.movaps(t, x);
      a_.emit(min, t, y);
      a_.emit(min, y, x);
      a_.orps(y, t);
      a_.movaps(t, y);
      a_.emit(cmp, t, y, imm(kCmpUnord));
      a_.orps(y, t);
      a_.emit(wide ? Id::kIdPsrlq : Id::kIdPsrld, t, imm(wide ? 13 : 10));
      a_.andnps(t, y);
      simd_out(dst, t);
      return true;
    }
    case Op::F32x4Max:
    case Op::F64x2Max: {
      // Both orders again; their difference (xor) or'ed in carries NaNs, subtracted it turns
      // -0 against +0 into +0.
      const Id max = pick(Id::kIdMaxps, Id::kIdMaxpd);
      const Id cmp = pick(Id::kIdCmpps, Id::kIdCmppd);
      const x86::Xmm t = simd_temp();
      a_.movaps(t, x);
      a_.emit(max, t, y);
      a_.emit(max, y, x);
      a_.xorps(y, t);
      a_.orps(t, y);
      a_.emit(pick(Id::kIdSubps, Id::kIdSubpd), t, y);
      a_.movaps(y, t);
      a_.emit(cmp, y, t, imm(kCmpUnord));
      a_.emit(wide ? Id::kIdPsrlq : Id::kIdPsrld, y, imm(wide ? 13 : 10));
      a_.andnps(y, t);
      simd_out(dst, y);
      return true;
    }
    case Op::F32x4Pmin:  // b < a ? b : a, exactly minps b, a
    case Op::F64x2Pmin:
      a_.emit(pick(Id::kIdMinps, Id::kIdMinpd), y, x);
      simd_out(dst, y);
      return true;
    case Op::F32x4Pmax:  // a < b ? b : a, exactly maxps b, a
    case Op::F64x2Pmax:
      a_.emit(pick(Id::kIdMaxps, Id::kIdMaxpd), y, x);
      simd_out(dst, y);
      return true;
    case Op::F32x4Eq:
    case Op::F64x2Eq:
      a_.emit(pick(Id::kIdCmpps, Id::kIdCmppd), x, y, imm(kCmpEq));
      break;
    case Op::F32x4Ne:
    case Op::F64x2Ne:  // unordered or unequal
      a_.emit(pick(Id::kIdCmpps, Id::kIdCmppd), x, y, imm(kCmpNeq));
      break;
    case Op::F32x4Lt:
    case Op::F64x2Lt:
      a_.emit(pick(Id::kIdCmpps, Id::kIdCmppd), x, y, imm(kCmpLt));
      break;
    case Op::F32x4Le:
    case Op::F64x2Le:
      a_.emit(pick(Id::kIdCmpps, Id::kIdCmppd), x, y, imm(kCmpLe));
      break;
    case Op::F32x4Gt:
    case Op::F64x2Gt:  // b < a
      a_.emit(pick(Id::kIdCmpps, Id::kIdCmppd), y, x, imm(kCmpLt));
      simd_out(dst, y);
      return true;
    default:  // Ge: b <= a
      a_.emit(pick(Id::kIdCmpps, Id::kIdCmppd), y, x, imm(kCmpLe));
      simd_out(dst, y);
      return true;
  }
  simd_out(dst, x);
  return true;
}

// Two v128 operands, integer lanes.
bool X64Backend::simd_binary(Op op, uint32_t dst, uint32_t a, uint32_t b) {
  // One instruction, x = x OP y; `swap` computes y OP x, `invert` negates the result.
  struct Simple {
    Op op;
    Id id;
    bool swap = false, invert = false;
  };
  static constexpr Simple kSimple[] = {
      {Op::V128And, Id::kIdPand},
      {Op::V128Or, Id::kIdPor},
      {Op::V128Xor, Id::kIdPxor},
      {Op::V128AndNot, Id::kIdPandn, true},  // pandn: ~x & y
      {Op::I8x16Eq, Id::kIdPcmpeqb},
      {Op::I8x16Ne, Id::kIdPcmpeqb, false, true},
      {Op::I8x16GtS, Id::kIdPcmpgtb},
      {Op::I8x16LtS, Id::kIdPcmpgtb, true},
      {Op::I8x16LeS, Id::kIdPcmpgtb, false, true},
      {Op::I8x16GeS, Id::kIdPcmpgtb, true, true},
      {Op::I16x8Eq, Id::kIdPcmpeqw},
      {Op::I16x8Ne, Id::kIdPcmpeqw, false, true},
      {Op::I16x8GtS, Id::kIdPcmpgtw},
      {Op::I16x8LtS, Id::kIdPcmpgtw, true},
      {Op::I16x8LeS, Id::kIdPcmpgtw, false, true},
      {Op::I16x8GeS, Id::kIdPcmpgtw, true, true},
      {Op::I32x4Eq, Id::kIdPcmpeqd},
      {Op::I32x4Ne, Id::kIdPcmpeqd, false, true},
      {Op::I32x4GtS, Id::kIdPcmpgtd},
      {Op::I32x4LtS, Id::kIdPcmpgtd, true},
      {Op::I32x4LeS, Id::kIdPcmpgtd, false, true},
      {Op::I32x4GeS, Id::kIdPcmpgtd, true, true},
      {Op::I64x2Eq, Id::kIdPcmpeqq},
      {Op::I64x2Ne, Id::kIdPcmpeqq, false, true},
      {Op::I8x16Add, Id::kIdPaddb},
      {Op::I16x8Add, Id::kIdPaddw},
      {Op::I32x4Add, Id::kIdPaddd},
      {Op::I64x2Add, Id::kIdPaddq},
      {Op::I8x16Sub, Id::kIdPsubb},
      {Op::I16x8Sub, Id::kIdPsubw},
      {Op::I32x4Sub, Id::kIdPsubd},
      {Op::I64x2Sub, Id::kIdPsubq},
      {Op::I8x16AddSatS, Id::kIdPaddsb},
      {Op::I8x16AddSatU, Id::kIdPaddusb},
      {Op::I8x16SubSatS, Id::kIdPsubsb},
      {Op::I8x16SubSatU, Id::kIdPsubusb},
      {Op::I16x8AddSatS, Id::kIdPaddsw},
      {Op::I16x8AddSatU, Id::kIdPaddusw},
      {Op::I16x8SubSatS, Id::kIdPsubsw},
      {Op::I16x8SubSatU, Id::kIdPsubusw},
      {Op::I16x8Mul, Id::kIdPmullw},
      {Op::I32x4Mul, Id::kIdPmulld},
      {Op::I8x16MinS, Id::kIdPminsb},
      {Op::I8x16MinU, Id::kIdPminub},
      {Op::I8x16MaxS, Id::kIdPmaxsb},
      {Op::I8x16MaxU, Id::kIdPmaxub},
      {Op::I16x8MinS, Id::kIdPminsw},
      {Op::I16x8MinU, Id::kIdPminuw},
      {Op::I16x8MaxS, Id::kIdPmaxsw},
      {Op::I16x8MaxU, Id::kIdPmaxuw},
      {Op::I32x4MinS, Id::kIdPminsd},
      {Op::I32x4MinU, Id::kIdPminud},
      {Op::I32x4MaxS, Id::kIdPmaxsd},
      {Op::I32x4MaxU, Id::kIdPmaxud},
      {Op::I8x16AvgrU, Id::kIdPavgb},
      {Op::I16x8AvgrU, Id::kIdPavgw},
      {Op::I8x16NarrowI16x8S, Id::kIdPacksswb},
      {Op::I8x16NarrowI16x8U, Id::kIdPackuswb},
      {Op::I16x8NarrowI32x4S, Id::kIdPackssdw},
      {Op::I16x8NarrowI32x4U, Id::kIdPackusdw},
      {Op::I32x4DotI16x8S, Id::kIdPmaddwd},
  };
  // Unsigned order: a >= b is max(a, b) == a, a <= b min(a, b) == a; > and < their negations.
  struct Unsigned {
    Op op;
    Id minmax, eq;
    bool invert;
  };
  static constexpr Unsigned kUnsigned[] = {
      {Op::I8x16GeU, Id::kIdPmaxub, Id::kIdPcmpeqb, false},
      {Op::I8x16LeU, Id::kIdPminub, Id::kIdPcmpeqb, false},
      {Op::I8x16LtU, Id::kIdPmaxub, Id::kIdPcmpeqb, true},
      {Op::I8x16GtU, Id::kIdPminub, Id::kIdPcmpeqb, true},
      {Op::I16x8GeU, Id::kIdPmaxuw, Id::kIdPcmpeqw, false},
      {Op::I16x8LeU, Id::kIdPminuw, Id::kIdPcmpeqw, false},
      {Op::I16x8LtU, Id::kIdPmaxuw, Id::kIdPcmpeqw, true},
      {Op::I16x8GtU, Id::kIdPminuw, Id::kIdPcmpeqw, true},
      {Op::I32x4GeU, Id::kIdPmaxud, Id::kIdPcmpeqd, false},
      {Op::I32x4LeU, Id::kIdPminud, Id::kIdPcmpeqd, false},
      {Op::I32x4LtU, Id::kIdPmaxud, Id::kIdPcmpeqd, true},
      {Op::I32x4GtU, Id::kIdPminud, Id::kIdPcmpeqd, true},
  };
  for (const Simple& s : kSimple) {
    if (s.op != op) continue;
    settle();
    const x86::Xmm x = simd_in(s.swap ? b : a), y = simd_in(s.swap ? a : b);
    a_.emit(s.id, x, y);
    if (s.invert) {
      a_.pcmpeqd(y, y);
      a_.pxor(x, y);
    }
    simd_out(dst, x);
    return true;
  }
  for (const Unsigned& u : kUnsigned) {
    if (u.op != op) continue;
    settle();
    const x86::Xmm x = simd_in(a), y = simd_in(b);
    a_.emit(u.minmax, y, x);
    a_.emit(u.eq, x, y);
    if (u.invert) {
      a_.pcmpeqd(y, y);
      a_.pxor(x, y);
    }
    simd_out(dst, x);
    return true;
  }
  switch (op) {
    case Op::I64x2GtS:
    case Op::I64x2LtS:
    case Op::I64x2LeS:
    case Op::I64x2GeS: {
      settle();
      const bool swap = op == Op::I64x2LtS || op == Op::I64x2GeS;
      const x86::Xmm x = simd_in(swap ? b : a), y = simd_in(swap ? a : b);
      i64x2_gt_s(x, y);
      if (op == Op::I64x2LeS || op == Op::I64x2GeS) {
        a_.pcmpeqd(y, y);
        a_.pxor(x, y);
      }
      simd_out(dst, x);
      return true;
    }
    case Op::I64x2Mul: {
      // Low 64 bits of the product: lo*lo + ((hi(a)*lo(b) + lo(a)*hi(b)) << 32).
      settle();
      const x86::Xmm x = simd_in(a), y = simd_in(b);
      const x86::Xmm t = simd_temp(), u = simd_temp();
      a_.movdqa(t, x);
      a_.psrlq(t, 32);
      a_.pmuludq(t, y);
      a_.movdqa(u, y);
      a_.psrlq(u, 32);
      a_.pmuludq(u, x);
      a_.paddq(t, u);
      a_.psllq(t, 32);
      a_.pmuludq(x, y);
      a_.paddq(x, t);
      simd_out(dst, x);
      return true;
    }
    case Op::I16x8Q15mulrSatS: {
      // pmulhrsw is the rounding product; only -1 * -1 overflows, to 0x8000: flipped.
      settle();
      const x86::Xmm x = simd_in(a), y = simd_in(b);
      a_.pmulhrsw(x, y);
      a_.movdqa(y, v128_splat16(0x8000));
      a_.pcmpeqw(y, x);
      a_.pxor(x, y);
      simd_out(dst, x);
      return true;
    }
    case Op::I8x16Swizzle: {
      // Indices from 16 up get their top bit set (saturating), which pshufb turns into 0.
      settle();
      const x86::Xmm x = simd_in(a), y = simd_in(b);
      a_.paddusb(y, v128_splat8(0x70));
      a_.pshufb(x, y);
      simd_out(dst, x);
      return true;
    }
    case Op::I16x8ExtmulLowI8x16S:
    case Op::I16x8ExtmulHighI8x16S:
    case Op::I16x8ExtmulLowI8x16U:
    case Op::I16x8ExtmulHighI8x16U:
    case Op::I32x4ExtmulLowI16x8S:
    case Op::I32x4ExtmulHighI16x8S:
    case Op::I32x4ExtmulLowI16x8U:
    case Op::I32x4ExtmulHighI16x8U:
    case Op::I64x2ExtmulLowI32x4S:
    case Op::I64x2ExtmulHighI32x4S:
    case Op::I64x2ExtmulLowI32x4U:
    case Op::I64x2ExtmulHighI32x4U: {
      // Both halves widened straight from the frame, then one multiply (whose low half is
      // the whole product).
      Id widen, mul;
      bool high;
      switch (op) {
        case Op::I16x8ExtmulLowI8x16S:
        case Op::I16x8ExtmulHighI8x16S:
          widen = Id::kIdPmovsxbw, mul = Id::kIdPmullw;
          break;
        case Op::I16x8ExtmulLowI8x16U:
        case Op::I16x8ExtmulHighI8x16U:
          widen = Id::kIdPmovzxbw, mul = Id::kIdPmullw;
          break;
        case Op::I32x4ExtmulLowI16x8S:
        case Op::I32x4ExtmulHighI16x8S:
          widen = Id::kIdPmovsxwd, mul = Id::kIdPmulld;
          break;
        case Op::I32x4ExtmulLowI16x8U:
        case Op::I32x4ExtmulHighI16x8U:
          widen = Id::kIdPmovzxwd, mul = Id::kIdPmulld;
          break;
        case Op::I64x2ExtmulLowI32x4S:
        case Op::I64x2ExtmulHighI32x4S:
          widen = Id::kIdPmovzxdq, mul = Id::kIdPmuldq;  // reads the low dwords, signed
          break;
        default:
          widen = Id::kIdPmovzxdq, mul = Id::kIdPmuludq;
          break;
      }
      high = op == Op::I16x8ExtmulHighI8x16S || op == Op::I16x8ExtmulHighI8x16U ||
             op == Op::I32x4ExtmulHighI16x8S || op == Op::I32x4ExtmulHighI16x8U ||
             op == Op::I64x2ExtmulHighI32x4S || op == Op::I64x2ExtmulHighI32x4U;
      settle();
      const x86::Xmm x = simd_temp(), y = simd_temp();
      a_.emit(widen, x, v128_mem(a, high ? 8 : 0, 8));
      a_.emit(widen, y, v128_mem(b, high ? 8 : 0, 8));
      a_.emit(mul, x, y);
      simd_out(dst, x);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace wrun::jit::x64
