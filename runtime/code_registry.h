// The registry of generated code: the address ranges executors emit code into, with the
// instructions in them that may fault on purpose (trap sites). The fault handler looks pcs up
// here from inside a signal handler, so lookups take no lock and allocate nothing.
#pragma once

#include <cstdint>
#include <span>

namespace wrun::rt {

// An instruction the executor expects to fault, and the trap that fault means.
struct TrapSite {
  uint32_t offset = 0;         // of the instruction's first byte, from the range's begin
  uint32_t reason = 0;         // executor-defined trap code
  uint32_t source_offset = 0;  // executor-defined, e.g. the wasm module offset
  // Where the fault handler resumes the faulting code, from the range's begin, so that it
  // unwinds its own frames (fault_handler.h); 0: the activation is unwound at once instead.
  uint32_t landing = 0;
};

// What lookup_code found for a pc. The values are copies: they stay valid after the range is
// unregistered.
struct CodeLookup {
  const void* begin = nullptr;  // the registered range holding the pc
  const void* end = nullptr;
  const void* cookie = nullptr;
  bool has_site = false;  // the pc is the start of a registered trap site:
  TrapSite site;          // this one
};

// A registered range; unregisters it when destroyed or reset. The code must stay mapped
// until then (a fault in it would otherwise not be found).
class CodeRegistration {
 public:
  CodeRegistration() = default;
  CodeRegistration(CodeRegistration&& other) noexcept : record_(other.record_) {
    other.record_ = nullptr;
  }
  CodeRegistration& operator=(CodeRegistration&& other) noexcept;
  CodeRegistration(const CodeRegistration&) = delete;
  CodeRegistration& operator=(const CodeRegistration&) = delete;
  ~CodeRegistration() { reset(); }

  void reset();
  bool registered() const { return record_ != nullptr; }

 private:
  friend CodeRegistration register_code(const void*, const void*, const void*,
                                        std::span<const TrapSite>);
  explicit CodeRegistration(const void* record) : record_(record) {}
  const void* record_ = nullptr;
};

// Registers the code [begin, end) with an opaque cookie (the executor's module or function)
// and its trap sites, which are copied, in any order. Throws std::invalid_argument for an
// empty range, one overlapping a registered range, or a site outside the range.
CodeRegistration register_code(const void* begin, const void* end, const void* cookie,
                               std::span<const TrapSite> sites = {});

// Finds the registered range holding pc (and the trap site starting at pc, if any).
// Lock-free, allocation-free and async-signal-safe; also usable by frame walkers.
bool lookup_code(const void* pc, CodeLookup* found);

}  // namespace wrun::rt
