// The structure-aware module generator (see module_gen.h).
#include "fuzz/module_gen.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "decoder/opcodes.h"
#include "wrun/types.h"

namespace wrun::fuzz {

namespace {

// ---------------------------------------------------------------------------------------------
// Input: every decision reads from here. Exhausted input reads as zeros, and zero always
// means the simplest option (no more items, the terminal expression, "no").

class Input {
 public:
  explicit Input(std::span<const uint8_t> data) : data_(data) {}
  bool empty() const { return pos_ >= data_.size(); }
  uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  // A value in [0, n); n > 0.
  uint32_t below(uint32_t n) {
    if (n <= 1) return 0;
    uint32_t v = byte();
    if (n > 256) v = (v << 8) | byte();
    if (n > 65536) v = (v << 16) | (uint32_t{byte()} << 8) | byte();
    return v % n;
  }
  // True with probability about num/den; false when the input is exhausted.
  bool chance(uint32_t num, uint32_t den) {
    if (empty()) return false;
    return byte() % den >= den - num;
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  uint64_t u64() { return (uint64_t{u32()} << 32) | u32(); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Binary writing.

struct Buf {
  std::vector<uint8_t> b;
  void u8(uint8_t v) { b.push_back(v); }
  void uleb(uint64_t v) {
    do {
      uint8_t byte = v & 0x7F;
      v >>= 7;
      if (v) byte |= 0x80;
      b.push_back(byte);
    } while (v);
  }
  void sleb(int64_t v) {
    for (;;) {
      uint8_t byte = v & 0x7F;
      v >>= 7;  // arithmetic shift
      const bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
      if (!done) byte |= 0x80;
      b.push_back(byte);
      if (done) break;
    }
  }
  void raw(const void* p, size_t n) {
    const auto* c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
  }
  void name(const std::string& s) {
    uleb(s.size());
    raw(s.data(), s.size());
  }
  void append(const Buf& o) { b.insert(b.end(), o.b.begin(), o.b.end()); }
  void type(ValType t) { u8(static_cast<uint8_t>(t)); }
  void op(Op o) {
    const OpInfo& info = op_info(o);
    if (info.prefix) {
      u8(info.prefix);
      uleb(info.code);
    } else {
      u8(static_cast<uint8_t>(info.code));
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Instructions derived from the opcode table: numeric ones (no immediate, fixed signature),
// loads and stores. New opcodes in opcodes.def are picked up automatically.

struct SimpleOp {
  Op op;
  uint8_t num_params;
  ValType params[2];
  ValType result;  // loads and numeric ops
};

constexpr ValType kNumTypes[] = {ValType::I32, ValType::I64, ValType::F32, ValType::F64};

int num_index(ValType t) {
  switch (t) {
    case ValType::I32: return 0;
    case ValType::I64: return 1;
    case ValType::F32: return 2;
    case ValType::F64: return 3;
    default: return -1;
  }
}

// Index of a value type among the six the generator uses (numbers, then references).
int type_slot(ValType t) {
  if (int i = num_index(t); i >= 0) return i;
  return t == ValType::FuncRef ? 4 : 5;
}
constexpr int kTypeSlots = 6;

// A short list of value types held inline. The generator recurses, and under ASan every heap
// allocation made at a new call stack adds an entry to ASan's stack depot that is never freed:
// allocating in the recursion made the fuzzer's RSS grow by ~40 KB per generated module. So
// nothing below BodyGen::generate allocates: type lists are values, lookups are precomputed.
struct Types {
  static constexpr size_t kCap = 48;
  uint8_t n = 0;
  ValType v[kCap] = {};
  void push(ValType t) {
    if (n < kCap) v[n++] = t;
  }
  size_t size() const { return n; }
  bool empty() const { return n == 0; }
  ValType operator[](size_t i) const { return v[i]; }
  const ValType* begin() const { return v; }
  const ValType* end() const { return v + n; }
  bool operator==(const Types& o) const { return n == o.n && std::equal(begin(), end(), o.begin()); }
};

Types one(ValType t) {
  Types r;
  r.push(t);
  return r;
}

struct FnSig {
  Types params, results;
  bool operator==(const FnSig&) const = default;
};

struct OpTables {
  std::vector<SimpleOp> numeric[4];  // by result type
  std::vector<SimpleOp> loads[4];    // by result type
  std::vector<SimpleOp> stores[4];   // by stored value type
  OpTables() {
    for (size_t i = 0; i < kOpCount; ++i) {
      const Op op = static_cast<Op>(i);
      const OpInfo& info = op_info(op);
      if (info.sig == Sig::special || (info.prefix != 0 && info.prefix != 0xFC)) continue;
      const SigInfo si = sig_info(info.sig);
      bool all_numeric = true;
      for (int p = 0; p < si.num_params; ++p) all_numeric &= is_num_type(si.params[p]);
      if (si.has_result) all_numeric &= is_num_type(si.result);
      if (!all_numeric) continue;
      SimpleOp s{op, si.num_params, {si.params[0], si.params[1]}, si.result};
      if (info.imm == Imm::None && si.has_result && si.num_params > 0) {
        numeric[num_index(si.result)].push_back(s);
      } else if (info.imm == Imm::MemArg && si.has_result && si.num_params == 1) {
        loads[num_index(si.result)].push_back(s);
      } else if (info.imm == Imm::MemArg && !si.has_result && si.num_params == 2) {
        stores[num_index(si.params[1])].push_back(s);
      }
    }
  }
};

const OpTables& op_tables() {
  static const OpTables tables;
  return tables;
}

// ---------------------------------------------------------------------------------------------
// The module being generated.

struct GlobalDecl {
  ValType type;
  bool mut;
  bool imported;
};

struct ElemDecl {
  uint8_t flags = 0;                // the binary format's segment flags (0..7)
  ValType type = ValType::FuncRef;  // funcref or externref
  uint32_t table = 0;  // active segments
  uint32_t offset = 0;
  std::vector<uint32_t> funcs;  // flags 0..3: function indices
  std::vector<std::optional<uint32_t>> exprs;  // flags 4..7: ref.func f, or ref.null
};

struct DataDecl {
  uint8_t flags = 0;  // 0 active (memory 0), 1 passive, 2 active with explicit memory index
  uint32_t offset = 0;
  std::vector<uint8_t> bytes;
};

constexpr uint32_t kMaxTypes = 64;
constexpr size_t kFuncBudget = 1200;    // instructions per function body
constexpr size_t kModuleBudget = 12000;  // instructions in all bodies
constexpr int kMaxDepth = 6;             // nesting of expressions and blocks

struct ModuleGen {
  explicit ModuleGen(std::span<const uint8_t> data) : in(data) { types.reserve(kMaxTypes + 16); }

  Input in;
  std::vector<FnSig> types;  // reserved: block types are added during the recursion
  std::vector<uint32_t> func_types;  // type index per function, imports first
  uint32_t num_imported_funcs = 0;
  std::vector<GlobalDecl> globals;  // imports first
  bool has_memory = false, memory_imported = false;
  uint32_t mem_min = 0;
  std::optional<uint32_t> mem_max;
  std::vector<TableType> tables;  // table 0: funcref (when present); table 1: externref
  bool table0_imported = false;
  std::vector<ElemDecl> elems;
  std::vector<DataDecl> datas;
  std::optional<uint32_t> start;
  std::vector<Buf> bodies;
  bool emit_names = false;
  size_t module_budget = kModuleBudget;
  // By type slot (type_slot): global indices, mutable global indices, table indices.
  std::vector<uint32_t> globals_by[kTypeSlots], mut_globals_by[kTypeSlots], tables_by[kTypeSlots];

  uint32_t type_index(const FnSig& t) {
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i] == t) return static_cast<uint32_t>(i);
    }
    types.push_back(t);
    return static_cast<uint32_t>(types.size() - 1);
  }

  ValType val_type() {
    // Mostly numbers; references now and then.
    const uint32_t r = in.below(16);
    if (r < 14) return kNumTypes[r % 4];
    return r == 14 ? ValType::FuncRef : ValType::ExternRef;
  }

  FnSig func_type() {
    FnSig t;
    uint32_t np = in.below(4), nr = in.below(3);
    // Sometimes more than a register convention passes in registers of one kind (a JIT's
    // direct calls take six integers and eight floats).
    if (in.chance(1, 8)) np = 4 + in.below(8);
    // Now and then a wide signature: more values than the inline buffers of calls from the
    // host (32 slots) and of host functions (16 values) hold.
    if (in.chance(1, 16)) np = 14 + in.below(24);
    if (in.chance(1, 32)) nr = 3 + in.below(20);
    for (uint32_t i = 0; i < np; ++i) t.params.push(val_type());
    for (uint32_t i = 0; i < nr; ++i) t.results.push(val_type());
    return t;
  }

  uint32_t mem_bytes() const { return mem_min * 65536u; }

  void declare();
  std::vector<uint8_t> assemble();
  void const_expr(Buf& out, ValType t);
};

// ---------------------------------------------------------------------------------------------
// Function bodies.

class BodyGen {
 public:
  BodyGen(ModuleGen& m, uint32_t func_index) : m_(m), in_(m.in), type_(m.types[m.func_types[func_index]]) {}

  Buf generate() {
    // Locals: the parameters, a few of every numeric type, sometimes references, and the loop
    // counter (an i32 every loop increments, so generated loops end).
    locals_.assign(type_.params.begin(), type_.params.end());
    std::vector<std::pair<uint32_t, ValType>> decls;
    for (ValType t : kNumTypes) decls.emplace_back(1 + in_.below(3), t);
    if (in_.chance(1, 16)) decls.emplace_back(1 + in_.below(5000), kNumTypes[in_.below(4)]);  // a big frame
    if (in_.chance(1, 4)) decls.emplace_back(1 + in_.below(2), ValType::FuncRef);
    if (in_.chance(1, 4)) decls.emplace_back(1 + in_.below(2), ValType::ExternRef);
    for (auto& [n, t] : decls) locals_.insert(locals_.end(), n, t);
    counter_ = static_cast<uint32_t>(locals_.size());
    locals_.push_back(ValType::I32);
    decls.emplace_back(1, ValType::I32);
    loop_limit_ = 1 + in_.below(24);
    for (size_t i = 0; i < counter_; ++i) locals_by_[type_slot(locals_[i])].push_back(static_cast<uint32_t>(i));
    labels_.reserve(64);
    out_.b.reserve(1 << 16);

    Buf body;
    body.uleb(decls.size());
    for (auto& [n, t] : decls) {
      body.uleb(n);
      body.type(t);
    }
    labels_.push_back(type_.results);  // the function body's label
    stmts(0);
    values(type_.results, 0);
    out_.u8(0x0B);
    body.append(out_);
    m_.module_budget -= std::min(m_.module_budget, used_);
    return body;
  }

 private:
  ModuleGen& m_;
  Input& in_;
  const FnSig type_;  // a copy: m_.types grows while the body is generated (block types)
  Buf out_;
  std::vector<ValType> locals_;
  std::vector<uint32_t> locals_by_[kTypeSlots];  // by type slot, without the loop counter
  std::vector<Types> labels_;  // innermost last; reserved, so pushing never allocates
  uint32_t counter_ = 0;
  uint32_t loop_limit_ = 1;
  size_t used_ = 0;

  bool exhausted() const { return used_ >= kFuncBudget || used_ >= m_.module_budget || in_.empty(); }
  void emit(Op op) {
    ++used_;
    out_.op(op);
  }
  void u8(uint8_t v) { out_.u8(v); }
  void uleb(uint64_t v) { out_.uleb(v); }

  // --- helpers ---------------------------------------------------------------------------

  const std::vector<uint32_t>& locals_of(ValType t) const { return locals_by_[type_slot(t)]; }
  const std::vector<uint32_t>& globals_of(ValType t, bool need_mut) const {
    return need_mut ? m_.mut_globals_by[type_slot(t)] : m_.globals_by[type_slot(t)];
  }
  const std::vector<uint32_t>& tables_of(ValType t) const { return m_.tables_by[type_slot(t)]; }
  // A random function whose results are exactly `results`, if there is one.
  std::optional<uint32_t> func_returning(const Types& results) {
    uint32_t n = 0;
    for (uint32_t t : m_.func_types) n += m_.types[t].results == results;
    if (n == 0) return std::nullopt;
    uint32_t k = in_.below(n);
    for (size_t f = 0; f < m_.func_types.size(); ++f) {
      if (m_.types[m_.func_types[f]].results == results && k-- == 0) return static_cast<uint32_t>(f);
    }
    return std::nullopt;
  }
  template <class V>
  auto pick(const V& v) -> typename V::value_type {
    return v[in_.below(static_cast<uint32_t>(v.size()))];
  }

  // The block type for params -> results: 0x40, one value type, or a type index.
  void block_type(const Types& params, const Types& results) {
    if (params.empty() && results.empty()) {
      u8(0x40);
    } else if (params.empty() && results.size() == 1) {
      out_.type(results[0]);
    } else {
      out_.sleb(m_.type_index(FnSig{params, results}));
    }
  }
  // A block type to use for a new block with the given results: usually no params, sometimes
  // params (then a type index is needed, so only while there is room in the type section).
  Types block_params() {
    Types p;
    if (m_.types.size() < kMaxTypes && in_.chance(1, 4)) {
      const uint32_t n = 1 + in_.below(2);
      for (uint32_t i = 0; i < n; ++i) p.push(m_.val_type());
    }
    return p;
  }

  void memarg(Op op) {
    const uint32_t natural = mem_access_bytes(op);
    uint32_t log = 0;
    while ((1u << log) < natural) ++log;
    uleb(in_.below(log + 1));  // alignment hint, at most natural
    uint32_t offset = 0;
    const uint32_t r = in_.below(8);
    if (r >= 5) offset = in_.below(64);
    if (r == 7) offset = in_.chance(1, 2) ? m_.mem_bytes() - std::min(m_.mem_bytes(), in_.below(16)) : in_.u32();
    uleb(offset);
  }

  // An i32 address: mostly inside the first page(s), sometimes anything.
  void address(int depth) {
    const uint32_t r = in_.below(8);
    if (r < 5 || depth >= kMaxDepth) {
      const uint32_t limit = std::max<uint32_t>(m_.mem_bytes(), 64);
      emit(Op::I32Const);
      out_.sleb(static_cast<int32_t>(in_.below(limit + 16)));
    } else if (r < 7) {
      expr(ValType::I32, depth + 1);
      emit(Op::I32Const);
      out_.sleb(in_.chance(1, 2) ? 0xFFFF : 0x3FF);
      emit(Op::I32And);
    } else {
      expr(ValType::I32, depth + 1);
    }
  }
  // A small i32 (lengths and counts of bulk instructions), sometimes anything.
  void small_i32(int depth, uint32_t bound) {
    if (depth < kMaxDepth && in_.chance(1, 6)) return expr(ValType::I32, depth + 1);
    emit(Op::I32Const);
    out_.sleb(static_cast<int32_t>(in_.below(bound)));
  }

  // --- constants ---------------------------------------------------------------------------

  void constant(ValType t) {
    const uint32_t r = in_.below(4);
    switch (t) {
      case ValType::I32: {
        static constexpr int32_t special[] = {0, 1, -1, 2, 7, 8, 31, 32, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000, INT32_MIN,
                                              INT32_MAX};
        emit(Op::I32Const);
        out_.sleb(r == 0 ? static_cast<int32_t>(in_.u32()) : special[in_.below(std::size(special))]);
        break;
      }
      case ValType::I64: {
        static constexpr int64_t special[] = {0, 1, -1, 63, 64, 0xFFFFFFFF, 0x100000000, INT64_MIN, INT64_MAX,
                                              INT32_MIN, INT32_MAX};
        emit(Op::I64Const);
        out_.sleb(r == 0 ? static_cast<int64_t>(in_.u64()) : special[in_.below(std::size(special))]);
        break;
      }
      case ValType::F32: {
        static constexpr uint32_t special[] = {0, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000,
                                               0x7FC00000, 0xFFC00000, 0x7FA00000, 0x4F000000, 0xCF000000,
                                               0x4F800000, 0x5F000000, 0xDF000000, 0x00000001, 0x7F7FFFFF};
        const uint32_t bits = r == 0 ? in_.u32() : special[in_.below(std::size(special))];
        emit(Op::F32Const);
        out_.raw(&bits, 4);
        break;
      }
      case ValType::F64: {
        static constexpr uint64_t special[] = {0,
                                               0x8000000000000000,
                                               0x3FF0000000000000,
                                               0xBFF0000000000000,
                                               0x7FF0000000000000,
                                               0xFFF0000000000000,
                                               0x7FF8000000000000,
                                               0x7FF4000000000000,
                                               0x41E0000000000000,
                                               0xC1E0000000000000,
                                               0x41F0000000000000,
                                               0x43E0000000000000,
                                               0xC3E0000000000000,
                                               0x43F0000000000000,
                                               0x0000000000000001,
                                               0x7FEFFFFFFFFFFFFF};
        const uint64_t bits = r == 0 ? in_.u64() : special[in_.below(std::size(special))];
        emit(Op::F64Const);
        out_.raw(&bits, 8);
        break;
      }
      case ValType::FuncRef:
        if (!m_.func_types.empty() && r == 0) {
          emit(Op::RefFunc);
          uleb(in_.below(static_cast<uint32_t>(m_.func_types.size())));
        } else {
          emit(Op::RefNull);
          out_.type(ValType::FuncRef);
        }
        break;
      default:
        emit(Op::RefNull);
        out_.type(t);
        break;
    }
  }

  // --- expressions: each pushes exactly one value of type t ---------------------------------

  void expr(ValType t, int depth) {
    if (depth >= kMaxDepth || exhausted()) {
      // Terminals only: a local or a constant.
      const auto& ls = locals_of(t);
      if (!ls.empty() && in_.chance(1, 2)) {
        emit(Op::LocalGet);
        uleb(pick(ls));
      } else {
        constant(t);
      }
      return;
    }
    const int ni = num_index(t);
    switch (in_.below(16)) {
      case 0: return constant(t);
      case 1: case 2: {
        const auto& ls = locals_of(t);
        if (ls.empty()) return constant(t);
        if (in_.chance(1, 4)) {
          expr(t, depth + 1);
          emit(Op::LocalTee);
        } else {
          emit(Op::LocalGet);
        }
        return uleb(pick(ls));
      }
      case 3: {
        const auto& gs = globals_of(t, false);
        if (gs.empty()) return constant(t);
        emit(Op::GlobalGet);
        return uleb(pick(gs));
      }
      case 4: case 5: case 6: {
        if (ni < 0) return ref_expr(t, depth);
        return numeric_op(pick(op_tables().numeric[ni]), depth);
      }
      case 7: {
        if (ni < 0 || !m_.has_memory) return ref_expr(t, depth);
        const SimpleOp& s = pick(op_tables().loads[ni]);
        address(depth);
        emit(s.op);
        return memarg(s.op);
      }
      case 8: {  // select
        expr(t, depth + 1);
        expr(t, depth + 1);
        expr(ValType::I32, depth + 1);
        if (is_num_type(t) && in_.chance(1, 2)) return emit(Op::Select);
        emit(Op::SelectT);
        uleb(1);
        return out_.type(t);
      }
      case 9: case 10: return block_expr(one(t), depth);
      case 11: return call_expr(one(t), depth);
      case 12: {
        if (t == ValType::I32) return i32_special(depth);
        if (ni >= 0) {
          // A comparison or conversion feeding a numeric op of type t.
          return numeric_op(pick(op_tables().numeric[ni]), depth);
        }
        return ref_expr(t, depth);
      }
      default: {
        if (ni < 0) return ref_expr(t, depth);
        return numeric_op(pick(op_tables().numeric[ni]), depth);
      }
    }
  }

  // A numeric operator and its operands. A division or remainder often gets a constant
  // divisor, from a list that covers what compilers divide by and the edges of the shifts
  // and reciprocal multiplies an engine may use instead (jit/x64/numeric_x64.cc).
  void numeric_op(const SimpleOp& s, int depth) {
    const bool division = s.op == Op::I32DivS || s.op == Op::I32DivU || s.op == Op::I32RemS ||
                          s.op == Op::I32RemU || s.op == Op::I64DivS || s.op == Op::I64DivU ||
                          s.op == Op::I64RemS || s.op == Op::I64RemU;
    if (!division || !in_.chance(1, 2)) {
      for (int i = 0; i < s.num_params; ++i) expr(s.params[i], depth + 1);
      return emit(s.op);
    }
    static constexpr int64_t divisors[] = {
        1,         2,          3,          5,          7,           10,        16,
        100,       641,        1000,       139968,     -2,          -3,        -7,
        -10,       -16,        -1000,      0x40000000, -1,          0,         INT32_MAX,
        INT32_MIN, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF, 0x100000001, INT64_MAX, INT64_MIN};
    expr(s.params[0], depth + 1);
    const int64_t d = in_.chance(1, 8) ? static_cast<int64_t>(in_.u64())
                                       : divisors[in_.below(std::size(divisors))];
    if (s.params[1] == ValType::I32) {
      emit(Op::I32Const);
      out_.sleb(static_cast<int32_t>(static_cast<uint32_t>(d)));
    } else {
      emit(Op::I64Const);
      out_.sleb(d);
    }
    emit(s.op);
  }

  // Instructions that produce an i32 without being plain numeric operators.
  void i32_special(int depth) {
    switch (in_.below(6)) {
      case 0:
        if (!m_.has_memory) break;
        emit(Op::MemorySize);
        return u8(0);
      case 1:
        if (!m_.has_memory) break;
        small_i32(depth, 4);
        emit(Op::MemoryGrow);
        return u8(0);
      case 2: {  // ref.is_null
        const ValType rt = in_.chance(1, 2) ? ValType::FuncRef : ValType::ExternRef;
        expr(rt, depth + 1);
        return emit(Op::RefIsNull);
      }
      case 3:
        if (m_.tables.empty()) break;
        emit(Op::TableSize);
        return uleb(in_.below(static_cast<uint32_t>(m_.tables.size())));
      case 4: {
        if (m_.tables.empty()) break;
        const uint32_t x = in_.below(static_cast<uint32_t>(m_.tables.size()));
        expr(m_.tables[x].elem, depth + 1);
        small_i32(depth, 4);
        emit(Op::TableGrow);
        return uleb(x);
      }
      default: break;
    }
    constant(ValType::I32);
  }

  void ref_expr(ValType t, int depth) {
    const auto& ts = tables_of(t);
    if (!ts.empty() && in_.chance(1, 2)) {
      const uint32_t x = pick(ts);
      small_i32(depth, static_cast<uint32_t>(m_.tables[x].limits.min) + 2);
      emit(Op::TableGet);
      return uleb(x);
    }
    constant(t);
  }

  // Pushes values of `types` in order: one expression each, or one block / call producing
  // them all (multi-value).
  void values(const Types& types, int depth) {
    if (types.size() >= 2 && depth < kMaxDepth && !exhausted()) {
      const uint32_t r = in_.below(4);
      if (r == 1 && m_.types.size() < kMaxTypes) return block_expr(types, depth);  // needs a type index
      if (r == 2) return call_expr(types, depth);
    }
    for (ValType t : types) expr(t, depth + 1);
  }

  // call / call_indirect of a function whose results are exactly `results` (constants when
  // there is none).
  void call_expr(const Types& results, int depth) {
    const bool indirect = !m_.tables.empty() && m_.tables[0].elem == ValType::FuncRef && in_.chance(1, 3);
    const std::optional<uint32_t> f = func_returning(results);
    if (!f) {
      for (ValType t : results) constant(t);
      return;
    }
    const uint32_t type = m_.func_types[*f];
    const Types params = m_.types[type].params;  // a copy: m_.types may grow below
    for (ValType p : params) expr(p, depth + 1);
    if (indirect) {
      // Mostly an index inside the table (where the active segment put every function).
      small_i32(depth, static_cast<uint32_t>(m_.tables[0].limits.min) + 1);
      emit(Op::CallIndirect);
      uleb(type);
      return uleb(0);
    }
    emit(Op::Call);
    uleb(*f);
  }

  // Drops `n` values from the top of the stack, or stores them into locals of their types.
  void consume(const Types& types) {
    for (size_t i = types.size(); i-- > 0;) {
      const auto& ls = locals_of(types[i]);
      if (!ls.empty() && in_.chance(1, 2)) {
        emit(Op::LocalSet);
        uleb(pick(ls));
      } else {
        emit(Op::Drop);
      }
    }
  }

  // The body of a block, loop or if arm: `params` are on the stack at entry; leaves `results`.
  void block_body(const Types& params, const Types& results, int depth, bool is_loop) {
    stmts(depth + 1);
    if (is_loop) {
      // The back edge: counter += 1; br_if 0 while it is below the limit (label types = params).
      values(params, depth + 1);
      emit(Op::LocalGet);
      uleb(counter_);
      emit(Op::I32Const);
      out_.sleb(1);
      emit(Op::I32Add);
      emit(Op::LocalTee);
      uleb(counter_);
      emit(Op::I32Const);
      out_.sleb(loop_limit_);
      emit(Op::I32LtU);
      emit(Op::BrIf);
      uleb(0);
      consume(params);
    }
    if (!params.empty() && params == results && in_.chance(1, 2)) return;  // pass them through
    consume(params);
    values(results, depth + 1);
  }

  // block / loop / if producing `results` (with fresh params sometimes).
  void block_expr(const Types& results, int depth) {
    const Types params = block_params();
    const uint32_t kind = in_.below(3);
    values(params, depth + 1);
    if (kind == 2) expr(ValType::I32, depth + 1);  // the condition
    emit(kind == 0 ? Op::Block : kind == 1 ? Op::Loop : Op::If);
    block_type(params, results);
    labels_.push_back(kind == 1 ? params : results);
    block_body(params, results, depth, kind == 1);
    if (kind == 2 && (params != results || in_.chance(1, 2))) {
      emit(Op::Else);
      block_body(params, results, depth, false);
    }
    labels_.pop_back();
    emit(Op::End);
  }

  // --- statements: each leaves the stack as it found it -----------------------------------

  void stmts(int depth) {
    if (depth >= kMaxDepth) return;
    const uint32_t n = in_.below(depth == 0 ? 12 : 5);
    for (uint32_t i = 0; i < n && !exhausted(); ++i) stmt(depth);
  }

  // The index of a random enclosing label, and its types.
  uint32_t label(Types& types) {
    const uint32_t depth = in_.below(static_cast<uint32_t>(labels_.size()));
    types = labels_[labels_.size() - 1 - depth];
    return depth;
  }

  void stmt(int depth) {
    switch (in_.below(24)) {
      case 0: case 1: case 2: {  // local.set
        const ValType t = m_.val_type();
        const auto& ls = locals_of(t);
        if (ls.empty()) return;
        expr(t, depth + 1);
        emit(Op::LocalSet);
        return uleb(pick(ls));
      }
      case 3: {  // global.set
        const ValType t = m_.val_type();
        const auto& gs = globals_of(t, true);
        if (gs.empty()) return;
        expr(t, depth + 1);
        emit(Op::GlobalSet);
        return uleb(pick(gs));
      }
      case 4: case 5: {  // store
        if (!m_.has_memory) return;
        const int ni = static_cast<int>(in_.below(4));
        const SimpleOp& s = pick(op_tables().stores[ni]);
        address(depth);
        expr(s.params[1], depth + 1);
        emit(s.op);
        return memarg(s.op);
      }
      case 6: case 7: {  // drop
        expr(m_.val_type(), depth + 1);
        return emit(Op::Drop);
      }
      case 8: case 9: {  // block / loop / if without results, or with results dropped
        Types results;
        if (in_.chance(1, 3)) results.push(m_.val_type());
        block_expr(results, depth);
        return consume(results);
      }
      case 10: {  // br
        if (!in_.chance(1, 3)) return;
        Types types;
        const uint32_t l = label(types);
        values(types, depth + 1);
        emit(Op::Br);
        return uleb(l);
      }
      case 11: {  // br_if
        Types types;
        const uint32_t l = label(types);
        values(types, depth + 1);
        expr(ValType::I32, depth + 1);
        emit(Op::BrIf);
        uleb(l);
        return consume(types);
      }
      case 12: {  // br_table: every target must have the default's types
        if (!in_.chance(1, 2)) return;
        Types types;
        const uint32_t def = label(types);
        uint32_t same = 0;  // labels with the default's types (at least the default)
        for (const Types& l : labels_) same += l == types;
        values(types, depth + 1);
        small_i32(depth, 6);
        emit(Op::BrTable);
        const uint32_t n = in_.below(6);
        uleb(n);
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t k = in_.below(same);
          for (size_t d = 0; d < labels_.size(); ++d) {
            if (labels_[labels_.size() - 1 - d] == types && k-- == 0) {
              uleb(d);
              break;
            }
          }
        }
        return uleb(def);
      }
      case 13: {  // return
        if (!in_.chance(1, 4)) return;
        values(type_.results, depth + 1);
        return emit(Op::Return);
      }
      case 14: case 15: {  // call (results dropped)
        if (m_.func_types.empty()) return;
        const uint32_t f = in_.below(static_cast<uint32_t>(m_.func_types.size()));
        const FnSig ft = m_.types[m_.func_types[f]];
        if (in_.chance(1, 3)) {
          call_expr(ft.results, depth);
          return consume(ft.results);
        }
        for (ValType p : ft.params) expr(p, depth + 1);
        emit(Op::Call);
        uleb(f);
        return consume(ft.results);
      }
      case 16: case 17: return bulk_memory(depth);
      case 18: case 19: return table_stmt(depth);
      case 20: {
        if (in_.chance(1, 16)) return emit(Op::Unreachable);
        return emit(Op::Nop);
      }
      default: {  // local.set from a numeric op (the common case in real code)
        const ValType t = kNumTypes[in_.below(4)];
        const auto& ls = locals_of(t);
        const SimpleOp& s = pick(op_tables().numeric[num_index(t)]);
        for (int i = 0; i < s.num_params; ++i) expr(s.params[i], depth + 1);
        emit(s.op);
        emit(Op::LocalSet);
        return uleb(pick(ls));
      }
    }
  }

  void bulk_memory(int depth) {
    if (!m_.has_memory) return;
    const uint32_t bound = m_.mem_bytes() + 8;
    switch (in_.below(4)) {
      case 0:  // memory.fill d val n
        small_i32(depth, bound);
        expr(ValType::I32, depth + 1);
        small_i32(depth, 300);
        emit(Op::MemoryFill);
        return u8(0);
      case 1:  // memory.copy d s n
        small_i32(depth, bound);
        small_i32(depth, bound);
        small_i32(depth, 300);
        emit(Op::MemoryCopy);
        u8(0);
        return u8(0);
      case 2: {  // memory.init d s n
        if (m_.datas.empty()) return;
        const uint32_t d = in_.below(static_cast<uint32_t>(m_.datas.size()));
        small_i32(depth, bound);
        small_i32(depth, 20);
        small_i32(depth, 20);
        emit(Op::MemoryInit);
        uleb(d);
        return u8(0);
      }
      default:
        if (m_.datas.empty() || !in_.chance(1, 2)) return;
        emit(Op::DataDrop);
        return uleb(in_.below(static_cast<uint32_t>(m_.datas.size())));
    }
  }

  void table_stmt(int depth) {
    if (m_.tables.empty()) return;
    const uint32_t x = in_.below(static_cast<uint32_t>(m_.tables.size()));
    const TableType& tt = m_.tables[x];
    const uint32_t bound = static_cast<uint32_t>(tt.limits.min) + 3;
    switch (in_.below(6)) {
      case 0:  // table.set i v
        small_i32(depth, bound);
        expr(tt.elem, depth + 1);
        emit(Op::TableSet);
        return uleb(x);
      case 1:  // table.fill i v n
        small_i32(depth, bound);
        expr(tt.elem, depth + 1);
        small_i32(depth, bound);
        emit(Op::TableFill);
        return uleb(x);
      case 2: {  // table.copy x y (same element type)
        const auto& ys = tables_of(tt.elem);
        small_i32(depth, bound);
        small_i32(depth, bound);
        small_i32(depth, bound);
        emit(Op::TableCopy);
        uleb(x);
        return uleb(pick(ys));
      }
      case 3: {  // table.init x e
        uint32_t es = 0;  // element segments of the table's type
        for (const ElemDecl& e : m_.elems) es += e.type == tt.elem;
        if (es == 0) return;
        small_i32(depth, bound);
        small_i32(depth, 8);
        small_i32(depth, 8);
        emit(Op::TableInit);
        uint32_t k = in_.below(es);
        for (size_t i = 0; i < m_.elems.size(); ++i) {
          if (m_.elems[i].type == tt.elem && k-- == 0) {
            uleb(i);
            break;
          }
        }
        return uleb(x);
      }
      case 4:
        if (m_.elems.empty() || !in_.chance(1, 2)) return;
        emit(Op::ElemDrop);
        return uleb(in_.below(static_cast<uint32_t>(m_.elems.size())));
      default:  // table.grow (result dropped)
        expr(tt.elem, depth + 1);
        small_i32(depth, 4);
        emit(Op::TableGrow);
        uleb(x);
        return emit(Op::Drop);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Declarations and assembly.

void ModuleGen::const_expr(Buf& out, ValType t) {
  // An imported immutable global of the right type may be read (WebAssembly 2.0 rule).
  for (size_t i = 0; i < globals.size(); ++i) {
    if (globals[i].imported && !globals[i].mut && globals[i].type == t && in.chance(1, 4)) {
      out.op(Op::GlobalGet);
      out.uleb(i);
      out.u8(0x0B);
      return;
    }
  }
  switch (t) {
    case ValType::I32: out.op(Op::I32Const); out.sleb(static_cast<int32_t>(in.u32())); break;
    case ValType::I64: out.op(Op::I64Const); out.sleb(static_cast<int64_t>(in.u64())); break;
    case ValType::F32: { out.op(Op::F32Const); uint32_t b = in.u32(); out.raw(&b, 4); break; }
    case ValType::F64: { out.op(Op::F64Const); uint64_t b = in.u64(); out.raw(&b, 8); break; }
    case ValType::FuncRef:
      if (!func_types.empty() && in.chance(1, 2)) {
        out.op(Op::RefFunc);
        out.uleb(in.below(static_cast<uint32_t>(func_types.size())));
      } else {
        out.op(Op::RefNull);
        out.type(t);
      }
      break;
    default: out.op(Op::RefNull); out.type(t); break;
  }
  out.u8(0x0B);
}

void ModuleGen::declare() {
  // Function types, and the functions using them (a [] -> [] one for the start function).
  const uint32_t ntypes = 1 + in.below(5);
  for (uint32_t i = 0; i < ntypes; ++i) type_index(func_type());
  const uint32_t void_type = type_index(FnSig{});
  num_imported_funcs = in.below(3);
  const uint32_t nfuncs = num_imported_funcs + 1 + in.below(6);
  for (uint32_t i = 0; i < nfuncs; ++i) func_types.push_back(in.below(static_cast<uint32_t>(types.size())));

  // Globals: imported ones first.
  const uint32_t nimported_globals = in.below(3);
  for (uint32_t i = 0; i < nimported_globals; ++i) globals.push_back({kNumTypes[in.below(4)], in.chance(1, 2), true});
  const uint32_t ndefined_globals = in.below(6);
  for (uint32_t i = 0; i < ndefined_globals; ++i) globals.push_back({val_type(), in.below(4) != 0, false});

  // Memory (usually), sometimes imported.
  has_memory = in.below(8) != 0 || in.empty();
  if (has_memory) {
    memory_imported = in.chance(1, 6);
    mem_min = in.below(3);
    if (in.chance(1, 2)) mem_max = mem_min + in.below(4);
  }

  // Table 0 (funcref) holds every function from offset 0; table 1 (externref) sometimes.
  TableType t0;
  t0.elem = ValType::FuncRef;
  t0.limits.min = nfuncs + in.below(4);
  if (in.chance(1, 2)) t0.limits.max = t0.limits.min + in.below(8);
  tables.push_back(t0);
  table0_imported = in.chance(1, 6);
  if (in.chance(1, 2)) {
    TableType t1;
    t1.elem = ValType::ExternRef;
    t1.limits.min = in.below(6);
    if (in.chance(1, 2)) t1.limits.max = t1.limits.min + in.below(4);
    tables.push_back(t1);
  }

  // Element segments: the active one filling table 0, then a few others of every kind.
  ElemDecl all;
  all.flags = 0;
  for (uint32_t f = 0; f < nfuncs; ++f) all.funcs.push_back(f);
  elems.push_back(all);
  const uint32_t nelems = in.below(4);
  for (uint32_t i = 0; i < nelems; ++i) {
    ElemDecl e;
    e.flags = static_cast<uint8_t>(1 + in.below(7));
    const uint32_t n = in.below(5);
    if (e.flags >= 4 && tables.size() > 1 && in.chance(1, 3)) {
      e.type = ValType::ExternRef;  // expressions only: ref.null extern
      if (e.flags == 4) e.flags = 5;
      e.table = 1;
    }
    if (e.flags == 2 || e.flags == 6) e.table = e.type == ValType::ExternRef ? 1 : 0;
    const uint32_t table_size = static_cast<uint32_t>(tables[e.table].limits.min);
    e.offset = in.below(table_size + 1);
    if (e.offset + n > table_size && in.below(4) != 0) e.offset = 0;  // mostly in bounds
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t f = in.below(nfuncs);
      if (e.flags < 4) {
        e.funcs.push_back(f);
      } else if (e.type == ValType::FuncRef && in.chance(3, 4)) {
        e.exprs.push_back(f);
      } else {
        e.exprs.push_back(std::nullopt);
      }
    }
    if ((e.flags == 4 || e.flags == 6) && e.offset + n > table_size) e.offset = 0;
    elems.push_back(e);
  }

  // Data segments (a data count section is always emitted, so memory.init may use them).
  if (has_memory) {
    const uint32_t ndatas = in.below(4);
    for (uint32_t i = 0; i < ndatas; ++i) {
      DataDecl d;
      d.flags = static_cast<uint8_t>(in.below(3));
      const uint32_t n = in.below(17);
      for (uint32_t k = 0; k < n; ++k) d.bytes.push_back(in.byte());
      if (d.flags != 1) {
        d.offset = in.below(mem_bytes() + 1);
        if (d.offset + n > mem_bytes() && in.below(4) != 0) d.offset = 0;
        if (n > mem_bytes()) d.flags = 1;  // would always trap at instantiation
      }
      datas.push_back(std::move(d));
    }
  }

  // A start function, now and then.
  if (in.chance(1, 4)) {
    for (uint32_t f = num_imported_funcs; f < nfuncs; ++f) {
      if (func_types[f] == void_type) {
        start = f;
        break;
      }
    }
  }
  emit_names = in.chance(1, 2);

  for (size_t i = 0; i < globals.size(); ++i) {
    globals_by[type_slot(globals[i].type)].push_back(static_cast<uint32_t>(i));
    if (globals[i].mut) mut_globals_by[type_slot(globals[i].type)].push_back(static_cast<uint32_t>(i));
  }
  for (size_t i = 0; i < tables.size(); ++i) tables_by[type_slot(tables[i].elem)].push_back(static_cast<uint32_t>(i));
}

void section(Buf& out, uint8_t id, const Buf& content) {
  out.u8(id);
  out.uleb(content.b.size());
  out.append(content);
}

std::vector<uint8_t> ModuleGen::assemble() {
  Buf out;
  out.raw("\0asm\1\0\0\0", 8);

  {  // types
    Buf s;
    s.uleb(types.size());
    for (const FnSig& t : types) {
      s.u8(0x60);
      s.uleb(t.params.size());
      for (ValType v : t.params) s.type(v);
      s.uleb(t.results.size());
      for (ValType v : t.results) s.type(v);
    }
    section(out, 1, s);
  }
  {  // imports
    Buf s;
    uint32_t n = num_imported_funcs;
    for (const GlobalDecl& g : globals) n += g.imported;
    n += has_memory && memory_imported;
    n += table0_imported;
    s.uleb(n);
    for (uint32_t f = 0; f < num_imported_funcs; ++f) {
      s.name("env");
      s.name("f" + std::to_string(f));
      s.u8(0x00);
      s.uleb(func_types[f]);
    }
    if (table0_imported) {
      s.name("env");
      s.name("table");
      s.u8(0x01);
      s.type(tables[0].elem);
      s.u8(tables[0].limits.max ? 1 : 0);
      s.uleb(tables[0].limits.min);
      if (tables[0].limits.max) s.uleb(*tables[0].limits.max);
    }
    if (has_memory && memory_imported) {
      s.name("env");
      s.name("memory");
      s.u8(0x02);
      s.u8(mem_max ? 1 : 0);
      s.uleb(mem_min);
      if (mem_max) s.uleb(*mem_max);
    }
    for (size_t i = 0; i < globals.size(); ++i) {
      if (!globals[i].imported) continue;
      s.name("env");
      s.name("g" + std::to_string(i));
      s.u8(0x03);
      s.type(globals[i].type);
      s.u8(globals[i].mut);
    }
    section(out, 2, s);
  }
  {  // functions
    Buf s;
    s.uleb(func_types.size() - num_imported_funcs);
    for (size_t f = num_imported_funcs; f < func_types.size(); ++f) s.uleb(func_types[f]);
    section(out, 3, s);
  }
  {  // tables
    Buf s;
    s.uleb(tables.size() - table0_imported);
    for (size_t i = table0_imported; i < tables.size(); ++i) {
      s.type(tables[i].elem);
      s.u8(tables[i].limits.max ? 1 : 0);
      s.uleb(tables[i].limits.min);
      if (tables[i].limits.max) s.uleb(*tables[i].limits.max);
    }
    section(out, 4, s);
  }
  if (has_memory && !memory_imported) {
    Buf s;
    s.uleb(1);
    s.u8(mem_max ? 1 : 0);
    s.uleb(mem_min);
    if (mem_max) s.uleb(*mem_max);
    section(out, 5, s);
  }
  {  // globals
    Buf s;
    uint32_t n = 0;
    for (const GlobalDecl& g : globals) n += !g.imported;
    s.uleb(n);
    for (const GlobalDecl& g : globals) {
      if (g.imported) continue;
      s.type(g.type);
      s.u8(g.mut);
      const_expr(s, g.type);
    }
    section(out, 6, s);
  }
  {  // exports: every function, the memory, the tables, the globals
    Buf s;
    s.uleb(func_types.size() + has_memory + tables.size() + globals.size());
    for (size_t f = 0; f < func_types.size(); ++f) {
      s.name("f" + std::to_string(f));
      s.u8(0x00);
      s.uleb(f);
    }
    if (has_memory) {
      s.name("memory");
      s.u8(0x02);
      s.uleb(0);
    }
    for (size_t i = 0; i < tables.size(); ++i) {
      s.name("table" + std::to_string(i));
      s.u8(0x01);
      s.uleb(i);
    }
    for (size_t i = 0; i < globals.size(); ++i) {
      s.name("g" + std::to_string(i));
      s.u8(0x03);
      s.uleb(i);
    }
    section(out, 7, s);
  }
  if (start) {
    Buf s;
    s.uleb(*start);
    section(out, 8, s);
  }
  {  // elements
    Buf s;
    s.uleb(elems.size());
    for (const ElemDecl& e : elems) {
      s.u8(e.flags);
      auto offset = [&] {
        s.op(Op::I32Const);
        s.sleb(static_cast<int32_t>(e.offset));
        s.u8(0x0B);
      };
      switch (e.flags) {
        case 0: offset(); break;
        case 1: case 3: s.u8(0x00); break;
        case 2: s.uleb(e.table); offset(); s.u8(0x00); break;
        case 4: offset(); break;
        case 5: case 7: s.type(e.type); break;
        case 6: s.uleb(e.table); offset(); s.type(e.type); break;
        default: break;
      }
      if (e.flags < 4) {
        s.uleb(e.funcs.size());
        for (uint32_t f : e.funcs) s.uleb(f);
      } else {
        s.uleb(e.exprs.size());
        for (const auto& x : e.exprs) {
          if (x) {
            s.op(Op::RefFunc);
            s.uleb(*x);
          } else {
            s.op(Op::RefNull);
            s.type(e.type);
          }
          s.u8(0x0B);
        }
      }
    }
    section(out, 9, s);
  }
  if (has_memory) {  // data count
    Buf s;
    s.uleb(datas.size());
    section(out, 12, s);
  }
  {  // code
    Buf s;
    s.uleb(bodies.size());
    for (const Buf& body : bodies) {
      s.uleb(body.b.size());
      s.append(body);
    }
    section(out, 10, s);
  }
  if (has_memory) {  // data
    Buf s;
    s.uleb(datas.size());
    for (const DataDecl& d : datas) {
      s.u8(d.flags);
      if (d.flags == 2) s.uleb(0);
      if (d.flags != 1) {
        s.op(Op::I32Const);
        s.sleb(static_cast<int32_t>(d.offset));
        s.u8(0x0B);
      }
      s.uleb(d.bytes.size());
      s.raw(d.bytes.data(), d.bytes.size());
    }
    section(out, 11, s);
  }
  if (emit_names) {  // "name" custom section: module name and function names
    Buf s, sub;
    s.name("name");
    sub.name("generated");
    s.u8(0);
    s.uleb(sub.b.size());
    s.append(sub);
    Buf funcs;
    funcs.uleb(func_types.size());
    for (size_t f = 0; f < func_types.size(); ++f) {
      funcs.uleb(f);
      funcs.name("func" + std::to_string(f));
    }
    s.u8(1);
    s.uleb(funcs.b.size());
    s.append(funcs);
    section(out, 0, s);
  }
  return std::move(out.b);
}

}  // namespace

std::vector<uint8_t> generate_module(std::span<const uint8_t> data) {
  ModuleGen gen(data);
  gen.declare();
  for (uint32_t f = gen.num_imported_funcs; f < gen.func_types.size(); ++f) {
    gen.bodies.push_back(BodyGen(gen, f).generate());
  }
  return gen.assemble();
}

void dump_module(const char* path, std::span<const uint8_t> wasm) {
  if (FILE* f = std::fopen(path, "wb")) {
    std::fwrite(wasm.data(), 1, wasm.size(), f);
    std::fclose(f);
  }
}

}  // namespace wrun::fuzz
