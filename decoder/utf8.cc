// UTF-8 validation for names (imports, exports, custom sections): the binary format requires
// well-formed UTF-8, i.e. shortest-form encodings of scalar values only.
#include "decoder/reader.h"

namespace wrun {

size_t utf8_sequence_length(const uint8_t* data, size_t size, uint32_t* code_point) {
  if (size == 0) return 0;
  const uint8_t lead = data[0];
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  }
  size_t len;
  uint32_t cp;
  uint32_t min;  // smallest code point that needs `len` bytes; anything below is overlong
  if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;  // a continuation byte without a lead, or 0xF8..0xFF
  }
  if (size < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = data[k];
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return len;
}

bool is_valid_utf8(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size) {
    uint32_t cp;
    const size_t len = utf8_sequence_length(data + i, size - i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace wrun
