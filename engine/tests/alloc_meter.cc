// The replaced global operator new/delete behind AllocMeter (alloc_meter.h). Sizes are taken
// from the allocator itself (malloc_usable_size) on both sides, so a block counts the same
// when it is freed as when it was made, whichever form of delete frees it.
#include "engine/tests/alloc_meter.h"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__APPLE__)
#include <malloc/malloc.h>
#define WRUN_BLOCK_SIZE(p) malloc_size(p)
#else
#include <malloc.h>
#define WRUN_BLOCK_SIZE(p) malloc_usable_size(p)
#endif

namespace wrun::test {
namespace {

std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_allocations{0};

void* counted(void* p) {
  if (p) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    const size_t now =
        g_live.fetch_add(WRUN_BLOCK_SIZE(p), std::memory_order_relaxed) + WRUN_BLOCK_SIZE(p);
    size_t seen = g_peak.load(std::memory_order_relaxed);
    while (now > seen && !g_peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }
  return p;
}

void uncount_and_free(void* p) {
  if (!p) return;
  g_live.fetch_sub(WRUN_BLOCK_SIZE(p), std::memory_order_relaxed);
  std::free(p);
}

void* allocate(size_t n, size_t align, bool throws) {
  void* p = nullptr;
  if (n == 0) n = 1;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(n);
  } else if (posix_memalign(&p, align, n) != 0) {
    p = nullptr;
  }
  if (!p && throws) throw std::bad_alloc();
  return counted(p);
}

}  // namespace

size_t AllocMeter::live() { return g_live.load(std::memory_order_relaxed); }
size_t AllocMeter::peak() { return g_peak.load(std::memory_order_relaxed); }
size_t AllocMeter::allocations() { return g_allocations.load(std::memory_order_relaxed); }
void AllocMeter::reset_peak() { g_peak.store(live(), std::memory_order_relaxed); }

}  // namespace wrun::test

using wrun::test::allocate;
using wrun::test::uncount_and_free;

void* operator new(size_t n) { return allocate(n, 0, true); }
void* operator new[](size_t n) { return allocate(n, 0, true); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0, false); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0, false); }
void* operator new(size_t n, std::align_val_t a) {
  return allocate(n, static_cast<size_t>(a), true);
}
void* operator new[](size_t n, std::align_val_t a) {
  return allocate(n, static_cast<size_t>(a), true);
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate(n, static_cast<size_t>(a), false);
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate(n, static_cast<size_t>(a), false);
}

void operator delete(void* p) noexcept { uncount_and_free(p); }
void operator delete[](void* p) noexcept { uncount_and_free(p); }
void operator delete(void* p, size_t) noexcept { uncount_and_free(p); }
void operator delete[](void* p, size_t) noexcept { uncount_and_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { uncount_and_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { uncount_and_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { uncount_and_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { uncount_and_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { uncount_and_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { uncount_and_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  uncount_and_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  uncount_and_free(p);
}
