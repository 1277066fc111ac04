// The x86-64 backend (backend.h), emitted with AsmJit's assembler. A single pass that keeps
// values in registers (a Liftoff-style value cache):
//
// - Homes: the most used i32/i64 locals live in rbx, rbp, r14 (callee-saved, so calls
//   keep them), then in rsi, rdi, r8 if used inside loops and more than twice as often as
//   the body calls, and the most used f32/f64 locals (by the same rule) in xmm8-xmm14, for
//   the whole function; caller-saved homes are saved around calls. A body without calls
//   takes rsi, rdi, r8 first (free there; a parameter arriving in one keeps it), then rbx,
//   rbp, r14 and r15 (see below). Other locals and the operand stack live in frame slots.
// - The cache: between control-flow points a slot's current value may be in a temporary
//   register (r9, r10, rax, rdx, rcx and the unused homes; xmm0-xmm7), a local's home (after
//   local.get, until the local changes), a constant not yet written, or the
//   flags of a compare not yet materialized (a following br_if/if/select uses them directly).
//   At labels, branches and calls the live ones are written back (Backend::live_below says
//   which are live), so every label sees one state: homes in their registers, the rest in
//   the frame.
// - v128 values are never cached: they stay in their two frame slots (simd_x64.cc).
// - Fixed: rsp addresses the frame ([rsp] the argument array when the function takes one,
//   slot i at [rsp + 8 + 8i]), r12 the instance context, r13 memory 0's base, r15 the
//   store's count of JIT frames left (Store::jit_frames_left, which the host entry loads
//   and which is stored back before any call that may enter wasm code again: each prologue
//   decrements and each epilogue increments a register, not memory). A body without calls
//   needs the count only in its prologue: it pushes r15 there, after which r15 is a home,
//   and pops it on the way out. r11 and xmm15 are scratch inside one instruction's code.
// - Calls: see Convention below. A call's arguments go straight from the cache into the
//   convention's registers (a parallel move), and its result stays in its register.
// - An i32 in a general register is always zero-extended (every i32 reaches one through a
//   32-bit operation), which makes it usable as a memory index directly: loads and stores
//   address [r13 + index + offset] and rely on the guard reservation.
#pragma once

#include <asmjit/x86.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jit/backend.h"

namespace wrun::jit::x64 {

namespace x86 = asmjit::x86;

// Registers by AsmJit id: 0-15 general purpose, 16-31 xmm0-xmm15.
using Reg = uint8_t;
constexpr Reg kXmmBase = 16;
constexpr uint32_t kNoSlot = UINT32_MAX;

// At most N elements, stored inline: the lists built at every call site (a convention's
// registers, the moves of its arguments) must not cost an allocation each.
template <class T, size_t N>
class InlineList {
 public:
  void push_back(const T& v) {
    if (size_ == N) throw BackendLimit("jit: inline list overflow");
    items_[size_++] = v;
  }
  void erase(T* at) {
    std::move(at + 1, end(), at);
    --size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return items_[i]; }
  const T& operator[](size_t i) const { return items_[i]; }
  T& front() { return items_[0]; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + size_; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }

 private:
  std::array<T, N> items_{};
  size_t size_ = 0;
};

class X64Backend final : public Backend {
 public:
  X64Backend(const rt::ContextLayout& layout, uint32_t num_imported_funcs, bool has_memory);

