// Host memory does not grow with the counts and sizes a guest chooses: iovec arrays, poll
// subscriptions, paths and symlinks, directory listings. Each test measures what the host
// allocates during the calls (AllocMeter counts every operator new) against a bound that
// does not depend on the guest's numbers, and checks the calls still do what they should.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <set>

#include "engine/tests/alloc_meter.h"
#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

using wrun::test::AllocScope;

constexpr uint32_t kPages = 256;  // 16 MiB of guest memory
constexpr uint64_t kMemBytes = uint64_t{kPages} * 65536;
// What one call may allocate at most, transient allocations included (the iovec slices a
// host call can take, a path and its expansions, a directory entry, bookkeeping).
constexpr size_t kCallBound = 192 * 1024;

class HostMemory : public ::testing::Test {
 protected:
  Sandbox sb;
  int sv[2] = {-1, -1};
  std::unique_ptr<Guest> g;

  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    Config c = sb.config();
    c.sockets = {sv[1]};  // guest fd 4
    g = std::make_unique<Guest>(c, kPages, kPages);
    ASSERT_EQ(g->mem_size(), kMemBytes);
    // The store's executor state (its value stack) is made by the first call: not counted.
    ASSERT_EQ(g->call("sched_yield", {}), 0);
  }
  void TearDown() override {
    g.reset();
    ::close(sv[0]);
    ::close(sv[1]);
  }
  uint32_t open(const std::string& path, uint32_t oflags = 0) {
    const uint64_t rights = oflags & oflag::DIRECTORY ? right::DIRECTORY_BASE : right::ALL;
    g->put(1000, path);
    EXPECT_EQ(g->call("path_open", {I32(kPreopenFd), I32(0), I32(1000), I32(path.size()),
                                    I32(oflags), I64(rights), I64(rights), I32(0), I32(2000)}),
              0)
        << path;
    return g->get_val<uint32_t>(2000);
  }
  void iovec(uint32_t at, uint32_t buf, uint32_t len) {
    g->put_val<uint32_t>(at, buf);
    g->put_val<uint32_t>(at + 4, len);
  }
};

constexpr uint32_t kSockFd = kPreopenFd + 1;

// The whole memory as one iovec array of {0, 0} entries: 2M entries, which the host used to
// copy into a vector of 16-byte slices (32 MiB) before looking at them.
TEST_F(HostMemory, IovecCountDoesNotSizeAHostAllocation) {
  const uint32_t file = open("iov.txt", oflag::CREAT);
  std::memset(g->mem(), 0, kMemBytes);
  const uint32_t count = static_cast<uint32_t>(kMemBytes / layout::kIovecSize);
  const uint32_t out = 0;  // inside the array; only written after the entries are read
  struct Case {
    const char* fn;
    std::vector<Val> args;
  };
  const std::vector<Case> cases = {
      {"fd_write", {I32(1), I32(0), I32(count), I32(out)}},
      {"fd_read", {I32(0), I32(0), I32(count), I32(out)}},
      {"fd_write", {I32(file), I32(0), I32(count), I32(out)}},
      {"fd_pwrite", {I32(file), I32(0), I32(count), I64(0), I32(out)}},
      {"fd_pread", {I32(file), I32(0), I32(count), I64(0), I32(out)}},
      {"sock_send", {I32(kSockFd), I32(0), I32(count), I32(0), I32(out)}},
  };
  for (const Case& c : cases) {
    AllocScope scope;
    EXPECT_EQ(g->call(c.fn, c.args), 0) << c.fn;
    EXPECT_LE(scope.peak_growth(), kCallBound) << c.fn;
    EXPECT_EQ(g->get_val<uint32_t>(out), 0u) << c.fn;  // nothing to move
  }
  // sock_recv with nothing empty to fill returns at once (it does not wait for data).
  ASSERT_EQ(::write(sv[0], "x", 1), 1);
  AllocScope scope;
  EXPECT_EQ(g->call("sock_recv", {I32(kSockFd), I32(0), I32(count), I32(0), I32(out), I32(8)}), 0);
  EXPECT_LE(scope.peak_growth(), kCallBound);
}

