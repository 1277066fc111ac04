// The engine tests' operator new: malloc, counted between start and stop (alloc_counter.h).
#include "engine/tests/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0}, g_bytes{0};
}  // namespace

void* operator new(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(n, std::memory_order_relaxed);
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace wrun::test {

void start_counting_allocations() {
  g_allocations = 0;
  g_bytes = 0;
  g_counting = true;
}

AllocCount stop_counting_allocations() {
  g_counting = false;
  return AllocCount{g_allocations.load(), g_bytes.load()};
}

}  // namespace wrun::test
