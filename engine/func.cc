// Calling functions from the embedder: type-checked Vals in, slots through the function's
// entry (an executor's for wasm code, the host thunk for host functions), Vals out.
#include <algorithm>
#include <array>
#include <exception>

#include "engine/internal.h"

namespace wrun {

const FuncType& Func::type() const { return *f_->type; }

std::variant<std::vector<Val>, Trap> Func::call(Store& store, std::span<const Val> args) const {
  if (f_ == nullptr) return Trap::make(TrapKind::Host, "call of a null function");
  rt::Store& s = *ApiAccess::raw(store);
  if (f_->store() != &s) return Trap::make(TrapKind::Host, "function belongs to another store");
  const FuncType& type = *f_->type;
  if (args.size() != type.params.size()) {
    return Trap::make(TrapKind::Host, "expected " + std::to_string(type.params.size()) +
                                          " arguments, got " + std::to_string(args.size()) +
                                          " (function type " + func_type_to_string(type) + ")");
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type() != type.params[i]) {
      return Trap::make(TrapKind::Host, "argument " + std::to_string(i) + " has type " +
                                            val_type_name(args[i].type()) + ", expected " +
                                            val_type_name(type.params[i]));
    }
    if (api::foreign_ref(args[i], &s)) {
      return Trap::make(TrapKind::Host,
                        "argument " + std::to_string(i) + " is a function of another store");
    }
  }

  const size_t n = std::max<size_t>({f_->param_slots, f_->result_slots, 1});
  std::array<rt::Slot, 32> inline_slots{};
  std::vector<rt::Slot> heap_slots;
  rt::Slot* slots = inline_slots.data();
  if (n > inline_slots.size()) {
    heap_slots.resize(n);
    slots = heap_slots.data();
  }
  rt::Slot* out = slots;
  for (const Val& v : args) {
    api::val_to_slots(v, out);
    out += rt::slot_count(v.type());
  }

  std::optional<Trap> trap;
  try {
    trap = rt::call_func(s, f_, nullptr, slots);
  } catch (const std::exception& e) {
    trap = Trap::make(TrapKind::Host, std::string("call failed: ") + e.what());
  }
  if (trap) {
    // An interrupt is delivered once: the next call from the embedder runs normally.
    if (trap->kind == TrapKind::Interrupted && s.call_depth == 0) {
      s.interrupt_requested.store(false);
      s.poll.fetch_and(~rt::Store::kPollInterrupt);
    }
    return std::move(*trap);
  }

  std::vector<Val> results;
  results.reserve(type.results.size());
  const rt::Slot* in = slots;
  for (ValType t : type.results) {
    results.push_back(api::val_from_slots(t, in));
    in += rt::slot_count(t);
  }
  return results;
}

}  // namespace wrun
