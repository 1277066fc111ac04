// The fd_* functions that act on an open descriptor (fd_readdir and the prestat calls live in
// host_fd_dir.cc). Each one checks the descriptor's rights first, then any guest pointer it
// will write, and only then acts, so a fault never loses data or leaks a descriptor.
#include <algorithm>
#include <array>

#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {

uint32_t clamp32(size_t n) { return static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX)); }

// Serializes a filestat to its 64-byte guest layout.
std::array<uint8_t, layout::kFilestatSize> encode(const os::FileStat& st) {
  std::array<uint8_t, layout::kFilestatSize> b{};
  auto put64 = [&](uint32_t off, uint64_t v) { std::memcpy(b.data() + off, &v, 8); };
  put64(layout::kFilestatDev, st.dev);
  put64(layout::kFilestatIno, st.ino);
  b[layout::kFilestatFiletype] = static_cast<uint8_t>(st.type);
  put64(layout::kFilestatNlink, st.nlink);
  put64(layout::kFilestatSize_, st.size);
  put64(layout::kFilestatAtim, st.atim);
  put64(layout::kFilestatMtim, st.mtim);
  put64(layout::kFilestatCtim, st.ctim);
  return b;
}

}  // namespace

Errno write_filestat(const GuestMemory& m, uint32_t out, const os::FileStat& st) {
  auto b = encode(st);
  return m.write_bytes(out, b);
}

Errno times_from_flags(uint64_t atim, uint64_t mtim, uint32_t flags, os::TimeSpec* a,
                       os::TimeSpec* m) {
  if (flags & ~uint32_t{fstflag::ALL}) return Errno::INVAL;
  if ((flags & fstflag::ATIM) && (flags & fstflag::ATIM_NOW)) return Errno::INVAL;
  if ((flags & fstflag::MTIM) && (flags & fstflag::MTIM_NOW)) return Errno::INVAL;
  using K = os::TimeSpec::Kind;
  *a = (flags & fstflag::ATIM)       ? os::TimeSpec{K::Set, atim}
       : (flags & fstflag::ATIM_NOW) ? os::TimeSpec{K::Now, 0}
                                     : os::TimeSpec{K::Omit, 0};
  *m = (flags & fstflag::MTIM)       ? os::TimeSpec{K::Set, mtim}
       : (flags & fstflag::MTIM_NOW) ? os::TimeSpec{K::Now, 0}
                                     : os::TimeSpec{K::Omit, 0};
  return Errno::SUCCESS;
}

Errno fd_advise(Call& c, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
  if (advice > static_cast<uint32_t>(Advice::NOREUSE)) return Errno::INVAL;
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_ADVISE, &e));
  return os::advise(e->handle.get(), offset, len, static_cast<Advice>(advice));
}

Errno fd_allocate(Call& c, uint32_t fd, uint64_t offset, uint64_t len) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_ALLOCATE, &e));
  return os::allocate(e->handle.get(), offset, len);
}

Errno fd_close(Call& c, uint32_t fd) { return c.ctx.fds.remove(fd) ? Errno::SUCCESS : Errno::BADF; }

Errno fd_datasync(Call& c, uint32_t fd) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_DATASYNC, &e));
  return os::datasync(e->handle.get());
}

Errno fd_sync(Call& c, uint32_t fd) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_SYNC, &e));
  return os::sync(e->handle.get());
}

Errno fd_fdstat_get(Call& c, uint32_t fd, uint32_t out) {
  FdEntry* e = c.ctx.fds.get(fd);
  if (!e) return Errno::BADF;
  std::array<uint8_t, layout::kFdstatSize> b{};
  b[layout::kFdstatFiletype] = static_cast<uint8_t>(e->type);
  std::memcpy(b.data() + layout::kFdstatFlags, &e->fdflags, 2);
  std::memcpy(b.data() + layout::kFdstatRightsBase, &e->rights_base, 8);
  std::memcpy(b.data() + layout::kFdstatRightsInheriting, &e->rights_inheriting, 8);
  return c.mem().write_bytes(out, b);
}

Errno fd_fdstat_set_flags(Call& c, uint32_t fd, uint32_t flags) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_FDSTAT_SET_FLAGS, &e));
  if (flags & ~uint32_t{fdflag::ALL}) return Errno::INVAL;
  // The sync modes are fixed when a file is opened.
  constexpr uint16_t kSync = fdflag::DSYNC | fdflag::RSYNC | fdflag::SYNC;
  if ((flags ^ e->fdflags) & kSync) return Errno::NOTSUP;
  // A shared description keeps its flags: the guest's NONBLOCK is applied per call
  // (in_guest_mode), and APPEND means nothing on a stream the guest cannot seek.
  if (!e->shared_description)
    WASI_TRY(os::set_fdflags(e->handle.get(), static_cast<uint16_t>(flags)));
  e->fdflags = static_cast<uint16_t>(flags);
  return Errno::SUCCESS;
}

