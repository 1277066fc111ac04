// Lowering: a visitor on the validator's walker that emits the interpreter's internal code
// (interp/code.h) while the walker validates, so each body is read exactly once.
//
// Operand forwarding. `local.get` and constants emit nothing: the lowering remembers, per
// operand-stack slot, that the value "is local x" or "is constant c" (a pending operand) and
// lets the consuming instruction read the local's slot directly or take the constant as an
// immediate. A pending operand is written to its own slot (materialised) only when something
// needs it there: control-flow boundaries, calls, a write to the local it stands for, or an
// instruction without a suitable operand form. Two peepholes use the last emitted instruction:
// `local.set`/`local.tee` retarget a just-computed result straight into the local, and
// `br_if`/`if` on a just-computed compare become one compare-and-branch instruction.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "interp/code.h"
#include "interp/interp.h"
#include "interp/thread.h"
#include "validator/func_walker.h"
#include "validator/validator.h"

namespace wrun::interp {

namespace {

uint16_t imm_id(Op op) {
  switch (op) {
#define WRUN_IMM_CASE(name) \
  case Op::name:            \
    return kImm_##name;
    WRUN_IMM_BINARY_OPS(WRUN_IMM_CASE)
#undef WRUN_IMM_CASE
    default:
      return 0;
  }
}

// The accumulator forms of an instruction (code.h, kAcc*), by its id; 0 where there is none
// (immediate forms have no right operand to read from acc).
struct AccForms {
  uint16_t w = 0, ra = 0, rb = 0, raw = 0, rbw = 0;
};
const AccForms* acc_forms(uint16_t id) {
  static const std::vector<AccForms> table = [] {
    std::vector<AccForms> t(kNumInstrIds);
#define WRUN_ACC_FORMS(name)                                                                  \
  t[id_of(Op::name)] = {kAccW_##name, kAccRA_##name, kAccRB_##name, kAccRAW_##name, kAccRBW_##name}; \
  t[kImm_##name] = {kAccImmW_##name, kAccImmRA_##name, 0, kAccImmRAW_##name, 0};
    WRUN_IMM_BINARY_OPS(WRUN_ACC_FORMS)
#undef WRUN_ACC_FORMS
    // Multiply-add reads its addend c from acc as the "right" operand.
    t[kMulAdd32] = {kAccW_MulAdd32, 0, kAccRB_MulAdd32, 0, kAccRBW_MulAdd32};
    t[kMulAdd64] = {kAccW_MulAdd64, 0, kAccRB_MulAdd64, 0, kAccRBW_MulAdd64};
    // Chains write acc as well as their slot (exec.cc), so they are their own write form.
#define WRUN_ACC_CHAIN_II(op1, op2) t[kChainII_##op1##_##op2].w = kChainII_##op1##_##op2;
#define WRUN_ACC_CHAIN_RI(op1, op2) t[kChainRI_##op1##_##op2].w = kChainRI_##op1##_##op2;
    WRUN_CHAIN_IMM_PAIRS(WRUN_ACC_CHAIN_II) WRUN_CHAIN_REG_PAIRS(WRUN_ACC_CHAIN_RI)
#undef WRUN_ACC_CHAIN_II
#undef WRUN_ACC_CHAIN_RI
    return t;
  }();
  return id < table.size() && table[id].w ? &table[id] : nullptr;
}

// A chain (code.h, kChainII/kChainRI) by parts: the instruction its first operation would
// be on its own, and its second operation. The first operations' ids, in chain order.
constexpr uint16_t kChainImmFirsts[kChainImmFirstOps] = {kImm_I32Add, kImm_I32Sub, kRSubImm32,  kImm_I32And,
                                                         kImm_I32Or,  kImm_I32Xor, kImm_I32Shl, kImm_I32ShrU};
constexpr uint16_t kChainRegFirsts[kChainRegFirstOps] = {id_of(Op::I32Add), id_of(Op::I32Sub), id_of(Op::I32And),
                                                         id_of(Op::I32Or),  id_of(Op::I32Xor), id_of(Op::I32Shl),
                                                         id_of(Op::I32ShrU)};
struct ChainParts {
  uint16_t first;
  ChainOp second;
};
std::optional<ChainParts> chain_parts(uint16_t id) {
  if (id >= kChainII_Add_Add && id < kChainII_Add_Add + kChainOps * kChainImmFirstOps) {
    const int i = id - kChainII_Add_Add;
    return ChainParts{kChainImmFirsts[i / kChainOps], static_cast<ChainOp>(i % kChainOps)};
  }
  if (id >= kChainRI_Add_Add && id < kChainRI_Add_Add + kChainOps * kChainRegFirstOps) {
    const int i = id - kChainRI_Add_Add;
    return ChainParts{kChainRegFirsts[i / kChainOps], static_cast<ChainOp>(i % kChainOps)};
  }
  return std::nullopt;
}
// The chain of `first` (one of the ids above) followed by `second`, if there is one.
std::optional<uint16_t> chain_id(uint16_t first, ChainOp second) {
  for (int i = 0; i < kChainImmFirstOps; ++i) {
    if (kChainImmFirsts[i] == first)
      return static_cast<uint16_t>(kChainII_Add_Add + kChainOps * i + static_cast<int>(second));
  }
  for (int i = 0; i < kChainRegFirstOps; ++i) {
    if (kChainRegFirsts[i] == first)
      return static_cast<uint16_t>(kChainRI_Add_Add + kChainOps * i + static_cast<int>(second));
  }
  return std::nullopt;
}

bool is_commutative(Op op) {
  switch (op) {
    case Op::I32Add: case Op::I32Mul: case Op::I32And: case Op::I32Or: case Op::I32Xor:
    case Op::I32Eq: case Op::I32Ne: case Op::I64Add: case Op::I64Mul: case Op::I64And:
    case Op::I64Or: case Op::I64Xor: case Op::I64Eq: case Op::I64Ne:
      return true;
    default:
      return false;
  }
}

struct CompareInfo {
  bool fusable = false;
  Op negated = Op::Nop;
  Op swapped = Op::Nop;
  uint16_t br = 0, br_imm = 0;
};
CompareInfo compare_info(Op op) {
  switch (op) {
#define WRUN_CMP_CASE(name, neg, swap) \
  case Op::name:                       \
    return {true, Op::neg, Op::swap, kBrIf_##name, kBrIfImm_##name};
    WRUN_FUSED_COMPARES(WRUN_CMP_CASE)
#undef WRUN_CMP_CASE
    default:
      return {};
  }
}

// The optimisations of this file, each of which can be turned off with
// WRUN_INTERP_DISABLE=name,name,... (read once per process) to measure what it buys; the
// plain lowering is always correct on its own. Not meant for production use.
enum Optimisation : uint32_t {
  kOptForwarding = 1,     // "forwarding": local.get/constants as operands, no copies
  kOptRetarget = 2,       // "retarget": local.set/tee write the producer's result in place
  kOptImmediates = 4,     // "immediates": binary ops with a constant operand
  kOptCompareBranch = 8,  // "compare-branch": compare/eqz + br_if/if fused
  kOptAddrFold = 16,      // "addr-fold": i32.add folded into loads and stores
  kOptTestBranch = 32,    // "test-branch": (x & imm) + br_if/if fused
  kOptShiftMask = 64,     // "shift-mask": (x >> s) & m fused
  kOptBrTableBias = 128,  // "br-table-bias": x + k (and a byte's sign extension) folded into br_table
  kOptLoadBranch = 256,   // "load-branch": an i32 load + br_if/if on its value fused
  kOptMulAdd = 512,       // "mul-add": integer x * y + c fused
  kOptStepBranch = 1024,  // "step-branch": x +/- imm + br_if/if on the result fused
  kOptNotFold = 2048,     // "not-fold": ~(x + c), ~(c - x)... as one op with the constant folded
  kOptLoopIdiom = 4096,   // "loop-idiom": byte copy/fill loops run as one memmove/memset
  kOptAccumulator = 8192, // "accumulator": a temporary passed to the next instruction in acc
  kOptCallArgs = 16384,   // "call-args": a direct call moves forwarded arguments itself
  kOptZeroByte = 32768,   // "zero-byte": the has-a-zero-byte bit trick + br_if/if fused
  kOptConstBranch = 65536,  // "const-br": i32.const into a slot + br fused
  kOptScanIdiom = 131072,   // "scan-idiom": zero-byte/zero-word scan loops run natively
  kOptKnownValue = 262144,  // "known-value": storing a local's known constant again is dropped
  kOptAddBranch = 524288,   // "add-br": x + imm into a slot + br fused
  kOptBrTableFwd = 1048576, // "br-table-fwd": br_table without values or loop targets specialised
  kOptRangeBranch = 2097152,  // "range-branch": (x + c) <u k + br_if/if fused
  kOptConstStore = 4194304,   // "const-store": stores of a constant take it as an immediate
  kOptThreading = 8388608,    // "threading": branches threaded through decided tests (thread.h)
  kOptChain = 16777216,       // "chain": two i32 operations, the second with a constant, fused
};
uint32_t disabled_optimisations() {
  static const uint32_t disabled = [] {
    static constexpr std::pair<std::string_view, uint32_t> kNames[] = {
        {"forwarding", kOptForwarding},         {"retarget", kOptRetarget},
        {"immediates", kOptImmediates},         {"compare-branch", kOptCompareBranch},
        {"addr-fold", kOptAddrFold},            {"test-branch", kOptTestBranch},
        {"shift-mask", kOptShiftMask},          {"br-table-bias", kOptBrTableBias},
        {"load-branch", kOptLoadBranch},        {"mul-add", kOptMulAdd},
        {"step-branch", kOptStepBranch},        {"not-fold", kOptNotFold},
        {"loop-idiom", kOptLoopIdiom},          {"accumulator", kOptAccumulator},
        {"call-args", kOptCallArgs},            {"zero-byte", kOptZeroByte},
        {"const-br", kOptConstBranch},          {"scan-idiom", kOptScanIdiom},
        {"known-value", kOptKnownValue},        {"add-br", kOptAddBranch},
        {"br-table-fwd", kOptBrTableFwd},       {"range-branch", kOptRangeBranch},
        {"const-store", kOptConstStore},        {"threading", kOptThreading},
        {"chain", kOptChain},
    };
    const char* env = std::getenv("WRUN_INTERP_DISABLE");
    std::string_view list = env ? env : "";
    uint32_t bits = 0;
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      for (auto [n, bit] : kNames) {
        if (name == n || name == "all") bits |= bit;
      }
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return bits;
  }();
  return disabled;
}

// What an operand-stack slot holds at this point of the code.
struct Pending {
  enum Kind : uint8_t { InSlot, Local, Const } kind = InSlot;
  uint8_t width = 1;    // slots (2 for v128)
  bool wide = false;    // Const: a 64-bit value (i64/f64/ref), else 32-bit
  uint32_t local = 0;   // Local: the local's slot
  uint64_t value = 0;   // Const
};

constexpr size_t kNone = std::numeric_limits<size_t>::max();
constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();

// A Code being built: its header fields and offsets table, packed with the instruction stream
// into one allocation at the end (pack_code).
struct CodeParts {
  uint32_t func_index = 0;
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;
  uint32_t result_slots = 0;
  uint32_t zero_slots = 0;
  uint32_t frame_slots = 0;
  const DecodedModule* module = nullptr;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
};

CodePtr pack_code(const CodeParts& parts, const std::vector<uint8_t>& stream) {
  const size_t words = (stream.size() + 7) / 8;
  static_assert(sizeof(Code) % 8 == 0 && alignof(Code) <= 8, "the stream follows the header");
  const size_t bytes = sizeof(Code) + words * 8 + parts.offsets.size() * sizeof(parts.offsets[0]);
  void* block = ::operator new(bytes);
  CodePtr code(new (block) Code);
  uint8_t* stream_at = static_cast<uint8_t*>(block) + sizeof(Code);
  std::memcpy(stream_at, stream.data(), stream.size());
  std::memset(stream_at + stream.size(), 0, words * 8 - stream.size());
  std::uninitialized_copy(parts.offsets.begin(), parts.offsets.end(),
                          reinterpret_cast<std::pair<uint32_t, uint32_t>*>(stream_at + words * 8));
  code->entry = stream_at;
  code->module = parts.module;
  code->func_index = parts.func_index;
  code->param_slots = parts.param_slots;
  code->local_slots = parts.local_slots;
  code->result_slots = parts.result_slots;
  code->zero_slots = parts.zero_slots;
  code->frame_slots = parts.frame_slots;
  code->num_words = static_cast<uint32_t>(words);
  code->num_offsets = static_cast<uint32_t>(parts.offsets.size());
  return code;
}

class Lowering {
 public:
  explicit Lowering(bool optimize) : disabled_(optimize ? disabled_optimisations() : ~0u) {}

  // The lowered function, once the walker has finished.
  CodePtr take() { return std::move(result_); }
  uint64_t work() const { return work_; }

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
    // Before the accumulator forms: stubs copy instructions as they read and write slots.
    if (enabled(kOptThreading)) thread_branches(buf_, code_.offsets, sites_, std::max<size_t>(buf_.size() / 2, 256));
    apply_accumulator_pairs();
    code_.frame_slots = std::max({w.max_slot_height(), code_.result_slots, code_.local_slots});
    code_.zero_slots = code_.local_slots - code_.param_slots;
    result_ = pack_code(code_, buf_);
  }

  // --- Control -----------------------------------------------------------------------------
  void on_block(const CtrlFrame&) {
    if (!dead_) flush_all();
    labels_.push_back(new_label(false));
  }
  void on_loop(const CtrlFrame&) {
    if (!dead_) flush_all();
    // Back edges poll for fuel and interrupts themselves (exec.cc, TAKE_BRANCH).
    labels_.push_back(new_label(true));
    last_target_ = buf_.size();
    known_local_.reset();
    no_peephole();
  }
  void on_if(const CtrlFrame&, uint32_t cond) {
    Label l = new_label(false);
    if (!dead_) {
      std::optional<FusedCompare> cmp = take_compare(cond);
      flush_all();
      if (cmp) {
        set_if_fixup(l, emit_fused_branch(*cmp, /*negate=*/true));
      } else if (std::optional<Fixup> fx = fuse_branch(use(cond), /*on_zero=*/true)) {
        set_if_fixup(l, *fx);
      } else {
        uint32_t c = use(cond);
        size_t at = begin_instr(kBrIfZ);
        put32(c);
        set_if_fixup(l, Fixup{at, put32(0)});
        end_instr();
      }
      l.if_fact = known_local_;
    }
    labels_.push_back(std::move(l));
  }
  // The walker reports else/end after checking (popping) the frame's results, which must be
  // in their slots where the paths meet.
  void on_else(const CtrlFrame& f) {
    Label& l = labels_.back();
    if (!dead_) {
      materialize_range(f.slot_height, slots_of(f.results));
      size_t at = begin_instr(Op::Br);
      add_branch(0, Fixup{at, put32(0)});
      end_instr();
    }
    if (l.has_if_fixup) patch(if_fixup(l));
    l.has_if_fixup = false;
    known_local_ = l.if_fact;  // the else is reached by the if's branch alone
    dead_ = l.entered_dead;
    // The else branch starts from the if's params, in their slots (flushed at the if).
    define_range(f.slot_height, slots_of(f.params));
  }
  void on_end(const CtrlFrame& f, bool function_end) {
    if (!dead_) materialize_range(f.slot_height, slots_of(f.results));
    Label& l = labels_.back();
    if (l.is_loop && !dead_ && !recognise_scan_idiom(l.loop_pos)) recognise_loop_idiom(l.loop_pos);
    // What holds past the end: what all paths there agree on (a loop's end is its fallthrough).
    if (!l.is_loop) {
      if (!dead_) merge_fact(l, known_local_);
      if (l.has_if_fixup) merge_fact(l, l.if_fact);
      known_local_ = l.entered ? l.fact : std::nullopt;
    } else if (dead_) {
      known_local_.reset();
    }
    if (l.has_if_fixup) patch(if_fixup(l));
    patch_forward_branches(l);
    no_peephole();
    dead_ = l.entered_dead;
    labels_.pop_back();
    // Past the label, every path has put the results in their slots.
    define_range(f.slot_height, slots_of(f.results));
    if (function_end) {
      // Branches to the function's label land here too, so the return is always emitted.
      dead_ = false;
      emit2(id_of(Op::Return), f.slot_height, code_.result_slots);
    }
  }

  void on_br(uint32_t depth, uint32_t src) {
    if (dead_) return;
    const CtrlFrame& f = w_->ctrl(depth);
    move_values(f.slot_height, src, f.label_types());
    emit_jump(depth);
    dead_ = true;
  }
  void on_br_if(uint32_t depth, uint32_t cond, uint32_t src) {
    if (dead_) return;
    const CtrlFrame& f = w_->ctrl(depth);
    std::optional<FusedCompare> cmp = take_compare(cond);
    uint32_t c = cmp ? 0 : use(cond);
    uint32_t n = f.label_slots();
    if (n == 0 || f.slot_height == src) {
      materialize_range(src, n);
      if (cmp) {
        Fixup fx = emit_fused_branch(*cmp, /*negate=*/false);
        add_branch(depth, fx);
      } else if (std::optional<Fixup> fx = fuse_branch(c, /*on_zero=*/false)) {
        add_branch(depth, *fx);
      } else {
        size_t at = begin_instr(kBrIfNz);
        put32(c);
        add_branch(depth, Fixup{at, put32(0)});
        end_instr();
      }
      return;
    }
    // The values stay on the stack for the fallthrough, and later branches may move them
    // again: several are put in their slots here, once, so that each branch moves them with
    // one copy instead of copying every forwarded local or constant again (one value keeps
    // the single copy on the taken path).
    if (f.label_types().size() > 1) materialize_range(src, n);
    Fixup skip;
    if (cmp) {
      skip = emit_fused_branch(*cmp, /*negate=*/true);
    } else if (std::optional<Fixup> fx = fuse_branch(c, /*on_zero=*/true)) {
      skip = *fx;
    } else {
      size_t at = begin_instr(kBrIfZ);
      put32(c);
      skip = Fixup{at, put32(0)};
      end_instr();
    }
    move_values(f.slot_height, src, f.label_types());
    emit_jump(depth);
    patch(skip);
  }
  void on_br_table(const std::vector<uint32_t>& depths, uint32_t default_depth, uint32_t index,
                   uint32_t src) {
    if (dead_) return;
    uint32_t n = w_->ctrl(default_depth).label_slots();
    // `br_table (x + k)`: compilers bias switch values so the cases start at 0.
    // And `br_table ((int8_t)c + k)`: a switch on a signed char.
    uint32_t idx = index, bias = 0;
    bool folded = false, sign_extend_byte = false;
    if (enabled(kOptBrTableBias) && just_produced(index, kImm_I32Add)) {
      std::memcpy(&idx, buf_.data() + last_.instr + 12, 4);
      std::memcpy(&bias, buf_.data() + last_.instr + 16, 4);
      const Peephole before_add = prev_;
      drop_last_instr();
      last_ = before_add;  // the instruction before the add is the last one again
      folded = true;
    }
    if (enabled(kOptBrTableBias) && just_produced(idx, id_of(Op::I32Extend8S))) {
      std::memcpy(&idx, buf_.data() + last_.instr + 12, 4);
      drop_last_instr();
      folded = sign_extend_byte = true;
    }
    if (!folded) idx = use(index);
    no_peephole();
    materialize_range(src, n);
    // index count src n bias (pad) then count+1 entries (relative target, target's slot).
    bool forward_only = n == 0 && enabled(kOptBrTableFwd);
    for (uint32_t d : depths) forward_only = forward_only && !labels_[labels_.size() - 1 - d].is_loop;
    forward_only = forward_only && !labels_[labels_.size() - 1 - default_depth].is_loop;
    const uint16_t id = forward_only ? uint16_t{sign_extend_byte ? kBrTableFwdS8 : kBrTableFwd}
                                     : (sign_extend_byte ? uint16_t{kBrTableS8} : id_of(Op::BrTable));
    size_t at = begin_instr(id);
    put32(idx);
    put32(static_cast<uint32_t>(depths.size()));
    put32(src);
    put32(n);
    put32(bias);
    put32(0);
    // A case knows the index local's value (unless only its low byte was switched on).
    const bool index_is_local = idx < w_->num_local_slots() && !sign_extend_byte;
    // One site for all the entries (thread_branches derives each case's fact the same way).
    note_site(Fixup{at, at + 32}, known_local_, static_cast<uint32_t>(depths.size()) + 1,
              index_is_local);
    auto entry = [&](uint32_t depth, std::optional<uint32_t> value) {
      std::optional<KnownLocal> fact = known_local_;
      if (index_is_local && value) fact = KnownLocal{idx, *value - bias};
      bind_branch(depth, Fixup{at, put32(0)}, fact);
      put32(w_->ctrl(depth).slot_height);
    };
    for (size_t i = 0; i < depths.size(); ++i) entry(depths[i], static_cast<uint32_t>(i));
    entry(default_depth, std::nullopt);
    end_instr();
    dead_ = true;
  }
  void on_return(uint32_t src) {
    if (dead_) return;
    emit_return(src);
    dead_ = true;
  }
  void on_unreachable() {
    if (dead_) return;
    begin_instr(Op::Unreachable);
    end_instr();
    dead_ = true;
  }

  // --- Calls ---------------------------------------------------------------------------------
  // Arguments must sit in their slots (the callee's frame starts there); values below them stay
  // pending, since a call cannot change this frame's locals.
  void on_call(uint32_t func, uint32_t args) {
    if (dead_) return;
    const FuncType& ft = w_->module().func_type(func);
    const uint32_t n = slots_of(ft.params);
    // Arguments still standing for a local or a constant are moved by the call itself, so
    // `f(x, 0, y)` is one dispatch instead of four.
    std::vector<std::pair<uint32_t, uint32_t>> from_locals;
    std::vector<std::pair<uint32_t, uint64_t>> from_consts;
    if (enabled(kOptCallArgs)) {
      for (uint32_t s = args; s < args + n; ++s) {
        Pending& p = at(s);
        if (p.kind == Pending::Local) {
          for (uint32_t i = 0; i < p.width; ++i) from_locals.push_back({s + i, p.local + i});
        } else if (p.kind == Pending::Const) {
          from_consts.push_back({s, p.value});
        } else {
          continue;
        }
        p.kind = Pending::InSlot;
      }
    }
    materialize_range(args, n);
    if (from_locals.empty() && from_consts.empty()) {
      emit2(id_of(Op::Call), func, args);
    } else {
      begin_instr(kCallArgs);
      for (uint32_t v : {func, args, static_cast<uint32_t>(from_locals.size()),
                         static_cast<uint32_t>(from_consts.size())})
        put32(v);
      for (auto [dst, src] : from_locals) {
        put32(dst);
        put32(src);
      }
      for (auto [dst, value] : from_consts) {
        put32(dst);
        put32(0);
        put_bytes(&value, 8);
      }
      end_instr();
    }
    define_range(args, slots_of(ft.results));
  }
  // Nothing to emit: the dropped value's producer has run already (it may trap). The slot's
  // pending entry stays as it is, now above the stack; take_compare checks that a slot still
  // holds what the last instruction computed there.
  void on_drop(Operand) {}
  void on_call_indirect(uint32_t type, uint32_t table, uint32_t args, uint32_t index) {
    if (dead_) return;
    const FuncType& ft = w_->module().types[type];
    uint32_t idx = use(index);
    materialize_range(args, slots_of(ft.params));
    emit4(id_of(Op::CallIndirect), type, table, args, idx);
    define_range(args, slots_of(ft.results));
  }

  // --- Values --------------------------------------------------------------------------------
  void on_select(ValType t, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) {
    if (dead_) return;
    uint32_t c = use(cond), y = use(b), x = use(a);
    bool wide = t == ValType::V128;
    emit_producer(wide ? kSelect2 : id_of(Op::Select), dst, {x, y, c});
    define(dst, wide ? 2 : 1);
  }
  void on_local_get(uint32_t local, uint32_t dst) {
    if (dead_) return;
    if (!enabled(kOptForwarding)) {
      const uint32_t width = slots_of(w_->local_type(local));
      emit_copy(dst, w_->local_slot(local), width);
      define(dst, width);
      return;
    }
    Pending p;
    p.kind = Pending::Local;
    p.local = w_->local_slot(local);
    p.width = static_cast<uint8_t>(slots_of(w_->local_type(local)));
    if (p.width == 2) at(dst + 1) = Pending{};
    set_pending(dst, p);
  }
  void on_local_set(uint32_t local, uint32_t src) {
    if (dead_) return;
    store_local(local, src);
  }
  void on_local_tee(uint32_t local, uint32_t src) {
    if (dead_) return;
    // The value stays on the stack as "local x" (unless it is a constant, which stays one).
    bool was_const = at(src).kind == Pending::Const;
    store_local(local, src);
    if (!was_const) on_local_get(local, src);
  }
  void on_global_get(uint32_t idx, uint32_t dst) {
    if (dead_) return;
    bool wide = w_->module().global_types[idx].type == ValType::V128;
    size_t at_ = begin_instr(wide ? kGlobalGet2 : id_of(Op::GlobalGet));
    size_t dst_field = put32(dst);
    put32(idx);
    end_instr();
    set_producer(at_, dst_field, dst);
    define(dst, wide ? 2 : 1);
  }
  void on_global_set(uint32_t idx, uint32_t src) {
    if (dead_) return;
    bool wide = w_->module().global_types[idx].type == ValType::V128;
    uint32_t s = use(src);
    emit2(wide ? kGlobalSet2 : id_of(Op::GlobalSet), idx, s);
  }
  void on_const(Op op, uint64_t bits, uint32_t dst) {
    if (dead_) return;
    Pending p;
    p.kind = Pending::Const;
    p.wide = op == Op::I64Const || op == Op::F64Const;
    p.value = p.wide ? bits : (bits & 0xFFFFFFFFu);
    set_pending(dst, p);
    if (!enabled(kOptForwarding)) materialize_range(dst, 1);
  }
  void on_numeric(Op op, uint32_t dst, uint32_t a, uint32_t b) {
    if (dead_) return;
    SigInfo sig = sig_info(op_info(op).sig);
    if (sig.num_params != 2) {
      uint32_t x = use(a);
      emit_producer(id_of(op), dst, {x});
      define(dst, result_slots(op));
      return;
    }
    // A constant right operand (or left, for commutative ops) becomes an immediate.
    uint16_t imm = imm_id(op);
    if (imm && !fits_imm(b) && fits_imm(a)) {
      if (is_commutative(op)) {
        std::swap(a, b);
      } else if (compare_info(op).fusable) {
        std::swap(a, b);
        op = compare_info(op).swapped;
        imm = imm_id(op);
      }
    }
    bool wide = sig_info(op_info(op).sig).params[0] == ValType::I64;
    if ((op == Op::I32Sub || op == Op::I64Sub) && fits_imm(a) && !fits_imm(b)) {
      if (!wide && take_chain(dst, b, ChainOp::RSub, static_cast<uint32_t>(at(a).value))) {
        last_.op = Op::Nop;
        define(dst, 1);
        return;
      }
      emit_binary_imm(wide ? kRSubImm64 : kRSubImm32, dst, use(b), at(a).value, wide);
      last_.op = Op::Nop;
      define(dst, 1);
      return;
    }
    if (imm && fits_imm(b)) {
      uint64_t value = at(b).value;
      if ((op == Op::I32And || op == Op::I64And) && take_shift_mask(dst, a, value, wide)) {
        last_.op = Op::Nop;
        define(dst, 1);
        return;
      }
      if ((op == Op::I32Xor || op == Op::I64Xor) && value == (wide ? ~uint64_t{0} : 0xFFFFFFFFu) &&
          take_not(dst, a, wide)) {
        last_.op = Op::Nop;
        define(dst, 1);
        return;
      }
      if (std::optional<ChainOp> second = chain_op(op); second && take_chain(dst, a, *second, static_cast<uint32_t>(value))) {
        last_.op = Op::Nop;
        define(dst, 1);
        return;
      }
      emit_binary_imm(imm, dst, use(a), value, wide);
      last_.compare_imm = true;
    } else {
      uint32_t y = use(b), x = use(a);
      if ((op == Op::I32Add || op == Op::I64Add) && take_mul_add(dst, x, y, wide)) {
        last_.op = Op::Nop;
        define(dst, 1);
        return;
      }
      emit_producer(id_of(op), dst, {x, y});
      last_.compare_imm = false;
    }
    last_.op = op;
    define(dst, result_slots(op));
  }
  void on_ternary(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t c) {
    if (dead_) return;
    uint32_t z = use(c), y = use(b), x = use(a);
    emit_producer(id_of(op), dst, {x, y, z});
    define(dst, result_slots(op));
  }

  // --- SIMD immediates -----------------------------------------------------------------------
  void on_v128_const(uint64_t lo, uint64_t hi, uint32_t dst) {
    if (dead_) return;
    begin_instr(Op::V128Const);
    put32(dst);
    put_bytes(&lo, 8);
    put_bytes(&hi, 8);
    end_instr();
    define(dst, 2);
  }
  // extract_lane: dst vec lane; replace_lane: dst vec scalar lane.
  void on_lane(Op op, uint32_t lane, uint32_t dst, uint32_t vec, uint32_t scalar) {
    if (dead_) return;
    if (sig_info(op_info(op).sig).num_params == 2) {
      uint32_t y = use(scalar), x = use(vec);
      emit4(id_of(op), dst, x, y, lane);
    } else {
      emit3(id_of(op), dst, use(vec), lane);
    }
    define(dst, result_slots(op));
  }
  void on_shuffle(const std::array<uint8_t, 16>& lanes, uint32_t dst, uint32_t a, uint32_t b) {
    if (dead_) return;
    uint32_t y = use(b), x = use(a);
    begin_instr(Op::I8x16Shuffle);
    put32(dst);
    put32(x);
    put32(y);
    put_bytes(lanes.data(), lanes.size());
    end_instr();
    define(dst, 2);
  }
  void on_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                    uint32_t vec) {
    if (dead_) return;
    only_memory0(m.memory);
    uint32_t v = use(vec), x = use(addr);
    begin_instr(op);
    for (uint32_t w : {dst, x, v, static_cast<uint32_t>(m.offset), lane}) put32(w);
    end_instr();
    define(dst, 2);
  }
  void on_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec) {
    if (dead_) return;
    only_memory0(m.memory);
    uint32_t v = use(vec), x = use(addr);
    emit4(id_of(op), x, v, static_cast<uint32_t>(m.offset), lane);
  }

  void on_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr) {
    if (dead_) return;
    only_memory0(m.memory);
    uint32_t off = static_cast<uint32_t>(m.offset);
    std::optional<AddrAdd> add = addr_id(op) ? take_addr_add(addr) : std::nullopt;
    if (add) {
      emit_producer(addr_id(op, add->reg), dst, {add->base, off, add->value});
    } else {
      uint32_t x = use(addr);
      emit_producer(id_of(op), dst, {x, off});
    }
    define(dst, result_slots(op));
  }
  static std::optional<uint16_t> const_store_id(Op op) {
    switch (op) {
#define WRUN_CONST_STORE_CASE(name) \
  case Op::name:                    \
    return kStoreImm_##name;
      WRUN_CONST_STORES(WRUN_CONST_STORE_CASE)
#undef WRUN_CONST_STORE_CASE
      default:
        return std::nullopt;
    }
  }
  void on_store(Op op, const MemArg& m, uint32_t addr, uint32_t val) {
    if (dead_) return;
    only_memory0(m.memory);
    uint32_t off = static_cast<uint32_t>(m.offset);
    // A constant value is materialised into slot addr+1, which may be the second operand of a
    // register add: fold only the constant form then.
    bool allow_reg = at(val).kind != Pending::Const;
    std::optional<AddrAdd> add = addr_id(op) ? take_addr_add(addr, allow_reg) : std::nullopt;
    if (!add && at(val).kind == Pending::Const && enabled(kOptConstStore)) {
      if (std::optional<uint16_t> id = const_store_id(op)) {
        const uint64_t value = at(val).value;
        const bool wide = op == Op::I64Store;  // the others keep at most 32 bits of it
        if (!wide || fits_i32(value)) {
          uint32_t x = use(addr);  // the constant itself is never materialised
          emit3(*id, x, off, static_cast<uint32_t>(value));
          return;
        }
      }
    }
    uint32_t v = use(val);
    if (add) {
      emit4(addr_id(op, add->reg), add->base, v, off, add->value);
    } else {
      uint32_t x = use(addr);
      emit3(id_of(op), x, v, off);
    }
  }

