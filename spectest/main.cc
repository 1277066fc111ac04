// wrun-spectest: converts each .wast script with wabt's wast2json and runs its commands.
// Exit status: 0 when every command passed or was skipped, 1 when a command failed or a
// script could not be converted or read, 2 for a usage error.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "spectest/convert.h"
#include "spectest/json.h"
#include "spectest/runner.h"
#include "spectest/values.h"
#include "wrun/wrun.h"

namespace fs = std::filesystem;
using namespace wrun::spectest;

namespace {

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Converts and runs one script; returns false when it could not be run at all.
bool run_file(wrun::Engine& engine, const Options& options, const std::string& tool,
              const std::string& wast, Counts& total) {
  std::string name = fs::path(wast).filename().string();
  std::string error;
  std::optional<TempDir> tmp = TempDir::create(error);
  if (!tmp) {
    std::printf("%s: error: %s\n", wast.c_str(), error.c_str());
    return false;
  }
  fs::path json_path = tmp->path() / (fs::path(wast).stem().string() + ".json");
  if (auto err = run_wast2json(tool, wast, json_path)) {
    std::printf("%s: error: %s\n", wast.c_str(), err->c_str());
    return false;
  }
  std::optional<std::string> text = read_text(json_path);
  if (!text) {
    std::printf("%s: error: cannot read %s\n", wast.c_str(), json_path.string().c_str());
    return false;
  }
  auto doc = wrun::json::parse(*text);
  if (auto* e = std::get_if<wrun::json::ParseError>(&doc)) {
    std::printf("%s: error: bad JSON from wast2json at line %zu: %s\n", wast.c_str(), e->line,
                e->message.c_str());
    return false;
  }
  Counts c;
  try {
    ScriptRunner runner(engine, options, wast, tmp->path());
    c = runner.run(std::get<wrun::json::Value>(doc));
  } catch (const ScriptError& e) {
    std::printf("%s: error: %s\n", wast.c_str(), e.what());
    return false;
  }
  std::printf("%s: %llu passed, %llu failed, %llu skipped\n", name.c_str(),
              static_cast<unsigned long long>(c.passed), static_cast<unsigned long long>(c.failed),
              static_cast<unsigned long long>(c.skipped));
  std::fflush(stdout);
  total += c;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs WebAssembly spec test scripts (.wast) against wrun."};
  Options options;
  std::string engine_name = "jit";
  std::string tool = "wast2json";
  std::vector<std::string> files;
  app.add_option("--engine", engine_name,
                 "Execution engine (mixed: the JIT, leaving odd-numbered functions to the "
                 "interpreter)")
      ->check(CLI::IsMember({"interp", "jit", "mixed"}))
      ->capture_default_str();
  app.add_flag("-v,--verbose", options.verbose,
               "Print each command before it runs, message notes and spectest.print output");
  app.add_flag("--list-skips", options.list_skips, "Print each skipped command and why");
  app.add_flag("--strict-messages", options.strict_messages,
               "Fail assert_invalid/assert_malformed whose error message differs");
  app.add_option("--wast2json", tool, "The wast2json program to convert scripts with")
      ->capture_default_str();
  app.add_option("files", files, "Scripts to run")->required();
  app.footer(
      "Exit status: 0 all passed, 1 a command failed or a script could not be run, 2 usage.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  wrun::EngineConfig engine_config;
  if (engine_name == "interp") engine_config.executor = wrun::EngineConfig::Executor::Interpreter;
  if (engine_name == "mixed")
    engine_config.interpret_functions = [](uint32_t func_index) { return func_index % 2 == 1; };
  wrun::Engine engine(engine_config);
  Counts total;
  size_t broken_files = 0;
  for (const std::string& f : files) {
    if (!run_file(engine, options, tool, f, total)) ++broken_files;
  }
  if (total.message_notes && !options.verbose) {
    std::printf(
        "spectest: note: %llu invalid/malformed modules were rejected with a different message "
        "(-v lists them, --strict-messages fails them)\n",
        static_cast<unsigned long long>(total.message_notes));
  }
  if (broken_files) std::printf("spectest: %zu script(s) could not be run\n", broken_files);
  std::printf("spectest: %llu passed, %llu failed, %llu skipped\n",
              static_cast<unsigned long long>(total.passed),
              static_cast<unsigned long long>(total.failed),
              static_cast<unsigned long long>(total.skipped));
  return total.failed == 0 && broken_files == 0 ? 0 : 1;
}
