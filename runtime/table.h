// Tables: a vector of reference slots (FuncInst* or host pointers, 0 = null), allocated for
// their current size only and bounded by kMaxTableEntries (each, and an instance's together).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "decoder/limits.h"
#include "runtime/instance_context.h"
#include "runtime/slot.h"
#include "wrun/types.h"

namespace wrun::rt {

struct Store;

// Implementation limit on any table's size, in entries (decoder/limits.h): a validated module
// may declare a maximum of 2^32-1, which would be 32 GiB of slots. Creation beyond it fails,
// growth beyond it returns -1. It also bounds the tables one instance defines together (at
// instantiation and on every table.grow), so many tables cannot add up to gigabytes.
constexpr uint64_t kMaxTableEntries = limits::kTableSize;

struct TableInst {
  TableType type;
  Store* store = nullptr;  // the store that owns it
  std::vector<Slot> elems;
  uint64_t max_size = UINT32_MAX;
  // Entries of all tables the defining instance owns, bounded together by kMaxTableEntries
  // (points into that Instance; null for tables the embedder creates, bounded one by one).
  uint64_t* instance_entries = nullptr;
  // The instance contexts' views of this table (instance_context.h), which grow() keeps
  // pointing at elems.
  std::vector<TableView*> views;
  // Grows by delta entries filled with init; returns the old size or -1 on failure.
  int64_t grow(uint64_t delta, Slot init);
};

// Creates a table of type.limits.min entries set to `init`; null if min exceeds the limits.
std::unique_ptr<TableInst> create_table(const TableType& type, Slot init);

}  // namespace wrun::rt
