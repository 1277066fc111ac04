// Globals created by the embedder, and typed access to any global.
#include <stdexcept>

#include "engine/internal.h"

namespace wrun {

Global Global::create(Store& store, GlobalType type, Val value) {
  if (value.type() != type.type)
    throw std::invalid_argument("Global::create: value has the wrong type");
  auto global = std::make_unique<rt::GlobalInst>();
  global->type = type;
  api::val_to_slots(value, global->value);
  rt::Store& s = *store.raw();
  global->store = &s;
  s.globals.push_back(std::move(global));
  return Global(s.globals.back().get());
}

GlobalType Global::type() const { return g_->type; }

Val Global::get() const { return api::val_from_slots(g_->type.type, g_->value); }

bool Global::set(Val value) const {
  if (!g_->type.mut || value.type() != g_->type.type) return false;
  api::val_to_slots(value, g_->value);
  return true;
}

}  // namespace wrun
