// The x86-64 backend (backend.h), emitted with AsmJit's assembler.
//
// Registers: rsp addresses the frame (slot i at [rsp + 8i]); r12 holds the instance context,
// r13 memory 0's base (which never moves), r14 the argument array, rbx the stack pointer
// before the frame (the epilogue restores it). Everything else is scratch between
// instructions: each instruction loads its operands from their slots and stores its result,
// i32/f32 results zero-extended to the whole slot.
#include <asmjit/x86.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "jit/backend.h"
#include "jit/runtime_calls.h"
#include "runtime/fault_trap.h"
#include "runtime/instance_context.h"
#include "runtime/store.h"

namespace wrun::jit {

namespace {

namespace x86 = asmjit::x86;
using asmjit::imm;

x86::Mem slot_q(uint32_t s) { return x86::qword_ptr(x86::rsp, static_cast<int32_t>(s * 8)); }
x86::Mem slot_d(uint32_t s) { return x86::dword_ptr(x86::rsp, static_cast<int32_t>(s * 8)); }

class X64Backend final : public Backend {
 public:
  X64Backend(const rt::ContextLayout& layout, uint32_t num_imported_funcs, bool has_memory)
      : layout_(layout), imported_(num_imported_funcs), has_memory_(has_memory) {
    code_.init(asmjit::Environment::host());
    code_.attach(&a_);
    const asmjit::CpuFeatures& f = asmjit::CpuInfo::host().features();
    sse41_ = f.x86().hasSSE4_1();
    lzcnt_ = f.x86().hasLZCNT();
    bmi1_ = f.x86().hasBMI();
    popcnt_ = f.x86().hasPOPCNT();
    epilogue_ = a_.newLabel();
    trap_exit_ = a_.newLabel();
  }

  Label new_label() override {
    labels_.push_back(a_.newLabel());
    return static_cast<Label>(labels_.size() - 1);
  }
  void bind(Label l) override { a_.bind(labels_[l]); }

  void prologue(const FrameShape& f) override {
    shape_ = f;
    a_.push(x86::rbx);
    a_.push(x86::r12);
    a_.push(x86::r13);
    a_.push(x86::r14);
    a_.push(x86::r15);  // rsp is now 16-byte aligned
    a_.mov(x86::rbx, x86::rsp);
    a_.mov(x86::r12, x86::rdi);
    a_.mov(x86::r14, x86::rsi);
    // The frame's size is known at finish: a 32-bit immediate patched there.
    a_.sub(x86::rsp, imm(0x7FFFFFF0));
    frame_patch_ = a_.offset() - 4;
    // The native stack: below the store's limit is "call stack exhausted".
    a_.mov(x86::rax, x86::qword_ptr(x86::r12, static_cast<int32_t>(rt::kContextStackLimit)));
    a_.cmp(x86::rsp, x86::qword_ptr(x86::rax));
    asmjit::Label overflow = a_.newLabel();
    a_.jb(overflow);
    stubs_.push_back({overflow, TrapKind::StackExhausted, 0, /*restore_rsp=*/true});
    if (has_memory_)
      a_.mov(x86::r13, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.memory(0) +
                                                                     rt::kMemoryViewBase)));
    copy_slots([&](uint32_t i) { return x86::qword_ptr(x86::r14, static_cast<int32_t>(i * 8)); },
               [&](uint32_t i) { return slot_q(i); }, f.param_slots);
    if (f.local_slots > f.param_slots) {
      a_.xor_(x86::eax, x86::eax);
      const uint32_t n = f.local_slots - f.param_slots;
      if (n <= 16) {
        for (uint32_t i = 0; i < n; ++i) a_.mov(slot_q(f.param_slots + i), x86::rax);
      } else {
        a_.lea(x86::rdi, slot_q(f.param_slots));
        a_.mov(x86::ecx, imm(n));
        asmjit::Label loop = a_.newLabel();
        a_.bind(loop);
        a_.mov(x86::qword_ptr(x86::rdi), x86::rax);
        a_.add(x86::rdi, 8);
        a_.dec(x86::ecx);
        a_.jnz(loop);
      }
    }
  }

  void ret(uint32_t src) override {
    copy_slots([&](uint32_t i) { return slot_q(src + i); },
               [&](uint32_t i) { return x86::qword_ptr(x86::r14, static_cast<int32_t>(i * 8)); },
               shape_.result_slots);
    a_.xor_(x86::eax, x86::eax);
    a_.jmp(epilogue_);
  }

  void poll(uint32_t offset) override {
    asmjit::Label stub = a_.newLabel(), back = a_.newLabel();
    a_.mov(x86::rax, x86::qword_ptr(x86::r12, static_cast<int32_t>(rt::kContextPoll)));
    a_.cmp(x86::dword_ptr(x86::rax), 0);
    a_.jne(stub);
    a_.bind(back);
    polls_.push_back({stub, back, offset});
  }

  void trap(TrapKind kind, uint32_t offset) override { a_.jmp(trap_label(kind, offset)); }

  void copy(uint32_t dst, uint32_t src, uint32_t n) override {
    if (dst == src) return;
    copy_slots([&](uint32_t i) { return slot_q(src + i); },
               [&](uint32_t i) { return slot_q(dst + i); }, n);
  }

