// wrun: runs a WebAssembly module from the command line, with WASI preview1.
#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tools/common/module_file.h"
#include "tools/common/trap_text.h"
#include "tools/wrun/options.h"
#include "tools/wrun/value_text.h"
#include "wasi/wasi.h"
#include "wrun/wrun.h"

namespace {

// Exit statuses, also listed in --help. A guest's proc_exit status is passed through as is,
// so a guest can also exit with one of these numbers.
enum Exit : int {
  kOk = 0,
  kTrap = 1,        // the module trapped (start function, _start or the invoked function)
  kUsage = 2,       // bad command line: options, export name, arguments, a --dir that won't open
  kUnreadable = 3,  // a module file cannot be read
  kInvalid = 4,     // a module is not wasm, malformed, invalid, or uses unsupported features
  kLink = 5,        // a module's imports cannot be satisfied (or its memory is over the limit)
};

constexpr const char* kFooter =
    "Options go before MODULE; everything after it goes to the guest: its argv is MODULE\n"
    "then ARGS. The guest sees no host environment variable and no host directory unless\n"
    "given with --env or --dir. --dir HOST::GUEST:ro and --dir-ro HOST[::GUEST] preopen\n"
    "read-only; --dir=. preopens the current directory as \".\". --preload NAME=FILE\n"
    "modules may import WASI and earlier preloads; a _initialize export is called first.\n"
    "\n"
    "--invoke NAME calls an export instead of _start, with ARGS as its arguments.\n"
    "Values: i32/i64 in decimal or 0x-hex, f32/f64 in decimal, nan, inf, -inf;\n"
    "v128 as 0x + up to 32 hex digits read as one 128-bit little-endian number (printed as\n"
    "0x + 32 digits, byte 15 first); funcref as null or an exported function's name (printed\n"
    "as func:NAME); externref as null or an integer (printed as extern:N). Each result is\n"
    "printed on its own line.\n"
    "\n"
    "Exit status:\n"
    "  N  the guest called proc_exit(N) (0 when _start returns normally)\n"
    "  0  success (--invoke: the function returned)\n"
    "  1  the module trapped (message and backtrace on stderr); also --fuel and --timeout\n"
    "  2  usage error (options, unknown export, bad arguments, a --dir that cannot be opened)\n"
    "  3  a module file cannot be read\n"
    "  4  a module is not WebAssembly, malformed, invalid or uses unsupported features\n"
    "     (components, GC, ...)\n"
    "  5  link error: an import cannot be satisfied, or a memory exceeds --max-memory\n";

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "wrun: %s\n", message.c_str());
  return code;
}

int load_failure_exit(const wrun::tools::LoadFailure& f) {
  return f.kind == wrun::tools::LoadFailure::Kind::Unreadable ? kUnreadable : kInvalid;
}

// --emit-asm[=FUNC]: the listing on stdout instead of a run.
int print_listing(wrun::Engine& engine, const std::string& path, const std::string& func) {
  auto loaded = wrun::tools::load_module(engine, path);
  if (auto* f = std::get_if<wrun::tools::LoadFailure>(&loaded))
    return fail(load_failure_exit(*f), f->message);
  const wrun::Module& module = std::get<wrun::tools::LoadedModule>(loaded).module;
  wrun::Result<std::string> text = module.listing(func);
  if (!text) return fail(kUsage, "--emit-asm: " + text.error());
  std::fwrite(text.value().data(), 1, text.value().size(), stdout);
  return kOk;
}

// Calls Store::interrupt() once `timeout` has passed unless cancelled first. Wasm code stops at
// its next check. Compiling a module cannot be interrupted, nor can a guest blocked inside a
// host call (a read from a terminal, a long sleep in poll_oneoff): the process exits with the
// trap status, saying which, when the time is up during a compilation (or one starts before
// the guest has stopped), or when the guest has not stopped a second later.
class Watchdog {
 public:
  Watchdog(wrun::Store& store, std::chrono::nanoseconds timeout, std::string timeout_text)
      : thread_([this, &store, timeout, timeout_text] {
          std::unique_lock lock(mu_);
          if (cv_.wait_for(lock, timeout, [this] { return done_; })) return;
          fired_ = true;
          if (!compiling_) {
            store.interrupt();
            cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_ || compiling_; });
            if (done_) return;
          }
          if (compiling_) {
            std::fprintf(stderr, "wrun: the --timeout of %s elapsed while compiling %s; exiting\n",
                         timeout_text.c_str(), compiling_path_.c_str());
          } else {
            std::fprintf(stderr,
                         "wrun: the --timeout of %s elapsed and the module is blocked in a host "
                         "call; exiting\n",
                         timeout_text.c_str());
          }
          std::fflush(nullptr);
          std::_Exit(kTrap);
        }) {}
  ~Watchdog() { cancel(); }
  // Around compiling (and reading) a module, which no interrupt stops.
  void begin_compiling(const std::string& path) {
    {
      std::lock_guard lock(mu_);
      compiling_ = true;
      compiling_path_ = path;
    }
    cv_.notify_all();
  }
  void end_compiling() {
    std::lock_guard lock(mu_);
    compiling_ = false;
  }
  void cancel() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  bool compiling_ = false;
  std::string compiling_path_;
  std::thread thread_;
};

