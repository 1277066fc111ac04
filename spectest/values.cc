#include "spectest/values.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace wrun::spectest {
namespace {

const std::string& field(const json::Value& v, std::string_view key) {
  const json::Value* f = v.find(key);
  if (!f || !f->is_string())
    throw ScriptError("value without a string \"" + std::string(key) + "\"");
  return f->text();
}

ValType parse_type(const std::string& t) {
  if (t == "i32") return ValType::I32;
  if (t == "i64") return ValType::I64;
  if (t == "f32") return ValType::F32;
  if (t == "f64") return ValType::F64;
  if (t == "v128") return ValType::V128;
  if (t == "funcref") return ValType::FuncRef;
  if (t == "externref") return ValType::ExternRef;
  throw ScriptError("unknown value type \"" + t + "\"");
}

unsigned width_bits(ValType t) { return t == ValType::I32 || t == ValType::F32 ? 32 : 64; }

unsigned lane_bits(LaneType l) {
  switch (l) {
    case LaneType::I8:
      return 8;
    case LaneType::I16:
      return 16;
    case LaneType::I32:
    case LaneType::F32:
      return 32;
    case LaneType::I64:
    case LaneType::F64:
      return 64;
  }
  return 32;
}

bool is_float_lane(LaneType l) { return l == LaneType::F32 || l == LaneType::F64; }

LaneType parse_lane_type(const std::string& t) {
  if (t == "i8") return LaneType::I8;
  if (t == "i16") return LaneType::I16;
  if (t == "i32") return LaneType::I32;
  if (t == "i64") return LaneType::I64;
  if (t == "f32") return LaneType::F32;
  if (t == "f64") return LaneType::F64;
  throw ScriptError("unknown v128 lane type \"" + t + "\"");
}

// wast2json writes integers and float bit patterns as unsigned decimal; a leading '-' is
// accepted too. The result is the value's bit pattern in the low `bits` bits.
uint64_t parse_bits(const std::string& s, unsigned bits) {
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  uint64_t u = 0;
  bool ok;
  if (!s.empty() && s[0] == '-') {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(begin, end, n);
    ok = ec == std::errc() && p == end && (bits == 64 || n >= -(int64_t{1} << (bits - 1)));
    u = static_cast<uint64_t>(n);
  } else {
    auto [p, ec] = std::from_chars(begin, end, u);
    ok = ec == std::errc() && p == end && (bits == 64 || u < (uint64_t{1} << bits));
  }
  if (!ok) throw ScriptError("bad " + std::to_string(bits) + "-bit number \"" + s + "\"");
  return bits == 64 ? u : u & ((uint64_t{1} << bits) - 1);
}

Match nan_pattern(const std::string& s) {
  if (s == "nan:canonical") return Match::CanonicalNan;
  if (s == "nan:arithmetic") return Match::ArithmeticNan;
  return Match::Exact;
}

// Lanes of a v128 value as written in the script.
std::vector<Lane> parse_lanes(const json::Value& v, LaneType lt, bool allow_patterns) {
  const json::Value* list = v.find("value");
  if (!list || !list->is_array()) throw ScriptError("v128 value without a lane list");
  unsigned bits = lane_bits(lt);
  if (list->items().size() != 128 / bits) throw ScriptError("v128 value with a wrong lane count");
  std::vector<Lane> lanes;
  for (const json::Value& item : list->items()) {
    if (!item.is_string()) throw ScriptError("v128 lane is not a string");
    Match m = nan_pattern(item.text());
    if (m != Match::Exact) {
      if (!allow_patterns || !is_float_lane(lt)) throw ScriptError("misplaced NaN pattern");
      lanes.push_back({m, 0});
    } else {
      lanes.push_back({Match::Exact, parse_bits(item.text(), bits)});
    }
  }
  return lanes;
}

uint64_t get_lane(const V128& v, LaneType lt, size_t i) {
  unsigned bytes = lane_bits(lt) / 8;
  uint64_t x = 0;
  for (unsigned b = 0; b < bytes; ++b) x |= uint64_t{v.bytes[i * bytes + b]} << (8 * b);
  return x;
}

bool nan_matches(Match m, uint64_t bits, unsigned width) {
  // Exponent all ones plus the quiet bit; canonical also requires the rest of the payload zero.
  uint64_t quiet = width == 32 ? 0x7fc00000u : 0x7ff8000000000000u;
  uint64_t magnitude = width == 32 ? 0x7fffffffu : 0x7fffffffffffffffu;
  if (m == Match::CanonicalNan) return (bits & magnitude) == quiet;
  return (bits & quiet) == quiet;
}

bool bits_match(Match m, uint64_t expected, uint64_t actual, unsigned width) {
  if (m == Match::Exact) return expected == actual;
  if (m == Match::Any) return true;
  return nan_matches(m, actual, width);
}

std::string float_text(uint64_t bits, unsigned width) {
  bool neg = width == 32 ? (bits >> 31) != 0 : (bits >> 63) != 0;
  uint64_t exp_mask = width == 32 ? 0x7f800000u : 0x7ff0000000000000u;
  uint64_t frac_mask = width == 32 ? 0x007fffffu : 0x000fffffffffffffu;
  if ((bits & exp_mask) == exp_mask) {
    std::string sign = neg ? "-" : "";
    if ((bits & frac_mask) == 0) return sign + "inf";
    char hex[24];
    auto [p, ec] = std::to_chars(hex, hex + sizeof hex, bits & frac_mask, 16);
    return sign + "nan:0x" + std::string(hex, p);
  }
  char buf[64];
  std::to_chars_result r;
  if (width == 32) {
    float f;
    uint32_t b = static_cast<uint32_t>(bits);
    std::memcpy(&f, &b, 4);
    r = std::to_chars(buf, buf + sizeof buf, f);
  } else {
    double d;
    std::memcpy(&d, &bits, 8);
    r = std::to_chars(buf, buf + sizeof buf, d);
  }
  return std::string(buf, r.ptr);
}

std::string lane_text(Match m, uint64_t bits, LaneType lt) {
  if (m == Match::CanonicalNan) return "nan:canonical";
  if (m == Match::ArithmeticNan) return "nan:arithmetic";
  switch (lt) {
    case LaneType::I8:
      return std::to_string(static_cast<int8_t>(bits));
    case LaneType::I16:
      return std::to_string(static_cast<int16_t>(bits));
    case LaneType::I32:
      return std::to_string(static_cast<int32_t>(bits));
    case LaneType::I64:
      return std::to_string(static_cast<int64_t>(bits));
    case LaneType::F32:
      return float_text(bits, 32);
    case LaneType::F64:
      return float_text(bits, 64);
  }
  return "?";
}

const char* shape_name(LaneType lt) {
  switch (lt) {
    case LaneType::I8:
      return "i8x16";
    case LaneType::I16:
      return "i16x8";
    case LaneType::I32:
      return "i32x4";
    case LaneType::I64:
      return "i64x2";
    case LaneType::F32:
      return "f32x4";
    case LaneType::F64:
      return "f64x2";
  }
  return "?";
}

std::string lanes_text(const std::vector<Lane>& lanes, LaneType lt) {
  std::string s = std::string("v128.const ") + shape_name(lt);
  for (const Lane& l : lanes) s += " " + lane_text(l.match, l.bits, lt);
  return s;
}

}  // namespace

