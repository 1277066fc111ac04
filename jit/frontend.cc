// The frontend (frontend.h): a walker visitor that keeps one label per control frame and
// moves branch values into their label's slots.
#include "jit/frontend.h"

#include <algorithm>
#include <array>

#include "validator/func_walker.h"

namespace wrun::jit {

namespace {

// The pre-pass: how heavily the body uses each local. A use weighs 1 outside loops and 4 times
// more for each loop around it (up to four), a static guess at how often it runs.
class LocalUses : public NullVisitor {
 public:
  template <class W>
  void begin(const W& w) {
    weights.assign(w.num_locals(), 0);
  }
  template <class... A>
  void on_block(A&&...) {
    loops_.push_back(false);
  }
  template <class... A>
  void on_if(A&&...) {
    loops_.push_back(false);
  }
  template <class... A>
  void on_loop(A&&...) {
    loops_.push_back(true);
    ++depth_;
  }
  template <class... A>
  void on_end(A&&...) {
    if (loops_.empty()) return;  // the function's end
    if (loops_.back()) --depth_;
    loops_.pop_back();
  }
  void on_local_get(uint32_t local, uint32_t) { use(local); }
  void on_local_set(uint32_t local, uint32_t) { use(local); }
  void on_local_tee(uint32_t local, uint32_t) { use(local); }
  template <class... A>
  void on_call(A&&...) {
    calls = std::min(calls + weight(), 1u << 30);
  }
  template <class... A>
  void on_call_indirect(A&&...) {
    calls = std::min(calls + weight(), 1u << 30);
  }

  std::vector<uint32_t> weights;
  uint32_t calls = 0;  // the calls, weighed as the uses

 private:
  uint32_t weight() const { return 1u << (2 * std::min(depth_, 4u)); }
  void use(uint32_t local) { weights[local] = std::min(weights[local] + weight(), 1u << 30); }
  std::vector<bool> loops_;
  uint32_t depth_ = 0;
};

class Frontend {
 public:
  using Walker = FuncWalker<Frontend>;
  Frontend(Backend& b, const LocalUses& uses, std::vector<FunctionCode::SourceMark>* marks)
      : b_(b), weights_(uses.weights), call_weight_(uses.calls), marks_(marks) {}
  void on_instr(size_t offset, Op op) {
    if (marks_) marks_->push_back({b_.code_size(), static_cast<uint32_t>(offset), op});
  }

  bool ok() const { return missing_.empty(); }
  const std::string& missing() const { return missing_; }

  void begin(const Walker& w) {
    w_ = &w;
    FrameShape f;
    f.func_index = w.func_index();
    f.type = &w.func_type();
    f.param_slots = w.num_param_slots();
    f.local_slots = w.num_local_slots();
    f.result_slots = slots_of(w.func_type().results);
    f.call_weight = call_weight_;
    f.locals.reserve(w.num_locals());
    for (uint32_t i = 0; i < w.num_locals(); ++i)
      f.locals.push_back(LocalInfo{w.local_slot(i), w.local_type(i), weights_[i]});
    b_.prologue(f);
    // A call's fuel, as the interpreter charges it: 1, and 1 per 64 declared local slots.
    b_.poll(static_cast<uint32_t>(
                w.module().code[w.func_index() - w.module().num_imported_funcs].body_offset),
            1 + (f.local_slots - f.param_slots) / 64);
    labels_.push_back(Frame{b_.new_label(), 0, false});  // the function's own label
  }
  void finish(const Walker& w) {
    frame_slots_ = std::max({w.max_slot_height(), w.num_local_slots(),
                             static_cast<uint32_t>(slots_of(w.func_type().results))});
  }
  uint32_t frame_slots() const { return frame_slots_; }