  void constant(uint32_t dst, uint64_t bits) override {
    if (static_cast<int64_t>(bits) == static_cast<int32_t>(bits)) {
      a_.mov(slot_q(dst), imm(static_cast<int32_t>(bits)));
    } else {
      a_.mov(x86::rax, imm(bits));
      a_.mov(slot_q(dst), x86::rax);
    }
  }

  void jump(Label target) override { a_.jmp(labels_[target]); }
  void branch(uint32_t cond, bool if_zero, Label target) override {
    a_.cmp(slot_d(cond), 0);
    if (if_zero)
      a_.je(labels_[target]);
    else
      a_.jne(labels_[target]);
  }
  void branch_table(uint32_t index, std::span<const Label> targets, Label fallback) override {
    a_.mov(x86::eax, slot_d(index));
    a_.cmp(x86::eax, imm(static_cast<uint32_t>(targets.size())));
    a_.jae(labels_[fallback]);
    asmjit::Label table = a_.newLabel();
    a_.lea(x86::rcx, x86::ptr(table));
    a_.movsxd(x86::rax, x86::dword_ptr(x86::rcx, x86::rax, 2));
    a_.add(x86::rax, x86::rcx);
    a_.jmp(x86::rax);
    tables_.push_back({table, std::vector<Label>(targets.begin(), targets.end())});
  }
  void select(ValType, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) override {
    a_.mov(x86::rax, slot_q(a));
    a_.mov(x86::rcx, slot_q(b));
    a_.cmp(slot_d(cond), 0);
    a_.cmove(x86::rax, x86::rcx);
    a_.mov(slot_q(dst), x86::rax);
  }

