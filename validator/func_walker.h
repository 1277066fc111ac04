// The one opcode walker. It reads each instruction of a function body and its immediates once,
// type-checks it with the spec's operand/control-stack algorithm, and then tells a visitor what
// the instruction does with already-checked types and operand positions.
//
// Operand positions are "slots": every local and every operand-stack entry has a fixed slot
// number (8-byte units, v128 takes two) known at validation time, because the stack height at
// each instruction is static. Locals occupy slots [0, num_local_slots); the operand stack
// starts right after them. Executors that keep values in a frame (the interpreter) use slots
// directly as frame offsets; the JIT can map them to registers or stack spill slots.
//
// The visitor is called for every control instruction (block, loop, if, else, end), even in
// unreachable code, so it can keep its own control stack in step; every other instruction but
// `nop` (including `drop`, with the dropped operand's type and slot) is reported only when
// reachable (per the validator's notion of reachability). An instruction is reported only after
// its operands have been checked, so visitors never see invalid slots.
//
// Memory instructions report the memory they access: MemArg::memory for loads and stores
// (lane forms included), an explicit index for memory.size/grow/init/fill and both indices of
// memory.copy. In Wasm 2.0 the index is always 0 (an implicit memarg index, a reserved zero
// byte); WalkerFeatures::multi_memory reads the real encodings instead.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "decoder/limits.h"
#include "decoder/module.h"
#include "decoder/opcodes.h"
#include "decoder/reader.h"

namespace wrun {

inline uint32_t slots_of(ValType t) { return t == ValType::V128 ? 2 : 1; }
inline uint32_t slots_of(std::span<const ValType> ts) {
  uint32_t n = 0;
  for (ValType t : ts) n += slots_of(t);
  return n;
}

struct MemArg {
  uint32_t align_log2 = 0;
  uint64_t offset = 0;
  uint32_t memory = 0;
};

struct Operand {
  ValType type;
  uint32_t slot;
};

// Proposals the walker decodes beyond Wasm 2.0; all off by default. Turning one on is only
// meaningful once the decoder and validate_module accept the modules that need it.
struct WalkerFeatures {
  // Wasm 3.0 multi-memory: a memarg whose alignment field has bit 6 set carries a memory index
  // after it, and memory.size/grow/init/copy/fill take LEB memory indices where 2.0 reserves a
  // zero byte.
  bool multi_memory = false;
};

struct CtrlFrame {
  Op kind = Op::Block;  // Block, Loop, If, Else (an If after its else), or Block for the body
  std::span<const ValType> params;
  std::span<const ValType> results;
  uint32_t height = 0;       // operand count below the frame's params
  uint32_t slot_height = 0;  // slot where the params (and later the results) start
  bool unreachable = false;

