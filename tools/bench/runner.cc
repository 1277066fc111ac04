#include "tools/bench/runner.h"

#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#else
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tools/common/module_file.h"
#include "tools/common/trap_text.h"
#include "wasi/wasi.h"

namespace wrun::bench {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// The few POSIX calls used here, with their Windows spellings.
#ifdef _WIN32
constexpr const char* kNullDevice = "NUL";
int open_null() { return ::_open(kNullDevice, _O_RDONLY); }
void close_fd(int fd) { ::_close(fd); }
int file_fd(std::FILE* f) { return ::_fileno(f); }
std::FILE* open_pipe(const char* command) { return ::_popen(command, "r"); }
int close_pipe(std::FILE* p) { return ::_pclose(p); }
#else
constexpr const char* kNullDevice = "/dev/null";
int open_null() { return ::open(kNullDevice, O_RDONLY); }
void close_fd(int fd) { ::close(fd); }
int file_fd(std::FILE* f) { return ::fileno(f); }
std::FILE* open_pipe(const char* command) { return ::popen(command, "r"); }
int close_pipe(std::FILE* p) { return ::pclose(p); }
#endif

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// How a child process ended, for messages: its exit status, the signal that killed it, or
// the raw status.
std::string wait_status_text(int status) {
#ifndef _WIN32
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
#endif
  return "status " + std::to_string(status);
}

Outcome fail(Outcome::Status status, std::string message) {
  Outcome o;
  o.status = status;
  o.message = std::move(message);
  return o;
}

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string read_all(std::FILE* f) {
  std::string s;
  std::fflush(f);
  std::rewind(f);
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

// "line 3: expected "...", got "..."" for the first difference.
std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected), a(actual);
  std::string el, al;
  for (int line = 1;; ++line) {
    bool he = static_cast<bool>(std::getline(e, el));
    bool ha = static_cast<bool>(std::getline(a, al));
    if (!he && !ha) return "they differ only in the final newline";
    if (!he || !ha || el != al) {
      return "line " + std::to_string(line) + ": expected " +
             (he ? "\"" + escape_name(el) + "\"" : std::string("end of output")) + ", got " +
             (ha ? "\"" + escape_name(al) + "\"" : std::string("end of output"));
    }
  }
}

// Changes the current directory for the lifetime of the object.
class ScopedCwd {
 public:
  explicit ScopedCwd(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~ScopedCwd() {
    std::error_code ec;
    fs::current_path(old_, ec);
  }

 private:
  fs::path old_;
};

struct Files {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  int null_in = open_null();
  ~Files() {
    if (out) std::fclose(out);
    if (err) std::fclose(err);
    if (null_in >= 0) close_fd(null_in);
  }
};

}  // namespace

const char* status_name(Outcome::Status s) {
  switch (s) {
    case Outcome::Status::Ok:
      return "ok";
    case Outcome::Status::Failed:
      return "FAILED";
    case Outcome::Status::Unsupported:
      return "unsupported";
    case Outcome::Status::Missing:
      return "missing";
  }
  return "?";
}

