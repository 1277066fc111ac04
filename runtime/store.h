// The store's runtime objects: function, table, memory and global instances, module
// instances, and the store that owns them all (everything lives as long as its rt::Store).
// Executors read these directly; the embedding API (engine/) wraps them in handles.
// Calling convention: runtime/slot.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "decoder/module.h"
#include "runtime/instance_context.h"
#include "runtime/memory.h"
#include "runtime/slot.h"
#include "runtime/stack_limit.h"
#include "runtime/table.h"
#include "runtime/type_registry.h"
#include "wrun/trap.h"
#include "wrun/types.h"

namespace wrun::rt {

struct CompiledModule;  // runtime/compiled_module.h
struct FuncInst;
struct Instance;
struct Store;

// The entry of every function, whoever runs it (an executor for wasm code, the embedder for
// host functions): arguments in slots[0..], results written back to slots[0..] (slot.h), at
// least max(param_slots, result_slots) long. `caller` is the instance whose code made the
// call (null when called from the embedder).
using ArrayCall = std::optional<Trap> (*)(Store& store, FuncInst* func, Instance* caller,
                                          Slot* slots);

// What only host functions have: their type (registered while they live), their store, and
// whatever the embedder keeps for them (a subclass: engine/ holds its callback there).
struct HostFuncData {
  FuncTypeRef type;
  Store* store = nullptr;
  virtual ~HostFuncData() = default;
};

// One per function of every instance, so kept small (64 bytes). The type is shared, never
// copied (a module may give 20000 functions one type of 100000 parameters): the defining
// module's type, which the instance keeps alive, or host->type's. Never null.
struct FuncInst {
  const FuncType* type = nullptr;
  uint32_t type_id = 0;
  uint32_t param_slots = 0;
  uint32_t result_slots = 0;
  uint32_t index = 0;            // wasm functions: function index within its module
  Instance* instance = nullptr;  // wasm functions: the defining instance; null for host functions
  // How to call it, executor-neutral: the interpreter's entry for the functions it compiled,
  // the embedder's thunk for host functions. Never null.
  ArrayCall entry = nullptr;
  // The executor's own code for this function, opaque here (an interp::Code when entry is
  // interp::array_call); null for host functions. An executor calling a function whose entry
  // is its own may read code directly instead of going through entry.
  const void* code = nullptr;
  // The JIT's native code for this function (jit/native_abi.h: its instance context and the
  // argument array), which generated code calls without going through entry. Null for
  // functions no JIT compiled; for those it compiled, `code` is where the JIT's own direct
  // calls enter.
  const void* native_entry = nullptr;
  std::unique_ptr<HostFuncData> host;  // host functions only

