// Branch threading over a lowered function (thread.h).
#include "interp/thread.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_map>

#include "interp/code.h"

namespace wrun::interp {

namespace {

// Handler words back to instruction ids (several ids may share a handler, e.g. f32.const and
// i32.const: the lowest id names it, and shares its layout).
const std::unordered_map<uint64_t, uint16_t>& ids_by_handler() {
  static const std::unordered_map<uint64_t, uint16_t> map = [] {
    std::unordered_map<uint64_t, uint16_t> m;
    const uint64_t invalid = handler_word(kInvalid);
    for (uint16_t id = 0; id < kNumInstrIds; ++id) {
      uint64_t w = handler_word(id);
      if (w != invalid) m.emplace(w, id);
    }
    return m;
  }();
  return map;
}

// What the pass needs to know about an instruction.
enum class Kind : uint8_t {
  Other,       // anything else: a chain stops here
  Straight,    // no branch; may write the slot in field `writes`; copied verbatim
  Const32,     // i32.const/f32.const: dst value
  AddBr,       // dst a imm rel: an i32.add_imm, then br
  ConstBr,     // slot value rel: an i32.const, then br
  CondBranch,  // a conditional branch with offset field `rel` (may write `writes` first)
};
// (br and br_table are followed by resolve(), when their target is decided.)
struct Shape {
  Kind kind = Kind::Other;
  uint8_t rel = 0;     // offset of the branch offset field
  uint8_t writes = 0;  // offset of the written slot field (0: none)
};

Shape shape_of(uint16_t id) {
  switch (id) {
    case id_of(Op::I32Const):
    case id_of(Op::F32Const): return {Kind::Const32, 0, 8};
    case id_of(Op::I64Const):
    case id_of(Op::F64Const):
    case kCopy:
    case kRSubImm32:
    case kRSubImm64:
    case kShrUAnd32:
    case kShrUAnd64:
    case kMulAdd32:
    case kMulAdd64: return {Kind::Straight, 0, 8};
#define WRUN_CASE_CHAIN(op1, op2) case kChainII_##op1##_##op2:
      WRUN_CHAIN_IMM_PAIRS(WRUN_CASE_CHAIN)
#undef WRUN_CASE_CHAIN
#define WRUN_CASE_CHAIN(op1, op2) case kChainRI_##op1##_##op2:
      WRUN_CHAIN_REG_PAIRS(WRUN_CASE_CHAIN)
#undef WRUN_CASE_CHAIN
#define WRUN_CASE_IMM(name) \
  case kImm_##name:         \
  case id_of(Op::name):
      WRUN_IMM_BINARY_OPS(WRUN_CASE_IMM)
#undef WRUN_CASE_IMM
      return {Kind::Straight, 0, 8};
    case id_of(Op::I32Load): case id_of(Op::I64Load): case id_of(Op::F32Load): case id_of(Op::F64Load):
    case id_of(Op::I32Load8S): case id_of(Op::I32Load8U): case id_of(Op::I32Load16S):
    case id_of(Op::I32Load16U): case id_of(Op::I64Load8S): case id_of(Op::I64Load8U):
    case id_of(Op::I64Load16S): case id_of(Op::I64Load16U): case id_of(Op::I64Load32S):
    case id_of(Op::I64Load32U): return {Kind::Straight, 0, 8};
    case id_of(Op::I32Store): case id_of(Op::I64Store): case id_of(Op::F32Store):
    case id_of(Op::F64Store): case id_of(Op::I32Store8): case id_of(Op::I32Store16):
    case id_of(Op::I64Store8): case id_of(Op::I64Store16): case id_of(Op::I64Store32):
#define WRUN_CASE_STORE_IMM(name) case kStoreImm_##name:
      WRUN_CONST_STORES(WRUN_CASE_STORE_IMM)
#undef WRUN_CASE_STORE_IMM
      return {Kind::Straight, 0, 0};
    case kAddImmBr32: return {Kind::AddBr, 20, 8};
    case kConstBr: return {Kind::ConstBr, 16, 8};
    case kBrIfNz:
    case kBrIfZ:
    case kBrIfHasZeroByte:
    case kBrIfNoZeroByte: return {Kind::CondBranch, 12, 0};
    case kBrIfAndZ32:
    case kBrIfAndNz32: return {Kind::CondBranch, 16, 0};
    case kBrIfAndEqImm32:
    case kBrIfAndNeImm32:
    case kBrIfAddLtU32:
    case kBrIfAddGeU32: return {Kind::CondBranch, 20, 0};
    case kAddImmBrNz32:
    case kAddImmBrZ32:
    case kSubImmBrNz32:
    case kSubImmBrZ32: return {Kind::CondBranch, 20, 8};
#define WRUN_CASE_LOAD_BR(name) \
  case kLoadBrNz_##name:        \
  case kLoadBrZ_##name:
      WRUN_BRANCHING_LOADS(WRUN_CASE_LOAD_BR)
#undef WRUN_CASE_LOAD_BR
      return {Kind::CondBranch, 20, 8};
#define WRUN_CASE_BR(name, neg, swap) \
  case kBrIf_##name:                  \
  case kBrIfImm_##name:
      WRUN_FUSED_COMPARES(WRUN_CASE_BR)
#undef WRUN_CASE_BR
      return {Kind::CondBranch, 16, 0};
    default: return {};
  }
}

// The kStepLoadBr form of a load-branch, if it has one.
std::optional<uint16_t> stepping_form(uint16_t id) {
  switch (id) {
#define WRUN_CASE_STEP(name)          \
  case kLoadBrNz_##name:              \
    return kStepLoadBrNz_##name;      \
  case kLoadBrZ_##name:               \
    return kStepLoadBrZ_##name;
    WRUN_BRANCHING_LOADS(WRUN_CASE_STEP)
#undef WRUN_CASE_STEP
    default: return std::nullopt;
  }
}

// `a <op> imm` for the i32 compares a br_if_*_imm can test.
std::optional<bool> compare_i32(uint16_t id, uint32_t a, uint32_t b) {
  const auto sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
  switch (id) {
    case kBrIfImm_I32Eq: return a == b;
    case kBrIfImm_I32Ne: return a != b;
    case kBrIfImm_I32LtS: return sa < sb;
    case kBrIfImm_I32LtU: return a < b;
    case kBrIfImm_I32GtS: return sa > sb;
    case kBrIfImm_I32GtU: return a > b;
    case kBrIfImm_I32LeS: return sa <= sb;
    case kBrIfImm_I32LeU: return a <= b;
    case kBrIfImm_I32GeS: return sa >= sb;
    case kBrIfImm_I32GeU: return a >= b;
    default: return std::nullopt;
  }
}

class Threader {
 public:
  Threader(std::vector<uint8_t>& code, std::vector<std::pair<uint32_t, uint32_t>>& offsets)
      : code_(code), offsets_(offsets), original_size_(static_cast<uint32_t>(code.size())) {}

