// Memories created by the embedder, and access to any memory.
#include "engine/internal.h"

namespace wrun {

Result<Memory> Memory::create(Store& store, MemoryType type) {
  const Limits& l = type.limits;
  if (l.min > kMaxPages32 || (l.max && (*l.max > kMaxPages32 || *l.max < l.min)))
    return Result<Memory>::failure("Memory::create: invalid limits");
  rt::Store& s = *ApiAccess::raw(store);
  auto mem = rt::create_memory(type, s.max_memory_bytes);
  if (!mem) {
    return Result<Memory>::failure(
        "Memory::create: exceeds the store's memory limit or cannot be reserved");
  }
  mem->store = &s;
  s.memories.push_back(std::move(mem));
  return Memory(s.memories.back().get());
}

MemoryType Memory::type() const {
  MemoryType t = m_->type;
  t.limits.min = m_->pages();
  return t;
}

uint64_t Memory::size_pages() const { return m_->pages(); }
uint64_t Memory::size_bytes() const { return m_->size_bytes; }
uint8_t* Memory::data() const { return m_->base; }

std::optional<uint64_t> Memory::grow(uint64_t delta) const {
  int64_t old = m_->grow(delta);
  if (old < 0) return std::nullopt;
  return static_cast<uint64_t>(old);
}

}  // namespace wrun
