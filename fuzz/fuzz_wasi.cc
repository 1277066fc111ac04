// Fuzz target: bytes -> a sequence of WASI preview1 calls with hostile arguments, made by a
// guest module (it imports every wasi_snapshot_preview1 function and exports a wrapper for
// each: wasi/tests/guest_harness.h) with one page of memory, against a preopened directory in
// a temporary tree (see Sandbox).
//
// The input is read as a stream of operations (at most kMaxCallsPerInput); guest memory starts
// as the input repeated. An operation byte >= 0xF8 plants a 32-bit word anywhere in memory;
// any other picks a function (byte % 46), and its arguments follow, each chosen by a selector
// byte according to what the parameter is (kShapes): fds (the preopens, stdio, the socket,
// fds opened earlier in the input, numbers that were never open), result pointers (mostly
// valid, else at, near or past the end of memory), flag words, 64-bit offsets and sizes, paths
// and iovec arrays built in memory (from a dictionary of components that climb out, or raw
// bytes; placed in the scratch area, flush against or across the end of memory, or anywhere;
// with the length sometimes wrong), buffers, poll subscriptions.
//
// Findings: a call that returns anything but an errno (a trap is fine only for proc_exit, or
// with a message), a failed call that wrote guest memory, a host descriptor left open, a
// SIGPIPE, a call whose host memory grows past a bound that no guest number may move
// (kCallHostBytes: the heap counted by AllocMeter, so a host allocation sized by an iovec
// count, a subscription count or a directory's size is found with this page of memory), and
// after each input anything outside the preopens created, changed or read (Sandbox::verify).
#include <cstddef>
#include <cstdint>

#if !defined(__linux__)
// The sandbox checks use Linux interfaces (O_NOATIME, /proc/self/fd, st_mtim).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }
#else

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tests/alloc_meter.h"  // AllocScope
#include "fuzz/harness.h"
#include "wasi/abi.h"
#include "wasi/host_functions.h"
#include "wasi/path_resolve.h"         // kMaxPathLen
#include "wasi/tests/guest_harness.h"  // forwarding_module
#include "wasi/wasi.h"

