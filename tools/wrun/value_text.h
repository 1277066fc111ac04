// Command-line text <-> wasm values for the wrun CLI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wrun/wrun.h"

namespace wrun::cli {

// Parses an argument for a parameter of type `type`:
//   i32, i64   decimal (signed or unsigned range) or 0x-hex, optionally negative
//   f32, f64   decimal, nan, inf, -inf
//   v128       0x followed by up to 32 hex digits: one 128-bit number, little-endian in memory
//              (the last hex digit pair is byte 0)
//   funcref    null, or the name of a function exported by `instance`
//   externref  null, or a non-negative integer N (the host value; `extern:N` is accepted too)
// Returns nullopt (and sets `error`) when the text does not denote a value of that type.
std::optional<Val> parse_value(std::string_view text, ValType type, std::string& error,
                               const Instance* instance = nullptr);

// One result as printed: signed decimal integers, shortest round-trip floats (nan, inf, -inf),
// v128 as 0x + 32 hex digits (one 128-bit number; byte 15 first), references as null,
// func:NAME (NAME = an export of `instance` that is this function, else func:?) and extern:N.
std::string format_value(const Val& v, const Instance* instance = nullptr);

}  // namespace wrun::cli
