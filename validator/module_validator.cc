// Module-level validation (WebAssembly 2.0): everything outside function bodies. Messages
// follow the spec tests' expected text; index errors name the index ("unknown global 3").
// The module may be hand-built, so every index is bounds-checked rather than trusted.
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>

#include "decoder/limits.h"
#include "decoder/reader.h"
#include "validator/validator.h"

namespace wrun {

namespace {

constexpr uint64_t kMaxTableSize = 0xFFFFFFFFu;

struct Invalid {
  Error error;
};

[[noreturn]] void fail(size_t offset, std::string message) {
  throw Invalid{Error{std::move(message), offset}};
}

std::string unknown(const char* what, uint64_t index) {
  return std::string("unknown ") + what + " " + std::to_string(index);
}

size_t offset_or_zero(const std::vector<uint32_t>& offsets, size_t i) {
  return i < offsets.size() ? offsets[i] : 0;
}

class ModuleValidator {
 public:
  explicit ModuleValidator(const DecodedModule& m) : m_(m) {}

  void run() {
    check_imports();
    check_functions();
    check_tables();
    check_memories();
    check_globals();
    check_elems();
    check_datas();
    check_start();
    check_exports();
  }

 private:
  void check_imports() {
    for (const Import& imp : m_.imports) {
      switch (imp.kind) {
        case ExternKind::Func:
          if (imp.func_type >= m_.types.size())
            fail(imp.entry_offset, unknown("type", imp.func_type));
          break;
        case ExternKind::Table:
          check_table_limits(imp.table.limits, imp.entry_offset);
          break;
        case ExternKind::Memory:
          check_memory_limits(imp.memory.limits, imp.entry_offset);
          break;
        case ExternKind::Global:
          break;
      }
    }
  }

  void check_functions() {
    for (size_t i = m_.num_imported_funcs; i < m_.funcs.size(); ++i) {
      if (m_.funcs[i] >= m_.types.size()) {
        fail(offset_or_zero(m_.decl_offsets.funcs, i - m_.num_imported_funcs),
             unknown("type", m_.funcs[i]));
      }
    }
    if (m_.funcs.size() < m_.num_imported_funcs ||
        m_.code.size() != m_.funcs.size() - m_.num_imported_funcs)
      fail(0, "function and code section have inconsistent lengths");
  }

  void check_tables() {
    for (size_t i = m_.num_imported_tables; i < m_.tables.size(); ++i) {
      check_table_limits(m_.tables[i].limits,
                         offset_or_zero(m_.decl_offsets.tables, i - m_.num_imported_tables));
    }
  }

  void check_memories() {
    if (m_.memories.size() > 1) {
      // Point at the second memory: the first one too many.
      const size_t at =
          m_.num_imported_memories >= 2
              ? nth_import_offset(ExternKind::Memory, 1)
              : offset_or_zero(m_.decl_offsets.memories, 1 - m_.num_imported_memories);
      fail(at, "multiple memories");
    }
    for (size_t i = m_.num_imported_memories; i < m_.memories.size(); ++i) {
      check_memory_limits(m_.memories[i].limits,
                          offset_or_zero(m_.decl_offsets.memories, i - m_.num_imported_memories));
    }
  }

  // In 2.0 a global's initializer may only read imported globals (the context C').
  void check_globals() {
    const size_t visible = std::min<size_t>(m_.num_imported_globals, m_.global_types.size());
    for (const GlobalDef& g : m_.globals) check_const_expr(g.init, g.type.type, visible);
  }

  void check_elems() {
    for (const ElemSegment& seg : m_.elems) {
      if (!is_ref_type(seg.elem_type)) fail(seg.entry_offset, "malformed reference type");
      if (seg.mode == SegmentMode::Active) {
        if (seg.table >= m_.tables.size()) fail(seg.entry_offset, unknown("table", seg.table));
        if (m_.tables[seg.table].elem != seg.elem_type) fail(seg.entry_offset, "type mismatch");
        check_const_expr(seg.offset, ValType::I32, m_.global_types.size());
      }
      for (const ConstExpr& init : seg.exprs)
        check_const_expr(init, seg.elem_type, m_.global_types.size());
      for (size_t k = 0; k < seg.funcs.size(); ++k) {
        const uint32_t ref = seg.funcs[k];
        if (ref == kNullRef) continue;
        if (ref >= m_.funcs.size()) fail(element_offset(seg, k), unknown("function", ref));
        if (seg.elem_type != ValType::FuncRef) fail(element_offset(seg, k), "type mismatch");
      }
    }
  }

  // The module offset of element k of a segment in the compact form, which keeps none: its
  // elements are read again up to k (ElemSegment::funcs says what each can be).
  size_t element_offset(const ElemSegment& seg, size_t k) const {
    try {
      if (seg.elems_offset > m_.bytes.size()) return seg.entry_offset;
      Reader r(m_.bytes.data() + seg.elems_offset, m_.bytes.size() - seg.elems_offset,
               seg.elems_offset);
      for (size_t i = 0; i < k; ++i) {
        if (!seg.uses_exprs) {
          r.u32();
        } else if (r.u8() == 0xD2) {  // ref.func x end
          r.u32();
          r.u8();
        } else {  // ref.null t end
          r.skip(2);
        }
      }
      return r.offset();
    } catch (const DecodeError&) {
      return seg.entry_offset;
    }
  }