  // --- Memory, tables, references ------------------------------------------------------------
  // Bulk instructions read their three operands as consecutive slots.
  void on_memory_size(uint32_t memory, uint32_t dst) {
    if (dead_) return;
    only_memory0(memory);
    emit_producer(id_of(Op::MemorySize), dst, {});
    define(dst, 1);
  }
  void on_memory_grow(uint32_t memory, uint32_t dst, uint32_t delta) {
    if (dead_) return;
    only_memory0(memory);
    uint32_t d = use(delta);
    emit_producer(id_of(Op::MemoryGrow), dst, {d});
    define(dst, 1);
  }
  void on_memory_init(uint32_t seg, uint32_t memory, uint32_t d) {
    if (dead_) return;
    only_memory0(memory);
    materialize_range(d, 3);
    emit2(id_of(Op::MemoryInit), seg, d);
  }
  void on_data_drop(uint32_t seg) { if (!dead_) emit1(id_of(Op::DataDrop), seg); }
  void on_memory_copy(uint32_t dst_memory, uint32_t src_memory, uint32_t d) {
    if (dead_) return;
    only_memory0(dst_memory);
    only_memory0(src_memory);
    materialize_range(d, 3);
    emit1(id_of(Op::MemoryCopy), d);
  }
  void on_memory_fill(uint32_t memory, uint32_t d) {
    if (dead_) return;
    only_memory0(memory);
    materialize_range(d, 3);
    emit1(id_of(Op::MemoryFill), d);
  }
  void on_table_get(uint32_t t, uint32_t dst, uint32_t i) {
    if (dead_) return;
    uint32_t x = use(i);
    emit_producer(id_of(Op::TableGet), dst, {x, t});
    define(dst, 1);
  }
  void on_table_set(uint32_t t, uint32_t i, uint32_t val) {
    if (dead_) return;
    uint32_t v = use(val), x = use(i);
    emit3(id_of(Op::TableSet), t, x, v);
  }
  void on_table_size(uint32_t t, uint32_t dst) {
    if (dead_) return;
    emit_producer(id_of(Op::TableSize), dst, {t});
    define(dst, 1);
  }
  void on_table_grow(uint32_t t, uint32_t init) {
    if (dead_) return;
    materialize_range(init, 2);
    emit2(id_of(Op::TableGrow), init, t);
    define(init, 1);
  }
  void on_table_fill(uint32_t t, uint32_t i) {
    if (dead_) return;
    materialize_range(i, 3);
    emit2(id_of(Op::TableFill), t, i);
  }
  void on_table_copy(uint32_t dst, uint32_t src, uint32_t d) {
    if (dead_) return;
    materialize_range(d, 3);
    emit3(id_of(Op::TableCopy), dst, src, d);
  }
  void on_table_init(uint32_t seg, uint32_t t, uint32_t d) {
    if (dead_) return;
    materialize_range(d, 3);
    emit3(id_of(Op::TableInit), seg, t, d);
  }
  void on_elem_drop(uint32_t seg) { if (!dead_) emit1(id_of(Op::ElemDrop), seg); }
  void on_ref_null(uint32_t dst) {
    if (dead_) return;
    Pending p;
    p.kind = Pending::Const;
    p.wide = true;
    p.value = 0;
    set_pending(dst, p);
  }
  void on_ref_is_null(uint32_t dst, uint32_t src) {
    if (dead_) return;
    uint32_t x = use(src);
    emit_producer(id_of(Op::RefIsNull), dst, {x});
    define(dst, 1);
  }
  void on_ref_func(uint32_t f, uint32_t dst) {
    if (dead_) return;
    emit_producer(id_of(Op::RefFunc), dst, {f});
    define(dst, 1);
  }

