// Command-line text <-> wasm values for the wrun CLI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wrun/wrun.h"

namespace wrun::cli {

// Parses an argument for a parameter of type `type`: integers in decimal (signed or unsigned
// range) or 0x-hex, floats in decimal or as nan/inf/-inf. Returns nullopt (and sets `error`)
// when the text does not denote a value of that type.
std::optional<Val> parse_value(std::string_view text, ValType type, std::string& error);

// One result as printed: signed decimal integers, shortest round-trip floats, nan/inf/-inf.
std::string format_value(const Val& v);

}  // namespace wrun::cli
