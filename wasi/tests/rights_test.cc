// Rights: a read-only preopen refuses every write, rights only shrink, and descriptors opened
// through a directory get at most its inheriting rights.
#include <gtest/gtest.h>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

struct Opened {
  int32_t err;
  uint32_t fd;
};

Opened open_in(Guest& g, uint32_t dir, const std::string& path, uint32_t oflags, uint64_t base,
               uint64_t inheriting = 0) {
  g.put(1000, path);
  int32_t r = g.call("path_open", {I32(dir), I32(0), I32(1000), I32(path.size()), I32(oflags),
                                   I64(base), I64(inheriting), I32(0), I32(2000)});
  return {r, g.get_val<uint32_t>(2000)};
}

struct Fdstat {
  uint8_t type;
  uint16_t flags;
  uint64_t base, inheriting;
};
Fdstat fdstat(Guest& g, uint32_t fd) {
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(fd), I32(3000)}), 0);
  return {g.mem()[3000], g.get_val<uint16_t>(3002), g.get_val<uint64_t>(3008),
          g.get_val<uint64_t>(3016)};
}

TEST(Rights, PreopenRights) {
  Sandbox sb;
  Guest g(sb.config());
  Fdstat st = fdstat(g, kPreopenFd);
  EXPECT_EQ(st.type, static_cast<uint8_t>(Filetype::DIRECTORY));
  EXPECT_EQ(st.base, right::DIRECTORY_BASE);
  EXPECT_EQ(st.inheriting, right::DIRECTORY_INHERITING);
  EXPECT_EQ(st.base & (right::FD_READ | right::FD_WRITE | right::FD_SEEK), 0u);
}

