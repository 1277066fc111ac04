// Unit tests of how the tools classify module files (tools/common/module_file.h).
#include "tools/common/module_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace wrun::tools {
namespace {

using Bytes = std::vector<uint8_t>;
using Kind = LoadFailure::Kind;

Bytes header(uint8_t v0 = 1, uint8_t v1 = 0, uint8_t l0 = 0, uint8_t l1 = 0) {
  return {0x00, 0x61, 0x73, 0x6d, v0, v1, l0, l1};
}

LoadFailure compile_failure(const Bytes& bytes) {
  Engine engine;
  auto r = compile_module(engine, "m.wasm", bytes);
  EXPECT_TRUE(std::holds_alternative<LoadFailure>(r));
  if (auto* f = std::get_if<LoadFailure>(&r)) return *f;
  return {};
}

std::string write_file(const std::string& name, const Bytes& bytes) {
  const std::string path = ::testing::TempDir() + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (f == nullptr) return path;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

TEST(ModuleFile, ReadsAModuleUpToTheLimit) {
  Bytes module = header();
  module.resize(100, 0);
  const std::string path = write_file("module_at_limit.wasm", module);
  auto r = read_module_file(path, 100);
  ASSERT_TRUE(std::holds_alternative<Bytes>(r));
  EXPECT_EQ(std::get<Bytes>(r), module);
}

// The buffer grows to the file's size (and the byte that finds its end), not to a whole
// read chunk: zero-filling a megabyte for a small module was most of wrun's start-up.
TEST(ModuleFile, ReadsASmallModuleIntoASmallBuffer) {
  Bytes module = header();
  module.resize(5000, 0);
  const std::string path = write_file("small_module.wasm", module);
  auto r = read_module_file(path);
  ASSERT_TRUE(std::holds_alternative<Bytes>(r));
  EXPECT_EQ(std::get<Bytes>(r), module);
  EXPECT_LE(std::get<Bytes>(r).capacity(), 8192u);
}

TEST(ModuleFile, RefusesAFileLargerThanTheLimit) {
  Bytes module = header();
  module.resize(101, 0);
  const std::string path = write_file("module_past_limit.wasm", module);
  auto r = read_module_file(path, 100);
  ASSERT_TRUE(std::holds_alternative<LoadFailure>(r));
  EXPECT_EQ(std::get<LoadFailure>(r).kind, Kind::Invalid);
  EXPECT_EQ(std::get<LoadFailure>(r).message, path + ": module too large (more than 100 bytes)");
}

// /dev/zero never ends: reading stops after the first chunk, which is no module.
TEST(ModuleFile, StopsReadingWhatIsNotAModule) {
  auto r = read_module_file("/dev/zero");
  ASSERT_TRUE(std::holds_alternative<Bytes>(r));
  EXPECT_LE(std::get<Bytes>(r).size(), size_t{1} << 20);
  LoadFailure f = compile_failure(std::get<Bytes>(r));
  EXPECT_EQ(f.message, "m.wasm: not a WebAssembly module (no \\0asm header)");
}

TEST(ModuleFile, CompilesAnEmptyModule) {
  Engine engine;
  auto r = compile_module(engine, "m.wasm", header());
  EXPECT_TRUE(std::holds_alternative<LoadedModule>(r));
}

TEST(ModuleFile, NotWasm) {
  std::string text = "hello, world";
  LoadFailure f = compile_failure(Bytes(text.begin(), text.end()));
  EXPECT_EQ(f.kind, Kind::Invalid);
  EXPECT_EQ(f.message, "m.wasm: not a WebAssembly module (no \\0asm header)");
  EXPECT_EQ(compile_failure({}).kind, Kind::Invalid);
}

TEST(ModuleFile, TextFormat) {
  std::string text = ";; a comment\n(module (func))\n";
  LoadFailure f = compile_failure(Bytes(text.begin(), text.end()));
  EXPECT_EQ(f.kind, Kind::Invalid);
  EXPECT_NE(f.message.find("looks like the text format"), std::string::npos) << f.message;
}

TEST(ModuleFile, TruncatedHeader) {
  LoadFailure f = compile_failure({0x00, 0x61, 0x73, 0x6d, 0x01});
  EXPECT_EQ(f.message, "m.wasm: truncated WebAssembly header");
}

TEST(ModuleFile, Component) {
  LoadFailure f = compile_failure(header(0x0d, 0, 1, 0));
  EXPECT_EQ(f.kind, Kind::Unsupported);
  EXPECT_NE(f.message.find("not a core WebAssembly module (a component"), std::string::npos);
}

TEST(ModuleFile, UnknownVersion) {
  LoadFailure f = compile_failure(header(2));
  EXPECT_EQ(f.kind, Kind::Invalid);
  EXPECT_NE(f.message.find("unknown binary version 0x2"), std::string::npos) << f.message;
}

TEST(ModuleFile, GcTypes) {
  Bytes b = header();
  // type section: 1 entry, an array of mutable i32 (0x5e 0x7f 0x01)
  b.insert(b.end(), {0x01, 0x04, 0x01, 0x5e, 0x7f, 0x01});
  LoadFailure f = compile_failure(b);
  EXPECT_EQ(f.kind, Kind::Unsupported);
  EXPECT_NE(f.message.find("array types (GC proposal)"), std::string::npos) << f.message;

  b = header();
  // a function type taking (ref null 0): typed function references
  b.insert(b.end(), {0x01, 0x06, 0x01, 0x60, 0x01, 0x63, 0x00, 0x00});
  f = compile_failure(b);
  EXPECT_EQ(f.kind, Kind::Unsupported);
  EXPECT_NE(f.message.find("typed references"), std::string::npos) << f.message;
}

TEST(ModuleFile, Hints) {
  // 0xfd 0x80 0x02 is relaxed SIMD's first opcode (0x100), past the 2.0 SIMD set.
  Bytes b = {0xfd, 0x80, 0x02};
  EXPECT_EQ(unsupported_feature_hint(b, "illegal opcode (at byte offset 0)"),
            "the module uses SIMD instructions beyond WebAssembly 2.0 (e.g. relaxed SIMD)");
  EXPECT_EQ(unsupported_feature_hint(b, "type mismatch (at byte offset 0)"), "");
  EXPECT_EQ(unsupported_feature_hint(b, "illegal opcode (at byte offset 99)"), "");
}

TEST(ModuleFile, Unreadable) {
  auto r = read_module_file("/no/such/file.wasm");
  ASSERT_TRUE(std::holds_alternative<LoadFailure>(r));
  const LoadFailure& f = std::get<LoadFailure>(r);
  EXPECT_EQ(f.kind, Kind::Unreadable);
  EXPECT_EQ(f.message.rfind("cannot read /no/such/file.wasm: ", 0), 0u) << f.message;
}

}  // namespace
}  // namespace wrun::tools
