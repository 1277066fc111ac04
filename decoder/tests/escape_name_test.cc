// escape_name: names a module chooses, made safe to print.
#include <gtest/gtest.h>

#include <string>

#include "wrun/types.h"

namespace wrun {
namespace {

TEST(EscapeName, KeepsPrintableText) {
  EXPECT_EQ(escape_name(""), "");
  EXPECT_EQ(escape_name("main"), "main");
  EXPECT_EQ(escape_name("std::vector<int>::at(unsigned long) const"),
            "std::vector<int>::at(unsigned long) const");
  EXPECT_EQ(escape_name("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\xa6\x80"),
            "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\xa6\x80");  // é, 日本, U+1F980
}

TEST(EscapeName, EscapesBackslashAndQuote) {
  EXPECT_EQ(escape_name("a\\b\"c"), "a\\\\b\\\"c");
  // An escaped name cannot pass for a different one: "\x1b" as text is not ESC.
  EXPECT_EQ(escape_name("\\x1b"), "\\\\x1b");
}

TEST(EscapeName, EscapesControlCharacters) {
  EXPECT_EQ(escape_name("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(escape_name("a\nb\tc\rd\x07"), "a\\x0ab\\x09c\\x0dd\\x07");
  EXPECT_EQ(escape_name(std::string("nul\0", 4)), "nul\\x00");
  EXPECT_EQ(escape_name("\x7f"), "\\x7f");
  // C1 controls, U+009B being CSI: escaped byte by byte.
  EXPECT_EQ(escape_name("\xc2\x9b"
                        "31m"),
            "\\xc2\\x9b31m");
  EXPECT_EQ(escape_name("\xc2\x80\xc2\x9f\xc2\xa0"),
            "\\xc2\\x80\\xc2\\x9f\xc2\xa0");  // U+00A0 stays
}

TEST(EscapeName, EscapesLineSeparatorsAndBidiControls) {
  EXPECT_EQ(escape_name("a\xe2\x80\xa8z"), "a\\xe2\\x80\\xa8z");  // U+2028
  EXPECT_EQ(escape_name("\xe2\x80\xae"
                        "cba"),
            "\\xe2\\x80\\xae"
            "cba");  // U+202E, right-to-left override
  EXPECT_EQ(escape_name("\xe2\x81\xa6x\xe2\x81\xa9"),
            "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");                                 // U+2066..2069
  EXPECT_EQ(escape_name("\xe2\x80\x8f\xd8\x9c"), "\\xe2\\x80\\x8f\\xd8\\x9c");  // U+200F, U+061C
  EXPECT_EQ(escape_name("\xe2\x80\x94"), "\xe2\x80\x94");  // U+2014, an em dash, stays
}

TEST(EscapeName, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(escape_name("\xff"), "\\xff");
  EXPECT_EQ(escape_name("\x80x"), "\\x80x");                           // a lone continuation byte
  EXPECT_EQ(escape_name("\xe6\x97"), "\\xe6\\x97");                    // truncated
  EXPECT_EQ(escape_name("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escape_name("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(escape_name("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(escape_name("\xe6\x97"
                        "a\xc3\xa9"),
            "\\xe6\\x97a\xc3\xa9");  // resynchronises
}

}  // namespace
}  // namespace wrun
