// LEB128 rules of the Reader (length limits, unused bits) and UTF-8 validation.
#include "decoder/reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace wrun {
namespace {

using Bytes = std::vector<uint8_t>;

// Runs `read` over `bytes` and returns the error message, or "" when it succeeded and
// consumed every byte.
template <typename F>
std::string error_of(const Bytes& bytes, F read) {
  Reader r(bytes.data(), bytes.size());
  try {
    read(r);
  } catch (const DecodeError& e) {
    return e.error.message;
  }
  return r.at_end() ? "" : "not all bytes consumed";
}

TEST(Leb128, U32AcceptsNonMinimalEncodingsUpToFiveBytes) {
  Bytes two = {0x82, 0x00};
  Bytes five = {0x82, 0x80, 0x80, 0x80, 0x00};
  EXPECT_EQ(Reader(two).u32(), 2u);
  EXPECT_EQ(Reader(five).u32(), 2u);
  Bytes max = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  EXPECT_EQ(Reader(max).u32(), 0xFFFFFFFFu);
}

TEST(Leb128, U32RejectsSixBytesAndUnusedBits) {
  EXPECT_EQ(error_of({0x82, 0x80, 0x80, 0x80, 0x80, 0x00}, [](Reader& r) { r.u32(); }),
            "integer representation too long");
  EXPECT_EQ(error_of({0x82, 0x80, 0x80, 0x80, 0x70}, [](Reader& r) { r.u32(); }),
            "integer too large");
  EXPECT_EQ(error_of({0x82, 0x80, 0x80, 0x80, 0x10}, [](Reader& r) { r.u32(); }),
            "integer too large");  // 2^32 + 2
  EXPECT_EQ(error_of({0x80, 0x80}, [](Reader& r) { r.u32(); }), "unexpected end");
}

TEST(Leb128, S32SignExtendsAndChecksUnusedBits) {
  EXPECT_EQ(Reader(Bytes{0x7F}).s32(), -1);
  EXPECT_EQ(Reader(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x7F}).s32(), -1);
  EXPECT_EQ(Reader(Bytes{0x80, 0x80, 0x80, 0x80, 0x78}).s32(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Reader(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x07}).s32(), std::numeric_limits<int32_t>::max());
  // Unused bits must repeat the sign bit.
  EXPECT_EQ(error_of({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, [](Reader& r) { r.s32(); }),
            "integer too large");
  EXPECT_EQ(error_of({0x80, 0x80, 0x80, 0x80, 0x70}, [](Reader& r) { r.s32(); }),
            "integer too large");
  EXPECT_EQ(error_of({0xFF, 0xFF, 0xFF, 0xFF, 0x4F}, [](Reader& r) { r.s32(); }),
            "integer too large");
  EXPECT_EQ(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, [](Reader& r) { r.s32(); }),
            "integer representation too long");
}

TEST(Leb128, S33CoversTheUnsigned32BitRange) {
  EXPECT_EQ(Reader(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}).s33(), int64_t{0xFFFFFFFF});
  EXPECT_EQ(Reader(Bytes{0x80, 0x80, 0x80, 0x80, 0x70}).s33(), -(int64_t{1} << 32));
  EXPECT_EQ(Reader(Bytes{0x40}).s33(), -64);
  EXPECT_EQ(error_of({0x80, 0x80, 0x80, 0x80, 0x20}, [](Reader& r) { r.s33(); }),
            "integer too large");
  EXPECT_EQ(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, [](Reader& r) { r.s33(); }),
            "integer representation too long");
}

TEST(Leb128, S64Limits) {
  Bytes min = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F};
  Bytes max = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
  EXPECT_EQ(Reader(min).s64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Reader(max).s64(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7E},
                     [](Reader& r) { r.s64(); }),
            "integer too large");
  EXPECT_EQ(error_of({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01},
                     [](Reader& r) { r.s64(); }),
            "integer too large");
  EXPECT_EQ(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
                     [](Reader& r) { r.s64(); }),
            "integer representation too long");
}

TEST(Leb128, U64Limits) {
  Bytes max = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  EXPECT_EQ(Reader(max).u64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(error_of({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02},
                     [](Reader& r) { r.u64(); }),
            "integer too large");
}

TEST(Leb128, ErrorsReportModuleOffsets) {
  Bytes truncated = {0x80, 0x80};
  Reader r(truncated.data(), truncated.size(), 100);
  try {
    r.u32();
    FAIL() << "expected an error";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.error.message, "unexpected end");
    EXPECT_EQ(e.error.offset, 102u);
  }
}

bool utf8(const Bytes& b) { return is_valid_utf8(b.data(), b.size()); }

TEST(Utf8, AcceptsWellFormedScalarValues) {
  EXPECT_TRUE(is_valid_utf8(nullptr, 0));
  EXPECT_TRUE(utf8({'a', 'b', 0x00, 0x7F}));
  EXPECT_TRUE(utf8({0xC2, 0x80}));              // U+0080
  EXPECT_TRUE(utf8({0xDF, 0xBF}));              // U+07FF
  EXPECT_TRUE(utf8({0xE0, 0xA0, 0x80}));        // U+0800
  EXPECT_TRUE(utf8({0xED, 0x9F, 0xBF}));        // U+D7FF, just below the surrogates
  EXPECT_TRUE(utf8({0xEE, 0x80, 0x80}));        // U+E000, just above them
  EXPECT_TRUE(utf8({0xF0, 0x90, 0x80, 0x80}));  // U+10000
  EXPECT_TRUE(utf8({0xF4, 0x8F, 0xBF, 0xBF}));  // U+10FFFF
}

TEST(Utf8, RejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_FALSE(utf8({0xC0, 0x80}));              // overlong U+0000
  EXPECT_FALSE(utf8({0xC1, 0xBF}));              // overlong U+007F
  EXPECT_FALSE(utf8({0xE0, 0x9F, 0xBF}));        // overlong U+07FF
  EXPECT_FALSE(utf8({0xF0, 0x8F, 0xBF, 0xBF}));  // overlong U+FFFF
  EXPECT_FALSE(utf8({0xED, 0xA0, 0x80}));        // U+D800
  EXPECT_FALSE(utf8({0xED, 0xBF, 0xBF}));        // U+DFFF
  EXPECT_FALSE(utf8({0xF4, 0x90, 0x80, 0x80}));  // U+110000
  EXPECT_FALSE(utf8({0xF8, 0x88, 0x80, 0x80, 0x80}));
  EXPECT_FALSE(utf8({0xFF}));
}

TEST(Utf8, RejectsBrokenSequences) {
  EXPECT_FALSE(utf8({0x80}));              // continuation without lead
  EXPECT_FALSE(utf8({'a', 0xE2, 0x82}));   // truncated at the end
  EXPECT_FALSE(utf8({0xE2, 0x28, 0xA1}));  // non-continuation inside
  EXPECT_FALSE(utf8({0xC2, 'a'}));
}

}  // namespace
}  // namespace wrun
