// The x86-64 backend (x64_backend.h): frames, control flow, memory, globals and calls.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "jit/runtime_calls.h"
#include "jit/x64/x64_backend.h"
#include "runtime/fault_trap.h"
#include "runtime/instance_context.h"
#include "runtime/store.h"

namespace wrun::jit {

namespace x64 {

using asmjit::imm;

namespace {

constexpr Reg kCalleeSavedHomes[] = {3, 5, 14};            // rbx, rbp, r14
constexpr Reg kCallerSavedHomes[] = {6, 7, 8};             // rsi, rdi, r8: also temporaries
constexpr Reg kXmmHomes[] = {24, 25, 26, 27, 28, 29, 30};  // xmm8-xmm14
constexpr Reg kFramesLeftRegister = 15;                    // r15 (x64_backend.h)
// Homes that must be saved and restored around every call go only to locals used at least
// this much (a use inside a loop weighs 4), and more than twice as much as the calls weigh.
constexpr uint32_t kSavedHomeWeight = 4;

// Where a FuncInst field lies, for generated code. Measured on an object: offsetof is only
// conditionally supported on FuncInst (not standard-layout: it owns a unique_ptr), and
// clang rejects it.
template <class T>
int32_t func_field(T rt::FuncInst::*field) {
  static const rt::FuncInst probe;
  return static_cast<int32_t>(reinterpret_cast<const char*>(&(probe.*field)) -
                              reinterpret_cast<const char*>(&probe));
}
// Temporaries, in the order they are handed out: rax, rdx and rcx late, because division and
// shifts want them; the caller-saved homes when no local has them.
constexpr Reg kGpTemps[] = {9, 10, 0, 2, 1};

}  // namespace

X64Backend::X64Backend(const rt::ContextLayout& layout, uint32_t num_imported_funcs,
                       bool has_memory)
    : layout_(layout), imported_(num_imported_funcs), has_memory_(has_memory) {
  code_.init(asmjit::Environment::host());
  code_.setErrorHandler(&errors_);
  code_.attach(&a_);
  a_.addEncodingOptions(asmjit::EncodingOptions::kOptimizedAlign);  // long nops
  const asmjit::CpuFeatures& f = asmjit::CpuInfo::host().features();
  sse41_ = f.x86().hasSSE4_1();
  lzcnt_ = f.x86().hasLZCNT();
  bmi1_ = f.x86().hasBMI();
  popcnt_ = f.x86().hasPOPCNT();
  epilogue_ = a_.newLabel();
  trap_exit_ = a_.newLabel();
  frameless_exit_ = a_.newLabel();
  overflow_ = a_.newLabel();
  too_deep_ = a_.newLabel();
  fault_landing_ = a_.newLabel();
}

Label X64Backend::new_label() {
  labels_.push_back(a_.newLabel());
  jumped_to_.push_back(false);
  return static_cast<Label>(labels_.size() - 1);
}

void X64Backend::bind(Label l) {
  // A label nothing has jumped to is reached only by falling through (the frontend binds a
  // label that later jumps reach, a loop's start, where the code before cannot fall in): the
  // cache stays as it is.
  if (reachable_ && !jumped_to_[l]) {
    a_.bind(labels_[l]);
    return;
  }
  // Every way into a label arrives with the cache written back: homes hold their locals,
  // everything else is in the frame.
  if (reachable_)
    flush(/*forget=*/true);
  else
    forget_all();
  a_.bind(labels_[l]);
  reachable_ = true;
}

void X64Backend::prologue(const FrameShape& f) {
  shape_ = f;
  homes_.assign(f.local_slots, -1);
  // A home in a caller-saved register costs a store and a load per call: worth it only for
  // a local used more than twice as often as the body calls. A body without calls pays
  // nothing for one, so every local it uses may have one.
  const uint32_t saved_home_weight =
      f.call_weight == 0 ? 1
                         : std::max(kSavedHomeWeight, std::min(f.call_weight, 1u << 30) * 2 + 1);
  std::vector<const LocalInfo*> ints, floats;
  for (const LocalInfo& l : f.locals) {
    if (l.weight == 0) continue;
    if (l.type == ValType::I32 || l.type == ValType::I64) ints.push_back(&l);
    if ((l.type == ValType::F32 || l.type == ValType::F64) && l.weight >= saved_home_weight)
      floats.push_back(&l);
  }
  auto heavier = [](const LocalInfo* x, const LocalInfo* y) { return x->weight > y->weight; };
  std::stable_sort(ints.begin(), ints.end(), heavier);
  std::stable_sort(floats.begin(), floats.end(), heavier);
  auto give_home = [&](const LocalInfo& l, Reg r, bool saved) {
    homes_[l.slot] = static_cast<int8_t>(r);
    if (saved) {
      saved_homes_.push_back(r);
      saved_home_slots_.push_back(l.slot);
    }
  };
  direct_ = convention(*f.type);
  gp_temps_.assign(std::begin(kGpTemps), std::end(kGpTemps));
  bool caller_saved_taken[std::size(kCallerSavedHomes)] = {};
  if (f.call_weight == 0) {
    // A body without calls: caller-saved homes first, as they cost nothing, and a parameter
    // that arrives in one of them keeps it (no move); then pushed homes. r15 is one of
    // those: such a body needs the count of frames left only at entry and exit, so it is
    // pushed with the count in it (the depth check below still sees the count) and popped
    // with it on every way out.
    constexpr size_t kHomes = std::size(kCallerSavedHomes) + std::size(kCalleeSavedHomes) + 1;
    const size_t n = std::min(ints.size(), kHomes);
    bool placed[kHomes] = {};
    for (size_t i = 0; i < n && direct_; ++i) {
      const auto p = static_cast<size_t>(ints[i] - f.locals.data());
      if (p >= f.type->params.size()) continue;
      for (size_t k = 0; k < std::size(kCallerSavedHomes); ++k) {
        if (caller_saved_taken[k] || kCallerSavedHomes[k] != direct_->params[p]) continue;
        give_home(*ints[i], kCallerSavedHomes[k], true);
        caller_saved_taken[k] = placed[i] = true;
      }
    }
    size_t k = 0, pushed = 0;
    for (size_t i = 0; i < n; ++i) {
      if (placed[i]) continue;
      while (k < std::size(kCallerSavedHomes) && caller_saved_taken[k]) ++k;
      if (k < std::size(kCallerSavedHomes)) {
        give_home(*ints[i], kCallerSavedHomes[k], true);
        caller_saved_taken[k] = true;
        continue;
      }
      const Reg r =
          pushed < std::size(kCalleeSavedHomes) ? kCalleeSavedHomes[pushed] : kFramesLeftRegister;
      ++pushed;
      give_home(*ints[i], r, false);
      pushed_.push_back(r);
    }
  } else {
    size_t next = 0;
    for (Reg r : kCalleeSavedHomes) {
      if (next == ints.size()) break;
      give_home(*ints[next++], r, false);
      pushed_.push_back(r);
    }
    for (size_t k = 0; k < std::size(kCallerSavedHomes); ++k) {
      if (next == ints.size() || ints[next]->weight < saved_home_weight) break;
      give_home(*ints[next++], kCallerSavedHomes[k], true);
      caller_saved_taken[k] = true;
    }
  }
  for (size_t k = 0; k < std::size(kCallerSavedHomes); ++k) {  // the others are temporaries
    if (!caller_saved_taken[k]) gp_temps_.insert(gp_temps_.begin(), kCallerSavedHomes[k]);
  }
  for (size_t i = 0; i < floats.size() && i < std::size(kXmmHomes); ++i)
    give_home(*floats[i], kXmmHomes[i], true);
  for (uint32_t s = 0; s < f.local_slots; ++s) {
    if (!has_home(s)) continue;
    Value& v = val(s);
    v.loc = Loc::Reg;
    v.reg = static_cast<Reg>(homes_[s]);
  }

  if (direct_) array_entry(*direct_);
  for (Reg r : pushed_) a_.push(gp(r));
  if (!direct_) a_.mov(x86::r12, x86::rdi);
  // The frame's size is known at finish (patched there). Below the store's limit the native
  // stack is exhausted: a trap, before the frame exists.
  a_.lea(x86::rax, x86::ptr(x86::rsp, -0x7FFFFFF0));
  patch_frame(a_.offset() - 4);
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(rt::kContextStackLimit)));
  a_.cmp(x86::rax, x86::qword_ptr(x86::r11));
  a_.jb(overflow_);
  // So is a call past max_call_depth frames of JIT code (the interpreter's limit for its own):
  // the count of frames left (r15) borrows.
  a_.sub(x86::r15d, 1);
  a_.jb(too_deep_);
  a_.mov(x86::rsp, x86::rax);
  if (direct_) {
    // The parameters, from their registers: the unhomed ones to their slots first, as the
    // moves into homes may overwrite parameter registers (rsi, rdi and r8 are both).
    RegMoves into_homes;
    for (uint32_t i = 0; i < f.type->params.size(); ++i) {
      const LocalInfo& l = f.locals[i];
      const Reg r = direct_->params[i];
      if (has_home(l.slot)) {
        into_homes.push_back({static_cast<Reg>(homes_[l.slot]), Loc::Reg, r, 0, l.slot, l.type});
      } else if (l.weight != 0) {  // a parameter no instruction names is never read
        store_reg(slot_mem(l.slot), r);
      }
    }
    move_into_registers(into_homes);
  } else {
    a_.mov(x86::qword_ptr(x86::rsp), x86::rsi);
    if (has_memory_) {
      a_.mov(x86::r13, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.memory(0) +
                                                                     rt::kMemoryViewBase)));
    }
  }
  // The frame copies of declared locals start at zero; a homed local's lives in its register
  // (a caller-saved home is stored before anything reads its slot).
  uint32_t unhomed = 0;
  for (uint32_t s = f.param_slots; s < f.local_slots; ++s) unhomed += has_home(s) ? 0 : 1;
  if (unhomed != 0) {
    a_.xor_(x86::eax, x86::eax);
    const uint32_t n = f.local_slots - f.param_slots;
    if (n <= 16) {
      for (uint32_t i = 0; i < n; ++i) {
        if (!has_home(f.param_slots + i)) a_.mov(slot_mem(f.param_slots + i), x86::rax);
      }
    } else {
      a_.lea(x86::r11, slot_mem(f.param_slots));
      a_.mov(x86::ecx, imm(n));
      asmjit::Label loop = a_.newLabel();
      a_.bind(loop);
      a_.mov(x86::qword_ptr(x86::r11), x86::rax);
      a_.add(x86::r11, 8);
      a_.dec(x86::ecx);
      a_.jnz(loop);
    }
  }
  if (!direct_) {
    // The parameters, from the argument array through r11 (rsi may be a home).
    a_.mov(x86::r11, x86::rsi);
    auto arg = [](uint32_t s, uint32_t size) {
      return x86::ptr(x86::r11, static_cast<int32_t>(uint64_t{s} * 8), size);
    };
    for (uint32_t s = 0; s < f.param_slots; ++s) {
      if (has_home(s)) continue;
      a_.mov(x86::rax, arg(s, 8));
      a_.mov(slot_mem(s), x86::rax);
    }
    for (const LocalInfo& l : f.locals) {
      if (l.slot >= f.param_slots || !has_home(l.slot)) continue;
      load_value(static_cast<Reg>(homes_[l.slot]), l.type, arg(l.slot, 8));
    }
  }
  for (uint32_t s = f.param_slots; s < f.local_slots; ++s) {
    if (!has_home(s)) continue;
    const Reg h = static_cast<Reg>(homes_[s]);
    if (is_xmm(h))
      a_.xorps(xmm(h), xmm(h));
    else
      a_.xor_(x86::gpd(h), x86::gpd(h));
  }
}