  bool is_host() const { return host != nullptr; }
  Store* store() const;  // the store that owns it
};

static_assert(sizeof(void*) != 8 || sizeof(FuncInst) == 64, "FuncInst grew: see load_memory_test");

// Calls any function through its entry (see ArrayCall). Every entry from the host passes
// here, a host function's re-entry included: each nesting costs native frames, so it must stop
// at the thread's stack limit with room to unwind (executors' own calls into host functions
// call the entry directly; the host function's re-entry comes back here). It also records the
// entering thread's limit for generated code (Store::stack_limit).
inline std::optional<Trap> call_func(Store& store, FuncInst* func, Instance* caller, Slot* slots);

struct GlobalInst {
  GlobalType type;
  Store* store = nullptr;  // the store that owns it
  Slot value[2] = {0, 0};  // v128 uses both
};

struct ExportEntry {
  std::string name;
  ExternKind kind;
  void* object;  // FuncInst*, TableInst*, MemoryInst* or GlobalInst*
};

struct Instance {
  Store* store = nullptr;  // the store that owns it
  std::shared_ptr<const CompiledModule> module;
  const DecodedModule* ir = nullptr;
  // By function index, imports first: the instance context's array (instance_context.h),
  // not a copy of it (a module may have a million functions).
  std::span<FuncInst*> funcs;
  std::vector<TableInst*> tables;
  std::vector<MemoryInst*> memories;
  std::vector<GlobalInst*> globals;
  std::span<const uint32_t> type_ids;  // canonical id of each module type index (the module's)
  std::vector<std::vector<Slot>> elem_segments;         // resolved references; cleared by elem.drop
  std::vector<std::span<const uint8_t>> data_segments;  // emptied by data.drop
  std::vector<ExportEntry> exports;                     // in module order
  // Indices into exports sorted by name: every WASI call looks up "memory", so get_export
  // must not scan 50000 exports.
  std::vector<uint32_t> exports_by_name;
  uint64_t table_entries = 0;  // entries of the tables this instance defines (see TableInst)
  // The flat view generated code reads (instance_context.h); set once instantiation has
  // allocated everything.
  std::unique_ptr<InstanceContext> context;
};

// What bounds the executors' stacks in one store (the embedder's EngineConfig).
struct StoreConfig {
  uint32_t max_call_depth = 20000;        // nested wasm calls before "call stack exhausted"
  uint32_t value_stack_slots = 1u << 22;  // an interpreter's value stack, in slots
};

// Which entry of Store::executor_state belongs to which executor.
enum ExecutorIndex : size_t { kInterpExecutor = 0, kJitExecutor = 1, kMaxExecutors = 2 };

struct Store {
  explicit Store(const StoreConfig& c) : config(c), jit_frames_left(c.max_call_depth) {}
  const StoreConfig config;
  std::deque<FuncInst> funcs;  // in place: a deque never moves its elements when it grows
  std::deque<std::unique_ptr<TableInst>> tables;
  std::deque<std::unique_ptr<MemoryInst>> memories;
  std::deque<std::unique_ptr<GlobalInst>> globals;
  std::deque<std::unique_ptr<Instance>> instances;

  // Execution state shared by nested activations (host -> wasm -> host -> wasm ...).
  uint32_t call_depth = 0;  // activations running now (an executor counts its entries)
  // How many more frames of JIT code may start (its prologues count down from
  // max_call_depth, as the interpreter counts its own frames up to it: one decrement and a
  // borrow test per call), and whether the next JIT prologue to poll is an entry from the
  // host, which pays a unit less and does not stop for an interrupt, as the interpreter's
  // entry (see jit/runtime_calls.h).
  uint32_t jit_frames_left;
  bool jit_host_entry = false;
  bool fuel_enabled = false;
  uint64_t fuel = 0;
  std::atomic<bool> interrupt_requested{false};
  // Non-zero while fuel is metered or an interrupt is pending: executors poll this one word
  // and look at fuel_enabled / interrupt_requested only when it is set.
  std::atomic<uint32_t> poll{0};
  static constexpr uint32_t kPollFuel = 1, kPollInterrupt = 2;
  std::optional<uint64_t> max_memory_bytes;
  // The native stack limit of the thread that entered this store last (call_func sets it on
  // every entry from the host); instance contexts point here for generated code's prologues.
  const char* stack_limit = nullptr;
  // The embedder's object wrapping this store (engine/: the public wrun::Store, for Caller).
  void* embedder = nullptr;
  // Each executor's own state for this store, opaque here (the interpreter's value and call
  // stacks), created by the executor on first use and indexed by ExecutorIndex.
  std::shared_ptr<void> executor_state[kMaxExecutors];
};

inline std::optional<Trap> call_func(Store& store, FuncInst* func, Instance* caller, Slot* slots) {
  if (stack_exhausted()) return Trap::make(TrapKind::StackExhausted);
  store.stack_limit = stack_limit();
  return func->entry(store, func, caller, slots);
}

inline Store* FuncInst::store() const { return instance ? instance->store : host->store; }

// The fuel of a bulk operation asked to write `bytes`: memory.copy/fill/init, table.copy/fill/
// init/grow (8 bytes per entry) and memory.grow (64 KiB per page, which the OS zeroes when first
// touched). One unit, as for a call, plus one per 64 bytes: memmove writes 64 bytes in about the
// time of the loop iteration a unit otherwise pays for, so fuel bounds work whatever the length.
// Executors charge it before starting: a budget that cannot pay traps with nothing done.
constexpr uint64_t kBulkBytesPerFuel = 64;
constexpr uint64_t bulk_fuel(uint64_t bytes) { return 1 + bytes / kBulkBytesPerFuel; }

}  // namespace wrun::rt
