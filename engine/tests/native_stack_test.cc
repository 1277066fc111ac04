// Running out of native stack is a trap, never a crash: a host function that calls back into
// wasm (as plugin hosts do) nests native frames on every level, whatever the stack size of the
// embedder's thread.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>

#include <functional>

#include "wrun/wrun.h"

namespace wrun {
namespace {

// (module
//   (import "env" "h" (func $h (param i32) (result i32)))
//   (func $f (export "f") (param i32) (result i32)        ;; f(n) = n == 0 ? 0 : h(n-1) + 1
//     (if (result i32) (i32.eqz (local.get 0))
//       (then (i32.const 0))
//       (else (i32.add (call $h (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
//   (func $rec (export "rec") (param i32) (result i32)    ;; the same, recursing in wasm
//     (if (result i32) (i32.eqz (local.get 0))
//       (then (i32.const 0))
//       (else (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))))
const std::vector<uint8_t> kReenterWasm = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68, 0x00, 0x00, 0x03, 0x03, 0x02,
    0x00, 0x00, 0x07, 0x0b, 0x02, 0x01, 0x66, 0x00, 0x01, 0x03, 0x72, 0x65, 0x63, 0x00, 0x02,
    0x0a, 0x2d, 0x02, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00,
    0x41, 0x01, 0x6b, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45,
    0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02, 0x41, 0x01, 0x6a,
    0x0b, 0x0b};

// An instance of kReenterWasm whose h(n) calls f(n) again through Func::call.
struct Reentrant {
  explicit Reentrant(EngineConfig config = {}) : engine(config), store(engine) {
    auto module = Module::compile(engine, kReenterWasm);
    EXPECT_TRUE(module.ok()) << module.error();
    Linker linker(store);
    linker.define("env", "h",
                  Func::host(store, FuncType{{ValType::I32}, {ValType::I32}},
                             [this](Caller&, std::span<const Val> args,
                                    std::span<Val> results) -> std::optional<Trap> {
                               depth = std::max(depth, ++levels);
                               auto r = f->call(store, args);
                               --levels;
                               if (auto* trap = std::get_if<Trap>(&r)) return std::move(*trap);
                               results[0] = std::get<std::vector<Val>>(r)[0];
                               return std::nullopt;
                             }));
    auto inst = linker.instantiate(*module);
    EXPECT_TRUE(std::holds_alternative<Instance>(inst));
    Instance instance = std::get<Instance>(inst);
    f = instance.get_func("f");
    rec = instance.get_func("rec");
  }
  // The result of fn(n), or the trap's kind.
  std::variant<int32_t, TrapKind> call(const std::optional<Func>& fn, int32_t n) {
    const Val args[] = {Val::i32(n)};
    auto r = fn->call(store, args);
    if (auto* trap = std::get_if<Trap>(&r)) {
      EXPECT_EQ(trap->message, "call stack exhausted");
      return trap->kind;
    }
    return std::get<std::vector<Val>>(r)[0].i32();
  }

  Engine engine;
  Store store;
  std::optional<Func> f, rec;
  int levels = 0, depth = 0;  // host levels now, and the deepest reached
};

// Runs fn on a new thread with a stack of `size` bytes: the thread library's own stack, or,
// with `embedder_stack`, one the embedder maps and hands over with pthread_attr_setstack.
void on_thread(size_t size, bool embedder_stack, std::function<void()> fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  void* stack = nullptr;
  if (embedder_stack) {
    stack = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(stack, MAP_FAILED);
    ASSERT_EQ(pthread_attr_setstack(&attr, stack, size), 0);
  } else {
    ASSERT_EQ(pthread_attr_setstacksize(&attr, size), 0);
  }
  pthread_t thread;
  auto run = [](void* p) -> void* {
    (*static_cast<std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, &fn), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  if (stack != nullptr) munmap(stack, size);
}

using Outcome = std::variant<int32_t, TrapKind>;
const Outcome kExhausted = TrapKind::StackExhausted;

using Executor = EngineConfig::Executor;

// Every test runs on each executor: the interpreter and the JIT (whose wasm-to-wasm calls nest
// native frames, checked against the same limit in each prologue).
class NativeStack : public ::testing::TestWithParam<Executor> {
 protected:
  EngineConfig config() const {
    EngineConfig c;
    c.executor = GetParam();
    return c;
  }
  // The call-depth limit set far above the nesting, so only the native stack can stop it.
  EngineConfig deep_config() const {
    EngineConfig c = config();
    c.max_call_depth = 1'000'000;
    return c;
  }
};

// How deep re-entry gets before the limit depends on the build: a level takes about 2 KiB of
// native stack in an optimised build and about 37 KiB in the Debug build with ASan, whose
// interpreter loop keeps every local in its own slot with redzones around it. The depths
// asserted below hold for both.
TEST_P(NativeStack, HostReentryTrapsAtAnyDepth) {
  Reentrant r(deep_config());
  EXPECT_EQ(r.call(r.f, 100), Outcome(100));
  EXPECT_EQ(r.call(r.f, 100'000), kExhausted);
  EXPECT_GT(r.depth, 100);
  EXPECT_EQ(r.levels, 0);
  // The store runs normally after the trap.
  EXPECT_EQ(r.call(r.f, 50), Outcome(50));
}

TEST_P(NativeStack, HostReentryWithTheDefaultCallDepthLimit) {
  Reentrant r(config());
  EXPECT_EQ(r.call(r.f, 100'000), kExhausted);
  EXPECT_EQ(r.call(r.f, 50), Outcome(50));
}

TEST_P(NativeStack, HostReentryOnA256KiBThread) {
  on_thread(256 * 1024, false, [this] {
    Reentrant r(deep_config());
    EXPECT_EQ(r.call(r.f, 100'000), kExhausted);
    EXPECT_GE(r.depth, 2);  // the reserve leaves room to run
    EXPECT_EQ(r.call(r.f, 2), Outcome(2));
  });
}

TEST_P(NativeStack, HostReentryOnAnEmbeddersOwnStack) {
  on_thread(512 * 1024, true, [this] {
    Reentrant r(deep_config());
    EXPECT_EQ(r.call(r.f, 100'000), kExhausted);
    EXPECT_GE(r.depth, 2);
    EXPECT_EQ(r.call(r.f, 2), Outcome(2));
  });
}

TEST_P(NativeStack, WasmRecursionOnA256KiBThread) {
  // The interpreter keeps wasm frames off the native stack; JIT frames take it, and 128 KiB
  // of the thread's 256 KiB is the reserve below the limit.
  const int32_t deep = GetParam() == Executor::Interpreter ? 10'000 : 1'000;
  on_thread(256 * 1024, false, [this, deep] {
    Reentrant r(deep_config());
    EXPECT_EQ(r.call(r.rec, deep), Outcome(deep));
    EXPECT_EQ(r.call(r.rec, 2'000'000), kExhausted);
    EXPECT_EQ(r.call(r.rec, 10), Outcome(10));
  });
}

INSTANTIATE_TEST_SUITE_P(Executors, NativeStack,
                         ::testing::Values(Executor::Interpreter, Executor::Jit),
                         [](const ::testing::TestParamInfo<Executor>& info) {
                           return info.param == Executor::Jit ? "Jit" : "Interpreter";
                         });

}  // namespace
}  // namespace wrun
