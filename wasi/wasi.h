// WASI preview1 (wasi_snapshot_preview1) as host functions over a small OS layer.
//
//   wrun::wasi::Config config;
//   config.args = {"prog.wasm", "arg1"};
//   config.preopens = {{".", ".", /*read_only=*/false}};
//   auto ctx = wrun::wasi::Context::create(config);   // opens the preopened directories
//   wrun::wasi::define_imports(linker, **ctx);         // every preview1 function
//   ... instantiate, call _start; a proc_exit arrives as a Trap of kind TrapKind::Exit
//
// Every guest path resolves beneath a preopened directory handle; guest memory is reached
// only through one bounds-checked helper. Nothing here knows the engine's internals: it uses
// the public API (include/wrun/wrun.h) only.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wrun/wrun.h"

namespace wrun::wasi {

struct Preopen {
  std::string host_path;   // directory on the host
  std::string guest_path;  // the name the guest sees (e.g. "." or "/sandbox")
  bool read_only = false;  // rights forbid every write
};

struct Config {
  std::vector<std::string> args;  // argv; args[0] is the program name
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<Preopen> preopens;
  // Host descriptors behind guest fds 0, 1, 2 (duplicated; the originals stay open).
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  // Host sockets (listening or connected) handed to the guest as the fds after the preopened
  // directories, for sock_accept / sock_recv / sock_send / sock_shutdown (duplicated; the
  // originals stay open).
  std::vector<int> sockets;
};

class Context {
 public:
  // Opens every preopen; on failure the error names the directory and the reason.
  static Result<std::unique_ptr<Context>> create(const Config& config);
  virtual ~Context() = default;

 protected:
  Context() = default;
};

// Defines every wasi_snapshot_preview1 function in `linker`, bound to `ctx` (which must
// outlive the instances that use it). Calls act on the calling instance's exported "memory".
void define_imports(Linker& linker, Context& ctx);

}  // namespace wrun::wasi