  uint32_t code_size() const override { return static_cast<uint32_t>(a_.offset()); }
  Label new_label() override;
  void bind(Label label) override;
  void prologue(const FrameShape& frame) override;
  void ret(uint32_t src) override;
  void poll(uint32_t offset, uint32_t units) override;
  void trap(TrapKind kind, uint32_t offset) override;
  void live_below(uint32_t height) override;
  void copy(uint32_t dst, uint32_t src, ValType type) override;
  void move_slots(uint32_t dst, uint32_t src, uint32_t slots) override;
  void constant(uint32_t dst, uint64_t bits) override;
  void jump(Label target) override;
  void branch(uint32_t cond, bool if_zero, Label target) override;
  void branch_table(uint32_t index, std::span<const Label> targets, Label fallback) override;
  void select(ValType type, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) override;
  bool numeric(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset) override;
  bool load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) override;
  bool store(Op op, const MemArg& m, uint32_t addr, uint32_t value, uint32_t offset) override;
  void memory_size(uint32_t memory, uint32_t dst) override;
  void global_get(uint32_t global, ValType type, uint32_t dst) override;
  void global_set(uint32_t global, ValType type, uint32_t src) override;
  void call(uint32_t func, const FuncType& type, uint32_t args, uint32_t offset) override;
  void call_indirect(uint32_t type, const FuncType& sig, uint32_t table, uint32_t index,
                     uint32_t args, uint32_t offset) override;
  bool reference(Op op, uint32_t index, uint32_t dst, uint32_t a, uint32_t b,
                 uint32_t offset) override;
  void call_runtime(RuntimeFn fn, uint32_t imm0, uint32_t imm1, uint32_t args,
                    uint32_t offset) override;
  bool simd_const(uint32_t dst, uint64_t lo, uint64_t hi) override;
  bool simd_op(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t c) override;
  bool simd_lane(Op op, uint32_t lane, uint32_t dst, uint32_t a, uint32_t b) override;
  bool simd_shuffle(const std::array<uint8_t, 16>& lanes, uint32_t dst, uint32_t a,
                    uint32_t b) override;
  bool simd_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) override;
  bool simd_store(Op op, const MemArg& m, uint32_t addr, uint32_t value, uint32_t offset) override;
  bool simd_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                      uint32_t vec, uint32_t offset) override;
  bool simd_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec,
                       uint32_t offset) override;
  void simd_select(uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) override;
  void simd_global_get(uint32_t global, uint32_t dst) override;
  void simd_global_set(uint32_t global, uint32_t src) override;
  FunctionCode finish(uint32_t frame_slots) override;
  std::optional<FunctionCode> adapter(uint32_t func, const FuncType& type) override;

  // Direct calls between functions of one module pass up to six integer arguments (i32,
  // i64, references) in rdi, rsi, rdx, rcx, r8, r9 and up to eight float ones in xmm0-xmm7,
  // and return one result in rdx or xmm0 (eax stays the status: 0, or 1 with a trap
  // pending); r12 and r13 are the caller's, already set. Other signatures (v128, more
  // arguments, several results) use the array convention, as every other caller does.
  static constexpr size_t kMaxRegisterParams = 6 + 8;
  struct Convention {
    InlineList<Reg, kMaxRegisterParams> params;  // by parameter
    std::optional<Reg> result;
  };
  static std::optional<Convention> convention(const FuncType& type);

 private:
  // --- Where each slot's value is (value_cache_x64.cc) -------------------------------------
  enum class Loc : uint8_t { Mem, Reg, Const, Flags };
  struct Value {
    Loc loc = Loc::Mem;
    Reg reg = 0;
    bool dirty = false;  // Reg or Const: the frame slot does not hold the value yet
    uint64_t bits = 0;   // Const
  };
  struct RegState {
    uint32_t slot = kNoSlot;  // the slot whose value it holds (a temporary), or none
  };
  // Registers that are an operand or result of the instruction being emitted (one bit each;
  // every instruction starts with none).
  uint32_t locked_ = 0;
  bool is_locked(Reg r) const { return (locked_ >> r) & 1; }
  void set_locked(Reg r, bool locked) {
    locked_ = locked ? locked_ | (1u << r) : locked_ & ~(1u << r);
  }

  static bool is_xmm(Reg r) { return r >= kXmmBase; }
  static x86::Gp gp(Reg r) { return x86::gpq(r); }
  static x86::Xmm xmm(Reg r) { return x86::xmm(r - kXmmBase); }
  static x86::Mem slot_mem(uint32_t s, uint32_t size = 8) {
    return x86::ptr(x86::rsp, static_cast<int32_t>(8 + uint64_t{s} * 8), size);
  }

  Value& val(uint32_t s) {
    const uint32_t chunk = s / kValueChunk;
    if (chunk >= vals_.size()) grow_values(chunk);
    return vals_[chunk][s % kValueChunk];
  }
  void grow_values(uint32_t chunk) {
    while (vals_.size() <= chunk) vals_.push_back(std::make_unique<Value[]>(kValueChunk));
  }
  bool has_home(uint32_t s) const { return s < homes_.size() && homes_[s] >= 0; }
  // s's value is in a temporary register of its own.
  bool is_temp(uint32_t s) {
    const Value& v = val(s);
    return v.loc == Loc::Reg && regs_[v.reg].slot == s;
  }
  // s (an operand) names a local's home register (local.get without a move).
  bool is_alias(uint32_t s) {
    const Value& v = val(s);
    return v.loc == Loc::Reg && !has_home(s) && regs_[v.reg].slot != s;
  }
  void detach_aliases(Reg home, uint32_t keep);
  // Keeps s's register, if any, for this instruction. Inline with unmap: they run several
  // times per instruction compiled.
  void lock(uint32_t s) {
    const Value& v = val(s);
    if (v.loc == Loc::Reg && !has_home(s)) set_locked(v.reg, true);
  }
  void unmap(uint32_t s) {
    if (has_home(s)) return;
    Value& v = val(s);
    if (is_temp(s)) regs_[v.reg].slot = kNoSlot;  // stays locked for this instruction
    if (s == flags_slot_) flags_slot_ = kNoSlot;
    v.loc = Loc::Mem;
    v.dirty = false;
  }
  void map(uint32_t s, Reg r);  // s's value is now in temporary r (dirty)
  Reg alloc(bool want_xmm);
  void claim(Reg r);  // frees r for this instruction's own use
  void write_back(uint32_t s);
  void settle();  // materializes a pending compare
  // Whether ZF already tells if s (in a register) is zero, in `wide` bits: a test can go.
  bool zero_flag_of(uint32_t s, bool wide) {
    const Value& v = val(s);
    return zf_.slot == s && zf_.wide == wide && zf_.end == a_.offset() && v.loc == Loc::Reg &&
           v.reg == zf_.reg;
  }
  // Writes every live cached value back to its slot; with forget, the cache is then empty.
  // Emits moves only (flags survive).
  void flush(bool forget);
  void forget_all();

  // Operands. The wide flag is the value's width: an i32 (or f32) loads as 32 bits.
  void load_gp(const x86::Gp& r, uint32_t s, bool wide);
  void load_xmm(const x86::Xmm& r, uint32_t s, bool wide);
  x86::Gp in_gp(uint32_t s, bool wide);
  x86::Xmm in_xmm(uint32_t s, bool wide);
  // The register, a sign-extending 32-bit immediate (with allow_imm), or the frame slot.
  asmjit::Operand gp_src(uint32_t s, bool wide, bool allow_imm = true);
  asmjit::Operand xmm_src(uint32_t s, bool wide);
  // A register for dst's new value.
  x86::Gp def_gp(uint32_t dst);
  x86::Xmm def_xmm(uint32_t dst);
  // a's value in a register that then holds dst's: a's own when a is a temporary and dst == a.
  x86::Gp take_gp(uint32_t a, uint32_t dst, bool wide);
  x86::Xmm take_xmm(uint32_t a, uint32_t dst, bool wide);
  void set_flags(uint32_t dst, x86::CondCode cc);
  // The condition "the i32 in cond is non-zero", in the flags: a pending compare's own, or a
  // test emitted here (a branch or select on it may emit only moves before using it). A
  // constant emits nothing and sets *constant to its truth instead.
  x86::CondCode condition(uint32_t cond, std::optional<bool>* constant);
  bool is_const(uint32_t s) { return val(s).loc == Loc::Const; }
  static bool fits_i32(uint64_t v) { return static_cast<int64_t>(v) == static_cast<int32_t>(v); }

  // --- Code helpers (backend_x64.cc) -------------------------------------------------------
  void call_helper(const void* fn);
  // Writes r15 back to Store::jit_frames_left, before a call through the runtime.
  void store_frames_left();
  // A loop copying n 8-byte words from [from] to [to] (pointers in r10 and r9 once loaded);
  // uses rax, rcx, r9, r10: nothing may be cached in them.
  void copy_words(const x86::Mem& from, const x86::Mem& to, uint32_t n);
  void spill_homes_for_call();
  // One value on its way into a register (a call's argument, a parameter into its home).
  struct RegMove {
    Reg dst;
    Loc from;  // Reg, Const or Mem
    Reg reg;
    uint64_t bits;
    uint32_t slot;
    ValType type;
  };
  // All of `moves` (distinct destinations) at once, as if every source were read first:
  // register moves in an order that reads a register before overwriting it (a cycle goes
  // through r11 or xmm15), then constants and loads.
  using RegMoves = InlineList<RegMove, kMaxRegisterParams>;
  void move_into_registers(RegMoves& moves);
  void move_reg(Reg dst, Reg src);
  // A value of type t from memory into r (an i32 or f32 as 32 bits: zero-extended in a
  // general register), and a register's 8 bytes to memory.
  void load_value(Reg r, ValType t, x86::Mem from);
  void store_reg(x86::Mem to, Reg r);
  // The array-call entry of a function whose direct calls use registers: it loads the
  // arguments from the array, calls the body and stores the result.
  void array_entry(const Convention& c);
  void reload_homes_after_call();
  asmjit::Label trap_label(TrapKind kind, uint32_t offset);
  asmjit::Label unwind_label(uint32_t offset);
  x86::Mem address(uint32_t addr, uint64_t offset);
  void memory_site(uint32_t offset);
  x86::Mem f64_const(double v);
  void patch_frame(size_t at) { frame_patches_.push_back(at); }

  // --- Numeric (numeric_x64.cc) ------------------------------------------------------------
  bool int_binary(Op op, bool wide, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset);
  bool int_unary(Op op, uint32_t dst, uint32_t a);
  bool float_op(Op op, uint32_t dst, uint32_t a, uint32_t b);
  bool conversion(Op op, uint32_t dst, uint32_t a, uint32_t offset);
  void divide(Op op, bool wide, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset);
  bool divide_by_constant(Op op, uint32_t dst, uint32_t a, uint32_t d);
  bool divide64_by_constant(Op op, uint32_t dst, uint32_t a, uint64_t d);
  void unsigned_quotient64(uint64_t d);  // rax = r11 / d
  void checked_truncate(const x86::Gp& out, bool is_signed, bool wide, uint32_t offset);

  // --- Saturating truncation, references, tables, runtime helpers (runtime_ops_x64.cc) -----
  bool saturating_truncate(Op op, uint32_t dst, uint32_t a);
  // --- 128-bit SIMD (simd_x64.cc) ----------------------------------------------------------
  // v128 values are never cached: each instruction loads its v128 operands from their slots
  // into scratch registers (temporaries it locks) and stores its v128 result back.
  bool simd_ok();                // false (said once on stderr) without SSE4.1 and SSSE3
  x86::Xmm simd_temp();          // a free xmm temporary, locked for this instruction
  x86::Xmm simd_in(uint32_t s);  // a v128 operand in a fresh temporary
  void simd_out(uint32_t dst, const x86::Xmm& x);
  x86::Mem v128_const(uint64_t lo, uint64_t hi);  // 16 bytes in the constant pool (aligned)
  x86::Mem v128_splat8(uint8_t v);
  x86::Mem v128_splat16(uint16_t v);
  x86::Mem v128_splat32(uint32_t v);
  x86::Mem v128_splat64(uint64_t v) { return v128_const(v, v); }
  bool simd_unary(Op op, uint32_t dst, uint32_t a);
  bool simd_binary(Op op, uint32_t dst, uint32_t a, uint32_t b);
  bool simd_float(Op op, uint32_t dst, uint32_t a, uint32_t b);
  bool simd_shift(Op op, uint32_t dst, uint32_t a, uint32_t b);
  bool simd_scalar(Op op, uint32_t dst, uint32_t a);      // splats, tests, bitmasks
  void i64x2_gt_s(const x86::Xmm& x, const x86::Xmm& y);  // x = x > y (signed), lanewise
  void emit_v128_consts();

  struct TrapStub {
    asmjit::Label label;
    TrapKind kind;
    uint32_t offset;
  };
  struct PollStub {
    asmjit::Label stub, back;
    uint32_t offset, units;
  };
  struct UnwindStub {
    asmjit::Label label;
    uint32_t offset;
  };
  struct JumpTable {
    asmjit::Label label;
    std::vector<Label> targets;
  };
  struct CallStub {
    asmjit::Label label;
    uint32_t func;
  };
  struct F64Const {
    asmjit::Label label;
    double value;
  };
  struct V128Const {
    asmjit::Label label;
    uint64_t lo, hi;
  };

  // An instruction AsmJit refuses (a backend bug) must not leave silently wrong code: the
  // first error is kept and finish() gives the function to the interpreter.
  struct Errors : asmjit::ErrorHandler {
    bool failed = false;
    std::string message;
    void handleError(asmjit::Error, const char* what, asmjit::BaseEmitter*) override {
      if (!failed) message = what;
      failed = true;
    }
  };

  rt::ContextLayout layout_;
  uint32_t imported_;
  bool has_memory_;
  bool sse41_ = false, lzcnt_ = false, bmi1_ = false, popcnt_ = false;
  Errors errors_;
  asmjit::CodeHolder code_;
  x86::Assembler a_;
  std::vector<asmjit::Label> labels_;
  std::vector<bool> jumped_to_;  // by label: some jump to it has been emitted
  asmjit::Label epilogue_, trap_exit_, frameless_exit_, overflow_, too_deep_, fault_landing_;
  FrameShape shape_;
  std::optional<Convention> direct_;  // this function's own, when its body takes registers
  asmjit::Label body_;
  std::vector<size_t> frame_patches_;  // 32-bit fields that receive the frame's size
  std::vector<Reg> pushed_;            // callee-saved homes, in push order
  std::vector<Reg> saved_homes_;       // caller-saved homes in use, saved around calls
  std::vector<uint32_t> saved_home_slots_;
  std::vector<Reg> gp_temps_;  // in the order they are handed out
  std::vector<int8_t> homes_;  // per local slot: its home register, or -1
  std::vector<TrapStub> stubs_;
  std::vector<PollStub> polls_;
  std::vector<UnwindStub> unwinds_;
  std::vector<JumpTable> tables_;
  std::vector<F64Const> f64_consts_;
  std::vector<CallStub> call_stubs_;
  std::vector<asmjit::Label> unlinked_calls_;  // register calls, before linking
  std::vector<FunctionCode::Call> calls_;
  std::vector<V128Const> v128_consts_;
  std::vector<rt::TrapSite> sites_;

  // By slot, in chunks: growing keeps references to values valid, and finding one is a
  // shift and a mask (this runs several times per instruction compiled).
  static constexpr uint32_t kValueChunk = 256;
  std::vector<std::unique_ptr<Value[]>> vals_;
  RegState regs_[32];
  std::vector<uint32_t> dirty_consts_, clean_consts_;
  std::vector<uint32_t> aliases_;  // operand slots that may name a home (see is_alias)
  uint32_t live_height_ = UINT32_MAX;
  uint32_t flags_slot_ = kNoSlot;
  x86::CondCode flags_cc_ = x86::CondCode::kE;
  // The instruction that just wrote `slot` in `reg` left ZF telling whether that value is
  // zero (in `wide` bits); valid while no code has been emitted after it (`end`).
  struct ZeroFlag {
    uint32_t slot = kNoSlot;
    Reg reg = 0;
    bool wide = false;
    size_t end = SIZE_MAX;
  } zf_;
  void note_zero_flag(uint32_t s, Reg r, bool wide) { zf_ = {s, r, wide, a_.offset()}; }
  // The `lea` that just computed slot lea_.slot (x + c): a local.set or local.tee of it into
  // a home can rewrite it to target the home (retarget_lea), saving the move.
  struct LastLea {
    uint32_t slot = kNoSlot;
    size_t start = 0, end = SIZE_MAX;
    Reg base = 0;
    int32_t disp = 0;
    bool wide = false;
  } lea_;
  bool retarget_lea(uint32_t src, Reg home);
  bool reachable_ = true;
};

}  // namespace wrun::jit::x64
