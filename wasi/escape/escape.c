// escape.wasm: a WASI guest that tries every way out of its sandbox we could think of, through
// wasi-libc (as real programs do) and through raw imports (hostile pointers and paths).
// It is run by wrun-wasi-escape (wasi/tests/escape_main.cc), which builds the tree below,
// preopens "sandbox" as "/", and afterwards checks that nothing outside changed.
//
//   outside/secret.txt ("SECRET"), outside/dir/
//   sandbox/file.txt ("inside"), sandbox/sub/inner.txt,
//   sandbox/abs -> <absolute path of outside>, sandbox/etc -> /etc, sandbox/up -> ../outside,
//   sandbox/upfile -> ../outside/secret.txt, sandbox/chain1 -> chain2 -> chain3 -> sub/../up,
//   sandbox/loop1 <-> loop2, sandbox/swap_dir/secret.txt ("DECOY"), sandbox/swap_link -> ../outside
//
// Usage: escape.wasm MODE, MODE = static | race | readonly. Prints one line per attempt that
// got out ("ESCAPE: ...") and a summary; exits 0 when every attempt was refused.
//
// Rebuild: wasi/escape/build.sh (clang --target=wasm32-wasi with wasi-libc).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

// Raw imports, so pointers and lengths can be anything.
#define WASI_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))
WASI_IMPORT("path_open")
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                      int64_t base, int64_t inheriting, int32_t fdflags, int32_t out);
WASI_IMPORT("fd_write")
int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t out);
WASI_IMPORT("fd_read")
int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t out);
WASI_IMPORT("path_symlink")
int32_t raw_path_symlink(int32_t old_path, int32_t old_len, int32_t fd, int32_t new_path,
                         int32_t new_len);
WASI_IMPORT("path_rename")
int32_t raw_path_rename(int32_t fd, int32_t old_path, int32_t old_len, int32_t new_fd,
                        int32_t new_path, int32_t new_len);
WASI_IMPORT("args_get")
int32_t raw_args_get(int32_t argv, int32_t argv_buf);

static int attempts, escapes;

static void escaped(const char* what) {
  ++escapes;
  printf("ESCAPE: %s\n", what);
}

// An operation that must fail (return < 0 / nonzero errno).
static void refused(const char* what, int result) {
  ++attempts;
  if (result >= 0) escaped(what);
}

static int read_fd(int fd, char* buf, size_t n) {
  ssize_t r = read(fd, buf, n - 1);
  buf[r > 0 ? r : 0] = 0;
  return (int)r;
}

// open() must fail; if it did not, say what we could read.
static void open_refused(const char* path, int flags) {
  ++attempts;
  int fd = open(path, flags, 0644);
  if (fd < 0) return;
  char buf[64];
  read_fd(fd, buf, sizeof buf);
  close(fd);
  char what[256];
  snprintf(what, sizeof what, "open(\"%s\", 0x%x) read \"%s\"", path, flags, buf);
  escaped(what);
}

static int32_t memory_end(void) { return (int32_t)(__builtin_wasm_memory_size(0) * 65536); }

static void outside_paths(void) {
  static const char* paths[] = {
      "../outside/secret.txt", "/../outside/secret.txt", "sub/../../outside/secret.txt",
      "/etc/passwd", "etc/passwd", "abs/secret.txt", "up/secret.txt", "upfile",
      "chain1/secret.txt", "chain3/secret.txt", "sub/../up/secret.txt", "./up/../up/secret.txt",
  };
  for (size_t i = 0; i < sizeof paths / sizeof *paths; ++i) {
    open_refused(paths[i], O_RDONLY);
    open_refused(paths[i], O_RDWR | O_APPEND);
    open_refused(paths[i], O_WRONLY | O_TRUNC);
    struct stat st;
    refused(paths[i], stat(paths[i], &st));
  }
  open_refused("up/new.txt", O_CREAT | O_WRONLY);
  open_refused("abs/new.txt", O_CREAT | O_EXCL | O_WRONLY);
  open_refused("../outside/new.txt", O_CREAT | O_WRONLY);
  open_refused("chain1/dir/new.txt", O_CREAT | O_WRONLY);
  open_refused("loop1", O_RDONLY);
  open_refused("loop1/x", O_CREAT | O_WRONLY);
  refused("opendir(up)", opendir("up") ? 0 : -1);
  refused("opendir(..)", opendir("/..") ? 0 : -1);
  refused("opendir(abs/dir)", opendir("abs/dir") ? 0 : -1);
}

static void outside_changes(void) {
  refused("mkdir up/newdir", mkdir("up/newdir", 0755));
  refused("mkdir ../newdir", mkdir("../newdir", 0755));
  refused("unlink up/secret.txt", unlink("up/secret.txt"));
  refused("unlink abs/secret.txt", unlink("abs/secret.txt"));
  refused("rmdir up/dir", rmdir("up/dir"));
  refused("rename file.txt -> up/stolen.txt", rename("file.txt", "up/stolen.txt"));
  refused("rename file.txt -> ../outside/stolen.txt", rename("file.txt", "../outside/stolen.txt"));
  refused("rename up/secret.txt -> mine.txt", rename("up/secret.txt", "mine.txt"));
  refused("rename up/dir -> mydir", rename("up/dir", "mydir"));
  refused("link up/secret.txt -> hard", link("up/secret.txt", "hard"));
  refused("link abs/secret.txt -> hard", link("abs/secret.txt", "hard"));
  refused("link file.txt -> up/hard", link("file.txt", "up/hard"));
  refused("linkat follow upfile", linkat(AT_FDCWD, "upfile", AT_FDCWD, "hard", AT_SYMLINK_FOLLOW));
  refused("symlink /etc", symlink("/etc", "myetc"));
  refused("symlink into up/", symlink("file.txt", "up/planted"));
  struct timespec ts[2] = {{0, 0}, {0, 0}};
  refused("utimensat upfile", utimensat(AT_FDCWD, "upfile", ts, 0));
  refused("utimensat up/secret.txt", utimensat(AT_FDCWD, "up/secret.txt", ts, 0));
  refused("truncate upfile", truncate("upfile", 0));

  // Links to the symlink itself stay inside; they must not lead anywhere either.
  ++attempts;
  if (link("upfile", "hard_to_link") == 0) open_refused("hard_to_link", O_RDONLY);
  ++attempts;
  if (symlink("../outside/secret.txt", "planted") == 0) open_refused("planted", O_RDONLY);
}

