// Linear memories: creation, growth, limits, zero-fill and the guard reservation.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/internal.h"

namespace wrun {
namespace {

MemoryType mem_type(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  return MemoryType{Limits{min, max}};
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

TEST(Memory, CreateGrowWithinMax) {
  Engine engine;
  Store store(engine);
  Memory m = *Memory::create(store, mem_type(1, 3));
  EXPECT_EQ(m.size_pages(), 1u);
  EXPECT_EQ(m.size_bytes(), kPageSize);
  ASSERT_NE(m.data(), nullptr);
  EXPECT_TRUE(all_zero(m.data(), kPageSize));
  m.data()[0] = 0xAB;
  m.data()[kPageSize - 1] = 0xCD;

  EXPECT_EQ(m.grow(1), std::optional<uint64_t>(1));
  EXPECT_EQ(m.size_pages(), 2u);
  EXPECT_TRUE(all_zero(m.data() + kPageSize, kPageSize));  // fresh pages read zero
  EXPECT_EQ(m.data()[0], 0xAB);                            // old contents stay, base does not move
  EXPECT_EQ(m.data()[kPageSize - 1], 0xCD);
  m.data()[2 * kPageSize - 1] = 1;  // and the new page is writable

  EXPECT_EQ(m.grow(2), std::nullopt);  // 4 > max 3
  EXPECT_EQ(m.size_pages(), 2u);
  EXPECT_EQ(m.grow(1), std::optional<uint64_t>(2));
  EXPECT_EQ(m.grow(1), std::nullopt);
  EXPECT_EQ(m.grow(0), std::optional<uint64_t>(3));  // growing by 0 succeeds even at max
  EXPECT_EQ(m.type().limits.min, 3u);                // the type reflects the current size
  EXPECT_EQ(m.type().limits.max, std::optional<uint64_t>(3));
}

TEST(Memory, ZeroPagesAndHugeDeltas) {
  Engine engine;
  Store store(engine);
  Memory m = *Memory::create(store, mem_type(0));
  EXPECT_EQ(m.size_bytes(), 0u);
  EXPECT_EQ(m.grow(0), std::optional<uint64_t>(0));
  EXPECT_EQ(m.grow(kMaxPages32 + 1), std::nullopt);
  EXPECT_EQ(m.grow(UINT64_MAX), std::nullopt);  // no overflow in old + delta
  EXPECT_EQ(m.grow(2), std::optional<uint64_t>(0));
  EXPECT_EQ(m.grow(kMaxPages32 - 1), std::nullopt);  // 2 + 65535 > 65536 pages
  EXPECT_EQ(api::raw(m)->grow(UINT64_MAX - 1), -1);
  EXPECT_TRUE(all_zero(m.data(), m.size_bytes()));
}

TEST(Memory, InvalidLimitsThrow) {
  Engine engine;
  Store store(engine);
  EXPECT_FALSE(Memory::create(store, mem_type(2, 1)).ok());
  EXPECT_FALSE(Memory::create(store, mem_type(kMaxPages32 + 1)).ok());
  EXPECT_FALSE(Memory::create(store, mem_type(0, kMaxPages32 + 1)).ok());
}

TEST(Memory, StoreLimit) {
  Engine engine;
  Store store(engine);
  store.set_max_memory_bytes(2 * kPageSize + 100);  // rounds down to 2 pages
  EXPECT_FALSE(Memory::create(store, mem_type(3)).ok());
  Memory m = *Memory::create(store, mem_type(1));
  EXPECT_EQ(m.grow(1), std::optional<uint64_t>(1));
  EXPECT_EQ(m.grow(1), std::nullopt);
  // Raising the limit applies to existing memories too; the type's max still holds.
  store.set_max_memory_bytes(std::nullopt);
  EXPECT_EQ(m.grow(10), std::optional<uint64_t>(2));
  Memory bounded = *Memory::create(store, mem_type(1, 2));
  store.set_max_memory_bytes(100 * kPageSize);
  EXPECT_EQ(bounded.grow(2), std::nullopt);
  EXPECT_EQ(bounded.grow(1), std::optional<uint64_t>(1));
  // Lowering it below a memory's size only stops further growth.
  store.set_max_memory_bytes(0);
  EXPECT_EQ(m.size_pages(), 12u);
  EXPECT_EQ(m.grow(1), std::nullopt);
  EXPECT_EQ(m.grow(0), std::optional<uint64_t>(12));
}

TEST(Memory, CreateMemoryHelper) {
  EXPECT_EQ(rt::create_memory(mem_type(5), 4 * kPageSize), nullptr);
  auto m = rt::create_memory(mem_type(1, 7), std::nullopt);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->max_pages, 7u);
  EXPECT_EQ(m->pages(), 1u);
  EXPECT_EQ(rt::memory_max_pages(mem_type(0), std::nullopt), kMaxPages32);
  EXPECT_EQ(rt::memory_max_pages(mem_type(0, 9), 3 * kPageSize), 3u);
}

TEST(Memory, ReservationCoversAll32BitAccesses) {
  auto m = rt::create_memory(mem_type(1), std::nullopt);
  ASSERT_NE(m, nullptr);
  // u32 address + u32 offset + access size must stay inside the mapping.
  EXPECT_GE(m->reserved_bytes, (uint64_t{8} << 30) + 16);
}

TEST(MemoryDeathTest, AccessPastTheEndFaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto m = rt::create_memory(mem_type(1), std::nullopt);
  ASSERT_NE(m, nullptr);
  volatile uint8_t* p = m->base;
  EXPECT_DEATH(p[kPageSize] = 1, "");
  EXPECT_DEATH(p[(uint64_t{4} << 30) + 12345] = 1, "");
}

}  // namespace
}  // namespace wrun
