// Decodes the WebAssembly 2.0 binary format into a DecodedModule. Function bodies are only
// located (size, local declarations); their instructions are read by the validator's walker.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "decoder/limits.h"
#include "decoder/module.h"
#include "decoder/reader.h"

namespace wrun {

namespace {

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};    // "\0asm"
constexpr uint8_t kVersion[4] = {0x01, 0x00, 0x00, 0x00};  // 1, little-endian

enum SectionId : uint8_t {
  kCustomSection = 0,
  kTypeSection = 1,
  kImportSection = 2,
  kFunctionSection = 3,
  kTableSection = 4,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kStartSection = 8,
  kElementSection = 9,
  kCodeSection = 10,
  kDataSection = 11,
  kDataCountSection = 12,
};

// Known sections must appear in this order; data count (12) sits between element and code.
int section_rank(uint8_t id) {
  switch (id) {
    case kDataCountSection:
      return 10;
    case kCodeSection:
      return 11;
    case kDataSection:
      return 12;
    default:
      return id;
  }
}

// Fails unless `count` things (what the module at `at` declares, plus any before them) are
// within the implementation limit (decoder/limits.h).
void check_limit(size_t at, uint64_t count, uint64_t limit, const char* what) {
  if (count > limit) {
    Reader::fail_at(at, std::string("too many ") + what + ": " + std::to_string(count) +
                            " (limit " + std::to_string(limit) + ")");
  }
}

// Reads a vector's count and checks it against its limit, `before` counting what earlier
// sections already declared in the same index space.
uint32_t read_count(Reader& r, uint64_t limit, const char* what, uint64_t before = 0) {
  const size_t at = r.offset();
  const uint32_t n = r.u32();
  check_limit(at, before + n, limit, what);
  return n;
}

// Every vector element occupies at least one byte, so clamping a reservation to the bytes
// left keeps a forged count from allocating memory; the read loop then fails at the end.
template <typename T>
void reserve_for(std::vector<T>& v, uint32_t count, const Reader& r) {
  v.reserve(std::min<size_t>(count, r.remaining()));
}

ValType read_val_type(Reader& r) {
  const size_t at = r.offset();
  const uint8_t b = r.u8();
  if (!is_val_type_byte(b)) Reader::fail_at(at, "malformed value type");
  return static_cast<ValType>(b);
}

ValType read_ref_type(Reader& r) {
  const size_t at = r.offset();
  const uint8_t b = r.u8();
  if (b != static_cast<uint8_t>(ValType::FuncRef) && b != static_cast<uint8_t>(ValType::ExternRef))
    Reader::fail_at(at, "malformed reference type");
  return static_cast<ValType>(b);
}

// Reserved memory-index immediates are a single zero byte in 2.0 (not a LEB zero).
void read_zero_byte(Reader& r) {
  const size_t at = r.offset();
  if (r.u8() != 0) Reader::fail_at(at, "zero byte expected");
}

Limits read_limits(Reader& r) {
  const size_t at = r.offset();
  const uint8_t flags = r.u8();
  // The flag is a one-byte LEB128 in the spec's decoder, hence these messages.
  if (flags & 0x80) Reader::fail_at(at, "integer representation too long");
  if (flags > 1) Reader::fail_at(at, "integer too large");
  Limits limits;
  limits.min = r.u32();
  if (flags == 1) limits.max = r.u32();
  return limits;
}

TableType read_table_type(Reader& r) {
  TableType t;
  t.elem = read_ref_type(r);
  t.limits = read_limits(r);
  return t;
}

GlobalType read_global_type(Reader& r) {
  GlobalType g;
  g.type = read_val_type(r);
  const size_t at = r.offset();
  const uint8_t mut = r.u8();
  if (mut > 1) Reader::fail_at(at, "malformed mutability");
  g.mut = mut == 1;
  return g;
}

// Reads the immediates of `imm`, returning the first one (what ConstInstr keeps); a v128
// immediate's high 8 bytes go to `hi`.
uint64_t read_immediates(Reader& r, Imm imm, uint64_t& hi) {
  switch (imm) {
    case Imm::None:
      return 0;
    case Imm::Block: {
      const uint8_t b = r.peek_u8();
      if (b == 0x40 || is_val_type_byte(b)) return r.u8();
      return static_cast<uint64_t>(r.s33());
    }
    case Imm::Label:
    case Imm::Func:
    case Imm::Local:
    case Imm::Global:
    case Imm::Table:
    case Imm::Data:
    case Imm::Elem:
      return r.u32();
    case Imm::BrTable: {
      const uint32_t n = r.u32();
      for (uint32_t i = 0; i < n; ++i) r.u32();  // each label takes a byte: ends at the end
      return r.u32();
    }
    case Imm::CallIndirect:
    case Imm::TableInit:
    case Imm::TableCopy: {
      const uint32_t first = r.u32();
      r.u32();
      return first;
    }
    case Imm::SelectT: {
      const uint32_t n = r.u32();
      for (uint32_t i = 0; i < n; ++i) read_val_type(r);
      return n;
    }
    case Imm::MemArg: {
      const uint32_t align = r.u32();
      r.u32();
      return align;
    }
    case Imm::Mem:
      read_zero_byte(r);
      return 0;
    case Imm::I32:
      return static_cast<uint64_t>(static_cast<int64_t>(r.s32()));
    case Imm::I64:
      return static_cast<uint64_t>(r.s64());
    case Imm::F32:
      return r.fixed32();
    case Imm::F64:
      return r.fixed64();
    case Imm::RefType:
      return static_cast<uint8_t>(read_ref_type(r));
    case Imm::MemoryInit: {
      const uint32_t data = r.u32();
      read_zero_byte(r);
      return data;
    }
    case Imm::MemoryCopy:
      read_zero_byte(r);
      read_zero_byte(r);
      return 0;
    case Imm::V128: {
      const uint64_t lo = r.fixed64();
      hi = r.fixed64();
      return lo;
    }
    case Imm::Shuffle:
      r.skip(16);
      return 0;
    case Imm::Lane:
      return r.u8();
    case Imm::MemArgLane: {
      const uint32_t align = r.u32();
      r.u32();
      r.u8();
      return align;
    }
  }
  return 0;
}

// Whether `op` is one of the instructions a 2.0 constant expression may hold (the validator
// checks their immediates and types).
bool is_constant_instr(Op op) {
  switch (op) {
    case Op::I32Const:
    case Op::I64Const:
    case Op::F32Const:
    case Op::F64Const:
    case Op::V128Const:
    case Op::RefNull:
    case Op::RefFunc:
    case Op::GlobalGet:
      return true;
    default:
      return false;
  }
}

// A constant expression: instructions up to the `end` that closes it. Any known instruction
// is accepted (nested blocks included, so the right `end` is found); the validator decides
// which are constant. It rejects the expression at the first that is not, so nothing after
// that one is kept: a 10 MB run of `nop`s would otherwise be 240 MB of ConstInstrs.
ConstExpr read_const_expr(Reader& r) {
  ConstExpr e;
  e.offset = r.offset();
  uint32_t depth = 0;
  bool keep = true;
  for (;;) {
    const size_t at = r.offset();
    const uint8_t b = r.u8();
    std::optional<Op> op =
        b == 0xFC || b == 0xFD ? op_from_prefixed(b, r.u32()) : op_from_byte(b);
    if (!op) Reader::fail_at(at, "illegal opcode");
    if (*op == Op::End) {
      if (depth == 0) return e;
      --depth;
    } else if (*op == Op::Block || *op == Op::Loop || *op == Op::If) {
      ++depth;
    }
    ConstInstr in{*op, 0, 0};
    in.imm = read_immediates(r, op_info(*op).imm, in.imm_hi);
    if (keep) e.instrs.push_back(in);
    keep = keep && is_constant_instr(*op);
  }
}

// Reads `count` element expressions into seg.funcs if each is one ref.func or ref.null of the
// segment's type (ElemSegment); otherwise reads nothing and returns false.
bool read_ref_exprs(Reader& r, ElemSegment& seg, uint32_t count) {
  constexpr uint8_t kRefNull = 0xD0, kRefFunc = 0xD2, kEnd = 0x0B;
  Reader p = r;
  reserve_for(seg.funcs, count, p);
  try {
    for (uint32_t k = 0; k < count; ++k) {
      const uint8_t op = p.u8();
      uint32_t ref = kNullRef;
      if (op == kRefFunc && seg.elem_type == ValType::FuncRef) {
        ref = p.u32();
      } else if (op != kRefNull || p.u8() != static_cast<uint8_t>(seg.elem_type)) {
        break;
      }
      if (p.u8() != kEnd) break;
      seg.funcs.push_back(ref);
    }
  } catch (const DecodeError&) {
    // Malformed input: read_const_expr reports it.
  }
  if (seg.funcs.size() != count) {
    std::vector<uint32_t>().swap(seg.funcs);
    return false;
  }
  r = p;
  return true;
}

class ModuleDecoder {
 public:
  explicit ModuleDecoder(DecodedModule& m) : m_(m) {}