namespace wrun::fuzz {
namespace {

namespace fs = std::filesystem;
using wasi::Errno;

bool verbose() {
  static const bool v = std::getenv("WRUN_FUZZ_VERBOSE") != nullptr;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Guest memory layout (one page). The harness writes the structures it builds (paths, iovec
// arrays, subscriptions) into the scratch area and points results into the output area; the
// rest is the input repeated, so pointers that land anywhere read fuzzer bytes.

constexpr uint32_t kMemSize = 65536;
constexpr uint32_t kScratchBegin = 1024, kScratchEnd = 49152;
constexpr uint32_t kOutBegin = 49152, kOutEnd = 61440;

constexpr size_t kMaxCallsPerInput = 64;
// Entries in the long iovec arrays (and a quarter of that in subscription arrays) built from a
// few entries repeated: more than one host call takes, in at most 3/4 of the scratch area.
constexpr uint32_t kLongArray = 3072;
// poll_oneoff really sleeps: every clock subscription it will read is clamped to this.
constexpr uint64_t kMaxPollSleepNs = 100'000;
// posix_fallocate really reserves blocks (a few GiB would fill the disk): lengths that would
// reach it are clamped; the ones our own checks reject (offset + len past INT64_MAX) stay.
constexpr uint64_t kMaxAllocateBytes = 1 << 20;
// Reads and writes of more than this in one call are skipped: they only cost time.
constexpr uint64_t kMaxTransferBytes = 8 << 20;
// What one call may allocate on the host at most, transient allocations included: a fixed
// amount, and for calls that walk paths four times the longest path (its text, a symlink
// target, an expansion being built). What a call leaves allocated (a new descriptor, a
// directory listing's position) is bounded by kCallRetainedBytes.
constexpr size_t kCallHostBytes = 32 * 1024;
constexpr size_t kPathWalkHostBytes = 4 * wasi::kMaxPathLen;
constexpr size_t kCallRetainedBytes = 4 * 1024;

// The input as a stream; past its end every read is 0.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  // One read per statement: the order of operands in an expression is unspecified, and GCC
  // and clang must decode an input alike (fuzz_replay runs in both).
  uint16_t u16() {
    const uint16_t low = u8();
    return static_cast<uint16_t>(low | u8() << 8);
  }
  uint32_t u32() {
    const uint32_t low = u16();
    return low | static_cast<uint32_t>(u16()) << 16;
  }
  uint64_t u64() {
    const uint64_t low = u32();
    return low | static_cast<uint64_t>(u32()) << 32;
  }
  std::string bytes(size_t n) {
    std::string s;
    for (size_t i = 0; i < n && !done(); ++i) s.push_back(static_cast<char>(u8()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The sandbox: ROOT/{preopen, readonly, outside} under the temporary directory.
//   preopen/   guest fd 3: files, a subdirectory, symlinks that lead out (relative, absolute,
//              dangling, a loop); put back as it was before every input
//   readonly/  guest fd 4, a read-only preopen: may be read, never changed
//   outside/   a sentinel file and an empty directory: never created, changed or even read
//              (their atimes are set far in the past, so with relatime a read moves them)

constexpr const char* kSentinel = "wrun fuzz_wasi sentinel: no guest may read or change this\n";

// Names the dictionary creates with (besides the preopen's own): none may ever appear in the
// directory that holds ROOT, or in "/".
const std::vector<std::string> kCreatedNames = {"wfz-new", "wfz-dir", "wfz-link", "file.txt",
                                                "sub",     "up-dir",  "secret",   "outside"};

void write_host_file(const fs::path& p, std::string_view content) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 ||
      ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    fail("fuzz_wasi: cannot write", p.string());
  }
  ::close(fd);
}

// Reads a file without touching its atime.
std::string read_noatime(int dir_fd, const char* name) {
  int fd = ::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
  if (fd < 0) return "<unreadable>";
  std::string s;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return s;
}

// Everything observable about a tree (types, modes, sizes, link counts, times, link targets,
// contents), read with O_NOATIME so that looking does not change what is looked at.
void describe_tree(int dir_fd, const std::string& prefix, bool with_atime, std::string* out) {
  auto stat_line = [&](const struct stat& st) {
    char line[256];
    std::snprintf(
        line, sizeof line, " mode=%o uid=%u size=%lld nlink=%llu mtime=%lld.%09ld ctime=%lld.%09ld",
        st.st_mode, st.st_uid, static_cast<long long>(st.st_size),
        static_cast<unsigned long long>(st.st_nlink), static_cast<long long>(st.st_mtim.tv_sec),
        st.st_mtim.tv_nsec, static_cast<long long>(st.st_ctim.tv_sec), st.st_ctim.tv_nsec);
    *out += line;
    if (with_atime) {
      std::snprintf(line, sizeof line, " atime=%lld.%09ld",
                    static_cast<long long>(st.st_atim.tv_sec), st.st_atim.tv_nsec);
      *out += line;
    }
  };
  int listing_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_NOATIME | O_CLOEXEC);
  DIR* d = listing_fd < 0 ? nullptr : ::fdopendir(listing_fd);
  if (!d) {
    if (listing_fd >= 0) ::close(listing_fd);
    *out += prefix + " <unlistable>\n";
    return;
  }
  std::set<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
      names.insert(e->d_name);
  }
  ::closedir(d);
  for (const std::string& name : names) {
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    *out += prefix + name;
    stat_line(st);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = ::readlinkat(dir_fd, name.c_str(), target, sizeof target);
      *out += " -> " + std::string(target, n > 0 ? static_cast<size_t>(n) : 0);
    }
    if (S_ISREG(st.st_mode)) *out += " [" + read_noatime(dir_fd, name.c_str()) + "]";
    *out += "\n";
    if (S_ISDIR(st.st_mode)) {
      int sub = ::openat(dir_fd, name.c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
      if (sub >= 0) {
        describe_tree(sub, prefix + name + "/", with_atime, out);
        ::close(sub);
      }
    }
  }
}

// The tree at `dir`, the directory itself included.
std::string describe(const fs::path& dir, bool with_atime) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
  if (fd < 0) return "<missing>";
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    char line[200];
    std::snprintf(line, sizeof line,
                  ". mode=%o nlink=%llu mtime=%lld.%09ld ctime=%lld.%09ld atime=%lld\n", st.st_mode,
                  static_cast<unsigned long long>(st.st_nlink),
                  static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec,
                  static_cast<long long>(st.st_ctim.tv_sec), st.st_ctim.tv_nsec,
                  with_atime ? static_cast<long long>(st.st_atim.tv_sec) : 0ll);
    out += line;
  }
  describe_tree(fd, "", with_atime, &out);
  ::close(fd);
  return out;
}

// Sets atime and mtime far in the past (relatime then updates the atime on any read).
void set_old_times(const fs::path& p) {
  struct timespec ts[2] = {{1'000'000'000, 0}, {1'100'000'000, 0}};
  if (::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
    fail("fuzz_wasi: utimensat", p.string());
}

// The preopen's initial tree ('d' directory, 'f' file and its content, 'l' symlink and its
// target); a directory comes before what it holds.
struct TreeEntry {
  const char* path;
  char kind;
  const char* content;
};
constexpr TreeEntry kPreopenTree[] = {
    {"file.txt", 'f', "hello, sandbox\n"},
    {"empty", 'f', ""},
    {"sub", 'd', ""},
    {"sub/inner.txt", 'f', "inner\n"},
    {"sub/deeper", 'd', ""},
    {"up-secret", 'l', "../outside/secret"},
    {"up-dir", 'l', "../outside"},
    {"sub-up", 'l', "sub/../.."},
    {"passwd", 'l', "/etc/passwd"},
    {"abs-dangling", 'l', "/nonexistent/wrun-fuzz-wasi"},
    {"dangling", 'l', "missing"},
    {"self-loop", 'l', "self-loop"},
    {"sub-link", 'l', "sub"},
};

// Whether `p` (lstat `st`) is still what `e` describes.
bool matches(const TreeEntry& e, const fs::path& p, const struct stat& st) {
  switch (e.kind) {
    case 'd':
      return S_ISDIR(st.st_mode);
    case 'f':
      return S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) == std::strlen(e.content) &&
             read_noatime(AT_FDCWD, p.c_str()) == e.content;
    default: {
      char target[256];
      const ssize_t n = ::readlink(p.c_str(), target, sizeof target);
      return S_ISLNK(st.st_mode) && n >= 0 &&
             std::string_view(target, static_cast<size_t>(n)) == e.content;
    }
  }
}

// Removes everything under `dir` (the preopen's `rel`) that is not in kPreopenTree as it was.
void prune(const fs::path& dir, const std::string& rel) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        names.push_back(e->d_name);
    }
    ::closedir(d);
  }
  for (const std::string& name : names) {
    const std::string path = rel.empty() ? name : rel + "/" + name;
    const fs::path p = dir / name;
    const TreeEntry* entry = nullptr;
    for (const TreeEntry& e : kPreopenTree) {
      if (path == e.path) entry = &e;
    }
    struct stat st;
    if (entry && ::lstat(p.c_str(), &st) == 0 && matches(*entry, p, st)) {
      if (entry->kind == 'd') prune(p, path);
      continue;
    }
    std::error_code ec;
    fs::remove_all(p, ec);
    if (ec) fail("fuzz_wasi: cannot clean the preopen", p.string() + ": " + ec.message());
  }
}

// A finding ends the process without cleaning up (as do -minimize_crash's runs): the trees of
// processes that no longer exist go when the next one starts.
void remove_stale_roots(const fs::path& tmp) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(tmp, ec)) {
    const std::string name = e.path().filename().string();
    constexpr std::string_view kPrefix = "wrun-fuzz-wasi-";
    if (name.rfind(kPrefix, 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + kPrefix.size()));
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) fs::remove_all(e.path(), ec);
  }
}

