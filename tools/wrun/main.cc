// wrun: runs a WebAssembly module from the command line. For now: no imports, one call.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/wrun/value_text.h"
#include "wrun/wrun.h"

namespace {

// Exit statuses, also listed in --help.
enum Exit : int {
  kOk = 0,
  kTrap = 1,        // the module trapped (in its start function or the invoked function)
  kUsage = 2,       // bad command line: options, export name, arguments
  kUnreadable = 3,  // the module file cannot be read
  kInvalid = 4,     // the module is malformed or invalid
  kLink = 5,        // the module's imports cannot be satisfied
};

constexpr const char* kExitHelp =
    "Exit status:\n"
    "  0  success\n"
    "  1  the module trapped\n"
    "  2  usage error (options, unknown export, bad arguments)\n"
    "  3  the module file cannot be read\n"
    "  4  the module is malformed or invalid\n"
    "  5  link error (imports are not supported yet)\n";

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "wrun: %s\n", message.c_str());
  return code;
}

void print_trap(const wrun::Trap& trap) {
  std::string msg = trap.message.empty() ? wrun::trap_kind_message(trap.kind) : trap.message;
  std::fprintf(stderr, "wrun: trap: %s\n", msg.c_str());
  for (const wrun::Frame& f : trap.backtrace) {
    std::string name =
        f.func_name.empty() ? "func[" + std::to_string(f.func_index) + "]" : f.func_name;
    std::fprintf(stderr, "  at %s (func %u, offset 0x%x)\n", name.c_str(), f.func_index,
                 f.code_offset);
  }
}

int trap_exit(const wrun::Trap& trap) {
  if (trap.kind == wrun::TrapKind::Exit) return trap.exit_code;  // a host asked to exit
  print_trap(trap);
  return kTrap;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wrun: runs a WebAssembly module."};
  std::string invoke, engine_name = "interp", path;
  std::vector<std::string> args;
  app.set_version_flag("--version", std::string("wrun ") + WRUN_VERSION);
  app.add_option("--invoke", invoke,
                 "Exported function to call (default: _start when the module exports it)");
  app.add_option("--engine", engine_name, "Execution engine")
      ->check(CLI::IsMember({"interp"}))
      ->capture_default_str();
  app.add_option("module", path, "The .wasm file")->required();
  app.add_option("args", args, "Arguments for the function, one per parameter");
  // Options come before the module; everything after it belongs to the function (so that
  // negative numbers and later the program's own flags pass through).
  app.positionals_at_end();
  app.footer(kExitHelp);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }

  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(kUnreadable, "cannot read " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (in.bad()) return fail(kUnreadable, "cannot read " + path);

  wrun::Engine engine;
  auto module = wrun::Module::compile(engine, bytes);
  if (!module) return fail(kInvalid, path + ": " + module.error());

  // Host imports (WASI first) come with the full CLI; name the first one we cannot give.
  if (std::vector<wrun::ImportDesc> imports = module->imports(); !imports.empty()) {
    const wrun::ImportDesc& imp = imports.front();
    return fail(kLink, path + ": unknown import \"" + imp.module + "\" \"" + imp.name + "\" (" +
                           wrun::extern_kind_name(imp.kind) +
                           "): wrun does not provide imports yet");
  }

  wrun::Store store(engine);
  wrun::Linker linker(store);
  auto inst = linker.instantiate(*module);
  if (auto* err = std::get_if<wrun::InstantiateError>(&inst)) {
    if (err->stage == wrun::InstantiateError::Stage::Trap && err->trap)
      return trap_exit(*err->trap);
    return fail(err->stage == wrun::InstantiateError::Stage::Link ? kLink : kTrap,
                path + ": " + err->message);
  }
  wrun::Instance instance = std::get<wrun::Instance>(inst);

  std::string name = invoke;
  if (name.empty()) {
    if (!instance.get_func("_start")) {
      if (!args.empty()) return fail(kUsage, "arguments given but nothing to call (use --invoke)");
      return kOk;  // instantiating (and running the start function) was the whole job
    }
    name = "_start";
  }
  std::optional<wrun::Func> func = instance.get_func(name);
  if (!func) return fail(kUsage, path + " exports no function named \"" + name + "\"");

  const wrun::FuncType& type = func->type();
  if (args.size() != type.params.size()) {
    return fail(kUsage, name + " " + wrun::func_type_to_string(type) + " takes " +
                            std::to_string(type.params.size()) + " argument(s), got " +
                            std::to_string(args.size()));
  }
  std::vector<wrun::Val> vals;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    std::optional<wrun::Val> v = wrun::cli::parse_value(args[i], type.params[i], error);
    if (!v) return fail(kUsage, "argument " + std::to_string(i + 1) + ": " + error);
    vals.push_back(*v);
  }

  auto result = func->call(store, vals);
  if (auto* trap = std::get_if<wrun::Trap>(&result)) return trap_exit(*trap);
  for (const wrun::Val& v : std::get<std::vector<wrun::Val>>(result)) {
    std::printf("%s\n", wrun::cli::format_value(v).c_str());
  }
  return kOk;
}
