// Compiling a module with the JIT: which functions get machine code, and what the code
// memory looks like (executable, never writable, registered for the fault handler while it
// lives).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "decoder/module.h"
#include "decoder/reader.h"
#include "decoder/tests/wasm_builder.h"
#include "jit/jit.h"
#include "runtime/code_registry.h"
#include "validator/validator.h"

namespace wrun::jit {
namespace {

using namespace wrun::test;

std::shared_ptr<DecodedModule> decode_valid(const Bytes& bytes) {
  DecodeResult r = decode_module(bytes);
  EXPECT_TRUE(r.module) << r.error.to_string();
  if (r.module) {
    auto err = validate_module(*r.module);
    EXPECT_FALSE(err) << err->message;
  }
  return r.module;
}

// (memory 1) (type (func (param i32 i32) (result i32)))
// func 0: local.get 0 + local.get 1                  (compiled)
// func 1: drop (v128.const 0); local.get 0           (SIMD: interpreted without SSE4.1)
std::shared_ptr<DecodedModule> two_functions() {
  const Bytes add = {0x00, 0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B};
  Bytes simd = {0x00, 0xFD, 0x0C};
  simd.insert(simd.end(), 16, 0x00);
  simd.insert(simd.end(), {0x1A, 0x20, 0x00, 0x0B});
  return decode_valid(
      module({section(1, {0x01, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F}),
              section(3, {0x02, 0x00, 0x00}), section(5, {0x01, 0x00, 0x01}),
              section(10, cat({{0x02}, uleb(add.size()), add, uleb(simd.size()), simd}))}));
}

// One function using every bulk memory, table and reference instruction and every saturating
// truncation (wat2wasm of):
//   (module (memory 1) (table $t 1 funcref) (table $u 1 externref) (data $d "ab")
//     (elem $e func $f)
//     (func $f
//       (memory.copy (i32.const 0) (i32.const 1) (i32.const 1))
//       (memory.fill (i32.const 0) (i32.const 1) (i32.const 1))
//       (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))
//       (data.drop $d)
//       (table.set $t (i32.const 0) (table.get $t (i32.const 0)))
//       (drop (table.size $t))
//       (drop (table.grow $t (ref.null func) (i32.const 1)))
//       (table.fill $t (i32.const 0) (ref.func $f) (i32.const 1))
//       (table.copy $t $t (i32.const 0) (i32.const 0) (i32.const 1))
//       (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1))
//       (elem.drop $e)
//       (drop (ref.is_null (table.get $u (i32.const 0))))
//       (drop (select (result externref) (ref.null extern) (table.get $u (i32.const 0))
//                     (i32.const 1)))
//       (drop (i32.trunc_sat_f32_s (f32.const 1))) ... all eight, f32 or f64 1.0))
std::shared_ptr<DecodedModule> bulk_and_references() {
  return decode_valid({
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
      0x02, 0x01, 0x00, 0x04, 0x07, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01, 0x05, 0x03, 0x01,
      0x00, 0x01, 0x09, 0x05, 0x01, 0x01, 0x00, 0x01, 0x00, 0x0c, 0x01, 0x01, 0x0a, 0xbb, 0x01,
      0x01, 0xb8, 0x01, 0x00, 0x41, 0x00, 0x41, 0x01, 0x41, 0x01, 0xfc, 0x0a, 0x00, 0x00, 0x41,
      0x00, 0x41, 0x01, 0x41, 0x01, 0xfc, 0x0b, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc,
      0x08, 0x00, 0x00, 0xfc, 0x09, 0x00, 0x41, 0x00, 0x41, 0x00, 0x25, 0x00, 0x26, 0x00, 0xfc,
      0x10, 0x00, 0x1a, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x0f, 0x00, 0x1a, 0x41, 0x00, 0xd2, 0x00,
      0x41, 0x01, 0xfc, 0x11, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x0e, 0x00, 0x00,
      0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x0c, 0x00, 0x00, 0xfc, 0x0d, 0x00, 0x41, 0x00,
      0x25, 0x01, 0xd1, 0x1a, 0xd0, 0x6f, 0x41, 0x00, 0x25, 0x01, 0x41, 0x01, 0x1c, 0x01, 0x6f,
      0x1a, 0x43, 0x00, 0x00, 0x80, 0x3f, 0xfc, 0x00, 0x1a, 0x43, 0x00, 0x00, 0x80, 0x3f, 0xfc,
      0x01, 0x1a, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0xfc, 0x02, 0x1a, 0x44,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0xfc, 0x03, 0x1a, 0x43, 0x00, 0x00, 0x80,
      0x3f, 0xfc, 0x04, 0x1a, 0x43, 0x00, 0x00, 0x80, 0x3f, 0xfc, 0x05, 0x1a, 0x44, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0xfc, 0x06, 0x1a, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0xf0, 0x3f, 0xfc, 0x07, 0x1a, 0x0b, 0x0b, 0x05, 0x01, 0x01, 0x02, 0x61, 0x62,
  });
}

// (memory 1) (global (mut v128)) (type (func (param v128 v128 i32) (result v128)))
// func 0: a SIMD body touching the value cache, memory, a global and select (compiled where the
// CPU has SSE4.1):
//   (global.set 0 (select (i32x4.add (i8x16.shuffle 0 17 ... (local.get 0) (local.get 1))
//                                    (v128.load (local.get 2)))
//                         (local.get 1) (v128.any_true (global.get 0))))
//   (i64x2.splat (i64x2.extract_lane 1 (global.get 0)))
std::shared_ptr<DecodedModule> simd_function() {
  Bytes body = {0x00, 0x20, 0x00, 0x20, 0x01, 0xFD, 0x0D};
  for (uint8_t i = 0; i < 16; ++i) body.push_back(i % 2 ? i + 16 : i);
  body.insert(body.end(), {0x20, 0x02, 0xFD, 0x00, 0x04, 0x00,  // v128.load align=4
                           0xFD, 0xAE, 0x01,                    // i32x4.add
                           0x20, 0x01, 0x23, 0x00, 0xFD, 0x53,  // v128.any_true
                           0x1B, 0x24, 0x00,                    // select, global.set
                           0x23, 0x00, 0xFD, 0x1D, 0x01,        // i64x2.extract_lane 1
                           0xFD, 0x12, 0x0B});                  // i64x2.splat
  Bytes global = {0x01, 0x7B, 0x01, 0xFD, 0x0C};
  global.insert(global.end(), 16, 0x00);
  global.push_back(0x0B);
  const Bytes bytes =
      module({section(1, {0x01, 0x60, 0x03, 0x7B, 0x7B, 0x7F, 0x01, 0x7B}),
              section(3, {0x01, 0x00}), section(5, {0x01, 0x00, 0x01}), section(6, global),
              section(10, cat({{0x01}, uleb(body.size()), body}))});
  DecodeResult r = decode_module(bytes);
  EXPECT_TRUE(r.module) << r.error.to_string();
  if (r.module) {
    auto err = validate_module(*r.module);
    EXPECT_FALSE(err) << err->message;
  }
  return r.module;
}

// The permissions ("r-xp", ...) of the mapping holding p, from /proc/self/maps.
std::string permissions_of(const void* p) {
  std::ifstream maps("/proc/self/maps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  for (std::string line; std::getline(maps, line);) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    const size_t dash = range.find('-');
    const uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (at >= lo && at < hi) return perms;
  }
  return "unmapped";
}

TEST(JitCompile, CompilesWhatItCanAndNamesTheRest) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = two_functions();
  ASSERT_TRUE(m);
  ModuleCode code = compile_module(*m, declared_func_refs(*m));
  ASSERT_EQ(code.native.size(), 2u);
  EXPECT_NE(code.native[0], nullptr);
  if (__builtin_cpu_supports("sse4.1")) {  // every 2.0 instruction compiles here
    EXPECT_EQ(code.compiled, 2u);
    EXPECT_NE(code.native[1], nullptr);
    for (const auto& [func, what] : code.interpreted) ADD_FAILURE() << func << ": " << what;
    return;
  }
  EXPECT_EQ(code.compiled, 1u);
  EXPECT_EQ(code.native[1], nullptr);
  ASSERT_EQ(code.interpreted.size(), 1u);
  EXPECT_EQ(code.interpreted[0].first, 1u);
  EXPECT_EQ(code.interpreted[0].second, "v128.const");
}

TEST(JitCompile, CompilesBulkMemoryTablesReferencesAndSaturatingTruncations) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = bulk_and_references();
  ASSERT_TRUE(m);
  ModuleCode code = compile_module(*m, declared_func_refs(*m));
  EXPECT_EQ(code.compiled, 1u);
  for (const auto& [func, what] : code.interpreted) ADD_FAILURE() << func << ": " << what;
}

