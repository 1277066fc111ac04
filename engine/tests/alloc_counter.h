// Counts the heap allocations made through operator new while a test asks for it, so tests
// can assert what an operation allocates. The replacement operators live in alloc_counter.cc,
// a file of their own so that no caller sees them inline.
#pragma once

#include <cstddef>

namespace wrun::test {

struct AllocCount {
  size_t allocations = 0;
  size_t bytes = 0;
};

void start_counting_allocations();
AllocCount stop_counting_allocations();

}  // namespace wrun::test
