// Stdio is a stream to the guest, whatever the host gave it, and the guest never changes the
// open file description it shares with its parent: a log opened with `>>` keeps O_APPEND,
// a terminal or pipe never keeps an O_NONBLOCK the guest set, and a directory on stdin is no
// capability.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

// A host file descriptor closed when the test ends.
struct HostFd {
  int fd = -1;
  ~HostFd() {
    if (fd >= 0) ::close(fd);
  }
};

int host_flags(int fd) { return ::fcntl(fd, F_GETFL); }

// A guest whose stdin or stdout is a fresh pipe; the parent keeps the other end.
struct PipeStdio {
  enum Which { kStdin, kStdout };
  Sandbox sb;
  HostFd rd, wr;
  std::unique_ptr<Guest> g;
  explicit PipeStdio(Which which, int parent_flags = 0) {
    int p[2];
    if (::pipe(p) != 0) throw std::runtime_error("pipe");
    rd.fd = p[0], wr.fd = p[1];
    const int guest_end = which == kStdin ? rd.fd : wr.fd;
    if (parent_flags) ::fcntl(guest_end, F_SETFL, host_flags(guest_end) | parent_flags);
    Config c = sb.config();
    (which == kStdin ? c.stdin_fd : c.stdout_fd) = guest_end;
    g = std::make_unique<Guest>(c);
  }
};

uint64_t rights_of(Guest& g, uint32_t fd) {
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(fd), I32(3000)}), 0);
  return g.get_val<uint64_t>(3000 + layout::kFdstatRightsBase);
}

constexpr uint64_t kFileOnly = right::FD_SEEK | right::FD_TELL | right::FD_FILESTAT_SET_SIZE |
                               right::FD_FILESTAT_SET_TIMES | right::FD_ALLOCATE |
                               right::FD_ADVISE | right::FD_DATASYNC | right::FD_SYNC;

TEST(Stdio, ARedirectedLogStaysAppendOnly) {
  Sandbox sb;
  const fs::path log = sb.tmp.path() / "app.log";
  write_file(log, "earlier lines\n");
  HostFd out{::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)};
  ASSERT_GE(out.fd, 0);
  Config c = sb.config();
  c.stdout_fd = out.fd;
  Guest g(c);

  EXPECT_EQ(g.call("fd_fdstat_get", {I32(1), I32(3000)}), 0);
  EXPECT_EQ(g.mem()[3000 + layout::kFdstatFiletype], static_cast<uint8_t>(Filetype::UNKNOWN));
  EXPECT_EQ(g.get_val<uint16_t>(3000 + layout::kFdstatFlags), fdflag::APPEND);
  EXPECT_EQ(rights_of(g, 1) & kFileOnly, 0u);
  EXPECT_EQ(g.call("fd_filestat_get", {I32(1), I32(3100)}), 0);
  EXPECT_EQ(g.mem()[3100 + layout::kFilestatFiletype], static_cast<uint8_t>(Filetype::UNKNOWN));

  // Every way to write anywhere but the end, or to change the file, is refused...
  g.put(100, "OVERWRITE");
  g.put_val<uint32_t>(0, 100);
  g.put_val<uint32_t>(4, 9);
  EXPECT_EQ(g.call("fd_seek", {I32(1), I64(0), I32(0), I32(8)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_tell", {I32(1), I32(8)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_pwrite", {I32(1), I32(0), I32(1), I64(0), I32(8)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_filestat_set_size", {I32(1), I64(0)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_allocate", {I32(1), I64(0), I64(100)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_filestat_set_times", {I32(1), I64(0), I64(0), I32(fstflag::MTIM)}),
            E(Errno::NOTCAPABLE));
  // ...and clearing APPEND is the guest's view only: the parent's description keeps it.
  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(1), I32(0)}), 0);
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(1), I32(3000)}), 0);
  EXPECT_EQ(g.get_val<uint16_t>(3000 + layout::kFdstatFlags), 0);
  EXPECT_NE(host_flags(out.fd) & O_APPEND, 0);
  EXPECT_EQ(g.call("fd_write", {I32(1), I32(0), I32(1), I32(8)}), 0);
  EXPECT_EQ(read_file(log), "earlier lines\nOVERWRITE");
}

