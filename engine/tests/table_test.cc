// Tables: bounds-checked access, growth, limits.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/internal.h"

namespace wrun {
namespace {

TableType table_type(ValType elem, uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  return TableType{elem, Limits{min, max}};
}

Func dummy_func(Store& store) {
  return Func::host(store, FuncType{},
                    [](Caller&, std::span<const Val>, std::span<Val>) { return std::nullopt; });
}

TEST(Table, GetSetGrowWithinBounds) {
  Engine engine;
  Store store(engine);
  Func f = dummy_func(store);
  Table t = *Table::create(store, table_type(ValType::FuncRef, 2, 4), Val::funcref_null());
  EXPECT_EQ(t.size(), 2u);
  ASSERT_TRUE(t.get(0).has_value());
  EXPECT_TRUE(t.get(0)->is_null_ref());
  EXPECT_EQ(t.get(0)->type(), ValType::FuncRef);
  EXPECT_FALSE(t.get(2).has_value());
  EXPECT_FALSE(t.get(UINT64_MAX).has_value());

  EXPECT_TRUE(t.set(1, Val::funcref(&f)));
  EXPECT_EQ(t.get(1)->funcref(), std::optional<Func>(f));
  EXPECT_FALSE(t.set(2, Val::funcref(&f)));         // out of bounds
  EXPECT_FALSE(t.set(0, Val::externref(nullptr)));  // wrong type
  EXPECT_FALSE(t.set(0, Val::i32(0)));

  EXPECT_EQ(t.grow(2, Val::funcref(&f)), std::optional<uint64_t>(2));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.get(3)->funcref(), std::optional<Func>(f));  // new entries hold init
  EXPECT_TRUE(t.get(0)->is_null_ref());
  EXPECT_EQ(t.grow(1, Val::funcref_null()), std::nullopt);  // beyond max 4
  EXPECT_EQ(t.grow(0, Val::funcref_null()), std::optional<uint64_t>(4));
  EXPECT_EQ(t.grow(0, Val::externref(nullptr)), std::nullopt);  // wrong init type
  EXPECT_EQ(t.type().limits.min, 4u);
  EXPECT_EQ(t.type().elem, ValType::FuncRef);
}

TEST(Table, ExternRefsKeepHostPointers) {
  Engine engine;
  Store store(engine);
  int a = 0, b = 0;
  Table t = *Table::create(store, table_type(ValType::ExternRef, 1), Val::externref(&a));
  EXPECT_EQ(t.get(0)->externref(), &a);
  EXPECT_EQ(t.grow(3, Val::externref(&b)), std::optional<uint64_t>(1));
  EXPECT_EQ(t.get(3)->externref(), &b);
}

TEST(Table, NoEagerAllocationForHugeLimits) {
  Engine engine;
  Store store(engine);
  Table t = *Table::create(store, table_type(ValType::FuncRef, 0, 0xFFFFFFFFu), Val::funcref_null());
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(api::raw(t)->elems.capacity(), 0u);
  // The spec's "grow to a size outside the i32 range" case, and the implementation limit.
  EXPECT_EQ(t.grow(0xFFFFFFF0u, Val::funcref_null()), std::nullopt);
  EXPECT_EQ(t.grow(rt::kMaxTableEntries + 1, Val::funcref_null()), std::nullopt);
  EXPECT_EQ(t.grow(UINT64_MAX, Val::funcref_null()), std::nullopt);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.grow(16, Val::funcref_null()), std::optional<uint64_t>(0));

  Table small = *Table::create(store, table_type(ValType::FuncRef, 0x10), Val::funcref_null());
  EXPECT_EQ(small.grow(0xFFFFFFF0u, Val::funcref_null()), std::nullopt);  // 2^32 entries
  EXPECT_EQ(api::raw(small)->grow(0xFFFFFFFFu, 0), -1);
}

// Growth reserves room ahead, but never beyond what the table can reach: its maximum, the
// implementation limit, and what its instance's other tables leave of that limit.
TEST(Table, GrowthReservesNoMoreThanTheTableCanReach) {
  Engine engine;
  Store store(engine);
  Table small = *Table::create(store, table_type(ValType::FuncRef, 0, 100), Val::funcref_null());
  ASSERT_EQ(small.grow(60, Val::funcref_null()), std::optional<uint64_t>(0));
  ASSERT_EQ(small.grow(1, Val::funcref_null()), std::optional<uint64_t>(60));
  EXPECT_LE(api::raw(small)->elems.capacity(), 100u);

  auto shared = rt::create_table(table_type(ValType::FuncRef, 0), 0);
  uint64_t instance_entries = rt::kMaxTableEntries - 100;  // the instance's other tables
  shared->instance_entries = &instance_entries;
  ASSERT_EQ(shared->grow(60, 0), 0);
  ASSERT_EQ(shared->grow(1, 0), 60);
  EXPECT_LE(shared->elems.capacity(), 100u);
  EXPECT_EQ(instance_entries, rt::kMaxTableEntries - 39);

  Table big = *Table::create(store, table_type(ValType::FuncRef, 0), Val::funcref_null());
  const uint64_t most = rt::kMaxTableEntries * 9 / 10;
  ASSERT_EQ(big.grow(most, Val::funcref_null()), std::optional<uint64_t>(0));
  ASSERT_EQ(big.grow(1, Val::funcref_null()), std::optional<uint64_t>(most));
  EXPECT_LE(api::raw(big)->elems.capacity(), rt::kMaxTableEntries);
  // Small steps still double: 1000 growths by one reallocate a handful of times.
  Table steps = *Table::create(store, table_type(ValType::FuncRef, 0), Val::funcref_null());
  int reallocations = 0;
  for (int i = 0; i < 1000; ++i) {
    const size_t before = api::raw(steps)->elems.capacity();
    ASSERT_TRUE(steps.grow(1, Val::funcref_null()));
    reallocations += api::raw(steps)->elems.capacity() != before;
  }
  EXPECT_LE(reallocations, 12);
}

TEST(Table, InvalidCreationThrows) {
  Engine engine;
  Store store(engine);
  EXPECT_FALSE(Table::create(store, table_type(ValType::FuncRef, 1), Val::i32(0)).ok());
  EXPECT_FALSE(Table::create(store, table_type(ValType::I32, 1), Val::i32(0)).ok());
  EXPECT_FALSE(Table::create(store, table_type(ValType::FuncRef, 3, 2), Val::funcref_null()).ok());
  EXPECT_FALSE(Table::create(store, table_type(ValType::FuncRef, 0xFFFFFFFFu), Val::funcref_null()).ok());
  EXPECT_EQ(rt::create_table(table_type(ValType::FuncRef, rt::kMaxTableEntries + 1), 0), nullptr);
}

}  // namespace
}  // namespace wrun