class Sandbox {
 public:
  Sandbox() {
    remove_stale_roots(fs::temp_directory_path());
    std::string tmpl =
        (fs::temp_directory_path() / ("wrun-fuzz-wasi-" + std::to_string(::getpid()) + "-XXXXXX"))
            .string();
    if (!::mkdtemp(tmpl.data())) fail("fuzz_wasi: mkdtemp failed", tmpl);
    root_ = tmpl;
    parent_ = root_.parent_path();

    fs::create_directories(outside() / "empty-dir");
    write_host_file(outside() / "secret", kSentinel);
    ::chmod((outside() / "secret").c_str(), 0640);
    set_old_times(outside() / "secret");
    set_old_times(outside() / "empty-dir");
    set_old_times(outside());

    fs::create_directories(readonly() / "rosub");
    write_host_file(readonly() / "ro.txt", "read only\n");
    fs::create_symlink("../outside/secret", readonly() / "ro-up");
    fs::create_symlink("rosub/../..", readonly() / "ro-root");

    reset_preopen();
    outside_before_ = describe(outside(), true);
    readonly_before_ = describe(readonly(), false);
    for (const std::string& name : kCreatedNames) {
      for (const fs::path& dir : {parent_, fs::path("/")}) {
        struct stat st;
        if (::lstat((dir / name).c_str(), &st) != 0) absent_.push_back(dir / name);
      }
    }
  }
  ~Sandbox() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  fs::path preopen() const { return root_ / "preopen"; }
  fs::path readonly() const { return root_ / "readonly"; }
  fs::path outside() const { return root_ / "outside"; }

  // Back to the initial preopen tree (whatever the last input did to it).
  void reset_preopen() const {
    struct stat st;
    if (::lstat(preopen().c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      std::error_code ec;
      fs::remove_all(preopen(), ec);
      fs::create_directory(preopen());
    }
    // Only what differs is redone: creating files is slow on some file systems (ext4 here).
    prune(preopen(), "");
    for (const TreeEntry& e : kPreopenTree) {
      const fs::path p = preopen() / e.path;
      if (::lstat(p.c_str(), &st) == 0) continue;
      if (e.kind == 'd') fs::create_directory(p);
      if (e.kind == 'f') write_host_file(p, e.content);
      if (e.kind == 'l') fs::create_symlink(e.content, p);
    }
  }

  // After an input: nothing outside the preopens changed (not even an atime), the read-only
  // preopen is as it was, ROOT holds just its three directories, and none of the names the
  // dictionary creates appeared above ROOT or in "/".
  void verify() const {
    if (std::string now = describe(outside(), true); now != outside_before_) {
      fail("sandbox escape: outside/ was created, changed or read",
           "before:\n" + outside_before_ + "after:\n" + now);
    }
    if (std::string now = describe(readonly(), false); now != readonly_before_) {
      fail("sandbox escape: the read-only preopen changed",
           "before:\n" + readonly_before_ + "after:\n" + now);
    }
    std::set<std::string> entries;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_, ec))
      entries.insert(e.path().filename().string());
    if (entries != std::set<std::string>{"outside", "preopen", "readonly"}) {
      std::string names;
      for (const auto& n : entries) names += " " + n;
      fail("sandbox escape: the sandbox root holds something new", root_.string() + ":" + names);
    }
    for (const fs::path& p : absent_) {
      struct stat st;
      if (::lstat(p.c_str(), &st) == 0)
        fail("sandbox escape: created outside the sandbox", p.string());
    }
  }

 private:
  fs::path root_, parent_;
  std::string outside_before_, readonly_before_;
  std::vector<fs::path> absent_;  // paths that did not exist at start and must never exist
};

// ---------------------------------------------------------------------------------------------
// What each parameter of each function is, so arguments can be made to fit (and miss):
//   f fd   p result pointer   e small enum / exit code / signal   F flag word   q u64 (offset,
//   length, size, cookie, delta, time)   r rights   P path (ptr, len)   I iovec array (ptr, count)
//   b buffer (ptr, len)   S poll_oneoff's four parameters (in, out, nsubscriptions, nevents)

// The functions the harness treats specially (compared as numbers, not names, so libFuzzer's
// comparison tracing does not fill inputs with function names).
enum class Fn : uint8_t {
  Other,
  ClockTimeGet,
  FdAllocate,
  FdClose,
  FdFilestatGet,
  FdReaddir,
  FdRenumber,
  PathFilestatGet,
  PathOpen,
  PollOneoff,
  ProcExit,
  RandomGet,
};

struct Shape {
  const char* name;
  const char* params;
  Fn id = Fn::Other;
};

constexpr Shape kShapes[] = {
    {"args_get", "pp"},
    {"args_sizes_get", "pp"},
    {"environ_get", "pp"},
    {"environ_sizes_get", "pp"},
    {"clock_res_get", "ep"},
    {"clock_time_get", "eqp", Fn::ClockTimeGet},
    {"fd_advise", "fqqe"},
    {"fd_allocate", "fqq", Fn::FdAllocate},
    {"fd_close", "f", Fn::FdClose},
    {"fd_datasync", "f"},
    {"fd_fdstat_get", "fp"},
    {"fd_fdstat_set_flags", "fF"},
    {"fd_fdstat_set_rights", "frr"},
    {"fd_filestat_get", "fp", Fn::FdFilestatGet},
    {"fd_filestat_set_size", "fq"},
    {"fd_filestat_set_times", "fqqF"},
    {"fd_pread", "fIqp"},
    {"fd_prestat_get", "fp"},
    {"fd_prestat_dir_name", "fb"},
    {"fd_pwrite", "fIqp"},
    {"fd_read", "fIp"},
    {"fd_readdir", "fbqp", Fn::FdReaddir},
    {"fd_renumber", "ff", Fn::FdRenumber},
    {"fd_seek", "fqep"},
    {"fd_sync", "f"},
    {"fd_tell", "fp"},
    {"fd_write", "fIp"},
    {"path_create_directory", "fP"},
    {"path_filestat_get", "fFPp", Fn::PathFilestatGet},
    {"path_filestat_set_times", "fFPqqF"},
    {"path_link", "fFPfP"},
    {"path_open", "fFPFrrFp", Fn::PathOpen},
    {"path_readlink", "fPbp"},
    {"path_remove_directory", "fP"},
    {"path_rename", "fPfP"},
    {"path_symlink", "PfP"},
    {"path_unlink_file", "fP"},
    {"poll_oneoff", "S", Fn::PollOneoff},
    {"proc_raise", "e"},
    {"sched_yield", ""},
    {"random_get", "b", Fn::RandomGet},
    {"sock_accept", "fFp"},
    {"sock_recv", "fIFpp"},
    {"sock_send", "fIFp"},
    {"sock_shutdown", "fe"},
    {"proc_exit", "e", Fn::ProcExit},
};