std::optional<X64Backend::Convention> X64Backend::convention(const FuncType& type) {
  static constexpr Reg kIntParams[] = {7, 6, 2, 1, 8, 9};  // rdi, rsi, rdx, rcx, r8, r9
  Convention c;
  size_t ints = 0, floats = 0;
  auto place = [&](ValType t) -> std::optional<Reg> {
    if (t == ValType::V128) return std::nullopt;
    if (t == ValType::F32 || t == ValType::F64) {
      if (floats == 8) return std::nullopt;
      return static_cast<Reg>(kXmmBase + floats++);
    }
    if (ints == std::size(kIntParams)) return std::nullopt;
    return kIntParams[ints++];
  };
  for (ValType t : type.params) {
    const std::optional<Reg> r = place(t);
    if (!r) return std::nullopt;
    c.params.push_back(*r);
  }
  if (type.results.size() > 1) return std::nullopt;
  if (type.results.size() == 1) {
    const ValType t = type.results[0];
    if (t == ValType::V128) return std::nullopt;
    c.result = t == ValType::F32 || t == ValType::F64 ? Reg{kXmmBase} : Reg{2};  // xmm0, rdx
  }
  return c;
}

void X64Backend::array_entry(const Convention& c) {
  body_ = a_.newLabel();
  asmjit::Label out = a_.newLabel();
  a_.mov(x86::r12, x86::rdi);
  if (has_memory_) {
    a_.mov(x86::r13,
           x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.memory(0) + rt::kMemoryViewBase)));
  }
  a_.push(x86::rsi);  // the array, for the result; also aligns rsp for the call
  a_.mov(x86::r11, x86::rsi);
  for (size_t i = 0; i < c.params.size(); ++i) {
    load_value(c.params[i], shape_.type->params[i],
               x86::qword_ptr(x86::r11, static_cast<int32_t>(i * 8)));
  }
  a_.call(body_);
  a_.pop(x86::rsi);
  if (c.result) {
    a_.test(x86::eax, x86::eax);
    a_.jnz(out);
    store_reg(x86::qword_ptr(x86::rsi), *c.result);
  }
  a_.bind(out);
  a_.ret();
  a_.align(asmjit::AlignMode::kCode, 16);
  a_.bind(body_);
}

