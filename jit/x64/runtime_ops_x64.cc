// The x86-64 backend's saturating truncations, reference and table instructions, and calls
// of the runtime helpers that do the bulk memory and table instructions (x64_backend.h).
#include <cstdint>

#include "jit/runtime_calls.h"
#include "jit/x64/x64_backend.h"
#include "runtime/instance_context.h"

namespace wrun::jit::x64 {

using asmjit::imm;

// i32/i64.trunc_sat_f32/f64_s/u, inline: NaN gives 0, values beyond the result's range its
// minimum or maximum. The operand converts to f64 first (every f32 is exactly an f64).
bool X64Backend::saturating_truncate(Op op, uint32_t dst, uint32_t a) {
  bool from32 = false, is_signed = false, wide = false;
  switch (op) {
    case Op::I32TruncSatF32S:
      from32 = is_signed = true;
      break;
    case Op::I32TruncSatF32U:
      from32 = true;
      break;
    case Op::I32TruncSatF64S:
      is_signed = true;
      break;
    case Op::I32TruncSatF64U:
      break;
    case Op::I64TruncSatF32S:
      from32 = is_signed = wide = true;
      break;
    case Op::I64TruncSatF32U:
      from32 = wide = true;
      break;
    case Op::I64TruncSatF64S:
      is_signed = wide = true;
      break;
    case Op::I64TruncSatF64U:
      wide = true;
      break;
    default:
      return false;
  }
  lock(a);
  settle();
  const x86::Xmm x = x86::xmm15;
  load_xmm(x, a, !from32);
  if (from32) a_.cvtss2sd(x, x);
  const x86::Gp out = def_gp(dst);
  asmjit::Label done = a_.newLabel();
  a_.xor_(out.r32(), out.r32());
  a_.ucomisd(x, x);
  a_.jp(done);  // NaN: 0
  if (!wide) {
    // Clamped to the result's range (both ends exact in f64), the truncation fits: the 64-bit
    // conversion covers every u32, the 32-bit one zero-extends an i32.
    a_.maxsd(x, f64_const(is_signed ? -2147483648.0 : 0.0));
    a_.minsd(x, f64_const(is_signed ? 2147483647.0 : 4294967295.0));
    if (is_signed)
      a_.cvttsd2si(out.r32(), x);
    else
      a_.cvttsd2si(out.r64(), x);
  } else if (is_signed) {
    // From 2^63 up the maximum; below -2^63 the conversion's "indefinite" result, INT64_MIN,
    // is the minimum.
    a_.mov(out, imm(INT64_MAX));
    a_.ucomisd(x, f64_const(9223372036854775808.0));
    a_.jae(done);
    a_.cvttsd2si(out, x);
  } else {
    a_.ucomisd(x, f64_const(0.0));
    a_.jbe(done);  // up to 0: 0 (what lies in (-1, 0) truncates to 0 too)
    a_.mov(out, imm(-1));
    a_.ucomisd(x, f64_const(18446744073709551616.0));
    a_.jae(done);  // from 2^64 up: the maximum
    // From 2^63 up: convert after subtracting 2^63, which the top bit adds back.
    asmjit::Label small = a_.newLabel();
    a_.ucomisd(x, f64_const(9223372036854775808.0));
    a_.jb(small);
    a_.subsd(x, f64_const(9223372036854775808.0));
    a_.cvttsd2si(out, x);
    a_.btc(out, 63);
    a_.jmp(done);
    a_.bind(small);
    a_.cvttsd2si(out, x);
  }
  a_.bind(done);
  return true;
}

// References are 8-byte slots in general registers (a FuncInst*, a host pointer, 0 for null);
// tables are read through the instance context's TableView, which growth keeps current.
bool X64Backend::reference(Op op, uint32_t index, uint32_t dst, uint32_t a, uint32_t b,
                           uint32_t offset) {
  const auto table_base = static_cast<int32_t>(layout_.table(index) + rt::kTableViewBase);
  const auto table_size = static_cast<int32_t>(layout_.table(index) + rt::kTableViewSize);
  switch (op) {
    case Op::RefIsNull: {
      lock(a);
      settle();
      const Value& v = val(a);
      if (v.loc == Loc::Const) {
        constant(dst, v.bits == 0 ? 1 : 0);
        return true;
      }
      if (v.loc == Loc::Mem) {
        a_.cmp(slot_mem(a), 0);
      } else {
        const x86::Gp r = in_gp(a, true);
        a_.test(r, r);
      }
      set_flags(dst, x86::CondCode::kE);
      return true;
    }
    case Op::RefFunc: {
      settle();
      const x86::Gp r = def_gp(dst);
      a_.mov(r, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.func(index))));
      return true;
    }
    case Op::TableSize: {
      settle();
      const x86::Gp r = def_gp(dst);
      a_.mov(r.r32(), x86::dword_ptr(x86::r12, table_size));  // at most 2^32 - 1 entries
      return true;
    }
    case Op::TableGet: {
      lock(a);
      settle();
      const x86::Gp i = in_gp(a, false).r64();  // zero-extended: an unsigned index
      const Reg r = alloc(false);
      set_locked(r, true);
      a_.cmp(i, x86::qword_ptr(x86::r12, table_size));
      a_.jae(trap_label(TrapKind::TableOutOfBounds, offset));
      a_.mov(x86::r11, x86::qword_ptr(x86::r12, table_base));
      a_.mov(gp(r), x86::qword_ptr(x86::r11, i, 3));
      map(dst, r);
      return true;
    }
    case Op::TableSet: {
      lock(a);
      lock(b);
      settle();
      const x86::Gp i = in_gp(a, false).r64();
      const Value& v = val(b);
      asmjit::Operand value;
      if (v.loc == Loc::Const && fits_i32(v.bits))
        value = imm(static_cast<int32_t>(v.bits));
      else
        value = in_gp(b, true);
      a_.cmp(i, x86::qword_ptr(x86::r12, table_size));
      a_.jae(trap_label(TrapKind::TableOutOfBounds, offset));
      a_.mov(x86::r11, x86::qword_ptr(x86::r12, table_base));
      a_.emit(x86::Inst::kIdMov, x86::qword_ptr(x86::r11, i, 3), value);
      return true;
    }
    default:
      return false;
  }
}

void X64Backend::call_runtime(RuntimeFn fn, uint32_t imm0, uint32_t imm1, uint32_t args,
                              uint32_t offset) {
  settle();
  flush(/*forget=*/true);  // the operands into the frame, where the helper reads them
  spill_homes_for_call();
  a_.mov(x86::rdi, x86::r12);
  a_.mov(x86::esi, imm(imm0));
  a_.mov(x86::edx, imm(imm1));
  a_.lea(x86::rcx, slot_mem(args));
  call_helper(reinterpret_cast<const void*>(fn));
  a_.test(x86::eax, x86::eax);
  a_.jnz(unwind_label(offset));
  reload_homes_after_call();
}

}  // namespace wrun::jit::x64