// Past the first 1024 non-empty buffers the transfer is short, as writev's would be; empty
// entries take no part, however many come first.
TEST_F(HostMemory, IovecsAreTakenUpToTheHostLimitSkippingEmptyOnes) {
  const uint32_t file = open("short.txt", oflag::CREAT);
  g->put(100, "x");
  for (uint32_t i = 0; i < 2000; ++i) iovec(4096 + 8 * i, 100, 1);
  EXPECT_EQ(g->call("fd_write", {I32(file), I32(4096), I32(2000), I32(8)}), 0);
  EXPECT_EQ(g->get_val<uint32_t>(8), 1024u);
  EXPECT_EQ(read_file(sb.sandbox / "short.txt"), std::string(1024, 'x'));

  const uint32_t empties = 100000;
  std::memset(g->mem() + 65536, 0, uint64_t{empties} * 8);
  g->put(200, "tail");
  iovec(65536 + 8 * empties, 200, 4);
  EXPECT_EQ(g->call("fd_write", {I32(file), I32(65536), I32(empties + 1), I32(8)}), 0);
  EXPECT_EQ(g->get_val<uint32_t>(8), 4u);
  EXPECT_EQ(read_file(sb.sandbox / "short.txt"), std::string(1024, 'x') + "tail");
  // An empty entry still has its pointer checked.
  iovec(65536, 0xFFFFFFF0, 0);
  EXPECT_EQ(g->call("fd_write", {I32(file), I32(65536), I32(2), I32(8)}), E(Errno::FAULT));
}

void clock_sub(Guest& g, uint32_t at, uint64_t userdata, uint64_t timeout) {
  std::memset(g.mem() + at, 0, layout::kSubscriptionSize);
  g.put_val<uint64_t>(at + layout::kSubUserdata, userdata);
  g.mem()[at + layout::kSubTag] = static_cast<uint8_t>(EventType::CLOCK);
  g.put_val<uint32_t>(at + layout::kSubClockId, static_cast<uint32_t>(ClockId::MONOTONIC));
  g.put_val<uint64_t>(at + layout::kSubClockTimeout, timeout);
}

void fd_sub(Guest& g, uint32_t at, uint64_t userdata, uint32_t fd, EventType type) {
  std::memset(g.mem() + at, 0, layout::kSubscriptionSize);
  g.put_val<uint64_t>(at + layout::kSubUserdata, userdata);
  g.mem()[at + layout::kSubTag] = static_cast<uint8_t>(type);
  g.put_val<uint32_t>(at + layout::kSubFd, fd);
}

// 131072 subscriptions (the most one call takes) of clocks that have expired and of the same
// two descriptors: every one gets its event, and the host keeps nothing per subscription.
TEST_F(HostMemory, PollSubscriptionsAreNotCopiedToTheHost) {
  const uint32_t n = 131072;
  const uint32_t in = 0, out = n * layout::kSubscriptionSize;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t at = in + i * layout::kSubscriptionSize;
    if (i % 3 == 0) {
      clock_sub(*g, at, i, 0);
    } else {
      fd_sub(*g, at, i, i % 3 == 1 ? 0 : kSockFd, EventType::FD_WRITE);
    }
  }
  const uint32_t nevents = out + n * layout::kEventSize;
  ASSERT_LE(nevents + 4, kMemBytes);
  AllocScope scope;
  ASSERT_EQ(g->call("poll_oneoff", {I32(in), I32(out), I32(n), I32(nevents)}), 0);
  EXPECT_LE(scope.peak_growth(), kCallBound);
  ASSERT_EQ(g->get_val<uint32_t>(nevents), n);  // /dev/null and the socket are writable
  for (uint32_t i = 0; i < n; i += 997) {
    EXPECT_EQ(g->get_val<uint64_t>(out + i * layout::kEventSize + layout::kEventUserdata), i);
  }
  // One more is refused.
  EXPECT_EQ(g->call("poll_oneoff", {I32(0), I32(out), I32(n + 1), I32(nevents)}), E(Errno::INVAL));
}

// Events may be written over the subscriptions they answer when they start at or before them;
// starting inside them (which would need a host copy of the subscriptions) is INVAL.
TEST_F(HostMemory, PollEventsMayOverlapTheSubscriptionsFromBefore) {
  for (uint32_t in : {0u, 16u, 48u, 100u}) {
    for (uint32_t i = 0; i < 3; ++i) clock_sub(*g, in + i * layout::kSubscriptionSize, 7 + i, 0);
    ASSERT_EQ(g->call("poll_oneoff", {I32(in), I32(0), I32(3), I32(4000)}), 0) << in;
    ASSERT_EQ(g->get_val<uint32_t>(4000), 3u);
    for (uint32_t i = 0; i < 3; ++i) {
      EXPECT_EQ(g->get_val<uint64_t>(i * layout::kEventSize), 7 + i) << in;
      EXPECT_EQ(g->mem()[i * layout::kEventSize + layout::kEventType],
                static_cast<uint8_t>(EventType::CLOCK));
    }
  }
  for (uint32_t i = 0; i < 3; ++i) clock_sub(*g, i * layout::kSubscriptionSize, 7 + i, 0);
  for (uint32_t out : {16u, 48u, 143u}) {
    EXPECT_EQ(g->call("poll_oneoff", {I32(0), I32(out), I32(3), I32(4000)}), E(Errno::INVAL))
        << out;
  }
  EXPECT_EQ(g->call("poll_oneoff", {I32(0), I32(144), I32(3), I32(4000)}), 0);
}

