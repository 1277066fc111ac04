// What the functions do when called properly: readdir cookies and cut entries, poll_oneoff
// clocks and readiness, sockets handed in, descriptor renumbering.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <set>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

using namespace std::chrono;

TEST(Readdir, CookiesResumeAndTheLastEntryIsCut) {
  Sandbox sb;
  fs::create_directories(sb.sandbox / "many");
  std::set<std::string> expected = {".", ".."};
  for (int i = 0; i < 40; ++i) {
    std::string name = "entry-with-a-longish-name-" + std::to_string(i);
    write_file(sb.sandbox / "many" / name, "");
    expected.insert(name);
  }
  Guest g(sb.config());
  g.put(1000, "many");
  ASSERT_EQ(g.call("path_open", {I32(kPreopenFd), I32(0), I32(1000), I32(4), I32(oflag::DIRECTORY),
                                 I64(right::FD_READDIR), I64(0), I32(0), I32(2000)}),
            0);
  uint32_t dir = g.get_val<uint32_t>(2000);

  // Small buffers: each call returns whole entries and then a cut one (bufused == buf_len).
  for (uint32_t buf_len : {24u, 50u, 100u, 333u, 4096u}) {
    std::set<std::string> seen;
    uint64_t cookie = 0;
    for (int calls = 0; calls < 1000; ++calls) {
      ASSERT_EQ(g.call("fd_readdir", {I32(dir), I32(8192), I32(buf_len), I64(cookie), I32(100)}),
                0);
      uint32_t used = g.get_val<uint32_t>(100);
      ASSERT_LE(used, buf_len);
      uint32_t at = 0;
      bool whole_entry = false;
      while (at + layout::kDirentSize <= used) {
        uint64_t next = g.get_val<uint64_t>(8192 + at);
        uint32_t namlen = g.get_val<uint32_t>(8192 + at + layout::kDirentNamlen);
        if (at + layout::kDirentSize + namlen > used) break;  // the cut entry
        std::string name(reinterpret_cast<char*>(g.mem()) + 8192 + at + layout::kDirentSize,
                         namlen);
        EXPECT_TRUE(seen.insert(name).second) << "twice: " << name;
        cookie = next;
        whole_entry = true;
        at += layout::kDirentSize + namlen;
      }
      if (used < buf_len) break;  // the end of the directory
      if (!whole_entry) {
        // Not even one entry fits: the guest must offer a bigger buffer.
        EXPECT_LT(buf_len, 24u + 30u);
        break;
      }
    }
    if (buf_len >= 100) {
      EXPECT_EQ(seen, expected) << "buffer " << buf_len;
    }
  }
}

TEST(Poll, RelativeClockWaits) {
  Sandbox sb;
  Guest g(sb.config());
  std::memset(g.mem(), 0, 48);
  g.put_val<uint64_t>(0, 77);
  g.mem()[8] = static_cast<uint8_t>(EventType::CLOCK);
  g.put_val<uint32_t>(16, static_cast<uint32_t>(ClockId::MONOTONIC));
  g.put_val<uint64_t>(24, 20'000'000);  // 20 ms
  auto t0 = steady_clock::now();
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(1), I32(2048)}), 0);
  EXPECT_GE(steady_clock::now() - t0, milliseconds(20));
  EXPECT_EQ(g.get_val<uint32_t>(2048), 1u);
  EXPECT_EQ(g.get_val<uint64_t>(1024), 77u);
  EXPECT_EQ(g.get_val<uint16_t>(1024 + 8), 0);
  EXPECT_EQ(g.mem()[1024 + 10], static_cast<uint8_t>(EventType::CLOCK));
}

TEST(Poll, AbsoluteClockInThePastFiresAtOnce) {
  Sandbox sb;
  Guest g(sb.config());
  std::memset(g.mem(), 0, 48);
  g.mem()[8] = static_cast<uint8_t>(EventType::CLOCK);
  g.put_val<uint32_t>(16, static_cast<uint32_t>(ClockId::REALTIME));
  g.put_val<uint64_t>(24, 1'000'000'000);  // 1970
  g.put_val<uint16_t>(40, subclockflag::ABSTIME);
  auto t0 = steady_clock::now();
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(1), I32(2048)}), 0);
  EXPECT_LT(steady_clock::now() - t0, seconds(1));
  EXPECT_EQ(g.get_val<uint32_t>(2048), 1u);
}

