// The one door to guest memory. Every WASI function reads and writes the guest's linear
// memory through GuestMemory::span, which checks [ptr, ptr + len) against the memory's
// current size in 64-bit arithmetic: a hostile pointer or length yields FAULT, never a host
// access outside the memory. Structs are copied with memcpy (guest pointers need not be
// aligned).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "wasi/abi.h"
#include "wasi/os.h"
#include "wrun/wrun.h"

namespace wrun::wasi {

// WebAssembly memory is little-endian; values are copied as host integers.
static_assert(std::endian::native == std::endian::little,
              "a big-endian host needs byte swaps here");

class GuestMemory {
 public:
  GuestMemory() = default;  // no memory: every span is out of bounds
  GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}
  // The calling instance's exported "memory", looked up now (a memory may grow or move
  // between calls); nullopt when it exports none.
  static std::optional<GuestMemory> of(const Caller& caller);

  uint64_t size() const { return size_; }

  // The bounds check: [ptr, ptr + len) as host bytes, or nullopt when any of it lies outside.
  std::optional<std::span<uint8_t>> span(uint64_t ptr, uint64_t len) const {
    if (ptr > size_ || len > size_ - ptr) return std::nullopt;
    return std::span<uint8_t>(base_ + ptr, static_cast<size_t>(len));
  }
  // FAULT unless [ptr, ptr + len) is inside the memory.
  Errno check(uint64_t ptr, uint64_t len) const {
    return span(ptr, len) ? Errno::SUCCESS : Errno::FAULT;
  }

  template <class T>
  Errno read(uint64_t ptr, T* out) const {
    static_assert(std::is_trivially_copyable_v<T>);
    auto s = span(ptr, sizeof(T));
    if (!s) return Errno::FAULT;
    std::memcpy(out, s->data(), sizeof(T));
    return Errno::SUCCESS;
  }
  template <class T>
  Errno write(uint64_t ptr, T value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    auto s = span(ptr, sizeof(T));
    if (!s) return Errno::FAULT;
    std::memcpy(s->data(), &value, sizeof(T));
    return Errno::SUCCESS;
  }
  // Copies `bytes` to [ptr, ptr + bytes.size()).
  Errno write_bytes(uint64_t ptr, std::span<const uint8_t> bytes) const;

  // A guest string (not NUL-terminated) viewed in place; NAMETOOLONG past `max_len`.
  Errno string(uint32_t ptr, uint32_t len, std::string_view* out, uint32_t max_len) const;

  // An iovec / ciovec array as at most kMaxIoSlices non-empty host slices: the first ones in
  // the guest's order, empty entries skipped. Entries after the last one taken are not read
  // (the transfer is short, as the API allows), so the host never allocates per guest entry.
  // Each entry read is bounds-checked, empty ones included.
  static constexpr uint32_t kMaxIoSlices = 1024;  // IOV_MAX on Linux and macOS
  Errno iovecs(uint32_t ptr, uint32_t count, std::vector<os::IoSlice>* out) const;

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace wrun::wasi
