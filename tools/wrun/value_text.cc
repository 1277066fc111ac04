#include "tools/wrun/value_text.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace wrun::cli {
namespace {

// Integers of `bits` bits, accepted in the union of the signed and unsigned ranges.
std::optional<uint64_t> parse_int(std::string_view s, unsigned bits) {
  bool neg = !s.empty() && s[0] == '-';
  std::string_view digits = neg ? s.substr(1) : s;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    base = 16;
  }
  if (digits.empty() || digits[0] == '-' || digits[0] == '+') return std::nullopt;
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag, base);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  uint64_t umax = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  uint64_t neg_max = uint64_t{1} << (bits - 1);  // magnitude of the most negative value
  if (neg ? mag > neg_max : mag > umax) return std::nullopt;
  uint64_t v = neg ? uint64_t{0} - mag : mag;
  return v & umax;
}

template <class F>
std::optional<F> parse_float(std::string_view s) {
  F f{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), f);
  // Out-of-range decimals report result_out_of_range; overflow to inf is what users mean.
  if (ec == std::errc::result_out_of_range && p == s.data() + s.size()) {
    bool neg = !s.empty() && s[0] == '-';
    return neg ? -std::numeric_limits<F>::infinity() : std::numeric_limits<F>::infinity();
  }
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return f;
}

template <class F>
std::string float_text(F f) {
  if (std::isnan(f)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);  // shortest round-trip form; inf, -inf
  return std::string(buf, r.ptr);
}

}  // namespace

std::optional<Val> parse_value(std::string_view text, ValType type, std::string& error) {
  switch (type) {
    case ValType::I32:
      if (auto v = parse_int(text, 32)) return Val::i32(static_cast<int32_t>(*v));
      break;
    case ValType::I64:
      if (auto v = parse_int(text, 64)) return Val::i64(static_cast<int64_t>(*v));
      break;
    case ValType::F32:
      if (auto f = parse_float<float>(text)) return Val::f32(*f);
      break;
    case ValType::F64:
      if (auto d = parse_float<double>(text)) return Val::f64(*d);
      break;
    default:
      error = std::string("parameters of type ") + val_type_name(type) +
              " cannot be given on the command line";
      return std::nullopt;
  }
  error = "\"" + std::string(text) + "\" is not a valid " + val_type_name(type);
  return std::nullopt;
}

std::string format_value(const Val& v) {
  switch (v.type()) {
    case ValType::I32:
      return std::to_string(v.i32());
    case ValType::I64:
      return std::to_string(v.i64());
    case ValType::F32:
      return float_text(v.f32());
    case ValType::F64:
      return float_text(v.f64());
    case ValType::V128: {
      // As one 128-bit hex number: byte 15 first.
      static const char kHex[] = "0123456789abcdef";
      std::string s = "0x";
      V128 b = v.v128();
      for (int i = 15; i >= 0; --i) {
        s += kHex[b.bytes[i] >> 4];
        s += kHex[b.bytes[i] & 15];
      }
      return s;
    }
    case ValType::FuncRef:
      return v.is_null_ref() ? "null" : "funcref";
    case ValType::ExternRef:
      return v.is_null_ref() ? "null" : "externref";
    case ValType::Bot:
      break;
  }
  return "?";
}

}  // namespace wrun::cli