 private:
  struct Fixup {
    size_t instr = 0;  // start of the branching instruction
    size_t field = 0;  // position of its 32-bit relative offset
  };
  // A local slot known to hold a 32-bit constant at the current position (every path here
  // stored it or branched here from a br_table case on it).
  struct KnownLocal {
    uint32_t slot;
    uint32_t value;
    bool operator==(const KnownLocal&) const = default;
  };
  // A label of the control stack. Kept small (44 bytes): a body may nest 2.5 million blocks.
  struct Label {
    uint32_t loop_pos = 0;
    // The forward branches to this label's end, not yet bound, as a list through the code
    // (nothing allocated per branch: a br_table may have millions of entries): `fixups` is
    // the offset field of the last one plus 1 (0: none), and each such field holds the one
    // before it the same way until patch_forward_branches binds them.
    uint32_t fixups = 0;
    uint32_t if_instr = 0, if_field = 0;  // an if's branch to its else/end (has_if_fixup)
    // What every path to the label's end agrees on so far (`entered`: some path reaches it),
    // and what held where an if branches to its else/end.
    std::optional<KnownLocal> fact;
    std::optional<KnownLocal> if_fact;
    bool is_loop = false;
    bool entered_dead = false;
    bool has_if_fixup = false;
    bool entered = false;
  };
  static Fixup if_fixup(const Label& l) { return Fixup{l.if_instr, l.if_field}; }
  static void set_if_fixup(Label& l, const Fixup& f) {
    l.if_instr = static_cast<uint32_t>(f.instr);
    l.if_field = static_cast<uint32_t>(f.field);
    l.has_if_fixup = true;
  }
  struct FusedCompare {
    Op op{};
    uint32_t a = 0;
    uint32_t b = 0;  // a slot, or the immediate when is_imm (the mask when test)
    bool is_imm = false;
    bool eqz = false;   // i32.eqz a: branch when a == 0
    bool test = false;  // a & b: branch when nonzero (zero when eqz is also set)
    // range: branch when (a + b) <u k (range_ge: >=u k).
    bool range = false;
    bool range_ge = false;
    // With test: branch when (a & b) == k (masked_ne: != k) instead.
    bool masked_compare = false;
    bool masked_ne = false;
    uint32_t k = 0;
    // With eqz: the load or step that just computed a, which the branch may take over.
    size_t producer = kNone;
    uint16_t producer_id = 0;
  };

