// GuestMemory: locating the caller's memory, and the composite reads built on span().
#include "wasi/guest_memory.h"

#include <algorithm>

namespace wrun::wasi {

std::optional<GuestMemory> GuestMemory::of(const Caller& caller) {
  auto ext = caller.get_export("memory");
  if (!ext) return std::nullopt;
  auto mem = ext->memory();
  if (!mem) return std::nullopt;
  return GuestMemory(mem->data(), mem->size_bytes());
}

Errno GuestMemory::write_bytes(uint64_t ptr, std::span<const uint8_t> bytes) const {
  auto s = span(ptr, bytes.size());
  if (!s) return Errno::FAULT;
  if (!bytes.empty()) std::memcpy(s->data(), bytes.data(), bytes.size());
  return Errno::SUCCESS;
}

Errno GuestMemory::string(uint32_t ptr, uint32_t len, std::string_view* out,
                          uint32_t max_len) const {
  auto s = span(ptr, len);
  if (!s) return Errno::FAULT;
  if (len > max_len) return Errno::NAMETOOLONG;
  *out = std::string_view(reinterpret_cast<const char*>(s->data()), s->size());
  return Errno::SUCCESS;
}

Errno GuestMemory::iovecs(uint32_t ptr, uint32_t count, std::vector<os::IoSlice>* out) const {
  auto table = span(ptr, uint64_t{count} * layout::kIovecSize);
  if (!table) return Errno::FAULT;
  out->clear();
  out->reserve(std::min(count, kMaxIoSlices));  // at most 16 KiB, made once
  for (uint32_t i = 0; i < count && out->size() < kMaxIoSlices; ++i) {
    uint32_t buf, len;
    std::memcpy(&buf, table->data() + uint64_t{i} * layout::kIovecSize + layout::kIovecBuf, 4);
    std::memcpy(&len, table->data() + uint64_t{i} * layout::kIovecSize + layout::kIovecLen, 4);
    auto b = span(buf, len);
    if (!b) return Errno::FAULT;
    if (len != 0) out->push_back(os::IoSlice{b->data(), b->size()});
  }
  return Errno::SUCCESS;
}

}  // namespace wrun::wasi
