// The C++ functions generated code calls for what is not worth inlining (traps, polls, calls
// through entries, memory.grow), and the thread's pending trap they leave behind. Each takes
// the caller's instance context first and returns 0 or 1 as native_abi.h describes, unless
// it says otherwise. Never throws: a trap is the only way out.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/slot.h"

namespace wrun::rt {
struct FuncInst;
}
#include "wrun/trap.h"

namespace wrun::jit {

// Records a new trap of `kind` raised by function func_index at module offset `offset`.
uint32_t raise_trap(uint8_t* ctx, uint32_t kind, uint32_t func_index, uint32_t offset);
// Adds the frame of function func_index (stopped at `offset`, a call) to the pending trap.
uint32_t unwind_frame(uint8_t* ctx, uint32_t func_index, uint32_t offset);
// Charges one unit of fuel and checks for an interrupt (Store::poll was set).
uint32_t poll_store(uint8_t* ctx, uint32_t func_index, uint32_t offset);
// Calls function func_index of the instance through its entry (imports, interpreted code).
uint32_t call_function(uint8_t* ctx, uint32_t func_index, rt::Slot* args);
// call_indirect: table bounds, null and type checks, then a call through the entry.
uint32_t call_indirect(uint8_t* ctx, uint32_t table, uint32_t type_index, uint32_t elem,
                       rt::Slot* args);
// Calls `func` (checked by the caller: call_indirect's target) through its entry.
uint32_t call_ref(uint8_t* ctx, rt::FuncInst* func, rt::Slot* args);
// memory.grow: the old size in pages, or -1.
int32_t memory_grow(uint8_t* ctx, uint32_t memory, uint32_t delta_pages);

// The trap a native call left pending on this thread (null when none), taken.
std::optional<Trap> take_pending_trap();
// Makes `trap` the pending one (an entry's trap coming back through generated code).
void set_pending_trap(Trap&& trap);

}  // namespace wrun::jit
