// A module after decoding, validation and lowering; shared by all its instances.
#pragma once

#include <memory>
#include <vector>

#include "decoder/module.h"
#include "runtime/store.h"
#include "interp/interp.h"

namespace wrun {

class CompiledModule {
 public:
  std::shared_ptr<const DecodedModule> ir;
  std::vector<interp::CodePtr> code;  // one per defined function (index - num_imported_funcs)
  // ir->types registered once here, not per instance: they keep the canonical ids registered
  // while the module or an instance lives; type_ids[i] == types[i]->id is what call_indirect reads.
  std::vector<rt::FuncTypeRef> types;
  std::vector<uint32_t> type_ids;
};

}  // namespace wrun