  void decode() {
    Reader r(m_.bytes.data(), m_.bytes.size());
    if (std::memcmp(r.bytes(4).data(), kMagic, 4) != 0)
      Reader::fail_at(0, "magic header not detected");
    if (std::memcmp(r.bytes(4).data(), kVersion, 4) != 0)
      Reader::fail_at(4, "unknown binary version");

    int last_rank = 0;
    while (!r.at_end()) {
      const size_t id_offset = r.offset();
      const uint8_t id = r.u8();
      if (id > kDataCountSection) Reader::fail_at(id_offset, "malformed section id");
      const uint32_t size = r.u32();
      if (size > r.remaining()) r.fail("length out of bounds");
      if (id != kCustomSection) {
        const int rank = section_rank(id);
        if (rank <= last_rank) Reader::fail_at(id_offset, "unexpected content after last section");
        last_rank = rank;
      }
      // A section's contents are read up to the end of the file, not of the section, and
      // then checked against the declared size. A count that overstates the contents thus
      // fails on the bytes that follow, as in the spec's reference decoder, whose messages
      // the spec tests expect.
      const size_t section_end = r.offset() + size;
      Reader section(r.pos(), r.remaining(), r.offset());
      try {
        decode_section(id, section, section_end);
      } catch (DecodeError& e) {
        // Running out of bytes inside a section is the section's fault, not the file's.
        if (e.error.message == "unexpected end")
          e.error.message = "unexpected end of section or function";
        throw;
      }
      if (section.offset() > section_end)
        Reader::fail_at(section_end, "unexpected end of section or function");
      if (section.offset() < section_end) section.fail("section size mismatch");
      r.skip(size);
    }

    const size_t end = r.offset();
    if (!has_code_ && m_.funcs.size() != m_.num_imported_funcs)
      Reader::fail_at(end, "function and code section have inconsistent lengths");
    if (!has_data_ && m_.data_count.value_or(0) != 0)
      Reader::fail_at(end, "data count and data section have inconsistent lengths");
    decode_names();
  }

