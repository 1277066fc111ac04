// The instance context (runtime/instance_context.h): what generated code reads at fixed
// offsets matches the instance, and growth of shared memories and tables reaches every
// instance's view.
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstring>
#include <functional>

#include "engine/internal.h"
#include "runtime/instance_context.h"
#include "runtime/stack_limit.h"

namespace wrun {
namespace {

// (module
//   (type $t (func (param i32) (result i32)))
//   (import "env" "mem" (memory 1 10))
//   (import "env" "g" (global i32))
//   (import "env" "check" (func $check (result i32)))
//   (table (export "tab") 2 funcref)
//   (global $mine (export "mine") (mut i64) (i64.const 7))
//   (func $grow (export "grow") (type $t) (memory.grow (local.get 0)))
//   (func $tgrow (export "tgrow") (type $t) (table.grow 0 (ref.null func) (local.get 0)))
//   (func (export "check") (result i32) (call $check)))
const std::vector<uint8_t> kContextWasm = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x22, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x01, 0x01, 0x0a, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00, 0x03,
    0x65, 0x6e, 0x76, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x01, 0x03, 0x04, 0x03, 0x00,
    0x00, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x06, 0x06, 0x01, 0x7e, 0x01, 0x42, 0x07,
    0x0b, 0x07, 0x25, 0x05, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x04, 0x6d, 0x69, 0x6e, 0x65,
    0x03, 0x01, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x01, 0x05, 0x74, 0x67, 0x72, 0x6f, 0x77,
    0x00, 0x02, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x03, 0x0a, 0x17, 0x03, 0x06, 0x00,
    0x20, 0x00, 0x40, 0x00, 0x0b, 0x09, 0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b,
    0x04, 0x00, 0x10, 0x00, 0x0b};

// A value of type T at `offset` in a context, read as generated code would.
template <class T>
T read_at(const rt::InstanceContext& ctx, size_t offset) {
  T v;
  std::memcpy(&v, ctx.data() + offset, sizeof v);
  return v;
}

struct Fixture {
  Fixture() : store(engine), linker(store) {
    memory = Memory::create(store, MemoryType{Limits{1, 10}}).value();
    global = Global::create(store, GlobalType{ValType::I32, false}, Val::i32(5)).value();
    linker.define("env", "mem", *memory);
    linker.define("env", "g", *global);
    linker.define("env", "check",
                  Func::host(store, FuncType{{}, {ValType::I32}},
                             [this](Caller&, std::span<const Val>, std::span<Val> results) {
                               results[0] = Val::i32(on_check ? on_check() : 0);
                               return std::optional<Trap>();
                             }));
    auto m = Module::compile(engine, kContextWasm);
    EXPECT_TRUE(m.ok()) << m.error();
    module.emplace(std::move(*m));
  }
  Instance instantiate() {
    auto r = linker.instantiate(*module);
    EXPECT_TRUE(std::holds_alternative<Instance>(r));
    return std::get<Instance>(r);
  }
  int32_t call(const Instance& inst, const char* name, std::vector<Val> args = {}) {
    auto r = inst.get_func(name)->call(store, args);
    EXPECT_TRUE(std::holds_alternative<std::vector<Val>>(r));
    return std::holds_alternative<std::vector<Val>>(r) ? std::get<std::vector<Val>>(r)[0].i32() : -1;
  }
  Engine engine;
  Store store;
  Linker linker;
  std::optional<Memory> memory;
  std::optional<Global> global;
  std::optional<Module> module;
  std::function<int32_t()> on_check;
};

TEST(InstanceContext, HoldsTheInstancesObjectsAtTheLayoutsOffsets) {
  Fixture f;
  Instance inst = f.instantiate();
  rt::Instance* ri = api::raw(inst);
  ASSERT_NE(ri->context, nullptr);
  const rt::InstanceContext& ctx = *ri->context;
  const rt::ContextLayout& layout = ctx.layout();
  rt::Store* rs = api::raw(f.store);

  EXPECT_EQ(read_at<rt::Instance*>(ctx, rt::kContextInstance), ri);
  EXPECT_EQ(read_at<const void*>(ctx, rt::kContextPoll), &rs->poll);
  EXPECT_EQ(read_at<const void*>(ctx, rt::kContextFuel), &rs->fuel);
  EXPECT_EQ(read_at<const void*>(ctx, rt::kContextStackLimit), &rs->stack_limit);
  EXPECT_EQ(ctx.header().num_memories, 1u);
  EXPECT_EQ(ctx.header().num_tables, 1u);
  EXPECT_EQ(ctx.header().num_funcs, 4u);
  EXPECT_EQ(ctx.header().num_globals, 2u);
  EXPECT_EQ(ctx.header().num_types, 2u);

  // Memory 0 is the imported one.
  EXPECT_EQ(read_at<uint8_t*>(ctx, layout.memory(0) + rt::kMemoryViewBase), f.memory->data());
  EXPECT_EQ(read_at<uint64_t>(ctx, layout.memory(0) + rt::kMemoryViewBound), 65536u);
  rt::TableInst* table = api::raw(*inst.get_table("tab"));
  EXPECT_EQ(read_at<rt::Slot*>(ctx, layout.table(0) + rt::kTableViewBase), table->elems.data());
  EXPECT_EQ(read_at<uint64_t>(ctx, layout.table(0) + rt::kTableViewSize), 2u);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(read_at<rt::FuncInst*>(ctx, layout.func(i)), ri->funcs[i]);
  EXPECT_EQ(ctx.func(1), api::raw(*inst.get_func("grow")));
  // Globals: the imported one (5), then the module's own (7), by their value slots.
  EXPECT_EQ(*read_at<rt::Slot*>(ctx, layout.global(0)), 5u);
  EXPECT_EQ(*read_at<rt::Slot*>(ctx, layout.global(1)), 7u);
  inst.get_global("mine")->set(Val::i64(-1));
  EXPECT_EQ(*ctx.global(1), ~uint64_t{0});
  for (uint32_t i = 0; i < 2; ++i) EXPECT_EQ(read_at<uint32_t>(ctx, layout.type_id(i)), ri->type_ids[i]);
  EXPECT_NE(ctx.type_id(0), ctx.type_id(1));
  // Every part lies inside the block, in order, 8-byte aligned.
  EXPECT_EQ(layout.memories % 8, 0u);
  EXPECT_LE(layout.type_id(2), layout.size);
}

TEST(InstanceContext, GrowthReachesEveryInstancesView) {
  Fixture f;
  Instance a = f.instantiate();
  Instance b = f.instantiate();  // imports the same memory
  const rt::InstanceContext& ca = *api::raw(a)->context;
  const rt::InstanceContext& cb = *api::raw(b)->context;
  EXPECT_EQ(f.call(a, "grow", {Val::i32(2)}), 1);  // in wasm
  EXPECT_EQ(ca.memory(0).bound, 3 * kPageSize);
  EXPECT_EQ(cb.memory(0).bound, 3 * kPageSize);
  EXPECT_EQ(f.memory->grow(1), 3u);  // from the embedder
  EXPECT_EQ(ca.memory(0).bound, 4 * kPageSize);
  EXPECT_EQ(cb.memory(0).bound, 4 * kPageSize);
  EXPECT_EQ(ca.memory(0).base, cb.memory(0).base);

  // Each instance has its own table; growing one moves only its view.
  EXPECT_EQ(f.call(a, "tgrow", {Val::i32(1000)}), 2);
  rt::TableInst* ta = api::raw(*a.get_table("tab"));
  EXPECT_EQ(ca.table(0).size, 1002u);
  EXPECT_EQ(ca.table(0).base, ta->elems.data());
  EXPECT_EQ(cb.table(0).size, 2u);
  EXPECT_EQ(a.get_table("tab")->grow(5, Val::funcref_null()), 1002u);
  EXPECT_EQ(ca.table(0).size, 1007u);
  EXPECT_EQ(ca.table(0).base, ta->elems.data());
}

TEST(InstanceContext, FailedInstantiationLeavesNoViewBehind) {
  Fixture f;
  rt::MemoryInst* mem = api::raw(*f.memory);
  f.instantiate();
  EXPECT_EQ(mem->views.size(), 1u);
  Linker partial(f.store);  // lacks "check": a link error after the memory matched
  partial.define("env", "mem", *f.memory);
  partial.define("env", "g", *f.global);
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(partial.instantiate(*f.module)));
  EXPECT_EQ(mem->views.size(), 1u);
}