  std::span<const ValType> label_types() const { return kind == Op::Loop ? params : results; }
  uint32_t label_slots() const { return slots_of(label_types()); }
};

// A visitor that ignores everything: plain validation.
struct NullVisitor {
  template <class W> void begin(const W&) {}
  template <class W> void finish(const W&) {}
  template <class... A> void on_unreachable(A&&...) {}
  template <class... A> void on_block(A&&...) {}
  template <class... A> void on_loop(A&&...) {}
  template <class... A> void on_if(A&&...) {}
  template <class... A> void on_else(A&&...) {}
  template <class... A> void on_end(A&&...) {}
  template <class... A> void on_br(A&&...) {}
  template <class... A> void on_br_if(A&&...) {}
  template <class... A> void on_br_table(A&&...) {}
  template <class... A> void on_return(A&&...) {}
  template <class... A> void on_call(A&&...) {}
  template <class... A> void on_call_indirect(A&&...) {}
  template <class... A> void on_drop(A&&...) {}
  template <class... A> void on_select(A&&...) {}
  template <class... A> void on_local_get(A&&...) {}
  template <class... A> void on_local_set(A&&...) {}
  template <class... A> void on_local_tee(A&&...) {}
  template <class... A> void on_global_get(A&&...) {}
  template <class... A> void on_global_set(A&&...) {}
  template <class... A> void on_const(A&&...) {}
  template <class... A> void on_numeric(A&&...) {}
  template <class... A> void on_ternary(A&&...) {}
  template <class... A> void on_v128_const(A&&...) {}
  template <class... A> void on_lane(A&&...) {}
  template <class... A> void on_shuffle(A&&...) {}
  template <class... A> void on_load_lane(A&&...) {}
  template <class... A> void on_store_lane(A&&...) {}
  template <class... A> void on_load(A&&...) {}
  template <class... A> void on_store(A&&...) {}
  template <class... A> void on_memory_size(A&&...) {}
  template <class... A> void on_memory_grow(A&&...) {}
  template <class... A> void on_memory_init(A&&...) {}
  template <class... A> void on_data_drop(A&&...) {}
  template <class... A> void on_memory_copy(A&&...) {}
  template <class... A> void on_memory_fill(A&&...) {}
  template <class... A> void on_table_get(A&&...) {}
  template <class... A> void on_table_set(A&&...) {}
  template <class... A> void on_table_size(A&&...) {}
  template <class... A> void on_table_grow(A&&...) {}
  template <class... A> void on_table_fill(A&&...) {}
  template <class... A> void on_table_copy(A&&...) {}
  template <class... A> void on_table_init(A&&...) {}
  template <class... A> void on_elem_drop(A&&...) {}
  template <class... A> void on_ref_null(A&&...) {}
  template <class... A> void on_ref_is_null(A&&...) {}
  template <class... A> void on_ref_func(A&&...) {}
};

template <class Visitor>
class FuncWalker {
 public:
  // `declared_refs` is C.refs: the functions ref.func may name (validator.h).
  FuncWalker(const DecodedModule& module, uint32_t func_index, Visitor& visitor,
             const std::vector<bool>& declared_refs, WalkerFeatures features = {})
      : m_(module),
        func_index_(func_index),
        v_(visitor),
        declared_refs_(declared_refs),
        features_(features),
        type_(module.func_type(func_index)),
        body_(module.code[func_index - module.num_imported_funcs]) {}

  void run();

  // --- Queries for the visitor -----------------------------------------------------------
  const DecodedModule& module() const { return m_; }
  uint32_t func_index() const { return func_index_; }
  const FuncType& func_type() const { return type_; }
  size_t num_locals() const { return num_locals_; }
  ValType local_type(uint32_t i) const {
    return i < direct_.size() ? direct_[i].type : run_of(i).type;
  }
  uint32_t local_slot(uint32_t i) const {
    if (i < direct_.size()) return direct_[i].slot;
    const LocalRun& r = run_of(i);
    return r.first_slot + (i - r.first) * slots_of(r.type);
  }
  uint32_t num_param_slots() const { return param_slots_; }
  uint32_t num_local_slots() const { return local_slot_count_; }  // params + declared locals
  uint32_t slot_height() const { return cur_slot_; }
  uint32_t max_slot_height() const { return max_slot_; }
  size_t ctrl_size() const { return ctrls_.size(); }
  const CtrlFrame& ctrl(uint32_t depth) const { return ctrls_[ctrls_.size() - 1 - depth]; }
  bool unreachable() const { return ctrls_.back().unreachable; }
  size_t instr_offset() const { return instr_offset_; }

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw DecodeError(msg, instr_offset_); }

  // --- Operand stack ---------------------------------------------------------------------
  void push(ValType t) {
    ops_.push_back({t, cur_slot_});
    cur_slot_ += slots_of(t);
    if (cur_slot_ > max_slot_) new_max_slot();
  }
  // The frame (locals and operand stack) reached a new height: bounded (decoder/limits.h), so
  // neither the walker's nor a visitor's per-slot tables can grow past it, and slot numbers
  // never wrap. Unreachable code counts too: its operands are still tracked here.
  void new_max_slot() {
    static_assert(uint64_t{limits::kLocals} * 2 <= limits::kFrameSlots, "locals always fit");
    if (cur_slot_ > limits::kFrameSlots)
      fail("function frame too large: more than " + std::to_string(limits::kFrameSlots) +
           " slots of locals and operands");
    max_slot_ = cur_slot_;
  }
  void push_all(std::span<const ValType> ts) {
    for (ValType t : ts) push(t);
  }
  Operand pop() {
    const CtrlFrame& f = ctrls_.back();
    if (ops_.size() == f.height) {
      if (f.unreachable) return {ValType::Bot, cur_slot_};
      fail("type mismatch");
    }
    Operand o = ops_.back();
    ops_.pop_back();
    cur_slot_ = o.slot;
    return o;
  }
  Operand pop(ValType expect) {
    Operand o = pop();
    if (o.type != expect && o.type != ValType::Bot && expect != ValType::Bot) fail("type mismatch");
    return o;
  }
  // Pops `ts` (last first); returns the slot where the first of them started.
  uint32_t pop_all(std::span<const ValType> ts) {
    for (size_t i = ts.size(); i-- > 0;) pop(ts[i]);
    return cur_slot_;
  }