TEST(Poll, FilesAreReadyAndALongClockDoesNotWait) {
  Sandbox sb;
  Guest g(sb.config());
  g.put(1000, "file.txt");
  ASSERT_EQ(g.call("path_open",
                   {I32(kPreopenFd), I32(0), I32(1000), I32(8), I32(0),
                    I64(right::FD_READ | right::POLL_FD_READWRITE), I64(0), I32(0), I32(2000)}),
            0);
  uint32_t fd = g.get_val<uint32_t>(2000);
  std::memset(g.mem(), 0, 96);
  g.mem()[8] = static_cast<uint8_t>(EventType::CLOCK);
  g.put_val<uint32_t>(16, static_cast<uint32_t>(ClockId::MONOTONIC));
  g.put_val<uint64_t>(24, 3600'000'000'000ull);  // an hour
  g.put_val<uint64_t>(48, 5);
  g.mem()[56] = static_cast<uint8_t>(EventType::FD_READ);
  g.put_val<uint32_t>(64, fd);
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(2), I32(2048)}), 0);
  ASSERT_EQ(g.get_val<uint32_t>(2048), 1u);
  EXPECT_EQ(g.get_val<uint64_t>(1024), 5u);
  EXPECT_EQ(g.get_val<uint64_t>(1024 + 16), 5u);  // "hello" is left to read
}

// Pipes go through the host's poll: an empty pipe is not readable (the clock fires), a pipe
// with data is, with the byte count, and a pipe with room is writable.
TEST(Poll, PipeReadinessAndTimeouts) {
  Sandbox sb;
  int in[2], out[2];
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(pipe(out), 0);
  Config c = sb.config();
  c.stdin_fd = in[0];
  c.stdout_fd = out[1];
  Guest g(c);
  auto subscribe = [&](uint32_t at, uint64_t userdata, EventType type, uint32_t fd_or_clock,
                       uint64_t timeout) {
    std::memset(g.mem() + at, 0, 48);
    g.put_val<uint64_t>(at, userdata);
    g.mem()[at + 8] = static_cast<uint8_t>(type);
    g.put_val<uint32_t>(at + 16, fd_or_clock);
    g.put_val<uint64_t>(at + 24, timeout);
  };
  subscribe(0, 1, EventType::FD_READ, 0, 0);
  subscribe(48, 2, EventType::CLOCK, static_cast<uint32_t>(ClockId::MONOTONIC), 10'000'000);
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(2), I32(2048)}), 0);
  ASSERT_EQ(g.get_val<uint32_t>(2048), 1u);
  EXPECT_EQ(g.get_val<uint64_t>(1024), 2u);  // only the clock

  ASSERT_EQ(::write(in[1], "abc", 3), 3);
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(2), I32(2048)}), 0);
  ASSERT_EQ(g.get_val<uint32_t>(2048), 1u);
  EXPECT_EQ(g.get_val<uint64_t>(1024), 1u);
  EXPECT_EQ(g.mem()[1024 + 10], static_cast<uint8_t>(EventType::FD_READ));
  EXPECT_EQ(g.get_val<uint64_t>(1024 + 16), 3u);

  subscribe(0, 3, EventType::FD_WRITE, 1, 0);
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(1), I32(2048)}), 0);
  ASSERT_EQ(g.get_val<uint32_t>(2048), 1u);
  EXPECT_EQ(g.get_val<uint64_t>(1024), 3u);
  EXPECT_EQ(g.get_val<uint16_t>(1024 + 8), 0);

  // The writer hung up: reading is "ready" with the hangup flag.
  ::close(in[1]);
  ASSERT_EQ(::read(in[0], g.mem() + 4000, 3), 3);
  subscribe(0, 4, EventType::FD_READ, 0, 0);
  ASSERT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(1), I32(2048)}), 0);
  EXPECT_EQ(g.get_val<uint16_t>(1024 + 24), eventrwflag::HANGUP);
  for (int fd : {in[0], out[0], out[1]}) ::close(fd);
}

