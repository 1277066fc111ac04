// How the command-line tools show a trap: the message, then one line per frame, innermost
// first, with the function's name from the name section when the module has one.
#pragma once

#include <cstdio>
#include <string>

#include "wrun/wrun.h"

namespace wrun::tools {

// "integer divide by zero", or the host's message (escaped: escape_name).
std::string trap_text(const Trap& trap);
// A frame's function: its name-section name, escaped, or "func[N]".
std::string frame_name(const Frame& frame);
// Writes "<prefix>trap: <message>" and the backtrace to `out` (long ones shortened to the
// innermost 16 and outermost 4 frames).
void print_trap(std::FILE* out, const Trap& trap, const std::string& prefix = "wrun: ");

}  // namespace wrun::tools
