#include "spectest/json.h"

#include <gtest/gtest.h>

namespace wrun::json {
namespace {

Value ok(std::string_view text) {
  auto r = parse(text);
  if (auto* e = std::get_if<ParseError>(&r)) ADD_FAILURE() << text << ": " << e->message;
  return std::holds_alternative<Value>(r) ? std::get<Value>(r) : Value();
}

ParseError bad(std::string_view text) {
  auto r = parse(text);
  EXPECT_TRUE(std::holds_alternative<ParseError>(r)) << text;
  return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r) : ParseError{};
}

TEST(Json, ParsesACommandLikeWast2jsonWritesIt) {
  Value v = ok(R"({"type": "assert_return", "line": 12,
    "action": {"type": "invoke", "field": "add", "args": [{"type": "i32", "value": "1"}]},
    "expected": []})");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.find("type")->text(), "assert_return");
  EXPECT_EQ(v.find("line")->as_int(), 12);
  const Value* args = v.find("action")->find("args");
  ASSERT_TRUE(args && args->is_array());
  ASSERT_EQ(args->items().size(), 1u);
  EXPECT_EQ(args->items()[0].find("value")->text(), "1");
  EXPECT_TRUE(v.find("expected")->items().empty());
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(Json, DecodesEscapesToBytes) {
  EXPECT_EQ(ok(R"("\u0000\u001f")").text(), std::string("\0\x1f", 2));
  EXPECT_EQ(ok(R"("\u005c\u0022\/\b\f\n\r\t")").text(), "\\\"/\b\f\n\r\t");
  EXPECT_EQ(ok(R"("\u00c5")").text(), "\xc3\x85");
  EXPECT_EQ(ok(R"("\ud83d\ude00")").text(), "\xf0\x9f\x98\x80");
  // Raw bytes pass through, valid UTF-8 or not.
  EXPECT_EQ(ok("\"\xc3\x85\xff\"").text(), "\xc3\x85\xff");
}

TEST(Json, KeepsNumbersAsText) {
  Value big = ok("18446744073709551615");
  EXPECT_EQ(big.text(), "18446744073709551615");
  EXPECT_EQ(big.as_int(), std::nullopt);
  EXPECT_EQ(ok("-7").as_int(), -7);
  EXPECT_EQ(ok("1.5e3").as_int(), std::nullopt);
  EXPECT_TRUE(ok("[true, false, null]").items()[2].is_null());
}

TEST(Json, RejectsMalformedInput) {
  bad("");
  bad("{");
  bad(R"({"a" 1})");
  bad("[1,]");
  bad("01");
  bad("1.");
  bad(R"("unterminated)");
  bad("\"tab\tinside\"");
  bad(R"("\x")");
  bad(R"("\u12")");
  bad("tru");
  EXPECT_EQ(bad("[1] 2").message, "trailing characters after the document");
  EXPECT_EQ(bad("{\n\n  nope}").line, 3u);
}

TEST(Json, LimitsNesting) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_EQ(bad(deep).message, "nesting too deep");
  EXPECT_TRUE(ok("[[[[]]]]").is_array());
}

}  // namespace
}  // namespace wrun::json
