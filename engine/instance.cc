// Instance: lookup of exports by name.
#include "engine/runtime.h"

namespace wrun {
namespace rt {

Extern extern_from_export(const ExportEntry& e) {
  switch (e.kind) {
    case ExternKind::Func:
      return Func(static_cast<FuncInst*>(e.object));
    case ExternKind::Table:
      return Table(static_cast<TableInst*>(e.object));
    case ExternKind::Memory:
      return Memory(static_cast<MemoryInst*>(e.object));
    case ExternKind::Global:
      return Global(static_cast<GlobalInst*>(e.object));
  }
  return Func(static_cast<FuncInst*>(e.object));
}

}  // namespace rt

std::optional<Extern> Instance::get_export(std::string_view name) const {
  for (const rt::ExportEntry& e : i_->exports) {
    if (e.name == name) return rt::extern_from_export(e);
  }
  return std::nullopt;
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
  for (const rt::ExportEntry& e : i_->exports) out.emplace_back(e.name, rt::extern_from_export(e));
  return out;
}

}  // namespace wrun
