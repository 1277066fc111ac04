// Executable memory for one module's generated code, W^X: mapped writable, filled, then made
// read+execute before anything runs it, never both at once; registered with the runtime's
// code registry (with its trap sites) for as long as it is mapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "runtime/code_registry.h"

namespace wrun::jit {

class CodeMemory {
 public:
  // Maps `code` (sites relative to its start) read+execute, registered with `cookie`.
  // Throws std::bad_alloc when the mapping fails.
  static std::unique_ptr<CodeMemory> create(std::span<const uint8_t> code,
                                            std::span<const rt::TrapSite> sites,
                                            const void* cookie);
  ~CodeMemory();
  CodeMemory(const CodeMemory&) = delete;
  CodeMemory& operator=(const CodeMemory&) = delete;

  const uint8_t* begin() const { return base_; }
  size_t size() const { return size_; }

 private:
  CodeMemory(uint8_t* base, size_t mapped, size_t size)
      : base_(base), mapped_(mapped), size_(size) {}
  uint8_t* base_;
  size_t mapped_;
  size_t size_;
  rt::CodeRegistration registration_;
};

}  // namespace wrun::jit
