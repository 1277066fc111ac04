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

// 0x + up to 32 hex digits, as one 128-bit number (the last two digits are byte 0).
std::optional<V128> parse_v128(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
  std::string_view digits = s.substr(2);
  if (digits.size() > 32) return std::nullopt;
  V128 v;
  size_t nibble = 0;  // counts from the least significant digit
  for (size_t i = digits.size(); i-- > 0; ++nibble) {
    char c = digits[i];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return std::nullopt;
    v.bytes[nibble / 2] |= static_cast<uint8_t>(d << (4 * (nibble % 2)));
  }
  return v;
}

template <class F>
std::string float_text(F f) {
  if (std::isnan(f)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);  // shortest round-trip form; inf, -inf
  return std::string(buf, r.ptr);
}

}  // namespace

std::optional<Val> parse_value(std::string_view text, ValType type, std::string& error,
                               const Instance* instance) {
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
    case ValType::V128:
      if (auto v = parse_v128(text)) return Val::v128(*v);
      error =
          "\"" + std::string(text) + "\" is not a valid v128 (0x followed by up to 32 hex digits)";
      return std::nullopt;
    case ValType::FuncRef: {
      if (text == "null") return Val::funcref_null();
      std::string_view name = text.starts_with("func:") ? text.substr(5) : text;
      if (instance) {
        if (std::optional<Func> f = instance->get_func(name)) return Val::funcref(&*f);
      }
      error = "\"" + std::string(text) +
              "\" is not a valid funcref (null or an exported function's name)";
      return std::nullopt;
    }
    case ValType::ExternRef: {
      if (text == "null") return Val::externref(nullptr);
      std::string_view n = text.starts_with("extern:") ? text.substr(7) : text;
      if (auto v = parse_int(n, 64); v && !n.starts_with("-")) {
        return Val::externref(reinterpret_cast<void*>(static_cast<uintptr_t>(*v)));
      }
      error =
          "\"" + std::string(text) + "\" is not a valid externref (null or a non-negative integer)";
      return std::nullopt;
    }
    case ValType::Bot:
      error = "this parameter type cannot be given on the command line";
      return std::nullopt;
  }
  error = "\"" + std::string(text) + "\" is not a valid " + val_type_name(type);
  return std::nullopt;
}

std::string format_value(const Val& v, const Instance* instance) {
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
    case ValType::FuncRef: {
      if (v.is_null_ref()) return "null";
      std::optional<Func> f = v.funcref();
      if (instance && f) {
        for (const auto& [name, ext] : instance->exports()) {
          if (std::optional<Func> e = ext.func(); e && *e == *f) return "func:" + escape_name(name);
        }
      }
      return "func:?";  // the public API exposes no function index
    }
    case ValType::ExternRef:
      if (v.is_null_ref()) return "null";
      return "extern:" + std::to_string(reinterpret_cast<uintptr_t>(v.externref()));
    case ValType::Bot:
      break;
  }
  return "?";
}

}  // namespace wrun::cli