TEST(JitCompile, CompilesSimdWhereTheCpuHasSse41) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("sse4.1")) GTEST_SKIP() << "no SSE4.1: SIMD stays interpreted";
#endif
  auto m = simd_function();
  ASSERT_TRUE(m);
  ModuleCode code = compile_module(*m, declared_func_refs(*m));
  EXPECT_EQ(code.compiled, 1u);
  EXPECT_TRUE(code.interpreted.empty()) << code.interpreted[0].second;
}

TEST(JitCompile, CodeIsExecutableNeverWritableAndRegisteredWhileItLives) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = two_functions();
  ASSERT_TRUE(m);
  ModuleCode code = compile_module(*m, declared_func_refs(*m));
  ASSERT_NE(code.native[0], nullptr);
  const void* entry = code.native[0];
  EXPECT_EQ(permissions_of(entry).substr(0, 3), "r-x");
  rt::CodeLookup found;
  EXPECT_TRUE(rt::lookup_code(entry, &found));
  EXPECT_EQ(found.begin, entry);  // the first function starts the range
  code.owner.reset();
  EXPECT_FALSE(rt::lookup_code(entry, &found));
  EXPECT_NE(permissions_of(entry).substr(0, 3), "r-x");
}

// `count` functions (param i32) (result i32), function i returning `local.get 0 + i`, passed
// on to function i + 1 by a direct call when there is one; the functions in `invalid` add
// with only one operand on the stack.
std::shared_ptr<DecodedModule> call_chain(uint32_t count, std::vector<uint32_t> invalid = {}) {
  Bytes funcs = uleb(count), bodies = uleb(count);
  for (uint32_t i = 0; i < count; ++i) {
    funcs.push_back(0x00);
    const bool bad = std::find(invalid.begin(), invalid.end(), i) != invalid.end();
    Bytes body = {0x00, 0x20, 0x00};                       // no locals; local.get 0
    if (!bad) body = cat({body, {0x41}, uleb(i & 0x3F)});  // i32.const (a small positive)
    body.push_back(0x6A);                                  // i32.add
    if (i + 1 < count) body = cat({body, {0x10}, uleb(i + 1)});
    body.push_back(0x0B);
    bodies = cat({bodies, uleb(body.size()), body});
  }
  DecodeResult r = decode_module(module(
      {section(1, {0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F}), section(3, funcs), section(10, bodies)}));
  EXPECT_TRUE(r.module) << r.error.to_string();
  return r.module;
}

