// Every wasi_snapshot_preview1 function, as a C++ function over typed arguments. The list
// below is the single source of truth: define_imports.cc registers each entry (deriving the
// wasm signature from the C++ parameter types: 32-bit → i32, 64-bit → i64, result i32 errno),
// and the tests build their guest modules from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wasi/call.h"

namespace wrun::wasi {

// clang-format off
// X(name, parameter types...) for every function returning an errno.
#define WRUN_WASI_FUNCTIONS(X)                                                                \
  X(args_get, uint32_t, uint32_t)                                                             \
  X(args_sizes_get, uint32_t, uint32_t)                                                       \
  X(environ_get, uint32_t, uint32_t)                                                          \
  X(environ_sizes_get, uint32_t, uint32_t)                                                    \
  X(clock_res_get, uint32_t, uint32_t)                                                        \
  X(clock_time_get, uint32_t, uint64_t, uint32_t)                                             \
  X(fd_advise, uint32_t, uint64_t, uint64_t, uint32_t)                                        \
  X(fd_allocate, uint32_t, uint64_t, uint64_t)                                                \
  X(fd_close, uint32_t)                                                                       \
  X(fd_datasync, uint32_t)                                                                    \
  X(fd_fdstat_get, uint32_t, uint32_t)                                                        \
  X(fd_fdstat_set_flags, uint32_t, uint32_t)                                                  \
  X(fd_fdstat_set_rights, uint32_t, uint64_t, uint64_t)                                       \
  X(fd_filestat_get, uint32_t, uint32_t)                                                      \
  X(fd_filestat_set_size, uint32_t, uint64_t)                                                 \
  X(fd_filestat_set_times, uint32_t, uint64_t, uint64_t, uint32_t)                            \
  X(fd_pread, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t)                               \
  X(fd_prestat_get, uint32_t, uint32_t)                                                       \
  X(fd_prestat_dir_name, uint32_t, uint32_t, uint32_t)                                        \
  X(fd_pwrite, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t)                              \
  X(fd_read, uint32_t, uint32_t, uint32_t, uint32_t)                                          \
  X(fd_readdir, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t)                             \
  X(fd_renumber, uint32_t, uint32_t)                                                          \
  X(fd_seek, uint32_t, int64_t, uint32_t, uint32_t)                                           \
  X(fd_sync, uint32_t)                                                                        \
  X(fd_tell, uint32_t, uint32_t)                                                              \
  X(fd_write, uint32_t, uint32_t, uint32_t, uint32_t)                                         \
  X(path_create_directory, uint32_t, uint32_t, uint32_t)                                      \
  X(path_filestat_get, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)                      \
  X(path_filestat_set_times, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t,      \
    uint32_t)                                                                                 \
  X(path_link, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)          \
  X(path_open, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t,          \
    uint32_t, uint32_t)                                                                       \
  X(path_readlink, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)                \
  X(path_remove_directory, uint32_t, uint32_t, uint32_t)                                      \
  X(path_rename, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)                  \
  X(path_symlink, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)                           \
  X(path_unlink_file, uint32_t, uint32_t, uint32_t)                                           \
  X(poll_oneoff, uint32_t, uint32_t, uint32_t, uint32_t)                                      \
  X(proc_raise, uint32_t)                                                                     \
  X(sched_yield)                                                                              \
  X(random_get, uint32_t, uint32_t)                                                           \
  X(sock_accept, uint32_t, uint32_t, uint32_t)                                                \
  X(sock_recv, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)                    \
  X(sock_send, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)                              \
  X(sock_shutdown, uint32_t, uint32_t)

// clang-format on

#define WRUN_X(name, ...) Errno name(Call& c __VA_OPT__(, ) __VA_ARGS__);
WRUN_WASI_FUNCTIONS(WRUN_X)
#undef WRUN_X

// proc_exit(rval: u32) never returns: it unwinds the guest as a Trap of kind Exit.
std::optional<Trap> proc_exit(Call& c, uint32_t code);

// Helpers shared by the host functions.
Errno write_filestat(const GuestMemory& m, uint32_t out, const os::FileStat& st);
// fstflags → what to do with each timestamp; INVAL for unknown or contradictory flags.
Errno times_from_flags(uint64_t atim, uint64_t mtim, uint32_t flags, os::TimeSpec* a,
                       os::TimeSpec* m);

// Runs `io(wait)` in the guest's blocking mode. A shared descriptor (FdEntry::
// shared_description) keeps the guest's NONBLOCK only in its entry, so the mode is applied
// per call: no waiting when the guest set NONBLOCK, and waiting for readiness when it did not
// but the host's description is non-blocking (the host answers AGAIN).
template <class Io>
Errno in_guest_mode(const FdEntry& e, bool reading, Io io) {
  if (!e.shared_description) return io(os::Wait::AsOpened);
  if (e.fdflags & fdflag::NONBLOCK) return io(os::Wait::Never);
  for (;;) {
    const Errno r = io(os::Wait::AsOpened);
    if (r != Errno::AGAIN) return r;
    WASI_TRY(os::wait_ready(e.handle.get(), reading));
  }
}

// Every import this module provides ("wasi_snapshot_preview1", name) with its wasm type.
std::vector<std::pair<std::string, FuncType>> import_signatures();

}  // namespace wrun::wasi