 private:
  void decode_section(uint8_t id, Reader& r, size_t end) {
    switch (id) {
      case kCustomSection:
        return decode_custom(r, end);
      case kTypeSection:
        return decode_types(r);
      case kImportSection:
        return decode_imports(r);
      case kFunctionSection:
        return decode_functions(r);
      case kTableSection:
        return decode_tables(r);
      case kMemorySection:
        return decode_memories(r);
      case kGlobalSection:
        return decode_globals(r);
      case kExportSection:
        return decode_exports(r);
      case kStartSection:
        m_.decl_offsets.start = r.offset();
        m_.start = r.u32();
        return;
      case kElementSection:
        return decode_elements(r);
      case kCodeSection:
        return decode_code(r);
      case kDataSection:
        return decode_data(r);
      case kDataCountSection:
        m_.data_count = read_count(r, limits::kDataSegments, "data segments");
        return;
    }
  }

  void decode_custom(Reader& r, size_t end) {
    CustomSection c;
    const std::span<const uint8_t> name = r.name_bytes();
    c.name_offset = static_cast<uint32_t>(r.offset() - name.size());
    c.name_size = static_cast<uint32_t>(name.size());
    c.offset = static_cast<uint32_t>(r.offset());
    if (c.offset > end) Reader::fail_at(end, "unexpected end of section or function");
    c.size = static_cast<uint32_t>(end - c.offset);
    r.skip(c.size);
    // Parsed once everything else is known (it may precede the function section).
    if (m_.name_of(c) == "name" && !name_section_) name_section_ = c;
    m_.customs.push_back(std::move(c));
  }

