// Functions with tens of thousands of locals: the walker keeps locals as runs of one type and
// indexes only the first few directly, so locals far past those must still have the right
// type (validation) and slot (execution).
#include <gtest/gtest.h>

#include "decoder/tests/wasm_builder.h"
#include "wrun/wrun.h"

namespace wrun {
namespace {

using namespace wrun::test;

// (func (export "f") (param i32 i64) (result i64)
//   (local i32 x300) (local f32 x10) (local i64 x49000)   ;; locals 2-301, 302-311, 312-49311
//   `code`)
Bytes many_locals(const Bytes& code) {
  Bytes body = cat({{0x03, 0xAC, 0x02, 0x7F, 0x0A, 0x7D, 0xE8, 0xFE, 0x02, 0x7E}, code, {0x0B}});
  return module({section(1, {0x01, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7E}), one_func_of_type0(),
                 section(7, cat({{0x01}, name("f"), {0x00, 0x00}})),
                 section(10, cat({{0x01}, uleb(body.size()), body}))});
}

TEST(ManyLocals, FarLocalsHaveTheirTypeAndSlot) {
  // local 49311 = param 1; local 301 = param 0; return local 49311 + extend(local 301)
  //   + extend(local 2) (still zero).
  const Bytes code = {0x20, 0x01, 0x21, 0x9F, 0x81, 0x03, 0x20, 0x00, 0x21, 0xAD, 0x02, 0x20,
                      0x9F, 0x81, 0x03, 0x20, 0xAD, 0x02, 0xAD, 0x7C, 0x20, 0x02, 0xAD, 0x7C};
  Engine engine;
  Store store(engine);
  Linker linker(store);
  Result<Module> m = Module::compile(engine, many_locals(code));
  ASSERT_TRUE(m) << m.error();
  auto inst = linker.instantiate(*m);
  ASSERT_TRUE(std::holds_alternative<Instance>(inst));
  auto f = std::get<Instance>(inst).get_func("f");
  ASSERT_TRUE(f);
  const std::vector<Val> args = {Val::i32(5), Val::i64(1'000'000'000'000)};
  auto r = f->call(store, args);
  ASSERT_TRUE(std::holds_alternative<std::vector<Val>>(r)) << std::get<Trap>(r).message;
  EXPECT_EQ(std::get<std::vector<Val>>(r)[0].i64(), 1'000'000'000'005);
}

TEST(ManyLocals, FarLocalsAreTypeChecked) {
  Engine engine;
  // local 311 is an f32: no i64 result.
  Result<Module> f32 = Module::compile(engine, many_locals({0x20, 0xB7, 0x02}));
  ASSERT_FALSE(f32);
  EXPECT_NE(f32.error().find("type mismatch"), std::string::npos) << f32.error();
  // local 312 is the first i64.
  EXPECT_TRUE(Module::compile(engine, many_locals({0x20, 0xB8, 0x02})));
  // There is no local 49312.
  Result<Module> past = Module::compile(engine, many_locals({0x20, 0xA0, 0x81, 0x03}));
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().find("unknown local 49312"), std::string::npos) << past.error();
}

}  // namespace
}  // namespace wrun
