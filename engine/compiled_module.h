// A module after decoding, validation and lowering; shared by all its instances.
#pragma once

#include <memory>
#include <vector>

#include "decoder/module.h"
#include "interp/interp.h"

namespace wrun {

class CompiledModule {
 public:
  std::shared_ptr<const DecodedModule> ir;
  std::vector<interp::CodePtr> code;  // one per defined function (index - num_imported_funcs)
};

}  // namespace wrun
