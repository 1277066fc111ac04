// The JIT's frontend: one function body, walked once by the validator's walker, turned into
// calls on a Backend (backend.h). WebAssembly's structure lives here (control frames, branch
// values, calls); the machine lives in the backend.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decoder/module.h"
#include "jit/backend.h"

namespace wrun::jit {

// Compiles defined function func_index with `backend` (fresh for each function). nullopt when
// the body uses an instruction the JIT does not compile yet; `missing` then names it.
// mark_sources fills FunctionCode::marks. Throws DecodeError on invalid code.
std::optional<FunctionCode> compile_function(const DecodedModule& module, uint32_t func_index,
                                             const std::vector<bool>& declared_refs,
                                             Backend& backend, std::string* missing = nullptr,
                                             bool mark_sources = false);

}  // namespace wrun::jit