  // --- Control stack ---------------------------------------------------------------------
  void push_ctrl(Op kind, std::span<const ValType> params, std::span<const ValType> results) {
    CtrlFrame f;
    f.kind = kind;
    f.params = params;
    f.results = results;
    f.height = static_cast<uint32_t>(ops_.size());
    f.slot_height = cur_slot_;
    ctrls_.push_back(f);
    push_all(params);
  }
  // Checks the frame's results are exactly what is on the stack above its height.
  void check_frame_end() {
    const CtrlFrame& f = ctrls_.back();
    pop_all(f.results);
    if (ops_.size() != f.height) fail("type mismatch");
  }
  void set_unreachable() {
    CtrlFrame& f = ctrls_.back();
    ops_.resize(f.height);
    cur_slot_ = f.slot_height;
    f.unreachable = true;
  }
  const CtrlFrame& label(uint32_t depth) {
    if (depth >= ctrls_.size()) fail("unknown label");
    return ctrls_[ctrls_.size() - 1 - depth];
  }
  // br_if: pops the label's types and pushes them back.
  void check_label_types(std::span<const ValType> ts) {
    pop_all(ts);
    push_all(ts);
  }
  // br_table: checks each label against the stack but pushes back what was popped, so an
  // unknown operand in unreachable code stays unknown for the next label (spec appendix).
  void check_label_types_keep(std::span<const ValType> ts) {
    std::vector<Operand>& popped = scratch_;
    popped.clear();
    for (size_t i = ts.size(); i-- > 0;) popped.push_back(pop(ts[i]));
    for (size_t i = popped.size(); i-- > 0;) push(popped[i].type);
  }

  // --- Immediates --------------------------------------------------------------------------
  void read_block_type(std::span<const ValType>& params, std::span<const ValType>& results);
  MemArg read_memarg(Op op);
  void read_zero_byte() {
    if (r_->u8() != 0) fail("zero byte expected");
  }
  // The memidx immediate of memory.size/grow/init/copy/fill: a reserved zero byte in 2.0 (not a
  // LEB zero), any index with multi-memory.
  uint32_t read_memidx() {
    if (features_.multi_memory) return r_->u32();
    read_zero_byte();
    return 0;
  }
  void check_memory(uint32_t idx) {
    if (idx >= m_.memories.size()) fail("unknown memory " + std::to_string(idx));
  }
  // The type of addresses, sizes and page counts of memory `idx` (already checked). i32 here;
  // memory64 makes it the memory type's index type, and memory.copy's length the narrower of
  // its two memories'.
  ValType addr_type(uint32_t) const { return ValType::I32; }
  const TableType& check_table(uint32_t idx) {
    if (idx >= m_.tables.size()) fail("unknown table " + std::to_string(idx));
    return m_.tables[idx];
  }
  void check_data(uint32_t idx) {
    // A missing data count section is a binary-format error, but an index with no segment at
    // all is reported as such first (the reference interpreter's order).
    if (!m_.data_count && idx >= m_.datas.size()) fail("unknown data segment " + std::to_string(idx));
    if (!m_.data_count) fail("data count section required");
    if (idx >= *m_.data_count) fail("unknown data segment " + std::to_string(idx));
  }
  const ElemSegment& check_elem(uint32_t idx) {
    if (idx >= m_.elems.size()) fail("unknown elem segment " + std::to_string(idx));
    return m_.elems[idx];
  }
  ValType read_ref_type() {
    uint8_t b = r_->u8();
    if (b != 0x70 && b != 0x6F) fail("malformed reference type");
    return static_cast<ValType>(b);
  }

