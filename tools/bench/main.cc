// wrun-bench: runs Sightglass-style benchmarks on wrun and prints their timings as a table.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/bench/compare.h"
#include "tools/bench/runner.h"
#include "tools/bench/targets.h"
#include "wrun/wrun.h"

namespace {

using wrun::bench::median;
using wrun::bench::Outcome;
using wrun::bench::Timing;

constexpr const char* kFooter =
    "Targets: a .wasm file, a folder (every *.wasm in it), a .suite file, or a name looked up\n"
    "in the Sightglass folder (a .wasm path, a folder such as shootout, or a group such as\n"
    "default for default.suite). Each benchmark runs with its own folder as the current\n"
    "directory, preopened as \".\", with bench.start/bench.end recording the measured interval.\n"
    "\n"
    "Columns: compile and instantiate are medians; median/min/max are the bench.start ->\n"
    "bench.end interval over the runs; all in milliseconds. With --baseline, the same for\n"
    "the baseline command and the ratio wrun/baseline of the medians.\n"
    "\n"
    "Comparison (several --engine, --compare, --set, --load or --startup): one time column per\n"
    "engine and command, runs interleaved round-robin, each column's ratio to --ratio-to and\n"
    "their geometric means over the benchmarks and over each tag of a --set; --load adds\n"
    "compile and instantiate times, --startup whole-process times. tools/bench/README.md.\n"
    "\n"
    "Exit status: 0 when every benchmark ran and printed what it should (unsupported ones,\n"
    "e.g. components or GC, and suite entries missing from the corpus are reported, not\n"
    "failed); 1 when any failed; 2 for a bad command line.\n";

template <class F>
std::vector<double> column(const std::vector<Timing>& runs, F f) {
  std::vector<double> v;
  for (const Timing& t : runs) v.push_back(f(t));
  return v;
}

std::string ms(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s * 1e3);
  return buf;
}