struct Limits {
  std::string timeout_text;
  std::string max_memory_text;
  Watchdog* watchdog = nullptr;  // owned by main, declared after the store it interrupts
};

int trap_exit(const wrun::Trap& trap, Limits& limits) {
  if (trap.kind == wrun::TrapKind::Exit) return trap.exit_code;  // proc_exit
  wrun::tools::print_trap(stderr, trap);
  if (trap.kind == wrun::TrapKind::Interrupted && limits.watchdog && limits.watchdog->fired())
    std::fprintf(stderr, "wrun: the --timeout of %s elapsed\n", limits.timeout_text.c_str());
  if (trap.kind == wrun::TrapKind::OutOfFuel)
    std::fprintf(stderr, "wrun: the --fuel budget was used up\n");
  return kTrap;
}

// A hint for the first import nothing defines, when its module name says what was meant.
std::string import_hint(const wrun::Module& module, const wrun::Linker& linker) {
  for (const wrun::ImportDesc& imp : module.imports()) {
    if (linker.find(imp.module, imp.name)) continue;
    if (imp.module == "bench")
      return " (bench.start/bench.end are defined by wrun-bench, which runs Sightglass benchmarks)";
    if (imp.module == "wasi_snapshot_preview1")
      return " (a WASI preview1 function wrun does not provide)";
    if (imp.module.starts_with("wasi"))
      return " (only WASI preview1, wasi_snapshot_preview1, is provided)";
    return " (neither WASI nor a --preload module defines it)";
  }
  return {};
}

