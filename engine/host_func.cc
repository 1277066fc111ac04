// Host functions: one thunk, shared by all of them, adapts the slot calling convention to
// the embedder's HostCallback (Vals in, Vals out, an optional Trap).
#include <array>
#include <exception>

#include "engine/internal.h"

namespace wrun {
namespace api {

namespace {

// Arguments and results of most host calls fit here; larger ones use the heap.
constexpr size_t kInlineVals = 16;

std::optional<Trap> run_host(rt::Store& store, rt::FuncInst* func, rt::Instance* caller, rt::Slot* slots,
                             std::span<Val> args, std::span<Val> results) {
  const FuncType& type = *func->type;
  const rt::Slot* in = slots;
  for (size_t i = 0; i < type.params.size(); ++i) {
    args[i] = val_from_slots(type.params[i], in);
    in += rt::slot_count(type.params[i]);
  }
  for (size_t i = 0; i < type.results.size(); ++i) results[i] = Val::default_for(type.results[i]);

  Caller c = ApiAccess::caller(&store, caller);
  std::optional<Trap> trap;
  try {
    trap = static_cast<HostFunc*>(func->host.get())->callback(c, args, results);
  } catch (const std::exception& e) {
    return Trap::make(TrapKind::Host, std::string("host function threw: ") + e.what());
  } catch (...) {
    return Trap::make(TrapKind::Host, "host function threw an exception");
  }
  if (trap) return trap;

  // A wrongly typed result would hand wasm code a value of the wrong type (a bogus reference).
  for (size_t i = 0; i < type.results.size(); ++i) {
    if (results[i].type() != type.results[i]) {
      return Trap::make(TrapKind::Host, "host function returned " +
                                            std::string(val_type_name(results[i].type())) +
                                            " for result " + std::to_string(i) + " of type " +
                                            val_type_name(type.results[i]));
    }
    if (foreign_ref(results[i], &store)) {
      return Trap::make(TrapKind::Host, "host function returned a function of another store for result " +
                                            std::to_string(i));
    }
  }
  rt::Slot* out = slots;
  for (const Val& v : results) {
    val_to_slots(v, out);
    out += rt::slot_count(v.type());
  }
  return std::nullopt;
}

}  // namespace

std::optional<Trap> host_func_thunk(rt::Store& store, rt::FuncInst* func, rt::Instance* caller, rt::Slot* slots) {
  if (!func->host || !static_cast<HostFunc*>(func->host.get())->callback)
    return Trap::make(TrapKind::Host, "host function has no callback");
  const size_t np = func->type->params.size(), nr = func->type->results.size();
  if (np + nr <= kInlineVals) {
    std::array<Val, kInlineVals> vals;
    std::span<Val> all(vals.data(), np + nr);
    return run_host(store, func, caller, slots, all.first(np), all.subspan(np));
  }
  std::vector<Val> vals(np + nr);
  std::span<Val> all(vals);
  return run_host(store, func, caller, slots, all.first(np), all.subspan(np));
}

}  // namespace api

Func Func::host(Store& store, FuncType type, HostCallback callback) {
  auto host = std::make_unique<api::HostFunc>();
  host->type = rt::intern_func_type(type);
  host->callback = std::move(callback);
  rt::Store& s = *ApiAccess::raw(store);
  host->store = &s;
  rt::FuncInst& f = s.funcs.emplace_back();
  f.type = &host->type->type;
  f.type_id = host->type->id;
  f.param_slots = rt::slot_count(type.params);
  f.result_slots = rt::slot_count(type.results);
  f.entry = &api::host_func_thunk;
  f.host = std::move(host);
  return Func(&f);
}

}  // namespace wrun
