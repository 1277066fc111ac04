// The registry of generated code: registration rules and lookups.
#include "runtime/code_registry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>
#include <vector>

namespace wrun::rt {
namespace {

alignas(64) char g_code[4096];  // stands in for generated code: never executed
int g_cookie_a, g_cookie_b;

TEST(CodeRegistry, FindsTheRangeAndItsSites) {
  const char* code = g_code + 128;
  const std::vector<TrapSite> sites = {{40, 2, 400}, {8, 1, 80}};  // any order
  CodeRegistration reg = register_code(code, code + 64, &g_cookie_a, sites);
  CodeLookup found;
  ASSERT_TRUE(lookup_code(code + 8, &found));
  EXPECT_EQ(found.begin, code);
  EXPECT_EQ(found.end, code + 64);
  EXPECT_EQ(found.cookie, &g_cookie_a);
  EXPECT_TRUE(found.has_site);
  EXPECT_EQ(found.site.reason, 1u);
  EXPECT_EQ(found.site.source_offset, 80u);
  ASSERT_TRUE(lookup_code(code + 40, &found));
  EXPECT_EQ(found.site.reason, 2u);
  ASSERT_TRUE(lookup_code(code + 9, &found));  // inside the range, not a site
  EXPECT_FALSE(found.has_site);
  ASSERT_TRUE(lookup_code(code, &found));
  EXPECT_FALSE(lookup_code(code + 64, &found));  // end is exclusive
  EXPECT_FALSE(lookup_code(code - 1, &found));
}

TEST(CodeRegistry, ResetAndDestructionUnregister) {
  CodeLookup found;
  {
    CodeRegistration reg = register_code(g_code, g_code + 16, &g_cookie_a);
    EXPECT_TRUE(lookup_code(g_code, &found));
    CodeRegistration moved = std::move(reg);
    EXPECT_FALSE(reg.registered());
    EXPECT_TRUE(moved.registered());
    EXPECT_TRUE(lookup_code(g_code, &found));
  }
  EXPECT_FALSE(lookup_code(g_code, &found));
  CodeRegistration reg = register_code(g_code, g_code + 16, &g_cookie_a);
  reg.reset();
  EXPECT_FALSE(reg.registered());
  EXPECT_FALSE(lookup_code(g_code, &found));
}

TEST(CodeRegistry, KeepsNeighboursApart) {
  CodeRegistration a = register_code(g_code + 100, g_code + 200, &g_cookie_a);
  CodeRegistration b = register_code(g_code + 200, g_code + 300, &g_cookie_b);
  CodeRegistration c = register_code(g_code, g_code + 50, &g_cookie_b);
  CodeLookup found;
  ASSERT_TRUE(lookup_code(g_code + 199, &found));
  EXPECT_EQ(found.cookie, &g_cookie_a);
  ASSERT_TRUE(lookup_code(g_code + 200, &found));
  EXPECT_EQ(found.cookie, &g_cookie_b);
  EXPECT_FALSE(lookup_code(g_code + 60, &found));  // between c and a
  a.reset();
  EXPECT_FALSE(lookup_code(g_code + 150, &found));
  ASSERT_TRUE(lookup_code(g_code + 250, &found));
  EXPECT_EQ(found.begin, g_code + 200);
}

TEST(CodeRegistry, RejectsBadRanges) {
  CodeRegistration reg = register_code(g_code + 100, g_code + 200, &g_cookie_a);
  EXPECT_THROW(register_code(g_code + 150, g_code + 250, nullptr), std::invalid_argument);
  EXPECT_THROW(register_code(g_code + 50, g_code + 101, nullptr), std::invalid_argument);
  EXPECT_THROW(register_code(g_code + 120, g_code + 130, nullptr), std::invalid_argument);
  EXPECT_THROW(register_code(g_code + 300, g_code + 300, nullptr), std::invalid_argument);
  const TrapSite outside{100, 0, 0};
  EXPECT_THROW(register_code(g_code + 300, g_code + 400, nullptr, {&outside, 1}),
               std::invalid_argument);
  const TrapSite landing_outside{10, 0, 0, 100};
  EXPECT_THROW(register_code(g_code + 300, g_code + 400, nullptr, {&landing_outside, 1}),
               std::invalid_argument);
  // Nothing of the failed attempts stayed registered.
  CodeLookup found;
  EXPECT_FALSE(lookup_code(g_code + 300, &found));
  EXPECT_FALSE(lookup_code(g_code + 60, &found));
}

// The site values are copies: the caller's array may go away after registering.
TEST(CodeRegistry, CopiesTheSites) {
  std::vector<TrapSite> sites = {{4, 9, 44}};
  CodeRegistration reg = register_code(g_code, g_code + 8, &g_cookie_a, sites);
  sites.assign(1, TrapSite{4, 0, 0});
  sites.shrink_to_fit();
  CodeLookup found;
  ASSERT_TRUE(lookup_code(g_code + 4, &found));
  EXPECT_EQ(found.site.reason, 9u);
}

}  // namespace
}  // namespace wrun::rt
