// sock_accept, sock_recv, sock_send, sock_shutdown on sockets the embedder handed in
// (Config::sockets). Preview1 cannot open sockets itself. A missing fd is BADF, a descriptor
// that is not a socket NOTSOCK (before any rights check), as POSIX programs expect.
#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {

Errno socket_fd(Call& c, uint32_t fd, uint64_t rights, FdEntry** out) {
  FdEntry* e = c.ctx.fds.get(fd);
  if (!e) return Errno::BADF;
  if (!e->is_socket()) return Errno::NOTSOCK;
  if ((e->rights_base & rights) != rights) return Errno::NOTCAPABLE;
  *out = e;
  return Errno::SUCCESS;
}

}  // namespace

Errno sock_accept(Call& c, uint32_t fd, uint32_t flags, uint32_t out) {
  FdEntry* e;
  WASI_TRY(socket_fd(c, fd, right::SOCK_ACCEPT, &e));
  if (flags & ~uint32_t{fdflag::NONBLOCK}) return Errno::INVAL;
  WASI_TRY(c.mem().check(out, 4));
  os::Handle h;
  WASI_TRY(in_guest_mode(*e, true, [&](os::Wait w) {
    return os::sock_accept(e->handle.get(), flags & fdflag::NONBLOCK, &h, w);
  }));
  auto conn = std::make_unique<FdEntry>();
  conn->handle = os::OwnedHandle(h);
  os::FileStat st;
  WASI_TRY(os::fstat(h, &st));
  conn->type = st.type;
  conn->rights_base = e->rights_inheriting & right::SOCKET_BASE & ~right::SOCK_ACCEPT;
  conn->fdflags = static_cast<uint16_t>(flags);
  uint32_t new_fd;
  WASI_TRY(c.ctx.fds.insert(std::move(conn), &new_fd));
  return c.mem().write<uint32_t>(out, new_fd);
}

Errno sock_recv(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t riflags,
                uint32_t out_size, uint32_t out_flags) {
  FdEntry* e;
  WASI_TRY(socket_fd(c, fd, right::FD_READ, &e));
  if (riflags & ~uint32_t{riflag::RECV_PEEK | riflag::RECV_WAITALL}) return Errno::INVAL;
  WASI_TRY(c.mem().check(out_size, 4));
  WASI_TRY(c.mem().check(out_flags, 2));
  std::vector<os::IoSlice> iov;
  WASI_TRY(c.mem().iovecs(iovs, iovs_len, &iov));
  size_t n = 0;
  bool truncated = false;
  WASI_TRY(in_guest_mode(*e, true, [&](os::Wait w) {
    return os::sock_recv(e->handle.get(), iov, riflags & riflag::RECV_PEEK,
                         riflags & riflag::RECV_WAITALL, &n, &truncated, w);
  }));
  WASI_TRY(
      c.mem().write<uint32_t>(out_size, static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX))));
  return c.mem().write<uint16_t>(out_flags, truncated ? roflag::RECV_DATA_TRUNCATED : 0);
}

Errno sock_send(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t siflags,
                uint32_t out) {
  FdEntry* e;
  WASI_TRY(socket_fd(c, fd, right::FD_WRITE, &e));
  if (siflags != 0) return Errno::INVAL;  // no siflags are defined
  WASI_TRY(c.mem().check(out, 4));
  std::vector<os::IoSlice> iov;
  WASI_TRY(c.mem().iovecs(iovs, iovs_len, &iov));
  size_t n = 0;
  WASI_TRY(in_guest_mode(*e, false,
                         [&](os::Wait w) { return os::sock_send(e->handle.get(), iov, &n, w); }));
  return c.mem().write<uint32_t>(out, static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX)));
}

Errno sock_shutdown(Call& c, uint32_t fd, uint32_t how) {
  FdEntry* e;
  WASI_TRY(socket_fd(c, fd, right::SOCK_SHUTDOWN, &e));
  if (how == 0 || (how & ~uint32_t{sdflag::RD | sdflag::WR})) return Errno::INVAL;
  return os::sock_shutdown(e->handle.get(), how & sdflag::RD, how & sdflag::WR);
}

}  // namespace wrun::wasi
