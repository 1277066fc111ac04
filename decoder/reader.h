// Bounds-checked reading of the binary format: bytes, LEB128 integers with the spec's
// length and unused-bit rules, floats, and UTF-8 names. Errors throw DecodeError, which the
// decoder/validator entry points turn into an Error value; nothing here reads out of bounds.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>

#include "wrun/types.h"

namespace wrun {

struct DecodeError : std::exception {
  Error error;
  DecodeError(std::string message, size_t offset) : error{std::move(message), offset} {}
  const char* what() const noexcept override { return error.message.c_str(); }
};

bool is_valid_utf8(const uint8_t* data, size_t size);
// The length (1-4) of the well-formed UTF-8 sequence that starts `data`, with its code point in
// *code_point, or 0 when the bytes there are not one (a lone continuation byte, a truncated,
// overlong or surrogate sequence, or a value past U+10FFFF).
size_t utf8_sequence_length(const uint8_t* data, size_t size, uint32_t* code_point);

class Reader {
 public:
  // `base` is the absolute module offset of data[0], so errors report module offsets.
  Reader(const uint8_t* data, size_t size, size_t base = 0) : p_(data), begin_(data), end_(data + size), base_(base) {}
  explicit Reader(std::span<const uint8_t> bytes, size_t base = 0) : Reader(bytes.data(), bytes.size(), base) {}

  size_t offset() const { return base_ + static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool at_end() const { return p_ == end_; }
  const uint8_t* pos() const { return p_; }

  [[noreturn]] void fail(const std::string& message) const { throw DecodeError(message, offset()); }
  [[noreturn]] static void fail_at(size_t offset, const std::string& message) { throw DecodeError(message, offset); }

  uint8_t u8() {
    if (p_ == end_) fail("unexpected end");
    return *p_++;
  }
  uint8_t peek_u8() const {
    if (p_ == end_) fail("unexpected end");
    return *p_;
  }

  uint32_t u32() { return static_cast<uint32_t>(leb_unsigned(32)); }
  uint64_t u64() { return leb_unsigned(64); }
  int32_t s32() { return static_cast<int32_t>(leb_signed(32)); }
  int64_t s33() { return leb_signed(33); }
  int64_t s64() { return leb_signed(64); }

  uint32_t fixed32() {
    uint32_t v;
    std::memcpy(&v, bytes(4).data(), 4);
    return v;  // the format is little-endian, as are our targets (x86-64, AArch64)
  }
  uint64_t fixed64() {
    uint64_t v;
    std::memcpy(&v, bytes(8).data(), 8);
    return v;
  }

  std::span<const uint8_t> bytes(size_t n) {
    if (n > remaining()) fail("unexpected end");
    std::span<const uint8_t> s(p_, n);
    p_ += n;
    return s;
  }
  void skip(size_t n) { bytes(n); }

  // A name: u32 byte length then UTF-8 ("malformed UTF-8 encoding" on bad input).
  std::string name() {
    auto b = name_bytes();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  // The same, left in place.
  std::span<const uint8_t> name_bytes() {
    uint32_t len = u32();
    if (len > remaining()) fail("length out of bounds");
    auto b = bytes(len);
    if (!is_valid_utf8(b.data(), b.size())) fail("malformed UTF-8 encoding");
    return b;
  }

 private:
  uint64_t leb_unsigned(unsigned bits) {
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; ++i) {
      if (p_ == end_) fail("unexpected end");
      uint8_t byte = *p_++;
      if (i == max_bytes - 1) {
        if (byte & 0x80) fail("integer representation too long");
        unsigned used = bits - shift;  // value bits this last byte may carry
        if (used < 7 && (byte >> used) != 0) fail("integer too large");
        return result | (static_cast<uint64_t>(byte) << shift);
      }
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      shift += 7;
      if (!(byte & 0x80)) return result;
    }
  }

  int64_t leb_signed(unsigned bits) {
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; ++i) {
      if (p_ == end_) fail("unexpected end");
      uint8_t byte = *p_++;
      if (i == max_bytes - 1) {
        if (byte & 0x80) fail("integer representation too long");
        // The bits above the value must all equal its sign bit.
        unsigned used = bits - shift;  // 1..7
        if (used < 7) {
          int sign_and_unused = static_cast<int8_t>(byte << 1) >> (used);  // bits [used-1..6] sign-extended
          if (sign_and_unused != 0 && sign_and_unused != -1) fail("integer too large");
        }
        result |= static_cast<uint64_t>(byte & 0x7F) << shift;
        shift += 7;
        break;
      }
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      shift += 7;
      if (!(byte & 0x80)) break;
    }
    if (shift < 64 && (result >> (shift - 1)) & 1) result |= ~uint64_t{0} << shift;  // sign-extend
    return static_cast<int64_t>(result);
  }

  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  size_t base_;
};

}  // namespace wrun