Val externref_for(uint64_t n) {
  // n + 1 keeps ref.extern 0 distinct from null; the engine never dereferences it.
  return Val::externref(reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1)));
}

Val parse_arg(const json::Value& v) {
  ValType t = parse_type(field(v, "type"));
  switch (t) {
    case ValType::I32:
    case ValType::I64:
    case ValType::F32:
    case ValType::F64: {
      const std::string& s = field(v, "value");
      if (nan_pattern(s) != Match::Exact) throw ScriptError("NaN pattern used as an argument");
      return Val::from_raw(t, parse_bits(s, width_bits(t)));
    }
    case ValType::V128: {
      LaneType lt = parse_lane_type(field(v, "lane_type"));
      V128 out;
      unsigned bytes = lane_bits(lt) / 8;
      std::vector<Lane> lanes = parse_lanes(v, lt, false);
      for (size_t i = 0; i < lanes.size(); ++i) {
        for (unsigned b = 0; b < bytes; ++b) {
          out.bytes[i * bytes + b] = static_cast<uint8_t>(lanes[i].bits >> (8 * b));
        }
      }
      return Val::v128(out);
    }
    case ValType::FuncRef:
      if (field(v, "value") != "null") {
        throw ScriptError("a non-null funcref argument cannot be named in a script");
      }
      return Val::funcref_null();
    case ValType::ExternRef: {
      const std::string& s = field(v, "value");
      if (s == "null") return Val::externref(nullptr);
      return externref_for(parse_bits(s, 64));
    }
    case ValType::Bot:
      break;
  }
  throw ScriptError("unsupported argument type");
}