  void step(Op op);
  void simple(Op op);

  const DecodedModule& m_;
  uint32_t func_index_;
  Visitor& v_;
  const std::vector<bool>& declared_refs_;
  const WalkerFeatures features_;
  const FuncType& type_;
  const FuncBody& body_;
  Reader* r_ = nullptr;

  // Locals as runs of one type: a body may declare 50,000 locals in four bytes, so nothing
  // here is per local (a million such functions would otherwise take minutes to walk).
  struct LocalRun {
    uint32_t first;  // local index
    uint32_t first_slot;
    ValType type;
  };
  std::vector<LocalRun> local_runs_;  // ascending, the first at local 0
  // The first locals, where nearly all accesses go, also by index (no search).
  static constexpr uint32_t kDirectLocals = 256;
  struct DirectLocal {
    uint32_t slot;
    ValType type;
  };
  std::vector<DirectLocal> direct_;
  uint32_t num_locals_ = 0;
  void add_locals(uint32_t count, ValType t);
  const LocalRun& run_of(uint32_t i) const {
    if (local_runs_.size() == 1) return local_runs_[0];
    auto it = std::upper_bound(local_runs_.begin(), local_runs_.end(), i,
                               [](uint32_t i, const LocalRun& r) { return i < r.first; });
    return *std::prev(it);
  }
  uint32_t param_slots_ = 0;
  uint32_t local_slot_count_ = 0;

  std::vector<Operand> ops_;
  std::vector<CtrlFrame> ctrls_;
  uint32_t cur_slot_ = 0;
  uint32_t max_slot_ = 0;
  size_t instr_offset_ = 0;
  std::vector<uint32_t> br_table_labels_;
  std::vector<Operand> scratch_;
};

// Block types are spans into the module's type vectors or into this table of single types.
inline std::span<const ValType> single_type_span(ValType t) {
  static const ValType kSingles[] = {ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
                                     ValType::V128, ValType::FuncRef, ValType::ExternRef};
  for (const ValType& s : kSingles)
    if (s == t) return std::span<const ValType>(&s, 1);
  return {};
}

template <class V>
void FuncWalker<V>::read_block_type(std::span<const ValType>& params,
                                     std::span<const ValType>& results) {
  uint8_t b = r_->peek_u8();
  if (b == 0x40) {
    r_->u8();
    params = results = {};
    return;
  }
  if (is_val_type_byte(b)) {
    r_->u8();
    params = {};
    results = single_type_span(static_cast<ValType>(b));
    return;
  }
  int64_t idx = r_->s33();
  if (idx < 0) fail("malformed value type");
  if (static_cast<uint64_t>(idx) >= m_.types.size()) fail("unknown type");
  const FuncType& ft = m_.types[static_cast<size_t>(idx)];
  params = ft.params;
  results = ft.results;
}

template <class V>
MemArg FuncWalker<V>::read_memarg(Op op) {
  MemArg a;
  a.align_log2 = r_->u32();
  // Multi-memory: bit 6 of the alignment field says a memory index follows; bit 7 and above
  // are not an encoding. Without it the field is all alignment (64 and up fail below).
  if (features_.multi_memory) {
    if (a.align_log2 >= 0x80) fail("malformed memop flags");
    if (a.align_log2 & 0x40) {
      a.memory = r_->u32();
      a.align_log2 &= ~uint32_t{0x40};
    }
  }
  a.offset = r_->u32();  // memory64: a u64, bounded by the memory's index type
  check_memory(a.memory);
  uint32_t natural = mem_access_bytes(op);
  if (a.align_log2 >= 32 || (uint64_t{1} << a.align_log2) > natural)
    fail("alignment must not be larger than natural");
  return a;
}

