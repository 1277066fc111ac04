// The instance context: one flat block per instance that generated code reads at fixed
// offsets from a single pointer (a JIT keeps it in a register and passes it along calls), so
// that a memory access, a global, an indirect call or a fuel check is a load at an immediate
// offset, never a walk through the runtime's C++ objects. The interpreter does not need it;
// executors that generate code do. See ARCHITECTURE.md, "The instance context".
//
// Layout (every field 8-byte aligned; offsets from ContextLayout, fixed per module):
//   header                  ContextHeader: instance, poll word, fuel, stack limit, JIT depth,
//   counts memories[num_memories]  MemoryView {base, bound}: kept current when the memory grows
//   tables[num_tables]      TableView {base, size}: kept current when the table grows
//   funcs[num_funcs]        FuncInst* by function index (imports first): call, ref.func
//   globals[num_globals]    Slot* to each global's value (imported or defined alike)
//   type_ids[num_types]     uint32_t canonical id of each module type: call_indirect
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "runtime/slot.h"

namespace wrun::rt {

struct FuncInst;
struct Instance;
struct Store;

// What generated code needs of a linear memory: accesses below `bound` are in bounds. The
// base never moves (memories reserve their whole range up front); the bound changes on grow.
struct MemoryView {
  uint8_t* base = nullptr;
  uint64_t bound = 0;  // accessible bytes
};

// What generated code needs of a table: its reference slots and their number. Both change
// when the table grows (its storage may move).
struct TableView {
  Slot* base = nullptr;
  uint64_t size = 0;
};

// The fixed part at offset 0. The store's fields are reached through pointers because one
// store serves many instances: the poll word is non-zero while fuel is metered or an
// interrupt is pending (Store::poll), and the stack limit is the one of the thread that
// entered the store last (set by call_func on every entry from the host; a JIT compares its
// stack pointer with it in each prologue).
struct ContextHeader {
  Instance* instance = nullptr;
  const std::atomic<uint32_t>* poll = nullptr;
  uint64_t* fuel = nullptr;
  const char* const* stack_limit = nullptr;
  uint32_t* jit_frames_left = nullptr;  // Store::jit_frames_left
  uint32_t num_memories = 0, num_tables = 0, num_funcs = 0, num_globals = 0;
  uint32_t num_types = 0;
};

// Where each part lies for given counts: the offsets generated code uses as immediates.
struct ContextLayout {
  ContextLayout(uint32_t memories, uint32_t tables, uint32_t funcs, uint32_t globals,
                uint32_t types);
  size_t memory(uint32_t i) const { return memories + i * sizeof(MemoryView); }
  size_t table(uint32_t i) const { return tables + i * sizeof(TableView); }
  size_t func(uint32_t i) const { return funcs + i * sizeof(FuncInst*); }
  size_t global(uint32_t i) const { return globals + i * sizeof(Slot*); }
  size_t type_id(uint32_t i) const { return type_ids + i * sizeof(uint32_t); }
  size_t memories, tables, funcs, globals, type_ids, size;
};

// The header's fields, for generated code.
inline constexpr size_t kContextInstance = offsetof(ContextHeader, instance);
inline constexpr size_t kContextPoll = offsetof(ContextHeader, poll);
inline constexpr size_t kContextFuel = offsetof(ContextHeader, fuel);
inline constexpr size_t kContextStackLimit = offsetof(ContextHeader, stack_limit);
inline constexpr size_t kContextJitFramesLeft = offsetof(ContextHeader, jit_frames_left);
inline constexpr size_t kMemoryViewBase = offsetof(MemoryView, base);
inline constexpr size_t kMemoryViewBound = offsetof(MemoryView, bound);
inline constexpr size_t kTableViewBase = offsetof(TableView, base);
inline constexpr size_t kTableViewSize = offsetof(TableView, size);

// One instance's context, made in three steps by rt::instantiate: create() sizes it from the
// module's counts and fills the header and type ids, and its function array becomes
// Instance::funcs, filled in place as functions are bound and allocated; fill() copies the
// views and global pointers once tables, memories and globals exist; attach() registers the
// views with the memories and tables, so that growth updates them.
class InstanceContext {
 public:
  struct Counts {
    uint32_t memories, tables, funcs, globals;
  };
  static std::unique_ptr<InstanceContext> create(Instance& instance, Counts counts);
  std::span<FuncInst*> funcs() { return {&at<FuncInst*>(layout_.func(0)), header().num_funcs}; }
  // Needs Instance::memories, tables and globals as many as counted.
  void fill();
  ~InstanceContext();
  InstanceContext(const InstanceContext&) = delete;
  InstanceContext& operator=(const InstanceContext&) = delete;

  // Registers the views with the memories and tables (cannot fail: space was reserved by
  // build). Until then growth does not update them.
  void attach();

  const uint8_t* data() const { return storage_.get(); }
  const ContextLayout& layout() const { return layout_; }
  const ContextHeader& header() const { return *reinterpret_cast<const ContextHeader*>(data()); }
  const MemoryView& memory(uint32_t i) const { return at<MemoryView>(layout_.memory(i)); }
  const TableView& table(uint32_t i) const { return at<TableView>(layout_.table(i)); }
  FuncInst* func(uint32_t i) const { return at<FuncInst*>(layout_.func(i)); }
  Slot* global(uint32_t i) const { return at<Slot*>(layout_.global(i)); }
  uint32_t type_id(uint32_t i) const { return at<uint32_t>(layout_.type_id(i)); }

 private:
  InstanceContext(Instance& instance, const ContextLayout& layout);
  template <class T>
  T& at(size_t offset) const {
    return *reinterpret_cast<T*>(storage_.get() + offset);
  }
  Instance* instance_;
  ContextLayout layout_;
  std::unique_ptr<uint8_t[]> storage_;
  bool attached_ = false;
};

}  // namespace wrun::rt