  // The internal code names no memory: every access goes to the instance's memory 0, the only
  // one Wasm 2.0 has (the walker reports others only with WalkerFeatures::multi_memory).
  void only_memory0(uint32_t memory) const {
    if (memory != 0) throw DecodeError("multiple memories are not supported", w_->instr_offset());
  }

  static uint32_t result_slots(Op op) {
    SigInfo sig = sig_info(op_info(op).sig);
    return sig.has_result ? slots_of(sig.result) : 0;
  }

  Label new_label(bool is_loop) const {
    Label l;
    l.is_loop = is_loop;
    l.loop_pos = static_cast<uint32_t>(buf_.size());
    l.entered_dead = dead_;
    return l;
  }

  // --- Pending operands ------------------------------------------------------------------------
  // The operand stack starts after the locals, which may take 100,000 slots: its entries are
  // indexed from there, so a big frame costs nothing here (slots below keep a table of their
  // own in case a caller names one).
  Pending& at(uint32_t slot) {
    const uint32_t base = w_->num_local_slots();
    std::vector<Pending>& table = slot >= base ? pending_ : below_stack_;
    const uint32_t i = slot >= base ? slot - base : slot;
    if (i >= table.size()) table.resize(i + 16);
    return table[i];
  }
  // `slot` (the top of the stack) receives a value in place.
  void define(uint32_t slot, uint32_t width) {
    drop_pending_from(slot);
    work_ += width;
    for (uint32_t i = 0; i < width; ++i) at(slot + i) = Pending{};
    at(slot).width = static_cast<uint8_t>(width);
  }
  void define_range(uint32_t slot, uint32_t n) {
    drop_pending_from(slot);
    work_ += n;
    for (uint32_t i = 0; i < n; ++i) at(slot + i) = Pending{};
  }
  // The operand pushed at `slot` (the top of the stack) stands for a local or a constant.
  void set_pending(uint32_t slot, const Pending& p) {
    drop_pending_from(slot);
    at(slot) = p;
    pending_list_.push_back(slot);
    if (pending_list_.size() > kMaxPending) {
      // So many operands waiting is no code a compiler writes; the oldest half take their
      // values now, so that no scan below costs more than kMaxPending.
      const size_t half = kMaxPending / 2;
      work_ += half;
      for (size_t i = 0; i < half; ++i) materialize(pending_list_[i]);
      pending_list_.erase(pending_list_.begin(),
                          pending_list_.begin() + static_cast<ptrdiff_t>(half));
    }
  }
  // Forgets the entries of pending_list_ at `slot` and above: a push there replaces them.
  void drop_pending_from(uint32_t slot) {
    while (!pending_list_.empty() && pending_list_.back() >= slot) pending_list_.pop_back();
  }
  // Binary instructions take any constant right operand (32- or 64-bit field by width).
  bool fits_imm(uint32_t slot) { return enabled(kOptImmediates) && at(slot).kind == Pending::Const; }
  static bool fits_i32(uint64_t v) {
    int64_t x = static_cast<int64_t>(v);
    return x >= INT32_MIN && x <= INT32_MAX;
  }
  // The slot an instruction should read for the operand at `slot`.
  uint32_t use(uint32_t slot) {
    Pending& p = at(slot);
    if (p.kind == Pending::Local) return p.local;
    if (p.kind == Pending::Const) materialize(slot);
    return slot;
  }
  void materialize(uint32_t slot) {
    Pending p = at(slot);
    if (p.kind == Pending::InSlot) return;
    at(slot).kind = Pending::InSlot;  // before emitting: emission resets peepholes only
    if (p.kind == Pending::Local) emit_copy(slot, p.local, p.width);
    else materialize_into(slot, p);
  }
  // Puts the pending operands among [slot, slot + n) in their slots. Every caller names the
  // top of the stack (anything listed above it was popped), so this costs what is pending
  // there, not n.
  void materialize_range(uint32_t slot, uint32_t n) {
    size_t first = pending_list_.size();
    while (first > 0 && pending_list_[first - 1] >= slot) --first;
    work_ += pending_list_.size() - first;
    for (size_t i = first; i < pending_list_.size(); ++i) {
      if (pending_list_[i] - slot < n) materialize(pending_list_[i]);
    }
    pending_list_.resize(first);
  }
  void flush_all() {
    const uint32_t height = w_->slot_height();
    work_ += pending_list_.size();
    for (uint32_t s : pending_list_) {
      if (s < height) materialize(s);
    }
    pending_list_.clear();
  }
  // Before local `slot` changes, stack entries below `below` that stand for it must take its
  // old value.
  void flush_local(uint32_t local_slot, uint32_t below) {
    size_t kept = 0;
    work_ += pending_list_.size();
    for (size_t i = 0; i < pending_list_.size(); ++i) {
      const uint32_t s = pending_list_[i];
      const Pending& p = at(s);
      if (s < below && p.kind == Pending::Local && p.local == local_slot) materialize(s);
      else pending_list_[kept++] = s;
    }
    pending_list_.resize(kept);
  }
  bool has_pending_local(uint32_t local_slot, uint32_t below) {
    work_ += pending_list_.size();
    for (uint32_t s : pending_list_) {
      const Pending& p = at(s);
      if (s < below && p.kind == Pending::Local && p.local == local_slot) return true;
    }
    return false;
  }
  static void merge_fact(Label& l, const std::optional<KnownLocal>& fact) {
    if (!l.entered) l.fact = fact;
    else if (l.fact != fact) l.fact.reset();
    l.entered = true;
  }
  void store_local(uint32_t local, uint32_t src) {
    uint32_t ls = w_->local_slot(local);
    uint32_t width = slots_of(w_->local_type(local));
    Pending p = at(src);
    // Storing the constant the local is known to hold (`switch (state) { case K: state = K;`,
    // `state = 0` on paths that all set it already) changes nothing.
    const bool const_store = p.kind == Pending::Const && !p.wide;
    const std::optional<KnownLocal> stored =
        const_store ? std::optional<KnownLocal>(KnownLocal{ls, static_cast<uint32_t>(p.value)}) : std::nullopt;
    if (stored && known_local_ == stored && enabled(kOptKnownValue)) return;
    if (known_local_ && known_local_->slot == ls) known_local_.reset();
    if (stored) known_local_ = stored;
    // Peephole: the value was just computed into `src`; compute it into the local instead.
    if (enabled(kOptRetarget) && p.kind == Pending::InSlot && last_.dst_field != kNone &&
        last_.dst_slot == src && !has_pending_local(ls, src)) {
      uint32_t v = ls;
      std::memcpy(buf_.data() + last_.dst_field, &v, 4);
      no_peephole();
      last_.retargeted = ls;
      return;
    }
    flush_local(ls, src);
    if (p.kind == Pending::Const) {
      materialize_into(ls, p);
    } else {
      emit_copy(ls, p.kind == Pending::Local ? p.local : src, width);
    }
  }
  // Writes constant `p` into `slot`.
  void materialize_into(uint32_t slot, const Pending& p) {
    if (p.wide) {
      begin_instr(Op::I64Const);
      put32(slot);
      put32(static_cast<uint32_t>(p.value));
      put32(static_cast<uint32_t>(p.value >> 32));
      end_instr();
    } else {
      emit2(id_of(Op::I32Const), slot, static_cast<uint32_t>(p.value));
    }
  }
  // Moves branch values (at src...) to a label's slots (dst...), reading pending ones at their
  // source so a forwarded local or constant costs one instruction. Values already in their
  // slots go in runs, one copy per run (kCopyN is a memmove), so a branch costs a few
  // instructions whatever its arity: a 4-byte `br_if` of 1000 values is one copy, not 1000.
  // dst < src (a label's values sit below the branch's), so copying in ascending order never
  // overwrites a value before it is read.
  void move_values(uint32_t dst, uint32_t src, std::span<const ValType> types) {
    if (dst == src) {
      materialize_range(src, slots_of(types));
      return;
    }
    uint32_t s = src, d = dst;
    uint32_t run_src = 0, run_dst = 0, run = 0;  // values in their slots not yet copied
    for (ValType t : types) {
      const uint32_t w = slots_of(t);
      const Pending p = at(s);
      if (p.kind == Pending::InSlot) {
        if (run == 0) run_src = s, run_dst = d;
        run += w;
      } else {
        emit_copy(run_dst, run_src, run);
        run = 0;
        if (p.kind == Pending::Const) materialize_into(d, p);
        else emit_copy(d, p.local, w);
      }
      s += w;
      d += w;
    }
    emit_copy(run_dst, run_src, run);
  }