template <class V>
void FuncWalker<V>::add_locals(uint32_t count, ValType t) {
  if (count == 0) return;
  if (local_runs_.empty() || local_runs_.back().type != t)
    local_runs_.push_back(LocalRun{num_locals_, local_slot_count_, t});
  for (uint32_t i = 0; i < count && direct_.size() < kDirectLocals; ++i)
    direct_.push_back(DirectLocal{local_slot_count_ + i * slots_of(t), t});
  num_locals_ += count;  // at most limits::kLocals in a decoded module
  local_slot_count_ += count * slots_of(t);
}

template <class V>
void FuncWalker<V>::run() {
  // Locals: params first, then the declared locals.
  for (ValType t : type_.params) add_locals(1, t);
  param_slots_ = local_slot_count_;
  for (const LocalDecl& d : m_.locals(body_)) add_locals(d.count, d.type);
  cur_slot_ = max_slot_ = local_slot_count_;

  size_t end = size_t{body_.body_offset} + body_.body_size;
  Reader r(m_.bytes.data() + body_.code_offset, end - body_.code_offset, body_.code_offset);
  r_ = &r;
  instr_offset_ = body_.code_offset;
  push_ctrl(Op::Block, {}, type_.results);
  v_.begin(*this);
  while (!ctrls_.empty()) {
    instr_offset_ = r.offset();
    if (r.at_end()) fail("unexpected end of section or function");
    uint8_t b = r.u8();
    std::optional<Op> op;
    if (b == 0xFC || b == 0xFD) {
      op = op_from_prefixed(b, r.u32());
    } else {
      op = op_from_byte(b);
    }
    if (!op) fail("illegal opcode");
    // A visitor that maps its output back to the body (the JIT's listings) sees each
    // instruction before it is checked.
    if constexpr (requires { v_.on_instr(instr_offset_, *op); }) v_.on_instr(instr_offset_, *op);
    step(*op);
  }
  if (!r.at_end()) fail("section size mismatch");
  v_.finish(*this);
}

template <class V>
void FuncWalker<V>::simple(Op op) {
  const OpInfo& info = op_info(op);
  SigInfo sig = sig_info(info.sig);
  bool live = !unreachable();
  switch (info.imm) {
    case Imm::MemArg: {
      MemArg a = read_memarg(op);
      if (sig.has_result) {  // load
        Operand addr = pop(addr_type(a.memory));
        if (live) v_.on_load(op, a, addr.slot, addr.slot);
        push(sig.result);
      } else {  // store
        Operand val = pop(sig.params[1]);
        Operand addr = pop(addr_type(a.memory));
        if (live) v_.on_store(op, a, addr.slot, val.slot);
      }
      return;
    }
    case Imm::I32: {
      uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(r_->s32()));
      if (live) v_.on_const(op, bits, cur_slot_);
      push(ValType::I32);
      return;
    }
    case Imm::I64: {
      uint64_t bits = static_cast<uint64_t>(r_->s64());
      if (live) v_.on_const(op, bits, cur_slot_);
      push(ValType::I64);
      return;
    }
    case Imm::F32: {
      uint64_t bits = r_->fixed32();
      if (live) v_.on_const(op, bits, cur_slot_);
      push(ValType::F32);
      return;
    }
    case Imm::F64: {
      uint64_t bits = r_->fixed64();
      if (live) v_.on_const(op, bits, cur_slot_);
      push(ValType::F64);
      return;
    }
    case Imm::V128: {
      uint64_t lo = r_->fixed64();
      uint64_t hi = r_->fixed64();
      if (live) v_.on_v128_const(lo, hi, cur_slot_);
      push(ValType::V128);
      return;
    }
    case Imm::None:
    case Imm::Lane:
    case Imm::Shuffle: {
      uint32_t lane = 0;
      std::array<uint8_t, 16> lanes{};
      if (info.imm == Imm::Lane) {
        lane = r_->u8();
        if (lane >= simd_lane_count(op)) fail("invalid lane index");
      } else if (info.imm == Imm::Shuffle) {
        for (uint8_t& l : lanes) {
          l = r_->u8();
          if (l >= 32) fail("invalid lane index");
        }
      }
      uint32_t slot[3] = {0, 0, 0};
      for (size_t i = sig.num_params; i-- > 0;) slot[i] = pop(sig.params[i]).slot;
      if (live) {
        if (info.imm == Imm::Lane) v_.on_lane(op, lane, cur_slot_, slot[0], slot[1]);
        else if (info.imm == Imm::Shuffle) v_.on_shuffle(lanes, cur_slot_, slot[0], slot[1]);
        else if (sig.num_params == 3) v_.on_ternary(op, cur_slot_, slot[0], slot[1], slot[2]);
        else v_.on_numeric(op, cur_slot_, slot[0], slot[1]);
      }
      if (sig.has_result) push(sig.result);
      return;
    }
    case Imm::MemArgLane: {
      MemArg a = read_memarg(op);
      uint32_t lane = r_->u8();
      if (lane >= simd_lane_count(op)) fail("invalid lane index");
      Operand vec = pop(ValType::V128);
      Operand addr = pop(addr_type(a.memory));
      if (sig.has_result) {
        if (live) v_.on_load_lane(op, a, lane, addr.slot, addr.slot, vec.slot);
        push(ValType::V128);
      } else if (live) {
        v_.on_store_lane(op, a, lane, addr.slot, vec.slot);
      }
      return;
    }
    default:
      fail("illegal opcode");
  }
}