  void decode_types(Reader& r) {
    const uint32_t n = read_count(r, limits::kTypes, "types");
    reserve_for(m_.types, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      const size_t at = r.offset();
      const uint8_t form = r.u8();
      if (form != 0x60) {
        // The spec's decoder reads the form as a one-byte signed LEB128.
        if (form & 0x80) Reader::fail_at(at, "integer representation too long");
        Reader::fail_at(at, "malformed function type");
      }
      FuncType t;
      read_val_types(r, t.params, limits::kParams, "params");
      read_val_types(r, t.results, limits::kResults, "results");
      m_.types.push_back(std::move(t));
    }
  }

  static void read_val_types(Reader& r, std::vector<ValType>& out, uint32_t limit,
                             const char* what) {
    const uint32_t n = read_count(r, limit, what);
    reserve_for(out, n, r);
    for (uint32_t i = 0; i < n; ++i) out.push_back(read_val_type(r));
  }

  void decode_imports(Reader& r) {
    const uint32_t n = read_count(r, limits::kImports, "imports");
    reserve_for(m_.imports, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      Import imp;
      imp.entry_offset = r.offset();
      imp.module = r.name();
      imp.name = r.name();
      const size_t kind_offset = r.offset();
      const uint8_t kind = r.u8();
      switch (kind) {
        case 0:
          check_limit(imp.entry_offset, m_.funcs.size() + 1, limits::kFunctions, "functions");
          imp.func_type = r.u32();
          m_.funcs.push_back(imp.func_type);
          ++m_.num_imported_funcs;
          break;
        case 1:
          check_limit(imp.entry_offset, m_.tables.size() + 1, limits::kTables, "tables");
          imp.table = read_table_type(r);
          m_.tables.push_back(imp.table);
          ++m_.num_imported_tables;
          break;
        case 2:
          check_limit(imp.entry_offset, m_.memories.size() + 1, limits::kMemories, "memories");
          imp.memory.limits = read_limits(r);
          m_.memories.push_back(imp.memory);
          ++m_.num_imported_memories;
          break;
        case 3:
          check_limit(imp.entry_offset, m_.global_types.size() + 1, limits::kGlobals, "globals");
          imp.global = read_global_type(r);
          m_.global_types.push_back(imp.global);
          ++m_.num_imported_globals;
          break;
        default:
          Reader::fail_at(kind_offset, "malformed import kind");
      }
      imp.kind = static_cast<ExternKind>(kind);
      m_.imports.push_back(std::move(imp));
    }
  }

  void decode_functions(Reader& r) {
    const uint32_t n = read_count(r, limits::kFunctions, "functions", m_.funcs.size());
    reserve_for(m_.funcs, n, r);
    reserve_for(m_.decl_offsets.funcs, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      m_.decl_offsets.funcs.push_back(static_cast<uint32_t>(r.offset()));
      m_.funcs.push_back(r.u32());
    }
  }

  void decode_tables(Reader& r) {
    const uint32_t n = read_count(r, limits::kTables, "tables", m_.tables.size());
    reserve_for(m_.tables, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      m_.decl_offsets.tables.push_back(static_cast<uint32_t>(r.offset()));
      m_.tables.push_back(read_table_type(r));
    }
  }

  void decode_memories(Reader& r) {
    const uint32_t n = read_count(r, limits::kMemories, "memories", m_.memories.size());
    reserve_for(m_.memories, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      m_.decl_offsets.memories.push_back(static_cast<uint32_t>(r.offset()));
      m_.memories.push_back(MemoryType{read_limits(r)});
    }
  }

  void decode_globals(Reader& r) {
    const uint32_t n = read_count(r, limits::kGlobals, "globals", m_.global_types.size());
    reserve_for(m_.globals, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      GlobalDef g;
      g.type = read_global_type(r);
      g.init = read_const_expr(r);
      m_.global_types.push_back(g.type);
      m_.globals.push_back(std::move(g));
    }
  }