void X64Backend::move_reg(Reg dst, Reg src) {
  if (dst == src) return;
  if (is_xmm(dst) && is_xmm(src))
    a_.movaps(xmm(dst), xmm(src));
  else if (is_xmm(dst))
    a_.movq(xmm(dst), gp(src));
  else if (is_xmm(src))
    a_.movq(gp(dst), xmm(src));
  else
    a_.mov(gp(dst), gp(src));
}

void X64Backend::load_value(Reg r, ValType t, x86::Mem from) {
  const bool is32 = t == ValType::I32 || t == ValType::F32;
  from.setSize(is32 ? 4 : 8);
  if (!is_xmm(r))
    a_.mov(is32 ? x86::gpd(r) : gp(r), from);
  else if (is32)
    a_.movss(xmm(r), from);
  else
    a_.movsd(xmm(r), from);
}

void X64Backend::store_reg(x86::Mem to, Reg r) {
  to.setSize(8);
  if (is_xmm(r))
    a_.movq(to, xmm(r));
  else
    a_.mov(to, gp(r));
}

void X64Backend::move_into_registers(RegMoves& moves) {
  InlineList<RegMove*, kMaxRegisterParams> pending;
  for (RegMove& m : moves)
    if (m.from == Loc::Reg && m.reg != m.dst) pending.push_back(&m);
  while (!pending.empty()) {
    // A move whose destination no other pending move still reads can go now.
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const RegMove* m) {
      return std::none_of(pending.begin(), pending.end(),
                          [&](const RegMove* o) { return o != m && o->reg == m->dst; });
    });
    if (ready != pending.end()) {
      move_reg((*ready)->dst, (*ready)->reg);
      pending.erase(ready);
      continue;
    }
    // Only cycles are left: one destination's value steps aside into scratch.
    const Reg d = pending.front()->dst;
    const Reg scratch = is_xmm(d) ? static_cast<Reg>(kXmmBase + 15) : Reg{11};
    move_reg(scratch, d);
    for (RegMove* o : pending)
      if (o->reg == d) o->reg = scratch;
  }
  for (const RegMove& m : moves) {
    const bool is32 = m.type == ValType::I32 || m.type == ValType::F32;
    if (m.from == Loc::Const) {
      const uint64_t bits = is32 ? static_cast<uint32_t>(m.bits) : m.bits;
      if (!is_xmm(m.dst)) {
        if (is32)
          a_.mov(x86::gpd(m.dst), imm(static_cast<uint32_t>(bits)));
        else
          a_.mov(gp(m.dst), imm(bits));
      } else if (bits == 0) {
        a_.xorps(xmm(m.dst), xmm(m.dst));
      } else {
        a_.mov(x86::r11, imm(bits));
        a_.movq(xmm(m.dst), x86::r11);
      }
    } else if (m.from == Loc::Mem) {
      load_value(m.dst, m.type, slot_mem(m.slot));
    }
  }
}

void X64Backend::copy_words(const x86::Mem& from, const x86::Mem& to, uint32_t n) {
  a_.lea(x86::r10, from);
  a_.lea(x86::r9, to);
  a_.mov(x86::ecx, imm(n));
  asmjit::Label loop = a_.newLabel();
  a_.bind(loop);
  a_.mov(x86::rax, x86::qword_ptr(x86::r10));
  a_.mov(x86::qword_ptr(x86::r9), x86::rax);
  a_.add(x86::r10, 8);
  a_.add(x86::r9, 8);
  a_.dec(x86::ecx);
  a_.jnz(loop);
}

void X64Backend::move_slots(uint32_t dst, uint32_t src, uint32_t slots) {
  settle();
  flush(/*forget=*/true);  // the values into the frame; nothing cached (the loop's registers)
  copy_words(slot_mem(src), slot_mem(dst), slots);
}

