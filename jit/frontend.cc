// The frontend (frontend.h): a walker visitor that keeps one label per control frame and
// moves branch values into their label's slots.
#include "jit/frontend.h"

#include <algorithm>

#include "validator/func_walker.h"

namespace wrun::jit {

namespace {

class Frontend {
 public:
  using Walker = FuncWalker<Frontend>;
  explicit Frontend(Backend& b) : b_(b) {}

  bool ok() const { return missing_.empty(); }
  const std::string& missing() const { return missing_; }

  void begin(const Walker& w) {
    w_ = &w;
    FrameShape f;
    f.func_index = w.func_index();
    f.param_slots = w.num_param_slots();
    f.local_slots = w.num_local_slots();
    f.result_slots = slots_of(w.func_type().results);
    b_.prologue(f);
    b_.poll(static_cast<uint32_t>(
        w.module().code[w.func_index() - w.module().num_imported_funcs].body_offset));
    labels_.push_back(Frame{b_.new_label(), 0, false});  // the function's own label
  }
  void finish(const Walker& w) {
    frame_slots_ = std::max({w.max_slot_height(), w.num_local_slots(),
                             static_cast<uint32_t>(slots_of(w.func_type().results))});
  }
  uint32_t frame_slots() const { return frame_slots_; }

  // --- Control -----------------------------------------------------------------------------
  void on_block(const CtrlFrame&) { labels_.push_back(Frame{b_.new_label(), 0, false}); }
  void on_loop(const CtrlFrame&) {
    Label start = b_.new_label();
    b_.bind(start);
    b_.poll(offset());  // back edges land here: fuel and interrupts stop any loop
    labels_.push_back(Frame{start, 0, true});
  }
  void on_if(const CtrlFrame&, uint32_t cond) {
    Frame f{b_.new_label(), b_.new_label(), false};
    f.has_else_label = true;
    b_.branch(cond, /*if_zero=*/true, f.else_label);
    labels_.push_back(f);
  }
  void on_else(const CtrlFrame&) {
    Frame& f = labels_.back();
    b_.jump(f.label);
    b_.bind(f.else_label);
    f.has_else_label = false;
  }
  void on_end(const CtrlFrame& cf, bool function_end) {
    Frame f = labels_.back();
    labels_.pop_back();
    if (f.has_else_label) b_.bind(f.else_label);  // an if without else: params are results
    if (!f.is_loop) b_.bind(f.label);
    if (function_end) b_.ret(cf.slot_height);
  }
  void on_br(uint32_t depth, uint32_t src) { branch_to(depth, src); }
  void on_br_if(uint32_t depth, uint32_t cond, uint32_t src) {
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
  void on_return(uint32_t src) { b_.ret(src); }
  void on_unreachable() { b_.trap(TrapKind::Unreachable, offset()); }

  // --- Calls -------------------------------------------------------------------------------
  void on_call(uint32_t func, uint32_t args) { b_.call(func, args, offset()); }
  void on_call_indirect(uint32_t type, uint32_t table, uint32_t args, uint32_t index) {
    b_.call_indirect(type, table, index, args, offset());
  }

  // --- Values ------------------------------------------------------------------------------
  void on_drop(Operand) {}
  void on_select(ValType t, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) {
    if (t == ValType::V128) return missing("v128 select");
    b_.select(t, dst, a, b, cond);
  }
  void on_local_get(uint32_t local, uint32_t dst) {
    b_.copy(dst, w_->local_slot(local), slots_of(w_->local_type(local)));
  }
  void on_local_set(uint32_t local, uint32_t src) {
    b_.copy(w_->local_slot(local), src, slots_of(w_->local_type(local)));
  }
  void on_local_tee(uint32_t local, uint32_t src) { on_local_set(local, src); }
  void on_global_get(uint32_t idx, uint32_t dst) {
    const ValType t = w_->module().global_types[idx].type;
    if (t == ValType::V128) return missing("v128 global");
    b_.global_get(idx, t, dst);
  }
  void on_global_set(uint32_t idx, uint32_t src) {
    const ValType t = w_->module().global_types[idx].type;
    if (t == ValType::V128) return missing("v128 global");
    b_.global_set(idx, t, src);
  }
  void on_const(Op, uint64_t bits, uint32_t dst) { b_.constant(dst, bits); }
  void on_numeric(Op op, uint32_t dst, uint32_t a, uint32_t b) {
    if (!b_.numeric(op, dst, a, b, offset())) missing(op);
  }
  void on_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr) {
    if (m.memory != 0 || !b_.load(op, m, dst, addr, offset())) missing(op);
  }
  void on_store(Op op, const MemArg& m, uint32_t addr, uint32_t val) {
    if (m.memory != 0 || !b_.store(op, m, addr, val, offset())) missing(op);
  }
  void on_memory_size(uint32_t memory, uint32_t dst) { b_.memory_size(memory, dst); }
  void on_memory_grow(uint32_t memory, uint32_t dst, uint32_t delta) {
    b_.memory_grow(memory, dst, delta, offset());
  }

