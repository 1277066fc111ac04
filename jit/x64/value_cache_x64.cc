// The x86-64 backend's value cache (x64_backend.h): which register, constant or flags hold
// each slot's value, and the moves that put values where an instruction needs them.
#include <stdexcept>

#include "jit/x64/x64_backend.h"

namespace wrun::jit::x64 {

namespace {

constexpr Reg kXmmTemps[] = {16, 17, 18, 19, 20, 21, 22, 23};

}  // namespace

void X64Backend::map(uint32_t s, Reg r) {
  unmap(s);
  regs_[r].slot = s;
  set_locked(r, true);
  Value& v = val(s);
  v.loc = Loc::Reg;
  v.reg = r;
  v.dirty = true;
}

Reg X64Backend::alloc(bool want_xmm) {
  const std::span<const Reg> order =
      want_xmm ? std::span<const Reg>(kXmmTemps) : std::span<const Reg>(gp_temps_);
  for (Reg r : order)
    if (regs_[r].slot == kNoSlot && !is_locked(r)) return r;
  // A value nothing reads again costs nothing to drop.
  for (Reg r : order) {
    if (!is_locked(r) && regs_[r].slot >= live_height_) {
      unmap(regs_[r].slot);
      return r;
    }
  }
  // Otherwise the deepest value on the stack goes back to its slot.
  Reg best = 0xFF;
  for (Reg r : order)
    if (!is_locked(r) && (best == 0xFF || regs_[r].slot < regs_[best].slot)) best = r;
  if (best == 0xFF) throw BackendLimit("jit: out of registers in one instruction");
  const uint32_t s = regs_[best].slot;
  if (val(s).dirty) write_back(s);
  unmap(s);
  return best;
}

void X64Backend::claim(Reg r) {
  const uint32_t s = regs_[r].slot;
  if (s != kNoSlot) {
    const bool was_locked = is_locked(r);
    set_locked(r, true);  // not the register the value moves to
    if (!was_locked && s >= live_height_) {
      unmap(s);
    } else {
      const Reg to = alloc(is_xmm(r));
      if (is_xmm(r))
        a_.movaps(xmm(to), xmm(r));
      else
        a_.mov(gp(to), gp(r));
      regs_[to].slot = s;
      set_locked(to, was_locked);
      val(s).reg = to;
      regs_[r].slot = kNoSlot;
    }
  }
  set_locked(r, true);
}

void X64Backend::write_back(uint32_t s) {
  Value& v = val(s);
  if (v.loc == Loc::Reg) {
    store_reg(slot_mem(s), v.reg);
  } else if (v.loc == Loc::Const) {
    if (fits_i32(v.bits)) {
      a_.mov(slot_mem(s), asmjit::imm(static_cast<int32_t>(v.bits)));
    } else {
      a_.mov(x86::r11, asmjit::imm(v.bits));
      a_.mov(slot_mem(s), x86::r11);
    }
  }
  v.dirty = false;
}

void X64Backend::settle() {
  if (flags_slot_ == kNoSlot) return;
  const uint32_t s = flags_slot_;
  flags_slot_ = kNoSlot;
  const Reg r = alloc(false);
  a_.set(flags_cc_, x86::gpb(r));
  a_.movzx(x86::gpd(r), x86::gpb(r));
  map(s, r);
}

void X64Backend::flush(bool forget) {
  settle();
  for (RegState& rs : regs_) {
    const uint32_t s = rs.slot;
    if (s == kNoSlot) continue;
    if (s < live_height_ && val(s).dirty) write_back(s);
    if (forget) unmap(s);
  }
  // Aliases go back to their slots (and stop naming the home): the list stays short.
  for (uint32_t s : aliases_) {
    if (!is_alias(s)) continue;
    if (s < live_height_ && val(s).dirty) write_back(s);
    val(s) = Value{};
  }
  aliases_.clear();
  for (uint32_t s : dirty_consts_) {
    Value& v = val(s);
    if (v.loc != Loc::Const) continue;
    if (v.dirty && s < live_height_) write_back(s);
    clean_consts_.push_back(s);
  }
  dirty_consts_.clear();
  if (forget) forget_all();
}

void X64Backend::forget_all() {
  for (RegState& rs : regs_)
    if (rs.slot != kNoSlot) unmap(rs.slot);
  for (auto* list : {&dirty_consts_, &clean_consts_}) {
    for (uint32_t s : *list) {
      Value& v = val(s);
      if (v.loc == Loc::Const) v = Value{};
    }
    list->clear();
  }
  if (flags_slot_ != kNoSlot) unmap(flags_slot_);
  for (uint32_t s : aliases_)
    if (is_alias(s)) val(s) = Value{};
  aliases_.clear();
}

void X64Backend::detach_aliases(Reg home, uint32_t keep) {
  // The home is about to change: operands that named it take its old value with them (or
  // drop it, when dead or already written back).
  size_t out = 0;
  for (uint32_t s : aliases_) {
    if (!is_alias(s)) continue;
    Value& v = val(s);
    if (v.reg != home || s == keep) {
      aliases_[out++] = s;
      continue;
    }
    if (s >= live_height_ || !v.dirty) {
      v = Value{};
      continue;
    }
    const Reg r = alloc(is_xmm(home));
    if (is_xmm(home))
      a_.movaps(xmm(r), xmm(home));
    else
      a_.mov(gp(r), gp(home));
    regs_[r].slot = s;
    set_locked(r, true);
    v.reg = r;
  }
  aliases_.resize(out);
}

void X64Backend::live_below(uint32_t height) {
  live_height_ = height;
  locked_ = 0;
}

void X64Backend::load_gp(const x86::Gp& r, uint32_t s, bool wide) {
  if (s == flags_slot_) settle();
  const Value& v = val(s);
  switch (v.loc) {
    case Loc::Reg:
      if (is_xmm(v.reg)) {
        if (wide)
          a_.movq(r.r64(), xmm(v.reg));
        else
          a_.movd(r.r32(), xmm(v.reg));
      } else if (v.reg != r.id()) {
        if (wide)
          a_.mov(r.r64(), gp(v.reg));
        else
          a_.mov(r.r32(), x86::gpd(v.reg));
      }
      return;
    case Loc::Const:
      if (wide)
        a_.mov(r.r64(), asmjit::imm(v.bits));
      else
        a_.mov(r.r32(), asmjit::imm(static_cast<uint32_t>(v.bits)));
      return;
    default:
      if (wide)
        a_.mov(r.r64(), slot_mem(s, 8));
      else
        a_.mov(r.r32(), slot_mem(s, 4));
      return;
  }
}

void X64Backend::load_xmm(const x86::Xmm& x, uint32_t s, bool wide) {
  if (s == flags_slot_) settle();
  const Value& v = val(s);
  switch (v.loc) {
    case Loc::Reg:
      if (!is_xmm(v.reg)) {
        if (wide)
          a_.movq(x, gp(v.reg));
        else
          a_.movd(x, x86::gpd(v.reg));
      } else if (xmm(v.reg) != x) {
        a_.movaps(x, xmm(v.reg));
      }
      return;
    case Loc::Const: {
      const uint64_t bits = wide ? v.bits : static_cast<uint32_t>(v.bits);
      if (bits == 0) {
        a_.xorps(x, x);
      } else if (wide) {
        a_.mov(x86::r11, asmjit::imm(bits));
        a_.movq(x, x86::r11);
      } else {
        a_.mov(x86::r11d, asmjit::imm(static_cast<uint32_t>(bits)));
        a_.movd(x, x86::r11d);
      }
      return;
    }
    default:
      if (wide)
        a_.movsd(x, slot_mem(s, 8));
      else
        a_.movss(x, slot_mem(s, 4));
      return;
  }
}

x86::Gp X64Backend::in_gp(uint32_t s, bool wide) {
  lock(s);
  if (s == flags_slot_) settle();
  Value& v = val(s);
  if (v.loc == Loc::Reg && !is_xmm(v.reg)) {
    lock(s);
    return wide ? gp(v.reg) : x86::Gp(x86::gpd(v.reg));
  }
  const Reg r = alloc(false);
  load_gp(gp(r), s, wide);
  if (v.loc == Loc::Mem) {
    map(s, r);
    val(s).dirty = false;  // a copy of the slot
  } else {
    set_locked(r, true);  // a scratch copy; the value stays where it is
  }
  return wide ? gp(r) : x86::Gp(x86::gpd(r));
}

x86::Xmm X64Backend::in_xmm(uint32_t s, bool wide) {
  lock(s);
  if (s == flags_slot_) settle();
  Value& v = val(s);
  if (v.loc == Loc::Reg && is_xmm(v.reg)) {
    lock(s);
    return xmm(v.reg);
  }
  const Reg r = alloc(true);
  load_xmm(xmm(r), s, wide);
  if (v.loc == Loc::Mem) {
    map(s, r);
    val(s).dirty = false;
  } else {
    set_locked(r, true);
  }
  return xmm(r);
}

asmjit::Operand X64Backend::gp_src(uint32_t s, bool wide, bool allow_imm) {
  if (s == flags_slot_) settle();
  const Value& v = val(s);
  if (v.loc == Loc::Reg && !is_xmm(v.reg)) return in_gp(s, wide);
  if (v.loc == Loc::Const && allow_imm && (!wide || fits_i32(v.bits)))
    return asmjit::imm(wide ? static_cast<int64_t>(v.bits) : static_cast<int32_t>(v.bits));
  if (v.loc == Loc::Mem) return slot_mem(s, wide ? 8 : 4);
  return in_gp(s, wide);
}

asmjit::Operand X64Backend::xmm_src(uint32_t s, bool wide) {
  if (s == flags_slot_) settle();
  const Value& v = val(s);
  if (v.loc == Loc::Reg && is_xmm(v.reg)) return in_xmm(s, wide);
  if (v.loc == Loc::Mem) return slot_mem(s, wide ? 8 : 4);
  return in_xmm(s, wide);
}

x86::Gp X64Backend::def_gp(uint32_t dst) {
  const Reg r = alloc(false);
  map(dst, r);
  return gp(r);
}

x86::Xmm X64Backend::def_xmm(uint32_t dst) {
  const Reg r = alloc(true);
  map(dst, r);
  return xmm(r);
}

x86::Gp X64Backend::take_gp(uint32_t a, uint32_t dst, bool wide) {
  lock(a);
  if (a == flags_slot_) settle();
  Value& v = val(a);
  if (a == dst && is_temp(a) && !is_xmm(v.reg)) {
    v.dirty = true;
    set_locked(v.reg, true);
    return wide ? gp(v.reg) : x86::Gp(x86::gpd(v.reg));
  }
  const Reg r = alloc(false);
  load_gp(gp(r), a, wide);
  map(dst, r);
  return wide ? gp(r) : x86::Gp(x86::gpd(r));
}

x86::Xmm X64Backend::take_xmm(uint32_t a, uint32_t dst, bool wide) {
  lock(a);
  if (a == flags_slot_) settle();
  Value& v = val(a);
  if (a == dst && is_temp(a) && is_xmm(v.reg)) {
    v.dirty = true;
    set_locked(v.reg, true);
    return xmm(v.reg);
  }
  const Reg r = alloc(true);
  load_xmm(xmm(r), a, wide);
  map(dst, r);
  return xmm(r);
}

void X64Backend::set_flags(uint32_t dst, x86::CondCode cc) {
  unmap(dst);
  val(dst).loc = Loc::Flags;
  flags_slot_ = dst;
  flags_cc_ = cc;
}

bool X64Backend::retarget_lea(uint32_t src, Reg home) {
  // Only the instruction just emitted can be rewritten in place: nothing jumps into it and
  // nothing came after it.
  if (lea_.slot != src || lea_.end != a_.offset() || !is_temp(src) || val(src).reg == home)
    return false;
  a_.setOffset(lea_.start);
  const bool wide = lea_.wide;
  const x86::Gp h = wide ? gp(home) : x86::Gp(x86::gpd(home));
  const bool in_place = lea_.base == home;
  if (in_place) {  // x = x + c: an add, whose ZF a following br_if can use
    a_.add(h, asmjit::imm(lea_.disp));
  } else {
    a_.lea(h, x86::ptr(gp(lea_.base), lea_.disp));
  }
  const bool tee = src < live_height_;
  unmap(src);
  lea_ = LastLea{};
  if (tee) {  // the value stays on the stack: as local.get, it names the home
    Value& v = val(src);
    v.loc = Loc::Reg;
    v.reg = home;
    v.dirty = true;
    aliases_.push_back(src);
    if (in_place) note_zero_flag(src, home, wide);
  }
  return true;
}

void X64Backend::copy(uint32_t dst, uint32_t src, ValType type) {
  if (dst == src) return;
  settle();
  if (type == ValType::V128) {  // never cached: only whole-frame code handles v128 today
    for (uint32_t i = 0; i < 2; ++i) {
      unmap(dst + i);
      a_.mov(x86::r11, slot_mem(src + i));
      a_.mov(slot_mem(dst + i), x86::r11);
    }
    return;
  }
  const bool fp = type == ValType::F32 || type == ValType::F64;
  const bool wide = type != ValType::I32 && type != ValType::F32;
  lock(src);
  if (has_home(dst)) {
    const Reg h = static_cast<Reg>(homes_[dst]);
    detach_aliases(h, src);
    if (!is_xmm(h) && retarget_lea(src, h)) return;
    if (is_xmm(h))
      load_xmm(xmm(h), src, wide);
    else
      load_gp(gp(h), src, wide);
    return;
  }
  Value& vs = val(src);
  if (vs.loc == Loc::Reg && has_home(src)) {
    // local.get of a local with a home: the operand names the home until either changes.
    unmap(dst);
    Value& vd = val(dst);
    vd.loc = Loc::Reg;
    vd.reg = vs.reg;
    vd.dirty = true;
    aliases_.push_back(dst);
    return;
  }
  if (is_temp(src) && src >= live_height_) {
    const Reg r = vs.reg;  // src is dead after this: its register changes hands
    unmap(src);
    map(dst, r);
    return;
  }
  if (vs.loc == Loc::Const) {
    const uint64_t bits = vs.bits;
    unmap(dst);
    Value& vd = val(dst);
    vd.loc = Loc::Const;
    vd.bits = bits;
    vd.dirty = true;
    dirty_consts_.push_back(dst);
    return;
  }
  const Reg r = alloc(fp);
  if (fp)
    load_xmm(xmm(r), src, wide);
  else
    load_gp(gp(r), src, wide);
  map(dst, r);
}

void X64Backend::constant(uint32_t dst, uint64_t bits) {
  settle();
  unmap(dst);
  Value& v = val(dst);
  v.loc = Loc::Const;
  v.bits = bits;
  v.dirty = true;
  dirty_consts_.push_back(dst);
}

}  // namespace wrun::jit::x64
