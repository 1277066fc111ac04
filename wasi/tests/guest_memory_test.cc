// GuestMemory: the one bounds check, and that each call sees the memory as it is now.
#include "wasi/guest_memory.h"

#include <gtest/gtest.h>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

TEST(GuestMemory, SpanBounds) {
  std::vector<uint8_t> bytes(100);
  GuestMemory m(bytes.data(), bytes.size());
  EXPECT_TRUE(m.span(0, 100));
  EXPECT_TRUE(m.span(100, 0));
  EXPECT_TRUE(m.span(99, 1));
  EXPECT_FALSE(m.span(100, 1));
  EXPECT_FALSE(m.span(101, 0));
  EXPECT_FALSE(m.span(1, 100));
  EXPECT_FALSE(m.span(0xFFFFFFFFu, 2));
  EXPECT_FALSE(m.span(2, 0xFFFFFFFFu));
  EXPECT_FALSE(m.span(UINT64_MAX, 1));
  EXPECT_FALSE(m.span(1, UINT64_MAX));
  EXPECT_FALSE(m.span(UINT64_MAX, UINT64_MAX));
  EXPECT_EQ(m.span(10, 5)->data(), bytes.data() + 10);
}

TEST(GuestMemory, EmptyMemoryFaultsEverything) {
  GuestMemory m;
  EXPECT_TRUE(m.span(0, 0));
  EXPECT_FALSE(m.span(0, 1));
  uint32_t v;
  EXPECT_EQ(m.read(0, &v), Errno::FAULT);
  EXPECT_EQ(m.write<uint32_t>(0, 1), Errno::FAULT);
}

TEST(GuestMemory, UnalignedStructs) {
  std::vector<uint8_t> bytes(16);
  GuestMemory m(bytes.data(), bytes.size());
  EXPECT_EQ(m.write<uint64_t>(3, 0x0102030405060708ull), Errno::SUCCESS);
  uint64_t v = 0;
  EXPECT_EQ(m.read(3, &v), Errno::SUCCESS);
  EXPECT_EQ(v, 0x0102030405060708ull);
  EXPECT_EQ(bytes[3], 0x08);
  EXPECT_EQ(m.write<uint64_t>(9, 1), Errno::FAULT);  // 9 + 8 > 16
  EXPECT_EQ(bytes[11], 0);                           // nothing of the failed write landed
  EXPECT_EQ(bytes[15], 0);
}

TEST(GuestMemory, IovecArrays) {
  std::vector<uint8_t> bytes(64);
  GuestMemory m(bytes.data(), bytes.size());
  auto iov = [&](uint32_t at, uint32_t buf, uint32_t len) {
    std::memcpy(bytes.data() + at, &buf, 4);
    std::memcpy(bytes.data() + at + 4, &len, 4);
  };
  std::vector<os::IoSlice> out;
  iov(0, 32, 8);
  iov(8, 40, 24);
  EXPECT_EQ(m.iovecs(0, 2, &out), Errno::SUCCESS);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].data, bytes.data() + 40);
  iov(8, 40, 25);  // one byte past the end
  EXPECT_EQ(m.iovecs(0, 2, &out), Errno::FAULT);
  iov(8, 0xFFFFFFF0u, 0x20);  // wraps in 32 bits
  EXPECT_EQ(m.iovecs(0, 2, &out), Errno::FAULT);
  EXPECT_EQ(m.iovecs(60, 1, &out), Errno::FAULT);           // the array itself runs off
  EXPECT_EQ(m.iovecs(0, 0x20000000u, &out), Errno::FAULT);  // 4 GiB of iovecs
  EXPECT_EQ(m.iovecs(64, 0, &out), Errno::SUCCESS);         // empty at the very end
}

TEST(GuestMemory, StringsHaveALimit) {
  std::vector<uint8_t> bytes(64, 'a');
  GuestMemory m(bytes.data(), bytes.size());
  std::string_view s;
  EXPECT_EQ(m.string(0, 64, &s, 100), Errno::SUCCESS);
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(m.string(0, 64, &s, 10), Errno::NAMETOOLONG);
  EXPECT_EQ(m.string(1, 64, &s, 100), Errno::FAULT);
}

// The memory is looked up on every call: after it grows, the new pages are usable, and a
// pointer that was out of bounds before is in bounds now.
TEST(GuestMemory, LookedUpPerCall) {
  Sandbox sb;
  Guest g(sb.config(), 1, 4);
  const uint32_t high = 65536 + 100;
  EXPECT_EQ(g.call("args_sizes_get", {I32(high), I32(high + 4)}), E(Errno::FAULT));
  ASSERT_TRUE(g.memory().grow(1));
  EXPECT_EQ(g.call("args_sizes_get", {I32(high), I32(high + 4)}), E(Errno::SUCCESS));
  EXPECT_EQ(g.get_val<uint32_t>(high), 1u);
  EXPECT_EQ(g.get_val<uint32_t>(high + 4), 6u);  // "guest\0"
}

}  // namespace
}  // namespace wrun::wasi::test
