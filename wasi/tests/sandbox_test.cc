// Escapes: `..` above the preopen, absolute paths, symlinks that lead out (absolute, relative,
// chained), loops, hard links and renames out, and a directory swapped for a symlink while
// calls are under way. Each attempt fails, and the "outside" tree never changes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

constexpr uint32_t kFollow = lookupflag::SYMLINK_FOLLOW;

class SandboxTest : public ::testing::Test {
 protected:
  Sandbox sb;
  std::map<std::string, std::string> outside_before = sb.outside_state();
  Guest g{sb.config()};

  void TearDown() override {
    EXPECT_EQ(sb.outside_state(), outside_before) << "something outside the sandbox changed";
  }

  // Strings go to fixed slots: paths at 1000 and 1500, results at 2000.
  // Files get every right; directories (which cannot be opened for writing) what they can have.
  int32_t open(const std::string& path, uint32_t dirflags = kFollow, uint32_t oflags = 0,
               uint32_t dir = kPreopenFd, uint64_t rights = right::REGULAR_FILE_BASE) {
    g.put(1000, path);
    return g.call("path_open", {I32(dir), I32(dirflags), I32(1000), I32(path.size()), I32(oflags),
                                I64(rights), I64(right::ALL), I32(0), I32(2000)});
  }
  int32_t open_dir(const std::string& path, uint32_t dir = kPreopenFd) {
    return open(path, 0, oflag::DIRECTORY, dir, right::DIRECTORY_BASE);
  }
  uint32_t opened() { return g.get_val<uint32_t>(2000); }
  int32_t path1(const char* fn, const std::string& path) {
    g.put(1000, path);
    return g.call(fn, {I32(kPreopenFd), I32(1000), I32(path.size())});
  }
  int32_t path2(const char* fn, const std::string& from, const std::string& to,
                uint32_t flags = 0) {
    g.put(1000, from);
    g.put(1500, to);
    if (std::string(fn) == "path_link") {
      return g.call(fn, {I32(kPreopenFd), I32(flags), I32(1000), I32(from.size()), I32(kPreopenFd),
                         I32(1500), I32(to.size())});
    }
    return g.call(fn, {I32(kPreopenFd), I32(1000), I32(from.size()), I32(kPreopenFd), I32(1500),
                       I32(to.size())});
  }
  int32_t symlink(const std::string& target, const std::string& at) {
    g.put(1000, target);
    g.put(1500, at);
    return g.call("path_symlink",
                  {I32(1000), I32(target.size()), I32(kPreopenFd), I32(1500), I32(at.size())});
  }
  int32_t stat(const std::string& path, uint32_t flags) {
    g.put(1000, path);
    return g.call("path_filestat_get",
                  {I32(kPreopenFd), I32(flags), I32(1000), I32(path.size()), I32(3000)});
  }
  std::string read_fd(uint32_t fd) {
    g.put_val<uint32_t>(100, 4000);
    g.put_val<uint32_t>(104, 100);
    if (g.call("fd_read", {I32(fd), I32(100), I32(1), I32(108)}) != 0) return "<error>";
    return std::string(reinterpret_cast<char*>(g.mem()) + 4000, g.get_val<uint32_t>(108));
  }
};

TEST_F(SandboxTest, InsideWorks) {
  ASSERT_EQ(open("file.txt"), 0);
  EXPECT_EQ(read_fd(opened()), "hello");
  ASSERT_EQ(open("sub/../sub/./inner.txt"), 0);
  EXPECT_EQ(read_fd(opened()), "inner");
  ASSERT_EQ(open_dir("."), 0);
  ASSERT_EQ(open_dir("sub/.."), 0);
  EXPECT_EQ(open("."), E(Errno::ISDIR));  // a directory is not opened for writing
}

