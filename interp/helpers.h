// Compiler runtime helpers recognised by their exact code.
//
// wasm has no 64 x 64 -> 128-bit multiply, so compilers call a runtime routine for 128-bit
// products (`__int128` in C, `u128` in Rust: bignum and elliptic-curve arithmetic, 64-bit
// hashing and PRNGs, multiply-high divisions). The routine, `__multi3`, is a few dozen wasm
// instructions plus a call; ed25519 spends most of its time in it. A function whose body is,
// byte for byte, one of the known builds of that routine is run by the interpreter as one
// native instruction in place of each direct call to it (lower.cc, `helpers`).
//
// Matching is exact (opcodes, immediates, local declarations, signature), so a recognised
// function computes exactly what the native instruction does; anything else is an ordinary
// function. The inlined call keeps the call's fuel charge but needs no frame, so it cannot
// run out of call stack, and a trap in it is reported at the call.
#pragma once

#include <cstdint>
#include <optional>

#include "decoder/module.h"

namespace wrun::interp {

// `__multi3(ptr, a_lo, a_hi, b_lo, b_hi)`: stores the low 128 bits of a * b at ptr (low half
// at ptr, high half at ptr + 8). `low_first`: the order of its two i64 stores, which decides
// what a store past the end of memory leaves behind.
struct WideMultiplyHelper {
  bool low_first;
};

// Whether defined function `func_index` (imports come first) is a known __multi3 build.
std::optional<WideMultiplyHelper> recognise_wide_multiply(const DecodedModule& module, uint32_t func_index);

}  // namespace wrun::interp
