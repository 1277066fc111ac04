// W^X code memory (code_memory.h).
#include "jit/code_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace wrun::jit {

std::unique_ptr<CodeMemory> CodeMemory::create(std::span<const uint8_t> code,
                                               std::span<const rt::TrapSite> sites,
                                               const void* cookie) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t mapped = (std::max<size_t>(code.size(), 1) + page - 1) / page * page;
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  auto* base = static_cast<uint8_t*>(p);
  if (!code.empty()) std::memcpy(base, code.data(), code.size());
  if (mprotect(base, mapped, PROT_READ | PROT_EXEC) != 0) {
    munmap(base, mapped);
    throw std::bad_alloc();
  }
  std::unique_ptr<CodeMemory> m(new CodeMemory(base, mapped, code.size()));
  m->registration_ =
      rt::register_code(base, base + std::max<size_t>(code.size(), 1), cookie, sites);
  return m;
}

CodeMemory::~CodeMemory() {
  registration_.reset();  // before the code goes: a lookup must never find unmapped code
  munmap(base_, mapped_);
}

}  // namespace wrun::jit
