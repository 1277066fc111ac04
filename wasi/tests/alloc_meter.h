// Counts the host heap that C++ code allocates (every global operator new/delete is replaced
// in a program that links alloc_meter.cc), so tests and the fuzz_wasi target can check that
// a WASI call's host memory does not grow with a guest-chosen count. Allocations made with
// malloc directly (the C library's own, such as a DIR stream's buffer) are not counted.
#pragma once

#include <cstddef>

namespace wrun::wasi::test {

struct AllocMeter {
  // Bytes allocated through operator new and not yet freed, process-wide.
  static size_t live();
  // The highest live() since the last reset_peak().
  static size_t peak();
  // Starts a new measurement: peak() becomes live().
  static void reset_peak();
};

// The growth of the peak over what was live at construction: what one operation needed at
// most, transient allocations included.
class AllocScope {
 public:
  AllocScope() : start_(AllocMeter::live()) { AllocMeter::reset_peak(); }
  size_t peak_growth() const { return AllocMeter::peak() - start_; }
  // What is still allocated since construction (0 when less than before).
  size_t retained() const {
    const size_t now = AllocMeter::live();
    return now > start_ ? now - start_ : 0;
  }

 private:
  size_t start_;
};

}  // namespace wrun::wasi::test
