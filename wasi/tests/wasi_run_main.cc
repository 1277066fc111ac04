// wrun-wasi-run: runs a WASI command module with the embedding API and wasi/, so the WASI
// tests do not depend on the wrun CLI.
//
//   wrun-wasi-run [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env K=V]...
//                 MODULE [ARGS...]
//
// The guest sees only the given environment. bench.start and bench.end (Sightglass) are
// defined as no-ops. Exit status: the guest's proc_exit code, 0 when _start returns,
// 134 on a trap (as Wasmtime), 1 when the module cannot be read, compiled or instantiated,
// 2 for bad usage.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasi/wasi.h"
#include "wrun/wrun.h"

namespace {

int usage(const char* why) {
  std::fprintf(stderr,
               "wrun-wasi-run: %s\n"
               "usage: wrun-wasi-run [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... "
               "[--env K=V]... MODULE [ARGS...]\n",
               why);
  return 2;
}

wrun::wasi::Preopen parse_dir(const std::string& spec, bool read_only) {
  wrun::wasi::Preopen p;
  auto sep = spec.find("::");
  p.host_path = sep == std::string::npos ? spec : spec.substr(0, sep);
  p.guest_path = sep == std::string::npos ? spec : spec.substr(sep + 2);
  p.read_only = read_only;
  return p;
}

// A component (the component-model binary layer) has version 0x0d and layer 1.
bool is_component(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 8 && bytes[0] == 0 && bytes[1] == 'a' && bytes[2] == 's' &&
         bytes[3] == 'm' && bytes[6] == 1 && bytes[7] == 0 && bytes[4] != 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed output pipe is an EPIPE for the guest
  wrun::wasi::Config config;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* opt) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)opt;
      return argv[++i];
    };
    if (a == "--dir" || a == "--dir-ro") {
      const char* v = value(a.c_str());
      if (!v) return usage("--dir needs HOST[::GUEST]");
      config.preopens.push_back(parse_dir(v, a == "--dir-ro"));
    } else if (a == "--env") {
      const char* v = value("--env");
      if (!v) return usage("--env needs K=V");
      std::string kv = v;
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) return usage("--env needs K=V");
      config.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (a == "--") {
      ++i;
      break;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage(("unknown option " + a).c_str());
    } else {
      break;
    }
  }
  if (i >= argc) return usage("a module is required");
  const std::string path = argv[i];
  for (; i < argc; ++i) config.args.push_back(argv[i]);

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wrun-wasi-run: cannot read %s\n", path.c_str());
    return 1;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (is_component(bytes)) {
    std::fprintf(stderr,
                 "wrun-wasi-run: %s is a WebAssembly component, not a core module; "
                 "components are not supported\n",
                 path.c_str());
    return 1;
  }

  wrun::Engine engine;
  auto module = wrun::Module::compile(engine, bytes);
  if (!module) {
    std::fprintf(stderr, "wrun-wasi-run: cannot compile %s: %s\n", path.c_str(),
                 module.error().c_str());
    return 1;
  }
  auto ctx = wrun::wasi::Context::create(config);
  if (!ctx) {
    std::fprintf(stderr, "wrun-wasi-run: %s\n", ctx.error().c_str());
    return 1;
  }

  wrun::Store store(engine);
  wrun::Linker linker(store);
  wrun::wasi::define_imports(linker, **ctx);
  auto noop = [](wrun::Caller&, std::span<const wrun::Val>, std::span<wrun::Val>) {
    return std::optional<wrun::Trap>();
  };
  linker.define("bench", "start", wrun::Func::host(store, wrun::FuncType{}, noop));
  linker.define("bench", "end", wrun::Func::host(store, wrun::FuncType{}, noop));

  auto inst = linker.instantiate(*module);
  if (auto* err = std::get_if<wrun::InstantiateError>(&inst)) {
    if (err->trap && err->trap->kind == wrun::TrapKind::Exit) return err->trap->exit_code;
    std::fprintf(stderr, "wrun-wasi-run: cannot instantiate %s: %s\n", path.c_str(),
                 err->trap ? err->trap->message.c_str() : err->message.c_str());
    return err->trap ? 134 : 1;
  }
  auto& instance = std::get<wrun::Instance>(inst);
  auto start = instance.get_func("_start");
  if (!start) {
    std::fprintf(stderr, "wrun-wasi-run: %s exports no _start function\n", path.c_str());
    return 1;
  }
  auto result = start->call(store, {});
  if (auto* trap = std::get_if<wrun::Trap>(&result)) {
    if (trap->kind == wrun::TrapKind::Exit) return trap->exit_code;
    std::fprintf(stderr, "wrun-wasi-run: trap: %s\n", trap->message.c_str());
    for (const auto& f : trap->backtrace) {
      std::fprintf(stderr, "  at %s (func %u, offset 0x%x)\n",
                   f.func_name.empty() ? "<unnamed>" : wrun::escape_name(f.func_name).c_str(),
                   f.func_index, f.code_offset);
    }
    return 134;
  }
  return 0;
}
