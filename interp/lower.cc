// Lowering: a visitor on the validator's walker that emits the interpreter's internal code
// (interp/code.h) while the walker validates, so each body is read exactly once.
#include <algorithm>
#include <cstring>

#include "interp/code.h"
#include "interp/interp.h"
#include "validator/func_walker.h"
#include "validator/validator.h"

namespace wrun::interp {

namespace {

class Lowering {
 public:
  explicit Lowering(Code& code) : code_(code) {}

  using Walker = FuncWalker<Lowering>;

  void begin(const Walker& w) {
    w_ = &w;
    code_.func_index = w.func_index();
    code_.param_slots = w.num_param_slots();
    code_.local_slots = w.num_local_slots();
    code_.result_slots = slots_of(w.func_type().results);
    code_.module = &w.module();
    labels_.push_back(Label{});
  }

  void finish(const Walker& w) {
    code_.frame_slots = std::max({w.max_slot_height(), code_.result_slots, code_.local_slots});
    size_t words = (buf_.size() + 7) / 8;
    code_.words.assign(words, 0);
    std::memcpy(code_.words.data(), buf_.data(), buf_.size());
  }

  // --- Control -----------------------------------------------------------------------------
  void on_block(const CtrlFrame&) { labels_.push_back(new_label(false)); }
  void on_loop(const CtrlFrame&) {
    labels_.push_back(new_label(true));
    // Back edges land on a fuel/interrupt check, so no loop runs unchecked.
    if (!dead_) {
      begin(kCheck);
      end();
    }
  }
  void on_if(const CtrlFrame&, uint32_t cond) {
    Label l = new_label(false);
    if (!dead_) {
      size_t at = begin(kBrIfZ);
      put32(cond);
      l.if_fixup = {at, put32(0)};
      end();
    }
    labels_.push_back(std::move(l));
  }
  void on_else(const CtrlFrame&) {
    Label& l = labels_.back();
    if (!dead_) {
      size_t at = begin(Op::Br);
      l.fixups.push_back({at, put32(0)});
      end();
    }
    if (l.if_fixup) patch(*l.if_fixup, buf_.size());
    l.if_fixup.reset();
    dead_ = l.entered_dead;
  }
  void on_end(const CtrlFrame& f, bool function_end) {
    Label& l = labels_.back();
    if (l.if_fixup) patch(*l.if_fixup, buf_.size());
    for (const Fixup& fx : l.fixups) patch(fx, buf_.size());
    dead_ = l.entered_dead;
    labels_.pop_back();
    if (function_end) {
      // Branches to the function's label land here too, so the return is always emitted.
      dead_ = false;
      emit_return(f.slot_height);
    }
  }

  void on_br(uint32_t depth, uint32_t src) {
    if (dead_) return;
    const CtrlFrame& f = w_->ctrl(depth);
    emit_copy(f.slot_height, src, f.label_slots());
    emit_jump(depth);
    dead_ = true;
  }
  void on_br_if(uint32_t depth, uint32_t cond, uint32_t src) {
    if (dead_) return;
    const CtrlFrame& f = w_->ctrl(depth);
    uint32_t n = f.label_slots();
    if (n == 0 || f.slot_height == src) {
      size_t at = begin(kBrIfNz);
      put32(cond);
      add_branch(depth, at, put32(0));
      end();
      return;
    }
    size_t at = begin(kBrIfZ);
    put32(cond);
    Fixup skip{at, put32(0)};
    end();
    emit_copy(f.slot_height, src, n);
    emit_jump(depth);
    patch(skip, buf_.size());
  }
  void on_br_table(const std::vector<uint32_t>& depths, uint32_t default_depth, uint32_t index,
                   uint32_t src) {
    if (dead_) return;
    uint32_t n = w_->ctrl(default_depth).label_slots();
    size_t at = begin(Op::BrTable);
    put32(index);
    put32(static_cast<uint32_t>(depths.size()));
    put32(src);
    put32(n);
    auto entry = [&](uint32_t depth) {
      add_branch(depth, at, put32(0));
      put32(w_->ctrl(depth).slot_height);
    };
    for (uint32_t d : depths) entry(d);
    entry(default_depth);
    end();
    dead_ = true;
  }
  void on_return(uint32_t src) {
    if (dead_) return;
    emit_return(src);
    dead_ = true;
  }
  void on_unreachable() {
    if (dead_) return;
    begin(Op::Unreachable);
    end();
    dead_ = true;
  }

  // --- Calls ---------------------------------------------------------------------------------
  void on_call(uint32_t func, uint32_t args) {
    if (dead_) return;
    begin(Op::Call);
    put32(func);
    put32(args);
    end();
  }
  void on_call_indirect(uint32_t type, uint32_t table, uint32_t args, uint32_t index) {
    if (dead_) return;
    begin(Op::CallIndirect);
    put32(type);
    put32(table);
    put32(args);
    put32(index);
    end();
  }

