// What engine/*.cc share: the embedding API (wrun/wrun.h) over the runtime's objects
// (runtime/). Conversions between the API's values and handles and the runtime's slots and
// instances, host functions, calls and instantiation.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "decoder/module.h"
#include "runtime/compiled_module.h"
#include "runtime/instantiate.h"
#include "runtime/store.h"
#include "wrun/wrun.h"

namespace wrun {

// The runtime objects behind the API's handles, and handles for runtime objects (friend of
// every handle class in wrun.h; for engine/ and its tests only).
struct ApiAccess {
  static rt::FuncInst* raw(const Func& f) { return f.f_; }
  static rt::MemoryInst* raw(const Memory& m) { return m.m_; }
  static rt::TableInst* raw(const Table& t) { return t.t_; }
  static rt::GlobalInst* raw(const Global& g) { return g.g_; }
  static rt::Instance* raw(const Instance& i) { return i.i_; }
  static rt::Store* raw(const Store& s) { return s.s_.get(); }
  static const std::shared_ptr<const rt::CompiledModule>& compiled(const Module& m) { return m.compiled_; }

  static Func func(rt::FuncInst* f) { return Func(f); }
  static Memory memory(rt::MemoryInst* m) { return Memory(m); }
  static Table table(rt::TableInst* t) { return Table(t); }
  static Global global(rt::GlobalInst* g) { return Global(g); }
  static Instance instance(rt::Instance* i) { return Instance(i); }
  static Module module(std::shared_ptr<const rt::CompiledModule> c) { return Module(std::move(c)); }
  static Caller caller(rt::Store* s, rt::Instance* i) { return Caller(s, i); }
  // The public Store wrapping a runtime store.
  static Store& store(rt::Store* s) { return *static_cast<Store*>(s->embedder); }
};

namespace api {

// ApiAccess::raw for short.
template <class Handle>
auto raw(const Handle& h) {
  return ApiAccess::raw(h);
}

// Values <-> slots, following the calling convention (runtime/slot.h; v128: low 8 bytes first).
void val_to_slots(const Val& v, rt::Slot* out);
Val val_from_slots(ValType type, const rt::Slot* in);

// The host data of every function Func::host makes: its type and the embedder's callback.
struct HostFunc : rt::HostFuncData {
  HostCallback callback;
};

// The entry of every FuncInst made by Func::host: slots -> Vals, the callback, Vals -> slots.
std::optional<Trap> host_func_thunk(rt::Store& store, rt::FuncInst* func, rt::Instance* caller, rt::Slot* slots);

// The public handle for an export entry.
Extern extern_from_export(const rt::ExportEntry& entry);

// An extern as the runtime's instantiation takes it.
rt::ResolvedImport resolved(const Extern& e);

// The store that owns an extern's object.
const rt::Store* owner(const Extern& e);

// Whether `v` refers to a function of another store than `store` (funcrefs only; a null
// reference and an externref, the host's own pointer, belong to any store).
bool foreign_ref(const Val& v, const rt::Store* store);

}  // namespace api
}  // namespace wrun
