// Runtime objects of the store (internal to the engine; the interpreter and later the JIT
// read them directly). Everything here is owned by rt::Store and lives as long as it does.
//
// The calling convention every executor meets at: a function's parameters are passed in an
// array of 8-byte slots (v128 takes two), and its results are written back to the start of
// the same array. References are slots too: a funcref is a FuncInst*, an externref the host's
// pointer, and 0 is null.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/limits.h"
#include "decoder/module.h"
#include "wrun/wrun.h"

namespace wrun {
namespace interp {
struct Code;
}

class CompiledModule;  // engine/compiled_module.h

namespace rt {

using Slot = uint64_t;

inline uint32_t slot_count(ValType t) { return t == ValType::V128 ? 2 : 1; }
inline uint32_t slot_count(std::span<const ValType> ts) {
  uint32_t n = 0;
  for (ValType t : ts) n += slot_count(t);
  return n;
}

// Canonical ids for function types: equal ids <=> structurally equal types, so call_indirect
// compares one integer. Process-wide and thread-safe. A type stays registered, with its id,
// while a reference to it lives; compiled modules hold their types, host functions theirs.
struct InternedFuncType {
  FuncType type;
  uint32_t id = 0;
};
using FuncTypeRef = std::shared_ptr<const InternedFuncType>;
FuncTypeRef intern_func_type(const FuncType& type);
size_t interned_func_type_count();  // types registered now

struct FuncInst;
// How executors call a host function: args in slots[0..], results written to slots[0..].
// `caller` is the instance whose code made the call (null when called from the embedder).
using HostThunk = std::optional<Trap> (*)(Store& store, FuncInst* func, Instance* caller, Slot* slots);

// What only host functions have: their type (registered while they live) and the embedder's
// callback.
struct HostFuncData {
  FuncTypeRef type;
  HostCallback callback;
};

// One per function of every instance, so kept small. Shared, never copied (a module may give
// 20000 functions one type of 100000 parameters): the defining module's type, which the
// instance keeps alive, or host->type's. Never null.
struct FuncInst {
  const FuncType* type = nullptr;
  uint32_t type_id = 0;
  uint32_t param_slots = 0;
  uint32_t result_slots = 0;
  // Wasm functions:
  uint32_t index = 0;  // function index within its module
  Instance* instance = nullptr;
  const interp::Code* code = nullptr;  // lowered body
  // Host functions:
  HostThunk host_thunk = nullptr;
  std::unique_ptr<HostFuncData> host;

  bool is_host() const { return host_thunk != nullptr; }
};

struct MemoryInst {
  MemoryType type;
  uint8_t* base = nullptr;       // start of the reservation
  uint64_t size_bytes = 0;       // accessible bytes (pages * 64 KiB)
  uint64_t reserved_bytes = 0;   // length of the whole mapping at base (accessible part + PROT_NONE guard)
  uint64_t max_pages = kMaxPages32;  // effective limit (type max, 4 GiB, store limit)
  ~MemoryInst();
  uint64_t pages() const { return size_bytes / kPageSize; }
  // Grows by delta pages; returns the old size in pages or -1 on failure.
  int64_t grow(uint64_t delta_pages);
};

struct TableInst {
  TableType type;
  std::vector<Slot> elems;
  uint64_t max_size = UINT32_MAX;
  // Entries of all tables the defining instance owns, bounded together by kMaxTableEntries
  // (points into that Instance; null for tables the embedder creates, bounded one by one).
  uint64_t* instance_entries = nullptr;
  // Grows by delta entries filled with init; returns the old size or -1 on failure.
  int64_t grow(uint64_t delta, Slot init);
};

struct GlobalInst {
  GlobalType type;
  Slot value[2] = {0, 0};  // v128 uses both
};

struct ExportEntry {
  std::string name;
  ExternKind kind;
  void* object;  // FuncInst*, TableInst*, MemoryInst* or GlobalInst*
};

struct Instance {
  std::shared_ptr<const CompiledModule> module;
  const DecodedModule* ir = nullptr;
  std::vector<FuncInst*> funcs;      // by function index, imports first
  std::vector<TableInst*> tables;
  std::vector<MemoryInst*> memories;
  std::vector<GlobalInst*> globals;
  std::span<const uint32_t> type_ids;  // canonical id of each module type index (the module's)
  std::vector<std::vector<Slot>> elem_segments;  // resolved references; cleared by elem.drop
  std::vector<std::span<const uint8_t>> data_segments;  // emptied by data.drop
  std::vector<ExportEntry> exports;                     // in module order
  // Indices into exports sorted by name: every WASI call looks up "memory", so get_export
  // must not scan 50000 exports.
  std::vector<uint32_t> exports_by_name;
  uint64_t table_entries = 0;  // entries of the tables this instance defines (see TableInst)
};

struct Store {
  explicit Store(Engine& e) : engine(&e) {}
  Engine* engine;
  std::deque<FuncInst> funcs;  // in place: a deque never moves its elements when it grows
  std::deque<std::unique_ptr<TableInst>> tables;
  std::deque<std::unique_ptr<MemoryInst>> memories;
  std::deque<std::unique_ptr<GlobalInst>> globals;
  std::deque<std::unique_ptr<Instance>> instances;

