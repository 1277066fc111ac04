// The x86-64 backend's numeric instructions (x64_backend.h). Two-address forms take the first
// operand's register when it is a temporary (take_gp/take_xmm); constants become immediates
// and frame slots memory operands where x86 allows; compares leave their result in the flags
// for a following branch or select.
#include <bit>
#include <cstdint>

#include "jit/x64/x64_backend.h"

namespace wrun::jit::x64 {

using asmjit::imm;
using CC = x86::CondCode;

bool X64Backend::numeric(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset) {
  switch (op) {
    case Op::I32Add:
    case Op::I32Sub:
    case Op::I32Mul:
    case Op::I32And:
    case Op::I32Or:
    case Op::I32Xor:
    case Op::I32Shl:
    case Op::I32ShrS:
    case Op::I32ShrU:
    case Op::I32Rotl:
    case Op::I32Rotr:
    case Op::I32DivS:
    case Op::I32DivU:
    case Op::I32RemS:
    case Op::I32RemU:
    case Op::I32Eq:
    case Op::I32Ne:
    case Op::I32LtS:
    case Op::I32LtU:
    case Op::I32GtS:
    case Op::I32GtU:
    case Op::I32LeS:
    case Op::I32LeU:
    case Op::I32GeS:
    case Op::I32GeU:
      return int_binary(op, false, dst, a, b, offset);
    case Op::I64Add:
    case Op::I64Sub:
    case Op::I64Mul:
    case Op::I64And:
    case Op::I64Or:
    case Op::I64Xor:
    case Op::I64Shl:
    case Op::I64ShrS:
    case Op::I64ShrU:
    case Op::I64Rotl:
    case Op::I64Rotr:
    case Op::I64DivS:
    case Op::I64DivU:
    case Op::I64RemS:
    case Op::I64RemU:
    case Op::I64Eq:
    case Op::I64Ne:
    case Op::I64LtS:
    case Op::I64LtU:
    case Op::I64GtS:
    case Op::I64GtU:
    case Op::I64LeS:
    case Op::I64LeU:
    case Op::I64GeS:
    case Op::I64GeU:
      return int_binary(op, true, dst, a, b, offset);
    default:
      break;
  }
  if (int_unary(op, dst, a)) return true;
  if (float_op(op, dst, a, b)) return true;
  if (saturating_truncate(op, dst, a)) return true;
  return conversion(op, dst, a, offset);
}

namespace {

// The condition "a OP b" leaves after cmp a, b.
bool compare_cond(Op op, CC* cc) {
  switch (op) {
    case Op::I32Eq:
    case Op::I64Eq:
      *cc = CC::kE;
      return true;
    case Op::I32Ne:
    case Op::I64Ne:
      *cc = CC::kNE;
      return true;
    case Op::I32LtS:
    case Op::I64LtS:
      *cc = CC::kL;
      return true;
    case Op::I32LtU:
    case Op::I64LtU:
      *cc = CC::kB;
      return true;
    case Op::I32GtS:
    case Op::I64GtS:
      *cc = CC::kG;
      return true;
    case Op::I32GtU:
    case Op::I64GtU:
      *cc = CC::kA;
      return true;
    case Op::I32LeS:
    case Op::I64LeS:
      *cc = CC::kLE;
      return true;
    case Op::I32LeU:
    case Op::I64LeU:
      *cc = CC::kBE;
      return true;
    case Op::I32GeS:
    case Op::I64GeS:
      *cc = CC::kGE;
      return true;
    case Op::I32GeU:
    case Op::I64GeU:
      *cc = CC::kAE;
      return true;
    default:
      return false;
  }
}

}  // namespace

bool X64Backend::int_binary(Op op, bool wide, uint32_t dst, uint32_t a, uint32_t b,
                            uint32_t offset) {
  lock(a);
  lock(b);
  settle();
  CC cc;
  if (compare_cond(op, &cc)) {
    // cmp reads a register or a slot on the left, and an immediate on the right.
    uint32_t left = a, right = b;
    if (is_const(a) && !is_const(b)) {
      std::swap(left, right);
      cc = x86::reverseCond(cc);
    }
    const asmjit::Operand r = gp_src(right, wide);
    asmjit::Operand l = gp_src(left, wide, /*allow_imm=*/false);
    if (l.isMem() && r.isMem()) l = in_gp(left, wide);
    a_.emit(x86::Inst::kIdCmp, l, r);
    set_flags(dst, cc);
    return true;
  }
  x86::Inst::Id alu = x86::Inst::kIdNone;
  switch (op) {
    case Op::I32Add:
    case Op::I64Add:
      alu = x86::Inst::kIdAdd;
      break;
    case Op::I32Sub:
    case Op::I64Sub:
      alu = x86::Inst::kIdSub;
      break;
    case Op::I32And:
    case Op::I64And:
      alu = x86::Inst::kIdAnd;
      break;
    case Op::I32Or:
    case Op::I64Or:
      alu = x86::Inst::kIdOr;
      break;
    case Op::I32Xor:
    case Op::I64Xor:
      alu = x86::Inst::kIdXor;
      break;
    default:
      break;
  }
  if (op == Op::I64And && is_const(b) && val(b).bits == 0xFFFFFFFFu) {
    // The low half, zero-extended (the mask fits no sign-extended immediate): a 32-bit move
    // or load clears the upper half, so only a value taken over in place needs one.
    const bool in_place = a == dst && is_temp(a);
    const x86::Gp r = take_gp(a, dst, /*wide=*/false);
    if (in_place) a_.mov(r, r);
    return true;
  }
  if ((alu == x86::Inst::kIdAdd || alu == x86::Inst::kIdSub) && is_const(b) &&
      !(a == dst && is_temp(a)) && val(a).loc == Loc::Reg && !is_xmm(val(a).reg)) {
    // x + c into a new register, keeping x (a home, or a value still used): one lea.
    const int64_t c = wide ? static_cast<int64_t>(val(b).bits)
                           : int64_t{static_cast<int32_t>(static_cast<uint32_t>(val(b).bits))};
    // -c in unsigned arithmetic: INT64_MIN negates to itself and then fits no displacement.
    const uint64_t disp =
        alu == x86::Inst::kIdSub ? 0 - static_cast<uint64_t>(c) : static_cast<uint64_t>(c);
    if (fits_i32(disp)) {
      const Reg src = val(a).reg;
      const Reg r = alloc(false);
      const size_t start = a_.offset();
      a_.lea(wide ? gp(r) : x86::Gp(x86::gpd(r)), x86::ptr(gp(src), static_cast<int32_t>(disp)));
      map(dst, r);
      lea_ = LastLea{dst, start, a_.offset(), src, static_cast<int32_t>(disp), wide};
      return true;
    }
  }
  if (alu != x86::Inst::kIdNone) {
    const asmjit::Operand src = gp_src(b, wide);
    const x86::Gp r = take_gp(a, dst, wide);
    a_.emit(alu, r, src);
    note_zero_flag(dst, static_cast<Reg>(r.id()), wide);
    return true;
  }
  switch (op) {
    case Op::I32Mul:
    case Op::I64Mul: {
      const asmjit::Operand src = gp_src(b, wide);
      const x86::Gp r = take_gp(a, dst, wide);
      if (src.isImm())
        a_.imul(r, r, src.as<asmjit::Imm>());
      else
        a_.emit(x86::Inst::kIdImul, r, src);
      return true;
    }
    case Op::I32Shl:
    case Op::I64Shl:
    case Op::I32ShrS:
    case Op::I64ShrS:
    case Op::I32ShrU:
    case Op::I64ShrU:
    case Op::I32Rotl:
    case Op::I64Rotl:
    case Op::I32Rotr:
    case Op::I64Rotr: {
      x86::Inst::Id id = x86::Inst::kIdRor;
      switch (op) {
        case Op::I32Shl:
        case Op::I64Shl:
          id = x86::Inst::kIdShl;
          break;
        case Op::I32ShrS:
        case Op::I64ShrS:
          id = x86::Inst::kIdSar;
          break;
        case Op::I32ShrU:
        case Op::I64ShrU:
          id = x86::Inst::kIdShr;
          break;
        case Op::I32Rotl:
        case Op::I64Rotl:
          id = x86::Inst::kIdRol;
          break;
        default:
          break;
      }
      // The hardware masks the count to 5 or 6 bits, as wasm does.
      if (is_const(b)) {
        const uint32_t count = static_cast<uint32_t>(val(b).bits) & (wide ? 63 : 31);
        const x86::Gp r = take_gp(a, dst, wide);
        a_.emit(id, r, imm(count));
        return true;
      }
      const Value& vb = val(b);
      if (!(vb.loc == Loc::Reg && vb.reg == 1)) {
        claim(1);
        load_gp(x86::ecx, b, false);
      }
      set_locked(1, true);
      const x86::Gp r = take_gp(a, dst, wide);
      a_.emit(id, r, x86::cl);
      return true;
    }
    case Op::I32DivS:
    case Op::I64DivS:
    case Op::I32RemS:
    case Op::I64RemS:
    case Op::I32DivU:
    case Op::I64DivU:
    case Op::I32RemU:
    case Op::I64RemU:
      divide(op, wide, dst, a, b, offset);
      return true;
    default:
      return false;
  }
}

// An i32 division or remainder by a constant as a shift or a multiply by the reciprocal: div
// takes 10 to 40 cycles, and LLVM leaves divisions by constants in wasm for engines to do this.
// The reciprocal is m = ceil(2^64 / d) (d not a power of two): for 0 <= n < 2^32,
// n * m / 2^64 = n / d + e with 0 < e < n / 2^64 < 1 / d, which never reaches the next
// integer, so the high half of the 128-bit product is floor(n / d). For a negative n the
// signed product's high half is floor(n / |d| - e), one below the truncated quotient whether
// or not |d| divides n: adding 1 for a negative n gives it. Divisors 0 and -1 (traps) and
// INT32_MIN are left to divide().
bool X64Backend::divide_by_constant(Op op, uint32_t dst, uint32_t a, uint32_t d) {
  const bool is_signed = op == Op::I32DivS || op == Op::I32RemS;
  const bool rem = op == Op::I32RemS || op == Op::I32RemU;
  const auto sd = static_cast<int32_t>(d);
  if (d == 0 || (is_signed && (sd == -1 || sd == INT32_MIN))) return false;
  const uint32_t magnitude = is_signed && sd < 0 ? 0u - d : d;
  const bool negate = is_signed && sd < 0 && !rem;  // n / -d = -(n / d)
  if (magnitude == 1) {
    const x86::Gp r = take_gp(a, dst, false).r32();
    if (rem)
      a_.xor_(r, r);
    else if (negate)
      a_.neg(r);
    return true;
  }
  if ((magnitude & (magnitude - 1)) == 0) {
    const int k = std::countr_zero(magnitude);
    const x86::Gp r = take_gp(a, dst, false).r32();
    if (!is_signed) {
      if (rem)
        a_.and_(r, imm(magnitude - 1));
      else
        a_.shr(r, k);
      return true;
    }
    // Signed: a negative n is biased by 2^k - 1 first, so that the shift truncates toward
    // zero; the remainder is n less n's biased value with the low k bits cleared.
    a_.mov(x86::r11d, r);
    a_.sar(x86::r11d, 31);
    a_.shr(x86::r11d, 32 - k);
    a_.add(x86::r11d, r);
    if (rem) {
      a_.and_(x86::r11d, imm(static_cast<int32_t>(0u - magnitude)));
      a_.sub(r, x86::r11d);
    } else {
      a_.sar(x86::r11d, k);
      a_.mov(r, x86::r11d);
      if (negate) a_.neg(r);
    }
    return true;
  }
  const uint64_t m = UINT64_MAX / magnitude + 1;  // ceil(2^64 / d): d is not a power of two
  claim(0);
  claim(2);
  load_gp(x86::r11, a, false);
  a_.mov(x86::rax, imm(m));
  if (is_signed) {
    a_.movsxd(x86::r11, x86::r11d);
    a_.imul(x86::r11);  // m < 2^63 as |d| >= 3: rdx:rax = n * m, signed
    a_.mov(x86::rax, x86::r11);
    a_.sar(x86::rax, 63);
    a_.sub(x86::rdx, x86::rax);
  } else {
    a_.mul(x86::r11);
  }
  if (!rem) {
    if (negate)
      a_.neg(x86::edx);
    else
      a_.mov(x86::edx, x86::edx);  // the i32 zero-extended, as registers keep it
    map(dst, 2);
    return true;
  }
  // n - q * d, in 32 bits (the product's low half is the same signed or not).
  a_.imul(x86::edx, x86::edx, imm(static_cast<int32_t>(magnitude)));
  a_.mov(x86::eax, x86::r11d);
  a_.sub(x86::eax, x86::edx);
  map(dst, 0);
  return true;
}

// The i64 forms. A 64-bit dividend needs a 65-bit reciprocal, so the unsigned quotient of
// n (in r11) by d (not a power of two) uses the round-up method with a fix-up (Granlund and
// Montgomery, 1994): with l = ceil(log2 d) and m = floor(2^64 * (2^l - d) / d) + 1 (64 bits),
// t = mulhi(n, m) and q = (t + ((n - t) >> 1)) >> (l - 1). The quotient lands in rax; rdx is
// clobbered. Signed ones divide |n| by |d| and give the quotient, then the remainder, their
// signs back.
void X64Backend::unsigned_quotient64(uint64_t d) {
  const int l = 64 - std::countl_zero(d - 1);                     // 2 to 64
  const uint64_t gap = l == 64 ? 0 - d : (uint64_t{1} << l) - d;  // 2^l - d
  const auto m = static_cast<uint64_t>((static_cast<unsigned __int128>(gap) << 64) / d + 1);
  a_.mov(x86::rax, imm(m));
  a_.mul(x86::r11);
  a_.mov(x86::rax, x86::r11);
  a_.sub(x86::rax, x86::rdx);
  a_.shr(x86::rax, 1);
  a_.add(x86::rax, x86::rdx);
  a_.shr(x86::rax, l - 1);
}

bool X64Backend::divide64_by_constant(Op op, uint32_t dst, uint32_t a, uint64_t d) {
  const bool is_signed = op == Op::I64DivS || op == Op::I64RemS;
  const bool rem = op == Op::I64RemS || op == Op::I64RemU;
  const auto sd = static_cast<int64_t>(d);
  if (d == 0 || (is_signed && (sd == -1 || sd == INT64_MIN))) return false;
  const uint64_t magnitude = is_signed && sd < 0 ? 0 - d : d;
  const bool negate = is_signed && sd < 0 && !rem;
  if (magnitude == 1) {
    const x86::Gp r = take_gp(a, dst, true);
    if (rem)
      a_.xor_(r.r32(), r.r32());
    else if (negate)
      a_.neg(r);
    return true;
  }
  if ((magnitude & (magnitude - 1)) == 0) {
    const int k = std::countr_zero(magnitude);
    const x86::Gp r = take_gp(a, dst, true);
    if (!is_signed && !rem) {
      a_.shr(r, k);
    } else if (!is_signed) {
      a_.mov(x86::r11, imm(magnitude - 1));
      a_.and_(r, x86::r11);
    } else {
      a_.mov(x86::r11, r);  // biased as in divide_by_constant
      a_.sar(x86::r11, 63);
      a_.shr(x86::r11, 64 - k);
      a_.add(x86::r11, r);
      a_.sar(x86::r11, k);
      if (rem) {
        a_.shl(x86::r11, k);
        a_.sub(r, x86::r11);
      } else {
        a_.mov(r, x86::r11);
        if (negate) a_.neg(r);
      }
    }
    return true;
  }
  claim(0);
  claim(2);
  if (is_signed) claim(1);  // rcx: n's sign, all ones when negative
  load_gp(x86::r11, a, true);
  if (is_signed) {
    a_.mov(x86::rcx, x86::r11);
    a_.sar(x86::rcx, 63);
    a_.xor_(x86::r11, x86::rcx);
    a_.sub(x86::r11, x86::rcx);  // |n|, as unsigned
  }
  unsigned_quotient64(magnitude);
  if (!rem) {
    if (is_signed) {
      if (negate) a_.not_(x86::rcx);
      a_.xor_(x86::rax, x86::rcx);
      a_.sub(x86::rax, x86::rcx);
    }
    map(dst, 0);
    return true;
  }
  if (fits_i32(magnitude)) {
    a_.imul(x86::rax, x86::rax, imm(static_cast<int32_t>(magnitude)));
  } else {
    a_.mov(x86::rdx, imm(magnitude));
    a_.imul(x86::rax, x86::rdx);
  }
  a_.mov(x86::rdx, x86::r11);
  a_.sub(x86::rdx, x86::rax);  // |n| - q * |d|, which takes n's sign
  if (is_signed) {
    a_.xor_(x86::rdx, x86::rcx);
    a_.sub(x86::rdx, x86::rcx);
  }
  map(dst, 2);
  return true;
}

void X64Backend::divide(Op op, bool wide, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset) {
  if (is_const(b) && (wide ? divide64_by_constant(op, dst, a, val(b).bits)
                           : divide_by_constant(op, dst, a, static_cast<uint32_t>(val(b).bits))))
    return;
  const bool is_signed =
      op == Op::I32DivS || op == Op::I64DivS || op == Op::I32RemS || op == Op::I64RemS;
  const bool rem = op == Op::I32RemS || op == Op::I64RemS || op == Op::I32RemU || op == Op::I64RemU;
  claim(0);  // rax: the dividend, then the quotient
  claim(2);  // rdx: the dividend's top half, then the remainder
  // The divisor in a register or slot other than rax/rdx.
  asmjit::Operand divisor = gp_src(b, wide, /*allow_imm=*/false);
  const bool known_nonzero =
      is_const(b) && (wide ? val(b).bits : static_cast<uint32_t>(val(b).bits)) != 0;
  const bool known_not_minus_one =
      is_const(b) && (wide ? val(b).bits : static_cast<uint32_t>(val(b).bits)) !=
                         (wide ? ~uint64_t{0} : uint64_t{0xFFFFFFFF});
  const x86::Gp ax = wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
  const x86::Gp dx = wide ? x86::Gp(x86::rdx) : x86::Gp(x86::edx);
  if (!known_nonzero) {
    if (divisor.isMem())
      a_.emit(x86::Inst::kIdCmp, divisor, imm(0));
    else
      a_.test(divisor.as<x86::Gp>(), divisor.as<x86::Gp>());
    a_.jz(trap_label(TrapKind::IntegerDivideByZero, offset));
  }
  load_gp(x86::rax, a, wide);
  asmjit::Label done = a_.newLabel();
  if (is_signed) {
    if (!known_not_minus_one) {
      // x / -1: overflows for the minimum (a trap), remainder 0 (idiv would fault).
      asmjit::Label normal = a_.newLabel();
      a_.emit(x86::Inst::kIdCmp, divisor, imm(-1));
      a_.jne(normal);
      if (rem) {
        a_.xor_(x86::edx, x86::edx);
        a_.jmp(done);
      } else {
        if (wide) {
          a_.mov(x86::r11, imm(INT64_MIN));
          a_.cmp(x86::rax, x86::r11);
        } else {
          a_.cmp(x86::eax, imm(INT32_MIN));
        }
        a_.je(trap_label(TrapKind::IntegerOverflow, offset));
      }
      a_.bind(normal);
    }
    if (wide)
      a_.cqo();
    else
      a_.cdq();
    a_.emit(x86::Inst::kIdIdiv, divisor);
  } else {
    a_.xor_(x86::edx, x86::edx);
    a_.emit(x86::Inst::kIdDiv, divisor);
  }
  a_.bind(done);
  (void)ax;
  (void)dx;
  map(dst, rem ? 2 : 0);
}

bool X64Backend::int_unary(Op op, uint32_t dst, uint32_t a) {
  switch (op) {
    case Op::I32Eqz:
    case Op::I64Eqz:
    case Op::I32Clz:
    case Op::I32Ctz:
    case Op::I32Popcnt:
    case Op::I64Clz:
    case Op::I64Ctz:
    case Op::I64Popcnt:
    case Op::I32WrapI64:
    case Op::I64ExtendI32S:
    case Op::I64ExtendI32U:
    case Op::I32Extend8S:
    case Op::I32Extend16S:
    case Op::I64Extend8S:
    case Op::I64Extend16S:
    case Op::I64Extend32S:
    case Op::I32ReinterpretF32:
    case Op::I64ReinterpretF64:
    case Op::F32ReinterpretI32:
    case Op::F64ReinterpretI64:
      break;
    default:
      return false;
  }
  lock(a);
  settle();
  switch (op) {
    case Op::I32Eqz:
    case Op::I64Eqz: {
      const bool wide = op == Op::I64Eqz;
      if (!zero_flag_of(a, wide)) {
        const asmjit::Operand src = gp_src(a, wide, /*allow_imm=*/false);
        if (src.isMem())
          a_.emit(x86::Inst::kIdCmp, src, imm(0));
        else
          a_.test(src.as<x86::Gp>(), src.as<x86::Gp>());
      }
      set_flags(dst, CC::kE);
      return true;
    }
    case Op::I32Clz:
    case Op::I64Clz:
    case Op::I32Ctz:
    case Op::I64Ctz:
    case Op::I32Popcnt:
    case Op::I64Popcnt: {
      const bool wide = op == Op::I64Clz || op == Op::I64Ctz || op == Op::I64Popcnt;
      const bool clz = op == Op::I32Clz || op == Op::I64Clz;
      const bool ctz = op == Op::I32Ctz || op == Op::I64Ctz;
      if (!clz && !ctz && !popcnt_) return false;
      const asmjit::Operand src = gp_src(a, wide, /*allow_imm=*/false);
      x86::Gp r = def_gp(dst);
      if (!wide) r = r.r32();
      if (clz && lzcnt_) {
        a_.emit(x86::Inst::kIdLzcnt, r, src);
      } else if (clz) {  // bsr leaves the top bit's index; zero gives (2w-1) ^ (w-1) = w
        a_.emit(x86::Inst::kIdBsr, r, src);
        a_.mov(x86::r11d, imm(wide ? 127 : 63));
        a_.cmovz(r.r32(), x86::r11d);
        a_.xor_(r.r32(), imm(wide ? 63 : 31));
      } else if (ctz && bmi1_) {
        a_.emit(x86::Inst::kIdTzcnt, r, src);
      } else if (ctz) {
        a_.emit(x86::Inst::kIdBsf, r, src);
        a_.mov(x86::r11d, imm(wide ? 64 : 32));
        a_.cmovz(r.r32(), x86::r11d);
      } else {
        a_.emit(x86::Inst::kIdPopcnt, r, src);
      }
      a_.mov(r.r32(), r.r32());
      return true;
    }
    case Op::I32WrapI64: {
      const x86::Gp r = take_gp(a, dst, true);
      a_.mov(r.r32(), r.r32());
      return true;
    }
    case Op::I64ExtendI32U:
      take_gp(a, dst, false);  // an i32 in a register is already zero-extended
      return true;
    case Op::I64ExtendI32S: {
      const x86::Gp r = take_gp(a, dst, false);
      a_.movsxd(r.r64(), r.r32());
      return true;
    }
    case Op::I64Extend32S: {
      const x86::Gp r = take_gp(a, dst, true);
      a_.movsxd(r.r64(), r.r32());
      return true;
    }
    case Op::I32Extend8S:
    case Op::I32Extend16S:
    case Op::I64Extend8S:
    case Op::I64Extend16S: {
      const bool wide = op == Op::I64Extend8S || op == Op::I64Extend16S;
      const bool byte = op == Op::I32Extend8S || op == Op::I64Extend8S;
      const x86::Gp r = take_gp(a, dst, wide);
      const x86::Gp out = wide ? x86::Gp(r.r64()) : x86::Gp(r.r32());
      if (byte)
        a_.movsx(out, r.r8());
      else
        a_.movsx(out, r.r16());
      return true;
    }
    default:
      // Reinterpretations: the same bits in the same slot; whoever reads them loads them into
      // the register class and width it needs.
      return true;
  }
}

bool X64Backend::float_op(Op op, uint32_t dst, uint32_t a, uint32_t b) {
  bool wide;
  switch (op) {
    case Op::F32Add:
    case Op::F32Sub:
    case Op::F32Mul:
    case Op::F32Div:
    case Op::F32Sqrt:
    case Op::F32Min:
    case Op::F32Max:
    case Op::F32Abs:
    case Op::F32Neg:
    case Op::F32Copysign:
    case Op::F32Ceil:
    case Op::F32Floor:
    case Op::F32Trunc:
    case Op::F32Nearest:
    case Op::F32Eq:
    case Op::F32Ne:
    case Op::F32Lt:
    case Op::F32Gt:
    case Op::F32Le:
    case Op::F32Ge:
      wide = false;
      break;
    case Op::F64Add:
    case Op::F64Sub:
    case Op::F64Mul:
    case Op::F64Div:
    case Op::F64Sqrt:
    case Op::F64Min:
    case Op::F64Max:
    case Op::F64Abs:
    case Op::F64Neg:
    case Op::F64Copysign:
    case Op::F64Ceil:
    case Op::F64Floor:
    case Op::F64Trunc:
    case Op::F64Nearest:
    case Op::F64Eq:
    case Op::F64Ne:
    case Op::F64Lt:
    case Op::F64Gt:
    case Op::F64Le:
    case Op::F64Ge:
      wide = true;
      break;
    default:
      return false;
  }
  const bool rounding = op == Op::F32Ceil || op == Op::F32Floor || op == Op::F32Trunc ||
                        op == Op::F32Nearest || op == Op::F64Ceil || op == Op::F64Floor ||
                        op == Op::F64Trunc || op == Op::F64Nearest;
  if (rounding && !sse41_) return false;
  lock(a);
  lock(b);
  settle();
  auto arith = [&](x86::Inst::Id ss, x86::Inst::Id sd) {
    const asmjit::Operand src = xmm_src(b, wide);
    const x86::Xmm r = take_xmm(a, dst, wide);
    a_.emit(wide ? sd : ss, r, src);
  };
  // ucomiss/sd x, y; unordered sets ZF, PF and CF, so "above" (CF=0, ZF=0) and "above or
  // equal" (CF=0) are false for NaNs: a < b is b above a.
  auto ordered = [&](uint32_t x, uint32_t y, CC cc) {
    const asmjit::Operand src = xmm_src(y, wide);
    const x86::Xmm rx = in_xmm(x, wide);
    a_.emit(wide ? x86::Inst::kIdUcomisd : x86::Inst::kIdUcomiss, rx, src);
    set_flags(dst, cc);
  };
  switch (op) {
    case Op::F32Add:
    case Op::F64Add:
      arith(x86::Inst::kIdAddss, x86::Inst::kIdAddsd);
      return true;
    case Op::F32Sub:
    case Op::F64Sub:
      arith(x86::Inst::kIdSubss, x86::Inst::kIdSubsd);
      return true;
    case Op::F32Mul:
    case Op::F64Mul:
      arith(x86::Inst::kIdMulss, x86::Inst::kIdMulsd);
      return true;
    case Op::F32Div:
    case Op::F64Div:
      arith(x86::Inst::kIdDivss, x86::Inst::kIdDivsd);
      return true;
    case Op::F32Sqrt:
    case Op::F64Sqrt: {
      const x86::Xmm r = take_xmm(a, dst, wide);
      if (wide)
        a_.sqrtsd(r, r);
      else
        a_.sqrtss(r, r);
      return true;
    }
    case Op::F32Min:
    case Op::F32Max:
    case Op::F64Min:
    case Op::F64Max: {
      // minss/maxss return the second operand for NaNs and for equal zeros; wasm wants NaN
      // propagated and -0 < +0.
      const bool is_min = op == Op::F32Min || op == Op::F64Min;
      const x86::Xmm xb = in_xmm(b, wide);
      const x86::Xmm r = take_xmm(a, dst, wide);
      asmjit::Label nan = a_.newLabel(), differ = a_.newLabel(), done = a_.newLabel();
      if (wide)
        a_.ucomisd(r, xb);
      else
        a_.ucomiss(r, xb);
      a_.jp(nan);
      a_.jne(differ);
      // Equal: only the zeros' signs can differ; or keeps a -0 (min), and a +0 (max).
      if (is_min)
        a_.orps(r, xb);
      else
        a_.andps(r, xb);
      a_.jmp(done);
      a_.bind(nan);
      if (wide)
        a_.addsd(r, xb);  // a quiet NaN
      else
        a_.addss(r, xb);
      a_.jmp(done);
      a_.bind(differ);
      if (is_min)
        wide ? a_.minsd(r, xb) : a_.minss(r, xb);
      else
        wide ? a_.maxsd(r, xb) : a_.maxss(r, xb);
      a_.bind(done);
      return true;
    }
    case Op::F32Abs:
      a_.and_(take_gp(a, dst, false), imm(0x7FFFFFFF));
      return true;
    case Op::F32Neg:
      a_.xor_(take_gp(a, dst, false), imm(0x80000000u));
      return true;
    case Op::F64Abs:
      a_.btr(take_gp(a, dst, true), 63);
      return true;
    case Op::F64Neg:
      a_.btc(take_gp(a, dst, true), 63);
      return true;
    case Op::F32Copysign:
    case Op::F64Copysign: {
      const x86::Gp rb = in_gp(b, wide);
      const x86::Gp r = take_gp(a, dst, wide);
      if (wide) {
        a_.btr(r, 63);
        a_.mov(x86::r11, rb);
        a_.shr(x86::r11, 63);
        a_.shl(x86::r11, 63);
        a_.or_(r, x86::r11);
      } else {
        a_.and_(r, imm(0x7FFFFFFF));
        a_.mov(x86::r11d, rb);
        a_.and_(x86::r11d, imm(0x80000000u));
        a_.or_(r, x86::r11d);
      }
      return true;
    }
    case Op::F32Ceil:
    case Op::F32Floor:
    case Op::F32Trunc:
    case Op::F32Nearest:
    case Op::F64Ceil:
    case Op::F64Floor:
    case Op::F64Trunc:
    case Op::F64Nearest: {
      // roundss/sd modes: 0 nearest even, 1 down, 2 up, 3 toward zero; 8 keeps the precision
      // exception quiet.
      int mode = 0;
      if (op == Op::F32Floor || op == Op::F64Floor) mode = 1;
      if (op == Op::F32Ceil || op == Op::F64Ceil) mode = 2;
      if (op == Op::F32Trunc || op == Op::F64Trunc) mode = 3;
      const x86::Xmm r = take_xmm(a, dst, wide);
      if (wide)
        a_.roundsd(r, r, imm(mode | 8));
      else
        a_.roundss(r, r, imm(mode | 8));
      return true;
    }
    case Op::F32Eq:
    case Op::F64Eq:
    case Op::F32Ne:
    case Op::F64Ne: {
      // Equal is ZF=1 and PF=0: two flags, so the result is materialized here.
      const asmjit::Operand src = xmm_src(b, wide);
      const x86::Xmm ra = in_xmm(a, wide);
      a_.emit(wide ? x86::Inst::kIdUcomisd : x86::Inst::kIdUcomiss, ra, src);
      const x86::Gp r = def_gp(dst);
      if (op == Op::F32Eq || op == Op::F64Eq) {
        a_.sete(r.r8());
        a_.setnp(x86::r11b);
        a_.and_(r.r8(), x86::r11b);
      } else {
        a_.setne(r.r8());
        a_.setp(x86::r11b);
        a_.or_(r.r8(), x86::r11b);
      }
      a_.movzx(r.r32(), r.r8());
      return true;
    }
    case Op::F32Lt:
    case Op::F64Lt:
      ordered(b, a, CC::kA);
      return true;
    case Op::F32Gt:
    case Op::F64Gt:
      ordered(a, b, CC::kA);
      return true;
    case Op::F32Le:
    case Op::F64Le:
      ordered(b, a, CC::kAE);
      return true;
    case Op::F32Ge:
    case Op::F64Ge:
      ordered(a, b, CC::kAE);
      return true;
    default:
      return false;
  }
}

void X64Backend::checked_truncate(const x86::Gp& out, bool is_signed, bool wide, uint32_t offset) {
  // xmm15 holds the f64 to convert. The open interval of values whose truncation fits: (lo, hi).
  double lo, hi;
  if (is_signed) {
    lo = wide ? -9223372036854777856.0 : -2147483649.0;
    hi = wide ? 9223372036854775808.0 : 2147483648.0;
  } else {
    lo = -1.0;
    hi = wide ? 18446744073709551616.0 : 4294967296.0;
  }
  const x86::Xmm x = x86::xmm15;
  a_.ucomisd(x, x);
  a_.jp(trap_label(TrapKind::InvalidConversion, offset));
  a_.ucomisd(x, f64_const(lo));
  a_.jbe(trap_label(TrapKind::IntegerOverflow, offset));
  a_.ucomisd(x, f64_const(hi));
  a_.jae(trap_label(TrapKind::IntegerOverflow, offset));
  if (!wide || is_signed) {
    a_.cvttsd2si(out.r64(), x);  // 64-bit: every i32 and u32 result fits
    if (!wide) a_.mov(out.r32(), out.r32());
    return;
  }
  // u64: values from 2^63 up convert after subtracting 2^63, which the top bit adds back.
  asmjit::Label small = a_.newLabel(), done = a_.newLabel();
  a_.ucomisd(x, f64_const(9223372036854775808.0));
  a_.jb(small);
  a_.subsd(x, f64_const(9223372036854775808.0));
  a_.cvttsd2si(out.r64(), x);
  a_.btc(out.r64(), 63);
  a_.jmp(done);
  a_.bind(small);
  a_.cvttsd2si(out.r64(), x);
  a_.bind(done);
}

bool X64Backend::conversion(Op op, uint32_t dst, uint32_t a, uint32_t offset) {
  switch (op) {
    case Op::I32TruncF32S:
    case Op::I32TruncF32U:
    case Op::I64TruncF32S:
    case Op::I64TruncF32U:
    case Op::I32TruncF64S:
    case Op::I32TruncF64U:
    case Op::I64TruncF64S:
    case Op::I64TruncF64U:
    case Op::F32ConvertI32S:
    case Op::F64ConvertI32S:
    case Op::F32ConvertI64S:
    case Op::F64ConvertI64S:
    case Op::F32ConvertI32U:
    case Op::F64ConvertI32U:
    case Op::F32ConvertI64U:
    case Op::F64ConvertI64U:
    case Op::F32DemoteF64:
    case Op::F64PromoteF32:
      break;
    default:
      return false;
  }
  lock(a);
  settle();
  switch (op) {
    case Op::I32TruncF32S:
    case Op::I32TruncF32U:
    case Op::I64TruncF32S:
    case Op::I64TruncF32U:
    case Op::I32TruncF64S:
    case Op::I32TruncF64U:
    case Op::I64TruncF64S:
    case Op::I64TruncF64U: {
      const bool from32 = op == Op::I32TruncF32S || op == Op::I32TruncF32U ||
                          op == Op::I64TruncF32S || op == Op::I64TruncF32U;
      const bool is_signed = op == Op::I32TruncF32S || op == Op::I64TruncF32S ||
                             op == Op::I32TruncF64S || op == Op::I64TruncF64S;
      const bool wide = op == Op::I64TruncF32S || op == Op::I64TruncF32U ||
                        op == Op::I64TruncF64S || op == Op::I64TruncF64U;
      load_xmm(x86::xmm15, a, !from32);
      if (from32) a_.cvtss2sd(x86::xmm15, x86::xmm15);  // every f32 is exactly an f64
      checked_truncate(def_gp(dst), is_signed, wide, offset);
      return true;
    }
    case Op::F32ConvertI32S:
    case Op::F64ConvertI32S:
    case Op::F32ConvertI64S:
    case Op::F64ConvertI64S: {
      const bool wide = op == Op::F32ConvertI64S || op == Op::F64ConvertI64S;
      const bool to32 = op == Op::F32ConvertI32S || op == Op::F32ConvertI64S;
      const asmjit::Operand src = gp_src(a, wide, /*allow_imm=*/false);
      const x86::Xmm r = def_xmm(dst);
      a_.xorps(r, r);  // no dependency on r's old value; f32's upper bits zero
      a_.emit(to32 ? x86::Inst::kIdCvtsi2ss : x86::Inst::kIdCvtsi2sd, r, src);
      return true;
    }
    case Op::F32ConvertI32U:
    case Op::F64ConvertI32U: {
      const x86::Gp src = in_gp(a, false).r64();  // zero-extended: converts exactly as an i64
      const x86::Xmm r = def_xmm(dst);
      a_.xorps(r, r);
      if (op == Op::F32ConvertI32U)
        a_.cvtsi2ss(r, src);
      else
        a_.cvtsi2sd(r, src);
      return true;
    }
    case Op::F32ConvertI64U:
    case Op::F64ConvertI64U: {
      // Above 2^63: halve (keeping the low bit, so rounding stays right), convert, double.
      const bool f32 = op == Op::F32ConvertI64U;
      const x86::Gp src = in_gp(a, true);
      const Reg t = alloc(false);
      set_locked(t, true);
      const x86::Xmm r = def_xmm(dst);
      asmjit::Label big = a_.newLabel(), done = a_.newLabel();
      a_.xorps(r, r);
      a_.test(src, src);
      a_.js(big);
      f32 ? a_.cvtsi2ss(r, src) : a_.cvtsi2sd(r, src);
      a_.jmp(done);
      a_.bind(big);
      a_.mov(x86::r11, src);
      a_.shr(x86::r11, 1);
      a_.mov(gp(t), src);
      a_.and_(x86::gpd(t), 1);
      a_.or_(x86::r11, gp(t));
      f32 ? a_.cvtsi2ss(r, x86::r11) : a_.cvtsi2sd(r, x86::r11);
      f32 ? a_.addss(r, r) : a_.addsd(r, r);
      a_.bind(done);
      return true;
    }
    case Op::F32DemoteF64: {
      const asmjit::Operand src = xmm_src(a, true);
      const x86::Xmm r = def_xmm(dst);
      a_.xorps(r, r);
      a_.emit(x86::Inst::kIdCvtsd2ss, r, src);
      return true;
    }
    default: {  // F64PromoteF32
      const asmjit::Operand src = xmm_src(a, false);
      const x86::Xmm r = def_xmm(dst);
      a_.emit(x86::Inst::kIdCvtss2sd, r, src);
      return true;
    }
  }
}

}  // namespace wrun::jit::x64
