// The calling convention every executor (the interpreter, the JIT) and host functions meet at:
// a function's parameters are passed in an array of 8-byte slots (v128 takes two), and its
// results are written back to the start of the same array. References are slots too: a
// funcref is an rt::FuncInst*, an externref the host's pointer, and 0 is null.
#pragma once

#include <cstdint>
#include <span>

#include "wrun/types.h"

namespace wrun::rt {

using Slot = uint64_t;

inline uint32_t slot_count(ValType t) { return t == ValType::V128 ? 2 : 1; }
inline uint32_t slot_count(std::span<const ValType> ts) {
  uint32_t n = 0;
  for (ValType t : ts) n += slot_count(t);
  return n;
}

}  // namespace wrun::rt