// Instantiation failures: a trap in a start function or segment initialisation, or a link
// error (which names the import).
int instantiate_failure(const std::string& path, const wrun::InstantiateError& err, Limits& limits,
                        const wrun::Module& module, const wrun::Linker& linker) {
  if (err.stage == wrun::InstantiateError::Stage::Trap && err.trap)
    return trap_exit(*err.trap, limits);
  std::string hint;
  if (err.message.starts_with("unknown import")) hint = import_hint(module, linker);
  if (!limits.max_memory_text.empty() && err.message.find("memory") != std::string::npos)
    hint = " (--max-memory " + limits.max_memory_text + ")";
  return fail(err.stage == wrun::InstantiateError::Stage::Link ? kLink : kTrap,
              path + ": " + err.message + hint);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef SIGPIPE
  // A closed output pipe (`wrun app.wasm | head`) is an EPIPE for the guest to handle, as for
  // a native program that ignores SIGPIPE, not a signal that kills the runtime mid-call.
  std::signal(SIGPIPE, SIG_IGN);
#endif
#ifdef SIGXFSZ
  // Likewise a write past the host's file size limit (RLIMIT_FSIZE) fails with EFBIG for the
  // guest instead of killing the runtime.
  std::signal(SIGXFSZ, SIG_IGN);
#endif
  CLI::App app{"wrun: runs a WebAssembly module (WASI preview1 available to it)."};
  std::string invoke, engine_name = "jit", path, fuel_text, timeout_text, max_memory_text;
  std::vector<std::string> args, dirs, dirs_ro, envs, preloads;
  app.set_version_flag("--version", std::string("wrun ") + WRUN_VERSION);
  app.add_option("--invoke", invoke, "Call this export with ARGS instead of _start")
      ->type_name("NAME");
  CLI::Option* dir_opt =
      app.add_option("--dir", dirs,
                     "Preopen directory HOST as GUEST (default HOST); :ro = read-only")
          ->type_name("HOST[::GUEST][:ro]")
          ->allow_extra_args(false);
  CLI::Option* dir_ro_opt = app.add_option("--dir-ro", dirs_ro, "Preopen read-only")
                                ->type_name("HOST[::GUEST]")
                                ->allow_extra_args(false);
  app.add_option("--env", envs, "Set a guest variable; NAME alone passes the host's value")
      ->type_name("NAME[=VALUE]")
      ->allow_extra_args(false);
  app.add_option("--preload", preloads, "Instantiate FILE first; its exports become module NAME")
      ->type_name("NAME=FILE")
      ->allow_extra_args(false);
  app.add_option("--engine", engine_name,
                 "Execution engine (jit: machine code; functions it cannot compile yet are "
                 "interpreted)")
      ->check(CLI::IsMember({"interp", "jit"}))
      ->capture_default_str();
  app.add_option("--fuel", fuel_text,
                 "Trap once N units of fuel are used (one per call or loop iteration, one per "
                 "64 bytes a bulk memory or table operation writes, one per 64 locals a call "
                 "zeroes)")
      ->type_name("N");
  app.add_option("--timeout", timeout_text, "Interrupt the module after 500ms, 2s, 1m, ...")
      ->type_name("DURATION");
  app.add_option("--max-memory", max_memory_text, "Limit each linear memory (e.g. 64K, 16M, 1G)")
      ->type_name("BYTES");
  // A flag that takes a value only as --emit-asm=FUNC, so `--emit-asm module.wasm` still
  // reads the module.
  std::optional<std::string> emit_asm;
  app.add_flag("--emit-asm{}", emit_asm,
               "Print the JIT's machine code for every function (or only FUNC: an index, an "
               "export or a name-section name) with the wasm offsets it comes from, instead of "
               "running the module")
      ->type_name("[=FUNC]");
  bool perf_map = false;
  app.add_flag("--perf-map", perf_map,
               "Write /tmp/perf-PID.map so that perf report names the JIT's functions");
  app.add_option("module", path, "The .wasm file")->required()->type_name("MODULE.wasm");
  app.add_option("args", args, "The guest's arguments (--invoke: the function's)")
      ->type_name("ARGS");
  // Options come before the module; everything after it belongs to the guest (so that its own
  // flags and negative numbers pass through untouched).
  app.positionals_at_end();
  app.footer(kFooter);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }

  // Limits.
  Limits limits;
  std::optional<uint64_t> fuel, timeout_ns, max_memory;
  if (!fuel_text.empty()) {
    std::string error;
    auto v = wrun::cli::parse_value(fuel_text, wrun::ValType::I64, error);
    if (!v || fuel_text.starts_with("-"))
      return fail(kUsage, "--fuel " + fuel_text + ": expected a non-negative integer");
    fuel = static_cast<uint64_t>(v->i64());
  }
  if (!timeout_text.empty()) {
    timeout_ns = wrun::cli::parse_duration_ns(timeout_text);
    if (!timeout_ns)
      return fail(kUsage,
                  "--timeout " + timeout_text + ": expected a duration such as 500ms, 2s, 1m");
    limits.timeout_text = timeout_text;
  }
  if (!max_memory_text.empty()) {
    max_memory = wrun::cli::parse_byte_size(max_memory_text);
    limits.max_memory_text = max_memory_text;
    if (!max_memory)
      return fail(kUsage, "--max-memory " + max_memory_text +
                              ": expected bytes such as 65536, 64K, 16M, 1G");
  }

  // WASI: argv, environment, preopens (in command-line order, --dir and --dir-ro mixed).
  wrun::wasi::Config config;
  config.args.push_back(path);
  if (invoke.empty()) config.args.insert(config.args.end(), args.begin(), args.end());
  for (const std::string& text : envs) {
    std::string error;
    auto e = wrun::cli::parse_env_spec(text, error);
    if (!e) return fail(kUsage, "--env " + error);
    if (e->value) {
      config.env.emplace_back(e->name, *e->value);
    } else if (const char* host = std::getenv(e->name.c_str())) {
      config.env.emplace_back(e->name, host);
    }
  }
  size_t next_dir = 0, next_dir_ro = 0;
  for (CLI::Option* opt : app.parse_order()) {
    if (opt != dir_opt && opt != dir_ro_opt) continue;
    const bool ro = opt == dir_ro_opt;
    const std::string& text = ro ? dirs_ro.at(next_dir_ro++) : dirs.at(next_dir++);
    std::string error;
    auto d = wrun::cli::parse_dir_spec(text, error);
    if (!d) return fail(kUsage, (ro ? "--dir-ro " : "--dir ") + error);
    config.preopens.push_back({d->host, d->guest, d->read_only || ro});
  }
  auto ctx = wrun::wasi::Context::create(config);
  if (!ctx) return fail(kUsage, ctx.error());

  wrun::EngineConfig engine_config;
  if (engine_name == "interp") engine_config.executor = wrun::EngineConfig::Executor::Interpreter;
  engine_config.perf_map = perf_map;
  wrun::Engine engine(engine_config);
  if (emit_asm) return print_listing(engine, path, *emit_asm);
  wrun::Store store(engine);
  if (fuel) store.set_fuel(*fuel);
  if (max_memory) store.set_max_memory_bytes(*max_memory);
  wrun::Linker linker(store);
  wrun::wasi::define_imports(linker, **ctx);

  // From here on the module's code runs (start functions included): the clock starts. The
  // watchdog is declared after the store, so it is stopped before the store goes away.
  std::unique_ptr<Watchdog> watchdog;
  if (timeout_ns) {
    watchdog =
        std::make_unique<Watchdog>(store, std::chrono::nanoseconds(*timeout_ns), timeout_text);
    limits.watchdog = watchdog.get();
  }
  auto load = [&](const std::string& file) {
    if (watchdog) watchdog->begin_compiling(file);
    auto loaded = wrun::tools::load_module(engine, file);
    if (watchdog) watchdog->end_compiling();
    return loaded;
  };

  for (const std::string& text : preloads) {
    std::string error;
    auto p = wrun::cli::parse_preload_spec(text, error);
    if (!p) return fail(kUsage, "--preload " + error);
    auto loaded = load(p->second);
    if (auto* f = std::get_if<wrun::tools::LoadFailure>(&loaded))
      return fail(load_failure_exit(*f), f->message);
    const wrun::Module& lib = std::get<wrun::tools::LoadedModule>(loaded).module;
    auto inst = linker.instantiate(lib);
    if (auto* err = std::get_if<wrun::InstantiateError>(&inst))
      return instantiate_failure(p->second, *err, limits, lib, linker);
    wrun::Instance instance = std::get<wrun::Instance>(inst);
    // A WASI reactor initialises itself in _initialize before its exports are used.
    if (std::optional<wrun::Func> init = instance.get_func("_initialize")) {
      auto r = init->call(store, {});
      if (auto* trap = std::get_if<wrun::Trap>(&r)) return trap_exit(*trap, limits);
    }
    linker.define_instance(p->first, instance);
  }

  auto loaded = load(path);
  if (auto* f = std::get_if<wrun::tools::LoadFailure>(&loaded))
    return fail(load_failure_exit(*f), f->message);
  const wrun::Module& module = std::get<wrun::tools::LoadedModule>(loaded).module;

  auto inst = linker.instantiate(module);
  if (auto* err = std::get_if<wrun::InstantiateError>(&inst))
    return instantiate_failure(path, *err, limits, module, linker);
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
  if (!func)
    return fail(kUsage, path + " exports no function named \"" + wrun::escape_name(name) + "\"");

  const wrun::FuncType& type = func->type();
  if (!invoke.empty() && args.size() != type.params.size()) {
    return fail(kUsage, name + " " + wrun::func_type_to_string(type) + " takes " +
                            std::to_string(type.params.size()) + " argument(s), got " +
                            std::to_string(args.size()));
  }
  if (invoke.empty() && !type.params.empty())
    return fail(kUsage, "_start " + wrun::func_type_to_string(type) + " takes parameters");
  std::vector<wrun::Val> vals;
  if (!invoke.empty()) {
    for (size_t i = 0; i < args.size(); ++i) {
      std::string error;
      std::optional<wrun::Val> v =
          wrun::cli::parse_value(args[i], type.params[i], error, &instance);
      if (!v) return fail(kUsage, "argument " + std::to_string(i + 1) + ": " + error);
      vals.push_back(*v);
    }
    // A WASI reactor initialises itself in _initialize before any other export is called.
    if (name != "_initialize") {
      if (std::optional<wrun::Func> init = instance.get_func("_initialize")) {
        auto r = init->call(store, {});
        if (auto* trap = std::get_if<wrun::Trap>(&r)) return trap_exit(*trap, limits);
      }
    }
  }

  auto result = func->call(store, vals);
  if (limits.watchdog) limits.watchdog->cancel();
  if (auto* trap = std::get_if<wrun::Trap>(&result)) return trap_exit(*trap, limits);
  for (const wrun::Val& v : std::get<std::vector<wrun::Val>>(result)) {
    std::printf("%s\n", wrun::cli::format_value(v, &instance).c_str());
  }
  return kOk;
}