  bool numeric(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset) override;
  bool load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) override;
  bool store(Op op, const MemArg& m, uint32_t addr, uint32_t value, uint32_t offset) override;

  void memory_size(uint32_t memory, uint32_t dst) override {
    a_.mov(x86::rax, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.memory(memory) +
                                                                   rt::kMemoryViewBound)));
    a_.shr(x86::rax, 16);
    a_.mov(slot_q(dst), x86::rax);
  }
  void memory_grow(uint32_t memory, uint32_t dst, uint32_t delta, uint32_t) override {
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(memory));
    a_.mov(x86::edx, slot_d(delta));
    call_helper(reinterpret_cast<const void*>(&jit::memory_grow));
    a_.mov(x86::eax, x86::eax);
    a_.mov(slot_q(dst), x86::rax);
  }

  void global_get(uint32_t global, ValType, uint32_t dst) override {
    a_.mov(x86::rax, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.global(global))));
    a_.mov(x86::rax, x86::qword_ptr(x86::rax));
    a_.mov(slot_q(dst), x86::rax);
  }
  void global_set(uint32_t global, ValType, uint32_t src) override {
    a_.mov(x86::rax, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.global(global))));
    a_.mov(x86::rcx, slot_q(src));
    a_.mov(x86::qword_ptr(x86::rax), x86::rcx);
  }

  void call(uint32_t func, uint32_t args, uint32_t offset) override {
    asmjit::Label slow = a_.newLabel(), done = a_.newLabel();
    if (func >= imported_) {
      // A function of this instance: its native code, with this context, when it has one.
      a_.mov(x86::rax, x86::qword_ptr(x86::r12, static_cast<int32_t>(layout_.func(func))));
      a_.mov(x86::rax,
             x86::qword_ptr(x86::rax, static_cast<int32_t>(offsetof(rt::FuncInst, native_entry))));
      a_.test(x86::rax, x86::rax);
      a_.jz(slow);
      a_.mov(x86::rdi, x86::r12);
      a_.lea(x86::rsi, slot_q(args));
      a_.call(x86::rax);
      a_.test(x86::eax, x86::eax);
      a_.jnz(unwind_label(offset));
      a_.jmp(done);
    }
    a_.bind(slow);
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(func));
    a_.lea(x86::rdx, slot_q(args));
    call_helper(reinterpret_cast<const void*>(&jit::call_function));
    a_.test(x86::eax, x86::eax);
    a_.jnz(unwind_label(offset));
    a_.bind(done);
  }
  void call_indirect(uint32_t type, uint32_t table, uint32_t index, uint32_t args,
                     uint32_t offset) override {
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(table));
    a_.mov(x86::edx, imm(type));
    a_.mov(x86::ecx, slot_d(index));
    a_.lea(x86::r8, slot_q(args));
    call_helper(reinterpret_cast<const void*>(&jit::call_indirect));
    a_.test(x86::eax, x86::eax);
    a_.jnz(unwind_label(offset));
  }

  FunctionCode finish(uint32_t frame_slots) override;

 private:
  struct TrapStub {
    asmjit::Label label;
    TrapKind kind;
    uint32_t offset;
    bool restore_rsp = false;  // the frame may not be usable (stack overflow)
  };
  struct PollStub {
    asmjit::Label stub, back;
    uint32_t offset;
  };
  struct UnwindStub {
    asmjit::Label label;
    uint32_t offset;
  };
  struct JumpTable {
    asmjit::Label label;
    std::vector<Label> targets;
  };

  template <class From, class To>
  void copy_slots(From from, To to, uint32_t n) {
    if (n <= 16) {
      for (uint32_t i = 0; i < n; ++i) {
        a_.mov(x86::rax, from(i));
        a_.mov(to(i), x86::rax);
      }
      return;
    }
    x86::Mem f = from(0), t = to(0);
    a_.lea(x86::rsi, f);
    a_.lea(x86::rdi, t);
    a_.mov(x86::ecx, imm(n));
    asmjit::Label loop = a_.newLabel();
    a_.bind(loop);
    a_.mov(x86::rax, x86::qword_ptr(x86::rsi));
    a_.mov(x86::qword_ptr(x86::rdi), x86::rax);
    a_.add(x86::rsi, 8);
    a_.add(x86::rdi, 8);
    a_.dec(x86::ecx);
    a_.jnz(loop);
  }
  void call_helper(const void* fn) {
    a_.mov(x86::rax, imm(reinterpret_cast<uint64_t>(fn)));
    a_.call(x86::rax);
  }
  asmjit::Label trap_label(TrapKind kind, uint32_t offset) {
    for (const TrapStub& s : stubs_)
      if (s.kind == kind && s.offset == offset && !s.restore_rsp) return s.label;
    stubs_.push_back({a_.newLabel(), kind, offset});
    return stubs_.back().label;
  }
  asmjit::Label unwind_label(uint32_t offset) {
    unwinds_.push_back({a_.newLabel(), offset});
    return unwinds_.back().label;
  }
  // A memory operand for memory 0 at the i32 address in `addr` plus `offset` (rax, rcx used).
  x86::Mem address(uint32_t addr, uint64_t offset) {
    a_.mov(x86::eax, slot_d(addr));  // zero-extends: the index is unsigned
    if (offset <= 0x7FFFFFFF) return x86::ptr(x86::r13, x86::rax, 0, static_cast<int32_t>(offset));
    a_.mov(x86::ecx, imm(static_cast<uint32_t>(offset)));
    a_.add(x86::rax, x86::rcx);
    return x86::ptr(x86::r13, x86::rax);
  }
  // Notes the instruction about to be emitted as one that faults out of bounds.
  void memory_site(uint32_t offset) {
    sites_.push_back({static_cast<uint32_t>(a_.offset()),
                      rt::trap_site_reason(TrapKind::MemoryOutOfBounds), offset});
  }

  // Integer operations.
  bool int_binary(Op op, bool wide, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset);
  bool int_unary(Op op, uint32_t dst, uint32_t a);
  bool float_op(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset);
  bool conversion(Op op, uint32_t dst, uint32_t a, uint32_t offset);
  void compare_result(uint32_t dst) {
    a_.movzx(x86::eax, x86::al);
    a_.mov(slot_q(dst), x86::rax);
  }
  void store_f32(uint32_t dst) {  // xmm0's low 32 bits, zero-extended
    a_.movd(x86::eax, x86::xmm0);
    a_.mov(slot_q(dst), x86::rax);
  }
  void load_f64_const(const x86::Xmm& r, double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    a_.mov(x86::rcx, imm(bits));
    a_.movq(r, x86::rcx);
  }
  // f64 in xmm0 -> integer in rax, trapping as the spec says: NaN is an invalid conversion,
  // anything outside (lo, hi) an overflow.
  void checked_truncate(bool is_signed, bool wide, uint32_t offset);

  rt::ContextLayout layout_;
  uint32_t imported_;
  bool has_memory_;
  bool sse41_ = false, lzcnt_ = false, bmi1_ = false, popcnt_ = false;
  asmjit::CodeHolder code_;
  x86::Assembler a_;
  std::vector<asmjit::Label> labels_;
  asmjit::Label epilogue_, trap_exit_;
  FrameShape shape_;
  size_t frame_patch_ = 0;
  std::vector<TrapStub> stubs_;
  std::vector<PollStub> polls_;
  std::vector<UnwindStub> unwinds_;
  std::vector<JumpTable> tables_;
  std::vector<rt::TrapSite> sites_;
};

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
      return int_unary(op, dst, a);
    default:
      break;
  }
  if (float_op(op, dst, a, b, offset)) return true;
  return conversion(op, dst, a, offset);
}

