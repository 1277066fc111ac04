// Runs one Sightglass-style benchmark: compile, instantiate with WASI (its folder as the
// current directory, preopened as ".") and bench.start/bench.end, run _start, and check its
// output against <name>.stdout.expected / <name>.stderr.expected when they exist.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wrun/wrun.h"

namespace wrun::bench {

struct Timing {
  double compile_s = 0;      // decode + validate + lower
  double instantiate_s = 0;  // linking, segments, start function
  double measured_s = 0;     // bench.start -> bench.end (summed when called several times)
  double total_s = 0;        // compile + instantiate + _start
};

struct Outcome {
  enum class Status { Ok, Failed, Unsupported, Missing } status = Status::Ok;
  std::string message;  // why it failed or is unsupported (may span lines)
  std::vector<Timing> runs;
  bool markers = true;  // bench.start/bench.end were called (else measured = all of _start)
  std::string version;  // what a baseline command said it is ("version=..."), if anything
};

const char* status_name(Outcome::Status s);

struct RunOptions {
  int runs = 3;
  bool check_output = true;
  bool verbose = false;    // print each run's guest output path and timings to stderr
  bool load_only = false;  // compile and instantiate only: no _start, no output to check
};

Outcome run_benchmark(Engine& engine, const std::string& wasm_path, const RunOptions& options);

// --baseline and --compare: runs `command WASM` in the benchmark's folder `runs` times; the
// command prints "start-end-ns=N" (and optionally "compile-ns=N", "instantiate-ns=N",
// "version=TEXT") on its stdout. With load_only (--load-compare) it must print "compile-ns=N"
// instead of "start-end-ns=N".
Outcome run_baseline(const std::string& command, const std::string& wasm_path, int runs,
                     bool load_only = false);

// --startup: runs `command` (a shell command) in `dir` once, output discarded, and returns
// its whole time from before the shell starts to after it exits, in Timing::total_s.
Outcome run_process(const std::string& command, const std::string& dir);
// --startup of wrun itself: runs argv[0] with argv in `dir` without a shell (posix_spawn;
// elsewhere through run_process), output discarded, and returns the time from before the
// process is created to after it exits.
Outcome run_program(const std::vector<std::string>& argv, const std::string& dir);

// The shell spelling of `s` as one word.
std::string shell_quote(const std::string& s);

}  // namespace wrun::bench