struct Row {
  std::string name;
  Outcome wrun;
  std::optional<Outcome> baseline;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wrun-bench: runs Sightglass-style benchmarks on wrun and prints their timings."};
  int runs = 3, load_runs = 10, startup_runs = 20;
  std::string sightglass_dir, baseline, ratio_to, wrun_path;
  std::vector<std::string> engine_names = {"jit"}, suites, targets, sets, compares, load_compares,
                           loads, startups;
  bool no_check = false, verbose = false, csv = false;
  app.set_version_flag("--version", std::string("wrun-bench ") + WRUN_VERSION);
  app.add_option("--runs,-n", runs, "Runs per benchmark")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--engine", engine_names,
                 "Execution engine; several (--engine jit,interp) compare them in one run")
      ->delimiter(',')
      ->allow_extra_args(false)  // `--engine jit bench.wasm`: the file is a target
      ->check(CLI::IsMember({"interp", "jit"}))
      ->capture_default_str();
  app.add_option("--suite", suites, "A Sightglass group: NAME.suite in the Sightglass folder")
      ->allow_extra_args(false);
  app.add_option("--sightglass", sightglass_dir,
                 "The Sightglass benchmarks folder (default: $WRUN_SIGHTGLASS_DIR, else the "
                 "shared data folder this build was configured with)");
  app.add_option("--baseline", baseline,
                 "Also run CMD WASM in each benchmark's folder, which prints start-end-ns=N "
                 "(e.g. node --liftoff --no-wasm-tier-up tools/bench/node-baseline.mjs)")
      ->type_name("CMD");
  app.add_option("--compare", compares,
                 "A column running CMD WASM in each benchmark's folder, like --baseline; "
                 "repeatable (e.g. v8-liftoff=\"node --liftoff ... node-baseline.mjs\")")
      ->type_name("NAME=CMD")
      ->allow_extra_args(false);
  app.add_option("--ratio-to", ratio_to,
                 "The column ratios are to (wrun-jit, wrun-interp or a --compare NAME; default: "
                 "the first --compare, else the first engine)")
      ->type_name("NAME");
  app.add_option("--set", sets,
                 "Benchmarks of a set: NAME for tools/bench/NAME.set, or a .set file; its tags "
                 "get their own geometric means")
      ->type_name("NAME|FILE")
      ->allow_extra_args(false);
  app.add_option("--load", loads,
                 "Also time compile and instantiate (no run) of this benchmark on each engine "
                 "and --load-compare command")
      ->type_name("WASM")
      ->allow_extra_args(false);
  app.add_option("--load-compare", load_compares,
                 "A --load column: CMD WASM prints compile-ns=N [instantiate-ns=N]")
      ->type_name("NAME=CMD")
      ->allow_extra_args(false);
  app.add_option("--load-runs", load_runs, "Runs per --load column")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--startup", startups,
                 "Also time whole processes on this benchmark: wrun --engine E (with a stub "
                 "bench module) and each --compare command")
      ->type_name("WASM")
      ->allow_extra_args(false);
  app.add_option("--startup-runs", startup_runs, "Runs per --startup column")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--wrun", wrun_path, "The wrun binary for --startup (default: beside this one)")
      ->type_name("PATH");
  app.add_flag("--no-check", no_check, "Do not compare output with *.stdout/stderr.expected");
  app.add_flag("--csv", csv, "Print comma-separated values instead of a table");
  app.add_flag("--verbose,-v", verbose, "Print each run's timings on stderr");
  bool perf_map = false;
  app.add_flag("--perf-map", perf_map,
               "Write /tmp/perf-PID.map so that perf report names the JIT's functions (one "
               "engine, no comparison)");
  app.add_option("targets", targets, "Benchmarks: .wasm files, folders, .suite files or names");
  app.footer(kFooter);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (sightglass_dir.empty()) {
    const char* env = std::getenv("WRUN_SIGHTGLASS_DIR");
    sightglass_dir = env && *env ? env : WRUN_SIGHTGLASS_DIR;
  }
  for (const std::string& s : suites) targets.push_back(sightglass_dir + "/" + s + ".suite");
  const bool comparison = engine_names.size() > 1 || !compares.empty() || !sets.empty() ||
                          !loads.empty() || !startups.empty();
  if (targets.empty() && sets.empty() && loads.empty() && startups.empty()) {
    std::fprintf(stderr, "wrun-bench: no benchmarks given (try --suite shootout)\n");
    return 2;
  }

  std::vector<wrun::bench::Target> list;
  if (comparison) {
    namespace fs = std::filesystem;
    wrun::bench::CompareSettings settings;
    settings.engines = engine_names;
    std::vector<std::string> set_names;
    for (const std::string& name : sets) {
      auto set = wrun::bench::resolve_set(name, WRUN_BENCH_SETS_DIR, sightglass_dir);
      if (!set.error.empty()) {
        std::fprintf(stderr, "wrun-bench: --set %s: %s\n", name.c_str(), set.error.c_str());
        return 2;
      }
      set_names.push_back(name + " (" + set.file + ")");
      settings.targets.insert(settings.targets.end(), set.targets.begin(), set.targets.end());
    }
    for (const std::string& s : set_names)
      settings.set_description += (settings.set_description.empty() ? "" : ", ") + s;
    for (auto& t : wrun::bench::resolve_targets(targets, sightglass_dir))
      settings.targets.push_back(std::move(t));
    auto named = [](const std::vector<std::string>& specs, const char* option,
                    std::vector<wrun::bench::NamedCommand>& into) {
      for (const std::string& spec : specs) {
        auto parsed = wrun::bench::parse_named_command(spec);
        if (auto* err = std::get_if<std::string>(&parsed)) {
          std::fprintf(stderr, "wrun-bench: %s: %s\n", option, err->c_str());
          return false;
        }
        into.push_back(std::get<wrun::bench::NamedCommand>(parsed));
      }
      return true;
    };
    if (!baseline.empty()) settings.compare.push_back({"baseline", baseline});
    if (!named(compares, "--compare", settings.compare) ||
        !named(load_compares, "--load-compare", settings.load_compare))
      return 2;
    settings.ratio_to = ratio_to;
    settings.load = wrun::bench::resolve_targets(loads, sightglass_dir);
    settings.startup = wrun::bench::resolve_targets(startups, sightglass_dir);
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) self = fs::absolute(argv[0], ec);
    settings.self_path = self.string();
#ifdef _WIN32
    settings.wrun_path = wrun_path.empty() ? (self.parent_path() / "wrun.exe").string() : wrun_path;
#else
    settings.wrun_path = wrun_path.empty() ? (self.parent_path() / "wrun").string() : wrun_path;