bool X64Backend::int_binary(Op op, bool wide, uint32_t dst, uint32_t a, uint32_t b,
                            uint32_t offset) {
  const x86::Gp ax = wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
  const x86::Gp cx = wide ? x86::Gp(x86::rcx) : x86::Gp(x86::ecx);
  const x86::Gp dx = wide ? x86::Gp(x86::rdx) : x86::Gp(x86::edx);
  const x86::Mem ma = wide ? slot_q(a) : slot_d(a), mb = wide ? slot_q(b) : slot_d(b);
  auto result = [&](const x86::Gp& r) {
    if (!wide) a_.mov(r.r32(), r.r32());  // i32 results are zero-extended in their slot
    a_.mov(slot_q(dst), r.r64());
  };
  auto compare = [&](auto set) {
    a_.mov(ax, ma);
    a_.cmp(ax, mb);
    set();
    compare_result(dst);
  };
  switch (op) {
    case Op::I32Add:
    case Op::I64Add:
      a_.mov(ax, ma);
      a_.add(ax, mb);
      result(ax);
      return true;
    case Op::I32Sub:
    case Op::I64Sub:
      a_.mov(ax, ma);
      a_.sub(ax, mb);
      result(ax);
      return true;
    case Op::I32Mul:
    case Op::I64Mul:
      a_.mov(ax, ma);
      a_.imul(ax, mb);
      result(ax);
      return true;
    case Op::I32And:
    case Op::I64And:
      a_.mov(ax, ma);
      a_.and_(ax, mb);
      result(ax);
      return true;
    case Op::I32Or:
    case Op::I64Or:
      a_.mov(ax, ma);
      a_.or_(ax, mb);
      result(ax);
      return true;
    case Op::I32Xor:
    case Op::I64Xor:
      a_.mov(ax, ma);
      a_.xor_(ax, mb);
      result(ax);
      return true;
    case Op::I32Shl:
    case Op::I64Shl:
    case Op::I32ShrS:
    case Op::I64ShrS:
    case Op::I32ShrU:
    case Op::I64ShrU:
    case Op::I32Rotl:
    case Op::I64Rotl:
    case Op::I32Rotr:
    case Op::I64Rotr:
      // The hardware masks the count to 5 or 6 bits, as wasm does.
      a_.mov(x86::ecx, slot_d(b));
      a_.mov(ax, ma);
      switch (op) {
        case Op::I32Shl:
        case Op::I64Shl:
          a_.shl(ax, x86::cl);
          break;
        case Op::I32ShrS:
        case Op::I64ShrS:
          a_.sar(ax, x86::cl);
          break;
        case Op::I32ShrU:
        case Op::I64ShrU:
          a_.shr(ax, x86::cl);
          break;
        case Op::I32Rotl:
        case Op::I64Rotl:
          a_.rol(ax, x86::cl);
          break;
        default:
          a_.ror(ax, x86::cl);
          break;
      }
      result(ax);
      return true;
    case Op::I32DivS:
    case Op::I64DivS:
    case Op::I32RemS:
    case Op::I64RemS: {
      const bool rem = op == Op::I32RemS || op == Op::I64RemS;
      asmjit::Label normal = a_.newLabel(), done = a_.newLabel();
      a_.mov(cx, mb);
      a_.test(cx, cx);
      a_.jz(trap_label(TrapKind::IntegerDivideByZero, offset));
      a_.mov(ax, ma);
      a_.cmp(cx, -1);
      a_.jne(normal);
      // x / -1: overflows for the minimum (a trap), remainder 0 (idiv would fault).
      if (rem) {
        a_.xor_(x86::eax, x86::eax);
        a_.jmp(done);
      } else {
        if (wide) {
          a_.mov(x86::rdx, imm(INT64_MIN));
          a_.cmp(x86::rax, x86::rdx);
        } else {
          a_.cmp(x86::eax, imm(INT32_MIN));
        }
        a_.je(trap_label(TrapKind::IntegerOverflow, offset));
      }
      a_.bind(normal);
      if (wide)
        a_.cqo();
      else
        a_.cdq();
      a_.idiv(cx);
      if (rem) a_.mov(ax, dx);
      a_.bind(done);
      result(ax);
      return true;
    }
    case Op::I32DivU:
    case Op::I64DivU:
    case Op::I32RemU:
    case Op::I64RemU: {
      const bool rem = op == Op::I32RemU || op == Op::I64RemU;
      a_.mov(cx, mb);
      a_.test(cx, cx);
      a_.jz(trap_label(TrapKind::IntegerDivideByZero, offset));
      a_.mov(ax, ma);
      a_.xor_(x86::edx, x86::edx);
      a_.div(cx);
      if (rem) a_.mov(ax, dx);
      result(ax);
      return true;
    }
    case Op::I32Eq:
    case Op::I64Eq:
      compare([&] { a_.sete(x86::al); });
      return true;
    case Op::I32Ne:
    case Op::I64Ne:
      compare([&] { a_.setne(x86::al); });
      return true;
    case Op::I32LtS:
    case Op::I64LtS:
      compare([&] { a_.setl(x86::al); });
      return true;
    case Op::I32LtU:
    case Op::I64LtU:
      compare([&] { a_.setb(x86::al); });
      return true;
    case Op::I32GtS:
    case Op::I64GtS:
      compare([&] { a_.setg(x86::al); });
      return true;
    case Op::I32GtU:
    case Op::I64GtU:
      compare([&] { a_.seta(x86::al); });
      return true;
    case Op::I32LeS:
    case Op::I64LeS:
      compare([&] { a_.setle(x86::al); });
      return true;
    case Op::I32LeU:
    case Op::I64LeU:
      compare([&] { a_.setbe(x86::al); });
      return true;
    case Op::I32GeS:
    case Op::I64GeS:
      compare([&] { a_.setge(x86::al); });
      return true;
    case Op::I32GeU:
    case Op::I64GeU:
      compare([&] { a_.setae(x86::al); });
      return true;
    default:
      return false;
  }
}