  // One branch (a br_table entry alone) and what it knows.
  struct Edge {
    uint32_t instr;
    uint32_t field;
    uint64_t handler;
    std::optional<KnownSlot> fact;
  };
  void thread(const BranchSite& site, size_t max_growth) {
    if (site.instr >= original_size_) return;
    std::optional<KnownSlot> known;
    if (site.has_known) known = site.known;
    for (uint32_t i = 0; i < site.entries; ++i) {
      Edge edge{site.instr, site.field + 8 * i, site.handler, known};
      if (site.case_facts && i + 1 < site.entries)
        edge.fact = KnownSlot{u32_at(site.instr + 8), i - u32_at(site.instr + 24)};
      thread(edge, max_growth);
    }
  }
  void thread(const Edge& site, size_t max_growth) {
    if (site.instr >= original_size_ || handler_at(site.instr) != site.handler) return;
    const uint32_t target = site.instr + static_cast<uint32_t>(rel_at(site.field));
    // Without a known value only a jump to a br can be shortened (most branches: keep it cheap).
    if (!site.fact && (target + 16 > original_size_ || handler_at(target) != br_handler_)) return;
    // br_table_fwd never polls: its targets must stay forward (see thread.h on cycles).
    const bool fwd_table = site.handler == fwd_table_handlers_[0] || site.handler == fwd_table_handlers_[1];
    if (!is_start(target)) return;
    auto polls_to = [&](uint32_t to) { return !fwd_table && to <= site.instr ? 1 : 0; };
    const Path path = resolve(target, site.fact);
    const int polls = polls_to(target) + path.polls;  // what the original path takes
    uint32_t new_target = target;
    if (path.hops > 0 && polls_to(path.end) == polls && (!fwd_table || path.end > site.instr))
      new_target = path.end;
    if (site.fact && code_.size() - original_size_ < max_growth) {
      if (std::optional<uint32_t> stub = stub_for(path.end, site.fact, polls)) new_target = *stub;
    }
    if (new_target != target) retargets_.push_back({site.field, site.instr, new_target});
  }
  // Rewrites the branches once all are threaded: paths are followed through the original code.
  void apply() {
    for (const Retarget& r : retargets_) set_rel(r.field, r.instr, r.target);
  }

