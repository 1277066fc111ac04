// Canonical ids for function types: equal ids <=> structurally equal types, so call_indirect
// and import matching compare one integer. Process-wide and thread-safe. A type stays
// registered, with its id, while a reference to it lives; compiled modules hold their types,
// host functions theirs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "wrun/types.h"

namespace wrun::rt {

struct InternedFuncType {
  FuncType type;
  uint32_t id = 0;
};
using FuncTypeRef = std::shared_ptr<const InternedFuncType>;
FuncTypeRef intern_func_type(const FuncType& type);
size_t interned_func_type_count();  // types registered now

}  // namespace wrun::rt