// Where each function starts, relative to the code's start (null where interpreted).
std::vector<ptrdiff_t> offsets_of(const ModuleCode& code) {
  std::vector<ptrdiff_t> out;
  for (const void* p : code.native)
    out.push_back(p ? static_cast<const uint8_t*>(p) - code.code.data() : -1);
  return out;
}

TEST(JitCompile, ParallelCompilationMakesTheSameCode) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = call_chain(400);
  ASSERT_TRUE(m);
  ModuleCode serial = compile_module(*m, declared_func_refs(*m), {.threads = 1});
  ASSERT_EQ(serial.compiled, 400u);
  for (unsigned threads : {2u, 4u, 7u}) {
    ModuleCode parallel = compile_module(*m, declared_func_refs(*m), {.threads = threads});
    EXPECT_EQ(parallel.compiled, 400u) << threads;
    EXPECT_EQ(offsets_of(parallel), offsets_of(serial)) << threads;
    ASSERT_EQ(parallel.code.size(), serial.code.size()) << threads;
    EXPECT_TRUE(std::equal(parallel.code.begin(), parallel.code.end(), serial.code.begin()))
        << threads << " threads made other bytes";
  }
}

TEST(JitCompile, ParallelCompilationReportsTheFirstInvalidFunction) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = call_chain(400, {123, 321});
  ASSERT_TRUE(m);
  const uint32_t expected = m->code[123].code_offset;
  for (unsigned threads : {1u, 2u, 4u}) {
    for (int round = 0; round < 5; ++round) {  // whichever thread gets there first
      try {
        compile_module(*m, declared_func_refs(*m), {.threads = threads});
        ADD_FAILURE() << "an invalid module compiled on " << threads << " threads";
      } catch (const DecodeError& e) {
        // The failing add is the instruction after local.get 0, in function 123.
        EXPECT_EQ(e.error.offset, expected + 2) << threads << " threads: " << e.error.to_string();
      }
    }
  }
}

