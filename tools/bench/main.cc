// wrun-bench: runs Sightglass-style benchmarks on wrun and prints their timings as a table.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/bench/runner.h"
#include "tools/bench/targets.h"
#include "wrun/wrun.h"

namespace {

using wrun::bench::Outcome;
using wrun::bench::Timing;

constexpr const char* kFooter =
    "Targets: a .wasm file, a folder (every *.wasm in it), a .suite file, or a name looked up\n"
    "in the Sightglass folder (a folder such as shootout, or a group such as default for\n"
    "default.suite). Each benchmark runs with its own folder as the current directory,\n"
    "preopened as \".\", with bench.start/bench.end recording the measured interval.\n"
    "\n"
    "Columns: compile and instantiate are medians; median/min/max are the bench.start ->\n"
    "bench.end interval over the runs; all in milliseconds. With --baseline, the same for\n"
    "the baseline command and the ratio wrun/baseline of the medians.\n"
    "\n"
    "Exit status: 0 when every benchmark ran and printed what it should (unsupported ones,\n"
    "e.g. components or GC, and suite entries missing from the corpus are reported, not\n"
    "failed); 1 when any failed; 2 for a bad command line.\n";

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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
  int runs = 3;
  std::string engine_name = "interp", sightglass_dir, baseline;
  std::vector<std::string> suites, targets;
  bool no_check = false, verbose = false, csv = false;
  app.set_version_flag("--version", std::string("wrun-bench ") + WRUN_VERSION);
  app.add_option("--runs,-n", runs, "Runs per benchmark")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--engine", engine_name, "Execution engine")
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
  app.add_flag("--no-check", no_check, "Do not compare output with *.stdout/stderr.expected");
  app.add_flag("--csv", csv, "Print comma-separated values instead of a table");
  app.add_flag("--verbose,-v", verbose, "Print each run's timings on stderr");
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
  if (targets.empty()) {
    std::fprintf(stderr, "wrun-bench: no benchmarks given (try --suite shootout)\n");
    return 2;
  }

  std::vector<wrun::bench::Target> list = wrun::bench::resolve_targets(targets, sightglass_dir);
  wrun::EngineConfig engine_config;
  if (engine_name == "jit") engine_config.executor = wrun::EngineConfig::Executor::Jit;
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
    std::vector<size_t> width(header.size(), 0);
    for (const auto& line : table)
      for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
    for (const auto& line : table) {
      std::string s;
      for (size_t i = 0; i < line.size(); ++i) {
        std::string cell = line[i];
        std::string pad(width[i] - cell.size(), ' ');
        s += i < 2 ? cell + pad : pad + cell;  // names left, numbers right
        if (i + 1 < line.size()) s += "  ";
      }
      std::printf("%s\n", s.c_str());
    }
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
