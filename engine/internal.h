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

namespace wrun::api {

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

}  // namespace wrun::api