  // --- Control -----------------------------------------------------------------------------
  // Every handler first tells the backend which slots stay live (Backend::live_below).
  void on_block(const CtrlFrame& cf) {
    live_params(cf);
    labels_.push_back(Frame{b_.new_label(), 0, false});
  }
  void on_loop(const CtrlFrame& cf) {
    live_params(cf);
    // Back edges land on the poll (fuel and interrupts stop any loop, a unit per iteration as
    // in the interpreter); entering the loop skips it.
    Label start = b_.new_label(), body = b_.new_label();
    b_.jump(body);
    b_.bind(start);
    b_.poll(offset(), 1);
    b_.bind(body);
    labels_.push_back(Frame{start, 0, true});
  }
  void on_if(const CtrlFrame& cf, uint32_t cond) {
    live_params(cf);
    Frame f{b_.new_label(), b_.new_label(), false};
    f.has_else_label = true;
    b_.branch(cond, /*if_zero=*/true, f.else_label);
    labels_.push_back(f);
  }
  void on_else(const CtrlFrame& cf) {
    live_results(cf);
    Frame& f = labels_.back();
    b_.jump(f.label);
    b_.bind(f.else_label);
    f.has_else_label = false;
  }
  void on_end(const CtrlFrame& cf, bool function_end) {
    live_results(cf);
    Frame f = labels_.back();
    labels_.pop_back();
    if (f.has_else_label) b_.bind(f.else_label);  // an if without else: params are results
    if (!f.is_loop) b_.bind(f.label);
    if (function_end) b_.ret(cf.slot_height);
  }
  void on_br(uint32_t depth, uint32_t src) { branch_to(depth, src); }
  void on_br_if(uint32_t depth, uint32_t cond, uint32_t src) {
    live();  // the label's values stay below the height on the way on
    const CtrlFrame& f = w_->ctrl(depth);
    if (needs_move(f, src)) {
      Label skip = b_.new_label();
      b_.branch(cond, /*if_zero=*/true, skip);
      branch_to(depth, src);
      b_.bind(skip);
    } else {
      b_.branch(cond, /*if_zero=*/false, target(depth));
    }
  }
  void on_br_table(const std::vector<uint32_t>& depths, uint32_t default_depth, uint32_t index,
                   uint32_t src) {
    b_.live_below(src + w_->ctrl(default_depth).label_slots());
    // Targets whose values must move go through a stub that moves them first.
    std::vector<std::pair<uint32_t, Label>> stubs;
    auto label_for = [&](uint32_t depth) {
      if (!needs_move(w_->ctrl(depth), src)) return target(depth);
      for (auto& [d, l] : stubs)
        if (d == depth) return l;
      stubs.emplace_back(depth, b_.new_label());
      return stubs.back().second;
    };
    std::vector<Label> targets;
    targets.reserve(depths.size());
    for (uint32_t d : depths) targets.push_back(label_for(d));
    const Label fallback = label_for(default_depth);
    b_.branch_table(index, targets, fallback);
    for (auto& [d, l] : stubs) {
      b_.bind(l);
      branch_to(d, src);
    }
  }
  void on_return(uint32_t src) {
    b_.live_below(src + static_cast<uint32_t>(slots_of(w_->func_type().results)));
    b_.ret(src);
  }
  void on_unreachable() {
    live();
    b_.trap(TrapKind::Unreachable, offset());
  }

  // --- Calls -------------------------------------------------------------------------------
  // The arguments stay live: a call through the argument array reads them from the frame (a
  // backend passing them in registers takes them from wherever they are).
  void on_call(uint32_t func, uint32_t args) {
    b_.live_below(args + slots_of(w_->module().func_type(func).params));
    b_.call(func, w_->module().func_type(func), args, offset());
  }
  void on_call_indirect(uint32_t type, uint32_t table, uint32_t args, uint32_t index) {
    b_.live_below(index + 1);
    b_.call_indirect(type, w_->module().types[type], table, index, args, offset());
  }

