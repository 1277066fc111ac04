// The WebAssembly 2.0 instantiation algorithm: match imports, allocate the instance's
// functions, tables, memories, globals, segments and exports, then run the active element
// and data segments in order (with table.init / memory.init semantics: a segment that is out
// of bounds traps, and the effects of earlier ones stay) and finally the start function.
//
// Every index taken from the module is checked here even though the validator has checked
// it too: a bug elsewhere must not turn into an out-of-bounds access.
#include <algorithm>
#include <cstring>
#include <string>
#include <variant>

#include "runtime/const_eval.h"
#include "runtime/instantiate.h"

namespace wrun::rt {

namespace {

using Stage = InstantiateFailure::Stage;

InstantiateFailure link_error(std::string message) {
  return InstantiateFailure{Stage::Link, std::move(message), {}};
}

InstantiateFailure trap_error(Trap trap) {
  InstantiateFailure e{Stage::Trap, trap.message, {}};
  e.trap = std::move(trap);
  return e;
}

// Objects allocated for one instance; moved into the store only once allocation succeeded.
// (Functions go into the store's deque in place and are removed again if allocation fails.)
struct Allocation {
  std::vector<std::unique_ptr<TableInst>> tables;
  std::vector<std::unique_ptr<MemoryInst>> memories;
  std::vector<std::unique_ptr<GlobalInst>> globals;
};

template <class T>
void move_into(std::deque<std::unique_ptr<T>>& to, std::vector<std::unique_ptr<T>>& from) {
  for (auto& p : from) to.push_back(std::move(p));
  from.clear();
}

// The store that owns an import's object (import_mismatch has checked it is not null).
const Store* owner(const ResolvedImport& r) {
  switch (r.kind) {
    case ExternKind::Func: return static_cast<const FuncInst*>(r.object)->store();
    case ExternKind::Table: return static_cast<const TableInst*>(r.object)->store;
    case ExternKind::Memory: return static_cast<const MemoryInst*>(r.object)->store;
    case ExternKind::Global: return static_cast<const GlobalInst*>(r.object)->store;
  }
  return nullptr;
}

// Allocation steps; each returns an error message or nullopt.
std::optional<std::string> bind_imports(Store& store, Instance& inst, const DecodedModule& ir,
                                        std::span<const ResolvedImport> imports) {
  if (imports.size() != ir.imports.size()) {
    return "expected " + std::to_string(ir.imports.size()) + " imports, got " +
           std::to_string(imports.size());
  }
  // inst.funcs is the context's array, sized for every function: imports fill its start.
  size_t num_funcs = 0;
  for (size_t i = 0; i < imports.size(); ++i) {
    const Import& im = ir.imports[i];
    if (auto why = import_mismatch(ir, im, imports[i])) {
      return "incompatible import type " + import_text(im) + ": " + *why;
    }
    void* object = imports[i].object;
    if (owner(imports[i]) != &store)
      return "import " + import_text(im) + " belongs to another store";
    switch (im.kind) {
      case ExternKind::Func:
        if (num_funcs >= inst.funcs.size())
          return std::string("malformed module: inconsistent import counts");
        inst.funcs[num_funcs++] = static_cast<FuncInst*>(object);
        break;
      case ExternKind::Table:
        inst.tables.push_back(static_cast<TableInst*>(object));
        break;
      case ExternKind::Memory:
        inst.memories.push_back(static_cast<MemoryInst*>(object));
        break;
      case ExternKind::Global:
        inst.globals.push_back(static_cast<GlobalInst*>(object));
        break;
    }
  }
  if (num_funcs != ir.num_imported_funcs || inst.tables.size() != ir.num_imported_tables ||
      inst.memories.size() != ir.num_imported_memories ||
      inst.globals.size() != ir.num_imported_globals ||
      inst.tables.size() > ir.tables.size() || inst.memories.size() > ir.memories.size() ||
      inst.globals.size() > ir.global_types.size()) {
    return std::string("malformed module: inconsistent import counts");
  }
  return std::nullopt;
}

std::optional<std::string> alloc_funcs(Instance& inst, Store& store, const DecodedModule& ir,
                                       const CompiledModule& compiled) {
  const size_t first = ir.num_imported_funcs;
  if (compiled.funcs.size() != ir.funcs.size() - first)
    return std::string("malformed module: missing function code");
  // Slot counts once per type, not once per function (that would be quadratic as well).
  std::vector<std::pair<uint32_t, uint32_t>> slots;
  slots.reserve(ir.types.size());
  for (const FuncType& t : ir.types)
    slots.emplace_back(slot_count(t.params), slot_count(t.results));
  for (size_t i = first; i < ir.funcs.size(); ++i) {
    const uint32_t type_index = ir.funcs[i];
    if (type_index >= ir.types.size()) return std::string("malformed module: unknown type");
    FuncInst& f = store.funcs.emplace_back();
    f.type = &ir.types[type_index];
    f.type_id = inst.type_ids[type_index];
    f.param_slots = slots[type_index].first;
    f.result_slots = slots[type_index].second;
    f.instance = &inst;
    f.index = static_cast<uint32_t>(i);
    const CompiledFunc& code = compiled.funcs[i - first];
    if (code.entry == nullptr) return std::string("malformed module: missing function code");
    f.entry = code.entry;
    f.code = code.code;
    f.native_entry = code.native_entry;
    inst.funcs[i] = &f;
  }
  return std::nullopt;
}

std::optional<std::string> alloc_tables(Instance& inst, Allocation& alloc,
                                        const DecodedModule& ir) {
  // The limit holds for the instance's tables together, so many tables cannot add up to gigabytes;
  // TableInst::grow keeps it through instance_entries.
  uint64_t total = 0;
  for (size_t i = inst.tables.size(); i < ir.tables.size(); ++i) {
    total += std::min<uint64_t>(ir.tables[i].limits.min, kMaxTableEntries + 1);
    if (total > kMaxTableEntries)
      return std::string("tables are larger than the implementation limit");
  }
  for (size_t i = inst.tables.size(); i < ir.tables.size(); ++i) {
    auto t = create_table(ir.tables[i], 0);
    if (!t) return "table " + std::to_string(i) + " is larger than the implementation limit";
    t->store = inst.store;
    t->instance_entries = &inst.table_entries;
    inst.table_entries += t->elems.size();
    inst.tables.push_back(t.get());
    alloc.tables.push_back(std::move(t));
  }
  return std::nullopt;
}

std::optional<std::string> alloc_memories(Instance& inst, Allocation& alloc,
                                          const DecodedModule& ir,
                                          std::optional<uint64_t> max_bytes) {
  for (size_t i = inst.memories.size(); i < ir.memories.size(); ++i) {
    auto m = create_memory(ir.memories[i], max_bytes);
    if (!m)
      return "memory " + std::to_string(i) +
             " cannot be allocated (limits or the store's memory limit)";
    m->store = inst.store;
    inst.memories.push_back(m.get());
    alloc.memories.push_back(std::move(m));
  }
  return std::nullopt;
}

// Code compiled to access memory unchecked needs every memory's guard reservation.
std::optional<std::string> unguarded_memory(const Instance& inst) {
  for (const MemoryInst* m : inst.memories) {
    if (!m->guarded())
      return std::string(
          "memory has no guard region (address space too small?): the compiled code needs "
          "one; run it with the interpreter");
  }
  return std::nullopt;
}

std::optional<std::string> alloc_globals(Instance& inst, Allocation& alloc,
                                         const DecodedModule& ir) {
  if (inst.globals.size() + ir.globals.size() != ir.global_types.size()) {
    return std::string("malformed module: inconsistent global counts");
  }
  for (const GlobalDef& def : ir.globals) {
    auto v = eval_const_expr(def.init, inst.funcs, inst.globals);
    if (!v || v->type != def.type.type)
      return std::string("global initializer is not a constant of its type");
    auto g = std::make_unique<GlobalInst>();
    g->store = inst.store;
    g->type = def.type;
    g->value[0] = v->bits[0];
    g->value[1] = v->bits[1];
    inst.globals.push_back(g.get());
    alloc.globals.push_back(std::move(g));
  }
  return std::nullopt;
}

// The reference element k of a segment evaluates to, or nullopt if it is not one of the
// segment's type.
std::optional<Slot> element_ref(const Instance& inst, const ElemSegment& seg, size_t k) {
  if (seg.exprs.empty()) {
    const uint32_t ref = seg.funcs[k];
    if (ref == kNullRef) return Slot{0};
    if (ref >= inst.funcs.size() || seg.elem_type != ValType::FuncRef) return std::nullopt;
    return Slot{reinterpret_cast<uintptr_t>(inst.funcs[ref])};
  }
  auto v = eval_const_expr(seg.exprs[k], inst.funcs, inst.globals);
  if (!v || v->type != seg.elem_type) return std::nullopt;
  return v->bits[0];
}

std::string bad_element(size_t segment) {
  return "element segment " + std::to_string(segment) +
         " has an element that is not a constant reference";
}

// Only passive segments keep their references in the instance (for table.init): active ones
// are evaluated straight into their table (initialize) and declarative ones are dropped. A
// reference does not depend on when it is evaluated (2.0 constants have no effects).
std::optional<std::string> resolve_segments(Instance& inst, const DecodedModule& ir) {
  inst.elem_segments.resize(ir.elems.size());
  for (size_t i = 0; i < ir.elems.size(); ++i) {
    const ElemSegment& seg = ir.elems[i];
    if (seg.mode != SegmentMode::Passive) continue;
    std::vector<Slot>& refs = inst.elem_segments[i];
    refs.resize(seg.size());
    for (size_t k = 0; k < refs.size(); ++k) {
      auto ref = element_ref(inst, seg, k);
      if (!ref) return bad_element(i);
      refs[k] = *ref;
    }
  }
  inst.data_segments.reserve(ir.datas.size());
  for (const DataSegment& d : ir.datas) {
    if (d.data_offset > ir.bytes.size() || d.data_size > ir.bytes.size() - d.data_offset) {
      return std::string("malformed module: data segment outside the module");
    }
    inst.data_segments.push_back(ir.data_bytes(d));
  }
  return std::nullopt;
}

std::optional<std::string> make_exports(Instance& inst, const DecodedModule& ir) {
  inst.exports.reserve(ir.exports.size());
  for (const Export& ex : ir.exports) {
    void* object = nullptr;
    switch (ex.kind) {
      case ExternKind::Func:
        object = ex.index < inst.funcs.size() ? inst.funcs[ex.index] : nullptr;
        break;
      case ExternKind::Table:
        object = ex.index < inst.tables.size() ? inst.tables[ex.index] : nullptr;
        break;
      case ExternKind::Memory:
        object = ex.index < inst.memories.size() ? inst.memories[ex.index] : nullptr;
        break;
      case ExternKind::Global:
        object = ex.index < inst.globals.size() ? inst.globals[ex.index] : nullptr;
        break;
    }
    if (object == nullptr)
      return "export \"" + escape_name(ex.name) + "\" refers to a missing " +
             extern_kind_name(ex.kind);
    inst.exports.push_back(ExportEntry{ex.name, ex.kind, object});
  }
  inst.exports_by_name.resize(inst.exports.size());
  for (uint32_t i = 0; i < inst.exports_by_name.size(); ++i) inst.exports_by_name[i] = i;
  std::sort(inst.exports_by_name.begin(), inst.exports_by_name.end(),
            [&](uint32_t a, uint32_t b) { return inst.exports[a].name < inst.exports[b].name; });
  return std::nullopt;
}

// The offset of an active segment: an i32 constant, read as unsigned.
std::optional<uint64_t> segment_offset(const Instance& inst, const ConstExpr& e) {
  auto v = eval_const_expr(e, inst.funcs, inst.globals);
  if (!v || v->type != ValType::I32) return std::nullopt;
  return static_cast<uint32_t>(v->bits[0]);
}

// Steps 16-19 of the spec's algorithm. Traps leave the effects of earlier steps in place.
std::optional<InstantiateFailure> initialize(Store& store, Instance& inst, const DecodedModule& ir) {
  for (size_t i = 0; i < ir.elems.size(); ++i) {
    const ElemSegment& seg = ir.elems[i];
    if (seg.mode == SegmentMode::Active) {
      auto offset = segment_offset(inst, seg.offset);
      if (!offset) return link_error("element segment offset is not a constant i32");
      if (seg.table >= inst.tables.size())
        return link_error("element segment refers to a missing table");
      TableInst& table = *inst.tables[seg.table];
      if (table.type.elem != seg.elem_type)
        return link_error("element segment type does not match its table");
      const size_t n = seg.size();
      if (*offset > table.elems.size() || n > table.elems.size() - *offset) {
        return trap_error(Trap::make(TrapKind::TableOutOfBounds));
      }
      for (size_t k = 0; k < n; ++k) {
        auto ref = element_ref(inst, seg, k);
        if (!ref) return link_error(bad_element(i));
        table.elems[*offset + k] = *ref;
      }
    }
    // Active and declarative segments are dropped (elem.drop): their references were never kept.
  }
  for (size_t i = 0; i < ir.datas.size(); ++i) {
    const DataSegment& seg = ir.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    std::span<const uint8_t> bytes = inst.data_segments[i];
    auto offset = segment_offset(inst, seg.offset);
    if (!offset) return link_error("data segment offset is not a constant i32");
    if (seg.memory >= inst.memories.size())
      return link_error("data segment refers to a missing memory");
    MemoryInst& mem = *inst.memories[seg.memory];
    if (*offset > mem.size_bytes || bytes.size() > mem.size_bytes - *offset) {
      return trap_error(Trap::make(TrapKind::MemoryOutOfBounds));
    }
    if (!bytes.empty()) std::memcpy(mem.base + *offset, bytes.data(), bytes.size());
    inst.data_segments[i] = {};  // data.drop
  }
  if (ir.start) {
    if (*ir.start >= inst.funcs.size()) return link_error("start function does not exist");
    FuncInst* f = inst.funcs[*ir.start];
    if (!f->type->params.empty() || !f->type->results.empty())
      return link_error("start function must be [] -> []");
    Slot slots[2] = {0, 0};
    std::optional<Trap> trap;
    try {
      trap = call_func(store, f, &inst, slots);
    } catch (const std::exception& e) {
      trap = Trap::make(TrapKind::Host, std::string("start function failed: ") + e.what());
    }
    if (trap) return trap_error(std::move(*trap));
  }
  return std::nullopt;
}

}  // namespace

std::variant<Instance*, InstantiateFailure> instantiate(Store& store,
                                                        std::shared_ptr<const CompiledModule> module,
                                                        std::span<const ResolvedImport> imports) {
  if (!module || !module->ir) return link_error("empty module");
  const DecodedModule& ir = *module->ir;

  auto owned = std::make_unique<Instance>();
  Instance& inst = *owned;
  inst.store = &store;
  inst.module = module;
  inst.ir = &ir;
  if (module->type_ids.size() != ir.types.size())
    return link_error("malformed module: types not registered");
  inst.type_ids = module->type_ids;

  try {
    inst.context = InstanceContext::create(
        inst, {static_cast<uint32_t>(ir.memories.size()), static_cast<uint32_t>(ir.tables.size()),
               static_cast<uint32_t>(ir.funcs.size()), static_cast<uint32_t>(ir.global_types.size())});
  } catch (const std::bad_alloc&) {
    return link_error("out of memory");
  }
  inst.funcs = inst.context->funcs();
  if (auto err = bind_imports(store, inst, ir, imports)) return link_error(*err);
  Allocation alloc;
  const size_t funcs_before = store.funcs.size();
  std::optional<std::string> err;
  try {
    if (!err) err = alloc_funcs(inst, store, ir, *module);
    if (!err) err = alloc_tables(inst, alloc, ir);
    if (!err) err = alloc_memories(inst, alloc, ir, store.max_memory_bytes);
    if (!err) err = alloc_globals(inst, alloc, ir);
    if (!err && module->needs_guarded_memories) err = unguarded_memory(inst);
    if (!err) err = resolve_segments(inst, ir);
    if (!err) err = make_exports(inst, ir);
    if (!err) inst.context->fill();
  } catch (const std::bad_alloc&) {
    err = "out of memory";
  }
  if (err) {
    store.funcs.erase(store.funcs.begin() + static_cast<ptrdiff_t>(funcs_before),
                      store.funcs.end());
    return link_error(*err);
  }

  // From here on the instance is part of the store: its functions may end up in shared tables
  // even if a later segment or the start function traps.
  move_into(store.tables, alloc.tables);
  move_into(store.memories, alloc.memories);
  move_into(store.globals, alloc.globals);
  store.instances.push_back(std::move(owned));
  inst.context->attach();

  if (auto failure = initialize(store, inst, ir)) return std::move(*failure);
  return &inst;
}

}  // namespace wrun::rt