 private:
  // Where the instruction at pos sends control when `fact` decides it (a br always does),
  // else nothing. `polls`: whether getting there takes a backward branch (exec.cc polls for
  // fuel and interrupts on those; br_table_fwd has only forward targets).
  struct Hop {
    uint32_t to;
    bool polls;
  };
  std::optional<Hop> decided_hop(uint32_t pos, const std::optional<KnownSlot>& fact) {
    const std::optional<uint16_t> id = id_at(pos);
    if (!id || pos + 16 > original_size_) return std::nullopt;
    auto taken = [&](uint32_t field) {
      const uint32_t to = pos + static_cast<uint32_t>(rel_at(field));
      return Hop{to, to <= pos};
    };
    auto fall = [&] { return Hop{pos + size_at(pos), false}; };
    if (*id == id_of(Op::Br)) return taken(pos + 8);
    if (!fact || u32_at(pos + 8) != fact->slot) return std::nullopt;
    const uint32_t v = fact->value;
    switch (*id) {
      case id_of(Op::BrTable):
      case kBrTableS8:
        if (u32_at(pos + 20) != 0) return std::nullopt;  // it moves branch values
        [[fallthrough]];
      case kBrTableFwd:
      case kBrTableFwdS8: {
        const bool s8 = *id == kBrTableS8 || *id == kBrTableFwdS8;
        uint32_t i = (s8 ? static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v))) : v) + u32_at(pos + 24);
        const uint32_t count = u32_at(pos + 12);
        if (i > count) i = count;
        return taken(pos + 32 + 8 * i);
      }
      case kBrIfNz: return v != 0 ? taken(pos + 12) : fall();
      case kBrIfZ: return v == 0 ? taken(pos + 12) : fall();
      default:
        if (std::optional<bool> t = compare_i32(*id, v, u32_at(pos + 12))) return *t ? taken(pos + 16) : fall();
        return std::nullopt;
    }
  }
  // Follows decided branches from pos: where they end, how many dispatches that saves, and
  // how many polls the path took.
  struct Path {
    uint32_t end;
    int hops = 0;
    int polls = 0;
  };
  Path resolve(uint32_t pos, const std::optional<KnownSlot>& fact) {
    Path path{pos};
    for (int i = 0; i < 16; ++i) {
      std::optional<Hop> hop = decided_hop(path.end, fact);
      if (!hop || !is_start(hop->to)) break;
      path.end = hop->to;
      ++path.hops;
      path.polls += hop->polls;
    }
    return path;
  }

  // A stub for entering pos with `fact`, `polls` polls into the path: a copy of the straight
  // run from pos through its first conditional branch, whose taken edge the fact threads
  // further. Nothing when the fact decides nothing there (a copy would only add a dispatch).
  // Stubs sit after the function, so the copied branch always polls when taken and the final
  // br would too: kept only where the original paths poll exactly as often (once when taken;
  // at most once when not, with kJump, which never polls, for none), so fuel stays exact.
  std::optional<uint32_t> stub_for(uint32_t pos, const std::optional<KnownSlot>& fact, int polls) {
    const auto key = std::make_tuple(pos, fact.has_value(), fact ? fact->slot : 0, fact ? fact->value : 0, polls);
    if (auto it = stubs_.find(key); it != stubs_.end()) return it->second;
    std::optional<uint32_t> stub = build_stub(pos, fact, polls);
    // Stubs made are few (max_growth bounds them); failures are remembered only up to a
    // bound, since each br_table case has a fact of its own and a table may have millions.
    if (stub || stubs_.size() < kMaxRememberedStubs) stubs_.emplace(key, stub);
    return stub;
  }
  enum class Copy : uint8_t { Verbatim, AddPart, ConstPart };
  struct Step {
    uint32_t from;
    Copy how;
  };
  std::optional<uint32_t> build_stub(uint32_t pos, std::optional<KnownSlot> fact, int polls) {
    constexpr size_t kMaxCopies = 6;
    std::vector<Step> run;
    for (int hops = 0; hops < 24; ++hops) {
      const Path path = resolve(pos, fact);
      pos = path.end;
      polls += path.polls;
      const std::optional<uint16_t> id = id_at(pos);
      if (!id) return std::nullopt;
      const Shape s = shape_of(*id);
      switch (s.kind) {
        case Kind::Straight:
        case Kind::Const32:
          if (run.size() == kMaxCopies) return std::nullopt;
          run.push_back({pos, Copy::Verbatim});
          if (s.kind == Kind::Const32) set_fact(fact, u32_at(pos + 8), u32_at(pos + 12));
          else if (s.writes) clobber(fact, u32_at(pos + s.writes));
          pos += size_at(pos);
          continue;
        case Kind::AddBr:
        case Kind::ConstBr: {
          if (run.size() == kMaxCopies) return std::nullopt;
          run.push_back({pos, s.kind == Kind::AddBr ? Copy::AddPart : Copy::ConstPart});
          if (s.kind == Kind::ConstBr) set_fact(fact, u32_at(pos + 8), u32_at(pos + 12));
          else clobber(fact, u32_at(pos + 8));
          const uint32_t to = pos + static_cast<uint32_t>(rel_at(pos + s.rel));
          if (!is_start(to)) return std::nullopt;
          polls += to <= pos;
          pos = to;
          continue;
        }
        case Kind::CondBranch: {
          std::optional<KnownSlot> after = fact;
          if (s.writes) clobber(after, u32_at(pos + s.writes));
          const uint32_t taken = pos + static_cast<uint32_t>(rel_at(pos + s.rel));
          const uint32_t fall = pos + size_at(pos);
          if (!is_start(taken) || !is_start(fall)) return std::nullopt;
          const Path taken_path = resolve(taken, after);
          const Path fall_path = resolve(fall, after);
          const int taken_polls = polls + (taken <= pos) + taken_path.polls;
          const int fall_polls = polls + fall_path.polls;
          if (taken_path.hops == 0 || taken_polls != 1 || fall_polls > 1) return std::nullopt;
          return emit_stub(run, pos, s, taken_path.end, fall_path.end, fall_polls == 1);
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;
  }
  uint32_t emit_stub(const std::vector<Step>& run, uint32_t branch, Shape s, uint32_t taken, uint32_t fall,
                     bool fall_polls) {
    const uint32_t start = static_cast<uint32_t>(code_.size());
    // `p = q + imm` right before a load-branch from p: one kStepLoadBr (code.h).
    std::optional<uint16_t> step_load;
    if (!run.empty()) {
      const Step& last = run.back();
      const bool add = last.how == Copy::AddPart || (last.how == Copy::Verbatim && id_at(last.from) == kImm_I32Add);
      if (add && u32_at(branch + 12) == u32_at(last.from + 8)) step_load = stepping_form(*id_at(branch));
    }
    const size_t copies = run.size() - (step_load ? 1 : 0);
    for (size_t i = 0; i < copies; ++i) {
      const Step& step = run[i];
      const uint32_t size = step.how == Copy::Verbatim ? size_at(step.from) : step.how == Copy::AddPart ? 24 : 16;
      const uint32_t at = append_copy(step.from, size);
      if (step.how == Copy::AddPart) {
        set_handler(at, kImm_I32Add);
        set_u32(at + 20, 0);
      } else if (step.how == Copy::ConstPart) {
        set_handler(at, id_of(Op::I32Const));
      }
    }
    if (step_load) {
      // p q imm from the add, dst offset from the load, then the offset to the taken target.
      const uint32_t add = run.back().from;
      const uint32_t at = static_cast<uint32_t>(code_.size());
      code_.resize(at + 32, 0);
      offsets_.push_back({at, module_offset_at(branch)});  // only the load can trap
      set_handler(at, *step_load);
      for (uint32_t f = 0; f < 3; ++f) set_u32(at + 8 + 4 * f, u32_at(add + 8 + 4 * f));
      set_u32(at + 20, u32_at(branch + 8));
      set_u32(at + 24, u32_at(branch + 16));
      set_rel(at + 28, at, taken);
    } else {
      const uint32_t at = append_copy(branch, size_at(branch));
      set_rel(at + s.rel, at, taken);
    }
    const uint32_t jump = static_cast<uint32_t>(code_.size());
    code_.resize(jump + 16, 0);
    offsets_.push_back({jump, module_offset_at(branch)});
    set_handler(jump, fall_polls ? id_of(Op::Br) : uint16_t{kJump});
    set_rel(jump + 8, jump, fall);
    return start;
  }
  uint32_t append_copy(uint32_t from, uint32_t size) {
    const uint32_t at = static_cast<uint32_t>(code_.size());
    code_.insert(code_.end(), code_.begin() + from, code_.begin() + from + size);
    offsets_.push_back({at, module_offset_at(from)});
    return at;
  }

  static void clobber(std::optional<KnownSlot>& fact, uint32_t slot) {
    if (fact && fact->slot == slot) fact.reset();
  }
  static void set_fact(std::optional<KnownSlot>& fact, uint32_t slot, uint32_t value) {
    if (!fact || fact->slot == slot) fact = KnownSlot{slot, value};
  }

  std::optional<uint16_t> id_at(uint32_t pos) const {
    if (pos + 8 > original_size_) return std::nullopt;
    const auto& map = ids_by_handler();
    auto it = map.find(handler_at(pos));
    if (it == map.end()) return std::nullopt;
    return it->second;
  }
  // Instruction starts, from the offsets table (built on first use: most functions have no
  // branch worth threading).
  const std::vector<uint32_t>& starts() {
    if (starts_.empty()) {
      for (const auto& [pos, module_offset] : offsets_) {
        if (pos >= original_size_) break;
        if (starts_.empty() || starts_.back() != pos) starts_.push_back(pos);
      }
    }
    return starts_;
  }
  bool is_start(uint32_t pos) { return std::binary_search(starts().begin(), starts().end(), pos); }
  uint32_t size_at(uint32_t pos) {
    auto it = std::upper_bound(starts().begin(), starts().end(), pos);
    return (it == starts().end() ? original_size_ : *it) - pos;
  }
  uint32_t module_offset_at(uint32_t pos) const {
    auto it = std::upper_bound(offsets_.begin(), offsets_.end(), std::make_pair(pos, UINT32_MAX));
    return it == offsets_.begin() ? 0 : std::prev(it)->second;
  }
  uint64_t handler_at(uint32_t pos) const {
    uint64_t w;
    std::memcpy(&w, code_.data() + pos, 8);
    return w;
  }
  void set_handler(uint32_t pos, uint16_t id) {
    const uint64_t w = handler_word(id);
    std::memcpy(code_.data() + pos, &w, 8);
  }
  uint32_t u32_at(uint32_t pos) const {
    uint32_t v;
    std::memcpy(&v, code_.data() + pos, 4);
    return v;
  }
  int32_t rel_at(uint32_t field) const { return static_cast<int32_t>(u32_at(field)); }
  void set_u32(uint32_t pos, uint32_t v) { std::memcpy(code_.data() + pos, &v, 4); }
  void set_rel(uint32_t field, uint32_t instr, uint32_t target) { set_u32(field, target - instr); }

  std::vector<uint8_t>& code_;
  std::vector<std::pair<uint32_t, uint32_t>>& offsets_;
  const uint32_t original_size_;
  const uint64_t br_handler_ = handler_word(id_of(Op::Br));
  const uint64_t fwd_table_handlers_[2] = {handler_word(kBrTableFwd), handler_word(kBrTableFwdS8)};
  std::vector<uint32_t> starts_;
  struct Retarget {
    uint32_t field, instr, target;
  };
  std::vector<Retarget> retargets_;
  std::map<std::tuple<uint32_t, bool, uint32_t, uint32_t, int>, std::optional<uint32_t>> stubs_;
  static constexpr size_t kMaxRememberedStubs = 1 << 16;
};

}  // namespace

void thread_branches(std::vector<uint8_t>& code, std::vector<std::pair<uint32_t, uint32_t>>& offsets,
                     const std::vector<BranchSite>& sites, size_t max_growth) {
  if (sites.empty()) return;
  Threader threader(code, offsets);
  for (const BranchSite& site : sites) threader.thread(site, max_growth);
  threader.apply();
}

}  // namespace wrun::interp
