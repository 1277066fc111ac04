// Building an instance's context and keeping its memory and table views current.
#include "runtime/instance_context.h"

#include <algorithm>

#include "runtime/store.h"

namespace wrun::rt {

namespace {

size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

}  // namespace

ContextLayout::ContextLayout(uint32_t num_memories, uint32_t num_tables, uint32_t num_funcs,
                             uint32_t num_globals, uint32_t num_types) {
  memories = align8(sizeof(ContextHeader));
  tables = memories + size_t{num_memories} * sizeof(MemoryView);
  funcs = tables + size_t{num_tables} * sizeof(TableView);
  globals = funcs + size_t{num_funcs} * sizeof(FuncInst*);
  type_ids = globals + size_t{num_globals} * sizeof(Slot*);
  size = align8(type_ids + size_t{num_types} * sizeof(uint32_t));
}

InstanceContext::InstanceContext(Instance& instance, const ContextLayout& layout)
    : instance_(&instance), layout_(layout), storage_(new uint8_t[layout.size]()) {}

std::unique_ptr<InstanceContext> InstanceContext::create(Instance& inst, Counts counts) {
  const auto types = static_cast<uint32_t>(inst.type_ids.size());
  const ContextLayout layout(counts.memories, counts.tables, counts.funcs, counts.globals, types);
  std::unique_ptr<InstanceContext> ctx(new InstanceContext(inst, layout));
  Store& store = *inst.store;
  ContextHeader& h = ctx->at<ContextHeader>(0);
  h.instance = &inst;
  h.poll = &store.poll;
  h.fuel = &store.fuel;
  h.stack_limit = &store.stack_limit;
  h.jit_frames_left = &store.jit_frames_left;
  h.num_memories = counts.memories;
  h.num_tables = counts.tables;
  h.num_funcs = counts.funcs;
  h.num_globals = counts.globals;
  h.num_types = types;
  for (uint32_t i = 0; i < types; ++i) ctx->at<uint32_t>(layout.type_id(i)) = inst.type_ids[i];
  return ctx;
}

void InstanceContext::fill() {
  const ContextHeader& h = header();
  Instance& inst = *instance_;
  for (uint32_t i = 0; i < h.num_memories; ++i) {
    MemoryInst* m = inst.memories.at(i);
    at<MemoryView>(layout_.memory(i)) = MemoryView{m->base, m->size_bytes};
    m->views.reserve(m->views.size() + 1);  // so that attach() cannot fail
  }
  for (uint32_t i = 0; i < h.num_tables; ++i) {
    TableInst* t = inst.tables.at(i);
    at<TableView>(layout_.table(i)) = TableView{t->elems.data(), t->elems.size()};
    t->views.reserve(t->views.size() + 1);
  }
  for (uint32_t i = 0; i < h.num_globals; ++i)
    at<Slot*>(layout_.global(i)) = inst.globals.at(i)->value;
}

void InstanceContext::attach() {
  if (attached_) return;
  const ContextHeader& h = header();
  for (uint32_t i = 0; i < h.num_memories; ++i)
    instance_->memories[i]->views.push_back(&at<MemoryView>(layout_.memory(i)));
  for (uint32_t i = 0; i < h.num_tables; ++i)
    instance_->tables[i]->views.push_back(&at<TableView>(layout_.table(i)));
  attached_ = true;
}

// The store destroys its instances before its memories and tables, so they are still there.
InstanceContext::~InstanceContext() {
  if (!attached_) return;
  const ContextHeader& h = header();
  for (uint32_t i = 0; i < h.num_memories; ++i)
    std::erase(instance_->memories[i]->views, &at<MemoryView>(layout_.memory(i)));
  for (uint32_t i = 0; i < h.num_tables; ++i)
    std::erase(instance_->tables[i]->views, &at<TableView>(layout_.table(i)));
}

}  // namespace wrun::rt