void X64Backend::ret(uint32_t src) {
  if (direct_) {  // the result into its register
    if (direct_->result) {
      lock(src);
      settle();
      const bool wide =
          shape_.type->results[0] != ValType::I32 && shape_.type->results[0] != ValType::F32;
      if (is_xmm(*direct_->result))
        load_xmm(xmm(*direct_->result), src, wide);
      else
        load_gp(gp(*direct_->result), src, wide);
    }
    a_.xor_(x86::eax, x86::eax);
    a_.jmp(epilogue_);
    reachable_ = false;
    return;
  }
  if (shape_.result_slots > 16) {  // many results: one loop, not code per result
    settle();
    flush(/*forget=*/true);
    a_.mov(x86::r11, x86::qword_ptr(x86::rsp));
    copy_words(slot_mem(src), x86::qword_ptr(x86::r11), shape_.result_slots);
    a_.xor_(x86::eax, x86::eax);
    a_.jmp(epilogue_);
    reachable_ = false;
    return;
  }
  for (uint32_t i = 0; i < shape_.result_slots; ++i) lock(src + i);
  settle();
  a_.mov(x86::r11, x86::qword_ptr(x86::rsp));
  auto out = [](uint32_t i) { return x86::qword_ptr(x86::r11, static_cast<int32_t>(i * 8)); };
  // Registers and small constants first; then what goes through rax.
  for (uint32_t i = 0; i < shape_.result_slots; ++i) {
    const Value& v = val(src + i);
    if (v.loc == Loc::Reg)
      store_reg(out(i), v.reg);
    else if (v.loc == Loc::Const && fits_i32(v.bits))
      a_.mov(out(i), imm(static_cast<int32_t>(v.bits)));
  }
  for (uint32_t i = 0; i < shape_.result_slots; ++i) {
    const Value& v = val(src + i);
    if (v.loc == Loc::Mem) {
      a_.mov(x86::rax, slot_mem(src + i));
      a_.mov(out(i), x86::rax);
    } else if (v.loc == Loc::Const && !fits_i32(v.bits)) {
      a_.mov(x86::rax, imm(v.bits));
      a_.mov(out(i), x86::rax);
    }
  }
  a_.xor_(x86::eax, x86::eax);
  a_.jmp(epilogue_);
  reachable_ = false;
}

void X64Backend::poll(uint32_t offset, uint32_t units) {
  settle();
  asmjit::Label stub = a_.newLabel(), back = a_.newLabel();
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(rt::kContextPoll)));
  a_.cmp(x86::dword_ptr(x86::r11), 0);
  a_.jne(stub);
  a_.bind(back);
  polls_.push_back({stub, back, offset, units});
}

void X64Backend::trap(TrapKind kind, uint32_t offset) {
  settle();
  a_.jmp(trap_label(kind, offset));
  reachable_ = false;
}

void X64Backend::jump(Label target) {
  flush(/*forget=*/false);
  jumped_to_[target] = true;
  a_.jmp(labels_[target]);
  reachable_ = false;
}

x86::CondCode X64Backend::condition(uint32_t cond, std::optional<bool>* constant) {
  if (cond == flags_slot_) {  // a compare right before: its flags decide
    flags_slot_ = kNoSlot;
    val(cond) = Value{};
    return flags_cc_;
  }
  settle();
  const Value& v = val(cond);
  if (v.loc == Loc::Const) {
    *constant = static_cast<uint32_t>(v.bits) != 0;
    return x86::CondCode::kNE;
  }
  if (v.loc == Loc::Mem) {
    a_.cmp(slot_mem(cond, 4), 0);
  } else if (!zero_flag_of(cond, false)) {
    const x86::Gp r = in_gp(cond, false);
    a_.test(r, r);
  }
  return x86::CondCode::kNE;
}

void X64Backend::branch(uint32_t cond, bool if_zero, Label target) {
  lock(cond);
  std::optional<bool> constant;
  x86::CondCode cc = condition(cond, &constant);
  if (constant) {
    if (*constant != if_zero) jump(target);
    return;
  }
  if (if_zero) cc = x86::negateCond(cc);
  flush(/*forget=*/false);  // moves only: the flags survive
  jumped_to_[target] = true;
  a_.j(cc, labels_[target]);
}

void X64Backend::branch_table(uint32_t index, std::span<const Label> targets, Label fallback) {
  lock(index);
  settle();
  const x86::Gp r = in_gp(index, false);  // may be a home: read, never written
  flush(/*forget=*/false);
  a_.cmp(r, imm(static_cast<uint32_t>(targets.size())));
  jumped_to_[fallback] = true;
  for (Label t : targets) jumped_to_[t] = true;
  a_.jae(labels_[fallback]);
  // Everything live is in the frame now: any temporary will do as scratch.
  const x86::Gp t = r.id() == x86::Gp::kIdAx ? x86::rcx : x86::rax;
  asmjit::Label table = a_.newLabel();
  a_.lea(x86::r11, x86::ptr(table));
  a_.movsxd(t, x86::dword_ptr(x86::r11, r.r64(), 2));
  a_.add(t, x86::r11);
  a_.jmp(t);
  tables_.push_back({table, std::vector<Label>(targets.begin(), targets.end())});
  reachable_ = false;
}

void X64Backend::select(ValType type, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) {
  lock(a);
  lock(b);
  lock(cond);
  std::optional<bool> constant;
  const x86::CondCode cc = condition(cond, &constant);  // "take a"
  if (constant) {
    if (!*constant) copy(dst, b, type);
    return;  // dst == a
  }
  // Only moves from here to the conditional: the flags survive.
  const bool wide = type != ValType::I32 && type != ValType::F32;
  if (type == ValType::F32 || type == ValType::F64) {
    const x86::Xmm xb = in_xmm(b, wide);
    const x86::Xmm r = take_xmm(a, dst, wide);
    asmjit::Label keep = a_.newLabel();
    a_.j(cc, keep);
    a_.movaps(r, xb);
    a_.bind(keep);
  } else {
    const asmjit::Operand ob = gp_src(b, wide, /*allow_imm=*/false);
    const x86::Gp r = take_gp(a, dst, wide);
    a_.emit(x86::Inst::cmovccFromCond(x86::negateCond(cc)), r, ob);
  }
}

// --- Memory ----------------------------------------------------------------------------------