  // --- Values --------------------------------------------------------------------------------
  void on_select(ValType t, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) {
    if (dead_) return;
    emit4(t == ValType::V128 ? kSelect2 : id_of(Op::Select), dst, a, b, cond);
  }
  void on_local_get(uint32_t local, uint32_t dst) {
    if (dead_) return;
    emit_copy(dst, w_->local_slot(local), slots_of(w_->local_type(local)));
  }
  void on_local_set(uint32_t local, uint32_t src) {
    if (dead_) return;
    emit_copy(w_->local_slot(local), src, slots_of(w_->local_type(local)));
  }
  void on_local_tee(uint32_t local, uint32_t src) { on_local_set(local, src); }
  void on_global_get(uint32_t idx, uint32_t dst) {
    if (dead_) return;
    bool wide = w_->module().global_types[idx].type == ValType::V128;
    emit2(wide ? kGlobalGet2 : id_of(Op::GlobalGet), dst, idx);
  }
  void on_global_set(uint32_t idx, uint32_t src) {
    if (dead_) return;
    bool wide = w_->module().global_types[idx].type == ValType::V128;
    emit2(wide ? kGlobalSet2 : id_of(Op::GlobalSet), idx, src);
  }
  void on_const(Op op, uint64_t bits, uint32_t dst) {
    if (dead_) return;
    if (op == Op::I32Const || op == Op::F32Const) {
      emit2(id_of(Op::I32Const), dst, static_cast<uint32_t>(bits));
    } else {
      begin(Op::I64Const);
      put32(dst);
      put32(static_cast<uint32_t>(bits));
      put32(static_cast<uint32_t>(bits >> 32));
      end();
    }
  }
  void on_numeric(Op op, uint32_t dst, uint32_t a, uint32_t b) {
    if (dead_) return;
    if (sig_info(op_info(op).sig).num_params == 2) emit3(id_of(op), dst, a, b);
    else emit2(id_of(op), dst, a);
  }
  void on_ternary(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t c) {
    if (!dead_) emit4(id_of(op), dst, a, b, c);
  }

  // --- SIMD immediates -----------------------------------------------------------------------
  void on_v128_const(uint64_t lo, uint64_t hi, uint32_t dst) {
    if (dead_) return;
    begin(Op::V128Const);
    put32(dst);
    put_bytes(&lo, 8);
    put_bytes(&hi, 8);
    end();
  }
  // extract_lane: dst vec lane; replace_lane: dst vec scalar lane.
  void on_lane(Op op, uint32_t lane, uint32_t dst, uint32_t vec, uint32_t scalar) {
    if (dead_) return;
    if (sig_info(op_info(op).sig).num_params == 2) emit4(id_of(op), dst, vec, scalar, lane);
    else emit3(id_of(op), dst, vec, lane);
  }
  void on_shuffle(const std::array<uint8_t, 16>& lanes, uint32_t dst, uint32_t a, uint32_t b) {
    if (dead_) return;
    begin(Op::I8x16Shuffle);
    put32(dst);
    put32(a);
    put32(b);
    put_bytes(lanes.data(), lanes.size());
    end();
  }
  void on_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                    uint32_t vec) {
    if (dead_) return;
    begin(op);
    for (uint32_t v : {dst, addr, vec, static_cast<uint32_t>(m.offset), lane}) put32(v);
    end();
  }
  void on_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec) {
    if (!dead_) emit4(id_of(op), addr, vec, static_cast<uint32_t>(m.offset), lane);
  }

