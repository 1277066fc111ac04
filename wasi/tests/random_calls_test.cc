// Thousands of calls with arguments drawn from hostile pools (pointers at and past the end of
// memory, huge lengths, unknown fds and flags, paths that climb out) against memory full of
// garbage: each returns a WASI errno, and nothing outside the preopen changes. Under the
// sanitizer build this also proves no host access strays outside guest memory.
#include <gtest/gtest.h>

#include <random>

#include "wasi/tests/guest_harness.h"

namespace wrun::wasi::test {
namespace {

TEST(RandomCalls, AlwaysAnErrnoAndNothingOutsideChanges) {
  Sandbox sb;
  auto outside_before = sb.outside_state();
  Guest g(sb.config());
  const uint32_t mem = static_cast<uint32_t>(g.mem_size());
  std::mt19937_64 rng(20240601);

  // Paths worth trying, placed in memory; everything else is random bytes.
  const std::vector<std::string> paths = {
      "file.txt",    "sub",       "sub/inner.txt", "..",     "../outside/secret.txt",
      "/etc/passwd", "up",        "up/secret.txt", "upfile", "abs/dir",
      "chain1/x",    "loop1",     "dangling",      "new",    "sub/new",
      ".",           "sub/../..", "etc/shadow",    "x/",     "file.txt/"};
  for (uint32_t i = 0; i < mem; ++i) g.mem()[i] = static_cast<uint8_t>(rng());
  std::vector<uint32_t> path_at;
  uint32_t at = 60000;
  for (const auto& p : paths) {
    g.put(at, p);
    path_at.push_back(at);
    at += static_cast<uint32_t>(p.size()) + 1;
  }

  auto pick = [&](std::initializer_list<uint64_t> pool) {
    return *(pool.begin() + rng() % pool.size());
  };
  auto ptr = [&]() -> uint32_t {
    switch (rng() % 6) {
      case 0:
        return static_cast<uint32_t>(rng());
      case 1:
        return static_cast<uint32_t>(pick({0, mem - 1, mem, mem + 1, 0xFFFFFFFF, mem - 8}));
      case 2:
        return path_at[rng() % path_at.size()];
      default:
        return static_cast<uint32_t>(rng() % (mem - 64));
    }
  };
  auto len = [&]() -> uint32_t {
    switch (rng() % 4) {
      case 0:
        return static_cast<uint32_t>(rng());
      case 1:
        return static_cast<uint32_t>(pick({0, 1, 2, 8, 0xFFFFFFFF, 0x80000000, mem}));
      default:
        return static_cast<uint32_t>(rng() % 24);
    }
  };
  auto small = [&]() -> uint32_t {
    return rng() % 3 ? static_cast<uint32_t>(rng() % 8) : static_cast<uint32_t>(rng());
  };
  auto big = [&]() -> uint64_t {
    return pick({0, 1, 7, 100, 4096, uint64_t{INT64_MAX}, ~0ull, 1ull << 62, rng()});
  };

  const auto sigs = import_signatures();
  int calls = 0;
  std::map<int32_t, int> outcomes;
  for (int round = 0; round < 20000; ++round) {
    const auto& [fn, type] = sigs[rng() % sigs.size()];
    // Calls that may legitimately block or end the guest are tested elsewhere.
    if (fn == "poll_oneoff" || fn == "proc_exit") continue;
    // Descriptor parameters mostly name the preopen, so calls get past the fd check.
    std::vector<size_t> fd_params;
    if (fn.rfind("fd_", 0) == 0 || fn.rfind("path_", 0) == 0 || fn.rfind("sock_", 0) == 0) {
      fd_params.push_back(fn == "path_symlink" ? 2 : 0);
    }
    if (fn == "path_link") fd_params.push_back(4);
    if (fn == "path_rename" || fn == "fd_renumber")
      fd_params.push_back(fn == "path_rename" ? 3 : 1);
    // Path (pointer, length) pairs mostly name one of the paths above.
    static const std::map<std::string, std::vector<size_t>> kPathParams = {
        {"path_create_directory", {1}},
        {"path_filestat_get", {2}},
        {"path_filestat_set_times", {2}},
        {"path_link", {2, 5}},
        {"path_open", {2}},
        {"path_readlink", {1}},
        {"path_remove_directory", {1}},
        {"path_rename", {1, 4}},
        {"path_symlink", {0, 3}},
        {"path_unlink_file", {1}}};
    std::vector<size_t> path_params;
    if (auto it = kPathParams.find(fn); it != kPathParams.end()) path_params = it->second;
    std::vector<Val> args;
    for (size_t i = 0; i < type.params.size(); ++i) {
      if (std::find(path_params.begin(), path_params.end(), i) != path_params.end() && rng() % 4) {
        size_t k = rng() % paths.size();
        args.push_back(I32(path_at[k]));
        args.push_back(I32(static_cast<uint32_t>(paths[k].size())));
        ++i;
        continue;
      }
      if ((fn == "fd_close" || fn == "fd_renumber" || fn == "fd_fdstat_set_rights") &&
          type.params[i] == ValType::I32) {
        args.push_back(I32(4 + rng() % 6));  // keep the preopen whole; act on what calls opened
        continue;
      }
      if (std::find(fd_params.begin(), fd_params.end(), i) != fd_params.end()) {
        args.push_back(I32(rng() % 4 ? kPreopenFd : small()));
        continue;
      }
      if (type.params[i] == ValType::I64) {
        args.push_back(I64(big()));
        continue;
      }
      switch (rng() % 4) {
        case 0:
          args.push_back(I32(ptr()));
          break;
        case 1:
          args.push_back(I32(len()));
          break;
        default:
          args.push_back(I32(small()));
          break;
      }
    }
    auto r = g.call_raw(fn, args);
    ASSERT_TRUE(std::holds_alternative<int32_t>(r)) << fn << " trapped";
    int32_t e = std::get<int32_t>(r);
    ASSERT_GE(e, 0) << fn;
    ASSERT_LE(e, 76) << fn;
    ++calls;
    ++outcomes[e];
  }
  std::string summary;
  for (auto [err, n] : outcomes) {
    summary += std::string(errno_name(static_cast<Errno>(err))) + "=" + std::to_string(n) + " ";
  }
  std::printf("outcomes: %s\n", summary.c_str());
  EXPECT_GT(outcomes[0], 1000);  // plenty of calls get through to the host
  EXPECT_GT(calls, 15000);
  EXPECT_EQ(sb.outside_state(), outside_before);
}

}  // namespace
}  // namespace wrun::wasi::test
