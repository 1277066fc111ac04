// A module after decoding, validation and compilation by an executor; shared by all its
// instances (and by stores: nothing here belongs to one).
#pragma once

#include <memory>
#include <vector>

#include "decoder/module.h"
#include "runtime/store.h"
#include "runtime/type_registry.h"

namespace wrun::rt {

// What instantiation copies into the FuncInst of a defined function: the executor's entry and
// its per-function code (FuncInst::entry, FuncInst::code).
struct CompiledFunc {
  const void* code = nullptr;
  ArrayCall entry = nullptr;
  const void* native_entry = nullptr;  // FuncInst::native_entry: generated code only
};

struct CompiledModule {
  std::shared_ptr<const DecodedModule> ir;
  std::vector<CompiledFunc> funcs;  // one per defined function (index - num_imported_funcs)
  // Whatever keeps the executor's code that funcs point into alive (the interpreter's lowered
  // functions), released with the module and its last instance.
  std::shared_ptr<const void> code_owner;
  // ir->types registered once here, not per instance: they keep the canonical ids registered
  // while the module or an instance lives; type_ids[i] == types[i]->id is what call_indirect reads.
  std::vector<FuncTypeRef> types;
  std::vector<uint32_t> type_ids;
  // The code reaches memory without bounds checks, relying on each 32-bit memory's full
  // reservation (MemoryInst::guarded): instantiation refuses memories without it.
  bool needs_guarded_memories = false;
};

}  // namespace wrun::rt
