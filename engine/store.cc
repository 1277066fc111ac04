// Engine, Store (execution limits), Caller.
#include "engine/internal.h"

namespace wrun {

Engine::Engine(EngineConfig config) : config_(config) {}
Engine::~Engine() = default;

namespace {

rt::StoreConfig store_config(const EngineConfig& c) {
  rt::StoreConfig sc;
  sc.max_call_depth = c.max_call_depth;
  sc.value_stack_slots = c.value_stack_slots;
  return sc;
}

}  // namespace

Store::Store(Engine& engine)
    : engine_(engine), s_(std::make_unique<rt::Store>(store_config(engine.config()))) {
  s_->embedder = this;
}
Store::~Store() = default;

void Store::set_fuel(std::optional<uint64_t> fuel) {
  s_->fuel_enabled = fuel.has_value();
  if (fuel) s_->poll.fetch_or(rt::Store::kPollFuel);
  else s_->poll.fetch_and(~rt::Store::kPollFuel);
  s_->fuel = fuel.value_or(0);
}

std::optional<uint64_t> Store::fuel() const {
  if (!s_->fuel_enabled) return std::nullopt;
  return s_->fuel;
}

void Store::interrupt() {
  s_->interrupt_requested.store(true);
  s_->poll.fetch_or(rt::Store::kPollInterrupt);
}

void Store::set_max_memory_bytes(std::optional<uint64_t> bytes) {
  s_->max_memory_bytes = bytes;
  // Existing memories keep their size but may grow only within the new limit.
  for (auto& m : s_->memories) m->max_pages = rt::memory_max_pages(m->type, bytes);
}

Store& Caller::store() const { return ApiAccess::store(store_); }

std::optional<Extern> Caller::get_export(std::string_view name) const {
  if (instance_ == nullptr) return std::nullopt;
  return ApiAccess::instance(instance_).get_export(name);
}

}  // namespace wrun
