// The WebAssembly vocabulary every layer shares (decoder, validator, runtime, executors and
// the embedding API): value, function, table, memory and global types, and decode errors.
// Public: includes only the standard library. Defined in decoder/ (types.cc, escape_name.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wrun {

// Value types use their binary encoding as the enumerator value, so the decoder can map a byte
// straight to a type after checking it is one of these.
enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
  // Not encodable: the validator's "unknown" operand on a polymorphic (unreachable) stack.
  Bot = 0x00,
};

inline bool is_num_type(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64;
}
inline bool is_ref_type(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
inline bool is_val_type_byte(uint8_t b) {
  return b == 0x7F || b == 0x7E || b == 0x7D || b == 0x7C || b == 0x7B || b == 0x70 || b == 0x6F;
}
const char* val_type_name(ValType t);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};
std::string func_type_to_string(const FuncType& t);

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool operator==(const Limits&) const = default;
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

struct GlobalType {
  ValType type = ValType::I32;
  bool mut = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
const char* extern_kind_name(ExternKind k);

constexpr uint64_t kPageSize = 65536;
constexpr uint32_t kMaxPages32 = 65536;  // 4 GiB of 32-bit address space

// A decode or validation error: a message close to the spec tests' expected text, and the
// byte offset in the module where it was detected.
struct Error {
  std::string message;
  size_t offset = 0;
  std::string to_string() const;
};

// `name` as text that is safe to print: backslash and double quote get a backslash; control
// characters (C0, DEL, C1), line separators, bidirectional controls and bytes that are not
// well-formed UTF-8 become \xHH, one per byte. For names a module chooses (imports, exports,
// the name section), so that printing one cannot send a terminal escape sequence or rewrite the
// line it is on. The engine's own messages use it; tools printing such names must too.
std::string escape_name(std::string_view name);

}  // namespace wrun
