// Val: reference helpers, printing, and conversion to/from the engine's 8-byte slots.
#include <charconv>
#include <cstdio>

#include "engine/internal.h"

namespace wrun {

namespace {

std::string hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

template <class F>
std::string float_text(F f) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  return std::string(buf, r.ptr);
}

}  // namespace

Val Val::funcref(const Func* f) {
  if (f == nullptr || ApiAccess::raw(*f) == nullptr) return funcref_null();
  return from_raw(ValType::FuncRef, reinterpret_cast<uintptr_t>(ApiAccess::raw(*f)));
}

std::optional<Func> Val::funcref() const {
  if (type_ != ValType::FuncRef || raw() == 0) return std::nullopt;
  return ApiAccess::func(reinterpret_cast<rt::FuncInst*>(static_cast<uintptr_t>(raw())));
}

std::string Val::to_string() const {
  switch (type_) {
    case ValType::I32:
      return "i32:" + std::to_string(i32());
    case ValType::I64:
      return "i64:" + std::to_string(i64());
    case ValType::F32:
      return "f32:" + hex(f32_bits(), 8) + " (" + float_text(f32()) + ")";
    case ValType::F64:
      return "f64:" + hex(f64_bits(), 16) + " (" + float_text(f64()) + ")";
    case ValType::V128: {
      std::string s = "v128:";
      for (int lane = 0; lane < 4; ++lane) {
        uint32_t w;
        std::memcpy(&w, bits_.bytes + 4 * lane, 4);
        s += (lane ? " " : "") + hex(w, 8);
      }
      return s;
    }
    case ValType::FuncRef:
    case ValType::ExternRef: {
      std::string s = type_ == ValType::FuncRef ? "funcref:" : "externref:";
      return s + (raw() == 0 ? std::string("null") : hex(raw(), 1));
    }
    case ValType::Bot:
      break;
  }
  return "?";
}

namespace api {

void val_to_slots(const Val& v, rt::Slot* out) {
  if (v.type() == ValType::V128) {
    V128 b = v.v128();
    std::memcpy(&out[0], b.bytes, 8);
    std::memcpy(&out[1], b.bytes + 8, 8);
  } else {
    out[0] = v.raw();
  }
}

bool foreign_ref(const Val& v, const rt::Store* store) {
  if (v.type() != ValType::FuncRef || v.is_null_ref()) return false;
  return reinterpret_cast<const rt::FuncInst*>(static_cast<uintptr_t>(v.raw()))->store() != store;
}

Val val_from_slots(ValType type, const rt::Slot* in) {
  switch (type) {
    case ValType::V128: {
      V128 b;
      std::memcpy(b.bytes, &in[0], 8);
      std::memcpy(b.bytes + 8, &in[1], 8);
      return Val::v128(b);
    }
    // Executors may leave garbage above 32 bits; values are canonicalised here.
    case ValType::I32:
    case ValType::F32:
      return Val::from_raw(type, static_cast<uint32_t>(in[0]));
    default:
      return Val::from_raw(type, in[0]);
  }
}

}  // namespace api
}  // namespace wrun