  struct AddrAdd {
    uint32_t base;   // slot of the add's first operand
    uint32_t value;  // the added constant, or (reg) the slot of the second operand
    bool reg = false;
  };
  static uint16_t addr_id(Op op, bool reg = false) {
    switch (op) {
#define WRUN_ADDR_CASE(name) \
  case Op::name:             \
    return reg ? kAddr2_##name : kAddr_##name;
      WRUN_MEMORY_OPS(WRUN_ADDR_CASE)
#undef WRUN_ADDR_CASE
      default:
        return 0;
    }
  }
  // Removes an `i32.add x, const` that just computed the address in `addr`, so the memory
  // instruction can add the constant itself.
  std::optional<AddrAdd> take_addr_add(uint32_t addr, bool allow_reg = true) {
    if (!enabled(kOptAddrFold) || last_.dst_field == kNone || last_.dst_slot != addr || at(addr).kind != Pending::InSlot ||
        (last_.id != kImm_I32Add && (!allow_reg || last_.id != id_of(Op::I32Add))))
      return std::nullopt;
    AddrAdd a;
    a.reg = last_.id == id_of(Op::I32Add);
    std::memcpy(&a.base, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&a.value, buf_.data() + last_.instr + 16, 4);
    drop_last_instr();
    return a;
  }
  void drop_last_instr() { drop_instrs_from(last_.instr); }
  // Removes every instruction from `pos` on (with their offsets entries and accumulator pairs).
  void drop_instrs_from(size_t pos) {
    while (!acc_pairs_.empty() && acc_pairs_.back().consumer >= pos) acc_pairs_.pop_back();
    while (!sites_.empty() && sites_.back().instr >= pos) sites_.pop_back();
    buf_.resize(pos);
    while (!code_.offsets.empty() && code_.offsets.back().first >= pos) code_.offsets.pop_back();
    no_peephole();
  }

  // `imm_op dst a imm` with a 32- or 64-bit immediate field.
  void emit_binary_imm(uint16_t id, uint32_t dst, uint32_t a, uint64_t value, bool wide) {
    size_t at_ = begin_instr(id);
    size_t dst_field = put32(dst);
    put32(a);
    put32(static_cast<uint32_t>(value));
    if (wide) put32(static_cast<uint32_t>(value >> 32));
    end_instr();
    note_accumulator_pair(at_, id, a, kNoSlot);
    set_producer(at_, dst_field, dst);
  }

  // Whether the last instruction is an `id` that computed `slot`, a stack slot that only the
  // current instruction reads: a fusion may then drop it and do its work itself.
  bool just_produced(uint32_t slot, uint16_t id) {
    return last_.dst_field != kNone && last_.dst_slot == slot && last_.id == id &&
           slot >= w_->num_local_slots() && at(slot).kind == Pending::InSlot;
  }

  // `x * y + c` (either add operand) where the multiply just computed one operand of the add
  // into a stack slot: one instruction.
  bool take_mul_add(uint32_t dst, uint32_t a, uint32_t b, bool wide) {
    const uint16_t mul_id = id_of(wide ? Op::I64Mul : Op::I32Mul);
    if (!enabled(kOptMulAdd) || a == b) return false;
    uint32_t addend;
    if (just_produced(b, mul_id)) addend = a;
    else if (just_produced(a, mul_id)) addend = b;
    else return false;
    uint32_t x, y;
    std::memcpy(&x, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&y, buf_.data() + last_.instr + 16, 4);
    const Peephole before_mul = prev_;
    drop_last_instr();
    last_ = before_mul;  // the instruction before the multiply is the last one again
    const uint16_t id = wide ? kMulAdd64 : kMulAdd32;
    const size_t pos = buf_.size();
    emit_producer(id, dst, {x, y, addend});
    note_accumulator_pair(pos, id, kNoSlot, addend, {x, y});
    return true;
  }

  // The i32 operations a kChain instruction (code.h) can do second, with a constant.
  static std::optional<ChainOp> chain_op(Op op) {
    switch (op) {
      case Op::I32Add: return ChainOp::Add;
      case Op::I32Sub: return ChainOp::Sub;
      case Op::I32And: return ChainOp::And;
      case Op::I32Or: return ChainOp::Or;
      case Op::I32Xor: return ChainOp::Xor;
      case Op::I32Shl: return ChainOp::Shl;
      case Op::I32ShrU: return ChainOp::ShrU;
      case Op::I32Rotl: return ChainOp::Rotl;
      case Op::I32Rotr: return ChainOp::Rotr;
      default: return std::nullopt;
    }
  }
  // `op2(t, c)` where the last instruction just computed t = op1(x, c1) or op1(x, y) into a
  // stack slot: one kChain instruction computing both.
  bool take_chain(uint32_t dst, uint32_t a, ChainOp op2, uint32_t c) {
    if (!enabled(kOptChain) || last_.dst_field == kNone || last_.dst_slot != a || a < w_->num_local_slots() ||
        at(a).kind != Pending::InSlot)
      return false;
    const std::optional<uint16_t> id = chain_id(last_.id, op2);
    if (!id) return false;
    if (handler_at(last_.instr) != handler_word(last_.id)) return false;  // rewritten since
    uint32_t x, second;  // x, then c1 or y
    std::memcpy(&x, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&second, buf_.data() + last_.instr + 16, 4);
    const Peephole before = prev_;
    drop_last_instr();
    last_ = before;  // the instruction before the first operation is the last one again
    size_t at_ = begin_instr(*id);
    size_t dst_field = put32(dst);
    put32(x);
    put32(second);
    put32(c);
    end_instr();
    set_producer(at_, dst_field, dst);
    return true;
  }

  // `(x >> s) & mask` where the shift just computed `a` into a stack slot: one instruction.
  bool take_shift_mask(uint32_t dst, uint32_t a, uint64_t mask, bool wide) {
    if (!enabled(kOptShiftMask) || !just_produced(a, wide ? kImm_I64ShrU : kImm_I32ShrU)) return false;
    uint32_t x, shift;
    std::memcpy(&x, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&shift, buf_.data() + last_.instr + 16, 4);  // low word of an i64 immediate
    drop_last_instr();
    size_t at_ = begin_instr(wide ? kShrUAnd64 : kShrUAnd32);
    size_t dst_field = put32(dst);
    put32(x);
    put32(shift);
    if (wide) put32(0);  // the 64-bit mask starts on an 8-byte boundary
    put32(static_cast<uint32_t>(mask));
    if (wide) put32(static_cast<uint32_t>(mask >> 32));
    end_instr();
    set_producer(at_, dst_field, dst);
    return true;
  }