struct Function {
  std::string name;
  std::string params;
  Fn id;
};

// The functions in import_signatures() order, each with its shape; a function without one,
// or whose shape does not fit its signature, stops the target at once (host_functions.h changed).
std::vector<Function> functions() {
  std::vector<Function> out;
  for (auto& [name, type] : wasi::import_signatures()) {
    const Shape* shape = nullptr;
    for (const Shape& s : kShapes) {
      if (name == s.name) shape = &s;
    }
    if (!shape) fail("fuzz_wasi: no parameter shape for", name);
    std::vector<ValType> expected;
    for (const char* k = shape->params; *k; ++k) {
      if (*k == 'q' || *k == 'r') {
        expected.push_back(ValType::I64);
      } else {
        const size_t words = *k == 'S' ? 4 : (*k == 'P' || *k == 'I' || *k == 'b') ? 2 : 1;
        expected.insert(expected.end(), words, ValType::I32);
      }
    }
    if (expected != type.params)
      fail("fuzz_wasi: parameter shape does not match the signature of", name);
    out.push_back({name, shape->params, shape->id});
  }
  if (out.size() != std::size(kShapes)) fail("fuzz_wasi: a shape names no WASI function");
  return out;
}

// Path pieces: what the preopens hold, what climbs out, what is not a path at all.
const std::vector<std::string>& path_dictionary() {
  // clang-format off
  static const std::vector<std::string> dict = {
      "file.txt", "empty", "sub", "sub/inner.txt", "sub/deeper", "up-secret", "up-dir", "sub-up",
      "passwd", "abs-dangling", "dangling", "self-loop", "sub-link", "ro.txt", "rosub", "ro-up",
      "ro-root", ".", "..", "../..", "/", "//", "./", "sub/", "file.txt/", "sub-link/", "up-dir/",
      "/etc/passwd", "/tmp", "a/../../x", "sub/../..", "sub/../../outside/secret",
      "../outside/secret", "../outside", "../readonly/ro.txt", "../preopen/file.txt",
      "up-dir/secret", "up-dir/empty-dir", "up-dir/wfz-new", "sub-up/outside/secret",
      "sub/deeper/../../..", "wfz-new", "wfz-dir", "wfz-link", "sub/wfz-new", "../wfz-new",
      "../../wfz-new", "/wfz-new", "../outside/wfz-new",
      std::string("file.txt\0x", 10), std::string("\0", 1),  // embedded NULs
      "\xff\xfe", "\xc0\xaf", "\xe2\x82\xac", "\xed\xa0\x80",  // bad, overlong, fine, surrogate
      std::string(255, 'n'), std::string(256, 'n'), std::string(4096, 'L')};  // NAME_MAX and past
  // clang-format on
  return dict;
}

// One input's run: the guest, its memory, and the argument makers.
class Run {
 public:
  Run(ByteReader& in, Store& store, uint8_t* mem) : in_(in), store_(store), mem_(mem) {}

  void call(const Function& fn, const Func& func);

 private:
  // -- placing bytes in guest memory ----------------------------------------------------------
  void write(uint64_t at, std::string_view bytes) {
    if (at < kMemSize && !bytes.empty()) {
      std::memcpy(mem_ + at, bytes.data(), std::min<uint64_t>(bytes.size(), kMemSize - at));
    }
  }
  void put32(uint64_t at, uint32_t v) {
    write(at, std::string_view(reinterpret_cast<const char*>(&v), 4));
  }
  void put64(uint64_t at, uint64_t v) {
    write(at, std::string_view(reinterpret_cast<const char*>(&v), 8));
  }
  uint32_t get32(uint32_t at) const {
    uint32_t v = 0;
    if (uint64_t{at} + 4 <= kMemSize) std::memcpy(&v, mem_ + at, 4);
    return v;
  }
  // Overwrites what a successful call wrote that differs from run to run (times, inode
  // numbers, random bytes), so each input behaves the same every time.
  void scrub(uint64_t at, uint64_t len) {
    if (at >= kMemSize) return;
    std::memset(mem_ + at, 0xEE, static_cast<size_t>(std::min<uint64_t>(len, kMemSize - at)));
  }

  // Where a structure of `size` bytes goes: mostly the scratch area, sometimes flush against
  // or across the end of memory (only what fits is written), at 0, or anywhere.
  // `unit` over and over, `size` bytes in all.
  static std::string repeated(const std::string& unit, size_t size) {
    std::string out;
    while (!unit.empty() && out.size() < size) out += unit;
    out.resize(unit.empty() ? 0 : size);
    return out;
  }

  uint32_t place(size_t size) {
    const uint8_t how = in_.u8() % 10;
    if (size <= kMemSize) {
      if (how == 0) return kMemSize - static_cast<uint32_t>(size);
      if (how == 1)
        return kMemSize - static_cast<uint32_t>(size) + 1 + in_.u8() % std::max<size_t>(size, 1);
    }
    if (how == 2) return 0;
    if (how == 3) return in_.u16();
    if (size > kScratchEnd - kScratchBegin) return 0;
    if (cursor_ + size > kScratchEnd) cursor_ = kScratchBegin;
    uint32_t at = cursor_;
    cursor_ += static_cast<uint32_t>((size + 7) & ~size_t{7});
    return at;
  }

  // -- argument makers: a selector byte picks from a pool of values; the pool entries at and
  // above kMore read more of the input.
  static constexpr uint64_t kMore = 0xDEAD'0000'0000'0000ull;

