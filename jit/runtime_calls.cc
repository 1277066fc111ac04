// Runtime calls of generated code (runtime_calls.h).
#include "jit/runtime_calls.h"

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

uint32_t unwind_frame(uint8_t* ctx, uint32_t func_index, uint32_t offset) {
  if (!t_pending) t_pending.emplace(Trap::make(TrapKind::Host, "trap lost while unwinding"));
  try {
    add_frame(*t_pending, instance_of(ctx), func_index, offset);
  } catch (...) {
  }
  return 1;
}

uint32_t poll_store(uint8_t* ctx, uint32_t func_index, uint32_t offset) {
  rt::Store& store = *instance_of(ctx).store;
  if (store.fuel_enabled) {
    if (store.fuel == 0)
      return raise_trap(ctx, static_cast<uint32_t>(TrapKind::OutOfFuel), func_index, offset);
    --store.fuel;
  }
  if (store.interrupt_requested.load(std::memory_order_relaxed))
    return raise_trap(ctx, static_cast<uint32_t>(TrapKind::Interrupted), func_index, offset);
  return 0;
}

uint32_t call_function(uint8_t* ctx, uint32_t func_index, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  rt::FuncInst* f = inst.funcs[func_index];
  try {
    return pend(f->entry(*inst.store, f, &inst, args));
  } catch (...) {
    return pend(Trap::make(TrapKind::Host, "exception in a called function"));
  }
}

uint32_t call_indirect(uint8_t* ctx, uint32_t table, uint32_t type_index, uint32_t elem,
                       rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  const rt::TableInst& t = *inst.tables[table];
  if (elem >= t.elems.size()) return pend(Trap::make(TrapKind::UndefinedElement));
  auto* f = reinterpret_cast<rt::FuncInst*>(t.elems[elem]);
  if (!f) return pend(Trap::make(TrapKind::UninitializedElement));
  if (f->type_id != inst.type_ids[type_index])
    return pend(Trap::make(TrapKind::IndirectCallTypeMismatch));
  try {
    return pend(f->entry(*inst.store, f, &inst, args));
  } catch (...) {
    return pend(Trap::make(TrapKind::Host, "exception in a called function"));
  }
}

uint32_t call_ref(uint8_t* ctx, rt::FuncInst* f, rt::Slot* args) {
  rt::Instance& inst = instance_of(ctx);
  try {
    return pend(f->entry(*inst.store, f, &inst, args));
  } catch (...) {
    return pend(Trap::make(TrapKind::Host, "exception in a called function"));
  }
}

int32_t memory_grow(uint8_t* ctx, uint32_t memory, uint32_t delta_pages) {
  rt::Instance& inst = instance_of(ctx);
  return static_cast<int32_t>(inst.memories[memory]->grow(delta_pages));
}

std::optional<Trap> take_pending_trap() {
  std::optional<Trap> t = std::move(t_pending);
  t_pending.reset();
  return t;
}

void set_pending_trap(Trap&& trap) { t_pending = std::move(trap); }

}  // namespace wrun::jit
