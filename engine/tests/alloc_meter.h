// Counts the host heap that C++ code allocates (every global operator new/delete is replaced
// in a program that links alloc_meter.cc: engine_tests, wasi_tests, fuzz_wasi), so tests can
// check that what an operation allocates does not grow with a guest's or a module's numbers.
// Allocations made with malloc directly (the C library's own, such as a DIR stream's buffer)
// are not counted.
#pragma once

#include <cstddef>

namespace wrun::test {

struct AllocMeter {
  // Bytes allocated through operator new and not yet freed, process-wide.
  static size_t live();
  // The highest live() since the last reset_peak().
  static size_t peak();
  // Starts a new measurement: peak() becomes live().
  static void reset_peak();
  // How many allocations operator new has made, process-wide.
  static size_t allocations();
};

// The growth of the peak over what was live at construction: what one operation needed at
// most, transient allocations included.
class AllocScope {
 public:
  AllocScope() : start_(AllocMeter::live()), allocations_(AllocMeter::allocations()) {
    AllocMeter::reset_peak();
  }
  size_t peak_growth() const { return AllocMeter::peak() - start_; }
  // How many allocations were made since construction.
  size_t allocations() const { return AllocMeter::allocations() - allocations_; }
  // What is still allocated since construction (0 when less than before).
  size_t retained() const {
    const size_t now = AllocMeter::live();
    return now > start_ ? now - start_ : 0;
  }

 private:
  size_t start_;
  size_t allocations_;
};

}  // namespace wrun::test
