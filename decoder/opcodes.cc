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
    case 'V': return ValType::V128;
    default: return ValType::Bot;
  }
}

// Builds a SigInfo from the enumerator spelling, e.g. "i_ll" -> [i64 i64] -> [i32].
constexpr SigInfo parse_sig(const char* s) {
  SigInfo info{0, {ValType::Bot, ValType::Bot, ValType::Bot}, false, ValType::Bot};
  if (s[0] == '\0' || s[1] != '_') return info;  // `special`: nothing to describe
  if (s[0] != 'v') {
    info.has_result = true;
    info.result = letter_type(s[0]);
  }
  for (const char* p = s + 2; *p; ++p) info.params[info.num_params++] = letter_type(*p);
  return info;
}

constexpr const char* kSigNames[] = {
#define WRUN_SIG_NAME(name) #name,
    WRUN_SIGS(WRUN_SIG_NAME)
#undef WRUN_SIG_NAME
};

struct ByteTables {
  std::array<int16_t, 256> single{};
  std::array<int16_t, 32> fc{};
  std::array<int16_t, 256> fd{};  // the 2.0 SIMD set ends at 0xFF
  constexpr ByteTables() {
    for (auto& e : single) e = -1;
    for (auto& e : fc) e = -1;
    for (auto& e : fd) e = -1;
    for (size_t i = 0; i < kOpCount; ++i) {
      const auto op = static_cast<int16_t>(i);
      if (kOpInfo[i].prefix == 0) single[kOpInfo[i].code] = op;
      if (kOpInfo[i].prefix == 0xFC) fc[kOpInfo[i].code] = op;
      if (kOpInfo[i].prefix == 0xFD) fd[kOpInfo[i].code] = op;
    }
  }
};
constexpr ByteTables kByteTables;

// Parsed once, at compile time: the walkers ask for a signature per instruction.
struct SigTable {
  std::array<SigInfo, std::size(kSigNames)> infos{};
  constexpr SigTable() {
    for (size_t i = 0; i < infos.size(); ++i) infos[i] = parse_sig(kSigNames[i]);
  }
};
constexpr SigTable kSigTable;

}  // namespace

constinit const int16_t* const kSingleByteOps = kByteTables.single.data();

const OpInfo& op_info(Op op) { return kOpInfo[static_cast<size_t>(op)]; }

SigInfo sig_info(Sig sig) { return kSigTable.infos[static_cast<size_t>(sig)]; }

std::optional<Op> op_from_prefixed(uint8_t prefix, uint32_t code) {
  if (prefix == 0xFC && code < kByteTables.fc.size() && kByteTables.fc[code] >= 0)
    return static_cast<Op>(kByteTables.fc[code]);
  if (prefix == 0xFD && code < kByteTables.fd.size() && kByteTables.fd[code] >= 0)
    return static_cast<Op>(kByteTables.fd[code]);
  return std::nullopt;
}

uint32_t mem_access_bytes(Op op) {
  switch (op) {
    case Op::I32Load8S: case Op::I32Load8U: case Op::I64Load8S: case Op::I64Load8U:
    case Op::I32Store8: case Op::I64Store8:
    case Op::V128Load8Splat: case Op::V128Load8Lane: case Op::V128Store8Lane:
      return 1;
    case Op::I32Load16S: case Op::I32Load16U: case Op::I64Load16S: case Op::I64Load16U:
    case Op::I32Store16: case Op::I64Store16:
    case Op::V128Load16Splat: case Op::V128Load16Lane: case Op::V128Store16Lane:
      return 2;
    case Op::I32Load: case Op::F32Load: case Op::I64Load32S: case Op::I64Load32U:
    case Op::I32Store: case Op::F32Store: case Op::I64Store32:
    case Op::V128Load32Splat: case Op::V128Load32Lane: case Op::V128Store32Lane:
    case Op::V128Load32Zero:
      return 4;
    case Op::I64Load: case Op::F64Load: case Op::I64Store: case Op::F64Store:
    case Op::V128Load8x8S: case Op::V128Load8x8U: case Op::V128Load16x4S:
    case Op::V128Load16x4U: case Op::V128Load32x2S: case Op::V128Load32x2U:
    case Op::V128Load64Splat: case Op::V128Load64Lane: case Op::V128Store64Lane:
    case Op::V128Load64Zero:
      return 8;
    case Op::V128Load: case Op::V128Store:
      return 16;
    default:
      return 0;
  }
}

uint32_t simd_lane_count(Op op) {
  const OpInfo& info = op_info(op);
  if (info.imm == Imm::MemArgLane) return 16 / mem_access_bytes(op);
  if (info.imm != Imm::Lane) return 0;
  // The shape is spelled in the name: "i8x16.extract_lane_s" -> 16.
  uint32_t n = 0;
  const char* p = info.text;
  while (*p && *p != 'x') ++p;
  for (++p; *p >= '0' && *p <= '9'; ++p) n = n * 10 + static_cast<uint32_t>(*p - '0');
  return n;
}

}  // namespace wrun