bool X64Backend::int_unary(Op op, uint32_t dst, uint32_t a) {
  auto out64 = [&] { a_.mov(slot_q(dst), x86::rax); };
  switch (op) {
    case Op::I32Eqz:
      a_.cmp(slot_d(a), 0);
      a_.sete(x86::al);
      compare_result(dst);
      return true;
    case Op::I64Eqz:
      a_.cmp(slot_q(a), 0);
      a_.sete(x86::al);
      compare_result(dst);
      return true;
    case Op::I32Clz:
    case Op::I64Clz: {
      const bool wide = op == Op::I64Clz;
      const x86::Gp ax = wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
      const x86::Mem m = wide ? slot_q(a) : slot_d(a);
      if (lzcnt_) {
        a_.lzcnt(ax, m);
      } else {  // bsr leaves the index of the top bit; zero gives 2*width-1 ^ (width-1) = width
        a_.bsr(ax, m);
        a_.mov(x86::ecx, imm(wide ? 127 : 63));
        a_.cmovz(x86::eax, x86::ecx);
        a_.xor_(x86::eax, imm(wide ? 63 : 31));
      }
      a_.mov(x86::eax, x86::eax);
      out64();
      return true;
    }
    case Op::I32Ctz:
    case Op::I64Ctz: {
      const bool wide = op == Op::I64Ctz;
      const x86::Gp ax = wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
      const x86::Mem m = wide ? slot_q(a) : slot_d(a);
      if (bmi1_) {
        a_.tzcnt(ax, m);
      } else {
        a_.bsf(ax, m);
        a_.mov(x86::ecx, imm(wide ? 64 : 32));
        a_.cmovz(x86::eax, x86::ecx);
      }
      a_.mov(x86::eax, x86::eax);
      out64();
      return true;
    }
    case Op::I32Popcnt:
    case Op::I64Popcnt:
      if (!popcnt_) return false;
      if (op == Op::I64Popcnt)
        a_.popcnt(x86::rax, slot_q(a));
      else
        a_.popcnt(x86::eax, slot_d(a));
      out64();
      return true;
    case Op::I32WrapI64:
    case Op::I64ExtendI32U:
    case Op::I32ReinterpretF32:
    case Op::F32ReinterpretI32:
      a_.mov(x86::eax, slot_d(a));
      out64();
      return true;
    case Op::I64ReinterpretF64:
    case Op::F64ReinterpretI64:
      a_.mov(x86::rax, slot_q(a));
      out64();
      return true;
    case Op::I64ExtendI32S:
    case Op::I64Extend32S:
      a_.movsxd(x86::rax, slot_d(a));
      out64();
      return true;
    case Op::I32Extend8S:
      a_.movsx(x86::eax, x86::byte_ptr(x86::rsp, static_cast<int32_t>(a * 8)));
      out64();
      return true;
    case Op::I32Extend16S:
      a_.movsx(x86::eax, x86::word_ptr(x86::rsp, static_cast<int32_t>(a * 8)));
      out64();
      return true;
    case Op::I64Extend8S:
      a_.movsx(x86::rax, x86::byte_ptr(x86::rsp, static_cast<int32_t>(a * 8)));
      out64();
      return true;
    case Op::I64Extend16S:
      a_.movsx(x86::rax, x86::word_ptr(x86::rsp, static_cast<int32_t>(a * 8)));
      out64();
      return true;
    default:
      return false;
  }
}