Outcome run_benchmark(Engine& engine, const std::string& wasm_path, const RunOptions& options) {
  const fs::path wasm(wasm_path);
  const fs::path dir = wasm.parent_path();
  std::error_code ec;
  if (!fs::is_regular_file(wasm, ec)) return fail(Outcome::Status::Missing, "no file " + wasm_path);

  auto bytes_or = tools::read_module_file(wasm_path);
  if (auto* f = std::get_if<tools::LoadFailure>(&bytes_or))
    return fail(Outcome::Status::Failed, f->message);
  const std::vector<uint8_t>& bytes = std::get<std::vector<uint8_t>>(bytes_or);

  const std::string stem = wasm.stem().string();
  std::optional<std::string> expect_out = read_text(dir / (stem + ".stdout.expected"));
  std::optional<std::string> expect_err = read_text(dir / (stem + ".stderr.expected"));

  Outcome outcome;
  for (int run = 0; run < options.runs; ++run) {
    Timing t;
    const auto t0 = Clock::now();
    auto loaded = tools::compile_module(engine, wasm_path, bytes);
    if (auto* f = std::get_if<tools::LoadFailure>(&loaded)) {
      return fail(f->kind == tools::LoadFailure::Kind::Unsupported ? Outcome::Status::Unsupported
                                                                   : Outcome::Status::Failed,
                  f->message);
    }
    const Module& module = std::get<tools::LoadedModule>(loaded).module;
    t.compile_s = secs(Clock::now() - t0);

    Files files;
    if (!files.out || !files.err || files.null_in < 0)
      return fail(Outcome::Status::Failed, "cannot create temporary files for the guest's output");
    wasi::Config config;
    config.args = {wasm.filename().string()};
    config.preopens = {{fs::absolute(dir).string(), ".", false}};
    config.stdin_fd = files.null_in;
    config.stdout_fd = file_fd(files.out);
    config.stderr_fd = file_fd(files.err);

    std::optional<Trap> trap;
    std::vector<Clock::time_point> starts, ends;
    Clock::time_point t_inst, t_start, t_done;
    {
      ScopedCwd cwd(dir);
      auto ctx = wasi::Context::create(config);
      if (!ctx) return fail(Outcome::Status::Failed, ctx.error());
      Store store(engine);
      Linker linker(store);
      wasi::define_imports(linker, **ctx);
      auto marker = [&store](std::vector<Clock::time_point>& into) {
        return Func::host(store, FuncType{},
                          [&into](Caller&, std::span<const Val>, std::span<Val>) {
                            into.push_back(Clock::now());
                            return std::optional<Trap>();
                          });
      };
      linker.define("bench", "start", marker(starts));
      linker.define("bench", "end", marker(ends));

      t_inst = Clock::now();
      auto inst = linker.instantiate(module);
      t_start = Clock::now();
      if (auto* err = std::get_if<InstantiateError>(&inst)) {
        if (err->trap) {
          trap = err->trap;
        } else {
          return fail(Outcome::Status::Failed, wasm_path + ": " + err->message);
        }
      } else if (options.load_only) {
        // Only compile and instantiate are measured; _start is not run.
      } else if (auto start = std::get<Instance>(inst).get_func("_start")) {
        auto r = start->call(store, {});
        if (auto* tr = std::get_if<Trap>(&r)) trap = std::move(*tr);
      } else {
        return fail(Outcome::Status::Failed, wasm_path + ": exports no _start function");
      }
      t_done = Clock::now();
    }
    t.instantiate_s = secs(t_start - t_inst);
    t.total_s = secs(t_done - t0);
    if (options.load_only && !trap) {
      if (options.verbose) {
        std::fprintf(stderr, "wrun-bench: %s load %d: compile %.3f ms, instantiate %.3f ms\n",
                     wasm_path.c_str(), run + 1, t.compile_s * 1e3, t.instantiate_s * 1e3);
      }
      outcome.runs.push_back(t);
      continue;
    }
    if (trap && !(trap->kind == TrapKind::Exit && trap->exit_code == 0)) {
      std::string msg;
      if (trap->kind == TrapKind::Exit) {
        msg = "exited with status " + std::to_string(trap->exit_code);
      } else {
        msg = "trap: " + tools::trap_text(*trap);
        for (const Frame& f : trap->backtrace) {
          msg += "\n    at " + tools::frame_name(f);
        }
      }
      std::string err_text = read_all(files.err);
      if (!err_text.empty()) msg += "\n    guest stderr: " + escape_name(err_text.substr(0, 500));
      return fail(Outcome::Status::Failed, msg);
    }

    if (starts.size() != ends.size()) {
      return fail(Outcome::Status::Failed,
                  "bench.start was called " + std::to_string(starts.size()) +
                      " times but bench.end " + std::to_string(ends.size()));
    }
    if (starts.empty()) {
      outcome.markers = false;
      t.measured_s = secs(t_done - t_start);
    }
    for (size_t i = 0; i < starts.size(); ++i) t.measured_s += secs(ends[i] - starts[i]);

    if (options.check_output) {
      std::string out = read_all(files.out), err = read_all(files.err);
      if (expect_out && out != *expect_out)
        return fail(Outcome::Status::Failed, "stdout differs from " + stem + ".stdout.expected: " +
                                                 first_difference(*expect_out, out));
      if (expect_err && err != *expect_err)
        return fail(Outcome::Status::Failed, "stderr differs from " + stem + ".stderr.expected: " +
                                                 first_difference(*expect_err, err));
    }
    if (options.verbose) {
      std::fprintf(
          stderr, "wrun-bench: %s run %d: compile %.3f ms, instantiate %.3f ms, measured %.3f ms\n",
          wasm_path.c_str(), run + 1, t.compile_s * 1e3, t.instantiate_s * 1e3, t.measured_s * 1e3);
    }
    outcome.runs.push_back(t);
  }
  return outcome;
}