// The longest path, of one-character components, and symlinks whose targets are long: the
// walk holds the path text, never a host object per component.
TEST_F(HostMemory, PathWalksDoNotGrowWithComponentsOrLinks) {
  std::string path;
  while (path.size() + 2 + 8 <= 32768) path += "./";
  path += "file.txt";
  ASSERT_LE(path.size(), 32768u);
  g->put(100000, path);
  {
    AllocScope scope;
    EXPECT_EQ(g->call("path_filestat_get",
                      {I32(kPreopenFd), I32(0), I32(100000), I32(path.size()), I32(200)}),
              0);
    EXPECT_LE(scope.peak_growth(), kCallBound);
    EXPECT_EQ(g->get_val<uint64_t>(200 + layout::kFilestatSize_), 5u);  // "hello"
  }
  // l1 -> sub/./././.../l2, l2 -> sub/./.../l3, ...: each expansion is about 4000 bytes.
  std::string dots;
  while (dots.size() < 4000) dots += "./";
  for (int i = 1; i <= 30; ++i) {
    const std::string target = (i == 30 ? dots + "file.txt" : dots + "l" + std::to_string(i + 1));
    fs::create_symlink(target, sb.sandbox / ("l" + std::to_string(i)));
  }
  g->put(100000, "l1");
  AllocScope scope;
  EXPECT_EQ(g->call("path_filestat_get", {I32(kPreopenFd), I32(1), I32(100000), I32(2), I32(200)}),
            0);
  EXPECT_LE(scope.peak_growth(), kCallBound);
  EXPECT_EQ(g->get_val<uint64_t>(200 + layout::kFilestatSize_), 5u);
  // An expansion that would make the rest of the path longer than the longest path is
  // refused (symlink targets are at most 4095 bytes on Linux, so the path supplies the rest).
  std::string rest;
  while (rest.size() < 30000) rest += "./";
  fs::create_symlink("sub/" + dots, sb.sandbox / "m1");
  const std::string through = "m1/" + rest + "inner.txt";
  ASSERT_LE(through.size(), 32768u);
  g->put(100000, through);
  EXPECT_EQ(g->call("path_filestat_get",
                    {I32(kPreopenFd), I32(1), I32(100000), I32(through.size()), I32(200)}),
            E(Errno::NAMETOOLONG));
  const std::string shorter = "m1/inner.txt";
  g->put(100000, shorter);
  EXPECT_EQ(g->call("path_filestat_get",
                    {I32(kPreopenFd), I32(1), I32(100000), I32(shorter.size()), I32(200)}),
            0);
}

// Every entry of the directory behind `fd`, listed through the cookie protocol with a
// buffer of `buf_len` bytes at `buf` (which must hold at least one whole entry).
std::multiset<std::string> list_directory(Guest& g, uint32_t fd, uint32_t buf, uint32_t buf_len) {
  std::multiset<std::string> names;
  uint64_t cookie = 0;
  for (;;) {
    EXPECT_EQ(g.call("fd_readdir", {I32(fd), I32(buf), I32(buf_len), I64(cookie), I32(8)}), 0);
    const uint32_t used = g.get_val<uint32_t>(8);
    uint32_t at = 0;
    while (at + layout::kDirentSize <= used) {
      const uint32_t namlen = g.get_val<uint32_t>(buf + at + layout::kDirentNamlen);
      if (at + layout::kDirentSize + namlen > used) break;  // cut: asked for again
      names.emplace(reinterpret_cast<char*>(g.mem()) + buf + at + layout::kDirentSize, namlen);
      cookie = g.get_val<uint64_t>(buf + at + layout::kDirentNext);
      at += layout::kDirentSize + namlen;
    }
    if (used < buf_len) return names;
    if (at == 0) {
      ADD_FAILURE() << "no whole entry fits in " << buf_len << " bytes";
      return names;
    }
  }
}

