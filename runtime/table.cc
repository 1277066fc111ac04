// Tables: a vector of reference slots (FuncInst* or host pointers, 0 = null), allocated for
// their current size only and bounded by kMaxTableEntries (each, and an instance's together).
#include <algorithm>
#include <new>

#include "runtime/table.h"

namespace wrun::rt {

std::unique_ptr<TableInst> create_table(const TableType& type, Slot init) {
  const Limits& l = type.limits;
  if (l.min > UINT32_MAX || l.min > kMaxTableEntries || (l.max && *l.max < l.min)) return nullptr;
  auto table = std::make_unique<TableInst>();
  table->type = type;
  table->max_size = std::min<uint64_t>(l.max.value_or(UINT32_MAX), UINT32_MAX);
  try {
    table->elems.assign(l.min, init);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return table;
}

int64_t TableInst::grow(uint64_t delta, Slot init) {
  const uint64_t old_size = elems.size();
  if (delta == 0) return static_cast<int64_t>(old_size);
  const uint64_t limit = std::min({max_size, uint64_t{UINT32_MAX}, kMaxTableEntries});
  if (old_size > limit || delta > limit - old_size) return -1;
  if (instance_entries && *instance_entries + delta > kMaxTableEntries) return -1;
  const uint64_t new_size = old_size + delta;
  try {
    // Doubling keeps repeated small growth cheap, but the vector's own doubling could reserve
    // twice what the table may ever hold (18M entries for a 9M table under a 10M cap).
    if (new_size > elems.capacity()) {
      uint64_t reach = limit;
      if (instance_entries)
        reach = std::min(reach, old_size + kMaxTableEntries - *instance_entries);
      elems.reserve(std::min(std::max<uint64_t>(new_size, 2 * elems.capacity()), reach));
    }
    elems.resize(new_size, init);
  } catch (const std::bad_alloc&) {
    return -1;
  }
  if (instance_entries) *instance_entries += delta;
  for (TableView* v : views) *v = TableView{elems.data(), elems.size()};
  return static_cast<int64_t>(old_size);
}

}  // namespace wrun::rt
