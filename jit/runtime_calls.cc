// Runtime calls of generated code (runtime_calls.h).
#include "jit/runtime_calls.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "runtime/backtrace.h"
#include "runtime/instance_context.h"
#include "runtime/store.h"
#include "runtime/table.h"

namespace wrun::jit {

namespace {

thread_local std::optional<Trap> t_pending;

rt::Instance& instance_of(const uint8_t* ctx) {
  return *reinterpret_cast<const rt::ContextHeader*>(ctx)->instance;
}

void add_frame(Trap& trap, const rt::Instance& inst, uint32_t func_index, uint32_t offset) {
  rt::append_backtrace(trap, 1, [&](size_t) {
    return rt::FrameSource{func_index, inst.ir->func_name(func_index), offset};
  });
}

// Records the trap of a call through an entry; the caller's own frame is added when it
// unwinds (unwind_frame).
uint32_t pend(std::optional<Trap>&& trap) {
  if (!trap) return 0;
  t_pending = std::move(trap);
  return 1;
}

// A trap of `kind` raised by a runtime helper: pending without a frame (the caller adds its
// own as it unwinds). Never throws: without memory for the message the kind is kept.
uint32_t pend_kind(TrapKind kind) {
  try {
    t_pending = Trap::make(kind);
  } catch (...) {
    if (!t_pending) t_pending.emplace();
    t_pending->kind = kind;
  }
  return 1;
}

// What a bulk operation pays before it starts, as the interpreter's POLL_BULK: rt::bulk_fuel
// of the bytes it would write while fuel is metered, and a stop for a pending interrupt.
// Returns 0, or 1 with the trap pending.
uint32_t pay_bulk(rt::Store& s, uint64_t bytes) {
  if (!s.poll.load(std::memory_order_relaxed)) return 0;
  if (s.fuel_enabled) {
    const uint64_t cost = rt::bulk_fuel(bytes);
    if (s.fuel < cost) return pend_kind(TrapKind::OutOfFuel);
    s.fuel -= cost;
  }
  if (s.interrupt_requested.load(std::memory_order_relaxed))
    return pend_kind(TrapKind::Interrupted);
  return 0;
}

// An i32 operand (the low 32 bits of its slot) as an unsigned 64-bit count or index.
uint64_t u32_arg(rt::Slot s) { return static_cast<uint32_t>(s); }

}  // namespace

uint32_t raise_trap(uint8_t* ctx, uint32_t kind, uint32_t func_index, uint32_t offset) {
  try {
    t_pending = Trap::make(static_cast<TrapKind>(kind));
    add_frame(*t_pending, instance_of(ctx), func_index, offset);
  } catch (...) {  // out of memory for the message or the frame: the kind is what matters
    if (!t_pending) t_pending.emplace();
    t_pending->kind = static_cast<TrapKind>(kind);
  }
  return 1;
}

uint32_t raise_call_trap(uint8_t*, uint32_t kind) { return pend_kind(static_cast<TrapKind>(kind)); }

uint32_t unwind_frame(uint8_t* ctx, uint32_t func_index, uint32_t offset) {
  if (!t_pending) t_pending.emplace(Trap::make(TrapKind::Host, "trap lost while unwinding"));
  try {
    add_frame(*t_pending, instance_of(ctx), func_index, offset);
  } catch (...) {
  }
  return 1;
}

uint32_t poll_store(uint8_t* ctx, uint32_t func_index, uint32_t offset, uint32_t units) {
  rt::Store& store = *instance_of(ctx).store;
  const bool host_entry = store.jit_host_entry;
  store.jit_host_entry = false;
  if (store.fuel_enabled) {
    const uint64_t cost = units - (host_entry ? 1 : 0);
    if (store.fuel < cost)
      return raise_trap(ctx, static_cast<uint32_t>(TrapKind::OutOfFuel), func_index, offset);
    store.fuel -= cost;
  }
  if (!host_entry && store.interrupt_requested.load(std::memory_order_relaxed))
    return raise_trap(ctx, static_cast<uint32_t>(TrapKind::Interrupted), func_index, offset);
  return 0;
}

uint32_t call_function(uint8_t* ctx, uint32_t func_index, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  rt::FuncInst* f = inst.funcs[func_index];
  if (pay_bulk(*inst.store, 0)) return 1;  // one unit, as any call through an entry
  try {
    return pend(f->entry(*inst.store, f, &inst, args));
  } catch (...) {
    return pend(Trap::make(TrapKind::Host, "exception in a called function"));
  }
}

uint32_t call_ref(uint8_t* ctx, rt::FuncInst* f, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  if (pay_bulk(*inst.store, 0)) return 1;  // one unit, as any call through an entry
  try {
    return pend(f->entry(*inst.store, f, &inst, args));
  } catch (...) {
    return pend(Trap::make(TrapKind::Host, "exception in a called function"));
  }
}

uint32_t memory_grow(uint8_t* ctx, uint32_t memory, uint32_t, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t delta = u32_arg(args[0]);
  if (pay_bulk(*inst.store, delta * 65536)) return 1;
  const int64_t old = inst.memories[memory]->grow(static_cast<uint32_t>(delta));
  args[0] = static_cast<rt::Slot>(static_cast<uint32_t>(old));  // -1 on failure
  return 0;
}

uint32_t memory_copy(uint8_t* ctx, uint32_t dst_memory, uint32_t src_memory, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t d = u32_arg(args[0]), s = u32_arg(args[1]), n = u32_arg(args[2]);
  if (pay_bulk(*inst.store, n)) return 1;
  rt::MemoryInst& dm = *inst.memories[dst_memory];
  const rt::MemoryInst& sm = *inst.memories[src_memory];
  if (s + n > sm.size_bytes || d + n > dm.size_bytes) return pend_kind(TrapKind::MemoryOutOfBounds);
  if (n) std::memmove(dm.base + d, sm.base + s, n);
  return 0;
}

uint32_t memory_fill(uint8_t* ctx, uint32_t memory, uint32_t, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t d = u32_arg(args[0]), n = u32_arg(args[2]);
  if (pay_bulk(*inst.store, n)) return 1;
  rt::MemoryInst& m = *inst.memories[memory];
  if (d + n > m.size_bytes) return pend_kind(TrapKind::MemoryOutOfBounds);
  if (n) std::memset(m.base + d, static_cast<uint8_t>(args[1]), n);
  return 0;
}

uint32_t memory_init(uint8_t* ctx, uint32_t segment, uint32_t memory, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t d = u32_arg(args[0]), s = u32_arg(args[1]), n = u32_arg(args[2]);
  if (pay_bulk(*inst.store, n)) return 1;
  rt::MemoryInst& m = *inst.memories[memory];
  const std::span<const uint8_t> data = inst.data_segments[segment];
  if (s + n > data.size() || d + n > m.size_bytes) return pend_kind(TrapKind::MemoryOutOfBounds);
  if (n) std::memcpy(m.base + d, data.data() + s, n);
  return 0;
}

uint32_t data_drop(uint8_t* ctx, uint32_t segment, uint32_t, rt::Slot*) {
  instance_of(ctx).data_segments[segment] = {};
  return 0;
}

uint32_t table_grow(uint8_t* ctx, uint32_t table, uint32_t, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t n = u32_arg(args[1]);
  if (pay_bulk(*inst.store, n * sizeof(rt::Slot))) return 1;
  const int64_t old = inst.tables[table]->grow(n, args[0]);
  args[0] = static_cast<uint32_t>(old);  // -1 on failure
  return 0;
}

uint32_t table_fill(uint8_t* ctx, uint32_t table, uint32_t, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t i = u32_arg(args[0]), n = u32_arg(args[2]);
  if (pay_bulk(*inst.store, n * sizeof(rt::Slot))) return 1;
  std::vector<rt::Slot>& elems = inst.tables[table]->elems;
  if (i + n > elems.size()) return pend_kind(TrapKind::TableOutOfBounds);
  std::fill_n(elems.begin() + static_cast<ptrdiff_t>(i), n, args[1]);
  return 0;
}

uint32_t table_copy(uint8_t* ctx, uint32_t dst_table, uint32_t src_table, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t d = u32_arg(args[0]), s = u32_arg(args[1]), n = u32_arg(args[2]);
  if (pay_bulk(*inst.store, n * sizeof(rt::Slot))) return 1;
  std::vector<rt::Slot>& de = inst.tables[dst_table]->elems;
  const std::vector<rt::Slot>& se = inst.tables[src_table]->elems;
  if (s + n > se.size() || d + n > de.size()) return pend_kind(TrapKind::TableOutOfBounds);
  if (n) std::memmove(de.data() + d, se.data() + s, n * sizeof(rt::Slot));
  return 0;
}

uint32_t table_init(uint8_t* ctx, uint32_t segment, uint32_t table, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const uint64_t d = u32_arg(args[0]), s = u32_arg(args[1]), n = u32_arg(args[2]);
  if (pay_bulk(*inst.store, n * sizeof(rt::Slot))) return 1;
  const std::vector<rt::Slot>& seg = inst.elem_segments[segment];
  std::vector<rt::Slot>& elems = inst.tables[table]->elems;
  if (s + n > seg.size() || d + n > elems.size()) return pend_kind(TrapKind::TableOutOfBounds);
  if (n) std::memcpy(elems.data() + d, seg.data() + s, n * sizeof(rt::Slot));
  return 0;
}

uint32_t elem_drop(uint8_t* ctx, uint32_t segment, uint32_t, rt::Slot*) {
  std::vector<rt::Slot>& seg = instance_of(ctx).elem_segments[segment];
  seg.clear();
  seg.shrink_to_fit();
  return 0;
}

std::optional<Trap> take_pending_trap() {
  std::optional<Trap> t = std::move(t_pending);
  t_pending.reset();
  return t;
}

void set_pending_trap(Trap&& trap) { t_pending = std::move(trap); }

}  // namespace wrun::jit