// Many directory descriptors over a big directory, each with a listing started (the attack:
// 20,000 files with 249-byte names, 1,000 descriptors, a 24-byte buffer): the host keeps an
// entry per descriptor and a bounded number of open streams, not a copy of the directory.
TEST_F(HostMemory, DirectoryListingsKeepNoCopyOfTheDirectory) {
  fs::create_directories(sb.sandbox / "big");
  std::multiset<std::string> expected = {".", ".."};
  for (int i = 0; i < 2000; ++i) {
    std::string name = std::to_string(i) + std::string(240, 'n');
    write_file(sb.sandbox / "big" / name, "");
    expected.insert(name);
  }
  const size_t fds_before = open_host_fds();
  std::vector<uint32_t> dirs;
  for (int i = 0; i < 40; ++i) dirs.push_back(open("big", oflag::DIRECTORY));
  AllocScope scope;
  for (uint32_t dir : dirs) {
    EXPECT_EQ(g->call("fd_readdir", {I32(dir), I32(4096), I32(24), I64(0), I32(8)}), 0);
    EXPECT_EQ(g->get_val<uint32_t>(8), 24u);
  }
  // 40 listings: an entry each (the copy of the directory was 2002 entries each, 20 MB).
  EXPECT_LE(scope.retained(), 40u * 1024);
  EXPECT_LE(scope.peak_growth(), kCallBound + 40u * 1024);
  // Open host streams are bounded too: one descriptor per guest fd, plus at most 16.
  EXPECT_LE(open_host_fds(), fds_before + dirs.size() + 16);

  // Interleaved listings on every descriptor (so streams are closed and reopened under them)
  // still see every entry once, whatever the buffer size.
  const uint32_t sizes[] = {300, 777, 4096, 65536};
  for (size_t round = 0; round < 4; ++round) {
    for (size_t i = 0; i < dirs.size(); i += 7) {
      const uint32_t buf = 200000 + static_cast<uint32_t>(i) * 70000;
      EXPECT_EQ(list_directory(*g, dirs[i], buf, sizes[(i + round) % 4]), expected);
    }
  }
}

// Starting again from cookie 0 reads the directory afresh; any other cookie resumes there.
TEST_F(HostMemory, DirectoryCookiesRestartAndResume) {
  fs::create_directories(sb.sandbox / "d");
  for (int i = 0; i < 50; ++i) write_file(sb.sandbox / "d" / ("f" + std::to_string(i)), "");
  const uint32_t dir = open("d", oflag::DIRECTORY);
  auto all = list_directory(*g, dir, 4096, 300);
  EXPECT_EQ(all.size(), 52u);
  fs::remove(sb.sandbox / "d" / "f7");
  write_file(sb.sandbox / "d" / "new", "");
  all = list_directory(*g, dir, 4096, 300);
  EXPECT_EQ(all.count("f7"), 0u);
  EXPECT_EQ(all.count("new"), 1u);
  EXPECT_EQ(all.size(), 52u);

  // Entry k from cookie k: the same entry whether reached by reading on or by seeking.
  std::vector<std::string> order;
  for (uint64_t cookie = 0;; ++cookie) {
    ASSERT_EQ(g->call("fd_readdir", {I32(dir), I32(4096), I32(24 + 64), I64(cookie), I32(8)}), 0);
    if (g->get_val<uint32_t>(8) == 0) break;
    ASSERT_EQ(g->get_val<uint64_t>(4096 + layout::kDirentNext), cookie + 1);
    const uint32_t namlen = g->get_val<uint32_t>(4096 + layout::kDirentNamlen);
    order.emplace_back(reinterpret_cast<char*>(g->mem()) + 4096 + layout::kDirentSize, namlen);
  }
  ASSERT_EQ(order.size(), 52u);
  for (uint64_t cookie : {30u, 5u, 51u, 0u, 17u, 18u, 18u}) {
    ASSERT_EQ(g->call("fd_readdir", {I32(dir), I32(4096), I32(24 + 64), I64(cookie), I32(8)}), 0);
    const uint32_t namlen = g->get_val<uint32_t>(4096 + layout::kDirentNamlen);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(g->mem()) + 4096 + layout::kDirentSize, namlen),
              order[cookie]);
  }
  // Past the end: nothing, however far.
  EXPECT_EQ(g->call("fd_readdir", {I32(dir), I32(4096), I32(100), I64(~uint64_t{0}), I32(8)}), 0);
  EXPECT_EQ(g->get_val<uint32_t>(8), 0u);
}

}  // namespace
}  // namespace wrun::wasi::test
