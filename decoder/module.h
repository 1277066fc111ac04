// The decoded module: everything from the binary except executable code, which stays as byte
// ranges into `bytes` so the validator's walker (and the interpreter/JIT plugged into it) can
// read each function body once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/opcodes.h"
#include "wrun/types.h"

namespace wrun {

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t func_type = 0;  // kind == Func: type index
  TableType table;         // kind == Table
  MemoryType memory;       // kind == Memory
  GlobalType global;       // kind == Global
  size_t entry_offset = 0;  // module offset of the entry, for error messages
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
  size_t entry_offset = 0;  // module offset of the entry, for error messages
};

// One instruction of a constant expression, already decoded. The decoder accepts any
// instruction here; the validator decides which ones are constant.
struct ConstInstr {
  Op op = Op::Nop;
  uint64_t imm = 0;  // i32/i64 value (sign-extended), f32/f64 bits, index, or ref type byte
  uint64_t imm_hi = 0;  // v128.const: bytes 8..15 (imm holds bytes 0..7)
};

struct ConstExpr {
  // Without the final `end`, and without what follows the first instruction that is not
  // constant (the expression is invalid there, and a body of nops would take 24 bytes each).
  std::vector<ConstInstr> instrs;
  size_t offset = 0;               // module offset of the first instruction
};

struct GlobalDef {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

// An element of ElemSegment::funcs that stands for ref.null (function indices are smaller).
constexpr uint32_t kNullRef = UINT32_MAX;

struct ElemSegment {
  SegmentMode mode = SegmentMode::Passive;
  ValType elem_type = ValType::FuncRef;
  bool uses_exprs = false;  // the binary lists expressions (kinds 4-7), not function indices
  uint32_t table = 0;       // active only
  ConstExpr offset;         // active only
  // The elements, in one of two forms. A segment may have ten million, so function indices and
  // expressions that are one ref.func or ref.null of the segment's type (all that toolchains
  // emit) take 4 bytes each in `funcs` (kNullRef for ref.null). If any expression is something
  // else (a global.get), all of them are in `exprs` instead and `funcs` is empty.
  std::vector<uint32_t> funcs;
  std::vector<ConstExpr> exprs;
  size_t entry_offset = 0;  // module offset of the segment, for error messages
  size_t elems_offset = 0;  // module offset of the first element (see uses_exprs)

  size_t size() const { return exprs.empty() ? funcs.size() : exprs.size(); }
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Passive;  // never Declarative
  uint32_t memory = 0;
  ConstExpr offset;                // active only
  size_t data_offset = 0;          // module offset of the bytes
  uint32_t data_size = 0;
  size_t entry_offset = 0;         // module offset of the segment, for error messages
};

struct LocalDecl {
  uint32_t count = 0;
  ValType type = ValType::I32;
};

// One per defined function, so kept small: offsets fit 32 bits in a module of at most
// limits::kModuleBytes, and the local declarations of all bodies share one vector.
struct FuncBody {
  uint32_t body_offset = 0;  // module offset of the body (after its size field)
  uint32_t body_size = 0;
  uint32_t code_offset = 0;       // module offset of the first instruction (after local decls)
  uint32_t num_locals = 0;        // declared locals, excluding params
  uint32_t first_local_decl = 0;  // its declarations: DecodedModule::local_decls from here
  uint32_t num_local_decls = 0;   // (those declaring no local are left out)
};

// Module offsets, not copies: a module may hold millions of tiny custom sections.
struct CustomSection {
  uint32_t name_offset = 0;  // module offset of the name's bytes (DecodedModule::name_of)
  uint32_t name_size = 0;
  uint32_t offset = 0;  // module offset of the payload (after the name)
  uint32_t size = 0;
};

// A function's name from the name section, as a module offset (DecodedModule::func_name).
struct FuncName {
  uint32_t func_index = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
};

// Module offsets of declarations the IR does not otherwise locate, so validation errors can
// point at them. Empty in hand-built modules; the validator then reports offset 0.
struct DeclOffsets {
  std::vector<uint32_t> funcs;     // per defined function: its type index in the function section
  std::vector<uint32_t> tables;    // per defined table
  std::vector<uint32_t> memories;  // per defined memory
  size_t start = 0;                // the start section's function index
};

struct DecodedModule {
  std::vector<uint8_t> bytes;  // the whole binary, kept for function bodies and data

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> funcs;      // type index of every function, imported ones first
  std::vector<TableType> tables;    // imported ones first
  std::vector<MemoryType> memories; // imported ones first
  std::vector<GlobalDef> globals;    // defined globals only (imports are in `imports`)
  std::vector<GlobalType> global_types;  // every global's type, imported ones first
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> data_count;
  std::vector<FuncBody> code;       // one per defined (non-imported) function
  std::vector<LocalDecl> local_decls;  // of every body, in order (FuncBody::first_local_decl)
  std::vector<CustomSection> customs;

  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  // From the `name` custom section when present and well-formed; empty otherwise.
  std::string module_name;
  std::vector<FuncName> func_names;  // the named functions, by ascending index

  DeclOffsets decl_offsets;

  const FuncType& func_type(uint32_t func_index) const { return types[funcs[func_index]]; }
  std::span<const LocalDecl> locals(const FuncBody& body) const {
    return std::span<const LocalDecl>(local_decls)
        .subspan(body.first_local_decl, body.num_local_decls);
  }
  std::span<const uint8_t> data_bytes(const DataSegment& d) const {
    return std::span<const uint8_t>(bytes).subspan(d.data_offset, d.data_size);
  }
  std::string_view text_at(uint32_t offset, uint32_t size) const {
    if (offset > bytes.size() || size > bytes.size() - offset) return {};
    return {reinterpret_cast<const char*>(bytes.data()) + offset, size};
  }
  std::string_view name_of(const CustomSection& c) const {
    return text_at(c.name_offset, c.name_size);
  }
  // "" when the function has no name.
  std::string_view func_name(uint32_t func_index) const {
    auto it = std::lower_bound(func_names.begin(), func_names.end(), func_index,
                               [](const FuncName& n, uint32_t i) { return n.func_index < i; });
    if (it == func_names.end() || it->func_index != func_index) return {};
    return text_at(it->offset, it->size);
  }
};

// Parses a binary module. Structural errors only ("malformed" in spec terms); type rules
// are the validator's job. Never reads out of bounds, whatever the input.
struct DecodeResult {
  std::shared_ptr<DecodedModule> module;  // null on error
  Error error;
};
DecodeResult decode_module(std::span<const uint8_t> bytes);

}  // namespace wrun
