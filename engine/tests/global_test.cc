// Globals created by the embedder: typed get/set and mutability.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/internal.h"

namespace wrun {
namespace {

TEST(Global, ImmutableCannotBeSet) {
  Engine engine;
  Store store(engine);
  Global g = *Global::create(store, GlobalType{ValType::I32, false}, Val::i32(7));
  EXPECT_EQ(g.get().i32(), 7);
  EXPECT_EQ(g.get().type(), ValType::I32);
  EXPECT_FALSE(g.set(Val::i32(8)));
  EXPECT_EQ(g.get().i32(), 7);
  EXPECT_FALSE(g.type().mut);
}

TEST(Global, MutableChecksType) {
  Engine engine;
  Store store(engine);
  Global g = *Global::create(store, GlobalType{ValType::I64, true}, Val::i64(-1));
  EXPECT_TRUE(g.set(Val::i64(INT64_MIN)));
  EXPECT_EQ(g.get().i64(), INT64_MIN);
  EXPECT_FALSE(g.set(Val::i32(1)));
  EXPECT_FALSE(g.set(Val::f64(1.0)));
  EXPECT_EQ(g.get().i64(), INT64_MIN);
  EXPECT_FALSE(Global::create(store, GlobalType{ValType::I64, true}, Val::i32(0)).ok());
}

TEST(Global, FloatsKeepNanPayloads) {
  Engine engine;
  Store store(engine);
  Global f = *Global::create(store, GlobalType{ValType::F32, true}, Val::f32_bits(0xFF800001));
  EXPECT_EQ(f.get().f32_bits(), 0xFF800001u);
  EXPECT_TRUE(f.set(Val::f32_bits(0x7F812345)));
  EXPECT_EQ(f.get().f32_bits(), 0x7F812345u);
  Global d =
      *Global::create(store, GlobalType{ValType::F64, false}, Val::f64_bits(0x7FF0000000000ABCull));
  EXPECT_EQ(d.get().f64_bits(), 0x7FF0000000000ABCull);
}

TEST(Global, V128AndRefs) {
  Engine engine;
  Store store(engine);
  V128 v;
  for (int i = 0; i < 16; ++i) v.bytes[i] = static_cast<uint8_t>(0xF0 + i);
  Global g = *Global::create(store, GlobalType{ValType::V128, true}, Val::v128(v));
  EXPECT_EQ(g.get().v128(), v);
  V128 w;
  w.bytes[15] = 9;
  EXPECT_TRUE(g.set(Val::v128(w)));
  EXPECT_EQ(g.get().v128(), w);
  EXPECT_EQ(api::raw(g)->value[1], uint64_t{9} << 56);

  int host = 0;
  Global e = *Global::create(store, GlobalType{ValType::ExternRef, true}, Val::externref(nullptr));
  EXPECT_TRUE(e.get().is_null_ref());
  EXPECT_TRUE(e.set(Val::externref(&host)));
  EXPECT_EQ(e.get().externref(), &host);
  EXPECT_FALSE(e.set(Val::funcref_null()));
}

}  // namespace
}  // namespace wrun
