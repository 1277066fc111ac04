// Linker: a name space of (module, name) -> Extern that resolves a module's imports.
#include "engine/compiled_module.h"
#include "engine/runtime.h"

namespace wrun {

void Linker::define(std::string module, std::string name, Extern value) {
  // A later definition replaces an earlier one (a re-registered module shadows the old one).
  for (auto& [m, n, v] : defs_) {
    if (m == module && n == name) {
      v = value;
      return;
    }
  }
  defs_.emplace_back(std::move(module), std::move(name), value);
}

void Linker::define_instance(const std::string& module, const Instance& instance) {
  for (auto& [name, ext] : instance.exports()) define(module, name, ext);
}

std::optional<Extern> Linker::find(std::string_view module, std::string_view name) const {
  for (const auto& [m, n, v] : defs_) {
    if (m == module && n == name) return v;
  }
  return std::nullopt;
}

std::variant<Instance, InstantiateError> Linker::instantiate(const Module& module) {
  using Stage = InstantiateError::Stage;
  if (!module.compiled() || !module.compiled()->ir)
    return InstantiateError{Stage::Link, "empty module", std::nullopt};
  const DecodedModule& ir = module.ir();
  // Imports are resolved and matched one by one, in order, as the spec's algorithm does.
  std::vector<Extern> externs;
  externs.reserve(ir.imports.size());
  for (const Import& im : ir.imports) {
    auto ext = find(im.module, im.name);
    const std::string where = rt::import_text(im);
    if (!ext) return InstantiateError{Stage::Link, "unknown import " + where, std::nullopt};
    if (auto why = rt::import_mismatch(ir, im, *ext)) {
      return InstantiateError{Stage::Link, "incompatible import type " + where + ": " + *why,
                              std::nullopt};
    }
    externs.push_back(*ext);
  }
  return rt::instantiate(*store_.raw(), module.compiled(), externs);
}

}  // namespace wrun