  // --- Not compiled yet: the function stays with the interpreter ---------------------------
  template <class... A>
  void on_ternary(Op op, A&&...) {
    missing(op);
  }
  template <class... A>
  void on_v128_const(A&&...) {
    missing("v128.const");
  }
  template <class... A>
  void on_lane(Op op, A&&...) {
    missing(op);
  }
  template <class... A>
  void on_shuffle(A&&...) {
    missing("i8x16.shuffle");
  }
  template <class... A>
  void on_load_lane(Op op, A&&...) {
    missing(op);
  }
  template <class... A>
  void on_store_lane(Op op, A&&...) {
    missing(op);
  }
  template <class... A>
  void on_memory_init(A&&...) {
    missing("memory.init");
  }
  template <class... A>
  void on_data_drop(A&&...) {
    missing("data.drop");
  }
  template <class... A>
  void on_memory_copy(A&&...) {
    missing("memory.copy");
  }
  template <class... A>
  void on_memory_fill(A&&...) {
    missing("memory.fill");
  }
  template <class... A>
  void on_table_get(A&&...) {
    missing("table.get");
  }
  template <class... A>
  void on_table_set(A&&...) {
    missing("table.set");
  }
  template <class... A>
  void on_table_size(A&&...) {
    missing("table.size");
  }
  template <class... A>
  void on_table_grow(A&&...) {
    missing("table.grow");
  }
  template <class... A>
  void on_table_fill(A&&...) {
    missing("table.fill");
  }
  template <class... A>
  void on_table_copy(A&&...) {
    missing("table.copy");
  }
  template <class... A>
  void on_table_init(A&&...) {
    missing("table.init");
  }
  template <class... A>
  void on_elem_drop(A&&...) {
    missing("elem.drop");
  }
  template <class... A>
  void on_ref_null(A&&...) {
    missing("ref.null");
  }
  template <class... A>
  void on_ref_is_null(A&&...) {
    missing("ref.is_null");
  }
  template <class... A>
  void on_ref_func(A&&...) {
    missing("ref.func");
  }

 private:
  struct Frame {
    Label label;       // a block's or if's end, a loop's start
    Label else_label;  // an if's else (or end, without else)
    bool is_loop;
    bool has_else_label = false;
  };

  uint32_t offset() const { return static_cast<uint32_t>(w_->instr_offset()); }
  Label target(uint32_t depth) const { return labels_[labels_.size() - 1 - depth].label; }
  static bool needs_move(const CtrlFrame& f, uint32_t src) {
    return f.label_slots() != 0 && src != f.slot_height;
  }
  void branch_to(uint32_t depth, uint32_t src) {
    const CtrlFrame& f = w_->ctrl(depth);
    if (needs_move(f, src)) b_.copy(f.slot_height, src, f.label_slots());
    if (depth == labels_.size() - 1) {
      b_.ret(f.slot_height);  // a branch to the function's label returns
      return;
    }
    b_.jump(target(depth));
  }
  void missing(Op op) { missing(std::string(op_name(op))); }
  void missing(const std::string& what) {
    if (missing_.empty()) missing_ = what;
  }

  Backend& b_;
  const Walker* w_ = nullptr;
  std::vector<Frame> labels_;
  uint32_t frame_slots_ = 0;
  std::string missing_;
};

}  // namespace

std::optional<FunctionCode> compile_function(const DecodedModule& module, uint32_t func_index,
                                             const std::vector<bool>& declared_refs,
                                             Backend& backend, std::string* missing) {
  Frontend frontend(backend);
  FuncWalker<Frontend> walker(module, func_index, frontend, declared_refs);
  walker.run();
  if (!frontend.ok()) {
    if (missing) *missing = frontend.missing();
    return std::nullopt;
  }
  return backend.finish(frontend.frame_slots());
}

}  // namespace wrun::jit