Errno fd_fdstat_set_rights(Call& c, uint32_t fd, uint64_t base, uint64_t inheriting) {
  FdEntry* e = c.ctx.fds.get(fd);
  if (!e) return Errno::BADF;
  // Rights only shrink.
  if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting)) return Errno::NOTCAPABLE;
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return Errno::SUCCESS;
}

Errno fd_filestat_get(Call& c, uint32_t fd, uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_FILESTAT_GET, &e));
  WASI_TRY(c.mem().check(out, layout::kFilestatSize));
  os::FileStat st;
  WASI_TRY(os::fstat(e->handle.get(), &st));
  st.type = e->type;  // what the guest was told (stdio is a stream whatever the host has)
  return write_filestat(c.mem(), out, st);
}

Errno fd_filestat_set_size(Call& c, uint32_t fd, uint64_t size) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_FILESTAT_SET_SIZE, &e));
  return os::set_size(e->handle.get(), size);
}

Errno fd_filestat_set_times(Call& c, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_FILESTAT_SET_TIMES, &e));
  os::TimeSpec a, m;
  WASI_TRY(times_from_flags(atim, mtim, flags, &a, &m));
  return os::set_times(e->handle.get(), a, m);
}

Errno fd_read(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_READ, &e));
  WASI_TRY(c.mem().check(out, 4));
  std::vector<os::IoSlice> iov;
  WASI_TRY(c.mem().iovecs(iovs, iovs_len, &iov));
  size_t n = 0;
  WASI_TRY(
      in_guest_mode(*e, true, [&](os::Wait w) { return os::read(e->handle.get(), iov, &n, w); }));
  return c.mem().write<uint32_t>(out, clamp32(n));
}

Errno fd_pread(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
               uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_READ | right::FD_SEEK, &e));
  WASI_TRY(c.mem().check(out, 4));
  std::vector<os::IoSlice> iov;
  WASI_TRY(c.mem().iovecs(iovs, iovs_len, &iov));
  size_t n = 0;
  WASI_TRY(os::pread(e->handle.get(), iov, offset, &n));
  return c.mem().write<uint32_t>(out, clamp32(n));
}

Errno fd_write(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_WRITE, &e));
  WASI_TRY(c.mem().check(out, 4));
  std::vector<os::IoSlice> iov;
  WASI_TRY(c.mem().iovecs(iovs, iovs_len, &iov));
  size_t n = 0;
  // A plain write to a socket whose peer has gone raises SIGPIPE, which kills an embedder that
  // does not ignore it: send as sock_send does (MSG_NOSIGNAL), so the guest just gets PIPE.
  WASI_TRY(in_guest_mode(*e, false, [&](os::Wait w) {
    return e->is_socket() ? os::sock_send(e->handle.get(), iov, &n, w)
                          : os::write(e->handle.get(), iov, &n, w);
  }));
  return c.mem().write<uint32_t>(out, clamp32(n));
}

Errno fd_pwrite(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_WRITE | right::FD_SEEK, &e));
  WASI_TRY(c.mem().check(out, 4));
  std::vector<os::IoSlice> iov;
  WASI_TRY(c.mem().iovecs(iovs, iovs_len, &iov));
  size_t n = 0;
  WASI_TRY(os::pwrite(e->handle.get(), iov, offset, &n));
  return c.mem().write<uint32_t>(out, clamp32(n));
}

Errno fd_renumber(Call& c, uint32_t fd, uint32_t to) { return c.ctx.fds.renumber(fd, to); }

Errno fd_seek(Call& c, uint32_t fd, int64_t delta, uint32_t whence, uint32_t out) {
  if (whence > static_cast<uint32_t>(Whence::END)) return Errno::INVAL;
  // Asking for the position only needs FD_TELL.
  uint64_t needed =
      delta == 0 && whence == static_cast<uint32_t>(Whence::CUR) ? right::FD_TELL : right::FD_SEEK;
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, needed, &e));
  WASI_TRY(c.mem().check(out, 8));
  uint64_t pos;
  WASI_TRY(os::seek(e->handle.get(), delta, static_cast<Whence>(whence), &pos));
  return c.mem().write<uint64_t>(out, pos);
}

Errno fd_tell(Call& c, uint32_t fd, uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_TELL, &e));
  WASI_TRY(c.mem().check(out, 8));
  uint64_t pos;
  WASI_TRY(os::seek(e->handle.get(), 0, Whence::CUR, &pos));
  return c.mem().write<uint64_t>(out, pos);
}

}  // namespace wrun::wasi