  void check_datas() {
    for (const DataSegment& d : m_.datas) {
      if (d.mode == SegmentMode::Declarative) fail(d.entry_offset, "malformed data segment kind");
      if (d.mode != SegmentMode::Active) continue;
      if (d.memory >= m_.memories.size()) fail(d.entry_offset, unknown("memory", d.memory));
      check_const_expr(d.offset, ValType::I32, m_.global_types.size());
    }
    if (m_.data_count && *m_.data_count != m_.datas.size())
      fail(0, "data count and data section have inconsistent lengths");
  }

  void check_start() {
    if (!m_.start) return;
    const uint32_t f = *m_.start;
    const size_t at = m_.decl_offsets.start;
    if (f >= m_.funcs.size()) fail(at, unknown("function", f));
    if (m_.funcs[f] >= m_.types.size()) fail(at, unknown("type", m_.funcs[f]));
    const FuncType& t = m_.types[m_.funcs[f]];
    if (!t.params.empty() || !t.results.empty()) fail(at, "start function");
  }

  void check_exports() {
    std::unordered_set<std::string_view> names;
    names.reserve(m_.exports.size());
    for (const Export& e : m_.exports) {
      if (!names.insert(e.name).second) fail(e.entry_offset, "duplicate export name");
      size_t count = 0;
      const char* what = "";
      switch (e.kind) {
        case ExternKind::Func:
          count = m_.funcs.size(), what = "function";
          break;
        case ExternKind::Table:
          count = m_.tables.size(), what = "table";
          break;
        case ExternKind::Memory:
          count = m_.memories.size(), what = "memory";
          break;
        case ExternKind::Global:
          count = m_.global_types.size(), what = "global";
          break;
      }
      if (e.index >= count) fail(e.entry_offset, unknown(what, e.index));
    }
  }

  // Limits are checked against the range before min <= max, as the spec's validator does.
  static void check_memory_limits(const Limits& l, size_t at) {
    constexpr const char* kTooBig = "memory size must be at most 65536 pages (4GiB)";
    if (l.min > kMaxPages32) fail(at, kTooBig);
    if (l.max && *l.max > kMaxPages32) fail(at, kTooBig);
    if (l.max && l.min > *l.max) fail(at, "size minimum must not be greater than maximum");
  }

  static void check_table_limits(const Limits& l, size_t at) {
    constexpr const char* kTooBig = "table size must be at most 2^32-1";
    if (l.min > kMaxTableSize) fail(at, kTooBig);
    if (l.max && *l.max > kMaxTableSize) fail(at, kTooBig);
    if (l.max && l.min > *l.max) fail(at, "size minimum must not be greater than maximum");
    // The implementation limit comes last, so the spec's own rules keep their messages.
    if (l.min > limits::kTableSize) {
      fail(at, "table too large: " + std::to_string(l.min) + " entries (limit " +
                   std::to_string(limits::kTableSize) + ")");
    }
  }

  // 2.0 constant instructions: t.const, ref.null, ref.func, and global.get of an immutable
  // global among the first `visible_globals`. The result must be exactly one `expected`.
  void check_const_expr(const ConstExpr& e, ValType expected, size_t visible_globals) const {
    std::vector<ValType> stack;
    for (const ConstInstr& in : e.instrs) {
      switch (in.op) {
        case Op::I32Const:
          stack.push_back(ValType::I32);
          break;
        case Op::I64Const:
          stack.push_back(ValType::I64);
          break;
        case Op::F32Const:
          stack.push_back(ValType::F32);
          break;
        case Op::F64Const:
          stack.push_back(ValType::F64);
          break;
        case Op::V128Const:
          stack.push_back(ValType::V128);
          break;
        case Op::RefNull: {
          const auto t = static_cast<ValType>(in.imm);
          if (in.imm > 0xFF || !is_ref_type(t)) fail(e.offset, "malformed reference type");
          stack.push_back(t);
          break;
        }
        case Op::RefFunc:
          if (in.imm >= m_.funcs.size()) fail(e.offset, unknown("function", in.imm));
          stack.push_back(ValType::FuncRef);
          break;
        case Op::GlobalGet:
          if (in.imm >= visible_globals) fail(e.offset, unknown("global", in.imm));
          if (m_.global_types[in.imm].mut) fail(e.offset, "constant expression required");
          stack.push_back(m_.global_types[in.imm].type);
          break;
        default:
          fail(e.offset, "constant expression required");
      }
    }
    if (stack.size() != 1 || stack[0] != expected) fail(e.offset, "type mismatch");
  }

  size_t nth_import_offset(ExternKind kind, size_t n) const {
    for (const Import& imp : m_.imports) {
      if (imp.kind == kind && n-- == 0) return imp.entry_offset;
    }
    return 0;
  }

  const DecodedModule& m_;
};

}  // namespace

std::optional<Error> validate_module(const DecodedModule& module) {
  try {
    ModuleValidator(module).run();
  } catch (const Invalid& e) {
    return e.error;
  }
  return std::nullopt;
}

std::vector<bool> declared_func_refs(const DecodedModule& module) {
  std::vector<bool> refs(module.funcs.size());
  auto mark = [&refs](const ConstExpr& e) {
    for (const ConstInstr& in : e.instrs) {
      if (in.op == Op::RefFunc && in.imm < refs.size()) refs[in.imm] = true;
    }
  };
  for (const GlobalDef& g : module.globals) mark(g.init);
  for (const ElemSegment& seg : module.elems) {
    mark(seg.offset);
    for (const ConstExpr& init : seg.exprs) mark(init);
    for (uint32_t ref : seg.funcs) {
      if (ref < refs.size()) refs[ref] = true;
    }
  }
  for (const Export& e : module.exports) {
    if (e.kind == ExternKind::Func && e.index < refs.size()) refs[e.index] = true;
  }
  return refs;
}

}  // namespace wrun
