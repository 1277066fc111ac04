// Unit tests of wrun-bench's comparison mode without running anything: .set files, NAME=CMD
// specs, finding a command's program, and the ratios and geometric means of a table.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "tools/bench/compare.h"
#include "tools/bench/targets.h"

namespace wrun::bench {
namespace {

SetFile parse(const std::string& text) {
  std::istringstream in(text);
  return parse_set(in);
}

TEST(BenchSet, EntriesTagsAndComments) {
  SetFile s = parse(
      "# a comment\n"
      "\n"
      "shootout/shootout-fib2.wasm long  # why\n"
      "  bz2/benchmark.wasm\n"
      "sqlite3/sqlite3.wasm\tlong big_input\r\n");
  ASSERT_EQ(s.error, "");
  ASSERT_EQ(s.entries.size(), 3u);
  EXPECT_EQ(s.entries[0].path, "shootout/shootout-fib2.wasm");
  EXPECT_EQ(s.entries[0].tags, std::vector<std::string>{"long"});
  EXPECT_EQ(s.entries[1].path, "bz2/benchmark.wasm");
  EXPECT_TRUE(s.entries[1].tags.empty());
  EXPECT_EQ(s.entries[2].tags, (std::vector<std::string>{"long", "big_input"}));
}

TEST(BenchSet, RejectsWithTheLine) {
  EXPECT_EQ(parse("a.wasm\nb.wat\n").error, "2: \"b.wat\" is not a .wasm path");
  EXPECT_EQ(parse("/abs/a.wasm\n").error,
            "1: \"/abs/a.wasm\" must be relative to the Sightglass folder");
  // Twice in a set, a benchmark would count twice in every geometric mean.
  EXPECT_EQ(parse("a.wasm\nb.wasm\na.wasm long\n").error, "3: \"a.wasm\" is listed twice");
  EXPECT_EQ(parse("a.wasm Long\n").error, "1: tag \"Long\" is not of a-z, 0-9, - and _");
  EXPECT_EQ(parse("a.wasm long long\n").error, "1: tag \"long\" given twice");
  EXPECT_EQ(parse("# nothing\n").error, "no entries");
  EXPECT_TRUE(parse("a.wasm\nb.wat\n").entries.empty());
}

TEST(BenchSet, TheWideSetResolves) {
  // The set the comparison is documented with: it parses, and its tags are a subset.
  ResolvedSet set = resolve_set("wide", WRUN_BENCH_SETS_DIR, "/sightglass");
  ASSERT_EQ(set.error, "");
  EXPECT_EQ(set.targets.size(), 26u);
  int long_ones = 0;
  for (const Target& t : set.targets) long_ones += t.tags == std::vector<std::string>{"long"};
  EXPECT_EQ(long_ones, 8);
  EXPECT_EQ(set.targets[0].path, "/sightglass/shootout/shootout-ackermann.wasm");
  EXPECT_EQ(set.targets[0].name, "shootout/shootout-ackermann");
  EXPECT_NE(resolve_set("no-such-set", WRUN_BENCH_SETS_DIR, "/s").error.find("no set file"),
            std::string::npos);
}

TEST(BenchCompare, NamedCommands) {
  auto c = parse_named_command("v8-liftoff=node --liftoff x.mjs --a=b");
  ASSERT_TRUE(std::holds_alternative<NamedCommand>(c));
  EXPECT_EQ(std::get<NamedCommand>(c).name, "v8-liftoff");
  EXPECT_EQ(std::get<NamedCommand>(c).command, "node --liftoff x.mjs --a=b");
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_named_command("node x.mjs")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_named_command("=node")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_named_command("v8=  ")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_named_command("v 8=node")));
}

TEST(BenchCompare, CommandProgram) {
  EXPECT_EQ(command_program("node --no-warnings x.mjs"), "node");
  EXPECT_EQ(command_program("  FOO=1 BAR=x/y node x.mjs"), "node");
  EXPECT_EQ(command_program("'/opt/my node/bin/node' x"), "/opt/my");  // quoting: best effort
  EXPECT_EQ(command_program("/usr/bin/env A=1 node"), "/usr/bin/env");
  EXPECT_EQ(command_program(""), "");
}

TEST(BenchCompare, MissingNodeIsFoundMissing) {
  // What --compare checks before running: a machine without node fails at once, clearly.
  EXPECT_EQ(locate_program("node", "/nonexistent-dir:/also-not-here"), "");
  EXPECT_EQ(locate_program("no-such-program-for-wrun-bench", "/usr/bin:/bin"), "");
  EXPECT_EQ(locate_program("/nonexistent-dir/node", "/usr/bin:/bin"), "");
  EXPECT_NE(locate_program("sh", "/nonexistent-dir:/usr/bin:/bin"), "");
  EXPECT_EQ(locate_program("", "/usr/bin:/bin"), "");
}

