// Linear memories: each reserves its whole reachable range plus a guard as PROT_NONE and
// commits pages with mprotect as it grows, so its base never moves and fresh pages read zero.
#include <sys/mman.h>

#include <algorithm>

#include "runtime/memory.h"

namespace wrun::rt {

namespace {

// A 32-bit access computes base + u32 address + u32 offset (+ up to 16 bytes), so 8 GiB plus a
// little makes every such access land in the mapping: inside it faults instead of escaping.
constexpr uint64_t kFullReservation = MemoryInst::kGuardedReservation;

uint8_t* reserve(uint64_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

}  // namespace

uint64_t memory_max_pages(const MemoryType& type, std::optional<uint64_t> max_bytes) {
  uint64_t pages = kMaxPages32;
  if (type.limits.max) pages = std::min(pages, *type.limits.max);
  if (max_bytes) pages = std::min(pages, *max_bytes / kPageSize);
  return pages;
}

std::unique_ptr<MemoryInst> create_memory(const MemoryType& type,
                                          std::optional<uint64_t> max_bytes) {
  const uint64_t max_pages = memory_max_pages(type, max_bytes);
  const uint64_t min_pages = type.limits.min;
  if (min_pages > max_pages) return nullptr;

  // Without room for the full reservation (e.g. a limited address space), fall back to what the
  // memory can ever use, then to its initial size; executors check bounds explicitly anyway.
  uint64_t reserved = kFullReservation;
  uint8_t* base = reserve(reserved);
  for (uint64_t pages : {max_pages, min_pages}) {
    if (base) break;
    reserved = std::max<uint64_t>(pages, 1) * kPageSize;
    base = reserve(reserved);
  }
  if (!base) return nullptr;

  auto mem = std::make_unique<MemoryInst>();
  mem->type = type;
  mem->base = base;
  mem->reserved_bytes = reserved;
  mem->max_pages = max_pages;
  if (min_pages > 0 && mprotect(base, min_pages * kPageSize, PROT_READ | PROT_WRITE) != 0)
    return nullptr;
  mem->size_bytes = min_pages * kPageSize;
  return mem;
}

MemoryInst::~MemoryInst() {
  if (base) munmap(base, reserved_bytes);
}

int64_t MemoryInst::grow(uint64_t delta_pages) {
  const uint64_t old_pages = pages();
  if (delta_pages == 0) return static_cast<int64_t>(old_pages);
  const uint64_t limit = std::min<uint64_t>(max_pages, kMaxPages32);
  if (old_pages > limit || delta_pages > limit - old_pages) return -1;
  const uint64_t new_bytes = (old_pages + delta_pages) * kPageSize;
  if (base == nullptr || new_bytes > reserved_bytes) return -1;
  if (mprotect(base + size_bytes, delta_pages * kPageSize, PROT_READ | PROT_WRITE) != 0) return -1;
  size_bytes = new_bytes;
  for (MemoryView* v : views) v->bound = size_bytes;
  return static_cast<int64_t>(old_pages);
}

}  // namespace wrun::rt