x86::Mem X64Backend::address(uint32_t addr, uint64_t offset) {
  const Value& v = val(addr);
  if (v.loc == Loc::Const) {
    const uint64_t ea = uint64_t{static_cast<uint32_t>(v.bits)} + offset;  // < 2^33: guarded
    if (ea <= 0x7FFFFFFF) return x86::ptr(x86::r13, static_cast<int32_t>(ea));
    a_.mov(x86::r11, imm(ea));
    return x86::ptr(x86::r13, x86::r11);
  }
  const x86::Gp index = in_gp(addr, false).r64();  // zero-extended: an unsigned index
  if (offset <= 0x7FFFFFFF) return x86::ptr(x86::r13, index, 0, static_cast<int32_t>(offset));
  a_.mov(x86::r11, imm(offset));
  a_.add(x86::r11, index);
  return x86::ptr(x86::r13, x86::r11);
}

void X64Backend::memory_site(uint32_t offset) {
  sites_.push_back({static_cast<uint32_t>(a_.offset()),
                    rt::trap_site_reason(TrapKind::MemoryOutOfBounds), offset});
}

bool X64Backend::load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) {
  if (!has_memory_) return false;
  uint32_t size = 0;
  switch (op) {
    case Op::I32Load:
    case Op::F32Load:
    case Op::I64Load32S:
    case Op::I64Load32U:
      size = 4;
      break;
    case Op::I64Load:
    case Op::F64Load:
      size = 8;
      break;
    case Op::I32Load8S:
    case Op::I32Load8U:
    case Op::I64Load8S:
    case Op::I64Load8U:
      size = 1;
      break;
    case Op::I32Load16S:
    case Op::I32Load16U:
    case Op::I64Load16S:
    case Op::I64Load16U:
      size = 2;
      break;
    default:
      return false;
  }
  lock(addr);
  settle();
  const bool fp = op == Op::F32Load || op == Op::F64Load;
  // The result's register first: nothing may be allocated once address() has used r11.
  const Reg r = alloc(fp);
  set_locked(r, true);
  x86::Mem at = address(addr, m.offset);
  at.setSize(size);
  memory_site(offset);
  const x86::Gp g = gp(r);
  switch (op) {
    case Op::F32Load:
      a_.movss(xmm(r), at);
      break;
    case Op::F64Load:
      a_.movsd(xmm(r), at);
      break;
    case Op::I32Load:
    case Op::I64Load32U:
      a_.mov(g.r32(), at);
      break;
    case Op::I64Load:
      a_.mov(g, at);
      break;
    case Op::I32Load8S:
    case Op::I32Load16S:
      a_.movsx(g.r32(), at);
      break;
    case Op::I32Load8U:
    case Op::I64Load8U:
    case Op::I32Load16U:
    case Op::I64Load16U:
      a_.movzx(g.r32(), at);
      break;
    case Op::I64Load8S:
    case Op::I64Load16S:
      a_.movsx(g, at);
      break;
    default:
      a_.movsxd(g, at);
      break;  // I64Load32S
  }
  map(dst, r);
  return true;
}

bool X64Backend::store(Op op, const MemArg& m, uint32_t addr, uint32_t value, uint32_t offset) {
  if (!has_memory_) return false;
  uint32_t size = 0;
  switch (op) {
    case Op::I32Store:
    case Op::F32Store:
    case Op::I64Store32:
      size = 4;
      break;
    case Op::I64Store:
    case Op::F64Store:
      size = 8;
      break;
    case Op::I32Store8:
    case Op::I64Store8:
      size = 1;
      break;
    case Op::I32Store16:
    case Op::I64Store16:
      size = 2;
      break;
    default:
      return false;
  }
  lock(addr);
  lock(value);
  settle();
  // The value first (registers may be allocated), then the address (which may use r11).
  asmjit::Operand src;
  const Value& v = val(value);
  if (v.loc == Loc::Const && (size < 8 || fits_i32(v.bits))) {
    switch (size) {
      case 1:
        src = imm(static_cast<int8_t>(v.bits));
        break;
      case 2:
        src = imm(static_cast<int16_t>(v.bits));
        break;
      default:
        src = imm(static_cast<int32_t>(v.bits));
        break;  // sign-extended for 8 bytes
    }
  } else if (v.loc == Loc::Reg && is_xmm(v.reg) && (op == Op::F32Store || op == Op::F64Store)) {
    src = xmm(v.reg);
  } else {
    const x86::Gp g = in_gp(value, size == 8);
    switch (size) {
      case 1:
        src = g.r8();
        break;
      case 2:
        src = g.r16();
        break;
      case 4:
        src = g.r32();
        break;
      default:
        src = g.r64();
        break;
    }
  }
  x86::Mem at = address(addr, m.offset);
  at.setSize(size);
  memory_site(offset);
  if (src.isReg() && src.as<x86::Reg>().isXmm()) {
    if (size == 4)
      a_.movss(at, src.as<x86::Xmm>());
    else
      a_.movsd(at, src.as<x86::Xmm>());
  } else {
    a_.emit(x86::Inst::kIdMov, at, src);
  }
  return true;
}

void X64Backend::memory_size(uint32_t memory, uint32_t dst) {
  settle();
  const x86::Gp r = def_gp(dst);
  a_.mov(r, x86::qword_ptr(x86::r12,
                           static_cast<int32_t>(layout_.memory(memory) + rt::kMemoryViewBound)));
  a_.shr(r, 16);
}

// --- Globals ---------------------------------------------------------------------------------

void X64Backend::global_get(uint32_t global, ValType type, uint32_t dst) {
  settle();
  const int32_t cell = static_cast<int32_t>(layout_.global(global));
  if (type == ValType::F32 || type == ValType::F64) {
    const x86::Xmm x = def_xmm(dst);
    a_.mov(x86::r11, x86::qword_ptr(x86::r12, cell));
    if (type == ValType::F32)
      a_.movss(x, x86::dword_ptr(x86::r11));
    else
      a_.movsd(x, x86::qword_ptr(x86::r11));
  } else {
    const x86::Gp r = def_gp(dst);
    a_.mov(x86::r11, x86::qword_ptr(x86::r12, cell));
    if (type == ValType::I32)
      a_.mov(r.r32(), x86::dword_ptr(x86::r11));
    else
      a_.mov(r, x86::qword_ptr(x86::r11));
  }
}