TEST(Rights, OpenedFdsGetWhatTheyAskAndTheDirectoryPassesOn) {
  Sandbox sb;
  Guest g(sb.config());
  Opened f = open_in(g, kPreopenFd, "file.txt", 0, right::FD_READ | right::PATH_OPEN);
  ASSERT_EQ(f.err, 0);
  EXPECT_EQ(fdstat(g, f.fd).base, right::FD_READ);  // PATH_OPEN makes no sense on a file
  g.put_val<uint32_t>(0, 100);
  g.put_val<uint32_t>(4, 10);
  EXPECT_EQ(g.call("fd_write", {I32(f.fd), I32(0), I32(1), I32(8)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_seek", {I32(f.fd), I64(1), I32(0), I32(8)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_read", {I32(f.fd), I32(0), I32(1), I32(8)}), 0);

  // Rights only shrink.
  EXPECT_EQ(
      g.call("fd_fdstat_set_rights", {I32(f.fd), I64(right::FD_READ | right::FD_WRITE), I64(0)}),
      E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_fdstat_set_rights", {I32(f.fd), I64(0), I64(0)}), 0);
  EXPECT_EQ(g.call("fd_read", {I32(f.fd), I32(0), I32(1), I32(8)}), E(Errno::NOTCAPABLE));
  EXPECT_EQ(g.call("fd_fdstat_set_rights", {I32(f.fd), I64(right::FD_READ), I64(0)}),
            E(Errno::NOTCAPABLE));

  // A directory that cannot pass FD_WRITE on yields files without it.
  Opened d = open_in(g, kPreopenFd, "sub", oflag::DIRECTORY, right::DIRECTORY_BASE,
                     right::DIRECTORY_INHERITING & ~right::FD_WRITE);
  ASSERT_EQ(d.err, 0);
  Opened inner = open_in(g, d.fd, "inner.txt", 0, right::FD_READ | right::FD_WRITE);
  ASSERT_EQ(inner.err, 0);
  EXPECT_EQ(fdstat(g, inner.fd).base, right::FD_READ);
  // ...and a directory without PATH_CREATE_FILE cannot create.
  ASSERT_EQ(g.call("fd_fdstat_set_rights",
                   {I32(d.fd), I64(right::DIRECTORY_BASE & ~right::PATH_CREATE_FILE),
                    I64(right::DIRECTORY_INHERITING & ~right::FD_WRITE)}),
            0);
  EXPECT_EQ(open_in(g, d.fd, "new.txt", oflag::CREAT, right::FD_READ).err, E(Errno::NOTCAPABLE));
  EXPECT_FALSE(fs::exists(sb.sandbox / "sub" / "new.txt"));
}

TEST(Rights, ReadOnlyPreopenRefusesEveryWrite) {
  Sandbox sb;
  auto before = snapshot(sb.sandbox);
  {
    Guest g(sb.config(/*read_only=*/true));
    const int32_t cap = E(Errno::NOTCAPABLE);
    Fdstat st = fdstat(g, kPreopenFd);
    EXPECT_EQ(st.base & right::WRITES, 0u);
    EXPECT_EQ(st.inheriting & right::WRITES, 0u);

    // Reading works; the file comes without any write right.
    Opened f = open_in(g, kPreopenFd, "file.txt", 0, right::ALL, right::ALL);
    ASSERT_EQ(f.err, 0);
    EXPECT_EQ(fdstat(g, f.fd).base & right::WRITES, 0u);
    g.put(100, "XXXX");
    g.put_val<uint32_t>(0, 100);
    g.put_val<uint32_t>(4, 4);
    EXPECT_EQ(g.call("fd_write", {I32(f.fd), I32(0), I32(1), I32(8)}), cap);
    EXPECT_EQ(g.call("fd_pwrite", {I32(f.fd), I32(0), I32(1), I64(0), I32(8)}), cap);
    EXPECT_EQ(g.call("fd_filestat_set_size", {I32(f.fd), I64(0)}), cap);
    EXPECT_EQ(g.call("fd_allocate", {I32(f.fd), I64(0), I64(100)}), cap);
    EXPECT_EQ(g.call("fd_filestat_set_times", {I32(f.fd), I64(0), I64(0), I32(fstflag::MTIM_NOW)}),
              cap);
    EXPECT_EQ(g.call("fd_datasync", {I32(f.fd)}), cap);
    EXPECT_EQ(g.call("fd_fdstat_set_rights", {I32(f.fd), I64(right::FD_WRITE), I64(0)}), cap);
    EXPECT_EQ(g.call("fd_fdstat_set_rights",
                     {I32(kPreopenFd), I64(right::DIRECTORY_BASE), I64(right::ALL)}),
              cap);

    EXPECT_EQ(open_in(g, kPreopenFd, "new.txt", oflag::CREAT, right::FD_READ).err, cap);
    EXPECT_EQ(open_in(g, kPreopenFd, "file.txt", oflag::TRUNC, right::FD_READ).err, cap);
    auto p1 = [&](const char* fn, const std::string& p) {
      g.put(1000, p);
      return g.call(fn, {I32(kPreopenFd), I32(1000), I32(p.size())});
    };
    auto p2 = [&](const char* fn, const std::string& a, const std::string& b) {
      g.put(1000, a);
      g.put(1500, b);
      if (std::string(fn) == "path_link") {
        return g.call(fn, {I32(kPreopenFd), I32(0), I32(1000), I32(a.size()), I32(kPreopenFd),
                           I32(1500), I32(b.size())});
      }
      return g.call(fn, {I32(kPreopenFd), I32(1000), I32(a.size()), I32(kPreopenFd), I32(1500),
                         I32(b.size())});
    };
    EXPECT_EQ(p1("path_create_directory", "newdir"), cap);
    EXPECT_EQ(p1("path_remove_directory", "sub"), cap);
    EXPECT_EQ(p1("path_unlink_file", "file.txt"), cap);
    EXPECT_EQ(p2("path_rename", "file.txt", "renamed.txt"), cap);
    EXPECT_EQ(p2("path_link", "file.txt", "linked.txt"), cap);
    g.put(1000, "file.txt");
    g.put(1500, "sym");
    EXPECT_EQ(g.call("path_symlink", {I32(1000), I32(8), I32(kPreopenFd), I32(1500), I32(3)}), cap);
    EXPECT_EQ(g.call("path_filestat_set_times", {I32(kPreopenFd), I32(0), I32(1000), I32(8), I64(0),
                                                 I64(0), I32(fstflag::MTIM_NOW)}),
              cap);

    // A subdirectory opened from it is just as read-only.
    Opened d =
        open_in(g, kPreopenFd, "sub", oflag::DIRECTORY, right::ALL & ~right::FD_WRITE, right::ALL);
    ASSERT_EQ(d.err, 0);
    EXPECT_EQ(fdstat(g, d.fd).base & right::WRITES, 0u);
    EXPECT_EQ(open_in(g, d.fd, "new.txt", oflag::CREAT, right::FD_READ).err, cap);
    g.put(1000, "inner.txt");
    EXPECT_EQ(g.call("path_unlink_file", {I32(d.fd), I32(1000), I32(9)}), cap);
  }
  EXPECT_EQ(snapshot(sb.sandbox), before);
}

}  // namespace
}  // namespace wrun::wasi::test