  // Execution state shared by nested activations (host -> wasm -> host -> wasm ...).
  std::vector<Slot> value_stack;  // allocated on first call
  uint32_t call_depth = 0;
  bool fuel_enabled = false;
  uint64_t fuel = 0;
  std::atomic<bool> interrupt_requested{false};
  // Non-zero while fuel is metered or an interrupt is pending: executors poll this one word
  // and look at fuel_enabled / interrupt_requested only when it is set.
  std::atomic<uint32_t> poll{0};
  static constexpr uint32_t kPollFuel = 1, kPollInterrupt = 2;
  std::optional<uint64_t> max_memory_bytes;
  wrun::Store* public_store = nullptr;  // the public Store wrapping this one (for Caller)
  // The interpreter's value and call stacks (interp/exec.cc), created on first use.
  std::shared_ptr<void> interp_state;
};

// The fuel of a bulk operation asked to write `bytes`: memory.copy/fill/init, table.copy/fill/
// init/grow (8 bytes per entry) and memory.grow (64 KiB per page, which the OS zeroes when first
// touched). One unit, as for a call, plus one per 64 bytes: memmove writes 64 bytes in about the
// time of the loop iteration a unit otherwise pays for, so fuel bounds work whatever the length.
// Executors charge it before starting: a budget that cannot pay traps with nothing done.
constexpr uint64_t kBulkBytesPerFuel = 64;
constexpr uint64_t bulk_fuel(uint64_t bytes) { return 1 + bytes / kBulkBytesPerFuel; }

// Creates a memory with a reservation large enough for its maximum size plus a guard
// region; returns null if the initial size cannot be committed.
std::unique_ptr<MemoryInst> create_memory(const MemoryType& type, std::optional<uint64_t> max_bytes);

// ---------------------------------------------------------------------------------------------
// Engine helpers shared by engine/*.cc (executors may use them too).

// Implementation limit on any table's size, in entries (decoder/limits.h): a validated module
// may declare a maximum of 2^32-1, which would be 32 GiB of slots. Creation beyond it fails,
// growth beyond it returns -1. It also bounds the tables one instance defines together (at
// instantiation and on every table.grow), so many tables cannot add up to gigabytes.
constexpr uint64_t kMaxTableEntries = limits::kTableSize;

// Creates a table of type.limits.min entries set to `init`; null if min exceeds the limits.
std::unique_ptr<TableInst> create_table(const TableType& type, Slot init);

// The effective page limit of a memory: type max, 4 GiB and the store's byte limit.
uint64_t memory_max_pages(const MemoryType& type, std::optional<uint64_t> max_bytes);

// Values <-> slots, following the calling convention above (v128: low 8 bytes first).
void val_to_slots(const Val& v, Slot* out);
Val val_from_slots(ValType type, const Slot* in);

// Calls a wasm function (interp::invoke) or a host function (its thunk) with args/results in
// `slots` (at least max(param_slots, result_slots) long). `caller` may be null.
std::optional<Trap> call_func(Store& store, FuncInst* func, Instance* caller, Slot* slots);

// The host_thunk of every FuncInst made by Func::host: slots -> Vals, the callback, Vals -> slots.
std::optional<Trap> host_func_thunk(Store& store, FuncInst* func, Instance* caller, Slot* slots);

// Appends n frames of one activation (innermost first) to trap.backtrace within the bounds
// Trap documents. frame_at(i) gives a FrameSource for frame i and is called only for the frames
// kept, so a 20000-frame stack costs 80 frames, not 20000 name copies.
struct FrameSource {
  uint32_t func_index = 0;
  std::string_view func_name;
  uint32_t code_offset = 0;
};
// Which of n new frames a trap keeps: [0, inner) and [outer_from, n). Makes room for them,
// dropping outer frames kept before that are no longer outermost, and counts what is left out.
struct KeptFrames {
  size_t inner = 0, outer_from = 0;
};
KeptFrames keep_frames(Trap& trap, size_t n);
Frame backtrace_frame(const FrameSource& source);  // the name cut to Trap::kMaxFrameName
template <class FrameAt>
void append_backtrace(Trap& trap, size_t n, FrameAt&& frame_at) {
  const KeptFrames keep = keep_frames(trap, n);
  for (size_t i = 0; i < keep.inner; ++i) trap.backtrace.push_back(backtrace_frame(frame_at(i)));
  for (size_t i = keep.outer_from; i < n; ++i)
    trap.backtrace.push_back(backtrace_frame(frame_at(i)));
}

// The public handle for an export entry.
Extern extern_from_export(const ExportEntry& entry);

// The value of a constant expression (t.const, ref.null, ref.func, global.get, and the
// extended-const i32/i64 add/sub/mul) over an instance's functions and globals so far;
// nullopt if it is not constant, is ill-typed or names something that does not exist.
struct ConstValue {
  ValType type = ValType::I32;
  Slot bits[2] = {0, 0};
};
std::optional<ConstValue> eval_const_expr(const ConstExpr& expr, std::span<FuncInst* const> funcs,
                                          std::span<GlobalInst* const> globals);

// Why `actual` cannot be used for `import` of `module` (the spec's import matching: equal
// function types, limits subtyping for tables and memories, equal global types), or nullopt.
std::optional<std::string> import_mismatch(const DecodedModule& module, const Import& import, const Extern& actual);
// `"module" "name"` of an import for messages, both escaped (escape_name).
std::string import_text(const Import& import);

// The spec's instantiation algorithm with one resolved extern per import, in import order:
// import matching, allocation (everything goes into `store`), element and data segment
// initialisation, then the start function.
std::variant<wrun::Instance, InstantiateError> instantiate(Store& store, std::shared_ptr<const CompiledModule> module,
                                                           std::span<const Extern> imports);

}  // namespace rt
}  // namespace wrun