  void decode_exports(Reader& r) {
    const uint32_t n = read_count(r, limits::kExports, "exports");
    reserve_for(m_.exports, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      Export e;
      e.entry_offset = r.offset();
      e.name = r.name();
      const size_t kind_offset = r.offset();
      const uint8_t kind = r.u8();
      if (kind > 3) Reader::fail_at(kind_offset, "malformed export kind");
      e.kind = static_cast<ExternKind>(kind);
      e.index = r.u32();
      m_.exports.push_back(std::move(e));
    }
  }

  // The eight element segment encodings: bit 0 = passive or declarative, bit 1 = explicit
  // table index (active) or declarative (otherwise), bit 2 = expressions instead of indices.
  void decode_elements(Reader& r) {
    const uint32_t n = read_count(r, limits::kElemSegments, "element segments");
    reserve_for(m_.elems, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      ElemSegment seg;
      seg.entry_offset = r.offset();
      const uint32_t kind = r.u32();
      if (kind > 7) Reader::fail_at(seg.entry_offset, "malformed elements segment kind");
      const bool non_active = kind & 1;
      const bool explicit_or_declarative = kind & 2;
      const bool uses_exprs = kind & 4;
      if (!non_active) {
        seg.mode = SegmentMode::Active;
        if (explicit_or_declarative) seg.table = r.u32();
        seg.offset = read_const_expr(r);
      } else {
        seg.mode = explicit_or_declarative ? SegmentMode::Declarative : SegmentMode::Passive;
      }
      // Kinds 0 and 4 have an implicit funcref type; the others spell it out.
      const bool typed = non_active || explicit_or_declarative;
      if (uses_exprs) {
        seg.elem_type = typed ? read_ref_type(r) : ValType::FuncRef;
      } else if (typed) {
        const size_t at = r.offset();
        if (r.u8() != 0x00) Reader::fail_at(at, "malformed element kind");
      }
      const uint32_t count = read_count(r, limits::kElemSegmentEntries, "elements in a segment");
      seg.uses_exprs = uses_exprs;
      seg.elems_offset = r.offset();
      if (!uses_exprs) {
        reserve_for(seg.funcs, count, r);
        for (uint32_t k = 0; k < count; ++k) seg.funcs.push_back(r.u32());
      } else if (!read_ref_exprs(r, seg, count)) {
        reserve_for(seg.exprs, count, r);
        for (uint32_t k = 0; k < count; ++k) seg.exprs.push_back(read_const_expr(r));
      }
      m_.elems.push_back(std::move(seg));
    }
  }

  void decode_code(Reader& r) {
    const size_t count_offset = r.offset();
    const uint32_t n = r.u32();
    if (n != m_.funcs.size() - m_.num_imported_funcs)
      Reader::fail_at(count_offset, "function and code section have inconsistent lengths");
    has_code_ = true;
    m_.code.reserve(n);  // equals the function count, already bounded by the input size
    for (uint32_t i = 0; i < n; ++i) {
      const size_t size_offset = r.offset();
      const uint32_t size = r.u32();
      if (size > limits::kFunctionBodyBytes) {
        Reader::fail_at(size_offset, "function body too large: " + std::to_string(size) +
                                         " bytes (limit " +
                                         std::to_string(limits::kFunctionBodyBytes) + ")");
      }
      FuncBody body;
      body.body_offset = static_cast<uint32_t>(r.offset());
      body.body_size = size;
      Reader b(r.bytes(size).data(), size, body.body_offset);
      const uint32_t decls = b.u32();
      // The limit counts the parameters too (an unknown type is the validator's to report).
      const uint32_t type = m_.funcs[m_.num_imported_funcs + i];
      const uint64_t params = type < m_.types.size() ? m_.types[type].params.size() : 0;
      uint64_t num_locals = 0;
      body.first_local_decl = static_cast<uint32_t>(m_.local_decls.size());
      for (uint32_t k = 0; k < decls; ++k) {
        const size_t at = b.offset();
        LocalDecl d;
        d.count = b.u32();
        d.type = read_val_type(b);
        num_locals += d.count;
        check_limit(at, params + num_locals, limits::kLocals, "locals");
        // Declarations of no locals are dropped, so at most kLocals are kept per body.
        if (d.count != 0) m_.local_decls.push_back(d);
      }
      body.num_locals = static_cast<uint32_t>(num_locals);
      body.num_local_decls = static_cast<uint32_t>(m_.local_decls.size() - body.first_local_decl);
      body.code_offset = static_cast<uint32_t>(b.offset());
      m_.code.push_back(std::move(body));
    }
  }

