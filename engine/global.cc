// Globals created by the embedder, and typed access to any global.
#include "engine/internal.h"

namespace wrun {

Result<Global> Global::create(Store& store, GlobalType type, Val value) {
  rt::Store& s = *ApiAccess::raw(store);
  if (value.type() != type.type)
    return Result<Global>::failure("Global::create: value has the wrong type");
  if (api::foreign_ref(value, &s))
    return Result<Global>::failure("Global::create: value is a function of another store");
  auto global = std::make_unique<rt::GlobalInst>();
  global->store = &s;
  global->type = type;
  api::val_to_slots(value, global->value);
  s.globals.push_back(std::move(global));
  return Global(s.globals.back().get());
}

GlobalType Global::type() const { return g_->type; }

Val Global::get() const { return api::val_from_slots(g_->type.type, g_->value); }

bool Global::set(Val value) const {
  if (!g_->type.mut || value.type() != g_->type.type || api::foreign_ref(value, g_->store))
    return false;
  api::val_to_slots(value, g_->value);
  return true;
}

}  // namespace wrun