  void on_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr) {
    if (dead_) return;
    emit3(id_of(op), dst, addr, static_cast<uint32_t>(m.offset));
  }
  void on_store(Op op, const MemArg& m, uint32_t addr, uint32_t val) {
    if (dead_) return;
    emit3(id_of(op), addr, val, static_cast<uint32_t>(m.offset));
  }

  // --- Memory, tables, references ------------------------------------------------------------
  void on_memory_size(uint32_t dst) { if (!dead_) emit1(id_of(Op::MemorySize), dst); }
  void on_memory_grow(uint32_t dst, uint32_t delta) {
    if (!dead_) emit2(id_of(Op::MemoryGrow), dst, delta);
  }
  void on_memory_init(uint32_t seg, uint32_t d) { if (!dead_) emit2(id_of(Op::MemoryInit), seg, d); }
  void on_data_drop(uint32_t seg) { if (!dead_) emit1(id_of(Op::DataDrop), seg); }
  void on_memory_copy(uint32_t d) { if (!dead_) emit1(id_of(Op::MemoryCopy), d); }
  void on_memory_fill(uint32_t d) { if (!dead_) emit1(id_of(Op::MemoryFill), d); }
  void on_table_get(uint32_t t, uint32_t dst, uint32_t i) {
    if (!dead_) emit3(id_of(Op::TableGet), dst, i, t);
  }
  void on_table_set(uint32_t t, uint32_t i, uint32_t val) {
    if (!dead_) emit3(id_of(Op::TableSet), t, i, val);
  }
  void on_table_size(uint32_t t, uint32_t dst) { if (!dead_) emit2(id_of(Op::TableSize), dst, t); }
  void on_table_grow(uint32_t t, uint32_t init) {
    if (!dead_) emit2(id_of(Op::TableGrow), init, t);
  }
  void on_table_fill(uint32_t t, uint32_t i) { if (!dead_) emit2(id_of(Op::TableFill), t, i); }
  void on_table_copy(uint32_t dst, uint32_t src, uint32_t d) {
    if (!dead_) emit3(id_of(Op::TableCopy), dst, src, d);
  }
  void on_table_init(uint32_t seg, uint32_t t, uint32_t d) {
    if (!dead_) emit3(id_of(Op::TableInit), seg, t, d);
  }
  void on_elem_drop(uint32_t seg) { if (!dead_) emit1(id_of(Op::ElemDrop), seg); }
  void on_ref_null(uint32_t dst) { if (!dead_) emit1(id_of(Op::RefNull), dst); }
  void on_ref_is_null(uint32_t dst, uint32_t src) {
    if (!dead_) emit2(id_of(Op::RefIsNull), dst, src);
  }
  void on_ref_func(uint32_t f, uint32_t dst) { if (!dead_) emit2(id_of(Op::RefFunc), dst, f); }

 private:
  struct Fixup {
    size_t instr;  // start of the branching instruction
    size_t field;  // position of its 32-bit relative offset
  };
  struct Label {
    bool is_loop = false;
    size_t loop_pos = 0;
    bool entered_dead = false;
    std::vector<Fixup> fixups;      // forward branches to this label's end
    std::optional<Fixup> if_fixup;  // an if's branch to its else/end
  };

  Label new_label(bool is_loop) const {
    Label l;
    l.is_loop = is_loop;
    l.loop_pos = buf_.size();
    l.entered_dead = dead_;
    return l;
  }

  // --- Emission ------------------------------------------------------------------------------
  size_t begin(uint16_t id) {
    size_t at = buf_.size();
    code_.offsets.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(w_->instr_offset())});
    uint64_t h = handler_word(id);
    put_bytes(&h, 8);
    return at;
  }
  size_t begin(Op op) { return begin(id_of(op)); }
  size_t put32(uint32_t v) {
    size_t at = buf_.size();
    put_bytes(&v, 4);
    return at;
  }
  void end() { buf_.resize((buf_.size() + 7) & ~size_t{7}, 0); }
  void put_bytes(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  void emit1(uint16_t id, uint32_t a) {
    begin(id);
    put32(a);
    end();
  }
  void emit2(uint16_t id, uint32_t a, uint32_t b) {
    begin(id);
    put32(a);
    put32(b);
    end();
  }
  void emit3(uint16_t id, uint32_t a, uint32_t b, uint32_t c) {
    begin(id);
    put32(a);
    put32(b);
    put32(c);
    end();
  }
  void emit4(uint16_t id, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    begin(id);
    put32(a);
    put32(b);
    put32(c);
    put32(d);
    end();
  }
  void emit_copy(uint32_t dst, uint32_t src, uint32_t n) {
    if (n == 0 || dst == src) return;
    if (n == 1) emit2(kCopy, dst, src);
    else if (n == 2) emit2(kCopy2, dst, src);
    else emit3(kCopyN, dst, src, n);
  }
  void emit_return(uint32_t src) { emit2(id_of(Op::Return), src, code_.result_slots); }
  void emit_jump(uint32_t depth) {
    size_t at = begin(Op::Br);
    add_branch(depth, at, put32(0));
    end();
  }
  // Loops branch backwards (target known); blocks and ifs forwards (patched at their end).
  void add_branch(uint32_t depth, size_t instr, size_t field) {
    Label& l = labels_[labels_.size() - 1 - depth];
    if (l.is_loop) write_rel(field, static_cast<int64_t>(l.loop_pos) - static_cast<int64_t>(instr));
    else l.fixups.push_back({instr, field});
  }
  void patch(const Fixup& f, size_t target) {
    write_rel(f.field, static_cast<int64_t>(target) - static_cast<int64_t>(f.instr));
  }
  void write_rel(size_t field, int64_t rel) {
    int32_t r = static_cast<int32_t>(rel);
    std::memcpy(buf_.data() + field, &r, 4);
  }

  Code& code_;
  const Walker* w_ = nullptr;
  std::vector<uint8_t> buf_;
  std::vector<Label> labels_;
  bool dead_ = false;
};

}  // namespace

uint32_t Code::module_offset_at(const uint8_t* ip) const {
  uint32_t pos = static_cast<uint32_t>(ip - start());
  auto it = std::upper_bound(offsets.begin(), offsets.end(), std::make_pair(pos, UINT32_MAX));
  if (it == offsets.begin()) return 0;
  return std::prev(it)->second;
}

void destroy_code(Code* code) { delete code; }

CodePtr compile_function(const DecodedModule& module, uint32_t func_index) {
  CodePtr code(new Code);
  std::vector<bool> refs = declared_func_refs(module);
  Lowering lowering(*code);
  FuncWalker<Lowering> walker(module, func_index, lowering, refs);
  walker.run();
  return code;
}

}  // namespace wrun::interp
