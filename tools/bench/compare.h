// wrun-bench's comparison mode: several wrun engines and named commands (V8's tiers through
// node-baseline.mjs) on the same benchmarks in one run, runs interleaved round-robin, with
// each column's ratio to a reference column and geometric means over the set and its tagged
// subsets; plus load (compile, instantiate) and whole-process startup tables.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tools/bench/runner.h"
#include "tools/bench/targets.h"

namespace wrun::bench {

// --compare NAME=CMD, --load-compare NAME=CMD.
struct NamedCommand {
  std::string name;
  std::string command;
};
// The spec parsed, or why not.
std::variant<NamedCommand, std::string> parse_named_command(const std::string& spec);

// The program a shell command starts: its first word after any NAME=VALUE assignments, with
// quotes removed ("node" for "FOO=1 'node' --x y").
std::string command_program(const std::string& command);
// Where the shell would find `program`: itself if it contains a '/', else the first entry of
// `path_env` (a PATH value) holding an executable file of that name; empty when nowhere.
std::string locate_program(const std::string& program, const std::string& path_env);

double median(std::vector<double> v);

struct Geomean {
  double value = 0;
  int count = 0;  // how many ratios went in; 0: no value
};
// Of the ratios present; absent ones (a failed run on either side) are left out.
Geomean geomean(const std::vector<std::optional<double>>& ratios);

// The median of column's measured interval over the reference's; nothing unless both ran.
std::optional<double> ratio_of_medians(const Outcome& column, const Outcome& reference);

// Columns of text: the first `left` columns aligned left, the rest right.
std::string format_table(const std::vector<std::vector<std::string>>& lines, size_t left);

// One benchmark's results, a cell per column.
struct ComparisonRow {
  Target target;
  std::vector<Outcome> cells;
};
struct ComparisonColumn {
  std::string name;     // "wrun-jit", or the NAME of --compare NAME=CMD
  std::string command;  // empty for a wrun engine run in this process
  std::string engine;   // "jit" or "interp" for a wrun engine
};
struct Comparison {
  std::vector<ComparisonColumn> columns;
  size_t reference = 0;  // the column ratios are to
  std::vector<ComparisonRow> rows;
};
// The tags of the rows in order of first appearance.
std::vector<std::string> tags_of(const Comparison& c);
// The table (times, ratios, a geometric-mean row for all and per tag) and its footnotes:
// what the ratios are, which cells failed and what each geometric mean left out.
std::string render_comparison(const Comparison& c, bool csv);

struct CompareSettings {
  std::vector<std::string> engines;  // wrun engines: "jit", "interp"
  std::vector<NamedCommand> compare;
  std::string ratio_to;  // a column name; empty: the first --compare, else the first engine
  std::vector<Target> targets;
  std::string set_description;  // "wide (tools/bench/wide.set)", when a set was given
  std::vector<Target> load;     // modules to compile and instantiate
  std::vector<NamedCommand> load_compare;
  std::vector<Target> startup;  // modules to run as whole processes
  std::string wrun_path;        // the wrun binary for startup
  std::string self_path;        // this program, for the description
  int runs = 3, load_runs = 10, startup_runs = 20;
  bool check_output = true, verbose = false, csv = false;
};
// Checks the settings (names, commands' programs, the wrun binary), runs everything and
// prints it; returns the exit status (2 for bad settings, 1 if anything failed).
int run_comparison(const CompareSettings& settings);

}  // namespace wrun::bench
