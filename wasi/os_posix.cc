// The OS layer on POSIX hosts (Linux, macOS): thin wrappers over the *at system calls, with
// host errno values mapped to WASI's. Compiled everywhere except Windows (see CMakeLists.txt).
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <vector>

#if defined(__linux__)
#include <sys/random.h>
#endif
#if defined(__APPLE__)
#include <stdlib.h>  // arc4random_buf
#endif

#include "wasi/os.h"

namespace wrun::wasi::os {

namespace {

Errno from_host(int e) {
  switch (e) {
    case 0:
      return Errno::SUCCESS;
    case E2BIG:
      return Errno::TOOBIG;
    case EACCES:
      return Errno::ACCES;
    case EADDRINUSE:
      return Errno::ADDRINUSE;
    case EADDRNOTAVAIL:
      return Errno::ADDRNOTAVAIL;
    case EAFNOSUPPORT:
      return Errno::AFNOSUPPORT;
    case EAGAIN:
      return Errno::AGAIN;
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
      return Errno::AGAIN;
#endif
    case EALREADY:
      return Errno::ALREADY;
    case EBADF:
      return Errno::BADF;
    case EBADMSG:
      return Errno::BADMSG;
    case EBUSY:
      return Errno::BUSY;
    case ECANCELED:
      return Errno::CANCELED;
    case ECHILD:
      return Errno::CHILD;
    case ECONNABORTED:
      return Errno::CONNABORTED;
    case ECONNREFUSED:
      return Errno::CONNREFUSED;
    case ECONNRESET:
      return Errno::CONNRESET;
    case EDEADLK:
      return Errno::DEADLK;
    case EDESTADDRREQ:
      return Errno::DESTADDRREQ;
    case EDOM:
      return Errno::DOM;
    case EDQUOT:
      return Errno::DQUOT;
    case EEXIST:
      return Errno::EXIST;
    case EFAULT:
      return Errno::FAULT;
    case EFBIG:
      return Errno::FBIG;
    case EHOSTUNREACH:
      return Errno::HOSTUNREACH;
    case EIDRM:
      return Errno::IDRM;
    case EILSEQ:
      return Errno::ILSEQ;
    case EINPROGRESS:
      return Errno::INPROGRESS;
    case EINTR:
      return Errno::INTR;
    case EINVAL:
      return Errno::INVAL;
    case EIO:
      return Errno::IO;
    case EISCONN:
      return Errno::ISCONN;
    case EISDIR:
      return Errno::ISDIR;
    case ELOOP:
      return Errno::LOOP;
    case EMFILE:
      return Errno::MFILE;
    case EMLINK:
      return Errno::MLINK;
    case EMSGSIZE:
      return Errno::MSGSIZE;
    case EMULTIHOP:
      return Errno::MULTIHOP;
    case ENAMETOOLONG:
      return Errno::NAMETOOLONG;
    case ENETDOWN:
      return Errno::NETDOWN;
    case ENETRESET:
      return Errno::NETRESET;
    case ENETUNREACH:
      return Errno::NETUNREACH;
    case ENFILE:
      return Errno::NFILE;
    case ENOBUFS:
      return Errno::NOBUFS;
    case ENODEV:
      return Errno::NODEV;
    case ENOENT:
      return Errno::NOENT;
    case ENOEXEC:
      return Errno::NOEXEC;
    case ENOLCK:
      return Errno::NOLCK;
    case ENOLINK:
      return Errno::NOLINK;
    case ENOMEM:
      return Errno::NOMEM;
    case ENOMSG:
      return Errno::NOMSG;
    case ENOPROTOOPT:
      return Errno::NOPROTOOPT;
    case ENOSPC:
      return Errno::NOSPC;
    case ENOSYS:
      return Errno::NOSYS;
    case ENOTCONN:
      return Errno::NOTCONN;
    case ENOTDIR:
      return Errno::NOTDIR;
    case ENOTEMPTY:
      return Errno::NOTEMPTY;
    case ENOTRECOVERABLE:
      return Errno::NOTRECOVERABLE;
    case ENOTSOCK:
      return Errno::NOTSOCK;
    case ENOTSUP:
      return Errno::NOTSUP;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
      return Errno::NOTSUP;
#endif
    case ENOTTY:
      return Errno::NOTTY;
    case ENXIO:
      return Errno::NXIO;
    case EOVERFLOW:
      return Errno::OVERFLOW;
    case EOWNERDEAD:
      return Errno::OWNERDEAD;
    case EPERM:
      return Errno::PERM;
    case EPIPE:
      return Errno::PIPE;
    case EPROTO:
      return Errno::PROTO;
    case EPROTONOSUPPORT:
      return Errno::PROTONOSUPPORT;
    case EPROTOTYPE:
      return Errno::PROTOTYPE;
    case ERANGE:
      return Errno::RANGE;
    case EROFS:
      return Errno::ROFS;
    case ESPIPE:
      return Errno::SPIPE;
    case ESRCH:
      return Errno::SRCH;
    case ESTALE:
      return Errno::STALE;
    case ETIMEDOUT:
      return Errno::TIMEDOUT;
    case ETXTBSY:
      return Errno::TXTBSY;
    case EXDEV:
      return Errno::XDEV;
    default:
      return Errno::IO;
  }
}

Errno last_error() { return from_host(errno); }

int fd_of(Handle h) { return static_cast<int>(h.value); }
Handle handle_of(int fd) { return Handle{fd}; }

constexpr uint64_t kNsPerSec = 1000000000ull;

uint64_t to_ns(const struct timespec& ts) {
  if (ts.tv_sec < 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<uint64_t>(ts.tv_nsec);
}

struct timespec to_timespec(TimeSpec t) {
  struct timespec ts {};
  switch (t.kind) {
    case TimeSpec::Kind::Omit:
      ts.tv_nsec = UTIME_OMIT;
      break;
    case TimeSpec::Kind::Now:
      ts.tv_nsec = UTIME_NOW;
      break;
    case TimeSpec::Kind::Set:
      ts.tv_sec = static_cast<time_t>(t.ns / kNsPerSec);
      ts.tv_nsec = static_cast<long>(t.ns % kNsPerSec);
      break;
  }
  return ts;
}

Filetype type_of_mode(mode_t mode, int fd_for_socket) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return Filetype::REGULAR_FILE;
    case S_IFDIR:
      return Filetype::DIRECTORY;
    case S_IFCHR:
      return Filetype::CHARACTER_DEVICE;
    case S_IFBLK:
      return Filetype::BLOCK_DEVICE;
    case S_IFLNK:
      return Filetype::SYMBOLIC_LINK;
    case S_IFSOCK: {
      int type = 0;
      socklen_t len = sizeof(type);
      if (fd_for_socket >= 0 && getsockopt(fd_for_socket, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
          type == SOCK_DGRAM) {
        return Filetype::SOCKET_DGRAM;
      }
      return Filetype::SOCKET_STREAM;
    }
    default:
      return Filetype::UNKNOWN;  // FIFOs have no WASI file type
  }
}

void fill_stat(const struct stat& st, int fd_for_socket, FileStat* out) {
  out->dev = static_cast<uint64_t>(st.st_dev);
  out->ino = static_cast<uint64_t>(st.st_ino);
  out->type = type_of_mode(st.st_mode, fd_for_socket);
  out->nlink = static_cast<uint64_t>(st.st_nlink);
  out->size = st.st_size < 0 ? 0 : static_cast<uint64_t>(st.st_size);
#if defined(__APPLE__)
  out->atim = to_ns(st.st_atimespec);
  out->mtim = to_ns(st.st_mtimespec);
  out->ctim = to_ns(st.st_ctimespec);
#else
  out->atim = to_ns(st.st_atim);
  out->mtim = to_ns(st.st_mtim);
  out->ctim = to_ns(st.st_ctim);
#endif
}

// Guest iovecs as host iovecs, in place (at most IOV_MAX; a short transfer is allowed): no
// copy, so a call's host memory is the one list GuestMemory::iovecs made.
static_assert(sizeof(IoSlice) == sizeof(struct iovec) &&
              offsetof(IoSlice, data) == offsetof(struct iovec, iov_base) &&
              offsetof(IoSlice, len) == offsetof(struct iovec, iov_len));
std::span<struct iovec> host_iov(std::span<const IoSlice> iov) {
  // The kernel only reads them; iovec's pointer is not const only for readv's sake.
  auto* v = reinterpret_cast<struct iovec*>(const_cast<IoSlice*>(iov.data()));
  return {v, std::min<size_t>(iov.size(), IOV_MAX)};
}

// How a descriptor's I/O may wait: files never do; sockets take MSG_DONTWAIT; anything else
// (pipes, terminals, devices) is asked with poll first.
enum class StreamKind { File, Socket, Other };
StreamKind stream_kind(Handle h) {
  struct stat st;
  if (::fstat(fd_of(h), &st) != 0) return StreamKind::Other;
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode)) return StreamKind::File;
  return S_ISSOCK(st.st_mode) ? StreamKind::Socket : StreamKind::Other;
}

