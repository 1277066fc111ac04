// The OS layer: the few host primitives WASI needs, behind one interface, with host errors
// already mapped to WASI errnos. os_posix.cc implements it for Linux and macOS, os_win32.cc
// for Windows. The WASI logic (rights, sandboxed path walks, guest memory) never calls the host
// directly: everything it asks of the OS is declared here.
//
// Path operations take ONE component (`name` never contains '/'): the sandboxed walk in
// path_resolve.cc opens each directory itself, so a *_at call can never leave the directory
// handle it is given. open_at never follows a symlink in `name`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasi/abi.h"

namespace wrun::wasi::os {

// A host descriptor: a POSIX file descriptor, or a Win32 HANDLE / SOCKET stored as an integer.
struct Handle {
  intptr_t value = -1;
  bool valid() const { return value != -1; }
  bool operator==(const Handle&) const = default;
};

// Owns a Handle and closes it when destroyed.
class OwnedHandle {
 public:
  OwnedHandle() = default;
  explicit OwnedHandle(Handle h) : h_(h) {}
  OwnedHandle(OwnedHandle&& o) noexcept : h_(o.release()) {}
  OwnedHandle& operator=(OwnedHandle&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() { reset(Handle{}); }
  void reset(Handle h);
  Handle get() const { return h_; }
  Handle release() {
    Handle h = h_;
    h_ = Handle{};
    return h;
  }

 private:
  Handle h_;
};

// A bounds-checked range of guest memory (made only by GuestMemory) or host memory. Laid out
// as POSIX's struct iovec (os_posix.cc checks), so a list of them goes to readv as it is.
struct IoSlice {
  uint8_t* data = nullptr;
  size_t len = 0;
};

struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  Filetype type = Filetype::UNKNOWN;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim = 0;  // nanoseconds since the epoch
  uint64_t mtim = 0;
  uint64_t ctim = 0;
};

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  Filetype type = Filetype::UNKNOWN;
};

struct OpenFlags {
  bool read = false;
  bool write = false;
  bool create = false;
  bool exclusive = false;
  bool truncate = false;
  bool directory = false;    // fail with NOTDIR unless it is a directory
  bool search_only = false;  // only for walking through (O_PATH where the host has it)
  uint16_t fdflags = 0;      // fdflag::APPEND | DSYNC | NONBLOCK | RSYNC | SYNC
};

// A timestamp to set: leave it, set it to now, or set it to `ns`.
struct TimeSpec {
  enum class Kind : uint8_t { Omit, Now, Set } kind = Kind::Omit;
  uint64_t ns = 0;
};

struct PollRequest {
  Handle handle;
  bool read = false;  // wait until readable; else writable
};
struct PollResult {
  bool ready = false;
  bool hangup = false;
  Errno error = Errno::SUCCESS;
};

// Descriptors
Errno close(Handle h);
Errno duplicate(Handle h, Handle* out);
Errno duplicate_stdio(int fd, Handle* out);  // a C runtime descriptor number (0, 1, 2, ...)
Errno open_directory(const std::string& host_path, Handle* out);  // a preopen; follows symlinks
Errno fstat(Handle h, FileStat* out);
Errno get_fdflags(Handle h, uint16_t* out);
Errno set_fdflags(Handle h, uint16_t flags);  // APPEND and NONBLOCK; NOTSUP for the sync flags

// I/O
// Whether a read or write may wait: as the descriptor's own O_NONBLOCK says, or never (AGAIN
// instead, without touching O_NONBLOCK: for descriptors whose open file description other
// processes share, such as stdio, whose flags are not ours to change). A write that must not
// wait moves at most PIPE_BUF bytes to a pipe or terminal, which readiness guarantees room for.
enum class Wait : uint8_t { AsOpened, Never };
Errno read(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait = Wait::AsOpened);
Errno write(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait = Wait::AsOpened);
// Blocks until `h` is readable (`read`) or writable.
Errno wait_ready(Handle h, bool read);
Errno pread(Handle h, std::span<const IoSlice> iov, uint64_t offset, size_t* n);
Errno pwrite(Handle h, std::span<const IoSlice> iov, uint64_t offset, size_t* n);
Errno seek(Handle h, int64_t delta, Whence whence, uint64_t* new_offset);
Errno sync(Handle h);
Errno datasync(Handle h);
Errno advise(Handle h, uint64_t offset, uint64_t len, Advice advice);
Errno allocate(Handle h, uint64_t offset, uint64_t len);
Errno set_size(Handle h, uint64_t size);
Errno set_times(Handle h, TimeSpec atim, TimeSpec mtim);
Errno bytes_readable(Handle h, uint64_t* out);  // what a read would return now, if known

// One path component relative to a directory handle (never follows a symlink in `name`)
Errno open_at(Handle dir, const std::string& name, const OpenFlags& flags, Handle* out);
Errno stat_at(Handle dir, const std::string& name, FileStat* out);
Errno set_times_at(Handle dir, const std::string& name, TimeSpec atim, TimeSpec mtim);
Errno mkdir_at(Handle dir, const std::string& name);
Errno unlink_at(Handle dir, const std::string& name);
Errno rmdir_at(Handle dir, const std::string& name);
Errno rename_at(Handle from_dir, const std::string& from, Handle to_dir, const std::string& to);
Errno link_at(Handle from_dir, const std::string& from, Handle to_dir, const std::string& to);
Errno symlink_at(const std::string& target, Handle dir, const std::string& name);
// INVAL when `name` is not a symlink.
Errno readlink_at(Handle dir, const std::string& name, std::string* out);

// A directory's entries read one at a time, "." and ".." included, in the host's order,
// through an open file description of its own (so it neither moves nor depends on the
// handle it was opened from). Its memory is the host's directory buffer, whatever the
// directory's size.
class DirStream {
 public:
  static Errno open(Handle dir, std::unique_ptr<DirStream>* out);
  ~DirStream();
  DirStream(const DirStream&) = delete;
  DirStream& operator=(const DirStream&) = delete;
  // The next entry, or *end at the end of the directory.
  Errno next(DirEntry* out, bool* end);
  // Back to the first entry; the directory is read afresh.
  void rewind();

 private:
  DirStream() = default;
  void* dir_ = nullptr;  // the host's stream (DIR* on POSIX)
  uint64_t self_ino_ = 0;
};

// Clocks, randomness, scheduling
Errno clock_res(ClockId id, uint64_t* ns);
Errno clock_now(ClockId id, uint64_t* ns);
Errno random_fill(uint8_t* data, size_t len);
void yield();
// Waits until one request is ready or `timeout_ns` passes (nullopt: no timeout).
Errno poll(std::span<const PollRequest> requests, std::optional<uint64_t> timeout_ns,
           std::vector<PollResult>* out);
void sleep(uint64_t ns);

// Sockets
Errno sock_accept(Handle h, bool nonblock, Handle* out, Wait wait = Wait::AsOpened);
Errno sock_recv(Handle h, std::span<const IoSlice> iov, bool peek, bool waitall, size_t* n,
                bool* truncated, Wait wait = Wait::AsOpened);
Errno sock_send(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait = Wait::AsOpened);
Errno sock_shutdown(Handle h, bool rd, bool wr);

inline void OwnedHandle::reset(Handle h) {
  if (h_.valid()) close(h_);
  h_ = h;
}

}  // namespace wrun::wasi::os
