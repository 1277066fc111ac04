#include "spectest/messages.h"

#include <gtest/gtest.h>

namespace wrun::spectest {
namespace {

TEST(Messages, ExpectedTextMustOccurInTheActualMessage) {
  EXPECT_TRUE(message_matches("out of bounds memory access", "out of bounds memory access"));
  EXPECT_TRUE(message_matches("at 0x1f: type mismatch in i32.add", "type mismatch"));
  EXPECT_FALSE(message_matches("out of bounds table access", "out of bounds memory access"));
  EXPECT_FALSE(message_matches("undefined element", "uninitialized element"));
}

TEST(Messages, AliasesCoverOnlyTheirOwnText) {
  EXPECT_TRUE(message_matches("uninitialized element", "uninitialized element 2"));
  EXPECT_FALSE(message_matches("undefined element", "uninitialized element 2"));
  EXPECT_FALSE(message_matches("uninitialized element", "uninitialized element 3"));
}

}  // namespace
}  // namespace wrun::spectest
