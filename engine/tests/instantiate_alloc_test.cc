// What instantiating element segments allocates on the heap: an active segment is checked
// against its table before anything is evaluated and then written straight into it, so it
// costs no copy of its references and no allocation per element.
#include <gtest/gtest.h>

#include "decoder/tests/wasm_builder.h"
#include "engine/internal.h"
#include "engine/tests/alloc_meter.h"

namespace wrun {
namespace {

using test::Bytes;
using test::cat;
using test::section;
using test::uleb;

// (module (func $f) (table (export "t") <table_size> funcref)
//   (elem (i32.const 0) func $f $f ... <elements> times))
Bytes big_segment(uint32_t table_size, uint32_t elements) {
  Bytes funcs(elements, 0x00);
  return test::module({
      section(1, {0x01, 0x60, 0x00, 0x00}),
      section(3, {0x01, 0x00}),
      section(4, cat({{0x01, 0x70, 0x00}, uleb(table_size)})),
      section(7, cat({{0x01}, test::name("t"), {0x01, 0x00}})),
      section(9, cat({{0x01, 0x00, 0x41, 0x00, 0x0B}, uleb(elements), funcs})),
      section(10, {0x01, 0x02, 0x00, 0x0B}),
  });
}

struct Counted {
  size_t allocations = 0, bytes = 0;
  std::variant<Instance, InstantiateError> result;
};

Counted instantiate_counted(Store& store, const Module& m) {
  test::AllocScope scope;
  auto r = Linker(store).instantiate(m);
  return Counted{scope.allocations(), scope.peak_growth(), std::move(r)};
}

constexpr uint32_t kElements = 200'000;
constexpr size_t kFewAllocations = 200, kFewBytes = 64 * 1024;  // what the instance itself takes

TEST(ElemSegmentAllocation, OutOfBoundsSegmentIsNotMaterialised) {
  Engine engine;
  Store store(engine);
  auto m = Module::compile(engine, big_segment(0, kElements));
  ASSERT_TRUE(m.ok()) << m.error();
  Counted c = instantiate_counted(store, *m);
  ASSERT_TRUE(std::holds_alternative<InstantiateError>(c.result));
  const InstantiateError& e = std::get<InstantiateError>(c.result);
  EXPECT_EQ(e.stage, InstantiateError::Stage::Trap);
  EXPECT_EQ(e.message, "out of bounds table access");
  EXPECT_LT(c.allocations, kFewAllocations);
  EXPECT_LT(c.bytes, kFewBytes);
  RecordProperty("allocations", std::to_string(c.allocations));
  RecordProperty("bytes", std::to_string(c.bytes));
}

TEST(ElemSegmentAllocation, SegmentIsWrittenStraightIntoTheTable) {
  Engine engine;
  Store store(engine);
  auto m = Module::compile(engine, big_segment(kElements, kElements));
  ASSERT_TRUE(m.ok()) << m.error();
  Counted c = instantiate_counted(store, *m);
  ASSERT_TRUE(std::holds_alternative<Instance>(c.result));
  auto table = std::get<Instance>(c.result).get_table("t");
  ASSERT_TRUE(table);
  const rt::Slot f = reinterpret_cast<uintptr_t>(api::raw(std::get<Instance>(c.result))->funcs[0]);
  EXPECT_EQ(table->get(0)->raw(), f);
  EXPECT_EQ(table->get(kElements - 1)->raw(), f);
  EXPECT_LT(c.allocations, kFewAllocations);
  EXPECT_LT(c.bytes, kElements * sizeof(rt::Slot) + kFewBytes);  // the table, not a copy too
  RecordProperty("allocations", std::to_string(c.allocations));
  RecordProperty("bytes", std::to_string(c.bytes));
}

}  // namespace
}  // namespace wrun