TEST(JitCompile, PerfMapNamesEveryCompiledFunction) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = call_chain(3);
  ASSERT_TRUE(m);
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  std::remove(path.c_str());
  ModuleCode code = compile_module(*m, declared_func_refs(*m), {.perf_map = true});
  ASSERT_EQ(code.compiled, 3u);
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " was not written";
  std::stringstream text;
  text << in.rdbuf();
  for (uint32_t i = 0; i < 3; ++i) {
    char line[96];
    const size_t size = (i + 1 < 3 ? static_cast<const uint8_t*>(code.native[i + 1])
                                   : code.code.data() + code.code.size()) -
                        static_cast<const uint8_t*>(code.native[i]);
    std::snprintf(line, sizeof line, "%" PRIxPTR " %zx wasm-function[%u]\n",
                  reinterpret_cast<uintptr_t>(code.native[i]), size, i);
    EXPECT_NE(text.str().find(line), std::string::npos) << "no line " << line << " in\n"
                                                        << text.str();
  }
  std::remove(path.c_str());
}

TEST(JitCompile, ListingsShowWhereEachInstructionWent) {
  if (!available()) GTEST_SKIP() << "no JIT backend for this machine";
  auto m = call_chain(2);
  ASSERT_TRUE(m);
  const std::string text = listing(*m, declared_func_refs(*m));
  // Function 0's body starts at code_offset: local.get 0, i32.const, i32.add, call 1.
  const uint32_t at = m->code[0].code_offset;
  for (const auto& [offset, name] : {std::pair{at, "local.get"}, std::pair{at + 2, "i32.const"},
                                     std::pair{at + 4, "i32.add"}, std::pair{at + 5, "call"}}) {
    char mark[64];
    std::snprintf(mark, sizeof mark, ";; wasm 0x%x: %s\n", offset, name);
    EXPECT_NE(text.find(mark), std::string::npos) << "no " << mark << " in\n" << text;
  }
  EXPECT_NE(text.find(";; function 0: "), std::string::npos) << text;
  EXPECT_NE(text.find(";; function 1: "), std::string::npos) << text;
  EXPECT_NE(text.find(";; out-of-line"), std::string::npos) << text;
  EXPECT_EQ(text.find("(bad)"), std::string::npos) << text;
  const std::string only = listing(*m, declared_func_refs(*m), 1);
  EXPECT_EQ(only.find(";; function 0: "), std::string::npos) << only;
  EXPECT_NE(only.find(";; function 1: "), std::string::npos) << only;
}

}  // namespace
}  // namespace wrun::jit