TEST_F(SandboxTest, OpeningOutsideIsRefused) {
  const int32_t cap = E(Errno::NOTCAPABLE);
  for (const char* p : {"..", "../outside", "../outside/secret.txt", "sub/../..",
                        "sub/../../outside/secret.txt", "../sandbox/file.txt", "/etc/passwd", "/",
                        "//etc", "abs", "abs/secret.txt", "up", "up/secret.txt", "upfile", "chain1",
                        "chain1/secret.txt", "etc", "etc/passwd", "sub/../up/dir"}) {
    EXPECT_EQ(open(p), cap) << p;
    EXPECT_EQ(open(p, kFollow, oflag::CREAT), cap) << p;
    EXPECT_EQ(stat(p, kFollow), cap) << p;
  }
  // Without following, a final symlink is not opened at all.
  EXPECT_EQ(open("upfile", 0), E(Errno::LOOP));
  EXPECT_EQ(open("abs", 0, oflag::DIRECTORY), E(Errno::NOTDIR));
  // Symlink loops.
  EXPECT_EQ(open("loop1"), E(Errno::LOOP));
  EXPECT_EQ(open("loop1/x"), E(Errno::LOOP));
  EXPECT_EQ(open("loop1", 0), E(Errno::LOOP));
  EXPECT_EQ(open("dangling"), E(Errno::NOENT));
}

TEST_F(SandboxTest, ADirectoryFdIsItsOwnRoot) {
  ASSERT_EQ(open_dir("sub"), 0);
  uint32_t sub = opened();
  EXPECT_EQ(open("inner.txt", 0, 0, sub), 0);
  EXPECT_EQ(open("../file.txt", 0, 0, sub), E(Errno::NOTCAPABLE));
  EXPECT_EQ(open_dir("..", sub), E(Errno::NOTCAPABLE));
  EXPECT_EQ(open_dir(".", sub), 0);
}

TEST_F(SandboxTest, CreatingOutsideIsRefused) {
  const int32_t cap = E(Errno::NOTCAPABLE);
  for (const char* p : {"../outside/new", "up/new", "abs/new", "chain1/new", "etc/new"}) {
    EXPECT_EQ(open(p, kFollow, oflag::CREAT), cap) << p;
    EXPECT_EQ(open(p, 0, oflag::CREAT | oflag::EXCL), cap) << p;
    EXPECT_EQ(path1("path_create_directory", p), cap) << p;
    EXPECT_EQ(symlink("file.txt", p), cap) << p;
    EXPECT_EQ(path2("path_link", "file.txt", p), cap) << p;
    EXPECT_EQ(path2("path_rename", "file.txt", p), cap) << p;
  }
  // Through a dangling symlink that points out: following it to create is refused too.
  fs::create_symlink("../outside/created", sb.sandbox / "out_dangling");
  EXPECT_EQ(open("out_dangling", kFollow, oflag::CREAT), cap);
  EXPECT_TRUE(fs::exists(sb.sandbox / "file.txt"));
}

TEST_F(SandboxTest, ChangingOutsideIsRefused) {
  const int32_t cap = E(Errno::NOTCAPABLE);
  EXPECT_EQ(path1("path_unlink_file", "up/secret.txt"), cap);
  EXPECT_EQ(path1("path_unlink_file", "../outside/secret.txt"), cap);
  EXPECT_EQ(path1("path_remove_directory", "up/dir"), cap);
  EXPECT_EQ(path1("path_remove_directory", "abs/dir"), cap);
  EXPECT_EQ(path2("path_rename", "up/secret.txt", "mine.txt"), cap);
  EXPECT_EQ(path2("path_rename", "up/dir", "mydir"), cap);
  EXPECT_EQ(path2("path_link", "up/secret.txt", "hard"), cap);
  EXPECT_EQ(path2("path_link", "upfile", "hard", kFollow), cap);
  EXPECT_EQ(path2("path_link", "abs/secret.txt", "hard"), cap);
  g.put(1000, "upfile");
  EXPECT_EQ(g.call("path_filestat_set_times", {I32(kPreopenFd), I32(kFollow), I32(1000), I32(6),
                                               I64(0), I64(0), I32(fstflag::MTIM_NOW)}),
            cap);
  // Truncating through a symlink that leads out.
  EXPECT_EQ(open("upfile", kFollow, oflag::TRUNC), cap);
}