  uint32_t hostile_ptr() {
    static constexpr uint64_t kPool[] = {
        0,          kMemSize - 1,   kMemSize - 4, kMemSize - 8, kMore,    kMemSize, kMemSize + 1,
        UINT32_MAX, UINT32_MAX - 7, 0x80000000u,  kMore + 1,    kMore + 2};
    switch (const uint64_t v = kPool[in_.u8() % std::size(kPool)]) {
      case kMore:
        return kMemSize - 1 - in_.u8() % 64;
      case kMore + 1:
        return in_.u32();
      case kMore + 2:
        return in_.u16();
      default:
        return static_cast<uint32_t>(v);
    }
  }
  uint32_t hostile_len() {
    static constexpr uint64_t kPool[] = {0,          1,           kMemSize,    kMemSize + 1,
                                         UINT32_MAX, 0x80000000u, 0x7FFFFFFFu, kMore,
                                         kMore + 1,  kMore + 2};
    switch (const uint64_t v = kPool[in_.u8() % std::size(kPool)]) {
      case kMore:
        return in_.u32();
      case kMore + 1:
        return in_.u16();
      case kMore + 2:
        return in_.u8();
      default:
        return static_cast<uint32_t>(v);
    }
  }
  // A result pointer: mostly somewhere in the output area (unaligned too), else hostile.
  uint32_t result_ptr() {
    if (in_.u8() % 4 != 0) return kOutBegin + in_.u16() % (kOutEnd - kOutBegin - 64);
    return hostile_ptr();
  }
  uint32_t fd() {
    const uint8_t sel = in_.u8() % 32;
    if (sel < 10) return 3;         // the preopen
    if (sel < 13) return 4;         // the read-only preopen
    if (sel < 15) return 5;         // the socket
    if (sel < 18) return sel - 15;  // stdio
    if (sel < 26) return opened_.empty() ? 3 : opened_[in_.u8() % opened_.size()];
    if (sel == 26) return 6 + in_.u8() % 4;  // what the next opens will get
    if (sel == 31) return in_.u32();
    static constexpr uint32_t kNeverOpen[] = {0x7FFFFFFFu, UINT32_MAX, 65536, 65535};
    return kNeverOpen[sel - 27];
  }
  // An fd to close or renumber: mostly one this input opened.
  uint32_t fd_to_lose() {
    const uint8_t sel = in_.u8() % 8;
    if (sel < 6) return opened_.empty() ? 6 + sel % 4 : opened_[in_.u8() % opened_.size()];
    return fd();
  }
  uint32_t flags() {
    const uint8_t sel = in_.u8() % 16;
    if (sel < 4) return 0;
    if (sel < 10) return in_.u8() & 0x3F;  // the defined bits and one past them
    if (sel == 13) return 1u << (in_.u8() % 32);
    if (sel == 14) return in_.u32();
    static constexpr uint32_t kPool[] = {1, 0xFFFF, UINT32_MAX, 0, 0, 0x1F};
    return kPool[sel - 10];
  }
  uint32_t small_enum() {
    const uint8_t sel = in_.u8() % 8;
    if (sel < 6) return in_.u8() % 8;
    return sel == 6 ? in_.u32() : 0xFF;
  }
  uint64_t u64() {
    static constexpr uint64_t kPool[] = {0,          kMore,      4096,       1ull << 31, 1ull << 32,
                                         1ull << 40, 1ull << 44, 1ull << 62, INT64_MAX,  kMore + 1,
                                         1ull << 63, UINT64_MAX, kMore + 2,  kMore + 3,  kMore + 4,
                                         kMore + 5,  kMore + 6};
    const uint8_t sel = in_.u8() % 24;
    if (sel >= std::size(kPool)) return in_.u8();
    switch (const uint64_t v = kPool[sel]) {
      case kMore:
        return in_.u16();
      case kMore + 1:
        return INT64_MAX - in_.u8();
      case kMore + 2:
        return UINT64_MAX - in_.u8();
      case kMore + 3:
        return in_.u64();
      case kMore + 4:
        return static_cast<uint64_t>(-static_cast<int64_t>(in_.u8()) - 1);  // seek back
      case kMore + 5:
        return in_.u32();
      case kMore + 6:
        return 1'600'000'000'000'000'000ull + in_.u32();  // a plausible time
      default:
        return v;
    }
  }
  uint64_t rights() {
    switch (in_.u8() % 8) {
      case 4:
        return 0;
      case 5:
        return in_.u64();
      case 6:
        return wasi::right::ALL & ~(1ull << (in_.u8() % 30));
      case 7:
        return UINT64_MAX;
      default:
        return wasi::right::ALL;
    }
  }
  std::string path_text() {
    const auto& dict = path_dictionary();
    const uint8_t how = in_.u8() % 16;
    if (how == 10) {  // a long walk: one piece over and over
      std::string unit = dict[in_.u8() % dict.size()] + "/", s;
      const size_t repeat = 1 + in_.u16() % 4096;
      for (size_t i = 0; i < repeat && s.size() + unit.size() <= 40000; ++i) s += unit;
      return s;
    }
    if (how == 11) return std::string(wasi::kMaxPathLen + in_.u8() % 2, 'x');
    if (how == 12) return "";
    if (how == 13) return in_.bytes(in_.u8() % 64);
    if (how == 14) return dict[in_.u8() % dict.size()];
    std::string s;
    const int parts = 1 + in_.u8() % 4;
    for (int i = 0; i < parts; ++i) {
      if (i > 0) {
        const uint8_t sep = in_.u8() % 8;
        s += sep == 6 ? "//" : sep == 7 ? "/./" : "/";
      }
      const uint8_t c = in_.u8();
      s += c < 200 ? dict[c % dict.size()] : in_.bytes(in_.u8() % 24);
    }
    if (in_.u8() % 8 == 0) s += "/";
    return s;
  }
  // A path written into memory; its (ptr, len), sometimes wrong on purpose.
  std::pair<uint32_t, uint32_t> path() {
    const std::string s = path_text();
    uint32_t ptr = place(s.size());
    write(ptr, s);
    auto len = static_cast<uint32_t>(s.size());
    switch (in_.u8() % 16) {
      case 12:
        ++len;
        break;
      case 13:
        len = len ? len - 1 : 0;
        break;
      case 14:
        len = hostile_len();
        break;
      case 15:
        ptr = hostile_ptr();
        break;
      default:
        break;
    }
    return {ptr, len};
  }
  // An iovec array: a few entries built here (buffers in memory, across its end, or
  // anywhere), counts up to absurd; entries past the built ones are whatever memory holds.
  std::pair<uint32_t, uint32_t> iovecs() {
    uint32_t count;
    const uint8_t sel = in_.u8() % 16;
    switch (sel) {
      case 0:
        count = 0;
        break;
      case 8:
        count = 8 + in_.u8() % 9;
        break;
      case 9:
        count = 1024;
        break;  // IOV_MAX
      case 10:
        count = 1025;
        break;
      case 11:
        count = kLongArray;  // the built entries repeated: more than one host call takes
        break;
      case 12:
        count = 0x1FFFFFFF;
        break;
      case 13:
        count = 0x20000000;
        break;  // count * 8 wraps to 0 in 32 bits
      case 14:
        count = UINT32_MAX;
        break;
      case 15:
        count = in_.u32();
        break;
      default:
        count = 1 + in_.u8() % 4;
        break;
    }
    const uint32_t built = std::min<uint32_t>(count, 16);
    std::string table;
    for (uint32_t i = 0; i < built; ++i) {
      uint32_t buf, len;
      switch (in_.u8() % 10) {
        case 5:
          buf = kMemSize - in_.u8() % 16, len = in_.u8() % 32;
          break;
        case 6:
          buf = hostile_ptr(), len = in_.u8() % 32;
          break;
        case 7:
          buf = kScratchBegin + in_.u16() % (kScratchEnd - kScratchBegin), len = hostile_len();
          break;
        case 8:
          buf = 0, len = kMemSize;
          break;
        case 9:
          buf = kMemSize, len = 0;
          break;
        default:
          buf = kScratchBegin + in_.u16() % (kScratchEnd - kScratchBegin - 64), len = in_.u8() % 64;
          break;
      }
      table.append(reinterpret_cast<const char*>(&buf), 4);
      table.append(reinterpret_cast<const char*>(&len), 4);
    }
    if (sel == 11) table = repeated(table, size_t{count} * 8);
    uint32_t ptr = place(table.size());
    write(ptr, table);
    if (in_.u8() % 16 == 0) ptr = hostile_ptr();
    return {ptr, count};
  }
  // A destination buffer (ptr, len).
  std::pair<uint32_t, uint32_t> buffer() {
    const uint8_t sel = in_.u8() % 12;
    if (sel < 6) {
      const uint32_t len = sel % 2 ? in_.u8() : in_.u16() % 1024;
      return {kOutBegin + in_.u16() % (kOutEnd - kOutBegin - 1024), len};
    }
    const uint32_t small = in_.u8();
    switch (sel) {
      case 6:
        return {kMemSize - small, small};
      case 7:
        return {kMemSize - small + 1, small};
      case 8:
        return {hostile_ptr(), small};
      case 9:
        return {kOutBegin, hostile_len()};
      case 10:
        return {kMemSize, 0};
      default:
        return {0, kMemSize};
    }
  }
  // poll_oneoff's (in, out, nsubscriptions, nevents): up to 8 subscriptions built here.
  std::vector<uint32_t> subscriptions() {
    uint32_t n;
    const uint8_t sel = in_.u8() % 16;
    switch (sel) {
      case 0:
        n = 0;
        break;
      case 9:
        n = 8;
        break;
      case 10:
        n = kLongArray / 4;  // the built subscriptions repeated (a loop over many descriptors)
        break;
      case 11:
        n = kMemSize / wasi::layout::kSubscriptionSize + 1;
        break;
      case 12:
        n = 0x10000000;
        break;
      case 13:
        n = UINT32_MAX;
        break;
      case 14:
        n = in_.u32();
        break;
      case 15:
        n = in_.u8();
        break;
      default:
        n = 1 + in_.u8() % 4;
        break;
    }
    const bool long_array = sel == 10;
    const uint32_t built = std::min<uint32_t>(n, 8);
    const uint32_t in = place(size_t{long_array ? n : built} * wasi::layout::kSubscriptionSize);
    for (uint32_t i = 0; i < built; ++i) {
      const uint64_t s = uint64_t{in} + uint64_t{i} * wasi::layout::kSubscriptionSize;
      std::string zeros(wasi::layout::kSubscriptionSize, '\0');
      write(s, zeros);
      put64(s + wasi::layout::kSubUserdata, in_.u16());
      const uint8_t tag = in_.u8() % 8;
      if (tag < 3) {
        write(s + wasi::layout::kSubTag, std::string(1, '\0'));
        put32(s + wasi::layout::kSubClockId, in_.u8() % 5);
        put64(s + wasi::layout::kSubClockTimeout, u64());
        const uint8_t f = in_.u8() % 4;
        const uint16_t clock_flags = f == 1 ? wasi::subclockflag::ABSTIME : f == 2 ? in_.u16() : 0;
        write(s + wasi::layout::kSubClockFlags,
              std::string_view(reinterpret_cast<const char*>(&clock_flags), 2));
      } else {
        const char t = tag < 5 ? 1 : tag < 7 ? 2 : static_cast<char>(3 + in_.u8());
        write(s + wasi::layout::kSubTag, std::string(1, t));
        put32(s + wasi::layout::kSubFd, fd());
      }
    }
    if (long_array && uint64_t{in} + uint64_t{n} * wasi::layout::kSubscriptionSize <= kMemSize) {
      const size_t one_round = size_t{built} * wasi::layout::kSubscriptionSize;
      const std::string round(reinterpret_cast<const char*>(mem_ + in), one_round);
      write(in, repeated(round, size_t{n} * wasi::layout::kSubscriptionSize));
    }
    uint32_t out;
    if (in_.u8() % 4 == 0) {
      out = hostile_ptr();
    } else {
      out = kOutBegin + in_.u16() % 1024;
    }
    return {in, out, n, result_ptr()};
  }

