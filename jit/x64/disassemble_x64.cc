// x86-64 listings of generated code (backend.h's disassemble), through Zydis (Debian's
// libzydis-dev): each wasm instruction's offset and name above the code it starts, then the
// out-of-line stubs, then the data, which is dumped as bytes rather than decoded.
#include <Zydis/Zydis.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "jit/backend.h"

namespace wrun::jit {

namespace {

void append_line(std::string& out, uint64_t address, const uint8_t* bytes, size_t length,
                 const char* text) {
  char head[32];
  std::snprintf(head, sizeof head, "  %08" PRIx64 "  ", address);
  out += head;
  std::string hex;
  for (size_t i = 0; i < length; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%02x ", bytes[i]);
    hex += b;
  }
  hex.resize(std::max<size_t>(hex.size(), 33), ' ');  // up to 11 bytes line up
  out += hex;
  out += text;
  out += '\n';
}

}  // namespace

std::string disassemble(const FunctionCode& code, uint64_t address) {
  std::string out;
  const size_t code_end = std::min<size_t>(code.data_at, code.bytes.size());
  size_t mark = 0;
  size_t at = 0;
  while (at < code_end) {
    for (; mark < code.marks.size() && code.marks[mark].code <= at; ++mark) {
      char line[96];
      std::snprintf(line, sizeof line, "  ;; wasm 0x%x: %s\n", code.marks[mark].wasm,
                    op_name(code.marks[mark].op));
      out += line;
    }
    if (at == code.stubs_at) out += "  ;; out-of-line: stubs and exits\n";
    ZydisDisassembledInstruction instr;
    if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, address + at,
                                            code.bytes.data() + at, code_end - at, &instr))) {
      append_line(out, address + at, code.bytes.data() + at, 1, "(bad)");
      ++at;
      continue;
    }
    // Stubs start exactly at stubs_at; an instruction never straddles it.
    append_line(out, address + at, code.bytes.data() + at, instr.info.length, instr.text);
    at += instr.info.length;
  }
  if (code_end < code.bytes.size()) {
    out += "  ;; data: jump tables and constants\n";
    for (size_t i = code_end; i < code.bytes.size(); i += 16) {
      const size_t n = std::min<size_t>(16, code.bytes.size() - i);
      append_line(out, address + i, code.bytes.data() + i, n, "");
    }
  }
  return out;
}

}  // namespace wrun::jit
