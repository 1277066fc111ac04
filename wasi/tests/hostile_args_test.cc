// Hostile pointers, lengths, iovec arrays, descriptors and flags: every call answers with an
// errno (never a trap, never a host access outside the memory: the sanitizer build checks
// that), and a fault leaves no side effect behind.
#include <gtest/gtest.h>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

constexpr uint32_t kMem = 65536;  // one page

class Hostile : public ::testing::Test {
 protected:
  Sandbox sb;
  Guest g{sb.config()};

  // Opens `path` under the preopen with every right the preopen passes on; returns the fd.
  uint32_t open(const std::string& path, uint32_t oflags = 0) {
    g.put(1000, path);
    int32_t r =
        g.call("path_open", {I32(kPreopenFd), I32(0), I32(1000), I32(path.size()), I32(oflags),
                             I64(right::ALL), I64(right::ALL), I32(0), I32(2000)});
    EXPECT_EQ(r, 0) << path;
    return g.get_val<uint32_t>(2000);
  }
  void iovec(uint32_t at, uint32_t buf, uint32_t len) {
    g.put_val<uint32_t>(at, buf);
    g.put_val<uint32_t>(at + 4, len);
  }
};

TEST_F(Hostile, EveryFunctionRejectsAnUnknownFd) {
  // Positions of fd parameters; every other argument is 0 (valid pointers, empty lengths,
  // no flags), so the descriptor is the only thing wrong.
  for (const auto& [fn, type] : import_signatures()) {
    std::vector<size_t> fd_params;
    if (fn.rfind("fd_", 0) == 0 || fn.rfind("sock_", 0) == 0 || fn.rfind("path_", 0) == 0) {
      fd_params.push_back(fn == "path_symlink" ? 2 : 0);
    }
    if (fd_params.empty()) continue;
    for (uint32_t bad : {7u, 1000u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
      std::vector<Val> args;
      for (size_t i = 0; i < type.params.size(); ++i) {
        bool is_fd = std::find(fd_params.begin(), fd_params.end(), i) != fd_params.end();
        args.push_back(type.params[i] == ValType::I64 ? I64(0) : I32(is_fd ? bad : 0));
      }
      int32_t r = g.call(fn, args);
      if (fn == "fd_renumber" || fn == "path_link" || fn == "path_rename") {
        EXPECT_NE(r, 0) << fn;  // the other fd is valid-looking garbage too
      } else {
        EXPECT_EQ(r, E(Errno::BADF)) << fn << " fd " << bad;
      }
    }
  }
}

TEST_F(Hostile, ArgsAndEnvironFaultWithoutWriting) {
  std::vector<uint8_t> before(g.mem() + kMem - 64, g.mem() + kMem);
  EXPECT_EQ(g.call("args_get", {I32(0xFFFFFFF0), I32(0)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("args_get", {I32(0), I32(kMem - 3)}), E(Errno::FAULT));  // "guest\0" is 6
  EXPECT_EQ(g.call("args_get", {I32(kMem - 2), I32(0)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("args_sizes_get", {I32(kMem - 3), I32(0)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("args_sizes_get", {I32(0), I32(kMem)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("environ_get", {I32(kMem), I32(kMem)}), E(Errno::SUCCESS));  // empty env
  EXPECT_EQ(g.call("environ_sizes_get", {I32(0xFFFFFFFF), I32(0)}), E(Errno::FAULT));
  EXPECT_EQ(std::vector<uint8_t>(g.mem() + kMem - 64, g.mem() + kMem), before);
  EXPECT_EQ(g.call("args_get", {I32(kMem - 4), I32(kMem - 6)}), E(Errno::SUCCESS));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + kMem - 6, 5), "guest");
}

TEST_F(Hostile, ClocksAndRandom) {
  EXPECT_EQ(g.call("clock_time_get", {I32(1), I64(0), I32(kMem - 7)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("clock_time_get", {I32(1), I64(0), I32(kMem - 8)}), E(Errno::SUCCESS));
  EXPECT_EQ(g.call("clock_time_get", {I32(4), I64(0), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("clock_time_get", {I32(0xFFFFFFFF), I64(0), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("clock_res_get", {I32(2), I32(kMem)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("clock_res_get", {I32(3), I32(8)}), E(Errno::SUCCESS));
  EXPECT_EQ(g.call("random_get", {I32(kMem - 10), I32(11)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("random_get", {I32(0xFFFFFFFF), I32(0xFFFFFFFF)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("random_get", {I32(kMem), I32(0)}), E(Errno::SUCCESS));
  EXPECT_EQ(g.call("random_get", {I32(0), I32(kMem)}), E(Errno::SUCCESS));
}

TEST_F(Hostile, WriteFaultsWriteNothing) {
  uint32_t fd = open("out.txt", oflag::CREAT);
  g.put(100, "data");
  iovec(0, 100, 4);
  // nwritten out of bounds: FAULT before the write happens.
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(1), I32(kMem - 3)}), E(Errno::FAULT));
  // The iovec array runs off the end, or is absurdly long, or one buffer is out of bounds.
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(kMem - 4), I32(1), I32(8)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(0x20000000), I32(8)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(0xFFFFFFFF), I32(8)}), E(Errno::FAULT));
  iovec(8, kMem - 2, 4);
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(2), I32(16)}), E(Errno::FAULT));
  iovec(8, 0xFFFFFFFF, 2);
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(2), I32(16)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_pwrite", {I32(fd), I32(0), I32(2), I64(0), I32(16)}), E(Errno::FAULT));
  EXPECT_EQ(read_file(sb.sandbox / "out.txt"), "");
  // And the same call with good pointers writes.
  EXPECT_EQ(g.call("fd_write", {I32(fd), I32(0), I32(1), I32(16)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(16), 4u);
  EXPECT_EQ(read_file(sb.sandbox / "out.txt"), "data");
  EXPECT_EQ(g.call("fd_pwrite", {I32(fd), I32(0), I32(1), I64(0), I32(0xFFFFFFFC)}),
            E(Errno::FAULT));
}

TEST_F(Hostile, ReadFaultsConsumeNothing) {
  uint32_t fd = open("file.txt");
  iovec(0, 100, 5);
  EXPECT_EQ(g.call("fd_read", {I32(fd), I32(0), I32(1), I32(kMem)}), E(Errno::FAULT));
  iovec(0, kMem - 4, 5);
  EXPECT_EQ(g.call("fd_read", {I32(fd), I32(0), I32(1), I32(16)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_pread", {I32(fd), I32(0), I32(1), I64(0), I32(16)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_tell", {I32(fd), I32(kMem - 1)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_tell", {I32(fd), I32(24)}), 0);
  EXPECT_EQ(g.get_val<uint64_t>(24), 0u);  // nothing was read
  iovec(0, 100, 5);
  EXPECT_EQ(g.call("fd_read", {I32(fd), I32(0), I32(1), I32(16)}), 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.mem()) + 100, 5), "hello");
  // Zero iovecs at the very end of memory read nothing, successfully.
  EXPECT_EQ(g.call("fd_read", {I32(fd), I32(kMem), I32(0), I32(16)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(16), 0u);
}

TEST_F(Hostile, StatsAndPrestats) {
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(kPreopenFd), I32(kMem - 23)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_fdstat_get", {I32(kPreopenFd), I32(kMem - 24)}), 0);
  EXPECT_EQ(g.call("fd_filestat_get", {I32(kPreopenFd), I32(kMem - 63)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_prestat_get", {I32(kPreopenFd), I32(kMem - 7)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_prestat_get", {I32(kPreopenFd), I32(0)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(4), 8u);  // "/sandbox"
  EXPECT_EQ(g.call("fd_prestat_dir_name", {I32(kPreopenFd), I32(kMem - 7), I32(8)}),
            E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_prestat_dir_name", {I32(kPreopenFd), I32(0), I32(7)}),
            E(Errno::NAMETOOLONG));
  EXPECT_EQ(g.call("fd_prestat_get", {I32(0), I32(0)}), E(Errno::BADF));  // stdin: no preopen
  EXPECT_EQ(g.call("path_filestat_get", {I32(kPreopenFd), I32(0), I32(0), I32(1), I32(kMem - 1)}),
            E(Errno::FAULT));
}

TEST_F(Hostile, ReaddirFaults) {
  EXPECT_EQ(g.call("fd_readdir", {I32(kPreopenFd), I32(kMem - 10), I32(11), I64(0), I32(0)}),
            E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_readdir", {I32(kPreopenFd), I32(0), I32(100), I64(0), I32(kMem - 2)}),
            E(Errno::FAULT));
  EXPECT_EQ(g.call("fd_readdir", {I32(kPreopenFd), I32(0), I32(0xFFFFFFFF), I64(0), I32(0)}),
            E(Errno::FAULT));
  // Huge cookies just mean "past the end".
  EXPECT_EQ(g.call("fd_readdir", {I32(kPreopenFd), I32(0), I32(100), I64(~0ull), I32(200)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(200), 0u);
  // A file is not a directory.
  uint32_t fd = open("file.txt");
  EXPECT_EQ(g.call("fd_readdir", {I32(fd), I32(0), I32(100), I64(0), I32(200)}),
            E(Errno::NOTCAPABLE));
}

TEST_F(Hostile, PathStringsAndResultPointers) {
  auto open_at = [&](uint32_t path, uint32_t len, uint32_t out) {
    return g.call("path_open", {I32(kPreopenFd), I32(0), I32(path), I32(len), I32(0),
                                I64(right::ALL), I64(right::ALL), I32(0), I32(out)});
  };
  g.put(1000, "file.txt");
  EXPECT_EQ(open_at(kMem - 4, 8, 2000), E(Errno::FAULT));
  EXPECT_EQ(open_at(0xFFFFFFFF, 8, 2000), E(Errno::FAULT));
  EXPECT_EQ(open_at(1000, 0xFFFFFFFF, 2000), E(Errno::FAULT));
  EXPECT_EQ(open_at(0, 40000, 2000), E(Errno::NAMETOOLONG));
  EXPECT_EQ(open_at(1000, 0, 2000), E(Errno::NOENT));
  // A fault on the result pointer must not leave a descriptor behind.
  EXPECT_EQ(open_at(1000, 8, kMem - 3), E(Errno::FAULT));
  EXPECT_EQ(open_at(1000, 8, 2000), 0);
  EXPECT_EQ(g.get_val<uint32_t>(2000), 4u);  // the lowest free number: nothing leaked

  for (const char* fn : {"path_create_directory", "path_remove_directory", "path_unlink_file"}) {
    EXPECT_EQ(g.call(fn, {I32(kPreopenFd), I32(kMem - 1), I32(2)}), E(Errno::FAULT)) << fn;
    EXPECT_EQ(g.call(fn, {I32(kPreopenFd), I32(0), I32(0xFFFFFFFF)}), E(Errno::FAULT)) << fn;
  }
  EXPECT_EQ(g.call("path_symlink", {I32(kMem - 1), I32(5), I32(kPreopenFd), I32(1000), I32(3)}),
            E(Errno::FAULT));
  EXPECT_EQ(g.call("path_rename",
                   {I32(kPreopenFd), I32(1000), I32(8), I32(kPreopenFd), I32(kMem), I32(1)}),
            E(Errno::FAULT));
  EXPECT_EQ(g.call("path_link", {I32(kPreopenFd), I32(0), I32(1000), I32(8), I32(kPreopenFd),
                                 I32(0xFFFFFFF0), I32(0x20)}),
            E(Errno::FAULT));
  g.put(1100, "upfile");
  EXPECT_EQ(
      g.call("path_readlink", {I32(kPreopenFd), I32(1100), I32(6), I32(kMem - 4), I32(5), I32(0)}),
      E(Errno::FAULT));
  EXPECT_EQ(
      g.call("path_readlink", {I32(kPreopenFd), I32(1100), I32(6), I32(0), I32(4), I32(kMem - 2)}),
      E(Errno::FAULT));
  EXPECT_EQ(g.call("path_filestat_set_times",
                   {I32(kPreopenFd), I32(0), I32(kMem), I32(1), I64(0), I64(0), I32(0)}),
            E(Errno::FAULT));
  // Bytes that are not a path: NUL inside, invalid UTF-8.
  g.put(1200, std::string("file.txt\0", 9));
  EXPECT_EQ(open_at(1200, 9, 2000), E(Errno::INVAL));
  g.put(1300, "\xff\xfe");
  EXPECT_EQ(open_at(1300, 2, 2000), E(Errno::ILSEQ));
  g.put(1300, "\xc0\xaf");  // an overlong '/'
  EXPECT_EQ(open_at(1300, 2, 2000), E(Errno::ILSEQ));
}

TEST_F(Hostile, Flags) {
  g.put(1000, "file.txt");
  auto open_with = [&](uint32_t dirflags, uint32_t oflags, uint32_t fdflags) {
    return g.call("path_open", {I32(kPreopenFd), I32(dirflags), I32(1000), I32(8), I32(oflags),
                                I64(right::ALL), I64(right::ALL), I32(fdflags), I32(2000)});
  };
  EXPECT_EQ(open_with(2, 0, 0), E(Errno::INVAL));
  EXPECT_EQ(open_with(0xFFFFFFFF, 0, 0), E(Errno::INVAL));
  EXPECT_EQ(open_with(0, 0x10, 0), E(Errno::INVAL));
  EXPECT_EQ(open_with(0, 0xFFFFFFFF, 0), E(Errno::INVAL));
  EXPECT_EQ(open_with(0, oflag::DIRECTORY | oflag::CREAT, 0), E(Errno::INVAL));
  EXPECT_EQ(open_with(0, oflag::DIRECTORY | oflag::TRUNC, 0), E(Errno::INVAL));
  EXPECT_EQ(open_with(0, 0, 0x20), E(Errno::INVAL));
  EXPECT_EQ(open_with(0, oflag::DIRECTORY, 0), E(Errno::NOTDIR));
  EXPECT_EQ(open_with(0, oflag::CREAT | oflag::EXCL, 0), E(Errno::EXIST));
  ASSERT_EQ(open_with(0, 0, 0), 0);
  uint32_t fd = g.get_val<uint32_t>(2000);

  EXPECT_EQ(g.call("fd_seek", {I32(fd), I64(0), I32(3), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("fd_seek", {I32(fd), I64(0), I32(0xFFFFFFFF), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("fd_seek", {I32(fd), I64(-1), I32(0), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("fd_advise", {I32(fd), I64(0), I64(0), I32(6)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("fd_advise", {I32(fd), I64(~0ull), I64(~0ull), I32(0)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("fd_allocate", {I32(fd), I64(~0ull), I64(~0ull)}), E(Errno::FBIG));
  EXPECT_EQ(g.call("fd_filestat_set_size", {I32(fd), I64(~0ull)}), E(Errno::FBIG));
  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(fd), I32(0x20)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("fd_fdstat_set_flags", {I32(fd), I32(fdflag::SYNC)}), E(Errno::NOTSUP));
  for (uint32_t bad : std::initializer_list<uint32_t>{
           0x10u, 0xFFFFu, fstflag::ATIM | fstflag::ATIM_NOW, fstflag::MTIM | fstflag::MTIM_NOW}) {
    EXPECT_EQ(g.call("fd_filestat_set_times", {I32(fd), I64(0), I64(0), I32(bad)}),
              E(Errno::INVAL));
    EXPECT_EQ(g.call("path_filestat_set_times",
                     {I32(kPreopenFd), I32(0), I32(1000), I32(8), I64(0), I64(0), I32(bad)}),
              E(Errno::INVAL));
  }
  EXPECT_EQ(g.call("path_filestat_get", {I32(kPreopenFd), I32(2), I32(1000), I32(8), I32(0)}),
            E(Errno::INVAL));
  EXPECT_EQ(g.call("path_link", {I32(kPreopenFd), I32(4), I32(1000), I32(8), I32(kPreopenFd),
                                 I32(1000), I32(8)}),
            E(Errno::INVAL));
  EXPECT_EQ(g.call("sock_shutdown", {I32(1), I32(3)}), E(Errno::NOTSOCK));
  EXPECT_EQ(g.call("sock_accept", {I32(fd), I32(0), I32(0)}), E(Errno::NOTSOCK));
  EXPECT_EQ(g.call("sock_recv", {I32(0), I32(0), I32(0), I32(0), I32(0), I32(0)}),
            E(Errno::NOTSOCK));
  EXPECT_EQ(g.call("sock_send", {I32(1), I32(0), I32(0), I32(0), I32(0)}), E(Errno::NOTSOCK));
  EXPECT_EQ(g.call("proc_raise", {I32(9)}), E(Errno::NOTSUP));
}

TEST_F(Hostile, PollOneoff) {
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(0), I32(2048)}), E(Errno::INVAL));
  EXPECT_EQ(g.call("poll_oneoff", {I32(kMem - 47), I32(1024), I32(1), I32(2048)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(kMem - 31), I32(1), I32(2048)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(1), I32(kMem - 3)}), E(Errno::FAULT));
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(0xFFFFFFFF), I32(2048)}),
            E(Errno::FAULT));
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(0x10000000), I32(2048)}),
            E(Errno::FAULT));
  // An unknown event tag.
  std::memset(g.mem(), 0, 48);
  g.mem()[8] = 3;
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(1), I32(2048)}), E(Errno::INVAL));
  // A bad clock and a bad fd are reported as events, at once.
  std::memset(g.mem(), 0, 96);
  g.put_val<uint64_t>(0, 11);
  g.mem()[8] = 0;
  g.put_val<uint32_t>(16, 99);  // clock id
  g.put_val<uint64_t>(48, 22);
  g.mem()[56] = 1;  // fd_read
  g.put_val<uint32_t>(64, 12345);
  EXPECT_EQ(g.call("poll_oneoff", {I32(0), I32(1024), I32(2), I32(2048)}), 0);
  EXPECT_EQ(g.get_val<uint32_t>(2048), 2u);
  EXPECT_EQ(g.get_val<uint64_t>(1024), 11u);
  EXPECT_EQ(g.get_val<uint16_t>(1024 + 8), E(Errno::INVAL));
  EXPECT_EQ(g.get_val<uint64_t>(1024 + 32), 22u);
  EXPECT_EQ(g.get_val<uint16_t>(1024 + 32 + 8), E(Errno::BADF));
}

// Called straight from the embedder there is no calling instance and so no memory: every
// pointer faults, and calls without pointers still work.
TEST(NoMemory, CallsFromTheHostFaultEveryPointer) {
  Sandbox sb;
  Config c = sb.config();
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  c.stdin_fd = c.stdout_fd = c.stderr_fd = null_fd;
  auto ctx = Context::create(c);
  ASSERT_TRUE(ctx);
  Engine engine;
  Store store(engine);
  Linker linker(store);
  define_imports(linker, **ctx);
  auto call = [&](const char* fn, std::vector<Val> args) {
    auto f = linker.find("wasi_snapshot_preview1", fn)->func();
    auto r = f->call(store, args);
    return std::get<std::vector<Val>>(r)[0].i32();
  };
  EXPECT_EQ(call("fd_write", {I32(1), I32(0), I32(0), I32(0)}), E(Errno::FAULT));
  EXPECT_EQ(call("args_sizes_get", {I32(0), I32(8)}), E(Errno::FAULT));
  EXPECT_EQ(call("random_get", {I32(0), I32(0)}), E(Errno::SUCCESS));
  EXPECT_EQ(call("fd_close", {I32(2)}), E(Errno::SUCCESS));
  ::close(null_fd);
}

TEST_F(Hostile, ProcExitIsAnExitTrap) {
  auto r = g.call_raw("proc_exit", {I32(42)});
  ASSERT_TRUE(std::holds_alternative<Trap>(r));
  EXPECT_EQ(std::get<Trap>(r).kind, TrapKind::Exit);
  EXPECT_EQ(std::get<Trap>(r).exit_code, 42);
}

}  // namespace
}  // namespace wrun::wasi::test
