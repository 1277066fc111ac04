// Runs one converted .wast script: every command in order against one Store, counting each
// exactly once as passed, failed or skipped, and printing a line for each failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "spectest/json.h"
#include "wrun/wrun.h"

namespace wrun::spectest {

struct Counts {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  uint64_t message_notes = 0;  // invalid/malformed modules rejected with a different message
  Counts& operator+=(const Counts& o);
};

struct Options {
  bool verbose = false;     // print each command before running it, and spectest.print output
  bool list_skips = false;  // print each skipped command with its reason
  // Count an assert_invalid/assert_malformed whose module is rejected with a different message
  // as a failure (by default it passes with a note, shown with --verbose).
  bool strict_messages = false;
};

class ScriptRunner {
 public:
  // `display` names the script in diagnostics; `dir` holds the module files it refers to.
  ScriptRunner(Engine& engine, const Options& options, std::string display,
               std::filesystem::path dir);
  ~ScriptRunner();

  // Runs the commands of wast2json's output. Throws ScriptError when the document as a whole
  // is not a command list.
  Counts run(const json::Value& script);

 private:
  struct Outcome;
  using ActionResult = std::variant<std::vector<Val>, Trap>;

  Outcome run_command(const json::Value& c, const std::string& type);
  Outcome do_module(const json::Value& c);
  Outcome do_register(const json::Value& c);
  Outcome do_action(const json::Value& c);
  Outcome do_assert_return(const json::Value& c);
  Outcome do_assert_trap(const json::Value& c, bool exhaustion);
  Outcome do_assert_rejected(const json::Value& c, const std::string& type);
  Outcome do_assert_instantiate_fails(const json::Value& c, bool link_stage);

  std::vector<uint8_t> module_bytes(const json::Value& c) const;
  // Compiles a module file; failures throw (and so count as a failed command).
  Module compile_or_fail(const json::Value& c);
  Instance target(const json::Value& action) const;
  ActionResult perform(const json::Value& action);
  std::string describe(const json::Value& action) const;
  void note(int64_t line, const std::string& type, const std::string& text);

  Engine& engine_;
  Options options_;
  std::string display_;
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Linker> linker_;
  std::vector<Module> modules_;  // kept alive as long as the store that instantiated them
  std::optional<Instance> current_;
  std::map<std::string, Instance> named_;
  Counts counts_;
};

}  // namespace wrun::spectest
