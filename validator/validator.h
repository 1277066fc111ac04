// Validation of a decoded module. Module-level rules live in module_validator.cc; function
// bodies are checked by the one opcode walker (func_walker.h) that the interpreter and the
// JIT also plug into, so validation and code generation never disagree.
#pragma once

#include <optional>

#include "decoder/module.h"

namespace wrun {

// Everything outside function bodies: limits, constant expressions, import/export rules,
// start function, segments, data count. Returns the first error, or nullopt when valid.
std::optional<Error> validate_module(const DecodedModule& module);

// Checks one function body with the walker and no code generation (func_index counts imports).
std::optional<Error> validate_function(const DecodedModule& module, uint32_t func_index);

// Validates the module and every function body.
std::optional<Error> validate_all(const DecodedModule& module);

}  // namespace wrun

namespace wrun {
// C.refs: the functions a ref.func in a function body may name (those referenced by element
// segments, global initialisers or exports).
std::vector<bool> declared_func_refs(const DecodedModule& module);
}  // namespace wrun
