// Linear memories: each reserves its whole reachable range plus a guard as PROT_NONE and
// commits pages as it grows, so its base never moves and fresh pages read zero.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "runtime/instance_context.h"
#include "wrun/types.h"

namespace wrun::rt {

struct Store;

struct MemoryInst {
  MemoryType type;
  Store* store = nullptr;        // the store that owns it
  uint8_t* base = nullptr;       // start of the reservation
  uint64_t size_bytes = 0;       // accessible bytes (pages * 64 KiB)
  uint64_t reserved_bytes = 0;   // length of the whole mapping at base (accessible part + PROT_NONE guard)
  uint64_t max_pages = kMaxPages32;  // effective limit (type max, 4 GiB, store limit)
  // The instance contexts' views of this memory (instance_context.h), whose bound grow()
  // keeps equal to size_bytes.
  std::vector<MemoryView*> views;
  ~MemoryInst();
  uint64_t pages() const { return size_bytes / kPageSize; }
  // The reservation covers every address a 32-bit access can form (base + 4 GiB index +
  // 4 GiB offset + access size) as PROT_NONE beyond the accessible part, so generated code
  // may access it unchecked and let the fault handler turn a fault into a trap. Only a
  // limited address space (ulimit -v) makes a memory without it.
  bool guarded() const { return reserved_bytes >= kGuardedReservation; }
  static constexpr uint64_t kGuardedReservation = (uint64_t{8} << 30) + kPageSize;
  // Grows by delta pages; returns the old size in pages or -1 on failure.
  int64_t grow(uint64_t delta_pages);
};

// Creates a memory with a reservation large enough for its maximum size plus a guard
// region; returns null if the initial size cannot be committed.
std::unique_ptr<MemoryInst> create_memory(const MemoryType& type, std::optional<uint64_t> max_bytes);

// The effective page limit of a memory: type max, 4 GiB and the store's byte limit.
uint64_t memory_max_pages(const MemoryType& type, std::optional<uint64_t> max_bytes);

}  // namespace wrun::rt