Expected parse_expected(const json::Value& v) {
  Expected e;
  e.type = parse_type(field(v, "type"));
  const json::Value* value = v.find("value");
  if (!value) {
    e.match = Match::Any;
    return e;
  }
  switch (e.type) {
    case ValType::I32:
    case ValType::I64:
    case ValType::F32:
    case ValType::F64: {
      const std::string& s = field(v, "value");
      e.match = nan_pattern(s);
      if (e.match != Match::Exact && !(e.type == ValType::F32 || e.type == ValType::F64)) {
        throw ScriptError("NaN pattern for an integer result");
      }
      if (e.match == Match::Exact)
        e.value = Val::from_raw(e.type, parse_bits(s, width_bits(e.type)));
      return e;
    }
    case ValType::V128:
      e.lane_type = parse_lane_type(field(v, "lane_type"));
      e.lanes = parse_lanes(v, e.lane_type, true);
      return e;
    case ValType::FuncRef:
      if (field(v, "value") == "null") {
        e.value = Val::funcref_null();
      } else {
        e.match = Match::NonNull;  // scripts cannot name a particular function
      }
      return e;
    case ValType::ExternRef: {
      const std::string& s = field(v, "value");
      e.value = s == "null" ? Val::externref(nullptr) : externref_for(parse_bits(s, 64));
      return e;
    }
    case ValType::Bot:
      break;
  }
  throw ScriptError("unsupported result type");
}

bool matches(const Expected& e, const Val& actual) {
  if (actual.type() != e.type) return false;
  if (e.match == Match::Any) return true;
  switch (e.type) {
    case ValType::I32:
    case ValType::F32:
      return bits_match(e.match, e.value.raw(), actual.raw() & 0xffffffffu, 32);
    case ValType::I64:
    case ValType::F64:
      return bits_match(e.match, e.value.raw(), actual.raw(), 64);
    case ValType::V128: {
      V128 bits = actual.v128();
      unsigned w = lane_bits(e.lane_type);
      for (size_t i = 0; i < e.lanes.size(); ++i) {
        if (!bits_match(e.lanes[i].match, e.lanes[i].bits, get_lane(bits, e.lane_type, i), w)) {
          return false;
        }
      }
      return true;
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (e.match == Match::NonNull) return !actual.is_null_ref();
      return e.value.raw() == actual.raw();
    case ValType::Bot:
      break;
  }
  return false;
}

std::string to_string(const Val& v, LaneType shape) {
  switch (v.type()) {
    case ValType::I32:
      return "i32.const " + std::to_string(v.i32());
    case ValType::I64:
      return "i64.const " + std::to_string(v.i64());
    case ValType::F32:
      return "f32.const " + float_text(v.f32_bits(), 32);
    case ValType::F64:
      return "f64.const " + float_text(v.f64_bits(), 64);
    case ValType::V128: {
      std::vector<Lane> lanes(128 / lane_bits(shape));
      for (size_t i = 0; i < lanes.size(); ++i) lanes[i].bits = get_lane(v.v128(), shape, i);
      return lanes_text(lanes, shape);
    }
    case ValType::FuncRef:
      return v.is_null_ref() ? "ref.null func" : "ref.func";
    case ValType::ExternRef:
      if (v.is_null_ref()) return "ref.null extern";
      return "ref.extern " + std::to_string(v.raw() - 1);
    case ValType::Bot:
      break;
  }
  return "<bad value>";
}

std::string to_string(const Expected& e) {
  if (e.match == Match::Any) return val_type_name(e.type);
  switch (e.type) {
    case ValType::I32:
    case ValType::I64:
    case ValType::F32:
    case ValType::F64:
      if (e.match == Match::CanonicalNan)
        return std::string(val_type_name(e.type)) + ".const nan:canonical";
      if (e.match == Match::ArithmeticNan)
        return std::string(val_type_name(e.type)) + ".const nan:arithmetic";
      return to_string(e.value);
    case ValType::V128:
      return lanes_text(e.lanes, e.lane_type);
    case ValType::FuncRef:
      return e.match == Match::NonNull ? "ref.func (any non-null)" : to_string(e.value);
    case ValType::ExternRef:
      return to_string(e.value);
    case ValType::Bot:
      break;
  }
  return "<bad value>";
}

std::string to_string(const std::vector<Val>& vals, const std::vector<Expected>* shapes) {
  std::string s = "(";
  for (size_t i = 0; i < vals.size(); ++i) {
    if (i) s += ", ";
    LaneType shape = shapes && i < shapes->size() ? (*shapes)[i].lane_type : LaneType::I32;
    s += to_string(vals[i], shape);
  }
  return s + ")";
}

std::string to_string(const std::vector<Expected>& vals) {
  std::string s = "(";
  for (size_t i = 0; i < vals.size(); ++i) {
    if (i) s += ", ";
    s += to_string(vals[i]);
  }
  return s + ")";
}

}  // namespace wrun::spectest