  // --- Loop idioms ---------------------------------------------------------------------------
  // Byte loops that copy or fill memory (what -Oz builds of memcpy/memmove/memset compile to):
  //   forward copy   load8_u t, s; store8 d, t; d += 1; s += 1; n -= 1; br_if n
  //   backward copy  d -= 1; s -= 1; load8_u t, s; store8 d, t; n -= 1; br_if n
  //   fill           store8 d, v; d += 1; n -= 1; br_if n
  // (the two pointer steps in either order). A matched loop gets one instruction in front of
  // it that does the whole loop as one memmove/memset when every access is in bounds, no
  // fuel or interrupt is pending, and (for copies) the ranges overlap only in the direction
  // where a byte-by-byte copy and memmove agree; the locals end as the loop would leave them.
  // Otherwise it falls through into the loop, kept intact, which runs as written (partial
  // writes before a trap, fuel per iteration).
  // An emitted 24-byte instruction as the matchers below read it back.
  struct EmittedInstr {
    uint16_t id;
    uint32_t f[3];  // its first three operand fields
  };
  uint64_t handler_at(size_t pos) const {
    uint64_t word;
    std::memcpy(&word, buf_.data() + pos, 8);
    return word;
  }
  // Whether the instruction at pos is an `id`; its operand fields go to `in` either way.
  bool read_instr(size_t pos, uint16_t id, EmittedInstr& in) const {
    in.id = id;
    std::memcpy(in.f, buf_.data() + pos + 8, 12);
    return handler_at(pos) == handler_word(id);
  }
  std::optional<EmittedInstr> loop_instr_at(size_t pos) const {
    if (pos + 24 > buf_.size()) return std::nullopt;
    EmittedInstr in;
    for (uint16_t id : std::initializer_list<uint16_t>{id_of(Op::I32Load8U), id_of(Op::I32Store8), kImm_I32Add,
                                                       kImm_I32Sub, kAddImmBrNz32, kSubImmBrNz32}) {
      if (read_instr(pos, id, in)) return in;
    }
    return std::nullopt;
  }
  // +1 or -1 for `x = x + 1` / `x = x - 1` (either spelling) on slot x; 0 otherwise.
  static int pointer_step(const EmittedInstr& in, uint32_t& x) {
    if (in.id != kImm_I32Add && in.id != kImm_I32Sub) return 0;
    if (in.f[0] != in.f[1]) return 0;
    x = in.f[0];
    uint32_t delta = in.id == kImm_I32Add ? in.f[2] : 0u - in.f[2];
    return delta == 1 ? 1 : delta == 0xFFFFFFFFu ? -1 : 0;
  }
  void recognise_loop_idiom(size_t loop_pos) {
    if (!enabled(kOptLoopIdiom)) return;
    const size_t body = buf_.size() - loop_pos;
    if (body % 24 != 0 || body / 24 < 3 || body / 24 > 5) return;
    std::vector<EmittedInstr> in;
    for (size_t pos = loop_pos; pos < buf_.size(); pos += 24) {
      std::optional<EmittedInstr> i = loop_instr_at(pos);
      if (!i) return;
      in.push_back(*i);
    }
    // The last instruction counts n down by one and branches back to the loop's start.
    const EmittedInstr& step = in.back();
    uint32_t rel;
    std::memcpy(&rel, buf_.data() + buf_.size() - 24 + 20, 4);
    const uint32_t n = step.f[0];
    const uint32_t n_delta = step.id == kAddImmBrNz32 ? step.f[2] : 0u - step.f[2];
    if ((step.id != kAddImmBrNz32 && step.id != kSubImmBrNz32) || step.f[1] != n || n_delta != 0xFFFFFFFFu ||
        static_cast<int32_t>(rel) != -static_cast<int32_t>(body - 24))
      return;
    const auto is = [](const EmittedInstr& i, Op op) { return i.id == id_of(op); };
    uint32_t d = 0, s = 0, x = 0, y = 0;
    if (in.size() == 3) {  // fill: store8 d, v; d += 1
      if (!is(in[0], Op::I32Store8) || pointer_step(in[1], x) != 1) return;
      d = in[0].f[0];
      const uint32_t v = in[0].f[1];
      if (x != d || d == n || v == d || v == n) return;
      insert_loop_head(loop_pos, body, kFillBytes, {d, v, n, in[0].f[2]});
      return;
    }
    if (in.size() != 5) return;
    uint16_t id;
    const EmittedInstr *load, *store;
    if (is(in[0], Op::I32Load8U)) {  // forward: the accesses come first, then the steps
      load = &in[0], store = &in[1];
      if (pointer_step(in[2], x) != 1 || pointer_step(in[3], y) != 1) return;
      id = kCopyBytesFwd;
    } else {  // backward: the steps come first
      load = &in[2], store = &in[3];
      if (pointer_step(in[0], x) != -1 || pointer_step(in[1], y) != -1) return;
      id = kCopyBytesBwd;
    }
    if (!is(*load, Op::I32Load8U) || !is(*store, Op::I32Store8)) return;
    const uint32_t t = load->f[0];
    s = load->f[1];
    d = store->f[0];
    if (store->f[1] != t || !((x == d && y == s) || (x == s && y == d))) return;
    // Four distinct slots, so the loop's reads and writes cannot interfere.
    if (d == s || d == n || d == t || s == n || s == t || n == t) return;
    insert_loop_head(loop_pos, body, id, {d, s, n, t, load->f[2], store->f[2]});
  }
  // Scans for a zero (strlen's loops: musl's word loop, then its byte loop):
  //   word scan  p += 4; w = load(p + k); br_if no_zero_byte(w)
  //   byte scan  p += 1; v = load8_u(p + k); br_if v
  // where the address may go through a temporary t = p + c, in any order that leaves p one
  // step further and the loaded value tested. A matched loop gets one instruction in front
  // that runs its iterations natively while their loads are in bounds and no fuel or
  // interrupt is pending (polled again every 64K iterations), then writes the locals as the
  // loop would and either skips the loop (a zero was found) or falls into it, which goes on
  // from there as written (its next load traps, or the pending poll is served).
  // kScanZeroWord/kScanZeroByte: p k offset w t k_t body_size (t = w when no other temporary).
  bool recognise_scan_idiom(size_t loop_pos) {
    if (!enabled(kOptScanIdiom)) return false;
    const size_t end = buf_.size();
    // The body: pointer arithmetic, then the exit test.
    std::vector<EmittedInstr> steps;
    size_t pos = loop_pos;
    EmittedInstr in;
    while (steps.size() <= 2 && pos + 24 <= end && read_instr(pos, kImm_I32Add, in)) {
      steps.push_back(in);
      pos += 24;
    }
    bool word;
    EmittedInstr load;
    uint32_t tested, rel;
    if (pos + 24 + 16 == end && read_instr(pos, id_of(Op::I32Load), load) &&
               read_instr(pos + 24, kBrIfNoZeroByte, in)) {
      word = true;
      tested = in.f[0];
      rel = in.f[1];
      if (static_cast<int32_t>(rel) != -static_cast<int32_t>(pos + 24 - loop_pos)) return false;
    } else if (pos + 24 == end && read_instr(pos, kLoadBrNz_I32Load8U, load)) {
      word = false;
      tested = load.f[0];
      std::memcpy(&rel, buf_.data() + pos + 20, 4);
      if (static_cast<int32_t>(rel) != -static_cast<int32_t>(pos - loop_pos)) return false;
    } else {
      return false;
    }
    if (steps.empty() || steps.size() > 2) return false;
    // Symbolic values relative to p at the iteration's start: slot -> p + k.
    const uint32_t step = word ? 4 : 1;
    uint32_t p = 0;
    int p_steps = 0;
    for (const EmittedInstr& s : steps)
      if (s.f[0] == s.f[1] && s.f[2] == step) p = s.f[0], ++p_steps;
    if (p_steps != 1) return false;
    std::vector<std::pair<uint32_t, uint32_t>> sym = {{p, 0}};
    const auto lookup = [&](uint32_t slot) -> std::optional<uint32_t> {
      for (auto& [s, k] : sym)
        if (s == slot) return k;
      return std::nullopt;
    };
    const auto assign = [&](uint32_t slot, uint32_t k) {
      for (auto& e : sym)
        if (e.first == slot) return void(e.second = k);
      sym.push_back({slot, k});
    };
    for (const EmittedInstr& s : steps) {
      std::optional<uint32_t> src = lookup(s.f[1]);
      if (!src) return false;  // reads a value from before the iteration
      assign(s.f[0], *src + s.f[2]);
    }
    std::optional<uint32_t> k = lookup(load.f[1]);
    if (!k || lookup(p) != step || load.f[0] != tested || load.f[0] == p) return false;
    // What is left besides p: at most one temporary t = p + k_t (unless the load overwrote it).
    uint32_t t = load.f[0], k_t = 0;
    for (auto& [slot, kt] : sym) {
      if (slot == p || slot == load.f[0]) continue;
      if (t != load.f[0]) return false;
      t = slot, k_t = kt;
    }
    insert_loop_head(loop_pos, end - loop_pos, word ? kScanZeroWord : kScanZeroByte,
                     {p, *k, load.f[2], load.f[0], t, k_t});
    return true;
  }
  // Puts `id operands... body_size` in front of the loop body at loop_pos. Nothing branches
  // into the body from outside and its only branch is the back edge (relative, so unchanged
  // by the move), so moving the body needs only its offsets entries shifted.
  void insert_loop_head(size_t loop_pos, size_t body, uint16_t id, std::initializer_list<uint32_t> operands) {
    std::vector<uint8_t> head;
    uint64_t h = handler_word(id);
    head.resize(8);
    std::memcpy(head.data(), &h, 8);
    for (uint32_t o : operands) {
      head.resize(head.size() + 4);
      std::memcpy(head.data() + head.size() - 4, &o, 4);
    }
    uint32_t body_size = static_cast<uint32_t>(body);
    head.resize(head.size() + 4);
    std::memcpy(head.data() + head.size() - 4, &body_size, 4);
    head.resize((head.size() + 7) & ~size_t{7}, 0);
    work_ += (buf_.size() - loop_pos) / 8;  // the body's words move
    buf_.insert(buf_.begin() + static_cast<ptrdiff_t>(loop_pos), head.begin(), head.end());
    auto first = std::lower_bound(code_.offsets.begin(), code_.offsets.end(),
                                  std::make_pair(static_cast<uint32_t>(loop_pos), uint32_t{0}));
    const uint32_t module_offset = first->second;  // the loop's first instruction
    for (auto it = first; it != code_.offsets.end(); ++it, ++work_)
      it->first += static_cast<uint32_t>(head.size());
    // Both lists are in code order (entries are added as instructions are emitted and dropped
    // from the end), so only their last entries, those in the loop's few instructions, move:
    // a function of 100,000 such loops must not rescan every earlier one.
    for (auto pair = acc_pairs_.rbegin(); pair != acc_pairs_.rend() && pair->consumer >= loop_pos;
         ++pair, ++work_) {
      if (pair->producer >= loop_pos) pair->producer += head.size();
      pair->consumer += head.size();
    }
    for (auto site = sites_.rbegin(); site != sites_.rend() && site->instr >= loop_pos;
         ++site, ++work_) {
      site->instr += static_cast<uint32_t>(head.size());
      site->field += static_cast<uint32_t>(head.size());
    }
    if (last_target_ >= loop_pos) last_target_ += head.size();
    code_.offsets.insert(first, {static_cast<uint32_t>(loop_pos), module_offset});
    last_ = Peephole{};  // positions moved: nothing may fuse with what came before
    last_.instr = buf_.size();
    prev_ = last_;
  }

  // A test-branch on `((w - 0x01010101) & ~w) & 0x80808080`, the word-at-a-time test for a
  // zero byte, where the three instructions computing the and are the last ones emitted
  // (xor/add in either order, no jump target among them, every value a temporary): one
  // instruction computing the whole test from w.
  std::optional<Fixup> zero_byte_branch(const FusedCompare& c, bool branch_on_zero) {
    const size_t end = buf_.size();
    if (!enabled(kOptZeroByte) || c.b != 0x80808080u || end < 72 || last_target_ > end - 72) return std::nullopt;
    const size_t first = end - 72;
    // Instruction starts at first, first + 24 and first + 48: the last three offsets entries.
    const auto& offs = code_.offsets;
    if (offs.size() < 3 || offs[offs.size() - 3].first != first || offs[offs.size() - 2].first != first + 24 ||
        offs.back().first != first + 48)
      return std::nullopt;
    EmittedInstr and_, x, y;
    if (!read_instr(first + 48, id_of(Op::I32And), and_) || and_.f[0] != c.a) return std::nullopt;
    const uint32_t* not_w = nullptr;
    const uint32_t* dec_w = nullptr;
    for (EmittedInstr* in : {&x, &y}) {
      const size_t pos = in == &x ? first : first + 24;
      if (read_instr(pos, kImm_I32Xor, *in) && in->f[2] == 0xFFFFFFFFu) not_w = in->f;
      else if (read_instr(pos, kImm_I32Add, *in) && in->f[2] == 0xFEFEFEFFu) dec_w = in->f;  // w - 0x01010101
    }
    if (!not_w || !dec_w || not_w[1] != dec_w[1]) return std::nullopt;
    const uint32_t w = not_w[1], locals = w_->num_local_slots();
    const bool operands_match = (and_.f[1] == not_w[0] && and_.f[2] == dec_w[0]) ||
                                (and_.f[1] == dec_w[0] && and_.f[2] == not_w[0]);
    if (!operands_match || not_w[0] == w || dec_w[0] == w || not_w[0] == dec_w[0] || not_w[0] < locals ||
        dec_w[0] < locals || c.a < locals)
      return std::nullopt;
    drop_instrs_from(first);
    size_t at = begin_instr(branch_on_zero ? kBrIfNoZeroByte : kBrIfHasZeroByte);
    put32(w);
    Fixup fx{at, put32(0)};
    end_instr();
    return fx;
  }

  // `~y` (xor with all ones) where y = `x + c`, `x - c`, `c - x` or `x ^ c` was just computed
  // into a stack slot: in two's complement ~y = -1 - y, so the pair is one instruction with
  // a new constant (branch-free bit tricks, e.g. constant-time codecs, are full of these).
  bool take_not(uint32_t dst, uint32_t a, bool wide) {
    if (!enabled(kOptNotFold)) return false;
    const uint16_t add = wide ? kImm_I64Add : kImm_I32Add, sub = wide ? kImm_I64Sub : kImm_I32Sub;
    const uint16_t rsub = wide ? kRSubImm64 : kRSubImm32, xor_ = wide ? kImm_I64Xor : kImm_I32Xor;
    const uint16_t id = last_.id;
    if (!wide && just_produced(a, id) && take_not_of_chain(dst)) return true;
    if (!just_produced(a, id) || (id != add && id != sub && id != rsub && id != xor_)) return false;
    const uint64_t ones = wide ? ~uint64_t{0} : 0xFFFFFFFFu;
    uint32_t x;
    uint64_t c = 0;
    std::memcpy(&x, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&c, buf_.data() + last_.instr + 16, wide ? 8 : 4);
    uint16_t folded = rsub;
    uint64_t k = 0;
    if (id == add) k = ones - c;                       // ~(x + c) = ~c - x
    else if (id == sub) k = c - 1;                     // ~(x - c) = (c - 1) - x
    else if (id == rsub) folded = add, k = ones - c;   // ~(c - x) = x + ~c
    else folded = xor_, k = ~c;                        // ~(x ^ c) = x ^ ~c
    drop_last_instr();
    emit_binary_imm(folded, dst, x, k & ones, wide);
    return true;
  }