#endif
    settings.runs = runs;
    settings.load_runs = load_runs;
    settings.startup_runs = startup_runs;
    settings.check_output = !no_check;
    settings.verbose = verbose;
    settings.csv = csv;
    return wrun::bench::run_comparison(settings);
  }
  if (targets.empty()) {
    std::fprintf(stderr, "wrun-bench: no benchmarks given (try --suite shootout)\n");
    return 2;
  }
  const std::string engine_name = engine_names.front();
  list = wrun::bench::resolve_targets(targets, sightglass_dir);
  wrun::EngineConfig engine_config;
  if (engine_name == "interp") engine_config.executor = wrun::EngineConfig::Executor::Interpreter;
  engine_config.perf_map = perf_map;
  wrun::Engine engine(engine_config);
  wrun::bench::RunOptions options;
  options.runs = runs;
  options.check_output = !no_check;
  options.verbose = verbose;

  std::vector<Row> rows;
  int failed = 0, unsupported = 0, missing = 0, ok = 0;
  for (const auto& target : list) {
    std::fprintf(stderr, "wrun-bench: %s ...\n", target.name.c_str());
    Row row{target.name, wrun::bench::run_benchmark(engine, target.path, options), std::nullopt};
    if (!baseline.empty() && row.wrun.status == Outcome::Status::Ok)
      row.baseline = wrun::bench::run_baseline(baseline, target.path, runs);
    switch (row.wrun.status) {
      case Outcome::Status::Ok:
        ++ok;
        break;
      case Outcome::Status::Unsupported:
        ++unsupported;
        break;
      case Outcome::Status::Missing:
        ++missing;
        if (!target.from_suite) ++failed;  // named on the command line: an error
        break;
      case Outcome::Status::Failed:
        ++failed;
        break;
    }
    if (row.baseline && row.baseline->status != Outcome::Status::Ok) ++failed;
    if (row.wrun.status != Outcome::Status::Ok)
      std::fprintf(stderr, "wrun-bench: %s: %s: %s\n", target.name.c_str(),
                   wrun::bench::status_name(row.wrun.status), row.wrun.message.c_str());
    if (row.baseline && row.baseline->status != Outcome::Status::Ok)
      std::fprintf(stderr, "wrun-bench: %s: baseline: %s\n", target.name.c_str(),
                   row.baseline->message.c_str());
    rows.push_back(std::move(row));
  }

  // The table (or CSV) on stdout.
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header = {"benchmark", "status", "compile", "instantiate",
                                     "median",    "min",    "max"};
  if (!baseline.empty()) {
    for (const char* h : {"base-compile", "base-median", "base-min", "base-max", "ratio"})
      header.push_back(h);
  }
  table.push_back(header);
  for (const Row& r : rows) {
    std::vector<std::string> line = {r.name, wrun::bench::status_name(r.wrun.status)};
    auto add_stats = [&line](const Outcome& o, bool with_inst) {
      if (o.status != Outcome::Status::Ok || o.runs.empty()) {
        line.insert(line.end(), with_inst ? 5 : 4, "-");
        return;
      }
      auto measured = column(o.runs, [](const Timing& t) { return t.measured_s; });
      line.push_back(ms(median(column(o.runs, [](const Timing& t) { return t.compile_s; }))));
      if (with_inst)
        line.push_back(ms(median(column(o.runs, [](const Timing& t) { return t.instantiate_s; }))));
      line.push_back(ms(median(measured)) + (o.markers ? "" : "*"));
      line.push_back(ms(*std::min_element(measured.begin(), measured.end())));
      line.push_back(ms(*std::max_element(measured.begin(), measured.end())));
    };
    add_stats(r.wrun, true);
    if (!baseline.empty()) {
      if (r.baseline) {
        add_stats(*r.baseline, false);
        std::string ratio = "-";
        if (r.baseline->status == Outcome::Status::Ok && r.wrun.status == Outcome::Status::Ok &&
            !r.baseline->runs.empty()) {
          double b = median(column(r.baseline->runs, [](const Timing& t) { return t.measured_s; }));
          double w = median(column(r.wrun.runs, [](const Timing& t) { return t.measured_s; }));
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.2fx", b > 0 ? w / b : 0.0);
          ratio = buf;
        }
        line.push_back(ratio);
      } else {
        line.insert(line.end(), 5, "-");
      }
    }
    table.push_back(line);
  }
  if (csv) {
    for (const auto& line : table) {
      std::string s;
      for (size_t i = 0; i < line.size(); ++i) s += (i ? "," : "") + line[i];
      std::printf("%s\n", s.c_str());
    }
  } else {
    std::printf("%s", wrun::bench::format_table(table, 2).c_str());  // names left, numbers right
    std::printf(
        "\n%d ok, %d failed, %d unsupported, %d missing; %d run(s) each, engine %s; times in "
        "ms%s\n",
        ok, failed, unsupported, missing, runs, engine_name.c_str(),
        std::any_of(rows.begin(), rows.end(), [](const Row& r) { return !r.wrun.markers; })
            ? " (* = no bench.start/bench.end: all of _start)"
            : "");
  }
  return failed ? 1 : 0;
}
