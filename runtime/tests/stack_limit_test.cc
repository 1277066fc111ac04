// The native stack limit: found from the real stack of each thread, and early enough that
// recursion checking it stops cleanly.
#include "runtime/stack_limit.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <thread>

namespace wrun::rt {
namespace {

const char* frame_address() { return static_cast<const char*>(__builtin_frame_address(0)); }

// How deep a recursion that checks stack_exhausted() at each level went.
struct Descent {
  size_t depth = 0;
  const char* first = nullptr;    // frame of level 0
  const char* second = nullptr;   // frame of level 1
  const char* deepest = nullptr;  // the frame that found the stack exhausted
};

[[gnu::noinline]] size_t descend(Descent& d, size_t level) {
  volatile char pad[512];  // a frame of some size, as an interpreter's would be
  pad[0] = static_cast<char>(level);
  const char* frame = frame_address();
  if (level == 0) d.first = frame;
  if (level == 1) d.second = frame;
  if (stack_exhausted()) {
    d.depth = level;
    d.deepest = frame;
    return level;
  }
  return descend(d, level + 1) + static_cast<size_t>(pad[0] != static_cast<char>(level));
}

// Checks a descent on the calling thread, whose stack is `bounds`: it went down to the
// limit, one frame past it at most, and no further.
void expect_clean_descent(StackBounds bounds) {
  Descent d;
  descend(d, 0);
  const char* limit = stack_limit();
  ASSERT_GT(d.depth, 1u);
  const auto stride = static_cast<size_t>(d.first - d.second);
  EXPECT_LT(d.deepest, limit);
  EXPECT_GE(d.deepest + stride, limit);
  EXPECT_GT(d.deepest, bounds.low);
  // Every level but the last used one stride of stack from the first frame to the limit.
  const auto expected = static_cast<size_t>(d.first - limit) / stride;
  EXPECT_GE(d.depth, expected);
  EXPECT_LE(d.depth, expected + 1);
}

TEST(StackLimit, ReserveIsAtMostHalfTheStack) {
  EXPECT_EQ(stack_reserve(64 * 1024), 32u * 1024);
  EXPECT_GE(stack_reserve(8 << 20), kStackReserve);
  EXPECT_LE(stack_reserve(8 << 20), 2 * kStackReserve);
  EXPECT_EQ(stack_reserve(256 * 1024), 128u * 1024);
}

// The main thread's stack ends at the top of its mapping and reaches RLIMIT_STACK below it.
TEST(StackLimit, MainThreadLimitLiesWithinItsStack) {
  ASSERT_EQ(getpid(), gettid()) << "gtest runs tests on the main thread";
  const StackBounds bounds = current_stack_bounds();
  const char* frame = frame_address();
  EXPECT_TRUE(bounds.contains(frame));
  EXPECT_GT(stack_limit(), bounds.low);
  EXPECT_LT(stack_limit(), frame);
  EXPECT_FALSE(stack_exhausted());

  std::ifstream maps("/proc/self/maps");
  uintptr_t end = 0;
  for (std::string line; std::getline(maps, line);)
    if (line.ends_with("[stack]")) end = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bounds.high), end);
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_STACK, &limit), 0);
  if (limit.rlim_cur != RLIM_INFINITY) {
    EXPECT_LE(bounds.size(), limit.rlim_cur);
  }
  EXPECT_GE(bounds.size(), 64u * 1024);
}

void* small_thread(void* arg) {
  auto* bounds = static_cast<StackBounds*>(arg);
  *bounds = current_stack_bounds();
  expect_clean_descent(*bounds);
  return nullptr;
}

TEST(StackLimit, SmallThreadStopsBeforeOverflowing) {
  constexpr size_t kSize = 256 * 1024;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kSize);
  StackBounds bounds;
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, small_thread, &bounds), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_GE(bounds.size(), kSize - 2 * sysconf(_SC_PAGESIZE));
  EXPECT_LE(bounds.size(), kSize);
}

// An embedder's thread on a stack it allocated itself.
TEST(StackLimit, ThreadOnItsOwnStack) {
  constexpr size_t kSize = 512 * 1024;
  void* stack = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(stack, MAP_FAILED);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstack(&attr, stack, kSize), 0);
  StackBounds bounds;
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, small_thread, &bounds), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  munmap(stack, kSize);
  EXPECT_EQ(bounds.low, static_cast<const char*>(stack));
  EXPECT_EQ(bounds.high, static_cast<const char*>(stack) + kSize);
}

TEST(StackLimit, EachThreadHasItsOwnLimit) {
  const char* main_limit = stack_limit();
  const char* other_limit = nullptr;
  std::thread([&] { other_limit = stack_limit(); }).join();
  EXPECT_NE(other_limit, nullptr);
  EXPECT_NE(other_limit, main_limit);
}

// A stack declared by the embedder (a fiber's) replaces the thread's until reset.
TEST(StackLimit, DeclaredStackOverridesTheThreads) {
  const StackBounds own = current_stack_bounds();
  const char* own_limit = stack_limit();
  const char* frame = frame_address();
  // A stack whose low end is just below this frame: its reserve reaches above the frame.
  set_current_stack({frame - 1024, frame + 8192});
  EXPECT_EQ(current_stack_bounds().low, frame - 1024);
  EXPECT_EQ(stack_limit(), frame - 1024 + stack_reserve(9216));
  EXPECT_TRUE(stack_exhausted());
  reset_current_stack();
  EXPECT_EQ(current_stack_bounds().low, own.low);
  EXPECT_EQ(stack_limit(), own_limit);
  EXPECT_FALSE(stack_exhausted());
}

}  // namespace
}  // namespace wrun::rt
