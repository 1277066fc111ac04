// Trap backtraces stay bounded: the innermost Trap::kInnerFrames and outermost
// Trap::kOuterFrames frames are kept (across nested activations too), the rest only counted,
// and long function names are cut.
#include "runtime/backtrace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decoder/tests/wasm_builder.h"
#include "engine/internal.h"

namespace wrun {
namespace {

using test::Bytes;
using test::cat;
using test::name;
using test::section;
using test::uleb;

// The function indices a complete backtrace would list, and what a bounded one keeps of them.
std::vector<uint32_t> kept_of(const std::vector<uint32_t>& all) {
  if (all.size() <= Trap::kInnerFrames + Trap::kOuterFrames) return all;
  std::vector<uint32_t> kept(all.begin(), all.begin() + Trap::kInnerFrames);
  kept.insert(kept.end(), all.end() - Trap::kOuterFrames, all.end());
  return kept;
}

std::vector<uint32_t> indices(const Trap& t) {
  std::vector<uint32_t> out;
  for (const Frame& f : t.backtrace) out.push_back(f.func_index);
  return out;
}

TEST(Backtrace, KeepsInnermostAndOutermostOverActivations) {
  // Activations of these sizes append their frames in turn (as a trap passes through host
  // functions on its way out); frame k of the whole stack has function index k.
  const std::vector<std::vector<size_t>> cases = {
      {5}, {80}, {81}, {20000}, {10, 200}, {70, 5}, {3, 5, 300, 2}, {64, 16, 1}, {100, 10, 10}};
  for (const auto& sizes : cases) {
    Trap t;
    std::vector<uint32_t> all;
    for (size_t n : sizes) {
      const uint32_t first = static_cast<uint32_t>(all.size());
      size_t built = 0;
      rt::append_backtrace(t, n, [&](size_t i) {
        ++built;
        return rt::FrameSource{first + static_cast<uint32_t>(i), "f", 0};
      });
      EXPECT_LE(built, Trap::kInnerFrames + Trap::kOuterFrames);  // dropped frames cost nothing
      for (size_t i = 0; i < n; ++i) all.push_back(first + static_cast<uint32_t>(i));
    }
    const std::vector<uint32_t> kept = kept_of(all);
    EXPECT_EQ(indices(t), kept) << "activations: " << sizes.size() << ", frames: " << all.size();
    EXPECT_EQ(t.frames_omitted, all.size() - kept.size());
  }
}

TEST(Backtrace, CutsLongNamesAtACharacterBoundary) {
  std::string huge = "deep";
  for (int i = 0; i < 25000; ++i) huge += "\xC3\xA9";  // U+00E9, two bytes
  Trap t;
  rt::append_backtrace(t, 2, [&](size_t i) {
    return rt::FrameSource{0, i ? std::string_view("short") : std::string_view(huge), 0};
  });
  ASSERT_EQ(t.backtrace.size(), 2u);
  const std::string& cut = t.backtrace[0].func_name;
  ASSERT_LE(cut.size(), Trap::kMaxFrameName);
  ASSERT_GT(cut.size(), Trap::kMaxFrameName - 8);
  ASSERT_EQ(cut.substr(cut.size() - 3), "...");
  const size_t kept = cut.size() - 3;
  EXPECT_EQ(cut.substr(0, kept), huge.substr(0, kept));
  EXPECT_NE(static_cast<uint8_t>(huge[kept]) & 0xC0, 0x80) << "cut inside a character";
  EXPECT_EQ(t.backtrace[1].func_name, "short");
}

// (module (func $<name> (export "run") (call $<name>))) with the name in a name section.
Bytes self_recursion(const std::string& func_name) {
  const Bytes names = cat({uleb(1), uleb(0), name(func_name)});
  return test::module({
      section(1, {0x01, 0x60, 0x00, 0x00}),
      section(3, {0x01, 0x00}),
      section(7, cat({uleb(1), name("run"), {0x00, 0x00}})),
      section(10, {0x01, 0x04, 0x00, 0x10, 0x00, 0x0B}),
      section(0, cat({name("name"), {0x01}, uleb(names.size()), names})),
  });
}

TEST(Backtrace, StackExhaustionWithAHugeNameStaysSmall) {
  // Every one of the 20000 frames names the same 50 KB function: a gigabyte if each copied it.
  // Both executors stop at max_call_depth frames and report each at its call.
  const std::string huge = "f" + std::string(50000, 'x');
  for (EngineConfig::Executor executor :
       {EngineConfig::Executor::Interpreter, EngineConfig::Executor::Jit}) {
    SCOPED_TRACE(executor == EngineConfig::Executor::Jit ? "jit" : "interpreter");
    EngineConfig config;
    config.executor = executor;
    Engine engine(config);
    Store store(engine);
    auto m = Module::compile(engine, self_recursion(huge));
    ASSERT_TRUE(m.ok()) << m.error();
    auto r = Linker(store).instantiate(*m);
    ASSERT_TRUE(std::holds_alternative<Instance>(r));
    auto res = std::get<Instance>(r).get_func("run")->call(store, {});
    ASSERT_TRUE(std::holds_alternative<Trap>(res));
    const Trap& t = std::get<Trap>(res);
    EXPECT_EQ(t.kind, TrapKind::StackExhausted);
    ASSERT_EQ(t.backtrace.size(), Trap::kInnerFrames + Trap::kOuterFrames);
    EXPECT_EQ(t.backtrace.size() + t.frames_omitted, engine.config().max_call_depth);
    for (const Frame& f : t.backtrace) {
      EXPECT_EQ(f.func_index, 0u);
      EXPECT_LE(f.func_name.size(), Trap::kMaxFrameName);
      EXPECT_EQ(f.func_name.substr(0, 10), huge.substr(0, 10));
      EXPECT_NE(f.code_offset, 0u);
    }
  }
}

// (module
//   (import "env" "h" (func $h))
//   (func $outer (export "outer") (param i32)
//     (if (i32.eqz (local.get 0)) (then (call $h))
//       (else (call $outer (i32.sub (local.get 0) (i32.const 1))))))
//   (func $inner (export "inner") (param i32)
//     (if (i32.eqz (local.get 0)) (then (unreachable))
//       (else (call $inner (i32.sub (local.get 0) (i32.const 1)))))))
Bytes nested_recursion() {
  const Bytes outer = {0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0x10, 0x00, 0x05,
                       0x20, 0x00, 0x41, 0x01, 0x6B, 0x10, 0x01, 0x0B, 0x0B};
  const Bytes inner = {0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0x00, 0x05, 0x20,
                       0x00, 0x41, 0x01, 0x6B, 0x10, 0x02, 0x0B, 0x0B};
  return test::module({
      section(1, {0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x00}),
      section(2, cat({uleb(1), name("env"), name("h"), {0x00, 0x00}})),
      section(3, {0x02, 0x01, 0x01}),
      section(7, cat({uleb(2), name("outer"), {0x00, 0x01}, name("inner"), {0x00, 0x02}})),
      section(10, cat({uleb(2), uleb(outer.size()), outer, uleb(inner.size()), inner})),
  });
}

TEST(Backtrace, HostFunctionBetweenActivations) {
  // outer recurses n deep and calls the host, which calls inner, which recurses m deep and
  // traps: the trap carries inner's m + 1 frames, then outer's n + 1.
  for (auto [n, m] : {std::pair{100, 100}, {100, 10}, {5, 100}, {3, 3}, {70, 70}}) {
    Engine engine;
    Store store(engine);
    Linker linker(store);
    std::optional<Func> inner;
    int32_t depth = m;
    linker.define("env", "h",
                  Func::host(store, FuncType{}, [&](Caller&, auto, auto) -> std::optional<Trap> {
                    const std::vector<Val> args = {Val::i32(depth)};
                    auto r = inner->call(store, args);
                    if (auto* t = std::get_if<Trap>(&r)) return std::move(*t);
                    return std::nullopt;
                  }));
    auto mod = Module::compile(engine, nested_recursion());
    ASSERT_TRUE(mod.ok()) << mod.error();
    auto r = linker.instantiate(*mod);
    ASSERT_TRUE(std::holds_alternative<Instance>(r));
    inner = std::get<Instance>(r).get_func("inner");
    const std::vector<Val> args = {Val::i32(n)};
    auto res = std::get<Instance>(r).get_func("outer")->call(store, args);
    ASSERT_TRUE(std::holds_alternative<Trap>(res));
    const Trap& t = std::get<Trap>(res);
    EXPECT_EQ(t.kind, TrapKind::Unreachable);
    std::vector<uint32_t> all(static_cast<size_t>(m) + 1, 2);
    all.insert(all.end(), static_cast<size_t>(n) + 1, 1);
    EXPECT_EQ(indices(t), kept_of(all)) << "n " << n << ", m " << m;
    EXPECT_EQ(t.frames_omitted, all.size() - kept_of(all).size());
  }
}

}  // namespace
}  // namespace wrun
