#include "spectest/runner.h"

#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>

#include "spectest/host_module.h"
#include "spectest/messages.h"
#include "spectest/values.h"

namespace wrun::spectest {
namespace {

// Thrown by a command handler to fail the command with a reason.
struct Failed {
  std::string reason;
};

const std::string& str(const json::Value& c, std::string_view key) {
  const json::Value* v = c.find(key);
  if (!v || !v->is_string()) throw ScriptError("missing string \"" + std::string(key) + "\"");
  return v->text();
}

const std::string* opt_str(const json::Value& c, std::string_view key) {
  const json::Value* v = c.find(key);
  return v && v->is_string() ? &v->text() : nullptr;
}

const json::Value& member(const json::Value& c, std::string_view key) {
  const json::Value* v = c.find(key);
  if (!v) throw ScriptError("missing \"" + std::string(key) + "\"");
  return *v;
}

// Export names use every byte value; show them so that a diagnostic stays on one line.
std::string quoted(const std::string& s) { return "\"" + escape_name(s) + "\""; }

std::string trap_text(const Trap& t) {
  return t.message.empty() ? trap_kind_message(t.kind) : t.message;
}

}  // namespace

Counts& Counts::operator+=(const Counts& o) {
  passed += o.passed;
  failed += o.failed;
  skipped += o.skipped;
  message_notes += o.message_notes;
  return *this;
}

struct ScriptRunner::Outcome {
  enum Kind { Pass, Fail, Skip } kind = Pass;
  std::string detail;  // why it failed or was skipped
};

ScriptRunner::ScriptRunner(Engine& engine, const Options& options, std::string display,
                           std::filesystem::path dir)
    : engine_(engine), options_(options), display_(std::move(display)), dir_(std::move(dir)) {
  store_ = std::make_unique<Store>(engine_);
  linker_ = std::make_unique<Linker>(*store_);
  define_spectest_module(*linker_, options_.verbose);
}

ScriptRunner::~ScriptRunner() {
  // Instances and the linker point into the store: drop them first.
  current_.reset();
  named_.clear();
  linker_.reset();
  store_.reset();
}

Counts ScriptRunner::run(const json::Value& script) {
  const json::Value* commands = script.find("commands");
  if (!commands || !commands->is_array()) throw ScriptError("no \"commands\" list");
  for (const json::Value& c : commands->items()) {
    std::optional<int64_t> line;
    if (const json::Value* l = c.find("line")) line = l->as_int();
    const std::string* type_p = opt_str(c, "type");
    std::string type = type_p ? *type_p : "<untyped command>";
    if (options_.verbose) {
      std::printf("%s:%lld: %s\n", display_.c_str(), static_cast<long long>(line.value_or(0)),
                  type.c_str());
      std::fflush(stdout);  // so that the last line before a crash names the command
    }

    Outcome o;
    try {
      o = run_command(c, type);
    } catch (const Failed& f) {
      o = {Outcome::Fail, f.reason};
    } catch (const ScriptError& e) {
      o = {Outcome::Fail, std::string("bad script: ") + e.what()};
    } catch (const std::exception& e) {
      o = {Outcome::Fail, std::string("exception: ") + e.what()};
    }

    switch (o.kind) {
      case Outcome::Pass:
        ++counts_.passed;
        break;
      case Outcome::Fail:
        ++counts_.failed;
        std::printf("%s:%lld: %s: %s\n", display_.c_str(), static_cast<long long>(line.value_or(0)),
                    type.c_str(), o.detail.c_str());
        std::fflush(stdout);
        break;
      case Outcome::Skip:
        ++counts_.skipped;
        if (options_.list_skips || options_.verbose) {
          std::printf("%s:%lld: %s: skipped: %s\n", display_.c_str(),
                      static_cast<long long>(line.value_or(0)), type.c_str(), o.detail.c_str());
        }
        break;
    }
  }
  return counts_;
}

ScriptRunner::Outcome ScriptRunner::run_command(const json::Value& c, const std::string& type) {
  // Modules given in the text format need a text parser, which wrun does not have: the one
  // kind of command we skip.
  if (const std::string* mt = opt_str(c, "module_type"); mt && *mt == "text") {
    return {Outcome::Skip, "text-format module"};
  }
  if (type == "module") return do_module(c);
  if (type == "register") return do_register(c);
  if (type == "action") return do_action(c);
  if (type == "assert_return") return do_assert_return(c);
  if (type == "assert_trap") return do_assert_trap(c, false);
  if (type == "assert_exhaustion") return do_assert_trap(c, true);
  if (type == "assert_invalid" || type == "assert_malformed") return do_assert_rejected(c, type);
  if (type == "assert_unlinkable") return do_assert_instantiate_fails(c, true);
  if (type == "assert_uninstantiable") return do_assert_instantiate_fails(c, false);
  return {Outcome::Fail, "unsupported command type"};
}

std::vector<uint8_t> ScriptRunner::module_bytes(const json::Value& c) const {
  std::filesystem::path p = dir_ / str(c, "filename");
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ScriptError("cannot read module file " + p.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

Module ScriptRunner::compile_or_fail(const json::Value& c) {
  std::vector<uint8_t> bytes = module_bytes(c);
  Result<Module> m = Module::compile(engine_, bytes);
  if (!m) throw Failed{"module failed to compile: " + m.error()};
  modules_.push_back(*m);
  return *m;
}

ScriptRunner::Outcome ScriptRunner::do_module(const json::Value& c) {
  const std::string* name = opt_str(c, "name");
  // Whatever happens, later commands must not silently run against an older module.
  current_.reset();
  if (name) named_.erase(*name);

  Module m = compile_or_fail(c);
  auto r = linker_->instantiate(m);
  if (auto* err = std::get_if<InstantiateError>(&r)) {
    std::string stage = err->stage == InstantiateError::Stage::Link ? "link" : "trap";
    std::string msg = err->trap ? trap_text(*err->trap) : err->message;
    return {Outcome::Fail, "instantiation failed (" + stage + "): " + msg};
  }
  current_ = std::get<Instance>(r);
  if (name) named_.insert_or_assign(*name, *current_);
  return {};
}

ScriptRunner::Outcome ScriptRunner::do_register(const json::Value& c) {
  const std::string& as = str(c, "as");
  std::optional<Instance> inst = current_;
  if (const std::string* name = opt_str(c, "name")) {
    auto it = named_.find(*name);
    inst = it == named_.end() ? std::nullopt : std::optional<Instance>(it->second);
    if (!inst) return {Outcome::Fail, "no module named " + *name};
  }
  if (!inst) return {Outcome::Fail, "no module to register"};
  linker_->define_instance(as, *inst);
  return {};
}

Instance ScriptRunner::target(const json::Value& action) const {
  if (const std::string* name = opt_str(action, "module")) {
    auto it = named_.find(*name);
    if (it == named_.end()) throw Failed{"no module named " + *name};
    return it->second;
  }
  if (!current_) throw Failed{"no current module (the last module command failed or none ran)"};
  return *current_;
}

std::string ScriptRunner::describe(const json::Value& action) const {
  std::string s = str(action, "type");
  if (const std::string* name = opt_str(action, "module")) s += " " + *name;
  s += " " + quoted(str(action, "field"));
  if (const json::Value* args = action.find("args"); args && args->is_array()) {
    std::vector<Val> vals;
    for (const json::Value& a : args->items()) vals.push_back(parse_arg(a));
    s += to_string(vals);
  }
  return s;
}

ScriptRunner::ActionResult ScriptRunner::perform(const json::Value& action) {
  const std::string& kind = str(action, "type");
  const std::string& field = str(action, "field");
  Instance inst = target(action);

  if (kind == "get") {
    std::optional<Global> g = inst.get_global(field);
    if (!g) throw Failed{"no global export " + quoted(field)};
    return std::vector<Val>{g->get()};
  }
  if (kind != "invoke") throw ScriptError("unknown action type \"" + kind + "\"");

  std::optional<Func> f = inst.get_func(field);
  if (!f) throw Failed{"no function export " + quoted(field)};
  std::vector<Val> args;
  if (const json::Value* list = action.find("args")) {
    if (!list->is_array()) throw ScriptError("\"args\" is not a list");
    for (const json::Value& a : list->items()) args.push_back(parse_arg(a));
  }
  // Check here so that a script/module mismatch reads as such, not as an engine failure.
  const FuncType& type = f->type();
  bool same = args.size() == type.params.size();
  for (size_t i = 0; same && i < args.size(); ++i) same = args[i].type() == type.params[i];
  if (!same) {
    throw Failed{"arguments " + to_string(args) + " do not fit " + func_type_to_string(type)};
  }
  return f->call(*store_, args);
}

ScriptRunner::Outcome ScriptRunner::do_action(const json::Value& c) {
  const json::Value& action = member(c, "action");
  ActionResult r = perform(action);
  if (auto* trap = std::get_if<Trap>(&r)) {
    return {Outcome::Fail, describe(action) + ": unexpected trap: " + trap_text(*trap)};
  }
  return {};
}

ScriptRunner::Outcome ScriptRunner::do_assert_return(const json::Value& c) {
  const json::Value& action = member(c, "action");
  std::vector<Expected> expected;
  const json::Value& list = member(c, "expected");
  if (!list.is_array()) throw ScriptError("\"expected\" is not a list");
  for (const json::Value& e : list.items()) expected.push_back(parse_expected(e));

  ActionResult r = perform(action);
  if (auto* trap = std::get_if<Trap>(&r)) {
    return {Outcome::Fail, describe(action) + ": expected " + to_string(expected) +
                               ", got trap: " + trap_text(*trap)};
  }
  const std::vector<Val>& got = std::get<std::vector<Val>>(r);
  bool ok = got.size() == expected.size();
  for (size_t i = 0; ok && i < got.size(); ++i) ok = matches(expected[i], got[i]);
  if (ok) return {};
  return {Outcome::Fail, describe(action) + ": expected " + to_string(expected) + ", got " +
                             to_string(got, &expected)};
}

ScriptRunner::Outcome ScriptRunner::do_assert_trap(const json::Value& c, bool exhaustion) {
  const json::Value& action = member(c, "action");
  const std::string& text = str(c, "text");
  ActionResult r = perform(action);
  if (auto* got = std::get_if<std::vector<Val>>(&r)) {
    return {Outcome::Fail,
            describe(action) + ": expected trap \"" + text + "\", got " + to_string(*got)};
  }
  const Trap& trap = std::get<Trap>(r);
  std::string msg = trap_text(trap);
  if (exhaustion && trap.kind != TrapKind::StackExhausted) {
    return {Outcome::Fail, describe(action) + ": expected call stack exhaustion, got trap: " + msg};
  }
  if (!message_matches(msg, text)) {
    return {Outcome::Fail,
            describe(action) + ": expected trap \"" + text + "\", got trap \"" + msg + "\""};
  }
  return {};
}

ScriptRunner::Outcome ScriptRunner::do_assert_rejected(const json::Value& c,
                                                       const std::string& type) {
  const std::string& text = str(c, "text");
  std::vector<uint8_t> bytes = module_bytes(c);
  Result<Module> m = Module::compile(engine_, bytes);
  if (m) return {Outcome::Fail, "module compiled, expected it to fail with \"" + text + "\""};
  if (message_matches(m.error(), text)) return {};
  std::string diff = "expected \"" + text + "\", got \"" + m.error() + "\"";
  if (options_.strict_messages) return {Outcome::Fail, "rejected with another message: " + diff};
  ++counts_.message_notes;
  int64_t line = c.find("line") ? c.find("line")->as_int().value_or(0) : 0;
  note(line, type, "rejected with another message: " + diff);
  return {};
}

ScriptRunner::Outcome ScriptRunner::do_assert_instantiate_fails(const json::Value& c,
                                                                bool link_stage) {
  const std::string& text = str(c, "text");
  Module m = compile_or_fail(c);
  auto r = linker_->instantiate(m);
  if (std::holds_alternative<Instance>(r)) {
    return {Outcome::Fail, "module instantiated, expected it to fail with \"" + text + "\""};
  }
  const InstantiateError& err = std::get<InstantiateError>(r);
  InstantiateError::Stage want =
      link_stage ? InstantiateError::Stage::Link : InstantiateError::Stage::Trap;
  std::string msg = err.trap ? trap_text(*err.trap) : err.message;
  if (err.stage != want) {
    return {Outcome::Fail, std::string("expected a ") + (link_stage ? "link error" : "trap") +
                               " \"" + text + "\", got a " + (link_stage ? "trap" : "link error") +
                               " \"" + msg + "\""};
  }
  if (!message_matches(msg, text) && !message_matches(err.message, text)) {
    return {Outcome::Fail, "expected \"" + text + "\", got \"" + msg + "\""};
  }
  return {};
}

void ScriptRunner::note(int64_t line, const std::string& type, const std::string& text) {
  if (!options_.verbose) return;
  std::printf("%s:%lld: %s: note: %s\n", display_.c_str(), static_cast<long long>(line),
              type.c_str(), text.c_str());
}

}  // namespace wrun::spectest