  // --- Values ------------------------------------------------------------------------------
  void on_drop(Operand) { live(); }
  void on_select(ValType t, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) {
    live();
    if (t == ValType::V128)
      b_.simd_select(dst, a, b, cond);
    else
      b_.select(t, dst, a, b, cond);
  }
  void on_local_get(uint32_t local, uint32_t dst) {
    live();
    b_.copy(dst, w_->local_slot(local), w_->local_type(local));
  }
  void on_local_set(uint32_t local, uint32_t src) {
    live();
    b_.copy(w_->local_slot(local), src, w_->local_type(local));
  }
  void on_local_tee(uint32_t local, uint32_t src) { on_local_set(local, src); }
  void on_global_get(uint32_t idx, uint32_t dst) {
    live();
    const ValType t = w_->module().global_types[idx].type;
    if (t == ValType::V128)
      b_.simd_global_get(idx, dst);
    else
      b_.global_get(idx, t, dst);
  }
  void on_global_set(uint32_t idx, uint32_t src) {
    live();
    const ValType t = w_->module().global_types[idx].type;
    if (t == ValType::V128)
      b_.simd_global_set(idx, src);
    else
      b_.global_set(idx, t, src);
  }
  void on_const(Op, uint64_t bits, uint32_t dst) {
    live();
    b_.constant(dst, bits);
  }
  void on_numeric(Op op, uint32_t dst, uint32_t a, uint32_t b) {
    live();
    const bool ok =
        is_simd(op) ? b_.simd_op(op, dst, a, b, 0) : b_.numeric(op, dst, a, b, offset());
    if (!ok) missing(op);
  }
  void on_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr) {
    live();
    if (m.memory != 0) return missing(op);
    const bool ok = is_simd(op) ? b_.simd_load(op, m, dst, addr, offset())
                                : b_.load(op, m, dst, addr, offset());
    if (!ok) missing(op);
  }
  void on_store(Op op, const MemArg& m, uint32_t addr, uint32_t val) {
    live();
    if (m.memory != 0) return missing(op);
    const bool ok = is_simd(op) ? b_.simd_store(op, m, addr, val, offset())
                                : b_.store(op, m, addr, val, offset());
    if (!ok) missing(op);
  }
  void on_memory_size(uint32_t memory, uint32_t dst) {
    live();
    b_.memory_size(memory, dst);
  }
  void on_memory_grow(uint32_t memory, uint32_t, uint32_t delta) {
    runtime(&memory_grow, memory, 0, delta, 1);  // its result replaces the delta
  }

