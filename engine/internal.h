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
#include "engine/compiled_module.h"
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

// The host_thunk of every FuncInst made by Func::host: slots -> Vals, the callback, Vals -> slots.
std::optional<Trap> host_func_thunk(rt::Store& store, rt::FuncInst* func, rt::Instance* caller, rt::Slot* slots);

// Calls a wasm function (interp::invoke) or a host function (its thunk) with args/results in
// `slots` (at least max(param_slots, result_slots) long). `caller` may be null.
std::optional<Trap> call_func(rt::Store& store, rt::FuncInst* func, rt::Instance* caller, rt::Slot* slots);

// The public handle for an export entry.
Extern extern_from_export(const rt::ExportEntry& entry);

// Why `actual` cannot be used for `import` of `module` (the spec's import matching: equal
// function types, limits subtyping for tables and memories, equal global types), or nullopt.
std::optional<std::string> import_mismatch(const DecodedModule& module, const Import& import, const Extern& actual);
// `"module" "name"` of an import for messages, both escaped (escape_name).
std::string import_text(const Import& import);

// The spec's instantiation algorithm with one resolved extern per import, in import order:
// import matching, allocation (everything goes into `store`), element and data segment
// initialisation, then the start function.
std::variant<wrun::Instance, InstantiateError> instantiate(rt::Store& store, std::shared_ptr<const CompiledModule> module,
                                                           std::span<const Extern> imports);

}  // namespace wrun::api