template <class V>
void FuncWalker<V>::step(Op op) {
  const bool live = !unreachable();
  switch (op) {
    case Op::Unreachable:
      if (live) v_.on_unreachable();
      set_unreachable();
      return;
    case Op::Nop:
      return;

    case Op::Block:
    case Op::Loop:
    case Op::If: {
      std::span<const ValType> params, results;
      read_block_type(params, results);
      uint32_t cond_slot = 0;
      if (op == Op::If) cond_slot = pop(ValType::I32).slot;
      pop_all(params);
      push_ctrl(op, params, results);
      if (op == Op::Block) v_.on_block(ctrls_.back());
      else if (op == Op::Loop) v_.on_loop(ctrls_.back());
      else v_.on_if(ctrls_.back(), cond_slot);
      return;
    }
    case Op::Else: {
      if (ctrls_.back().kind != Op::If) fail("else without matching if");
      check_frame_end();
      CtrlFrame& f = ctrls_.back();
      v_.on_else(f);
      f.kind = Op::Else;
      f.unreachable = false;
      cur_slot_ = f.slot_height;
      push_all(f.params);
      return;
    }
    case Op::End: {
      check_frame_end();
      CtrlFrame f = ctrls_.back();
      if (f.kind == Op::If && !std::equal(f.params.begin(), f.params.end(), f.results.begin(),
                                          f.results.end()))
        fail("type mismatch");
      v_.on_end(f, ctrls_.size() == 1);
      ctrls_.pop_back();
      cur_slot_ = f.slot_height;
      if (!ctrls_.empty()) push_all(f.results);
      return;
    }

    case Op::Br: {
      uint32_t depth = r_->u32();
      auto types = label(depth).label_types();
      uint32_t src = pop_all(types);  // validated before the visitor sees it
      if (live) v_.on_br(depth, src);
      set_unreachable();
      return;
    }
    case Op::BrIf: {
      uint32_t depth = r_->u32();
      label(depth);
      Operand cond = pop(ValType::I32);
      auto types = label(depth).label_types();
      check_label_types(types);
      if (live) v_.on_br_if(depth, cond.slot, cur_slot_ - slots_of(types));
      return;
    }
    case Op::BrTable: {
      uint32_t n = r_->u32();
      if (n > r_->remaining()) fail("unexpected end");
      br_table_labels_.clear();
      br_table_labels_.reserve(n);
      for (uint32_t i = 0; i < n; ++i) br_table_labels_.push_back(r_->u32());
      uint32_t default_depth = r_->u32();
      Operand index = pop(ValType::I32);
      size_t arity = label(default_depth).label_types().size();
      for (uint32_t d : br_table_labels_) {
        auto types = label(d).label_types();
        if (types.size() != arity) fail("type mismatch");
        check_label_types_keep(types);
      }
      uint32_t src = pop_all(label(default_depth).label_types());
      if (live) v_.on_br_table(br_table_labels_, default_depth, index.slot, src);
      set_unreachable();
      return;
    }
    case Op::Return: {
      uint32_t src = pop_all(type_.results);
      if (live) v_.on_return(src);
      set_unreachable();
      return;
    }
    case Op::Call: {
      uint32_t f = r_->u32();
      if (f >= m_.funcs.size()) fail("unknown function " + std::to_string(f));
      const FuncType& ft = m_.func_type(f);
      uint32_t args = pop_all(ft.params);
      if (live) v_.on_call(f, args);
      push_all(ft.results);
      return;
    }
    case Op::CallIndirect: {
      uint32_t type_idx = r_->u32();
      uint32_t table_idx = r_->u32();
      if (type_idx >= m_.types.size()) fail("unknown type");
      if (check_table(table_idx).elem != ValType::FuncRef) fail("type mismatch");
      const FuncType& ft = m_.types[type_idx];
      Operand index = pop(ValType::I32);
      uint32_t args = pop_all(ft.params);
      if (live) v_.on_call_indirect(type_idx, table_idx, args, index.slot);
      push_all(ft.results);
      return;
    }

    case Op::Drop: {
      Operand o = pop();
      if (live) v_.on_drop(o);  // o.type is never Bot where the code is reachable
      return;
    }
    case Op::Select:
    case Op::SelectT: {
      ValType t = ValType::Bot;
      if (op == Op::SelectT) {
        uint32_t n = r_->u32();
        if (n != 1) fail("invalid result arity");
        uint8_t b = r_->u8();
        if (!is_val_type_byte(b)) fail("malformed value type");
        t = static_cast<ValType>(b);
      }
      Operand cond = pop(ValType::I32);
      Operand b2 = pop(t);
      Operand a = pop(t);
      if (op == Op::Select) {
        if (is_ref_type(a.type) || is_ref_type(b2.type)) fail("type mismatch");
        if (a.type != b2.type && a.type != ValType::Bot && b2.type != ValType::Bot)
          fail("type mismatch");
        t = a.type != ValType::Bot ? a.type : b2.type;
      }
      if (live) v_.on_select(t, a.slot, a.slot, b2.slot, cond.slot);
      push(t);
      return;
    }

    case Op::LocalGet:
    case Op::LocalSet:
    case Op::LocalTee: {
      uint32_t idx = r_->u32();
      if (idx >= num_locals_) fail("unknown local " + std::to_string(idx));
      ValType t = local_type(idx);
      if (op == Op::LocalGet) {
        if (live) v_.on_local_get(idx, cur_slot_);
        push(t);
      } else if (op == Op::LocalSet) {
        Operand o = pop(t);
        if (live) v_.on_local_set(idx, o.slot);
      } else {
        Operand o = pop(t);
        push(t);
        if (live) v_.on_local_tee(idx, o.slot);
      }
      return;
    }
    case Op::GlobalGet:
    case Op::GlobalSet: {
      uint32_t idx = r_->u32();
      if (idx >= m_.global_types.size()) fail("unknown global " + std::to_string(idx));
      const GlobalType& g = m_.global_types[idx];
      if (op == Op::GlobalGet) {
        if (live) v_.on_global_get(idx, cur_slot_);
        push(g.type);
      } else {
        if (!g.mut) fail("global is immutable");
        Operand o = pop(g.type);
        if (live) v_.on_global_set(idx, o.slot);
      }
      return;
    }
    case Op::TableGet: {
      uint32_t t = r_->u32();
      ValType et = check_table(t).elem;
      Operand i = pop(ValType::I32);
      if (live) v_.on_table_get(t, i.slot, i.slot);
      push(et);
      return;
    }
    case Op::TableSet: {
      uint32_t t = r_->u32();
      ValType et = check_table(t).elem;
      Operand val = pop(et);
      Operand i = pop(ValType::I32);
      if (live) v_.on_table_set(t, i.slot, val.slot);
      return;
    }

    // The bulk instructions report the slot of their first operand; the other two follow it
    // (one slot each).
    case Op::MemorySize: {
      uint32_t mem = read_memidx();
      check_memory(mem);
      if (live) v_.on_memory_size(mem, cur_slot_);
      push(addr_type(mem));
      return;
    }
    case Op::MemoryGrow: {
      uint32_t mem = read_memidx();
      check_memory(mem);
      Operand d = pop(addr_type(mem));
      if (live) v_.on_memory_grow(mem, d.slot, d.slot);
      push(addr_type(mem));
      return;
    }
    case Op::MemoryInit: {
      uint32_t seg = r_->u32();
      uint32_t mem = read_memidx();
      check_memory(mem);
      check_data(seg);
      pop(ValType::I32);
      pop(ValType::I32);
      uint32_t d = pop(addr_type(mem)).slot;
      if (live) v_.on_memory_init(seg, mem, d);
      return;
    }
    case Op::DataDrop: {
      uint32_t seg = r_->u32();
      check_data(seg);
      if (live) v_.on_data_drop(seg);
      return;
    }
    case Op::MemoryCopy: {
      uint32_t dst_mem = read_memidx();
      uint32_t src_mem = read_memidx();
      check_memory(dst_mem);
      check_memory(src_mem);
      pop(addr_type(dst_mem));  // memory64: the narrower index type of the two
      pop(addr_type(src_mem));
      uint32_t d = pop(addr_type(dst_mem)).slot;
      if (live) v_.on_memory_copy(dst_mem, src_mem, d);
      return;
    }
    case Op::MemoryFill: {
      uint32_t mem = read_memidx();
      check_memory(mem);
      pop(addr_type(mem));
      pop(ValType::I32);
      uint32_t d = pop(addr_type(mem)).slot;
      if (live) v_.on_memory_fill(mem, d);
      return;
    }

    case Op::TableInit: {
      uint32_t seg = r_->u32();
      uint32_t t = r_->u32();
      ValType tt = check_table(t).elem;
      if (check_elem(seg).elem_type != tt) fail("type mismatch");
      pop(ValType::I32);
      pop(ValType::I32);
      uint32_t d = pop(ValType::I32).slot;
      if (live) v_.on_table_init(seg, t, d);
      return;
    }
    case Op::ElemDrop: {
      uint32_t seg = r_->u32();
      check_elem(seg);
      if (live) v_.on_elem_drop(seg);
      return;
    }
    case Op::TableCopy: {
      uint32_t dst = r_->u32();
      uint32_t src = r_->u32();
      if (check_table(dst).elem != check_table(src).elem) fail("type mismatch");
      pop(ValType::I32);
      pop(ValType::I32);
      uint32_t d = pop(ValType::I32).slot;
      if (live) v_.on_table_copy(dst, src, d);
      return;
    }
    case Op::TableGrow: {
      uint32_t t = r_->u32();
      ValType et = check_table(t).elem;
      pop(ValType::I32);
      Operand init = pop(et);
      if (live) v_.on_table_grow(t, init.slot);
      push(ValType::I32);
      return;
    }
    case Op::TableSize: {
      uint32_t t = r_->u32();
      check_table(t);
      if (live) v_.on_table_size(t, cur_slot_);
      push(ValType::I32);
      return;
    }
    case Op::TableFill: {
      uint32_t t = r_->u32();
      ValType et = check_table(t).elem;
      pop(ValType::I32);
      pop(et);
      uint32_t i = pop(ValType::I32).slot;
      if (live) v_.on_table_fill(t, i);
      return;
    }

    case Op::RefNull: {
      ValType t = read_ref_type();
      if (live) v_.on_ref_null(cur_slot_);
      push(t);
      return;
    }
    case Op::RefIsNull: {
      Operand o = pop();
      if (!is_ref_type(o.type) && o.type != ValType::Bot) fail("type mismatch");
      if (live) v_.on_ref_is_null(o.slot, o.slot);
      push(ValType::I32);
      return;
    }
    case Op::RefFunc: {
      uint32_t f = r_->u32();
      if (f >= m_.funcs.size()) fail("unknown function " + std::to_string(f));
      if (f >= declared_refs_.size() || !declared_refs_[f]) fail("undeclared function reference");
      if (live) v_.on_ref_func(f, cur_slot_);
      push(ValType::FuncRef);
      return;
    }

    default:
      simple(op);
      return;
  }
}

}  // namespace wrun