static void hostile_pointers(void) {
  const int32_t end = memory_end();
  ++attempts;
  if (raw_path_open(3, 0, end - 2, 8, 0, 0, 0, 0, 0) != __WASI_ERRNO_FAULT) escaped("path past memory");
  ++attempts;
  if (raw_path_open(3, 0, 0, -1, 0, 0, 0, 0, 0) != __WASI_ERRNO_FAULT) escaped("4 GiB path");
  ++attempts;
  if (raw_path_open(3, 0, (int32_t)(intptr_t) "file.txt", 8, 0, 2, 0, 0, end - 1) !=
      __WASI_ERRNO_FAULT) {
    escaped("result past memory");
  }
  ++attempts;
  if (raw_fd_write(1, end - 4, 1, 0) != __WASI_ERRNO_FAULT) escaped("iovec array past memory");
  static int32_t iov[2];
  iov[0] = end - 8;
  iov[1] = 64;
  ++attempts;
  if (raw_fd_write(1, (int32_t)(intptr_t)iov, 1, 0) != __WASI_ERRNO_FAULT) escaped("buffer past memory");
  ++attempts;
  if (raw_fd_read(0, (int32_t)(intptr_t)iov, 0x20000000, 0) != __WASI_ERRNO_FAULT) escaped("huge iovec count");
  ++attempts;
  if (raw_args_get(-4, 0) != __WASI_ERRNO_FAULT) escaped("argv at -4");
  static const char etc[] = "/etc", name[] = "x";
  ++attempts;
  if (raw_path_symlink((int32_t)(intptr_t)etc, 4, 3, (int32_t)(intptr_t)name, 1) == 0) escaped("raw symlink /etc");
  static const char up[] = "../outside/raw", file[] = "file.txt";
  ++attempts;
  if (raw_path_rename(3, (int32_t)(intptr_t)file, 8, 3, (int32_t)(intptr_t)up, 14) == 0) escaped("raw rename out");
  ++attempts;
  if (raw_path_open(3, 1, (int32_t)(intptr_t)up, 14, 1, 0, 0, 0, 0) == 0) escaped("raw create out");
}

// A host thread swaps "swap" between a real directory and a symlink to the outside while this
// loops (race mode); in static mode "swap" is simply absent most of the time.
static void swap_race(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    int fd = open("swap/secret.txt", O_RDONLY);
    if (fd >= 0) {
      char buf[64];
      read_fd(fd, buf, sizeof buf);
      close(fd);
      ++attempts;
      if (strcmp(buf, "SECRET") == 0) escaped("read outside/secret.txt through swap");
    }
    fd = open("swap/created.txt", O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) close(fd);
    rename("swap/secret.txt", "swap/moved.txt");
    rename("swap/moved.txt", "swap/secret.txt");
    mkdir("swap/newdir", 0755);
    unlink("swap/created.txt");
  }
}

// In a read-only sandbox, open() for writing may hand out a descriptor (wasi-libc asks only
// for the rights the directory can pass on), but nothing written through it may land.
static void write_refused(const char* path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) return;
  ++attempts;
  if (write(fd, "X", 1) >= 0) escaped("write in a read-only sandbox");
  ++attempts;
  if (ftruncate(fd, 0) == 0) escaped("ftruncate in a read-only sandbox");
  close(fd);
}

// Read-only sandbox: nothing inside may change either.
static void readonly_writes(void) {
  write_refused("file.txt", O_WRONLY);
  write_refused("file.txt", O_RDWR | O_APPEND);
  open_refused("file.txt", O_RDWR | O_TRUNC);
  open_refused("new.txt", O_CREAT | O_WRONLY);
  open_refused("sub/new.txt", O_CREAT | O_RDONLY);
  int fd = open("file.txt", O_RDONLY);
  ++attempts;
  if (fd >= 0 && write(fd, "X", 1) >= 0) escaped("write through a read-only fd");
  ++attempts;
  if (fd >= 0 && ftruncate(fd, 0) == 0) escaped("ftruncate read-only");
  if (fd >= 0) close(fd);
  refused("mkdir", mkdir("newdir", 0755));
  refused("unlink", unlink("file.txt"));
  refused("rmdir", rmdir("sub"));
  refused("rename", rename("file.txt", "renamed.txt"));
  refused("link", link("file.txt", "linked.txt"));
  refused("symlink", symlink("file.txt", "sym"));
  struct timespec ts[2] = {{0, 0}, {0, 0}};
  refused("utimensat", utimensat(AT_FDCWD, "file.txt", ts, 0));
  refused("truncate", truncate("file.txt", 0));
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "static";
  if (strcmp(mode, "readonly") == 0) {
    readonly_writes();
  } else {
    outside_paths();
    outside_changes();
    hostile_pointers();
    swap_race(strcmp(mode, "race") == 0 ? 3000 : 10);
  }
  printf("escape %s: %d attempts, %d escapes\n", mode, attempts, escapes);
  return escapes ? 1 : 0;
}