TEST(InstanceContext, PollWordIsTheStores) {
  Fixture f;
  Instance inst = f.instantiate();
  const rt::InstanceContext& ctx = *api::raw(inst)->context;
  EXPECT_EQ(ctx.header().poll->load(), 0u);
  f.store.set_fuel(100);
  EXPECT_NE(ctx.header().poll->load() & rt::Store::kPollFuel, 0u);
  EXPECT_EQ(*ctx.header().fuel, 100u);
  f.store.interrupt();
  EXPECT_NE(ctx.header().poll->load() & rt::Store::kPollInterrupt, 0u);
}

// Entering the store sets the limit of the entering thread, which a host function sees.
TEST(InstanceContext, StackLimitIsTheEnteringThreads) {
  Fixture f;
  Instance inst = f.instantiate();
  const rt::InstanceContext& ctx = *api::raw(inst)->context;
  f.on_check = [&] { return *ctx.header().stack_limit == rt::stack_limit() ? 1 : 0; };
  EXPECT_EQ(f.call(inst, "check"), 1);
  const char* main_limit = *ctx.header().stack_limit;
  pthread_t thread;
  struct Args {
    Fixture* f;
    Instance* inst;
    int32_t result;
  } args{&f, &inst, 0};
  ASSERT_EQ(pthread_create(&thread, nullptr,
                           [](void* p) -> void* {
                             auto* a = static_cast<Args*>(p);
                             a->result = a->f->call(*a->inst, "check");
                             return nullptr;
                           },
                           &args),
            0);
  pthread_join(thread, nullptr);
  EXPECT_EQ(args.result, 1);
  EXPECT_NE(*ctx.header().stack_limit, main_limit);  // the other thread's
}

}  // namespace
}  // namespace wrun
