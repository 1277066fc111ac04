// Context::create: stdio, preopened directories and sockets become guest fds 0, 1, 2, 3, ...
#include "wasi/context.h"

#include <memory>

namespace wrun::wasi {

uint64_t base_rights_for(Filetype type) {
  switch (type) {
    case Filetype::DIRECTORY:
      return right::DIRECTORY_BASE;
    case Filetype::REGULAR_FILE:
    case Filetype::BLOCK_DEVICE:
      return right::REGULAR_FILE_BASE;
    case Filetype::SOCKET_STREAM:
    case Filetype::SOCKET_DGRAM:
      return right::SOCKET_BASE;
    default:
      return right::STREAM_BASE;
  }
}

uint64_t inheriting_rights_for(Filetype type) {
  if (type == Filetype::DIRECTORY) return right::DIRECTORY_INHERITING;
  if (type == Filetype::SOCKET_STREAM) return right::SOCKET_BASE;  // accepted connections
  return 0;
}

namespace {

std::string failure(const std::string& what, const std::string& path, Errno e) {
  return what + " \"" + path + "\": " + errno_description(e);
}

// An entry for a host descriptor we now own (its type decides its rights).
Errno adopt(os::Handle h, std::unique_ptr<FdEntry>* out) {
  auto e = std::make_unique<FdEntry>();
  e->handle = os::OwnedHandle(h);
  os::FileStat st;
  if (Errno err = os::fstat(h, &st); err != Errno::SUCCESS) return err;
  e->type = st.type;
  e->rights_base = base_rights_for(st.type);
  e->rights_inheriting = inheriting_rights_for(st.type);
  uint16_t flags = 0;
  if (os::get_fdflags(h, &flags) == Errno::SUCCESS) e->fdflags = flags;
  *out = std::move(e);
  return Errno::SUCCESS;
}

// Stdio is a stream whatever the host gave (a file, a directory, a pipe, a terminal): no
// seeking, sizing or timestamps, no directory capabilities, and flags that stay in the entry,
// since the open file description is the parent's too (clearing O_APPEND on `>> log`, or
// leaving O_NONBLOCK on a terminal, would change it for the parent). Terminals and other
// character devices keep their type (isatty), sockets theirs (inetd-style servers).
void make_stdio_stream(FdEntry* e) {
  if (!e->is_socket()) {
    if (e->type != Filetype::CHARACTER_DEVICE) e->type = Filetype::UNKNOWN;
    e->rights_base = right::STREAM_BASE;
    e->rights_inheriting = 0;
  }
  e->shared_description = true;
}

}  // namespace

Result<std::unique_ptr<Context>> Context::create(const Config& config) {
  auto ctx = std::make_unique<ContextImpl>();
  ctx->args = config.args;
  for (const auto& [k, v] : config.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return Result<std::unique_ptr<Context>>::failure("invalid environment variable name \"" + k +
                                                       "\"");
    }
    ctx->env.push_back(k + "=" + v);
  }

  // Standard streams: a closed one simply leaves its number free.
  const int stdio[3] = {config.stdin_fd, config.stdout_fd, config.stderr_fd};
  for (uint32_t i = 0; i < 3; ++i) {
    os::Handle h;
    if (stdio[i] < 0 || os::duplicate_stdio(stdio[i], &h) != Errno::SUCCESS) continue;
    std::unique_ptr<FdEntry> e;
    if (adopt(h, &e) != Errno::SUCCESS) {
      os::close(h);
      continue;
    }
    make_stdio_stream(e.get());
    ctx->fds.insert_at(i, std::move(e));
  }
  uint32_t next = 3;

  for (const Preopen& p : config.preopens) {
    if (p.guest_path.empty()) {
      return Result<std::unique_ptr<Context>>::failure("empty guest path for preopened \"" +
                                                       p.host_path + "\"");
    }
    os::Handle h;
    if (Errno err = os::open_directory(p.host_path, &h); err != Errno::SUCCESS) {
      return Result<std::unique_ptr<Context>>::failure(
          failure("cannot open directory", p.host_path, err));
    }
    std::unique_ptr<FdEntry> e;
    if (Errno err = adopt(h, &e); err != Errno::SUCCESS) {
      os::close(h);
      return Result<std::unique_ptr<Context>>::failure(
          failure("cannot open directory", p.host_path, err));
    }
    if (!e->is_directory()) {
      return Result<std::unique_ptr<Context>>::failure(
          failure("cannot preopen", p.host_path, Errno::NOTDIR));
    }
    e->preopen = p.guest_path;
    e->fdflags = 0;
    if (p.read_only) {
      e->rights_base &= ~right::WRITES;
      e->rights_inheriting &= ~right::WRITES;
    }
    ctx->fds.insert_at(next++, std::move(e));
  }

  for (int s : config.sockets) {
    os::Handle h;
    if (Errno err = os::duplicate_stdio(s, &h); err != Errno::SUCCESS) {
      return Result<std::unique_ptr<Context>>::failure(
          "cannot use socket descriptor " + std::to_string(s) + ": " + errno_description(err));
    }
    std::unique_ptr<FdEntry> e;
    if (Errno err = adopt(h, &e); err != Errno::SUCCESS || !e->is_socket()) {
      if (!e) os::close(h);
      return Result<std::unique_ptr<Context>>::failure("descriptor " + std::to_string(s) +
                                                       " is not a socket");
    }
    e->shared_description = true;  // a duplicate: the embedder's socket is the same one
    ctx->fds.insert_at(next++, std::move(e));
  }
  return std::unique_ptr<Context>(std::move(ctx));
}

}  // namespace wrun::wasi