TEST(BenchCompare, Median) {
  EXPECT_EQ(median({}), 0);
  EXPECT_EQ(median({3}), 3);
  EXPECT_EQ(median({5, 1, 3}), 3);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
}

TEST(BenchCompare, GeomeanSkipsAbsentRatios) {
  Geomean g = geomean({2.0, std::nullopt, 8.0});
  EXPECT_EQ(g.count, 2);
  EXPECT_DOUBLE_EQ(g.value, 4.0);
  EXPECT_EQ(geomean({}).count, 0);
  EXPECT_EQ(geomean({std::nullopt, 0.0}).count, 0);  // a zero time makes no ratio
  // Many large ratios: a product would overflow, a sum of logs does not.
  std::vector<std::optional<double>> big(400, 1e300);
  EXPECT_NEAR(geomean(big).value / 1e300, 1.0, 1e-9);
}

Outcome timed(std::vector<double> ms_values) {
  Outcome o;
  for (double v : ms_values) {
    Timing t;
    t.measured_s = v / 1e3;
    o.runs.push_back(t);
  }
  return o;
}

Outcome failed(const std::string& why) {
  Outcome o;
  o.status = Outcome::Status::Failed;
  o.message = why;
  return o;
}

TEST(BenchCompare, RatioOfMedians) {
  auto r = ratio_of_medians(timed({30, 10, 20}), timed({5, 100, 10}));
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(*r, 2.0);  // 20 / 10: medians, not means
  EXPECT_FALSE(ratio_of_medians(failed("x"), timed({1})));
  EXPECT_FALSE(ratio_of_medians(timed({1}), failed("x")));
  EXPECT_FALSE(ratio_of_medians(timed({1}), timed({0})));
}

Comparison sample() {
  Comparison c;
  c.columns = {{"wrun-jit", "", "jit"}, {"v8", "node x.mjs", ""}};
  c.reference = 1;
  auto row = [](std::string name, std::vector<std::string> tags, Outcome a, Outcome b) {
    ComparisonRow r;
    r.target.name = std::move(name);
    r.target.tags = std::move(tags);
    r.cells = {std::move(a), std::move(b)};
    return r;
  };
  c.rows.push_back(row("a", {"long"}, timed({2}), timed({1})));
  c.rows.push_back(row("b", {}, timed({8}), timed({1})));
  c.rows.push_back(row("c", {"long"}, failed("trap: unreachable\n    at f"), timed({1})));
  c.rows.push_back(row("d", {"long"}, timed({1}), failed("no start-end-ns")));
  return c;
}

TEST(BenchCompare, TableRatiosAndGeomeans) {
  const std::string t = render_comparison(sample(), false);
  // Each benchmark's ratio, failures shown in their column.
  EXPECT_NE(t.find("a                  long     2.000  2.00       1.000"), std::string::npos) << t;
  EXPECT_NE(t.find("c                  long    FAILED     -       1.000"), std::string::npos) << t;
  EXPECT_NE(t.find("d                  long     1.000     -      FAILED"), std::string::npos) << t;
  // All: sqrt(2 * 8) = 4 over the 2 of 4 benchmarks with a ratio; long: only a.
  EXPECT_NE(t.find("geomean, all (4)                   4.00 (2)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("geomean, long (3)                  2.00 (1)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("left out of wrun-jit's geomeans (2 of 4): c, d"), std::string::npos) << t;
  EXPECT_NE(t.find("c on wrun-jit: FAILED: trap: unreachable\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d on v8: FAILED: no start-end-ns"), std::string::npos) << t;
  EXPECT_NE(t.find("ratio: the column's median time over v8's"), std::string::npos) << t;
}

TEST(BenchCompare, Csv) {
  const std::string t = render_comparison(sample(), true);
  EXPECT_NE(t.find("interval,a,long,wrun-jit,ok,1,2.000,2.000,2.000,2.00\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("interval,c,long,wrun-jit,FAILED,0,,,,\n"), std::string::npos) << t;
  EXPECT_NE(t.find("geomean,all,,wrun-jit,ok,2,,,,4.00\n"), std::string::npos) << t;
  EXPECT_NE(t.find("geomean,long,,wrun-jit,ok,1,,,,2.00\n"), std::string::npos) << t;
}

TEST(BenchCompare, FormatTable) {
  EXPECT_EQ(format_table({{"name", "n"}, {"a", "100"}}, 1), "name    n\na     100\n");
}

}  // namespace
}  // namespace wrun::bench
