// Opcode enumeration and per-opcode metadata, all derived from opcodes.def.
#pragma once

#include <cstdint>
#include <optional>

#include "wrun/types.h"

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
  V128,          // 16 raw bytes (v128.const)
  Shuffle,       // 16 lane indices, one byte each (i8x16.shuffle)
  Lane,          // lane index byte (extract_lane / replace_lane)
  MemArgLane,    // memarg then a lane index byte (v128.loadN_lane / storeN_lane)
};

// Stack signature of "simple" instructions (numeric and memory): result_params, with
// i=i32 l=i64 f=f32 d=f64 V=v128 and v=void (no result). One X-macro so the enum and the
// spellings parsed by sig_info() cannot drift apart.
#define WRUN_SIGS(X)                                                                        \
  X(special)                                                                                \
  X(i_) X(l_) X(f_) X(d_) X(V_)                                                             \
  X(i_i) X(l_l) X(f_f) X(d_d)                                                               \
  X(i_l) X(i_f) X(i_d) X(l_i) X(l_f) X(l_d) X(f_i) X(f_l) X(f_d) X(d_i) X(d_l) X(d_f)       \
  X(i_ii) X(l_ll) X(f_ff) X(d_dd) X(i_ll) X(i_ff) X(i_dd)                                   \
  X(v_ii) X(v_il) X(v_if) X(v_id)                                                           \
  X(V_i) X(V_l) X(V_f) X(V_d) X(i_V) X(l_V) X(f_V) X(d_V)                                   \
  X(V_V) X(V_VV) X(V_VVV) X(V_Vi) X(V_Vl) X(V_Vf) X(V_Vd) X(V_iV) X(v_iV)

enum class Sig : uint8_t {
#define WRUN_SIG_ENUM(name) name,
  WRUN_SIGS(WRUN_SIG_ENUM)
#undef WRUN_SIG_ENUM
};

struct SigInfo {
  uint8_t num_params;
  ValType params[3];
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

// Decoding: a single-byte opcode, or a prefixed one (prefix 0xFC or 0xFD + LEB u32 code).
// The single-byte table is visible here so that the walkers' per-instruction lookup inlines.
extern const int16_t* const kSingleByteOps;  // 256 entries: an Op, or -1
inline std::optional<Op> op_from_byte(uint8_t byte) {
  const int16_t i = kSingleByteOps[byte];
  if (i < 0) return std::nullopt;
  return static_cast<Op>(i);
}
std::optional<Op> op_from_prefixed(uint8_t prefix, uint32_t code);

// Bytes touched by a load or store (its natural alignment); 0 for other instructions.
uint32_t mem_access_bytes(Op op);

// Lane count of the vector a lane instruction indexes: its shape for extract/replace_lane
// (i8x16 -> 16), 16 / access size for v128.loadN_lane/storeN_lane; 0 for other instructions.
uint32_t simd_lane_count(Op op);

}  // namespace wrun