std::string shell_quote(const std::string& s) {
  // Single quotes protect everything; a quote inside is spelled '\''.
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Outcome run_baseline(const std::string& command, const std::string& wasm_path, int runs,
                     bool load_only) {
  const fs::path wasm(wasm_path);
  std::error_code ec;
  if (!fs::is_regular_file(wasm, ec)) return fail(Outcome::Status::Missing, "no file " + wasm_path);
  const std::string shell = "cd " + shell_quote(wasm.parent_path().string()) + " && " + command +
                            " " + shell_quote(wasm.filename().string()) + " <" + kNullDevice;
  const char* required = load_only ? "compile-ns" : "start-end-ns";
  Outcome outcome;
  for (int run = 0; run < runs; ++run) {
    std::FILE* p = open_pipe(shell.c_str());
    if (!p) return fail(Outcome::Status::Failed, "cannot run " + command);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = close_pipe(p);
    auto field = [&out](const std::string& key) -> std::optional<double> {
      size_t at = out.rfind(key + "=");
      if (at == std::string::npos) return std::nullopt;
      return std::strtod(out.c_str() + at + key.size() + 1, nullptr) * 1e-9;
    };
    std::optional<double> measured = field(required);
    if (status != 0 || !measured) {
      std::string why = wait_status_text(status);
#ifndef _WIN32
      // The shell's own status for a program it cannot find or run (node not installed...).
      if (WIFEXITED(status) && WEXITSTATUS(status) == 127) why = "command not found";
      if (WIFEXITED(status) && WEXITSTATUS(status) == 126) why = "command not executable";
#endif
      if (!measured && status == 0) why += std::string(", no ") + required + "=N in its output";
      return fail(Outcome::Status::Failed, "baseline command failed (" + why + "): " + shell);
    }
    Timing t;
    t.measured_s = field("start-end-ns").value_or(0);
    t.compile_s = field("compile-ns").value_or(0);
    t.instantiate_s = field("instantiate-ns").value_or(0);
    outcome.runs.push_back(t);
    if (size_t at = out.rfind("version="); at != std::string::npos) {
      size_t from = at + 8;
      outcome.version = out.substr(from, out.find_first_of(" \t\r\n", from) - from);
    }
  }
  return outcome;
}

Outcome run_process(const std::string& command, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(Outcome::Status::Missing, "no folder " + dir);
#ifdef _WIN32
  const std::string shell = "cd /d " + shell_quote(dir) + " && " + command + " <NUL >NUL 2>&1";
#else
  // exec: the shell becomes the program rather than waiting for it.
  const std::string shell =
      "cd " + shell_quote(dir) + " && exec " + command + " </dev/null >/dev/null 2>&1";
#endif
  const auto t0 = Clock::now();
  const int status = std::system(shell.c_str());
  Timing t;
  t.total_s = secs(Clock::now() - t0);
  if (status != 0) {
    std::string why = wait_status_text(status);
#ifndef _WIN32
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) why = "command not found";
#endif
    return fail(Outcome::Status::Failed, "failed (" + why + "): " + shell);
  }
  Outcome outcome;
  outcome.runs.push_back(t);
  return outcome;
}

Outcome run_program(const std::vector<std::string>& argv, const std::string& dir) {
#ifdef _WIN32
  std::string command;
  for (const std::string& a : argv) command += (command.empty() ? "" : " ") + shell_quote(a);
  return run_process(command, dir);
#else
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(Outcome::Status::Missing, "no folder " + dir);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  for (int fd : {0, 1, 2})
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  const auto t0 = Clock::now();
  pid_t pid = 0;
  const int err = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  int status = 0;
  if (err == 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  Timing t;
  t.total_s = secs(Clock::now() - t0);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0)
    return fail(Outcome::Status::Failed, "cannot start " + argv[0] + ": " + std::strerror(err));
  if (status != 0) {
    return fail(Outcome::Status::Failed, "failed (" + wait_status_text(status) + "): " + argv[0]);
  }
  Outcome outcome;
  outcome.runs.push_back(t);
  return outcome;
#endif
}

}  // namespace wrun::bench