TEST(Sockets, HandedInSocketsWork) {
  Sandbox sb;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  Config c = sb.config();
  c.sockets = {sv[1]};
  Guest g(c);
  const uint32_t sock = kPreopenFd + 1;
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(sock), I32(3000)}), 0);
  EXPECT_EQ(g.mem()[3000], static_cast<uint8_t>(Filetype::SOCKET_STREAM));

  ASSERT_EQ(::write(sv[0], "ping", 4), 4);
  g.put_val<uint32_t>(0, 100);
  g.put_val<uint32_t>(4, 16);
  EXPECT_EQ(
      g.call("sock_recv", {I32(sock), I32(0), I32(1), I32(riflag::RECV_PEEK), I32(8), I32(12)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(8), 4u);
  EXPECT_EQ(g.call("sock_recv", {I32(sock), I32(0), I32(1), I32(0), I32(8), I32(12)}), 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + 100, 4), "ping");
  EXPECT_EQ(g.get_val<uint16_t>(12), 0);
  EXPECT_EQ(g.call("sock_recv", {I32(sock), I32(0), I32(1), I32(4), I32(8), I32(12)}),
            E(Errno::INVAL));
  EXPECT_EQ(g.call("sock_recv", {I32(sock), I32(0), I32(1), I32(0), I32(65535), I32(12)}),
            E(Errno::FAULT));

  g.put(200, "pong");
  g.put_val<uint32_t>(16, 200);
  g.put_val<uint32_t>(20, 4);
  EXPECT_EQ(g.call("sock_send", {I32(sock), I32(16), I32(1), I32(0), I32(24)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(24), 4u);
  char buf[8] = {};
  ASSERT_EQ(::read(sv[0], buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
  EXPECT_EQ(g.call("sock_send", {I32(sock), I32(16), I32(1), I32(1), I32(24)}), E(Errno::INVAL));

  EXPECT_EQ(g.call("sock_accept", {I32(sock), I32(0), I32(28)}), E(Errno::INVAL));  // connected
  EXPECT_EQ(g.call("sock_shutdown", {I32(sock), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("sock_shutdown", {I32(sock), I32(sdflag::WR)}), 0);
  EXPECT_EQ(::read(sv[0], buf, sizeof buf), 0);  // the guest's side is shut for writing
  ::close(sv[0]);
  ::close(sv[1]);
}

// fd_write on a socket whose peer is gone is EPIPE for the guest, never SIGPIPE for the host
// (found by fuzz_wasi: regressions/fuzz_wasi/fd-write-to-closed-socket-sigpipe.bin).
TEST(Sockets, WriteToAClosedPeerIsPipeNotSigpipe) {
  Sandbox sb;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ::close(sv[0]);
  Config c = sb.config();
  c.sockets = {sv[1]};
  Guest g(c);
  const uint32_t sock = kPreopenFd + 1;
  struct sigaction old_action;
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGPIPE, &default_action, &old_action), 0);  // as in an embedder
  g.put(200, "lost");
  g.put_val<uint32_t>(16, 200);
  g.put_val<uint32_t>(20, 4);
  EXPECT_EQ(g.call("fd_write", {I32(sock), I32(16), I32(1), I32(24)}), E(Errno::PIPE));
  EXPECT_EQ(g.call("sock_send", {I32(sock), I32(16), I32(1), I32(0), I32(24)}), E(Errno::PIPE));
  sigaction(SIGPIPE, &old_action, nullptr);
  ::close(sv[1]);
}

TEST(Sockets, AcceptOnAListeningSocket) {
  Sandbox sb;
  int lst = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(lst, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = (sb.tmp.path() / "sock").string();
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(bind(lst, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(lst, 1), 0);
  Config c = sb.config();
  c.sockets = {lst};
  Guest g(c);
  const uint32_t sock = kPreopenFd + 1;
  // Nothing is waiting yet: a non-blocking accept says so.
  ASSERT_EQ(g.call("fd_fdstat_set_flags", {I32(sock), I32(fdflag::NONBLOCK)}), 0);
  EXPECT_EQ(g.call("sock_accept", {I32(sock), I32(0), I32(0)}), E(Errno::AGAIN));
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::write(client, "hi", 2), 2);
  EXPECT_EQ(g.call("sock_accept", {I32(sock), I32(0x100), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("sock_accept", {I32(sock), I32(0), I32(65534)}), E(Errno::FAULT));
  ASSERT_EQ(g.call("sock_accept", {I32(sock), I32(0), I32(0)}), 0);
  uint32_t conn = g.get_val<uint32_t>(0);
  EXPECT_GT(conn, sock);
  g.put_val<uint32_t>(8, 100);
  g.put_val<uint32_t>(12, 8);
  EXPECT_EQ(g.call("sock_recv", {I32(conn), I32(8), I32(1), I32(0), I32(16), I32(20)}), 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + 100, g.get_val<uint32_t>(16)), "hi");
  EXPECT_EQ(g.call("sock_accept", {I32(conn), I32(0), I32(0)}), E(Errno::NOTCAPABLE));
  ::close(client);
  ::close(lst);
}

TEST(Descriptors, RenumberAndClose) {
  Sandbox sb;
  Guest g(sb.config());
  g.put(1000, "file.txt");
  auto open = [&] {
    EXPECT_EQ(g.call("path_open", {I32(kPreopenFd), I32(0), I32(1000), I32(8), I32(0),
                                   I64(right::FD_READ), I64(0), I32(0), I32(2000)}),
              0);
    return g.get_val<uint32_t>(2000);
  };
  uint32_t a = open(), b = open();
  EXPECT_EQ(a, 4u);
  EXPECT_EQ(b, 5u);
  EXPECT_EQ(g.call("fd_renumber", {I32(a), I32(b)}), 0);
  EXPECT_EQ(g.call("fd_close", {I32(a)}), E(Errno::BADF));
  EXPECT_EQ(g.call("fd_renumber", {I32(b), I32(a)}), E(Errno::BADF));  // `a` is gone
  EXPECT_EQ(g.call("fd_renumber", {I32(b), I32(b)}), 0);
  EXPECT_EQ(open(), 4u);  // the lowest free number again
  // A preopen can be closed, after which it is gone for good.
  EXPECT_EQ(g.call("fd_close", {I32(kPreopenFd)}), 0);
  EXPECT_EQ(g.call("fd_prestat_get", {I32(kPreopenFd), I32(0)}), E(Errno::BADF));
  EXPECT_EQ(g.call("fd_close", {I32(kPreopenFd)}), E(Errno::BADF));
}

TEST(Descriptors, AppendAndFdstatFlags) {
  Sandbox sb;
  Guest g(sb.config());
  g.put(1000, "file.txt");
  ASSERT_EQ(g.call("path_open", {I32(kPreopenFd), I32(0), I32(1000), I32(8), I32(0),
                                 I64(right::FD_WRITE | right::FD_SEEK | right::FD_FDSTAT_SET_FLAGS),
                                 I64(0), I32(fdflag::APPEND), I32(2000)}),
            0);
  uint32_t fd = g.get_val<uint32_t>(2000);
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(fd), I32(3000)}), 0);
  EXPECT_EQ(g.get_val<uint16_t>(3002), fdflag::APPEND);
  g.put(100, "!!");
  g.put_val<uint32_t>(0, 100);
  g.put_val<uint32_t>(4, 2);
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(1), I32(8)}), 0);
  EXPECT_EQ(read_file(sb.sandbox / "file.txt"), "hello!!");
  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(fd), I32(0)}), 0);
  EXPECT_EQ(g.call("fd_seek", {I32(fd), I64(0), I32(0), I32(8)}), 0);
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(1), I32(8)}), 0);
  EXPECT_EQ(read_file(sb.sandbox / "file.txt"), "!!llo!!");
}

}  // namespace
}  // namespace wrun::wasi::test