  // --- SIMD --------------------------------------------------------------------------------
  void on_v128_const(uint64_t lo, uint64_t hi, uint32_t dst) {
    live();
    if (!b_.simd_const(dst, lo, hi)) missing("v128.const");
  }
  void on_ternary(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t c) {
    live();
    if (!b_.simd_op(op, dst, a, b, c)) missing(op);
  }
  void on_lane(Op op, uint32_t lane, uint32_t dst, uint32_t a, uint32_t b) {
    live();
    if (!b_.simd_lane(op, lane, dst, a, b)) missing(op);
  }
  void on_shuffle(const std::array<uint8_t, 16>& lanes, uint32_t dst, uint32_t a, uint32_t b) {
    live();
    if (!b_.simd_shuffle(lanes, dst, a, b)) missing("i8x16.shuffle");
  }
  void on_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                    uint32_t vec) {
    live();
    if (m.memory != 0 || !b_.simd_load_lane(op, m, lane, dst, addr, vec, offset())) missing(op);
  }
  void on_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec) {
    live();
    if (m.memory != 0 || !b_.simd_store_lane(op, m, lane, addr, vec, offset())) missing(op);
  }

  // --- References and tables: inline --------------------------------------------------------
  void on_ref_null(uint32_t dst) {
    live();
    b_.constant(dst, 0);
  }
  void on_ref_is_null(uint32_t dst, uint32_t ref) { reference(Op::RefIsNull, 0, dst, ref, 0); }
  void on_ref_func(uint32_t func, uint32_t dst) { reference(Op::RefFunc, func, dst, 0, 0); }
  void on_table_get(uint32_t table, uint32_t dst, uint32_t index) {
    reference(Op::TableGet, table, dst, index, 0);
  }
  void on_table_set(uint32_t table, uint32_t index, uint32_t ref) {
    reference(Op::TableSet, table, 0, index, ref);
  }
  void on_table_size(uint32_t table, uint32_t dst) { reference(Op::TableSize, table, dst, 0, 0); }

  // --- Bulk memory and tables: runtime helpers (runtime_calls.h) -----------------------------
  // Each reads its operands (n from `args` on) in the frame: they stay live until the call.
  void on_memory_copy(uint32_t dst_memory, uint32_t src_memory, uint32_t args) {
    runtime(&memory_copy, dst_memory, src_memory, args, 3);
  }
  void on_memory_fill(uint32_t memory, uint32_t args) { runtime(&memory_fill, memory, 0, args, 3); }
  void on_memory_init(uint32_t segment, uint32_t memory, uint32_t args) {
    runtime(&memory_init, segment, memory, args, 3);
  }
  void on_data_drop(uint32_t segment) { runtime(&data_drop, segment, 0, w_->slot_height(), 0); }
  void on_table_grow(uint32_t table, uint32_t args) { runtime(&table_grow, table, 0, args, 2); }
  void on_table_fill(uint32_t table, uint32_t args) { runtime(&table_fill, table, 0, args, 3); }
  void on_table_copy(uint32_t dst_table, uint32_t src_table, uint32_t args) {
    runtime(&table_copy, dst_table, src_table, args, 3);
  }
  void on_table_init(uint32_t segment, uint32_t table, uint32_t args) {
    runtime(&table_init, segment, table, args, 3);
  }
  void on_elem_drop(uint32_t segment) { runtime(&elem_drop, segment, 0, w_->slot_height(), 0); }

 private:
  struct Frame {
    Label label;       // a block's or if's end, a loop's start
    Label else_label;  // an if's else (or end, without else)
    bool is_loop;
    bool has_else_label = false;
  };

  uint32_t offset() const { return static_cast<uint32_t>(w_->instr_offset()); }
  static bool is_simd(Op op) { return op_info(op).prefix == 0xFD; }
  Label target(uint32_t depth) const { return labels_[labels_.size() - 1 - depth].label; }
  static bool needs_move(const CtrlFrame& f, uint32_t src) {
    return f.label_slots() != 0 && src != f.slot_height;
  }
  // Moves the label's values into place (the slots they are read from stay live until then)
  // and jumps, or returns for the function's label.
  void branch_to(uint32_t depth, uint32_t src) {
    const CtrlFrame& f = w_->ctrl(depth);
    b_.live_below(src + f.label_slots());
    if (needs_move(f, src) && f.label_slots() > 16) {
      b_.move_slots(f.slot_height, src, f.label_slots());  // code independent of their number
      b_.live_below(f.slot_height + f.label_slots());
    } else if (needs_move(f, src)) {
      const uint32_t live = src + f.label_slots();
      uint32_t dst = f.slot_height;
      for (ValType t : f.label_types()) {
        b_.live_below(live);  // each copy is an instruction of its own (registers unlocked)
        b_.copy(dst, src, t);
        dst += slots_of(t);
        src += slots_of(t);
      }
      b_.live_below(f.slot_height + f.label_slots());
    }
    if (depth == labels_.size() - 1) {
      b_.ret(f.slot_height);  // a branch to the function's label returns
      return;
    }
    b_.jump(target(depth));
  }
  void live() { b_.live_below(w_->slot_height()); }
  // At block boundaries the walker's height does not count the frame's values yet (or any
  // more): they are live all the same.
  void live_params(const CtrlFrame& cf) {
    b_.live_below(cf.slot_height + static_cast<uint32_t>(slots_of(cf.params)));
  }
  void live_results(const CtrlFrame& cf) {
    b_.live_below(cf.slot_height + static_cast<uint32_t>(slots_of(cf.results)));
  }
  void reference(Op op, uint32_t index, uint32_t dst, uint32_t a, uint32_t b) {
    live();
    if (!b_.reference(op, index, dst, a, b, offset())) missing(op);
  }
  void runtime(RuntimeFn fn, uint32_t imm0, uint32_t imm1, uint32_t args, uint32_t num_args) {
    b_.live_below(args + num_args);
    b_.call_runtime(fn, imm0, imm1, args, offset());
  }
  void missing(Op op) { missing(std::string(op_name(op))); }
  void missing(const std::string& what) {
    if (missing_.empty()) missing_ = what;
  }

  Backend& b_;
  const std::vector<uint32_t>& weights_;
  uint32_t call_weight_;
  std::vector<FunctionCode::SourceMark>* marks_;
  const Walker* w_ = nullptr;
  std::vector<Frame> labels_;
  uint32_t frame_slots_ = 0;
  std::string missing_;
};

}  // namespace

std::optional<FunctionCode> compile_function(const DecodedModule& module, uint32_t func_index,
                                             const std::vector<bool>& declared_refs,
                                             Backend& backend, std::string* missing,
                                             bool mark_sources) {
  LocalUses uses;
  FuncWalker<LocalUses>(module, func_index, uses, declared_refs).run();
  std::vector<FunctionCode::SourceMark> marks;
  Frontend frontend(backend, uses, mark_sources ? &marks : nullptr);
  FuncWalker<Frontend> walker(module, func_index, frontend, declared_refs);
  walker.run();
  if (!frontend.ok()) {
    if (missing) *missing = frontend.missing();
    return std::nullopt;
  }
  FunctionCode code = backend.finish(frontend.frame_slots());
  code.marks = std::move(marks);
  return code;
}

}  // namespace wrun::jit
