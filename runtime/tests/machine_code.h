// Tiny pieces of machine code made at run time, for exercising the fault handler with
// faults in "generated" code.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace wrun::rt::testing {

#if defined(__x86_64__) || defined(__aarch64__)
inline constexpr bool kHaveMachineCode = true;
#else
inline constexpr bool kHaveMachineCode = false;
#endif

inline size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// One page of code: written while RW, then made RX.
class CodePage {
 public:
  explicit CodePage(const std::vector<uint8_t>& bytes) : size_(bytes.size()) {
    void* p =
        mmap(nullptr, page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap");
    base_ = static_cast<uint8_t*>(p);
    std::memcpy(base_, bytes.data(), bytes.size());
    __builtin___clear_cache(reinterpret_cast<char*>(base_), reinterpret_cast<char*>(base_ + size_));
    if (mprotect(base_, page_size(), PROT_READ | PROT_EXEC) != 0)
      throw std::runtime_error("mprotect");
  }
  ~CodePage() { munmap(base_, page_size()); }
  CodePage(const CodePage&) = delete;
  CodePage& operator=(const CodePage&) = delete;

  const uint8_t* begin() const { return base_; }
  const uint8_t* end() const { return base_ + size_; }
  template <class Fn>
  Fn* entry() const {
    return reinterpret_cast<Fn*>(reinterpret_cast<uintptr_t>(base_));
  }

 private:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
};

inline std::vector<uint8_t> words(std::initializer_list<uint32_t> ws) {
  std::vector<uint8_t> out;
  for (uint32_t w : ws)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(w >> (8 * i)));
  return out;
}

using LoadFn = uint32_t(const uint32_t*);
using DivFn = int32_t(int32_t, int32_t);
using VoidFn = void();
using CallFn = void(void* context, void (*host)(void*));

// uint32_t load(const uint32_t* p) { return *p; }: the load is at offset 0.
inline std::vector<uint8_t> load_code() {
#if defined(__x86_64__)
  return {0x8b, 0x07, 0xc3};  // mov eax, [rdi]; ret
#elif defined(__aarch64__)
  return words({0xb9400000, 0xd65f03c0});  // ldr w0, [x0]; ret
#else
  return {};
#endif
}

// int32_t div(int32_t a, int32_t b) { return a / b; }, trapping on b == 0 (x86-64 only:
// AArch64's sdiv returns 0).
inline constexpr uint32_t kDivTrapOffset = 3;
inline std::vector<uint8_t> div_code() {
#if defined(__x86_64__)
  return {0x89, 0xf8, 0x99, 0xf7, 0xfe, 0xc3};  // mov eax, edi; cdq; idiv esi; ret
#else
  return {};
#endif
}

// An undefined instruction (SIGILL) at offset 0.
inline std::vector<uint8_t> illegal_code() {
#if defined(__x86_64__)
  return {0x0f, 0x0b};  // ud2
#elif defined(__aarch64__)
  return words({0x00000000});              // udf #0
#else
  return {};
#endif
}

// Calls itself forever, pushing a return address (and on AArch64 the frame record) each
// time, until the stack runs out; the faulting instruction is at offset 0.
inline std::vector<uint8_t> recurse_code() {
#if defined(__x86_64__)
  return {0xe8, 0xfb, 0xff, 0xff, 0xff};  // self: call self
#elif defined(__aarch64__)
  return words({0xa9bf7bfd, 0x97ffffff});  // self: stp x29, x30, [sp, #-16]!; bl self
#else
  return {};
#endif
}

// void call(void* context, void (*host)(void*)) { host(context); }: generated code calling
// a host function, which may enter generated code again.
inline std::vector<uint8_t> call_code() {
#if defined(__x86_64__)
  // sub rsp, 8; call rsi; add rsp, 8; ret
  return {0x48, 0x83, 0xec, 0x08, 0xff, 0xd6, 0x48, 0x83, 0xc4, 0x08, 0xc3};
#elif defined(__aarch64__)
  // stp x29, x30, [sp, #-16]!; blr x1; ldp x29, x30, [sp], #16; ret
  return words({0xa9bf7bfd, 0xd63f0020, 0xa8c17bfd, 0xd65f03c0});
#else
  return {};
#endif
}

// Spins forever: self: jmp self.
inline std::vector<uint8_t> spin_code() {
#if defined(__x86_64__)
  return {0xeb, 0xfe};
#elif defined(__aarch64__)
  return words({0x14000000});
#else
  return {};
#endif
}

// A page nothing may access, for loads that fault.
class NoAccessPage {
 public:
  NoAccessPage() {
    void* p = mmap(nullptr, page_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap");
    base_ = static_cast<uint32_t*>(p);
  }
  ~NoAccessPage() { munmap(base_, page_size()); }
  NoAccessPage(const NoAccessPage&) = delete;
  NoAccessPage& operator=(const NoAccessPage&) = delete;
  const uint32_t* at(size_t word) const { return base_ + word; }

 private:
  uint32_t* base_ = nullptr;
};

}  // namespace wrun::rt::testing
