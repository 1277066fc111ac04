// escape_name (wrun/types.h): names a module chooses, made safe to print in messages.
#include "decoder/reader.h"
#include "wrun/types.h"

namespace wrun {
namespace {

// Characters that a terminal or a text viewer acts on instead of showing: the C1 controls
// (U+009B is CSI, which starts an escape sequence on its own), the line and paragraph
// separators, and the bidirectional controls, which reorder the text around them.
bool acts_on_display(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string escape_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const uint8_t*>(name.data());
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size();) {
    const uint8_t b = bytes[i];
    if (b == '\\' || b == '"') {
      out += '\\';
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    if (b >= 0x20 && b < 0x7F) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = b < 0x80 ? 0 : utf8_sequence_length(bytes + i, name.size() - i, &cp);
    if (len > 0 && !acts_on_display(cp)) {
      out.append(name.substr(i, len));
      i += len;
      continue;
    }
    // A control character, a byte that is not part of well-formed UTF-8, or each byte of a
    // character that acts on the display.
    for (const size_t end = i + (len > 0 ? len : 1); i < end; ++i) {
      out += "\\x";
      out += kHex[bytes[i] >> 4];
      out += kHex[bytes[i] & 15];
    }
  }
  return out;
}

}  // namespace wrun
