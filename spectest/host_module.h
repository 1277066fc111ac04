// The `spectest` module every spec script may import from: print functions, four globals,
// a table and a memory, with the types and values the spec's reference interpreter uses.
#pragma once

#include "wrun/wrun.h"

namespace wrun::spectest {

// Defines the module's exports in `linker` under the name "spectest". With `verbose`, the
// print functions write their arguments to stdout; otherwise they do nothing.
void define_spectest_module(Linker& linker, bool verbose);

}  // namespace wrun::spectest
