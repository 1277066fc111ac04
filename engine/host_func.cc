// Host functions: one thunk, shared by all of them, adapts the slot calling convention to
// the embedder's HostCallback (Vals in, Vals out, an optional Trap).
#include <array>
#include <exception>

#include "engine/runtime.h"

namespace wrun {
namespace rt {

namespace {

// Arguments and results of most host calls fit here; larger ones use the heap.
constexpr size_t kInlineVals = 16;

std::optional<Trap> run_host(Store& store, FuncInst* func, Instance* caller, Slot* slots,
                             std::span<Val> args, std::span<Val> results) {
  const FuncType& type = *func->type;
  const Slot* in = slots;
  for (size_t i = 0; i < type.params.size(); ++i) {
    args[i] = val_from_slots(type.params[i], in);
    in += slot_count(type.params[i]);
  }
  for (size_t i = 0; i < type.results.size(); ++i) results[i] = Val::default_for(type.results[i]);

  Caller c(&store, caller);
  std::optional<Trap> trap;
  try {
    trap = func->host->callback(c, args, results);
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
  }
  Slot* out = slots;
  for (const Val& v : results) {
    val_to_slots(v, out);
    out += slot_count(v.type());
  }
  return std::nullopt;
}

}  // namespace

std::optional<Trap> host_func_thunk(Store& store, FuncInst* func, Instance* caller, Slot* slots) {
  if (!func->host || !func->host->callback)
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

}  // namespace rt

Func Func::host(Store& store, FuncType type, HostCallback callback) {
  auto host = std::make_unique<rt::HostFuncData>(
      rt::HostFuncData{rt::intern_func_type(type), std::move(callback)});
  rt::FuncInst& f = store.raw()->funcs.emplace_back();
  f.type = &host->type->type;
  f.type_id = host->type->id;
  f.param_slots = rt::slot_count(type.params);
  f.result_slots = rt::slot_count(type.results);
  f.host_thunk = &rt::host_func_thunk;
  f.host = std::move(host);
  return Func(&f);
}

}  // namespace wrun