  // -- bounding what really blocks or costs ---------------------------------------------------
  void clamp_poll_timeouts(uint32_t in, uint32_t n) {
    using namespace wasi::layout;
    if (n == 0 || uint64_t{in} + uint64_t{n} * kSubscriptionSize > kMemSize)
      return;  // faults first
    for (uint32_t i = 0; i < n; ++i) {
      uint8_t* s = mem_ + in + i * kSubscriptionSize;
      if (s[kSubTag] != 0) continue;
      uint16_t flags;
      uint32_t id;
      uint64_t timeout;
      std::memcpy(&flags, s + kSubClockFlags, 2);
      std::memcpy(&id, s + kSubClockId, 4);
      std::memcpy(&timeout, s + kSubClockTimeout, 8);
      if (flags == 0) {
        timeout %= kMaxPollSleepNs + 1;
      } else if (flags == wasi::subclockflag::ABSTIME && id <= 1) {
        struct timespec ts;
        ::clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
        const uint64_t now =
            static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
        if (timeout > now) timeout = now + timeout % (kMaxPollSleepNs + 1);
      }
      std::memcpy(s + kSubClockTimeout, &timeout, 8);
    }
  }
  // What an iovec array asks to move in one call, when the array itself is in memory.
  uint64_t transfer_size(uint32_t ptr, uint32_t count) const {
    const uint64_t n = std::min<uint64_t>(count, 1024);  // IOV_MAX: the OS layer stops there
    if (uint64_t{ptr} + uint64_t{count} * 8 > kMemSize) return 0;
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; ++i) total += get32(static_cast<uint32_t>(ptr + i * 8 + 4));
    return total;
  }

  ByteReader& in_;
  Store& store_;
  uint8_t* mem_;
  uint32_t cursor_ = kScratchBegin;
  std::vector<uint32_t> opened_;  // fds path_open returned in this input
  std::vector<uint8_t> before_ = std::vector<uint8_t>(kMemSize);
};