  // The same folds when the add/sub/rsub/xor is the second operation of a just-computed chain
  // (code.h): the chain's second operation and constant change in place.
  bool take_not_of_chain(uint32_t dst) {
    const std::optional<ChainParts> parts = chain_parts(last_.id);
    if (!parts) return false;
    uint32_t c;
    std::memcpy(&c, buf_.data() + last_.instr + 20, 4);
    ChainOp folded;
    switch (parts->second) {
      case ChainOp::Add: folded = ChainOp::RSub, c = ~c; break;     // ~(t + c) = ~c - t
      case ChainOp::Sub: folded = ChainOp::RSub, c = c - 1; break;  // ~(t - c) = (c - 1) - t
      case ChainOp::RSub: folded = ChainOp::Add, c = ~c; break;     // ~(c - t) = t + ~c
      case ChainOp::Xor: folded = ChainOp::Xor, c = ~c; break;      // ~(t ^ c) = t ^ ~c
      default: return false;
    }
    const uint16_t new_id = *chain_id(parts->first, folded);
    const uint64_t h = handler_word(new_id);
    std::memcpy(buf_.data() + last_.instr, &h, 8);
    std::memcpy(buf_.data() + last_.instr + 8, &dst, 4);
    std::memcpy(buf_.data() + last_.instr + 20, &c, 4);
    last_.id = new_id;
    set_producer(last_.instr, last_.instr + 8, dst);
    return true;
  }

  // Removes a compare that just computed `cond`, so the branch can do the comparison itself.
  std::optional<FusedCompare> take_compare(uint32_t cond) {
    // The slot must still hold what the compare computed: after `drop`, a forwarded constant or
    // local may stand in the same slot without any instruction having been emitted.
    if (!enabled(kOptCompareBranch) || last_.dst_field == kNone || last_.dst_slot != cond ||
        at(cond).kind != Pending::InSlot)
      return std::nullopt;
    if (std::optional<FusedCompare> t = take_test(cond)) return t;
    if (last_.id == id_of(Op::I32Eqz)) {  // branch on the operand being zero
      FusedCompare c{};
      c.eqz = true;
      std::memcpy(&c.a, buf_.data() + last_.instr + 12, 4);
      const Peephole before_eqz = prev_;
      drop_last_instr();
      // eqz of a just-computed `x & imm` (in a stack slot nothing else reads): test x itself.
      last_ = before_eqz;
      std::optional<FusedCompare> t = take_test(c.a);
      if (t) {
        no_peephole();
        t->eqz = true;
        return t;
      }
      if (last_writes(c.a) && buf_.size() == last_.instr + 24) {
        c.producer = last_.instr;
        c.producer_id = last_.id;
      }
      no_peephole();
      return c;
    }
    if (!compare_info(last_.op).fusable || last_.id != (last_.compare_imm ? imm_id(last_.op) : id_of(last_.op)))
      return std::nullopt;
    FusedCompare c{};
    c.op = last_.op;
    std::memcpy(&c.a, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&c.b, buf_.data() + last_.instr + 16, 4);
    c.is_imm = last_.compare_imm;
    c.eqz = false;
    if (c.is_imm && sig_info(op_info(c.op).sig).params[0] == ValType::I64) {
      // Fused branches carry a 32-bit immediate; wider i64 constants keep the compare.
      uint64_t v;
      std::memcpy(&v, buf_.data() + last_.instr + 16, 8);
      if (!fits_i32(v)) return std::nullopt;
    }
    const Peephole before_compare = prev_;
    drop_last_instr();
    // `(x + c) <u k` (and its >=u, <=u, >u spellings) with the add just computed into a stack
    // slot: one range test.
    if (c.is_imm && enabled(kOptRangeBranch) &&
        (c.op == Op::I32LtU || c.op == Op::I32GeU || (c.op == Op::I32LeU && c.b != 0xFFFFFFFFu) ||
         (c.op == Op::I32GtU && c.b != 0xFFFFFFFFu))) {
      last_ = before_compare;
      if (just_produced(c.a, kImm_I32Add)) {
        FusedCompare r{};
        r.range = true;
        r.range_ge = c.op == Op::I32GeU || c.op == Op::I32GtU;
        std::memcpy(&r.a, buf_.data() + last_.instr + 12, 4);
        std::memcpy(&r.b, buf_.data() + last_.instr + 16, 4);
        r.k = c.op == Op::I32LeU || c.op == Op::I32GtU ? c.b + 1 : c.b;  // x <= k is x < k + 1
        drop_last_instr();
        return r;
      }
      no_peephole();
    }
    // `(x & mask) == k` / `!= k` with the and just computed into a stack slot: one test.
    if (c.is_imm && (c.op == Op::I32Eq || c.op == Op::I32Ne)) {
      last_ = before_compare;
      if (std::optional<FusedCompare> t = take_test(c.a)) {
        t->masked_compare = true;
        t->masked_ne = c.op == Op::I32Ne;
        t->k = c.b;
        no_peephole();
        return t;
      }
      no_peephole();
    }
    return c;
  }
  // Turns the i32 load or `x +/- imm` that just wrote `slot` (a stack slot, or a local through
  // local.set/tee) into a load-and-branch or step-and-branch; returns its branch fixup.
  std::optional<Fixup> fuse_branch(uint32_t slot, bool on_zero) {
    if (buf_.size() != last_.instr + 24 || !last_writes(slot)) return std::nullopt;
    std::optional<Fixup> fx = fuse_branch_into(last_.instr, last_.id, on_zero);
    if (fx) no_peephole();
    return fx;
  }
  // Whether the last instruction wrote `slot` (its destination, or retargeted to a local).
  bool last_writes(uint32_t slot) const {
    return (last_.dst_field != kNone && last_.dst_slot == slot) || last_.retargeted == slot;
  }
  // Turns the load or step `id` at `instr` (24 bytes) into its branching form.
  std::optional<Fixup> fuse_branch_into(size_t instr, uint16_t producer_id, bool on_zero) {
    uint16_t id = 0;
    switch (producer_id) {
      case kImm_I32Add:
        if (!enabled(kOptStepBranch)) return std::nullopt;
        id = on_zero ? kAddImmBrZ32 : kAddImmBrNz32;
        break;
      case kImm_I32Sub:
        if (!enabled(kOptStepBranch)) return std::nullopt;
        id = on_zero ? kSubImmBrZ32 : kSubImmBrNz32;
        break;
#define WRUN_LOAD_BR_CASE(name)                                \
  case id_of(Op::name):                                        \
    if (!enabled(kOptLoadBranch)) return std::nullopt;         \
    id = on_zero ? kLoadBrZ_##name : kLoadBrNz_##name;         \
    break;
      WRUN_BRANCHING_LOADS(WRUN_LOAD_BR_CASE)
#undef WRUN_LOAD_BR_CASE
      default:
        return std::nullopt;
    }
    const uint64_t h = handler_word(id);
    std::memcpy(buf_.data() + instr, &h, 8);
    return Fixup{instr, instr + 20};
  }

  // Removes an `i32.and x, imm` that just computed `slot`, for a test-and-branch.
  std::optional<FusedCompare> take_test(uint32_t slot) {
    if (!enabled(kOptTestBranch)) return std::nullopt;
    if (std::optional<FusedCompare> c = take_test_of_chain(slot)) return c;
    if (!just_produced(slot, kImm_I32And)) return std::nullopt;
    FusedCompare c{};
    c.test = true;
    c.is_imm = true;
    std::memcpy(&c.a, buf_.data() + last_.instr + 12, 4);
    std::memcpy(&c.b, buf_.data() + last_.instr + 16, 4);
    drop_last_instr();
    return c;
  }
  // A branch on a just-computed chain `op1(...) & mask` (code.h): the chain goes back to its
  // first operation, into the branch's slot, and the branch tests the mask. The test-branch
  // is as cheap as the chain was, and the first operation stays visible to the patterns
  // built on test-branches (the zero-byte test, strlen's scan loop).
  std::optional<FusedCompare> take_test_of_chain(uint32_t slot) {
    const uint16_t id = last_.id;
    const std::optional<ChainParts> parts = chain_parts(id);
    if (!parts || parts->second != ChainOp::And || !just_produced(slot, id)) return std::nullopt;
    FusedCompare c{};
    c.test = true;
    c.is_imm = true;
    c.a = slot;
    std::memcpy(&c.b, buf_.data() + last_.instr + 20, 4);
    // dst x c1|y stay; the handler and the (now unused) last field change.
    const uint64_t h = handler_word(parts->first);
    std::memcpy(buf_.data() + last_.instr, &h, 8);
    std::memset(buf_.data() + last_.instr + 20, 0, 4);
    last_.id = parts->first;
    no_peephole();
    return c;
  }
  Fixup emit_fused_branch(const FusedCompare& c, bool negate) {
    if (c.range || (c.test && c.masked_compare)) {  // a b k rel
      size_t at = begin_instr(c.range ? uint16_t{c.range_ge != negate ? kBrIfAddGeU32 : kBrIfAddLtU32}
                                      : uint16_t{c.masked_ne != negate ? kBrIfAndNeImm32 : kBrIfAndEqImm32});
      put32(c.a);
      put32(c.b);
      put32(c.k);
      Fixup fx{at, put32(0)};
      end_instr();
      return fx;
    }
    if (c.test) {
      const bool branch_on_zero = c.eqz != negate;
      if (std::optional<Fixup> fx = zero_byte_branch(c, branch_on_zero)) return *fx;
      size_t at = begin_instr(branch_on_zero ? kBrIfAndZ32 : kBrIfAndNz32);
      put32(c.a);
      put32(c.b);
      Fixup fx{at, put32(0)};
      end_instr();
      return fx;
    }
    if (c.eqz) {
      // `if (!*p)`, `while (--n)`: the branch goes into the load or step that computed a,
      // when nothing was emitted after it.
      if (c.producer != kNone && buf_.size() == c.producer + 24)
        if (std::optional<Fixup> fx = fuse_branch_into(c.producer, c.producer_id, /*on_zero=*/!negate)) return *fx;
      size_t at = begin_instr(negate ? kBrIfNz : kBrIfZ);
      put32(c.a);
      Fixup fx{at, put32(0)};
      end_instr();
      return fx;
    }
    CompareInfo info = compare_info(c.op);
    Op op = negate ? info.negated : c.op;
    CompareInfo target = compare_info(op);
    size_t at = begin_instr(c.is_imm ? target.br_imm : target.br);
    put32(c.a);
    put32(c.b);
    Fixup fx{at, put32(0)};
    end_instr();
    return fx;
  }

