// Val, Trap and the type registry.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "engine/internal.h"

namespace wrun {
namespace {

TEST(Val, NumbersRoundTrip) {
  EXPECT_EQ(Val::i32(-7).i32(), -7);
  EXPECT_EQ(Val::i32(-1).raw(), 0xFFFFFFFFu);  // i32 slots are zero-extended
  EXPECT_EQ(Val::i64(INT64_MIN).i64(), INT64_MIN);
  EXPECT_EQ(Val::f32(1.5f).f32(), 1.5f);
  EXPECT_EQ(Val::f64(-2.25).f64(), -2.25);
  EXPECT_EQ(Val::i32(3).type(), ValType::I32);
  EXPECT_EQ(Val::default_for(ValType::F64).f64_bits(), 0u);
  EXPECT_EQ(Val::default_for(ValType::FuncRef).type(), ValType::FuncRef);
  EXPECT_TRUE(Val::default_for(ValType::ExternRef).is_null_ref());
}

TEST(Val, NanPayloadsSurviveSlots) {
  const uint32_t f32_nan = 0x7FA00001;  // signalling NaN with a payload
  const uint64_t f64_nan = 0xFFF4000000000001;
  rt::Slot slots[2] = {~0ull, ~0ull};
  api::val_to_slots(Val::f32_bits(f32_nan), slots);
  EXPECT_EQ(api::val_from_slots(ValType::F32, slots).f32_bits(), f32_nan);
  api::val_to_slots(Val::f64_bits(f64_nan), slots);
  EXPECT_EQ(api::val_from_slots(ValType::F64, slots).f64_bits(), f64_nan);
  // Garbage above 32 bits (an executor may leave it) does not leak into i32/f32 values.
  slots[0] = 0xDEADBEEF00000005ull;
  EXPECT_EQ(api::val_from_slots(ValType::I32, slots).raw(), 5u);
}

TEST(Val, V128UsesTwoSlotsLowFirst) {
  V128 v;
  for (int i = 0; i < 16; ++i) v.bytes[i] = static_cast<uint8_t>(i + 1);
  rt::Slot slots[2] = {0, 0};
  api::val_to_slots(Val::v128(v), slots);
  EXPECT_EQ(slots[0], 0x0807060504030201ull);
  EXPECT_EQ(slots[1], 0x100F0E0D0C0B0A09ull);
  EXPECT_EQ(api::val_from_slots(ValType::V128, slots).v128(), v);
  EXPECT_EQ(rt::slot_count(ValType::V128), 2u);
  const ValType types[] = {ValType::I32, ValType::V128, ValType::F64};
  EXPECT_EQ(rt::slot_count(types), 4u);
}

TEST(Val, ToString) {
  EXPECT_EQ(Val::i32(-5).to_string(), "i32:-5");
  EXPECT_EQ(Val::i64(1234567890123).to_string(), "i64:1234567890123");
  EXPECT_EQ(Val::f32(1.5f).to_string(), "f32:0x3fc00000 (1.5)");
  EXPECT_EQ(Val::f64(-0.0).to_string(), "f64:0x8000000000000000 (-0)");
  EXPECT_NE(Val::f32_bits(0x7FC00000).to_string().find("nan"), std::string::npos);
  EXPECT_EQ(Val::funcref_null().to_string(), "funcref:null");
  EXPECT_EQ(Val::externref(nullptr).to_string(), "externref:null");
  EXPECT_EQ(Val::externref(reinterpret_cast<void*>(0x1234)).to_string(), "externref:0x1234");
  V128 v;
  v.bytes[0] = 1;
  v.bytes[15] = 0xFF;
  EXPECT_EQ(Val::v128(v).to_string(), "v128:0x00000001 0x00000000 0x00000000 0xff000000");
}

TEST(Val, FuncRefs) {
  EXPECT_FALSE(Val::funcref(nullptr).funcref().has_value());
  EXPECT_TRUE(Val::funcref(nullptr).is_null_ref());
  rt::FuncInst inst;
  Func f = ApiAccess::func(&inst);
  Val v = Val::funcref(&f);
  EXPECT_EQ(v.type(), ValType::FuncRef);
  ASSERT_TRUE(v.funcref().has_value());
  EXPECT_EQ(api::raw(*v.funcref()), &inst);
  // An externref is never a Func, whatever it points at.
  EXPECT_FALSE(Val::externref(&inst).funcref().has_value());
  EXPECT_EQ(Val::externref(&inst).externref(), &inst);
}

TEST(Trap, Messages) {
  EXPECT_STREQ(trap_kind_message(TrapKind::MemoryOutOfBounds), "out of bounds memory access");
  EXPECT_STREQ(trap_kind_message(TrapKind::TableOutOfBounds), "out of bounds table access");
  EXPECT_STREQ(trap_kind_message(TrapKind::UndefinedElement), "undefined element");
  EXPECT_STREQ(trap_kind_message(TrapKind::UninitializedElement), "uninitialized element");
  EXPECT_STREQ(trap_kind_message(TrapKind::IndirectCallTypeMismatch),
               "indirect call type mismatch");
  EXPECT_STREQ(trap_kind_message(TrapKind::IntegerDivideByZero), "integer divide by zero");
  EXPECT_STREQ(trap_kind_message(TrapKind::IntegerOverflow), "integer overflow");
  EXPECT_STREQ(trap_kind_message(TrapKind::InvalidConversion), "invalid conversion to integer");
  EXPECT_STREQ(trap_kind_message(TrapKind::StackExhausted), "call stack exhausted");
  EXPECT_STREQ(trap_kind_message(TrapKind::NullReference), "null reference");
  EXPECT_STREQ(trap_kind_message(TrapKind::Unreachable), "unreachable");
  EXPECT_STREQ(trap_kind_message(TrapKind::OutOfFuel), "all fuel consumed");
  EXPECT_STREQ(trap_kind_message(TrapKind::Interrupted), "interrupted");

  Trap t = Trap::make(TrapKind::IntegerOverflow);
  EXPECT_EQ(t.kind, TrapKind::IntegerOverflow);
  EXPECT_EQ(t.message, "integer overflow");
  Trap h = Trap::make(TrapKind::Host, "disk on fire");
  EXPECT_EQ(h.kind, TrapKind::Host);
  EXPECT_EQ(h.message, "disk on fire");
}

TEST(TypeRegistry, EqualTypesShareAnId) {
  FuncType a{{ValType::I32, ValType::I64}, {ValType::F32}};
  FuncType b{{ValType::I32, ValType::I64}, {ValType::F32}};
  FuncType swapped{{ValType::I32}, {ValType::I64, ValType::F32}};  // same bytes, other split
  FuncType empty{};
  const rt::FuncTypeRef ra = rt::intern_func_type(a), rs = rt::intern_func_type(swapped),
                        re = rt::intern_func_type(empty);
  EXPECT_EQ(ra, rt::intern_func_type(b));  // the same entry
  EXPECT_EQ(ra->type, a);
  EXPECT_NE(ra->id, rs->id);
  EXPECT_NE(ra->id, re->id);
  EXPECT_NE(re->id, 0u);  // 0 never names a type
  EXPECT_EQ(re->id, rt::intern_func_type(FuncType{})->id);
}

// A type used by nothing any more is removed, so a process that compiles module after module
// keeps only the types in use.
TEST(TypeRegistry, ForgetsTypesNoLongerUsed) {
  // Types no other test uses: i32 x (300 + i) -> externref.
  auto type = [](int i) {
    return FuncType{std::vector<ValType>(300 + i, ValType::I32), {ValType::ExternRef}};
  };
  const size_t before = rt::interned_func_type_count();
  {
    Engine engine;
    std::vector<Module> modules;
    Store store(engine);
    for (int i = 0; i < 50; ++i) {
      // (module (type (func (param i32 x (300 + i)) (result externref))))
      std::vector<uint8_t> wasm = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01};
      const uint32_t n = 300 + i, size = 1 + 1 + 2 + n + 2;
      wasm.insert(
          wasm.end(),
          {static_cast<uint8_t>(0x80 | (size & 0x7F)), static_cast<uint8_t>(size >> 7), 0x01, 0x60,
           static_cast<uint8_t>(0x80 | (n & 0x7F)), static_cast<uint8_t>(n >> 7)});
      wasm.insert(wasm.end(), n, 0x7F);
      wasm.insert(wasm.end(), {0x01, 0x6F});
      auto m = Module::compile(engine, wasm);
      ASSERT_TRUE(m.ok()) << m.error();
      ASSERT_TRUE(std::holds_alternative<Instance>(Linker(store).instantiate(*m)));
      modules.push_back(*m);
      Func::host(store, type(100 + i), nullptr);
    }
    EXPECT_EQ(rt::interned_func_type_count(), before + 100);
    modules.clear();  // the instances in the store still hold their module's types
    EXPECT_EQ(rt::interned_func_type_count(), before + 100);
    EXPECT_EQ(rt::intern_func_type(type(0))->type, type(0));
  }
  EXPECT_EQ(rt::interned_func_type_count(), before);
}

TEST(TypeRegistry, ReusedIdsNameOneTypeAtATime) {
  const FuncType x{{ValType::F64, ValType::F64, ValType::F64}, {}};
  const FuncType y{{ValType::F32, ValType::F32, ValType::F32}, {}};
  uint32_t old_x = rt::intern_func_type(x)->id;  // released at once
  rt::FuncTypeRef ry = rt::intern_func_type(y);
  EXPECT_EQ(ry->id, old_x);  // the freed id comes back
  rt::FuncTypeRef rx = rt::intern_func_type(x);
  EXPECT_NE(rx->id, ry->id);
  EXPECT_EQ(rt::intern_func_type(y)->id, ry->id);
  EXPECT_EQ(rt::intern_func_type(x)->id, rx->id);
}

TEST(TypeRegistry, ThreadSafe) {
  // Threads intern overlapping sets of types; every thread must see the same id per type.
  constexpr int kThreads = 4, kTypes = 200;
  std::vector<std::vector<uint32_t>> ids(kThreads, std::vector<uint32_t>(kTypes));
  std::vector<std::vector<rt::FuncTypeRef>> refs(kThreads);  // ids hold only while these live
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ids, &refs] {
      for (int i = 0; i < kTypes; ++i) {
        FuncType ft;
        for (int k = 0; k < i % 9; ++k) ft.params.push_back(ValType::F64);
        for (int k = 0; k < i / 9; ++k) ft.results.push_back(ValType::ExternRef);
        refs[t].push_back(rt::intern_func_type(ft));
        ids[t][i] = refs[t].back()->id;
        // Interning and dropping a type of this thread's own races with the others' releases.
        rt::intern_func_type(FuncType{{}, std::vector<ValType>(t + 20, ValType::I64)});
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]);
  std::set<uint32_t> distinct(ids[0].begin(), ids[0].end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kTypes));
}

}  // namespace
}  // namespace wrun
