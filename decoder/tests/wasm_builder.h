// Helpers for building small binary modules by hand in tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace wrun::test {

using Bytes = std::vector<uint8_t>;

inline Bytes uleb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A length-prefixed name.
inline Bytes name(const std::string& s) { return cat({uleb(s.size()), Bytes(s.begin(), s.end())}); }

// A section: id, payload size, payload.
inline Bytes section(uint8_t id, const Bytes& payload) {
  return cat({Bytes{id}, uleb(payload.size()), payload});
}

inline Bytes header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

// The header followed by the given sections.
inline Bytes module(std::initializer_list<Bytes> sections) {
  // Appended through cat() rather than insert() into the 8-byte header: GCC 12 at -O3 warns
  // that insert's memcpy writes past the header (-Warray-bounds, a false positive).
  Bytes out = header();
  for (const Bytes& s : sections) out = cat({out, s});
  return out;
}

// Common sections.
inline Bytes type_void_void() { return section(1, {0x01, 0x60, 0x00, 0x00}); }
inline Bytes one_func_of_type0() { return section(3, {0x01, 0x00}); }
inline Bytes one_empty_body() { return section(10, {0x01, 0x02, 0x00, 0x0B}); }

}  // namespace wrun::test
