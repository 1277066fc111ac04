// Instance: lookup of exports by name, a binary search over the names sorted at instantiation.
#include <algorithm>

#include "engine/internal.h"

namespace wrun {
namespace api {

rt::ResolvedImport resolved(const Extern& e) {
  switch (e.kind()) {
    case ExternKind::Func: return {ExternKind::Func, raw(*e.func())};
    case ExternKind::Table: return {ExternKind::Table, raw(*e.table())};
    case ExternKind::Memory: return {ExternKind::Memory, raw(*e.memory())};
    case ExternKind::Global: return {ExternKind::Global, raw(*e.global())};
  }
  return {};
}

const rt::Store* owner(const Extern& e) {
  switch (e.kind()) {
    case ExternKind::Func: return raw(*e.func())->store();
    case ExternKind::Table: return raw(*e.table())->store;
    case ExternKind::Memory: return raw(*e.memory())->store;
    case ExternKind::Global: return raw(*e.global())->store;
  }
  return nullptr;
}

Extern extern_from_export(const rt::ExportEntry& e) {
  switch (e.kind) {
    case ExternKind::Func:
      return ApiAccess::func(static_cast<rt::FuncInst*>(e.object));
    case ExternKind::Table:
      return ApiAccess::table(static_cast<rt::TableInst*>(e.object));
    case ExternKind::Memory:
      return ApiAccess::memory(static_cast<rt::MemoryInst*>(e.object));
    case ExternKind::Global:
      return ApiAccess::global(static_cast<rt::GlobalInst*>(e.object));
  }
  return ApiAccess::func(static_cast<rt::FuncInst*>(e.object));
}

}  // namespace api

std::optional<Extern> Instance::get_export(std::string_view name) const {
  const std::vector<rt::ExportEntry>& ex = i_->exports;
  const std::vector<uint32_t>& order = i_->exports_by_name;
  auto it = std::lower_bound(order.begin(), order.end(), name,
                             [&](uint32_t i, std::string_view n) { return ex[i].name < n; });
  if (it == order.end() || ex[*it].name != name) return std::nullopt;
  return api::extern_from_export(ex[*it]);
}

std::optional<Func> Instance::get_func(std::string_view name) const {
  auto e = get_export(name);
  return e ? e->func() : std::nullopt;
}

std::optional<Memory> Instance::get_memory(std::string_view name) const {
  auto e = get_export(name);
  return e ? e->memory() : std::nullopt;
}

std::optional<Table> Instance::get_table(std::string_view name) const {
  auto e = get_export(name);
  return e ? e->table() : std::nullopt;
}

std::optional<Global> Instance::get_global(std::string_view name) const {
  auto e = get_export(name);
  return e ? e->global() : std::nullopt;
}

std::vector<std::pair<std::string, Extern>> Instance::exports() const {
  std::vector<std::pair<std::string, Extern>> out;
  out.reserve(i_->exports.size());
  for (const rt::ExportEntry& e : i_->exports) out.emplace_back(e.name, api::extern_from_export(e));
  return out;
}

}  // namespace wrun