  // --- Emission ------------------------------------------------------------------------------
  size_t begin_instr(uint16_t id) {
    size_t at = buf_.size();
    code_.offsets.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(w_->instr_offset())});
    uint64_t h = handler_word(id);
    put_bytes(&h, 8);
    prev_ = last_;
    no_peephole();
    last_.instr = at;
    last_.id = id;
    return at;
  }
  size_t begin_instr(Op op) { return begin_instr(id_of(op)); }
  size_t put32(uint32_t v) {
    size_t at = buf_.size();
    put_bytes(&v, 4);
    return at;
  }
  void end_instr() {
    buf_.resize((buf_.size() + 7) & ~size_t{7}, 0);
    ++work_;
  }
  void put_bytes(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  void no_peephole() {
    last_.dst_field = kNone;
    last_.retargeted = kNoSlot;
  }
  void set_producer(size_t instr, size_t dst_field, uint32_t dst) {
    last_.instr = instr;
    last_.dst_field = dst_field;
    last_.dst_slot = dst;
  }
  // `id dst operands...`: an instruction whose result may be retargeted by a peephole.
  void emit_producer(uint16_t id, uint32_t dst, std::initializer_list<uint32_t> operands) {
    size_t at = begin_instr(id);
    size_t dst_field = put32(dst);
    for (uint32_t o : operands) put32(o);
    end_instr();
    if (operands.size() == 2) note_accumulator_pair(at, id, operands.begin()[0], operands.begin()[1]);
    set_producer(at, dst_field, dst);
  }

  // --- Accumulator pairs ---------------------------------------------------------------------
  // An integer binary instruction reading the stack temporary that the instruction right
  // before it computed (and nothing else reads: wasm pops a value once, and no branch can
  // land between the two, since labels reset the peephole) can take it from acc instead of
  // the frame. Recorded here, applied in finish() once no fusion can drop or rewrite either.
  struct AccPair {
    size_t producer, consumer;
    uint16_t producer_id, consumer_id;
    bool right;  // the consumer reads acc as its right operand
  };
  // `a` is the operand an RA form reads from acc, `b` the one an RB form reads; `others` are
  // the instruction's other slot operands, which must not be the temporary.
  void note_accumulator_pair(size_t pos, uint16_t id, uint32_t a, uint32_t b,
                             std::initializer_list<uint32_t> others = {}) {
    const Peephole& p = prev_;
    if (!enabled(kOptAccumulator) || p.dst_field == kNone || pos != p.instr + 24) return;
    const uint32_t t = p.dst_slot;
    if (t < w_->num_local_slots() || at(t).kind != Pending::InSlot) return;
    const AccForms* c = acc_forms(id);
    if (!c || !acc_forms(p.id) || (a == t) == (b == t)) return;  // exactly one operand is t
    if ((a == t && !c->ra) || (b == t && !c->rb)) return;
    for (uint32_t o : others) {
      if (o == t) return;
    }
    acc_pairs_.push_back({p.instr, pos, p.id, id, b == t});
  }
  void apply_accumulator_pairs() {
    struct Form {
      uint16_t id = 0;
      bool writes = false;
      int reads = 0;  // 1: left operand, 2: right operand
    };
    std::unordered_map<size_t, Form> forms;
    for (const AccPair& pair : acc_pairs_) {
      // Later fusions may have rewritten either instruction in place.
      if (handler_at(pair.producer) != handler_word(pair.producer_id) ||
          handler_at(pair.consumer) != handler_word(pair.consumer_id))
        continue;
      Form& p = forms[pair.producer];
      p.id = pair.producer_id;
      p.writes = true;
      Form& c = forms[pair.consumer];
      c.id = pair.consumer_id;
      c.reads = pair.right ? 2 : 1;
    }
    for (const auto& [pos, f] : forms) {
      const AccForms& a = *acc_forms(f.id);
      uint16_t id = f.reads == 0 ? a.w : f.reads == 1 ? (f.writes ? a.raw : a.ra) : (f.writes ? a.rbw : a.rb);
      uint64_t h = handler_word(id);
      std::memcpy(buf_.data() + pos, &h, 8);
    }
  }
  void emit1(uint16_t id, uint32_t a) {
    begin_instr(id);
    put32(a);
    end_instr();
  }
  void emit2(uint16_t id, uint32_t a, uint32_t b) {
    begin_instr(id);
    put32(a);
    put32(b);
    end_instr();
  }
  void emit3(uint16_t id, uint32_t a, uint32_t b, uint32_t c) {
    begin_instr(id);
    put32(a);
    put32(b);
    put32(c);
    end_instr();
  }
  void emit4(uint16_t id, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    begin_instr(id);
    put32(a);
    put32(b);
    put32(c);
    put32(d);
    end_instr();
  }
  void emit_copy(uint32_t dst, uint32_t src, uint32_t n) {
    if (n == 0 || dst == src) return;
    if (n == 1) emit2(kCopy, dst, src);
    else if (n == 2) emit2(kCopy2, dst, src);
    else emit3(kCopyN, dst, src, n);
  }
  void emit_return(uint32_t src) {
    materialize_range(src, code_.result_slots);
    emit2(id_of(Op::Return), src, code_.result_slots);
  }
  void emit_jump(uint32_t depth) {
    // `local = K; br` (a state machine's `state = K; continue;`, or a constant branch value)
    // when the constant is the last instruction and nothing branches between the two.
    if (enabled(kOptConstBranch) && last_.id == id_of(Op::I32Const) && last_.instr + 16 == buf_.size() &&
        last_target_ <= last_.instr) {
      uint32_t slot, value;
      std::memcpy(&slot, buf_.data() + last_.instr + 8, 4);
      std::memcpy(&value, buf_.data() + last_.instr + 12, 4);
      drop_last_instr();
      size_t at = begin_instr(kConstBr);
      put32(slot);
      put32(value);
      add_branch(depth, Fixup{at, put32(0)});
      end_instr();
      return;
    }
    // `x = y + imm; br` (`p++; continue;`): the add's spare last field takes the offset.
    if (enabled(kOptAddBranch) && last_.id == kImm_I32Add && last_.instr + 24 == buf_.size() &&
        last_target_ <= last_.instr && handler_at(last_.instr) == handler_word(kImm_I32Add)) {
      const uint64_t h = handler_word(kAddImmBr32);
      std::memcpy(buf_.data() + last_.instr, &h, 8);
      const size_t instr = last_.instr;
      no_peephole();
      add_branch(depth, Fixup{instr, instr + 20});
      return;
    }
    size_t at = begin_instr(Op::Br);
    add_branch(depth, Fixup{at, put32(0)});
    end_instr();
  }
  // Loops branch backwards (target known); blocks and ifs forwards (patched at their end).
  // `fact`: what the branch knows about a local (by default what holds where it is).
  void add_branch(uint32_t depth, const Fixup& fx) { add_branch(depth, fx, known_local_); }
  void add_branch(uint32_t depth, const Fixup& fx, const std::optional<KnownLocal>& fact) {
    note_site(fx, fact);
    bind_branch(depth, fx, fact);
  }
  // Records a branch for thread_branches (a br_table once, for its `entries` entries).
  void note_site(const Fixup& fx, const std::optional<KnownLocal>& fact, uint32_t entries = 1,
                 bool case_facts = false) {
    BranchSite site{static_cast<uint32_t>(fx.instr), static_cast<uint32_t>(fx.field),
                    handler_at(fx.instr)};
    if (fact) site.known = KnownSlot{fact->slot, fact->value}, site.has_known = true;
    site.entries = entries;
    site.case_facts = case_facts;
    sites_.push_back(site);
  }
  // Points the branch at its label: a loop's start, or the label's list of forward branches.
  void bind_branch(uint32_t depth, const Fixup& fx, const std::optional<KnownLocal>& fact) {
    Label& l = labels_[labels_.size() - 1 - depth];
    if (l.is_loop) {
      write_rel(fx.field, static_cast<int64_t>(l.loop_pos) - static_cast<int64_t>(fx.instr));
    } else {
      std::memcpy(buf_.data() + fx.field, &l.fixups, 4);
      l.fixups = static_cast<uint32_t>(fx.field) + 1;
      merge_fact(l, fact);
    }
  }
  // Binds the label's forward branches to the current position. Fusions only ever drop or
  // rewrite instructions after the last label, and loop idioms move only loop bodies without
  // forward branches, so every field in the list is where it was put.
  void patch_forward_branches(Label& l) {
    for (uint32_t link = l.fixups; link != 0; ++work_) {
      const size_t field = link - 1;
      std::memcpy(&link, buf_.data() + field, 4);
      patch(Fixup{instr_holding(field), field});
    }
    l.fixups = 0;
  }
  // The start of the instruction that holds byte `pos` (offsets has an entry for each start).
  size_t instr_holding(size_t pos) const {
    auto it = std::upper_bound(code_.offsets.begin(), code_.offsets.end(),
                               std::make_pair(static_cast<uint32_t>(pos), UINT32_MAX));
    return std::prev(it)->first;
  }
  // Binds a forward branch to the current position, which becomes a jump target: no peephole
  // may merge across it.
  void patch(const Fixup& f) {
    write_rel(f.field, static_cast<int64_t>(buf_.size()) - static_cast<int64_t>(f.instr));
    last_target_ = buf_.size();
    no_peephole();
  }
  void write_rel(size_t field, int64_t rel) {
    int32_t r = static_cast<int32_t>(rel);
    std::memcpy(buf_.data() + field, &r, 4);
  }

  bool enabled(Optimisation o) const { return (disabled_ & o) == 0; }

  CodeParts code_;
  CodePtr result_;
  const uint32_t disabled_;  // Optimisation bits turned off for this function
  const Walker* w_ = nullptr;
  std::vector<uint8_t> buf_;
  std::vector<Label> labels_;
  std::vector<Pending> pending_;  // by operand-stack slot, from the first after the locals
  // The operand-stack slots whose Pending is a Local or a Const, ascending, so flushes cost
  // what is pending, not the stack's height (a call can push 1000 values in 2 bytes). Entries
  // at or above the stack's top may be stale (popped since); pushes drop them.
  std::vector<uint32_t> pending_list_;
  static constexpr size_t kMaxPending = 256;
  std::vector<Pending> below_stack_;
  bool dead_ = false;

  // The last emitted instruction, for the peepholes, and the one before it (fusions of three
  // instructions look back past a dropped one).
  struct Peephole {
    size_t instr = 0;
    uint16_t id = 0;
    size_t dst_field = kNone;  // its destination field, if it is a plain producer
    uint32_t dst_slot = 0;
    Op op = Op::Nop;           // the wasm op of the last numeric producer
    bool compare_imm = false;
    uint32_t retargeted = kNoSlot;  // the local a local.set/tee just retargeted it into
  };
  Peephole last_, prev_;
  std::vector<AccPair> acc_pairs_;
  std::vector<BranchSite> sites_;  // every branch emitted, for thread_branches
  size_t last_target_ = 0;  // the highest position a branch may land on so far
  std::optional<KnownLocal> known_local_;  // a local's value known here (store_local)
  // Steps taken: one per instruction emitted plus one per entry visited by every walk over
  // earlier state (pending operands, slots reset, branch records and code moved by a loop
  // idiom, fixup chains). Tests compare it across input sizes to keep lowering linear.
  uint64_t work_ = 0;
};

}  // namespace

uint32_t Code::module_offset_at(const uint8_t* ip) const {
  uint32_t pos = static_cast<uint32_t>(ip - start());
  const auto offs = offsets();
  auto it = std::upper_bound(offs.begin(), offs.end(), std::make_pair(pos, UINT32_MAX));
  if (it == offs.begin()) return 0;
  return std::prev(it)->second;
}

void destroy_code(Code* code) {
  static_assert(std::is_trivially_destructible_v<Code>);
  ::operator delete(static_cast<void*>(code));
}

CodePtr compile_function(const DecodedModule& module, uint32_t func_index) {
  std::vector<bool> refs = declared_func_refs(module);
  return compile_function(module, func_index, refs);
}

CodePtr compile_function(const DecodedModule& module, uint32_t func_index,
                         const std::vector<bool>& declared_refs, bool optimize, uint64_t* work) {
  Lowering lowering(optimize);
  FuncWalker<Lowering> walker(module, func_index, lowering, declared_refs);
  walker.run();
  if (work) *work = lowering.work();
  return lowering.take();
}

}  // namespace wrun::interp
