// Plain validation of function bodies: the walker with a visitor that generates nothing.
#include "validator/func_walker.h"
#include "validator/validator.h"

namespace wrun {

std::optional<Error> validate_function(const DecodedModule& module, uint32_t func_index) {
  std::vector<bool> refs = declared_func_refs(module);
  NullVisitor visitor;
  try {
    FuncWalker<NullVisitor> walker(module, func_index, visitor, refs);
    walker.run();
  } catch (const DecodeError& e) {
    return e.error;
  }
  return std::nullopt;
}

std::optional<Error> validate_all(const DecodedModule& module) {
  if (auto err = validate_module(module)) return err;
  std::vector<bool> refs = declared_func_refs(module);
  NullVisitor visitor;
  for (uint32_t f = module.num_imported_funcs; f < module.funcs.size(); ++f) {
    try {
      FuncWalker<NullVisitor> walker(module, f, visitor, refs);
      walker.run();
    } catch (const DecodeError& e) {
      return e.error;
    }
  }
  return std::nullopt;
}

}  // namespace wrun