void Run::call(const Function& fn, const Func& func) {
  // Closing or renumbering over a preopen early would make the rest of most inputs dull.
  const bool closes_fds = fn.id == Fn::FdClose || fn.id == Fn::FdRenumber;
  std::vector<Val> args;
  for (const char* k = fn.params.c_str(); *k; ++k) {
    auto i32 = [&](uint32_t v) { args.push_back(Val::i32(static_cast<int32_t>(v))); };
    switch (*k) {
      case 'f':
        i32(closes_fds ? fd_to_lose() : fd());
        break;
      case 'p':
        i32(result_ptr());
        break;
      case 'e':
        i32(small_enum());
        break;
      case 'F':
        i32(flags());
        break;
      case 'q':
        args.push_back(Val::i64(static_cast<int64_t>(u64())));
        break;
      case 'r':
        args.push_back(Val::i64(static_cast<int64_t>(rights())));
        break;
      case 'P': {
        auto [ptr, len] = path();
        i32(ptr), i32(len);
        break;
      }
      case 'I': {
        auto [ptr, count] = iovecs();
        i32(ptr), i32(count);
        break;
      }
      case 'b': {
        auto [ptr, len] = buffer();
        i32(ptr), i32(len);
        break;
      }
      case 'S':
        for (uint32_t v : subscriptions()) i32(v);
        break;
      default:
        fail("fuzz_wasi: unknown parameter kind");
    }
  }
  auto arg32 = [&](size_t i) { return static_cast<uint32_t>(args[i].i32()); };
  auto arg64 = [&](size_t i) { return static_cast<uint64_t>(args[i].i64()); };

  if (fn.id == Fn::PollOneoff) clamp_poll_timeouts(arg32(0), arg32(2));
  if (fn.id == Fn::FdAllocate && arg64(1) <= INT64_MAX && arg64(2) <= INT64_MAX - arg64(1)) {
    args[2] = Val::i64(static_cast<int64_t>(std::min(arg64(2), kMaxAllocateBytes)));
  }
  if (const size_t iov = fn.params.find('I'); iov != std::string::npos) {
    // Only 'f' comes before an iovec pair: its position is the same among the wasm parameters.
    if (transfer_size(arg32(iov), arg32(iov + 1)) > kMaxTransferBytes) {
      if (verbose())
        std::fprintf(stderr, "  %s: skipped (more than %llu bytes)\n", fn.name.c_str(),
                     static_cast<unsigned long long>(kMaxTransferBytes));
      return;
    }
  }

  std::memcpy(before_.data(), mem_, kMemSize);
  test::AllocScope host_memory;
  auto result = func.call(store_, args);
  const size_t peak = host_memory.peak_growth(), retained = host_memory.retained();

  std::string what = fn.name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    what += (i ? ", " : "") + std::to_string(args[i].type() == ValType::I64 ? arg64(i) : arg32(i));
  }
  what += ")";

  const bool walks_paths = fn.params.find('P') != std::string::npos;
  if (peak > kCallHostBytes + (walks_paths ? kPathWalkHostBytes : 0)) {
    fail("a WASI call's host memory grew with the guest's numbers",
         what + ": " + std::to_string(peak) + " bytes allocated at the peak");
  }
  if (retained > kCallRetainedBytes) {
    fail("a WASI call kept host memory that grows with the guest's numbers",
         what + ": " + std::to_string(retained) + " bytes still allocated");
  }

  if (auto* trap = std::get_if<Trap>(&result)) {
    if (verbose()) std::fprintf(stderr, "  %s: trap: %s\n", what.c_str(), trap->message.c_str());
    if (trap->message.empty()) fail("a WASI call trapped without a message", what);
    if (fn.id == Fn::ProcExit) {
      if (trap->kind != TrapKind::Exit) fail("proc_exit trapped, but not with an exit", what);
      if (trap->exit_code != args[0].i32()) fail("proc_exit lost its exit code", what);
    } else if (trap->kind == TrapKind::Exit) {
      fail("only proc_exit may exit", what);
    }
    return;
  }
  const auto& results = std::get<std::vector<Val> >(result);
  if (fn.id == Fn::ProcExit) fail("proc_exit returned", what);
  if (results.size() != 1 || results[0].type() != ValType::I32)
    fail("a WASI call returned no errno", what);
  const int32_t err = results[0].i32();
  if (verbose()) {
    std::fprintf(stderr, "  %s = %s\n", what.c_str(), wasi::errno_name(static_cast<Errno>(err)));
  }
  if (err < 0 || err > static_cast<int32_t>(Errno::NOTCAPABLE)) {
    fail("a WASI call returned a value that is no errno", what + " = " + std::to_string(err));
  }
  // A call that fails checks every pointer before it acts: it leaves guest memory alone.
  if (err != 0 && std::memcmp(before_.data(), mem_, kMemSize) != 0) {
    fail("a failed WASI call changed guest memory",
         what + " = " + wasi::errno_name(static_cast<Errno>(err)));
  }
  if (err != 0) return;

  if (fn.id == Fn::PathOpen && opened_.size() < 16) opened_.push_back(get32(arg32(8)));
  if (fn.id == Fn::RandomGet) scrub(arg32(0), arg32(1));
  if (fn.id == Fn::ClockTimeGet) scrub(arg32(2), 8);
  if (fn.id == Fn::FdFilestatGet) scrub(arg32(1), wasi::layout::kFilestatSize);
  if (fn.id == Fn::PathFilestatGet) scrub(arg32(4), wasi::layout::kFilestatSize);
  if (fn.id == Fn::FdReaddir) scrub(arg32(1), get32(arg32(4)));
  if (fn.id == Fn::PollOneoff) {
    scrub(arg32(1), uint64_t{get32(arg32(3))} * wasi::layout::kEventSize);
    scrub(arg32(3), 4);
  }
}

