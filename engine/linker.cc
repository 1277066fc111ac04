// Linker: a name space of (module, name) -> Extern that resolves a module's imports.
#include "engine/internal.h"

namespace wrun {

size_t Linker::NameHash::operator()(Name n) const {
  // Mixed, not concatenated: NameEq compares the two parts, so ("ab", "c") != ("a", "bc").
  return std::hash<std::string_view>()(n.module) * 0x9E3779B97F4A7C15ull ^
         std::hash<std::string_view>()(n.name);
}

bool Linker::define(std::string module, std::string name, Extern value) {
  if (api::owner(value) != ApiAccess::raw(store_)) return false;
  // A later definition replaces an earlier one (a re-registered module shadows the old one).
  defs_.insert_or_assign(Key{std::move(module), std::move(name)}, value);
  return true;
}

bool Linker::define_instance(const std::string& module, const Instance& instance) {
  if (ApiAccess::raw(instance)->store != ApiAccess::raw(store_)) return false;
  for (auto& [name, ext] : instance.exports()) define(module, name, ext);
  return true;
}

std::optional<Extern> Linker::find(std::string_view module, std::string_view name) const {
  auto it = defs_.find(Name{module, name});
  if (it == defs_.end()) return std::nullopt;
  return it->second;
}

std::variant<Instance, InstantiateError> Linker::instantiate(const Module& module) {
  using Stage = InstantiateError::Stage;
  const std::shared_ptr<const rt::CompiledModule>& compiled = ApiAccess::compiled(module);
  if (!compiled || !compiled->ir) return InstantiateError{Stage::Link, "empty module", std::nullopt};
  const DecodedModule& ir = *compiled->ir;
  // Imports are resolved and matched one by one, in order, as the spec's algorithm does.
  std::vector<rt::ResolvedImport> imports;
  imports.reserve(ir.imports.size());
  for (const Import& im : ir.imports) {
    auto ext = find(im.module, im.name);
    if (!ext) {
      return InstantiateError{Stage::Link, "unknown import " + rt::import_text(im), std::nullopt};
    }
    imports.push_back(api::resolved(*ext));
    if (auto why = rt::import_mismatch(ir, im, imports.back())) {
      return InstantiateError{Stage::Link,
                              "incompatible import type " + rt::import_text(im) + ": " + *why,
                              std::nullopt};
    }
  }
  auto r = rt::instantiate(*ApiAccess::raw(store_), compiled, imports);
  if (auto* inst = std::get_if<rt::Instance*>(&r)) return ApiAccess::instance(*inst);
  rt::InstantiateFailure& f = std::get<rt::InstantiateFailure>(r);
  return InstantiateError{f.stage == rt::InstantiateFailure::Stage::Trap ? Stage::Trap : Stage::Link,
                          std::move(f.message), std::move(f.trap)};
}

}  // namespace wrun
