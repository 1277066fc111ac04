// Known compiler runtime helpers (helpers.h).
#include "interp/helpers.h"

#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace wrun::interp {

namespace {

// The two __multi3 builds found in the wild, as their wasm instructions (all i64 arithmetic;
// `i64.store N` is an i64.store with offset N and natural alignment).
//
// compiler-rt's (C; wasi-sdk, emscripten): cross terms first, then the 32-bit limb products,
// the high half stored before the low half.
constexpr std::string_view kMulti3CompilerRt = R"(
  local.get 0  local.get 4  local.get 1  i64.mul  local.get 2  local.get 3  i64.mul  i64.add
  local.get 3  i64.const 32  i64.shr_u  local.tee 2  local.get 1  i64.const 32  i64.shr_u
  local.tee 4  i64.mul  i64.add  local.get 3  i64.const 4294967295  i64.and  local.tee 3
  local.get 1  i64.const 4294967295  i64.and  local.tee 1  i64.mul  local.tee 5  i64.const 32
  i64.shr_u  local.get 3  local.get 4  i64.mul  i64.add  local.tee 3  i64.const 32  i64.shr_u
  i64.add  local.get 3  i64.const 4294967295  i64.and  local.get 2  local.get 1  i64.mul
  i64.add  local.tee 1  i64.const 32  i64.shr_u  i64.add  i64.store 8
  local.get 0  local.get 1  i64.const 32  i64.shl  local.get 5  i64.const 4294967295  i64.and
  i64.or  i64.store 0  end
)";
constexpr uint32_t kMulti3CompilerRtLocals = 1;

// Rust's compiler-builtins: the low half (with its carries as compares) stored first.
constexpr std::string_view kMulti3Rust = R"(
  local.get 0  local.get 3  i64.const 4294967295  i64.and  local.tee 5  local.get 1
  i64.const 4294967295  i64.and  local.tee 6  i64.mul  local.tee 7  local.get 3  i64.const 32
  i64.shr_u  local.tee 8  local.get 6  i64.mul  local.tee 6  local.get 5  local.get 1
  i64.const 32  i64.shr_u  local.tee 9  i64.mul  i64.add  local.tee 5  i64.const 32  i64.shl
  i64.add  local.tee 10  i64.store 0
  local.get 0  local.get 8  local.get 9  i64.mul  local.get 5  local.get 6  i64.lt_u
  i64.extend_i32_u  i64.const 32  i64.shl  local.get 5  i64.const 32  i64.shr_u  i64.or
  i64.add  local.get 10  local.get 7  i64.lt_u  i64.extend_i32_u  i64.add  local.get 4
  local.get 1  i64.mul  local.get 3  local.get 2  i64.mul  i64.add  i64.add  i64.store 8  end
)";
constexpr uint32_t kMulti3RustLocals = 6;

void put_uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}
void put_sleb(std::vector<uint8_t>& out, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7F;
    v >>= 7;  // arithmetic
    const bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done) return;
  }
}

// The canonical (shortest-LEB) encoding of a listing above.
std::vector<uint8_t> assemble(std::string_view text) {
  struct Mnemonic {
    std::string_view name;
    uint8_t opcode;
    enum { None, Index, Const, Store } imm;
  };
  static constexpr Mnemonic kMnemonics[] = {
      {"local.get", 0x20, Mnemonic::Index}, {"local.tee", 0x22, Mnemonic::Index},
      {"i64.const", 0x42, Mnemonic::Const}, {"i64.store", 0x37, Mnemonic::Store},
      {"i64.lt_u", 0x54, Mnemonic::None},   {"i64.add", 0x7C, Mnemonic::None},
      {"i64.mul", 0x7E, Mnemonic::None},    {"i64.and", 0x83, Mnemonic::None},
      {"i64.or", 0x84, Mnemonic::None},     {"i64.shl", 0x86, Mnemonic::None},
      {"i64.shr_u", 0x88, Mnemonic::None},  {"i64.extend_i32_u", 0xAD, Mnemonic::None},
      {"end", 0x0B, Mnemonic::None},
  };
  std::vector<uint8_t> out;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    for (const Mnemonic& m : kMnemonics) {
      if (m.name != word) continue;
      out.push_back(m.opcode);
      if (m.imm == Mnemonic::None) break;
      uint64_t v = 0;
      in >> v;
      if (m.imm == Mnemonic::Index) put_uleb(out, v);
      if (m.imm == Mnemonic::Const) put_sleb(out, static_cast<int64_t>(v));
      if (m.imm == Mnemonic::Store) {
        out.push_back(3);  // align 2^3
        put_uleb(out, v);  // offset
      }
      break;
    }
  }
  return out;
}

bool body_is(const DecodedModule& module, const FuncBody& body, const std::vector<uint8_t>& code,
             uint32_t i64_locals) {
  if (body.num_locals != i64_locals) return false;
  for (const LocalDecl& d : module.locals(body)) {
    if (d.type != ValType::I64) return false;
  }
  const size_t end = size_t{body.body_offset} + body.body_size;
  if (body.code_offset > end || end > module.bytes.size() || end - body.code_offset != code.size()) return false;
  return std::memcmp(module.bytes.data() + body.code_offset, code.data(), code.size()) == 0;
}

}  // namespace

std::optional<WideMultiplyHelper> recognise_wide_multiply(const DecodedModule& module, uint32_t func_index) {
  if (func_index < module.num_imported_funcs || func_index >= module.funcs.size()) return std::nullopt;
  const FuncType& type = module.func_type(func_index);
  static const FuncType kSignature{{ValType::I32, ValType::I64, ValType::I64, ValType::I64, ValType::I64}, {}};
  if (type != kSignature || module.memories.empty()) return std::nullopt;
  const FuncBody& body = module.code[func_index - module.num_imported_funcs];
  static const std::vector<uint8_t> compiler_rt = assemble(kMulti3CompilerRt);
  static const std::vector<uint8_t> rust = assemble(kMulti3Rust);
  if (body_is(module, body, compiler_rt, kMulti3CompilerRtLocals)) return WideMultiplyHelper{false};
  if (body_is(module, body, rust, kMulti3RustLocals)) return WideMultiplyHelper{true};
  return std::nullopt;
}

}  // namespace wrun::interp
