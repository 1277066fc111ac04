// Unit tests of the wrun command line's value parsing (tools/wrun/options.h, value_text.h).
#include "tools/wrun/options.h"

#include <gtest/gtest.h>

#include "tools/wrun/value_text.h"

namespace wrun::cli {
namespace {

TEST(Duration, Units) {
  EXPECT_EQ(parse_duration_ns("500ms"), 500'000'000u);
  EXPECT_EQ(parse_duration_ns("2s"), 2'000'000'000u);
  EXPECT_EQ(parse_duration_ns("2"), 2'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000u);
  EXPECT_EQ(parse_duration_ns("1m"), 60'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1h"), 3'600'000'000'000u);
  EXPECT_EQ(parse_duration_ns("250us"), 250'000u);
  EXPECT_EQ(parse_duration_ns("7ns"), 7u);
}

TEST(Duration, Rejects) {
  EXPECT_FALSE(parse_duration_ns(""));
  EXPECT_FALSE(parse_duration_ns("ms"));
  EXPECT_FALSE(parse_duration_ns("-1s"));
  EXPECT_FALSE(parse_duration_ns("5 s"));
  EXPECT_FALSE(parse_duration_ns("5parsecs"));
  EXPECT_FALSE(parse_duration_ns("1e99h"));
}

TEST(ByteSize, Suffixes) {
  EXPECT_EQ(parse_byte_size("65536"), 65536u);
  EXPECT_EQ(parse_byte_size("64K"), 65536u);
  EXPECT_EQ(parse_byte_size("64k"), 65536u);
  EXPECT_EQ(parse_byte_size("64KiB"), 65536u);
  EXPECT_EQ(parse_byte_size("64KB"), 65536u);
  EXPECT_EQ(parse_byte_size("16M"), 16u << 20);
  EXPECT_EQ(parse_byte_size("1G"), 1u << 30);
  EXPECT_EQ(parse_byte_size("1.5M"), 3u << 19);
  EXPECT_EQ(parse_byte_size("4T"), uint64_t{4} << 40);
}

TEST(ByteSize, Rejects) {
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("K"));
  EXPECT_FALSE(parse_byte_size("12Q"));
  EXPECT_FALSE(parse_byte_size("-1"));
  EXPECT_FALSE(parse_byte_size("1.5"));
}

TEST(DirSpec, Forms) {
  std::string error;
  auto d = parse_dir_spec(".", error);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, ".");
  EXPECT_EQ(d->guest, ".");
  EXPECT_FALSE(d->read_only);

  d = parse_dir_spec("/tmp/x::/sandbox", error);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "/tmp/x");
  EXPECT_EQ(d->guest, "/sandbox");
  EXPECT_FALSE(d->read_only);

  d = parse_dir_spec("data::.:ro", error);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "data");
  EXPECT_EQ(d->guest, ".");
  EXPECT_TRUE(d->read_only);

  d = parse_dir_spec("data:ro", error);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "data");
  EXPECT_EQ(d->guest, "data");
  EXPECT_TRUE(d->read_only);

  EXPECT_FALSE(parse_dir_spec("::guest", error));
  EXPECT_FALSE(parse_dir_spec("host::", error));
  EXPECT_FALSE(parse_dir_spec("", error));
}

TEST(EnvSpec, Forms) {
  std::string error;
  auto e = parse_env_spec("A=1", error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, "A");
  EXPECT_EQ(e->value, "1");
  e = parse_env_spec("B=x=y", error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, "x=y");
  e = parse_env_spec("EMPTY=", error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, "");
  e = parse_env_spec("HOME", error);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->value);
  EXPECT_FALSE(parse_env_spec("=1", error));
}

TEST(PreloadSpec, Forms) {
  std::string error;
  auto p = parse_preload_spec("lib=path/lib.wasm", error);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->first, "lib");
  EXPECT_EQ(p->second, "path/lib.wasm");
  EXPECT_FALSE(parse_preload_spec("lib", error));
  EXPECT_FALSE(parse_preload_spec("=x.wasm", error));
  EXPECT_FALSE(parse_preload_spec("lib=", error));
}

TEST(Values, V128RoundTrip) {
  std::string error;
  auto v = parse_value("0x0102030405060708090a0b0c0d0e0f10", ValType::V128, error);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->v128().bytes[0], 0x10);  // the last digits are byte 0 (little-endian)
  EXPECT_EQ(v->v128().bytes[15], 0x01);
  EXPECT_EQ(format_value(*v), "0x0102030405060708090a0b0c0d0e0f10");
  v = parse_value("0xABC", ValType::V128, error);
  ASSERT_TRUE(v);
  EXPECT_EQ(format_value(*v), "0x00000000000000000000000000000abc");
  EXPECT_FALSE(parse_value("0x", ValType::V128, error));
  EXPECT_FALSE(parse_value("0x1g", ValType::V128, error));
  EXPECT_FALSE(parse_value("0x" + std::string(33, '1'), ValType::V128, error));
}

TEST(Values, References) {
  std::string error;
  auto e = parse_value("7", ValType::ExternRef, error);
  ASSERT_TRUE(e);
  EXPECT_EQ(format_value(*e), "extern:7");
  e = parse_value("extern:9", ValType::ExternRef, error);
  ASSERT_TRUE(e);
  EXPECT_EQ(format_value(*e), "extern:9");
  e = parse_value("null", ValType::ExternRef, error);
  ASSERT_TRUE(e);
  EXPECT_EQ(format_value(*e), "null");
  EXPECT_FALSE(parse_value("-1", ValType::ExternRef, error));
  auto f = parse_value("null", ValType::FuncRef, error);
  ASSERT_TRUE(f);
  EXPECT_EQ(format_value(*f), "null");
  EXPECT_FALSE(parse_value("somefunc", ValType::FuncRef, error));  // no instance to look in
}

TEST(Values, Numbers) {
  std::string error;
  EXPECT_EQ(format_value(*parse_value("-1", ValType::I32, error)), "-1");
  EXPECT_EQ(format_value(*parse_value("4294967295", ValType::I32, error)), "-1");
  EXPECT_EQ(format_value(*parse_value("0x7fffffff", ValType::I32, error)), "2147483647");
  EXPECT_EQ(format_value(*parse_value("18446744073709551615", ValType::I64, error)), "-1");
  EXPECT_EQ(format_value(*parse_value("0.1", ValType::F32, error)), "0.1");
  EXPECT_EQ(format_value(*parse_value("-inf", ValType::F64, error)), "-inf");
  EXPECT_EQ(format_value(*parse_value("nan", ValType::F64, error)), "nan");
  EXPECT_FALSE(parse_value("1.5", ValType::I32, error));
  EXPECT_FALSE(parse_value("", ValType::F32, error));
}

}  // namespace
}  // namespace wrun::cli
