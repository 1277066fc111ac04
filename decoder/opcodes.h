// Opcode enumeration and per-opcode metadata, all derived from opcodes.def.
#pragma once

#include <cstdint>
#include <optional>

#include "decoder/types.h"

namespace wrun {

// Internal opcode numbering: dense, so tables indexed by Op stay small.
enum class Op : uint16_t {
#define WRUN_OP(name, text, prefix, code, imm, sig) name,
#include "decoder/opcodes.def"
#undef WRUN_OP
  Count_
};
constexpr size_t kOpCount = static_cast<size_t>(Op::Count_);

// What follows an opcode in the binary format.
enum class Imm : uint8_t {
  None,
  Block,         // block type: 0x40, a value type, or a type index (s33)
  Label,         // label index (u32)
  BrTable,       // vec(label) default-label
  Func,          // function index
  CallIndirect,  // type index, table index
  SelectT,       // vec(valtype)
  Local,         // local index
  Global,        // global index
  Table,         // table index
  MemArg,        // align (u32), offset (u32)
  Mem,           // memory index (a zero byte in 2.0)
  I32,           // s32
  I64,           // s64
  F32,           // 4 raw bytes
  F64,           // 8 raw bytes
  RefType,       // reference type byte
  MemoryInit,    // data index, memory index
  Data,          // data index
  MemoryCopy,    // memory index, memory index
  TableInit,     // element index, table index
  Elem,          // element index
  TableCopy,     // table index (dst), table index (src)
};

// Stack signature of "simple" instructions (numeric and memory): result_params.
enum class Sig : uint8_t {
  special,
  i_, l_, f_, d_,
  i_i, l_l, f_f, d_d,
  i_l, i_f, i_d, l_i, l_f, l_d, f_i, f_l, f_d, d_i, d_l, d_f,
  i_ii, l_ll, f_ff, d_dd, i_ll, i_ff, i_dd,
  v_ii, v_il, v_if, v_id,
};

struct SigInfo {
  uint8_t num_params;
  ValType params[2];
  bool has_result;
  ValType result;
};

struct OpInfo {
  const char* text;
  uint8_t prefix;
  uint32_t code;
  Imm imm;
  Sig sig;
};

const OpInfo& op_info(Op op);
inline const char* op_name(Op op) { return op_info(op).text; }
SigInfo sig_info(Sig sig);

// Decoding: a single-byte opcode, or a prefixed one (prefix byte + LEB u32 code).
std::optional<Op> op_from_byte(uint8_t byte);
std::optional<Op> op_from_prefixed(uint8_t prefix, uint32_t code);

// Bytes touched by a load or store (its natural alignment); 0 for other instructions.
uint32_t mem_access_bytes(Op op);

}  // namespace wrun