void X64Backend::global_set(uint32_t global, ValType type, uint32_t src) {
  lock(src);
  settle();
  const bool wide = type != ValType::I32 && type != ValType::F32;
  // The whole 8-byte cell, i32 and f32 zero-extended, as the interpreter keeps it.
  const Value& v = val(src);
  asmjit::Operand value;
  if (v.loc == Loc::Reg && is_xmm(v.reg)) {
    value = xmm(v.reg);
  } else if (v.loc == Loc::Const && fits_i32(wide ? v.bits : static_cast<uint32_t>(v.bits))) {
    value = imm(static_cast<int32_t>(wide ? v.bits : static_cast<uint32_t>(v.bits)));
  } else {
    value = in_gp(src, wide).r64();
  }
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.global(global))));
  if (value.isReg() && value.as<x86::Reg>().isXmm())
    a_.movq(x86::qword_ptr(x86::r11), value.as<x86::Xmm>());
  else
    a_.emit(x86::Inst::kIdMov, x86::qword_ptr(x86::r11), value);
}

// --- Calls -----------------------------------------------------------------------------------

void X64Backend::store_frames_left() {
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(rt::kContextJitFramesLeft)));
  a_.mov(x86::dword_ptr(x86::r11), x86::r15d);
}

void X64Backend::call_helper(const void* fn) {
  a_.mov(x86::rax, imm(reinterpret_cast<uint64_t>(fn)));
  a_.call(x86::rax);
}

void X64Backend::spill_homes_for_call() {
  for (size_t i = 0; i < saved_homes_.size(); ++i) {
    store_reg(slot_mem(saved_home_slots_[i]), saved_homes_[i]);
  }
}

void X64Backend::reload_homes_after_call() {
  for (size_t i = 0; i < saved_homes_.size(); ++i) {
    const Reg r = saved_homes_[i];
    if (is_xmm(r))
      a_.movsd(xmm(r), slot_mem(saved_home_slots_[i]));
    else
      a_.mov(gp(r), slot_mem(saved_home_slots_[i]));
  }
}

void X64Backend::call(uint32_t func, const FuncType& type, uint32_t args, uint32_t offset) {
  const std::optional<Convention> c =
      func >= imported_ ? convention(type) : std::optional<Convention>{};
  if (c) {
    settle();
    // Where each argument is now: the moves into the convention's registers read them after
    // the rest of the cache is written back (moves and stores only: registers keep values).
    RegMoves moves;
    for (uint32_t i = 0; i < c->params.size(); ++i) {
      const Value& v = val(args + i);
      moves.push_back({c->params[i], v.loc, v.reg, v.bits, args + i, type.params[i]});
    }
    live_height_ = args;  // the arguments travel in registers: their slots are not written
    flush(/*forget=*/true);
    spill_homes_for_call();
    move_into_registers(moves);
    asmjit::Label unlinked = a_.newLabel();  // linking always points it elsewhere
    a_.call(unlinked);
    calls_.push_back({static_cast<uint32_t>(a_.offset() - 4), func, true});
    unlinked_calls_.push_back(unlinked);
    a_.test(x86::eax, x86::eax);
    a_.jnz(unwind_label(offset));
    reload_homes_after_call();
    if (c->result) map(args, *c->result);
    return;
  }
  settle();
  flush(/*forget=*/true);  // the arguments into the frame; calls keep no temporaries
  spill_homes_for_call();
  a_.mov(x86::rdi, x86::r12);
  a_.lea(x86::rsi, slot_mem(args));
  if (func >= imported_) {
    // A function of this module: a direct call, first to a stub that goes through the
    // runtime; linking points it at the callee's code when the callee was compiled.
    asmjit::Label through_runtime = a_.newLabel();
    a_.call(through_runtime);
    calls_.push_back({static_cast<uint32_t>(a_.offset() - 4), func, false});
    call_stubs_.push_back({through_runtime, func});
  } else {
    store_frames_left();
    a_.mov(x86::rdx, x86::rsi);
    a_.mov(x86::esi, imm(func));
    call_helper(reinterpret_cast<const void*>(&jit::call_function));
  }
  a_.test(x86::eax, x86::eax);
  a_.jnz(unwind_label(offset));
  reload_homes_after_call();
}

void X64Backend::call_indirect(uint32_t type, const FuncType& sig, uint32_t table, uint32_t index,
                               uint32_t args, uint32_t offset) {
  settle();
  flush(/*forget=*/true);  // the index too: it is read back from its slot
  spill_homes_for_call();
  // The checks inline, in the interpreter's order: bounds, null, then one compare of
  // canonical type ids.
  const auto view = static_cast<int32_t>(layout_.table(table));
  a_.mov(x86::eax, slot_mem(index, 4));
  a_.cmp(x86::rax, x86::qword_ptr(x86::r12, view + static_cast<int32_t>(rt::kTableViewSize)));
  a_.jae(trap_label(TrapKind::UndefinedElement, offset));
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, view + static_cast<int32_t>(rt::kTableViewBase)));
  a_.mov(x86::rax, x86::qword_ptr(x86::r11, x86::rax, 3));
  a_.test(x86::rax, x86::rax);
  a_.jz(trap_label(TrapKind::UninitializedElement, offset));
  a_.mov(x86::r11d, x86::dword_ptr(x86::r12, static_cast<int32_t>(layout_.type_id(type))));
  a_.cmp(x86::r11d, x86::dword_ptr(x86::rax, func_field(&rt::FuncInst::type_id)));
  a_.jne(trap_label(TrapKind::IndirectCallTypeMismatch, offset));
  // Native code of this instance: called directly, at its body (FuncInst::code) with the
  // arguments in registers when its type's convention says so. Anything else: through the
  // runtime, with the arguments in the frame.
  const std::optional<Convention> c = convention(sig);
  asmjit::Label other = a_.newLabel(), done = a_.newLabel();
  a_.mov(x86::r11, x86::qword_ptr(x86::r12, static_cast<int32_t>(rt::kContextInstance)));
  a_.cmp(x86::r11, x86::qword_ptr(x86::rax, func_field(&rt::FuncInst::instance)));
  a_.jne(other);
  a_.mov(x86::r11, x86::qword_ptr(x86::rax, func_field(&rt::FuncInst::native_entry)));
  a_.test(x86::r11, x86::r11);
  a_.jz(other);
  if (c) {
    a_.mov(x86::r11, x86::qword_ptr(x86::rax, func_field(&rt::FuncInst::code)));
    RegMoves moves;
    for (uint32_t i = 0; i < c->params.size(); ++i)
      moves.push_back({c->params[i], Loc::Mem, 0, 0, args + i, sig.params[i]});
    move_into_registers(moves);
  } else {
    a_.mov(x86::rdi, x86::r12);
    a_.lea(x86::rsi, slot_mem(args));
  }
  a_.call(x86::r11);
  a_.jmp(done);
  a_.bind(other);
  store_frames_left();
  a_.mov(x86::rdi, x86::r12);
  a_.mov(x86::rsi, x86::rax);
  a_.lea(x86::rdx, slot_mem(args));
  call_helper(reinterpret_cast<const void*>(&jit::call_ref));
  // The result where the direct call leaves it (a load keeps the flags).
  if (c && c->result) load_value(*c->result, sig.results[0], slot_mem(args));
  a_.bind(done);
  a_.test(x86::eax, x86::eax);
  a_.jnz(unwind_label(offset));
  reload_homes_after_call();
  if (c && c->result) map(args, *c->result);
}