TEST(Stdio, NonblockingIsTheGuestsAloneOnAPipe) {
  PipeStdio s(PipeStdio::kStdin);
  Guest& g = *s.g;
  HostFd &rd = s.rd, &wr = s.wr;
  EXPECT_EQ(rights_of(g, 0) & kFileOnly, 0u);

  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(0), I32(fdflag::NONBLOCK)}), 0);
  EXPECT_EQ(host_flags(rd.fd) & O_NONBLOCK, 0);  // the parent's pipe is still blocking
  g.put_val<uint32_t>(0, 100);
  g.put_val<uint32_t>(4, 16);
  // Nothing to read: the guest asked not to wait, so it does not.
  EXPECT_EQ(g.call("fd_read", {I32(0), I32(0), I32(1), I32(8)}), E(Errno::AGAIN));
  ASSERT_EQ(::write(wr.fd, "typed", 5), 5);
  EXPECT_EQ(g.call("fd_read", {I32(0), I32(0), I32(1), I32(8)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(8), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + 100, 5), "typed");
  EXPECT_EQ(host_flags(rd.fd) & O_NONBLOCK, 0);
}

TEST(Stdio, WritesThatMustNotWaitStopAtAFullPipe) {
  PipeStdio s(PipeStdio::kStdout);
  Guest& g = *s.g;
  const HostFd& wr = s.wr;
  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(1), I32(fdflag::NONBLOCK)}), 0);
  std::memset(g.mem() + 4096, 'z', 60000);
  g.put_val<uint32_t>(0, 4096);
  g.put_val<uint32_t>(4, 60000);
  size_t total = 0;
  int32_t r = 0;
  for (int i = 0; i < 1000 && (r = g.call("fd_write", {I32(1), I32(0), I32(1), I32(8)})) == 0;
       ++i) {
    total += g.get_val<uint32_t>(8);
  }
  EXPECT_EQ(r, E(Errno::AGAIN));  // the pipe filled up, and the guest was told, not blocked
  EXPECT_GT(total, 0u);
  EXPECT_EQ(host_flags(wr.fd) & O_NONBLOCK, 0);
}

// A parent that made its end non-blocking: the guest sees NONBLOCK; if it clears it, its reads
// wait for data (the description itself stays non-blocking for the parent).
TEST(Stdio, BlockingReadsOnTheParentsNonblockingPipe) {
  PipeStdio s(PipeStdio::kStdin, O_NONBLOCK);
  Guest& g = *s.g;
  HostFd &rd = s.rd, &wr = s.wr;
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(0), I32(3000)}), 0);
  EXPECT_EQ(g.get_val<uint16_t>(3000 + layout::kFdstatFlags), fdflag::NONBLOCK);
  g.put_val<uint32_t>(0, 100);
  g.put_val<uint32_t>(4, 16);
  EXPECT_EQ(g.call("fd_read", {I32(0), I32(0), I32(1), I32(8)}), E(Errno::AGAIN));

  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(0), I32(0)}), 0);
  EXPECT_NE(host_flags(rd.fd) & O_NONBLOCK, 0);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!::write(wr.fd, "late", 4);
  });
  EXPECT_EQ(g.call("fd_read", {I32(0), I32(0), I32(1), I32(8)}), 0);  // waits, then reads
  writer.join();
  EXPECT_EQ(g.get_val<uint32_t>(8), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + 100, 4), "late");
}

// `wrun app.wasm < some/dir` must not hand the guest that directory.
TEST(Stdio, ADirectoryOnStdinIsNoCapability) {
  Sandbox sb;
  HostFd dir{::open(sb.outside.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  ASSERT_GE(dir.fd, 0);
  Config c = sb.config();
  c.stdin_fd = dir.fd;
  Guest g(c);
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(0), I32(3000)}), 0);
  EXPECT_EQ(g.mem()[3000 + layout::kFdstatFiletype], static_cast<uint8_t>(Filetype::UNKNOWN));
  EXPECT_EQ(rights_of(g, 0) & right::DIRECTORY_BASE & ~right::STREAM_BASE, 0u);
  g.put(1000, "secret.txt");
  EXPECT_EQ(g.call("path_open", {I32(0), I32(0), I32(1000), I32(10), I32(0), I64(right::FD_READ),
                                 I64(0), I32(0), I32(2000)}),
            E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_readdir", {I32(0), I32(100), I32(100), I64(0), I32(8)}),
            E(Errno::NOTCAPABLE));
}

}  // namespace
}  // namespace wrun::wasi::test