  void decode_data(Reader& r) {
    const size_t count_offset = r.offset();
    const uint32_t n = read_count(r, limits::kDataSegments, "data segments");
    if (m_.data_count && *m_.data_count != n)
      Reader::fail_at(count_offset, "data count and data section have inconsistent lengths");
    has_data_ = true;
    reserve_for(m_.datas, n, r);
    for (uint32_t i = 0; i < n; ++i) {
      DataSegment d;
      d.entry_offset = r.offset();
      const uint32_t kind = r.u32();
      switch (kind) {
        case 0:
          d.mode = SegmentMode::Active;
          d.offset = read_const_expr(r);
          break;
        case 1:
          d.mode = SegmentMode::Passive;
          break;
        case 2:
          d.mode = SegmentMode::Active;
          d.memory = r.u32();
          d.offset = read_const_expr(r);
          break;
        default:
          Reader::fail_at(d.entry_offset, "malformed data segment kind");
      }
      d.data_size = r.u32();
      d.data_offset = r.offset();
      r.skip(d.data_size);
      m_.datas.push_back(std::move(d));
    }
  }

  // The `name` custom section (module name, function names). The spec says a malformed name
  // section must not make the module malformed, so any problem drops the names silently.
  void decode_names() {
    if (!name_section_) return;
    std::string module_name;
    std::vector<FuncName> func_names;
    try {
      Reader r(m_.bytes.data() + name_section_->offset, name_section_->size, name_section_->offset);
      int last_id = -1;
      while (!r.at_end()) {
        const uint8_t id = r.u8();
        const uint32_t size = r.u32();
        if (id <= last_id) return;  // subsections are ordered and unique
        last_id = id;
        const size_t at = r.offset();
        Reader sub(r.bytes(size).data(), size, at);
        if (id == 0) {
          module_name = sub.name();
        } else if (id == 1) {
          const uint32_t n = sub.u32();
          reserve_for(func_names, n, sub);
          int64_t prev = -1;
          for (uint32_t i = 0; i < n; ++i) {
            const uint32_t index = sub.u32();
            const std::span<const uint8_t> name = sub.name_bytes();
            if (index <= prev || index >= m_.funcs.size()) return;  // unordered or unknown
            prev = index;
            const size_t at = static_cast<size_t>(name.data() - m_.bytes.data());
            func_names.push_back(
                FuncName{index, static_cast<uint32_t>(at), static_cast<uint32_t>(name.size())});
          }
        } else {
          sub.skip(sub.remaining());  // local names etc.: not used yet
        }
        if (!sub.at_end()) return;
      }
    } catch (const DecodeError&) {
      return;
    }
    m_.module_name = std::move(module_name);
    m_.func_names = std::move(func_names);
  }

  DecodedModule& m_;
  bool has_code_ = false;
  bool has_data_ = false;
  std::optional<CustomSection> name_section_;
};

}  // namespace

DecodeResult decode_module(std::span<const uint8_t> bytes) {
  // Checked before the bytes are copied (or read).
  if (bytes.size() > limits::kModuleBytes) {
    return DecodeResult{
        nullptr, Error{"module too large: " + std::to_string(bytes.size()) + " bytes (limit " +
                           std::to_string(limits::kModuleBytes) + ")",
                       0}};
  }
  auto module = std::make_shared<DecodedModule>();
  module->bytes.assign(bytes.begin(), bytes.end());
  try {
    ModuleDecoder(*module).decode();
  } catch (const DecodeError& e) {
    return DecodeResult{nullptr, e.error};
  }
  return DecodeResult{std::move(module), Error{}};
}

}  // namespace wrun