// --- Out-of-line code and the finished function ----------------------------------------------

asmjit::Label X64Backend::trap_label(TrapKind kind, uint32_t offset) {
  for (const TrapStub& s : stubs_)
    if (s.kind == kind && s.offset == offset) return s.label;
  stubs_.push_back({a_.newLabel(), kind, offset});
  return stubs_.back().label;
}

asmjit::Label X64Backend::unwind_label(uint32_t offset) {
  unwinds_.push_back({a_.newLabel(), offset});
  return unwinds_.back().label;
}

x86::Mem X64Backend::f64_const(double v) {
  for (const F64Const& c : f64_consts_)
    if (std::memcmp(&c.value, &v, sizeof v) == 0) return x86::qword_ptr(c.label);
  f64_consts_.push_back({a_.newLabel(), v});
  return x86::qword_ptr(f64_consts_.back().label);
}

FunctionCode X64Backend::finish(uint32_t frame_slots) {
  const auto stubs_at = static_cast<uint32_t>(a_.offset());
  // Direct calls before linking: the native convention's (ctx, args) become
  // call_function(ctx, func, args), tail-called (the return address is the caller's).
  for (const CallStub& c : call_stubs_) {
    a_.bind(c.label);
    store_frames_left();
    a_.mov(x86::rdx, x86::rsi);
    a_.mov(x86::esi, imm(c.func));
    a_.mov(x86::rax, imm(reinterpret_cast<uint64_t>(&jit::call_function)));
    a_.jmp(x86::rax);
  }
  if (!unlinked_calls_.empty()) {  // linking points every register call at real code
    for (asmjit::Label l : unlinked_calls_) a_.bind(l);
    a_.ud2();
  }
  for (const PollStub& p : polls_) {
    a_.bind(p.stub);
    spill_homes_for_call();
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(shape_.func_index));
    a_.mov(x86::edx, imm(p.offset));
    a_.mov(x86::ecx, imm(p.units));
    call_helper(reinterpret_cast<const void*>(&poll_store));
    a_.test(x86::eax, x86::eax);
    a_.jnz(trap_exit_);
    reload_homes_after_call();
    a_.jmp(p.back);
  }
  // Each trap and unwind site has a stub of two or three instructions that names its wasm
  // offset and jumps back to one shared tail per kind, which calls the runtime: call sites
  // are many (one unwind stub each), so the tails are written once per function.
  if (!sites_.empty() || !stubs_.empty()) {
    // Where the fault handler resumes a faulting memory access (runtime/fault_handler.h), and
    // where trap stubs go: with the frame as it was, so the trap leaves through the epilogue
    // and the callers' unwinding like any other, each adding its frame to the backtrace.
    static_assert(rt::kLandingReasonRegister == 10 && rt::kLandingSourceRegister == 11);
    a_.bind(fault_landing_);
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, x86::r10d);
    a_.mov(x86::edx, imm(shape_.func_index));
    a_.mov(x86::ecx, x86::r11d);
    call_helper(reinterpret_cast<const void*>(&raise_trap));
    a_.jmp(trap_exit_);
    for (const TrapStub& s : stubs_) {
      a_.bind(s.label);
      a_.mov(x86::r10d, imm(static_cast<uint32_t>(s.kind)));
      a_.mov(x86::r11d, imm(s.offset));
      a_.jmp(fault_landing_);
    }
  }
  if (!unwinds_.empty()) {
    asmjit::Label unwind = a_.newLabel();
    a_.bind(unwind);
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(shape_.func_index));
    call_helper(reinterpret_cast<const void*>(&unwind_frame));
    a_.jmp(trap_exit_);
    for (const UnwindStub& u : unwinds_) {
      a_.bind(u.label);
      a_.mov(x86::edx, imm(u.offset));
      a_.jmp(unwind);
    }
  }
  a_.bind(trap_exit_);
  a_.mov(x86::eax, 1);
  a_.bind(epilogue_);
  a_.inc(x86::r15d);
  a_.add(x86::rsp, imm(0x7FFFFFF0));
  patch_frame(a_.offset() - 4);
  a_.bind(frameless_exit_);
  for (auto r = pushed_.rbegin(); r != pushed_.rend(); ++r) a_.pop(gp(*r));
  a_.ret();
  // Out of native stack or call depth, before the frame exists: the trap is the call's,
  // reported at the caller's call site as the interpreter does. Past the call depth, the
  // count that borrowed is put back first. The call to the runtime needs rsp aligned.
  a_.bind(too_deep_);
  a_.inc(x86::r15d);
  a_.bind(overflow_);
  const bool aligned = pushed_.size() % 2 == 1;
  if (!aligned) a_.sub(x86::rsp, 8);
  a_.mov(x86::rdi, x86::r12);
  a_.mov(x86::esi, imm(static_cast<uint32_t>(TrapKind::StackExhausted)));
  call_helper(reinterpret_cast<const void*>(&raise_call_trap));
  if (!aligned) a_.add(x86::rsp, 8);
  a_.mov(x86::eax, 1);
  a_.jmp(frameless_exit_);
  const auto data_at = static_cast<uint32_t>(a_.offset());
  for (const JumpTable& t : tables_) {
    a_.align(asmjit::AlignMode::kData, 4);
    a_.bind(t.label);
    for (Label target : t.targets) a_.embedLabelDelta(labels_[target], t.label, 4);
  }
  if (!f64_consts_.empty()) {
    a_.align(asmjit::AlignMode::kData, 8);
    for (const F64Const& c : f64_consts_) {
      a_.bind(c.label);
      a_.embedDouble(c.value);
    }
  }
  emit_v128_consts();
  if (errors_.failed) throw BackendLimit(std::string("jit: ") + errors_.message);
  if (code_.flatten() != asmjit::kErrorOk || code_.resolveUnresolvedLinks() != asmjit::kErrorOk ||
      code_.relocateToBase(0) != asmjit::kErrorOk)
    throw BackendLimit("jit: cannot assemble function");
  FunctionCode out;
  const asmjit::CodeBuffer& buf = code_.textSection()->buffer();
  out.bytes.assign(buf.data(), buf.data() + buf.size());
  // The argument pointer and the slots, then what keeps rsp 16-byte aligned for calls (the
  // return address and the pushed homes are on top of it).
  uint64_t bytes = (uint64_t{frame_slots} * 8 + 8 + 15) & ~uint64_t{15};
  if (pushed_.size() % 2 == 0) bytes += 8;
  const auto frame = static_cast<int32_t>(bytes);
  for (size_t at : frame_patches_) {
    int32_t field;
    std::memcpy(&field, out.bytes.data() + at, 4);
    field = field < 0 ? -frame : frame;
    std::memcpy(out.bytes.data() + at, &field, 4);
  }
  if (!sites_.empty()) {
    const auto landing = static_cast<uint32_t>(code_.labelOffsetFromBase(fault_landing_));
    for (rt::TrapSite& site : sites_) site.landing = landing;
  }
  out.sites = std::move(sites_);
  out.calls = std::move(calls_);
  out.stubs_at = stubs_at;
  out.data_at = data_at;
  if (direct_) out.body_at = static_cast<uint32_t>(code_.labelOffsetFromBase(body_));
  return out;
}