bool ready_now(Handle h, short events) {
  struct pollfd p {};
  p.fd = fd_of(h);
  p.events = events;
  return ::poll(&p, 1, 0) > 0;  // an error or hangup is "ready": the I/O call reports it
}

// The first `limit` bytes of an iovec array, as a copy of its first entries (the last one
// shortened); the whole array when it holds no more.
std::vector<struct iovec> first_bytes(std::span<const struct iovec> v, size_t limit) {
  std::vector<struct iovec> out;
  size_t total = 0;
  for (const struct iovec& e : v) {
    out.push_back(e);
    if (e.iov_len >= limit - total) {
      out.back().iov_len = limit - total;
      break;
    }
    total += e.iov_len;
  }
  return out;
}

// Retries a system call interrupted by a signal.
template <class F>
auto retry(F f) {
  for (;;) {
    auto r = f();
    if (r == -1 && errno == EINTR) continue;
    return r;
  }
}

Errno io_result(ssize_t r, size_t* n) {
  if (r < 0) return last_error();
  *n = static_cast<size_t>(r);
  return Errno::SUCCESS;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Descriptors

Errno close(Handle h) { return ::close(fd_of(h)) == 0 ? Errno::SUCCESS : last_error(); }

Errno duplicate(Handle h, Handle* out) {
  int fd = fcntl(fd_of(h), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return last_error();
  *out = handle_of(fd);
  return Errno::SUCCESS;
}

Errno duplicate_stdio(int fd, Handle* out) { return duplicate(handle_of(fd), out); }

Errno open_directory(const std::string& host_path, Handle* out) {
  int fd = retry([&] { return ::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) return last_error();
  *out = handle_of(fd);
  return Errno::SUCCESS;
}

Errno fstat(Handle h, FileStat* out) {
  struct stat st;
  if (::fstat(fd_of(h), &st) != 0) return last_error();
  fill_stat(st, fd_of(h), out);
  return Errno::SUCCESS;
}

Errno get_fdflags(Handle h, uint16_t* out) {
  int fl = fcntl(fd_of(h), F_GETFL);
  if (fl < 0) return last_error();
  uint16_t f = 0;
  if (fl & O_APPEND) f |= fdflag::APPEND;
  if (fl & O_NONBLOCK) f |= fdflag::NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC) {
    f |= fdflag::SYNC;
  } else if (fl & O_DSYNC) {
    f |= fdflag::DSYNC;
  }
  *out = f;
  return Errno::SUCCESS;
}

Errno set_fdflags(Handle h, uint16_t flags) {
  int fl = fcntl(fd_of(h), F_GETFL);
  if (fl < 0) return last_error();
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & fdflag::APPEND) fl |= O_APPEND;
  if (flags & fdflag::NONBLOCK) fl |= O_NONBLOCK;
  return fcntl(fd_of(h), F_SETFL, fl) == 0 ? Errno::SUCCESS : last_error();
}

// ---------------------------------------------------------------------------------------------
// I/O

Errno read(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait) {
  if (wait == Wait::Never) {
    switch (stream_kind(h)) {
      case StreamKind::Socket:
        return sock_recv(h, iov, false, false, n, nullptr, wait);
      case StreamKind::Other:
        if (!ready_now(h, POLLIN)) return Errno::AGAIN;
        break;
      case StreamKind::File:
        break;  // never waits
    }
  }
  auto v = host_iov(iov);
  return io_result(retry([&] { return ::readv(fd_of(h), v.data(), static_cast<int>(v.size())); }),
                   n);
}

Errno write(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait) {
  std::span<const struct iovec> v = host_iov(iov);
  std::vector<struct iovec> limited;
  if (wait == Wait::Never) {
    switch (stream_kind(h)) {
      case StreamKind::Socket:
        return sock_send(h, iov, n, wait);
      case StreamKind::Other:
        if (!ready_now(h, POLLOUT)) return Errno::AGAIN;
        limited = first_bytes(v, PIPE_BUF);
        v = limited;
        break;
      case StreamKind::File:
        break;  // never waits
    }
  }
  return io_result(retry([&] { return ::writev(fd_of(h), v.data(), static_cast<int>(v.size())); }),
                   n);
}

Errno wait_ready(Handle h, bool read) {
  struct pollfd p {};
  p.fd = fd_of(h);
  p.events = read ? POLLIN : POLLOUT;
  return retry([&] { return ::poll(&p, 1, -1); }) < 0 ? last_error() : Errno::SUCCESS;
}

Errno pread(Handle h, std::span<const IoSlice> iov, uint64_t offset, size_t* n) {
  if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno::INVAL;
  auto v = host_iov(iov);
#if defined(__APPLE__)
  // No preadv before macOS 11: one buffer at a time, stopping at a short read.
  size_t total = 0;
  for (auto& b : v) {
    ssize_t r = retry([&] {
      return ::pread(fd_of(h), b.iov_base, b.iov_len, static_cast<off_t>(offset + total));
    });
    if (r < 0) return total ? (*n = total, Errno::SUCCESS) : last_error();
    total += static_cast<size_t>(r);
    if (static_cast<size_t>(r) < b.iov_len) break;
  }
  *n = total;
  return Errno::SUCCESS;
#else
  return io_result(retry([&] {
                     return ::preadv(fd_of(h), v.data(), static_cast<int>(v.size()),
                                     static_cast<off_t>(offset));
                   }),
                   n);
#endif
}

Errno pwrite(Handle h, std::span<const IoSlice> iov, uint64_t offset, size_t* n) {
  if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno::INVAL;
  auto v = host_iov(iov);
#if defined(__APPLE__)
  size_t total = 0;
  for (auto& b : v) {
    ssize_t r = retry([&] {
      return ::pwrite(fd_of(h), b.iov_base, b.iov_len, static_cast<off_t>(offset + total));
    });
    if (r < 0) return total ? (*n = total, Errno::SUCCESS) : last_error();
    total += static_cast<size_t>(r);
    if (static_cast<size_t>(r) < b.iov_len) break;
  }
  *n = total;
  return Errno::SUCCESS;
#else
  return io_result(retry([&] {
                     return ::pwritev(fd_of(h), v.data(), static_cast<int>(v.size()),
                                      static_cast<off_t>(offset));
                   }),
                   n);
#endif
}

Errno seek(Handle h, int64_t delta, Whence whence, uint64_t* new_offset) {
  int w = whence == Whence::SET ? SEEK_SET : whence == Whence::CUR ? SEEK_CUR : SEEK_END;
  off_t r = ::lseek(fd_of(h), static_cast<off_t>(delta), w);
  if (r < 0) return last_error();
  *new_offset = static_cast<uint64_t>(r);
  return Errno::SUCCESS;
}

Errno sync(Handle h) { return ::fsync(fd_of(h)) == 0 ? Errno::SUCCESS : last_error(); }

Errno datasync(Handle h) {
#if defined(__APPLE__)
  return ::fsync(fd_of(h)) == 0 ? Errno::SUCCESS : last_error();
#else
  return ::fdatasync(fd_of(h)) == 0 ? Errno::SUCCESS : last_error();
#endif
}

Errno advise(Handle h, uint64_t offset, uint64_t len, Advice advice) {
  if (offset > static_cast<uint64_t>(INT64_MAX) || len > static_cast<uint64_t>(INT64_MAX)) {
    return Errno::INVAL;
  }
#if defined(__APPLE__)
  (void)h;
  (void)advice;
  return Errno::SUCCESS;  // advice is only a hint; macOS has no posix_fadvise
#else
  int a = POSIX_FADV_NORMAL;
  switch (advice) {
    case Advice::NORMAL:
      a = POSIX_FADV_NORMAL;
      break;
    case Advice::SEQUENTIAL:
      a = POSIX_FADV_SEQUENTIAL;
      break;
    case Advice::RANDOM:
      a = POSIX_FADV_RANDOM;
      break;
    case Advice::WILLNEED:
      a = POSIX_FADV_WILLNEED;
      break;
    case Advice::DONTNEED:
      a = POSIX_FADV_DONTNEED;
      break;
    case Advice::NOREUSE:
      a = POSIX_FADV_NOREUSE;
      break;
  }
  int r = posix_fadvise(fd_of(h), static_cast<off_t>(offset), static_cast<off_t>(len), a);
  return from_host(r);
#endif
}

Errno allocate(Handle h, uint64_t offset, uint64_t len) {
  if (offset > static_cast<uint64_t>(INT64_MAX) ||
      len > static_cast<uint64_t>(INT64_MAX) - offset) {
    return Errno::FBIG;
  }
#if defined(__APPLE__)
  struct stat st;
  if (::fstat(fd_of(h), &st) != 0) return last_error();
  if (static_cast<uint64_t>(st.st_size) >= offset + len) return Errno::SUCCESS;
  return ::ftruncate(fd_of(h), static_cast<off_t>(offset + len)) == 0 ? Errno::SUCCESS
                                                                      : last_error();
#else
  int r;
  do {
    r = posix_fallocate(fd_of(h), static_cast<off_t>(offset), static_cast<off_t>(len));
  } while (r == EINTR);
  if (r == EOPNOTSUPP) return Errno::NOTSUP;
  return from_host(r);
#endif
}

Errno set_size(Handle h, uint64_t size) {
  if (size > static_cast<uint64_t>(INT64_MAX)) return Errno::FBIG;
  return retry([&] { return ::ftruncate(fd_of(h), static_cast<off_t>(size)); }) == 0
             ? Errno::SUCCESS
             : last_error();
}

Errno set_times(Handle h, TimeSpec atim, TimeSpec mtim) {
  struct timespec ts[2] = {to_timespec(atim), to_timespec(mtim)};
  return ::futimens(fd_of(h), ts) == 0 ? Errno::SUCCESS : last_error();
}

Errno bytes_readable(Handle h, uint64_t* out) {
  struct stat st;
  if (::fstat(fd_of(h), &st) != 0) return last_error();
  if (S_ISREG(st.st_mode)) {
    off_t pos = ::lseek(fd_of(h), 0, SEEK_CUR);
    if (pos < 0) return last_error();
    *out = st.st_size > pos ? static_cast<uint64_t>(st.st_size - pos) : 0;
    return Errno::SUCCESS;
  }
  int n = 0;
  if (::ioctl(fd_of(h), FIONREAD, &n) != 0) return last_error();
  *out = n > 0 ? static_cast<uint64_t>(n) : 0;
  return Errno::SUCCESS;
}

// ---------------------------------------------------------------------------------------------
// One path component relative to a directory

Errno open_at(Handle dir, const std::string& name, const OpenFlags& f, Handle* out) {
  int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
#if defined(O_PATH)
  if (f.search_only) {
    flags |= O_PATH | O_DIRECTORY;
  } else
#endif
  {
    if (f.read && f.write) {
      flags |= O_RDWR;
    } else if (f.write) {
      flags |= O_WRONLY;
    } else {
      flags |= O_RDONLY;
    }
    if (f.create) flags |= O_CREAT;
    if (f.exclusive) flags |= O_EXCL;
    if (f.truncate) flags |= O_TRUNC;
    if (f.directory || f.search_only) flags |= O_DIRECTORY;
    if (f.fdflags & fdflag::APPEND) flags |= O_APPEND;
    if (f.fdflags & fdflag::NONBLOCK) flags |= O_NONBLOCK;
    if (f.fdflags & fdflag::DSYNC) flags |= O_DSYNC;
    if (f.fdflags & fdflag::SYNC) flags |= O_SYNC;
    if (f.fdflags & fdflag::RSYNC) {
#if defined(O_RSYNC)
      flags |= O_RSYNC;
#else
      return Errno::NOTSUP;
#endif
    }
  }
  int fd = retry([&] { return ::openat(fd_of(dir), name.c_str(), flags, 0666); });
  if (fd < 0) return last_error();
  *out = handle_of(fd);
  return Errno::SUCCESS;
}

Errno stat_at(Handle dir, const std::string& name, FileStat* out) {
  struct stat st;
  if (::fstatat(fd_of(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return last_error();
  fill_stat(st, -1, out);
  return Errno::SUCCESS;
}

Errno set_times_at(Handle dir, const std::string& name, TimeSpec atim, TimeSpec mtim) {
  struct timespec ts[2] = {to_timespec(atim), to_timespec(mtim)};
  return ::utimensat(fd_of(dir), name.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? Errno::SUCCESS
                                                                             : last_error();
}

Errno mkdir_at(Handle dir, const std::string& name) {
  return ::mkdirat(fd_of(dir), name.c_str(), 0777) == 0 ? Errno::SUCCESS : last_error();
}

Errno unlink_at(Handle dir, const std::string& name) {
  if (::unlinkat(fd_of(dir), name.c_str(), 0) == 0) return Errno::SUCCESS;
  int e = errno;
#if defined(__APPLE__)
  // macOS says EPERM for a directory; WASI programs expect Linux's EISDIR.
  struct stat st;
  if (e == EPERM && ::fstatat(fd_of(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISDIR(st.st_mode)) {
    return Errno::ISDIR;
  }
#endif
  return from_host(e);
}

Errno rmdir_at(Handle dir, const std::string& name) {
  return ::unlinkat(fd_of(dir), name.c_str(), AT_REMOVEDIR) == 0 ? Errno::SUCCESS : last_error();
}

Errno rename_at(Handle from_dir, const std::string& from, Handle to_dir, const std::string& to) {
  return ::renameat(fd_of(from_dir), from.c_str(), fd_of(to_dir), to.c_str()) == 0 ? Errno::SUCCESS
                                                                                   : last_error();
}

Errno link_at(Handle from_dir, const std::string& from, Handle to_dir, const std::string& to) {
  return ::linkat(fd_of(from_dir), from.c_str(), fd_of(to_dir), to.c_str(), 0) == 0 ? Errno::SUCCESS
                                                                                    : last_error();
}

Errno symlink_at(const std::string& target, Handle dir, const std::string& name) {
  return ::symlinkat(target.c_str(), fd_of(dir), name.c_str()) == 0 ? Errno::SUCCESS : last_error();
}

Errno readlink_at(Handle dir, const std::string& name, std::string* out) {
  std::vector<char> buf(256);
  for (;;) {
    ssize_t r = ::readlinkat(fd_of(dir), name.c_str(), buf.data(), buf.size());
    if (r < 0) return last_error();
    if (static_cast<size_t>(r) < buf.size()) {
      out->assign(buf.data(), static_cast<size_t>(r));
      return Errno::SUCCESS;
    }
    if (buf.size() >= (1u << 20)) return Errno::NAMETOOLONG;
    buf.resize(buf.size() * 2);
  }
}

Errno DirStream::open(Handle dir, std::unique_ptr<DirStream>* out) {
  int fd = ::openat(fd_of(dir), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  DIR* d = ::fdopendir(fd);
  if (!d) {
    Errno e = last_error();
    ::close(fd);
    return e;
  }
  std::unique_ptr<DirStream> s(new DirStream());
  s->dir_ = d;
  struct stat self;
  if (::fstat(fd, &self) == 0) s->self_ino_ = static_cast<uint64_t>(self.st_ino);
  *out = std::move(s);
  return Errno::SUCCESS;
}

DirStream::~DirStream() {
  if (dir_) ::closedir(static_cast<DIR*>(dir_));
}

void DirStream::rewind() { ::rewinddir(static_cast<DIR*>(dir_)); }

Errno DirStream::next(DirEntry* out, bool* end) {
  DIR* d = static_cast<DIR*>(dir_);
  errno = 0;
  struct dirent* de = ::readdir(d);
  if (!de) {
    *end = true;
    return errno ? last_error() : Errno::SUCCESS;
  }
  *end = false;
  out->name = de->d_name;
  out->ino = static_cast<uint64_t>(de->d_ino);
  switch (de->d_type) {
    case DT_REG:
      out->type = Filetype::REGULAR_FILE;
      break;
    case DT_DIR:
      out->type = Filetype::DIRECTORY;
      break;
    case DT_LNK:
      out->type = Filetype::SYMBOLIC_LINK;
      break;
    case DT_CHR:
      out->type = Filetype::CHARACTER_DEVICE;
      break;
    case DT_BLK:
      out->type = Filetype::BLOCK_DEVICE;
      break;
    case DT_SOCK:
      out->type = Filetype::SOCKET_STREAM;
      break;
    case DT_UNKNOWN: {
      out->type = Filetype::UNKNOWN;
      struct stat st;
      if (::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        out->type = type_of_mode(st.st_mode, -1);
        out->ino = static_cast<uint64_t>(st.st_ino);
      }
      break;
    }
    default:
      out->type = Filetype::UNKNOWN;
      break;
  }
  if (out->name == "." && self_ino_) out->ino = self_ino_;
  return Errno::SUCCESS;
}

// ---------------------------------------------------------------------------------------------
// Clocks, randomness, scheduling

namespace {
bool host_clock(ClockId id, clockid_t* out) {
  switch (id) {
    case ClockId::REALTIME:
      *out = CLOCK_REALTIME;
      return true;
    case ClockId::MONOTONIC:
      *out = CLOCK_MONOTONIC;
      return true;
    case ClockId::PROCESS_CPUTIME:
      *out = CLOCK_PROCESS_CPUTIME_ID;
      return true;
    case ClockId::THREAD_CPUTIME:
      *out = CLOCK_THREAD_CPUTIME_ID;
      return true;
  }
  return false;
}
}  // namespace

Errno clock_res(ClockId id, uint64_t* ns) {
  clockid_t c;
  if (!host_clock(id, &c)) return Errno::INVAL;
  struct timespec ts;
  if (::clock_getres(c, &ts) != 0) return last_error();
  *ns = std::max<uint64_t>(to_ns(ts), 1);
  return Errno::SUCCESS;
}

Errno clock_now(ClockId id, uint64_t* ns) {
  clockid_t c;
  if (!host_clock(id, &c)) return Errno::INVAL;
  struct timespec ts;
  if (::clock_gettime(c, &ts) != 0) return last_error();
  *ns = to_ns(ts);
  return Errno::SUCCESS;
}

Errno random_fill(uint8_t* data, size_t len) {
#if defined(__APPLE__)
  arc4random_buf(data, len);
  return Errno::SUCCESS;
#else
  size_t done = 0;
  while (done < len) {
    ssize_t r = ::getrandom(data + done, len - done, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    done += static_cast<size_t>(r);
  }
  return Errno::SUCCESS;
#endif
}

void yield() { ::sched_yield(); }

Errno poll(std::span<const PollRequest> requests, std::optional<uint64_t> timeout_ns,
           std::vector<PollResult>* out) {
  std::vector<struct pollfd> fds(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    fds[i].fd = fd_of(requests[i].handle);
    fds[i].events = requests[i].read ? POLLIN : POLLOUT;
  }
  int timeout_ms = -1;
  if (timeout_ns) {
    uint64_t ms = *timeout_ns / 1000000 + (*timeout_ns % 1000000 ? 1 : 0);
    timeout_ms = static_cast<int>(std::min<uint64_t>(ms, INT_MAX));
  }
  int r = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout_ms);
  if (r < 0 && errno != EINTR) return last_error();
  out->assign(requests.size(), PollResult{});
  if (r <= 0) return Errno::SUCCESS;
  for (size_t i = 0; i < fds.size(); ++i) {
    short re = fds[i].revents;
    PollResult& p = (*out)[i];
    if (re & POLLNVAL) {
      p.ready = true;
      p.error = Errno::BADF;
    } else if (re & (POLLIN | POLLOUT | POLLHUP | POLLERR)) {
      p.ready = true;
      p.hangup = (re & POLLHUP) != 0;
    }
  }
  return Errno::SUCCESS;
}

void sleep(uint64_t ns) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(std::min<uint64_t>(ns / kNsPerSec, INT32_MAX));
  ts.tv_nsec = static_cast<long>(ns % kNsPerSec);
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// ---------------------------------------------------------------------------------------------
// Sockets

Errno sock_accept(Handle h, bool nonblock, Handle* out, Wait wait) {
  if (wait == Wait::Never && !ready_now(h, POLLIN)) return Errno::AGAIN;
#if defined(__linux__)
  int fd = retry([&] {
    return ::accept4(fd_of(h), nullptr, nullptr, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
  });
  if (fd < 0) return last_error();
#else
  int fd = retry([&] { return ::accept(fd_of(h), nullptr, nullptr); });
  if (fd < 0) return last_error();
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (nonblock) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
  *out = handle_of(fd);
  return Errno::SUCCESS;
}

Errno sock_recv(Handle h, std::span<const IoSlice> iov, bool peek, bool waitall, size_t* n,
                bool* truncated, Wait wait) {
  auto v = host_iov(iov);
  struct msghdr msg {};
  msg.msg_iov = v.data();
  msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(v.size());
  int flags = (peek ? MSG_PEEK : 0) | (waitall ? MSG_WAITALL : 0) |
              (wait == Wait::Never ? MSG_DONTWAIT : 0);
  ssize_t r = retry([&] { return ::recvmsg(fd_of(h), &msg, flags); });
  if (r < 0) return last_error();
  *n = static_cast<size_t>(r);
  if (truncated) *truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  return Errno::SUCCESS;
}

Errno sock_send(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait) {
  auto v = host_iov(iov);
  struct msghdr msg {};
  msg.msg_iov = v.data();
  msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(v.size());
#if defined(MSG_NOSIGNAL)
  int flags = MSG_NOSIGNAL;
#else
  int flags = 0;
#endif
  if (wait == Wait::Never) flags |= MSG_DONTWAIT;
  return io_result(retry([&] { return ::sendmsg(fd_of(h), &msg, flags); }), n);
}

Errno sock_shutdown(Handle h, bool rd, bool wr) {
  int how = rd && wr ? SHUT_RDWR : rd ? SHUT_RD : SHUT_WR;
  return ::shutdown(fd_of(h), how) == 0 ? Errno::SUCCESS : last_error();
}

}  // namespace wrun::wasi::os