TEST_F(SandboxTest, SymlinksThemselvesAreFine) {
  // Reading a symlink's text, statting it, linking it, removing it: none of it goes outside.
  g.put(1000, "upfile");
  EXPECT_EQ(
      g.call("path_readlink", {I32(kPreopenFd), I32(1000), I32(6), I32(4000), I32(100), I32(2000)}),
      0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + 4000, g.get_val<uint32_t>(2000)),
            "../outside/secret.txt");
  EXPECT_EQ(stat("upfile", 0), 0);
  EXPECT_EQ(g.mem()[3000 + layout::kFilestatFiletype],
            static_cast<uint8_t>(Filetype::SYMBOLIC_LINK));
  EXPECT_EQ(path2("path_link", "upfile", "upfile2"), 0);  // a hard link to the symlink itself
  EXPECT_EQ(open("upfile2"), E(Errno::NOTCAPABLE));
  EXPECT_EQ(path1("path_unlink_file", "upfile"), 0);
  EXPECT_EQ(path1("path_unlink_file", "upfile2"), 0);
  EXPECT_EQ(path1("path_unlink_file", "abs"), 0);
  // New symlinks: a relative one that points out may exist but never leads anywhere...
  EXPECT_EQ(symlink("../outside/secret.txt", "sneaky"), 0);
  EXPECT_EQ(open("sneaky"), E(Errno::NOTCAPABLE));
  // ...and an absolute one is not even created.
  EXPECT_EQ(symlink("/etc/passwd", "passwd"), E(Errno::NOTCAPABLE));
  EXPECT_EQ(symlink("/", "root"), E(Errno::NOTCAPABLE));
  EXPECT_FALSE(fs::is_symlink(sb.sandbox / "passwd"));
}

// A host thread keeps swapping "swap" between a real directory (holding a decoy) and a
// symlink to the outside, while the guest keeps trying to read, create and rename through it.
TEST_F(SandboxTest, SwappingADirectoryForASymlinkNeverLeaks) {
  fs::create_directories(sb.sandbox / "swap_dir");
  write_file(sb.sandbox / "swap_dir" / "secret.txt", "DECOY");
  fs::create_symlink("../outside", sb.sandbox / "swap_link");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    auto dir = (sb.sandbox / "swap_dir").string(), link = (sb.sandbox / "swap_link").string(),
         swap = (sb.sandbox / "swap").string();
    while (!stop) {
      ::rename(dir.c_str(), swap.c_str());
      ::rename(swap.c_str(), dir.c_str());
      ::rename(link.c_str(), swap.c_str());
      ::rename(swap.c_str(), link.c_str());
    }
  });
  int opened_ok = 0;
  for (int i = 0; i < 3000; ++i) {
    if (open("swap/secret.txt") == 0) {
      ++opened_ok;
      uint32_t fd = opened();
      EXPECT_NE(read_fd(fd), "SECRET");
      g.call("fd_close", {I32(fd)});
    }
    if (open("swap/created.txt", kFollow, oflag::CREAT) == 0) g.call("fd_close", {I32(opened())});
    path2("path_rename", "swap/secret.txt", "swap/moved.txt");
    path2("path_rename", "swap/moved.txt", "swap/secret.txt");
    path1("path_create_directory", "swap/newdir");
  }
  stop = true;
  swapper.join();
  EXPECT_FALSE(fs::exists(sb.outside / "created.txt"));
  EXPECT_FALSE(fs::exists(sb.outside / "newdir"));
  ::testing::Test::RecordProperty("opened_through_swap", opened_ok);
}

}  // namespace
}  // namespace wrun::wasi::test