// ---------------------------------------------------------------------------------------------
// Process-wide state: the sandbox, the compiled guest, the list of functions.

[[noreturn]] void on_sigpipe(int) {
  static const char kMsg[] =
      "wrun fuzz: a guest's write raised SIGPIPE (it kills an embedder that does not ignore it)\n";
  (void)!::write(2, kMsg, sizeof kMsg - 1);
  __builtin_trap();
}

// The guest's wrappers only forward their arguments: tiny stacks keep a store cheap to make.
Engine& guest_engine() {
  static Engine engine([] {
    EngineConfig c;
    c.max_call_depth = 64;
    c.value_stack_slots = 1024;
    return c;
  }());
  return engine;
}

struct Fixture {
  Sandbox sandbox;
  Module module;
  std::vector<Function> funcs = functions();

  Fixture()
      : module([] {
          auto m = Module::compile(guest_engine(), wasi::test::forwarding_module(1, 1));
          if (!m) fail("fuzz_wasi: the forwarding module does not compile", m.error());
          return *m;
        }()) {
    ::signal(SIGPIPE, on_sigpipe);
  }
};

Fixture& fixture() {
  static Fixture fx;  // destroyed at exit, which removes the temporary tree
  return fx;
}

// A descriptor closed when the scope ends.
struct HostFd {
  int fd = -1;
  ~HostFd() {
    if (fd >= 0) ::close(fd);
  }
};

void run_input(const uint8_t* data, size_t size) {
  Fixture& fx = fixture();
  const size_t fds_before = wasi::test::open_host_fds();
  fx.sandbox.reset_preopen();
  {
    // Stdio is /dev/null (reads end at once), fresh per input so flags the guest sets on it do
    // not carry over. The socket's peer has sent a little and closed: receiving never blocks
    // and sending fails with EPIPE.
    HostFd null_fd{::open("/dev/null", O_RDWR | O_CLOEXEC)};
    int pair[2];
    if (null_fd.fd < 0 || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      fail("fuzz_wasi: cannot open /dev/null or a socketpair");
    }
    HostFd sock{pair[0]};
    (void)!::write(pair[1], "from the peer", 13);
    ::close(pair[1]);

    wasi::Config config;
    config.args = {"fuzz_wasi", "--flag", "an argument with spaces", ""};
    config.env = {{"HOME", "/sandbox"}, {"EMPTY", ""}};
    config.preopens = {{fx.sandbox.preopen().string(), "/sandbox", false},
                       {fx.sandbox.readonly().string(), "/readonly", true}};
    config.stdin_fd = config.stdout_fd = config.stderr_fd = null_fd.fd;
    config.sockets = {sock.fd};  // guest fd 5
    auto ctx = wasi::Context::create(config);
    if (!ctx) fail("fuzz_wasi: cannot create the WASI context", ctx.error());

    Store store(guest_engine());
    Linker linker(store);
    wasi::define_imports(linker, **ctx);
    auto inst = linker.instantiate(fx.module);
    if (auto* err = std::get_if<InstantiateError>(&inst))
      fail("fuzz_wasi: cannot instantiate the guest", err->message);
    Instance& instance = std::get<Instance>(inst);
    // The wrappers, in import_signatures() order (the forwarding module exports them so).
    const auto exports = instance.exports();
    static const bool order_checked = [&] {
      for (size_t i = 0; i < fx.funcs.size(); ++i) {
        if (i >= exports.size() || exports[i].first != fx.funcs[i].name ||
            !exports[i].second.func()) {
          fail("fuzz_wasi: the guest's exports are not in import_signatures() order");
        }
      }
      return true;
    }();
    (void)order_checked;
    Memory memory = *instance.get_memory("memory");
    if (memory.size_bytes() != kMemSize) fail("fuzz_wasi: the guest memory is not one page");
    uint8_t* mem = memory.data();
    for (size_t at = 0; size > 0 && at < kMemSize; at += size) {
      std::memcpy(mem + at, data, std::min<size_t>(size, kMemSize - at));
    }

    // The store's executor state is made by its first call: make it now, outside the checks.
    (void)instance.get_func("sched_yield")->call(store, {});
    ByteReader in(data, size);
    Run run(in, store, mem);
    for (size_t calls = 0; calls < kMaxCallsPerInput && !in.done(); ++calls) {
      const uint8_t op = in.u8();
      if (op >= 0xF8) {  // plant a pointer-like word anywhere
        const uint16_t at = in.u16();
        const uint32_t v = in.u32();
        if (at + 4u <= kMemSize) std::memcpy(mem + at, &v, 4);
        continue;
      }
      const size_t index = op % fx.funcs.size();
      const Function& fn = fx.funcs[index];
      if (verbose()) std::fprintf(stderr, "call %zu: %s\n", calls, fn.name.c_str());
      run.call(fn, *exports[index].second.func());
    }
  }  // the context, the store and our descriptors are gone: every host descriptor is closed
  if (const size_t fds_after = wasi::test::open_host_fds(); fds_after != fds_before) {
    fail("a host descriptor was left open",
         std::to_string(fds_before) + " before, " + std::to_string(fds_after) + " after");
  }
  fx.sandbox.verify();
}

}  // namespace
}  // namespace wrun::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wrun::fuzz::run_input(data, size);
  return 0;
}

#endif  // __linux__
