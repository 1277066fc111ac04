// The C++ functions generated code calls for what is not worth inlining (traps, polls, calls
// through entries, memory.grow, the bulk memory and table instructions), and the thread's
// pending trap they leave behind. Each takes the caller's instance context first and returns
// 0 or 1 as native_abi.h describes, unless it says otherwise. Never throws: a trap is the only
// way out.
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
// The same for a call its callee's prologue refused (stack or depth exhausted): no frame of
// the callee, whose caller adds its own at the call, as the interpreter reports it.
uint32_t raise_call_trap(uint8_t* ctx, uint32_t kind);
// Adds the frame of function func_index (stopped at `offset`, a call) to the pending trap.
uint32_t unwind_frame(uint8_t* ctx, uint32_t func_index, uint32_t offset);
// Charges `units` of fuel and checks for an interrupt (Store::poll was set). The metering is
// the interpreter's, so that fuel runs out at the same point whatever executes: a loop's
// back edge costs 1; a call costs 1 plus 1 per 64 declared local slots of the callee,
// charged in its prologue (an entry from the host, Store::jit_host_entry, pays one unit less
// and does not stop for an interrupt); a call through an entry (host functions, other
// executors) pays 1 in call_function/call_ref and the callee's entry the rest.
uint32_t poll_store(uint8_t* ctx, uint32_t func_index, uint32_t offset, uint32_t units);
// Calls function func_index of the instance through its entry (imports, interpreted code).
uint32_t call_function(uint8_t* ctx, uint32_t func_index, rt::Slot* args);
// Calls `func` (checked by the caller: call_indirect's target) through its entry.
uint32_t call_ref(uint8_t* ctx, rt::FuncInst* func, rt::Slot* args);

// The bulk memory and table instructions, all of one shape (Backend::call_runtime): two
// immediates (indices of segments, memories or tables; 0 when unused) and `args`, the frame
// slots of the instruction's operands in order, to whose first slot a result is written. The
// spec's checks and traps are the interpreter's: a bulk operation first pays rt::bulk_fuel for
// what it would write (out of fuel: a trap with nothing done), then checks its bounds, then
// writes. A trap is left pending without the caller's frame, which the caller adds as it
// unwinds (unwind_frame).
using RuntimeFn = uint32_t (*)(uint8_t* ctx, uint32_t imm0, uint32_t imm1, rt::Slot* args);
// memory.copy: args d, s, n.
// memory.grow (args[0] the delta in pages; the old size or -1 written there), paying
// rt::bulk_fuel of the bytes it adds, as the interpreter does.
uint32_t memory_grow(uint8_t* ctx, uint32_t memory, uint32_t, rt::Slot* args);
uint32_t memory_copy(uint8_t* ctx, uint32_t dst_memory, uint32_t src_memory, rt::Slot* args);
// memory.fill: args d, byte value, n.
uint32_t memory_fill(uint8_t* ctx, uint32_t memory, uint32_t, rt::Slot* args);
// memory.init: args d, offset in the segment, n.
uint32_t memory_init(uint8_t* ctx, uint32_t segment, uint32_t memory, rt::Slot* args);
uint32_t data_drop(uint8_t* ctx, uint32_t segment, uint32_t, rt::Slot*);
// table.grow: args init, n; the old size or -1 to args[0].
uint32_t table_grow(uint8_t* ctx, uint32_t table, uint32_t, rt::Slot* args);
// table.fill: args i, ref, n.
uint32_t table_fill(uint8_t* ctx, uint32_t table, uint32_t, rt::Slot* args);
// table.copy: args d, s, n.
uint32_t table_copy(uint8_t* ctx, uint32_t dst_table, uint32_t src_table, rt::Slot* args);
// table.init: args d, offset in the segment, n.
uint32_t table_init(uint8_t* ctx, uint32_t segment, uint32_t table, rt::Slot* args);
uint32_t elem_drop(uint8_t* ctx, uint32_t segment, uint32_t, rt::Slot*);

// The trap a native call left pending on this thread (null when none), taken.
std::optional<Trap> take_pending_trap();
// Makes `trap` the pending one (an entry's trap coming back through generated code).
void set_pending_trap(Trap&& trap);

}  // namespace wrun::jit