bool X64Backend::float_op(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t) {
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
  const x86::Mem ma = wide ? slot_q(a) : slot_d(a), mb = wide ? slot_q(b) : slot_d(b);
  auto load = [&](const x86::Xmm& r, const x86::Mem& m) {
    if (wide)
      a_.movsd(r, m);
    else
      a_.movss(r, m);
  };
  auto out = [&] {
    if (wide)
      a_.movsd(slot_q(dst), x86::xmm0);
    else
      store_f32(dst);
  };
  auto arith = [&](auto emit) {
    load(x86::xmm0, ma);
    load(x86::xmm1, mb);
    emit();
    out();
  };
  auto ucomi = [&](const x86::Xmm& x, const x86::Xmm& y) {
    if (wide)
      a_.ucomisd(x, y);
    else
      a_.ucomiss(x, y);
  };
  switch (op) {
    case Op::F32Add:
      arith([&] { a_.addss(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F64Add:
      arith([&] { a_.addsd(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F32Sub:
      arith([&] { a_.subss(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F64Sub:
      arith([&] { a_.subsd(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F32Mul:
      arith([&] { a_.mulss(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F64Mul:
      arith([&] { a_.mulsd(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F32Div:
      arith([&] { a_.divss(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F64Div:
      arith([&] { a_.divsd(x86::xmm0, x86::xmm1); });
      return true;
    case Op::F32Sqrt:
      load(x86::xmm0, ma);
      a_.sqrtss(x86::xmm0, x86::xmm0);
      out();
      return true;
    case Op::F64Sqrt:
      load(x86::xmm0, ma);
      a_.sqrtsd(x86::xmm0, x86::xmm0);
      out();
      return true;
    case Op::F32Min:
    case Op::F32Max:
    case Op::F64Min:
    case Op::F64Max: {
      // minss/maxss return the second operand for NaNs and for equal zeros; wasm wants NaN
      // propagated and -0 < +0.
      const bool is_min = op == Op::F32Min || op == Op::F64Min;
      asmjit::Label nan = a_.newLabel(), differ = a_.newLabel(), done = a_.newLabel();
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm0, x86::xmm1);
      a_.jp(nan);
      a_.jne(differ);
      // Equal: only the zeros' signs can differ; or keeps a -0 (min), and a +0 (max).
      if (is_min)
        a_.orps(x86::xmm0, x86::xmm1);
      else
        a_.andps(x86::xmm0, x86::xmm1);
      a_.jmp(done);
      a_.bind(nan);
      if (wide)
        a_.addsd(x86::xmm0, x86::xmm1);  // a quiet NaN
      else
        a_.addss(x86::xmm0, x86::xmm1);
      a_.jmp(done);
      a_.bind(differ);
      if (is_min)
        wide ? a_.minsd(x86::xmm0, x86::xmm1) : a_.minss(x86::xmm0, x86::xmm1);
      else
        wide ? a_.maxsd(x86::xmm0, x86::xmm1) : a_.maxss(x86::xmm0, x86::xmm1);
      a_.bind(done);
      out();
      return true;
    }
    case Op::F32Abs:
      a_.mov(x86::eax, ma);
      a_.and_(x86::eax, imm(0x7FFFFFFF));
      a_.mov(slot_q(dst), x86::rax);
      return true;
    case Op::F32Neg:
      a_.mov(x86::eax, ma);
      a_.xor_(x86::eax, imm(0x80000000u));
      a_.mov(slot_q(dst), x86::rax);
      return true;
    case Op::F64Abs:
      a_.mov(x86::rax, ma);
      a_.btr(x86::rax, 63);
      a_.mov(slot_q(dst), x86::rax);
      return true;
    case Op::F64Neg:
      a_.mov(x86::rax, ma);
      a_.btc(x86::rax, 63);
      a_.mov(slot_q(dst), x86::rax);
      return true;
    case Op::F32Copysign:
      a_.mov(x86::eax, ma);
      a_.and_(x86::eax, imm(0x7FFFFFFF));
      a_.mov(x86::ecx, mb);
      a_.and_(x86::ecx, imm(0x80000000u));
      a_.or_(x86::eax, x86::ecx);
      a_.mov(slot_q(dst), x86::rax);
      return true;
    case Op::F64Copysign:
      a_.mov(x86::rax, ma);
      a_.btr(x86::rax, 63);
      a_.mov(x86::rcx, mb);
      a_.shr(x86::rcx, 63);
      a_.shl(x86::rcx, 63);
      a_.or_(x86::rax, x86::rcx);
      a_.mov(slot_q(dst), x86::rax);
      return true;
    case Op::F32Ceil:
    case Op::F32Floor:
    case Op::F32Trunc:
    case Op::F32Nearest:
    case Op::F64Ceil:
    case Op::F64Floor:
    case Op::F64Trunc:
    case Op::F64Nearest: {
      if (!sse41_) return false;
      // Rounding modes of roundss/sd: 0 nearest even, 1 down, 2 up, 3 toward zero; 8 keeps
      // the precision exception quiet.
      int mode = 0;
      if (op == Op::F32Floor || op == Op::F64Floor) mode = 1;
      if (op == Op::F32Ceil || op == Op::F64Ceil) mode = 2;
      if (op == Op::F32Trunc || op == Op::F64Trunc) mode = 3;
      load(x86::xmm0, ma);
      if (wide)
        a_.roundsd(x86::xmm0, x86::xmm0, imm(mode | 8));
      else
        a_.roundss(x86::xmm0, x86::xmm0, imm(mode | 8));
      out();
      return true;
    }
    case Op::F32Eq:
    case Op::F64Eq:
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm0, x86::xmm1);
      a_.sete(x86::al);
      a_.setnp(x86::cl);
      a_.and_(x86::al, x86::cl);
      compare_result(dst);
      return true;
    case Op::F32Ne:
    case Op::F64Ne:
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm0, x86::xmm1);
      a_.setne(x86::al);
      a_.setp(x86::cl);
      a_.or_(x86::al, x86::cl);
      compare_result(dst);
      return true;
    // Unordered sets CF, so "above" and "above or equal" are false for NaNs: a < b is b > a.
    case Op::F32Lt:
    case Op::F64Lt:
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm1, x86::xmm0);
      a_.seta(x86::al);
      compare_result(dst);
      return true;
    case Op::F32Gt:
    case Op::F64Gt:
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm0, x86::xmm1);
      a_.seta(x86::al);
      compare_result(dst);
      return true;
    case Op::F32Le:
    case Op::F64Le:
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm1, x86::xmm0);
      a_.setae(x86::al);
      compare_result(dst);
      return true;
    case Op::F32Ge:
    case Op::F64Ge:
      load(x86::xmm0, ma);
      load(x86::xmm1, mb);
      ucomi(x86::xmm0, x86::xmm1);
      a_.setae(x86::al);
      compare_result(dst);
      return true;
    default:
      return false;
  }
}

void X64Backend::checked_truncate(bool is_signed, bool wide, uint32_t offset) {
  // The open interval of values whose truncation fits: (lo, hi).
  double lo, hi;
  if (is_signed) {
    lo = wide ? -9223372036854777856.0 : -2147483649.0;
    hi = wide ? 9223372036854775808.0 : 2147483648.0;
  } else {
    lo = -1.0;
    hi = wide ? 18446744073709551616.0 : 4294967296.0;
  }
  a_.ucomisd(x86::xmm0, x86::xmm0);
  a_.jp(trap_label(TrapKind::InvalidConversion, offset));
  load_f64_const(x86::xmm1, lo);
  a_.ucomisd(x86::xmm0, x86::xmm1);
  a_.jbe(trap_label(TrapKind::IntegerOverflow, offset));
  load_f64_const(x86::xmm1, hi);
  a_.ucomisd(x86::xmm1, x86::xmm0);
  a_.jbe(trap_label(TrapKind::IntegerOverflow, offset));
  if (!wide || is_signed) {
    a_.cvttsd2si(x86::rax, x86::xmm0);  // 64-bit: every i32 and u32 result fits
    return;
  }
  // u64: values from 2^63 up convert after subtracting 2^63, which the top bit adds back.
  asmjit::Label small = a_.newLabel(), done = a_.newLabel();
  load_f64_const(x86::xmm1, 9223372036854775808.0);
  a_.ucomisd(x86::xmm0, x86::xmm1);
  a_.jb(small);
  a_.subsd(x86::xmm0, x86::xmm1);
  a_.cvttsd2si(x86::rax, x86::xmm0);
  a_.btc(x86::rax, 63);
  a_.jmp(done);
  a_.bind(small);
  a_.cvttsd2si(x86::rax, x86::xmm0);
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
    case Op::I64TruncF64U: {
      const bool from32 = op == Op::I32TruncF32S || op == Op::I32TruncF32U ||
                          op == Op::I64TruncF32S || op == Op::I64TruncF32U;
      const bool is_signed = op == Op::I32TruncF32S || op == Op::I64TruncF32S ||
                             op == Op::I32TruncF64S || op == Op::I64TruncF64S;
      const bool wide = op == Op::I64TruncF32S || op == Op::I64TruncF32U ||
                        op == Op::I64TruncF64S || op == Op::I64TruncF64U;
      if (from32) {  // every f32 is exactly an f64
        a_.movss(x86::xmm0, slot_d(a));
        a_.cvtss2sd(x86::xmm0, x86::xmm0);
      } else {
        a_.movsd(x86::xmm0, slot_q(a));
      }
      checked_truncate(is_signed, wide, offset);
      if (!wide) a_.mov(x86::eax, x86::eax);
      a_.mov(slot_q(dst), x86::rax);
      return true;
    }
    case Op::F32ConvertI32S:
      a_.cvtsi2ss(x86::xmm0, slot_d(a));
      store_f32(dst);
      return true;
    case Op::F64ConvertI32S:
      a_.cvtsi2sd(x86::xmm0, slot_d(a));
      a_.movsd(slot_q(dst), x86::xmm0);
      return true;
    case Op::F32ConvertI64S:
      a_.cvtsi2ss(x86::xmm0, slot_q(a));
      store_f32(dst);
      return true;
    case Op::F64ConvertI64S:
      a_.cvtsi2sd(x86::xmm0, slot_q(a));
      a_.movsd(slot_q(dst), x86::xmm0);
      return true;
    case Op::F32ConvertI32U:
    case Op::F64ConvertI32U:
      a_.mov(x86::eax, slot_d(a));  // zero-extended: a non-negative i64 converts exactly
      if (op == Op::F32ConvertI32U) {
        a_.cvtsi2ss(x86::xmm0, x86::rax);
        store_f32(dst);
      } else {
        a_.cvtsi2sd(x86::xmm0, x86::rax);
        a_.movsd(slot_q(dst), x86::xmm0);
      }
      return true;
    case Op::F32ConvertI64U:
    case Op::F64ConvertI64U: {
      // Above 2^63: halve (keeping the low bit, so rounding stays right), convert, double.
      const bool f32 = op == Op::F32ConvertI64U;
      asmjit::Label big = a_.newLabel(), done = a_.newLabel();
      a_.mov(x86::rax, slot_q(a));
      a_.test(x86::rax, x86::rax);
      a_.js(big);
      f32 ? a_.cvtsi2ss(x86::xmm0, x86::rax) : a_.cvtsi2sd(x86::xmm0, x86::rax);
      a_.jmp(done);
      a_.bind(big);
      a_.mov(x86::rcx, x86::rax);
      a_.shr(x86::rcx, 1);
      a_.and_(x86::eax, 1);
      a_.or_(x86::rcx, x86::rax);
      f32 ? a_.cvtsi2ss(x86::xmm0, x86::rcx) : a_.cvtsi2sd(x86::xmm0, x86::rcx);
      f32 ? a_.addss(x86::xmm0, x86::xmm0) : a_.addsd(x86::xmm0, x86::xmm0);
      a_.bind(done);
      if (f32)
        store_f32(dst);
      else
        a_.movsd(slot_q(dst), x86::xmm0);
      return true;
    }
    case Op::F32DemoteF64:
      a_.movsd(x86::xmm0, slot_q(a));
      a_.cvtsd2ss(x86::xmm0, x86::xmm0);
      store_f32(dst);
      return true;
    case Op::F64PromoteF32:
      a_.movss(x86::xmm0, slot_d(a));
      a_.cvtss2sd(x86::xmm0, x86::xmm0);
      a_.movsd(slot_q(dst), x86::xmm0);
      return true;
    default:
      return false;
  }
}

bool X64Backend::load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) {
  if (!has_memory_) return false;
  const x86::Mem base = address(addr, m.offset);
  x86::Mem at = base;
  memory_site(offset);
  switch (op) {
    case Op::I32Load:
    case Op::F32Load:
      at.setSize(4);
      a_.mov(x86::eax, at);
      break;
    case Op::I64Load:
    case Op::F64Load:
      at.setSize(8);
      a_.mov(x86::rax, at);
      break;
    case Op::I32Load8S:
      at.setSize(1);
      a_.movsx(x86::eax, at);
      break;
    case Op::I32Load8U:
    case Op::I64Load8U:
      at.setSize(1);
      a_.movzx(x86::eax, at);
      break;
    case Op::I32Load16S:
      at.setSize(2);
      a_.movsx(x86::eax, at);
      break;
    case Op::I32Load16U:
    case Op::I64Load16U:
      at.setSize(2);
      a_.movzx(x86::eax, at);
      break;
    case Op::I64Load8S:
      at.setSize(1);
      a_.movsx(x86::rax, at);
      break;
    case Op::I64Load16S:
      at.setSize(2);
      a_.movsx(x86::rax, at);
      break;
    case Op::I64Load32S:
      at.setSize(4);
      a_.movsxd(x86::rax, at);
      break;
    case Op::I64Load32U:
      at.setSize(4);
      a_.mov(x86::eax, at);
      break;
    default:
      sites_.pop_back();
      return false;
  }
  a_.mov(slot_q(dst), x86::rax);
  return true;
}

bool X64Backend::store(Op op, const MemArg& m, uint32_t addr, uint32_t value, uint32_t offset) {
  if (!has_memory_) return false;
  a_.mov(x86::rdx, slot_q(value));
  x86::Mem at = address(addr, m.offset);
  memory_site(offset);
  switch (op) {
    case Op::I32Store:
    case Op::F32Store:
    case Op::I64Store32:
      at.setSize(4);
      a_.mov(at, x86::edx);
      break;
    case Op::I64Store:
    case Op::F64Store:
      at.setSize(8);
      a_.mov(at, x86::rdx);
      break;
    case Op::I32Store8:
    case Op::I64Store8:
      at.setSize(1);
      a_.mov(at, x86::dl);
      break;
    case Op::I32Store16:
    case Op::I64Store16:
      at.setSize(2);
      a_.mov(at, x86::dx);
      break;
    default:
      sites_.pop_back();
      return false;
  }
  return true;
}

FunctionCode X64Backend::finish(uint32_t frame_slots) {
  // Out-of-line paths, after the body: polls, traps, unwinding after a trapping call.
  for (const PollStub& p : polls_) {
    a_.bind(p.stub);
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(shape_.func_index));
    a_.mov(x86::edx, imm(p.offset));
    call_helper(reinterpret_cast<const void*>(&poll_store));
    a_.test(x86::eax, x86::eax);
    a_.jnz(trap_exit_);
    a_.jmp(p.back);
  }
  for (const TrapStub& s : stubs_) {
    a_.bind(s.label);
    if (s.restore_rsp) {
      // Out of stack: call the runtime from where the frame began, not from below the limit.
      a_.mov(x86::rsp, x86::rbx);
    }
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(static_cast<uint32_t>(s.kind)));
    a_.mov(x86::edx, imm(shape_.func_index));
    a_.mov(x86::ecx, imm(s.offset));
    call_helper(reinterpret_cast<const void*>(&raise_trap));
    a_.jmp(trap_exit_);
  }
  for (const UnwindStub& u : unwinds_) {
    a_.bind(u.label);
    a_.mov(x86::rdi, x86::r12);
    a_.mov(x86::esi, imm(shape_.func_index));
    a_.mov(x86::edx, imm(u.offset));
    call_helper(reinterpret_cast<const void*>(&unwind_frame));
    a_.jmp(trap_exit_);
  }
  a_.bind(trap_exit_);
  a_.mov(x86::eax, 1);
  a_.bind(epilogue_);
  a_.mov(x86::rsp, x86::rbx);
  a_.pop(x86::r15);
  a_.pop(x86::r14);
  a_.pop(x86::r13);
  a_.pop(x86::r12);
  a_.pop(x86::rbx);
  a_.ret();
  for (const JumpTable& t : tables_) {
    a_.align(asmjit::AlignMode::kData, 4);
    a_.bind(t.label);
    for (Label target : t.targets) a_.embedLabelDelta(labels_[target], t.label, 4);
  }
  if (code_.flatten() != asmjit::kErrorOk || code_.resolveUnresolvedLinks() != asmjit::kErrorOk ||
      code_.relocateToBase(0) != asmjit::kErrorOk)
    throw std::runtime_error("jit: cannot assemble function");
  FunctionCode out;
  const asmjit::CodeBuffer& buf = code_.textSection()->buffer();
  out.bytes.assign(buf.data(), buf.data() + buf.size());
  // The frame: 16-byte aligned so that calls from it are aligned.
  const uint64_t bytes = (uint64_t{frame_slots} * 8 + 15) & ~uint64_t{15};
  const uint32_t frame = static_cast<uint32_t>(bytes);
  std::memcpy(out.bytes.data() + frame_patch_, &frame, 4);
  out.sites = std::move(sites_);
  return out;
}

}  // namespace

std::unique_ptr<Backend> make_host_backend(const rt::ContextLayout& layout,
                                           uint32_t num_imported_funcs, bool has_memory) {
  return std::make_unique<X64Backend>(layout, num_imported_funcs, has_memory);
}

}  // namespace wrun::jit
