// Tables created by the embedder, and typed access to any table.
#include "engine/internal.h"

namespace wrun {

Result<Table> Table::create(Store& store, TableType type, Val init) {
  rt::Store& s = *ApiAccess::raw(store);
  if (!is_ref_type(type.elem))
    return Result<Table>::failure("Table::create: element type must be a reference type");
  if (init.type() != type.elem)
    return Result<Table>::failure("Table::create: init value has the wrong type");
  if (api::foreign_ref(init, &s))
    return Result<Table>::failure("Table::create: init value is a function of another store");
  auto table = rt::create_table(type, init.raw());
  if (!table) return Result<Table>::failure("Table::create: invalid limits or too large");
  table->store = &s;
  s.tables.push_back(std::move(table));
  return Table(s.tables.back().get());
}

TableType Table::type() const {
  TableType t = t_->type;
  t.limits.min = t_->elems.size();
  return t;
}

uint64_t Table::size() const { return t_->elems.size(); }

std::optional<Val> Table::get(uint64_t index) const {
  if (index >= t_->elems.size()) return std::nullopt;
  return Val::from_raw(t_->type.elem, t_->elems[index]);
}

bool Table::set(uint64_t index, Val value) const {
  if (value.type() != t_->type.elem || index >= t_->elems.size() || api::foreign_ref(value, t_->store))
    return false;
  t_->elems[index] = value.raw();
  return true;
}

std::optional<uint64_t> Table::grow(uint64_t delta, Val init) const {
  if (init.type() != t_->type.elem || api::foreign_ref(init, t_->store)) return std::nullopt;
  int64_t old = t_->grow(delta, init.raw());
  if (old < 0) return std::nullopt;
  return static_cast<uint64_t>(old);
}

}  // namespace wrun