std::optional<FunctionCode> X64Backend::adapter(uint32_t func, const FuncType& type) {
  const std::optional<Convention> c = convention(type);
  if (!c) return std::nullopt;
  // An argument array on the stack (rsp 16-byte aligned again for the call), then the
  // runtime's call_function, as an array-convention call site would.
  const size_t slots = std::max({type.params.size(), type.results.size(), size_t{1}});
  const auto bytes = static_cast<int32_t>(slots * 8 + (slots % 2 == 0 ? 8 : 0));
  asmjit::Label out = a_.newLabel();
  a_.sub(x86::rsp, bytes);
  for (size_t i = 0; i < c->params.size(); ++i)
    store_reg(x86::qword_ptr(x86::rsp, static_cast<int32_t>(i * 8)), c->params[i]);
  store_frames_left();
  a_.mov(x86::rdi, x86::r12);
  a_.mov(x86::esi, imm(func));
  a_.mov(x86::rdx, x86::rsp);
  call_helper(reinterpret_cast<const void*>(&jit::call_function));
  if (c->result) {
    a_.test(x86::eax, x86::eax);
    a_.jnz(out);
    load_value(*c->result, type.results[0], x86::ptr(x86::rsp));
  }
  a_.bind(out);
  a_.add(x86::rsp, bytes);
  a_.ret();
  if (errors_.failed) throw BackendLimit(std::string("jit: ") + errors_.message);
  if (code_.flatten() != asmjit::kErrorOk || code_.relocateToBase(0) != asmjit::kErrorOk)
    throw BackendLimit("jit: cannot assemble an adapter");
  FunctionCode code;
  const asmjit::CodeBuffer& buf = code_.textSection()->buffer();
  code.bytes.assign(buf.data(), buf.data() + buf.size());
  code.stubs_at = code.data_at = static_cast<uint32_t>(code.bytes.size());
  return code;
}

}  // namespace x64

void link_call(std::span<uint8_t> code, uint32_t at, uint32_t target) {
  const auto rel = static_cast<int32_t>(static_cast<int64_t>(target) - (int64_t{at} + 4));
  std::memcpy(code.data() + at, &rel, 4);
}

std::vector<uint8_t> make_host_entry() {
  namespace x86 = asmjit::x86;
  asmjit::CodeHolder code;
  code.init(asmjit::Environment::host());
  x86::Assembler a(&code);
  const x86::Gp saved[] = {x86::rbx, x86::rbp, x86::r12, x86::r13, x86::r14, x86::r15};
  for (const x86::Gp& r : saved) a.push(r);
  a.sub(x86::rsp, 8);  // six pushes and the return address: 8 more for 16-byte alignment
  // Generated code keeps the store's count of JIT frames left in r15 (x64_backend.h).
  a.mov(x86::r15, x86::qword_ptr(x86::rdi, static_cast<int32_t>(rt::kContextJitFramesLeft)));
  a.mov(x86::r15d, x86::dword_ptr(x86::r15));
  a.call(x86::rdx);
  a.add(x86::rsp, 8);
  for (auto r = std::rbegin(saved); r != std::rend(saved); ++r) a.pop(*r);
  a.ret();
  if (code.flatten() != asmjit::kErrorOk) throw std::runtime_error("jit: cannot assemble entry");
  const asmjit::CodeBuffer& buf = code.textSection()->buffer();
  return std::vector<uint8_t>(buf.data(), buf.data() + buf.size());
}

std::unique_ptr<Backend> make_host_backend(const rt::ContextLayout& layout,
                                           uint32_t num_imported_funcs, bool has_memory) {
  return std::make_unique<x64::X64Backend>(layout, num_imported_funcs, has_memory);
}

}  // namespace wrun::jit
