#include "decoder/opcodes.h"

#include <array>

namespace wrun {

namespace {

constexpr OpInfo kOpInfo[] = {
#define WRUN_OP(name, text, prefix, code, imm, sig) {text, prefix, code, Imm::imm, Sig::sig},
#include "decoder/opcodes.def"
#undef WRUN_OP
};
static_assert(std::size(kOpInfo) == kOpCount);

constexpr ValType letter_type(char c) {
  switch (c) {
    case 'i': return ValType::I32;
    case 'l': return ValType::I64;
    case 'f': return ValType::F32;
    case 'd': return ValType::F64;
    default: return ValType::Bot;
  }
}

// Builds a SigInfo from the enumerator spelling, e.g. "i_ll" -> [i64 i64] -> [i32].
constexpr SigInfo parse_sig(const char* s) {
  SigInfo info{0, {ValType::Bot, ValType::Bot}, false, ValType::Bot};
  if (s[0] != 'v') {
    info.has_result = true;
    info.result = letter_type(s[0]);
  }
  for (const char* p = s + 2; *p; ++p) info.params[info.num_params++] = letter_type(*p);
  return info;
}

constexpr const char* kSigNames[] = {
    "special", "i_", "l_", "f_", "d_", "i_i", "l_l", "f_f", "d_d", "i_l", "i_f", "i_d",
    "l_i", "l_f", "l_d", "f_i", "f_l", "f_d", "d_i", "d_l", "d_f", "i_ii", "l_ll", "f_ff",
    "d_dd", "i_ll", "i_ff", "i_dd", "v_ii", "v_il", "v_if", "v_id",
};

struct ByteTables {
  std::array<int16_t, 256> single{};
  std::array<int16_t, 32> fc{};
  constexpr ByteTables() {
    for (auto& e : single) e = -1;
    for (auto& e : fc) e = -1;
    for (size_t i = 0; i < kOpCount; ++i) {
      if (kOpInfo[i].prefix == 0) single[kOpInfo[i].code] = static_cast<int16_t>(i);
      if (kOpInfo[i].prefix == 0xFC) fc[kOpInfo[i].code] = static_cast<int16_t>(i);
    }
  }
};
constexpr ByteTables kByteTables;

}  // namespace

const OpInfo& op_info(Op op) { return kOpInfo[static_cast<size_t>(op)]; }

SigInfo sig_info(Sig sig) { return parse_sig(kSigNames[static_cast<size_t>(sig)]); }

std::optional<Op> op_from_byte(uint8_t byte) {
  int16_t i = kByteTables.single[byte];
  if (i < 0) return std::nullopt;
  return static_cast<Op>(i);
}

std::optional<Op> op_from_prefixed(uint8_t prefix, uint32_t code) {
  if (prefix == 0xFC && code < kByteTables.fc.size() && kByteTables.fc[code] >= 0)
    return static_cast<Op>(kByteTables.fc[code]);
  return std::nullopt;
}

uint32_t mem_access_bytes(Op op) {
  switch (op) {
    case Op::I32Load8S: case Op::I32Load8U: case Op::I64Load8S: case Op::I64Load8U:
    case Op::I32Store8: case Op::I64Store8:
      return 1;
    case Op::I32Load16S: case Op::I32Load16U: case Op::I64Load16S: case Op::I64Load16U:
    case Op::I32Store16: case Op::I64Store16:
      return 2;
    case Op::I32Load: case Op::F32Load: case Op::I64Load32S: case Op::I64Load32U:
    case Op::I32Store: case Op::F32Store: case Op::I64Store32:
      return 4;
    case Op::I64Load: case Op::F64Load: case Op::I64Store: case Op::F64Store:
      return 8;
    default:
      return 0;
  }
}

}  // namespace wrun
