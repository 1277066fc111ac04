// Test harness for wasi/: a guest module made on the fly that imports every WASI function and
// exports a same-named wrapper for each (so a call arrives with a real Caller and the guest's
// memory), plus a temporary directory tree with a preopened "sandbox" beside an "outside"
// that no call may touch.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "wasi/abi.h"
#include "wasi/host_functions.h"
#include "wasi/wasi.h"
#include "wrun/wrun.h"

namespace wrun::wasi::test {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// A tiny binary encoder for the forwarding module.

inline void leb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}

inline void name(std::vector<uint8_t>& out, const std::string& s) {
  leb(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

inline void section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& body) {
  out.push_back(id);
  leb(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

// (module (import "wasi_snapshot_preview1" NAME (func ...))...
//         (memory (export "memory") PAGES MAX)
//         (func (export NAME) (param ...) (result ...) local.get 0 ... call $NAME)...)
inline std::vector<uint8_t> forwarding_module(uint32_t pages, uint32_t max_pages) {
  auto sigs = import_signatures();
  std::vector<uint8_t> m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  std::vector<uint8_t> types, imports, funcs, mems, exports, code;
  leb(types, sigs.size());
  leb(imports, sigs.size());
  leb(funcs, sigs.size());
  leb(exports, sigs.size() + 1);
  leb(code, sigs.size());
  for (size_t i = 0; i < sigs.size(); ++i) {
    const auto& [fname, type] = sigs[i];
    types.push_back(0x60);
    leb(types, type.params.size());
    for (ValType t : type.params) types.push_back(static_cast<uint8_t>(t));
    leb(types, type.results.size());
    for (ValType t : type.results) types.push_back(static_cast<uint8_t>(t));
    name(imports, "wasi_snapshot_preview1");
    name(imports, fname);
    imports.push_back(0x00);
    leb(imports, i);
    leb(funcs, i);
    name(exports, fname);
    exports.push_back(0x00);
    leb(exports, sigs.size() + i);
    std::vector<uint8_t> body = {0x00};  // no locals
    for (size_t p = 0; p < type.params.size(); ++p) {
      body.push_back(0x20);
      leb(body, p);
    }
    body.push_back(0x10);
    leb(body, i);
    body.push_back(0x0b);
    leb(code, body.size());
    code.insert(code.end(), body.begin(), body.end());
  }
  mems = {0x01, 0x01};
  leb(mems, pages);
  leb(mems, max_pages);
  name(exports, "memory");
  exports.push_back(0x02);
  leb(exports, 0);
  section(m, 1, types);
  section(m, 2, imports);
  section(m, 3, funcs);
  section(m, 5, mems);
  section(m, 7, exports);
  section(m, 10, code);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Temporary trees and snapshots.

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "wrun-wasi-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    // Make everything writable first (tests create read-only files and directories).
    for (auto it = fs::recursive_directory_iterator(path_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_symlink()) chmod(it->path().c_str(), 0700);
    }
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// How many descriptors the process has open, on Linux (a leak shows as one more).
inline size_t open_host_fds() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

// Everything observable about a tree: each entry's type, size, mode, mtime, link target and
// file contents. Two equal snapshots mean nothing was created, changed or removed.
inline std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (lstat(it->path().c_str(), &st) != 0) continue;
    std::ostringstream d;
    d << std::oct << st.st_mode << std::dec << " " << st.st_size << " " << st.st_mtim.tv_sec << "."
      << st.st_mtim.tv_nsec << " " << st.st_nlink;
    if (S_ISLNK(st.st_mode)) d << " -> " << fs::read_symlink(it->path()).string();
    if (S_ISREG(st.st_mode)) d << " [" << read_file(it->path()) << "]";
    out[it->path().lexically_relative(root).string()] = d.str();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A WASI guest: the forwarding module instantiated against a Context.

class Guest {
 public:
  explicit Guest(Config config, uint32_t pages = 1, uint32_t max_pages = 4) : store_(engine_) {
    null_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (config.stdin_fd == 0) config.stdin_fd = null_;
    if (config.stdout_fd == 1) config.stdout_fd = null_;
    if (config.stderr_fd == 2) config.stderr_fd = null_;
    auto ctx = Context::create(config);
    if (!ctx) throw std::runtime_error(ctx.error());
    ctx_ = std::move(*ctx);
    auto module = Module::compile(engine_, forwarding_module(pages, max_pages));
    if (!module) throw std::runtime_error(module.error());
    Linker linker(store_);
    define_imports(linker, *ctx_);
    auto inst = linker.instantiate(*module);
    if (auto* err = std::get_if<InstantiateError>(&inst)) throw std::runtime_error(err->message);
    instance_ = std::make_unique<Instance>(std::get<Instance>(inst));
  }
  ~Guest() { ::close(null_); }

  Memory memory() const { return *instance_->get_memory("memory"); }
  uint8_t* mem() const { return memory().data(); }
  uint64_t mem_size() const { return memory().size_bytes(); }

  // Calls the guest's wrapper for `fn`: the errno, or the trap.
  std::variant<int32_t, Trap> call_raw(const std::string& fn, std::vector<Val> args) {
    auto f = instance_->get_func(fn);
    if (!f) throw std::runtime_error("no function " + fn);
    auto r = f->call(store_, args);
    if (auto* t = std::get_if<Trap>(&r)) return *t;
    auto& vals = std::get<std::vector<Val>>(r);
    return vals.empty() ? 0 : vals[0].i32();
  }
  // The errno of a call that must not trap (-1 if it did).
  int32_t call(const std::string& fn, std::vector<Val> args) {
    auto r = call_raw(fn, std::move(args));
    return std::holds_alternative<int32_t>(r) ? std::get<int32_t>(r) : -1;
  }

  void put(uint32_t at, const std::string& s) { std::memcpy(mem() + at, s.data(), s.size()); }
  template <class T>
  void put_val(uint32_t at, T v) {
    std::memcpy(mem() + at, &v, sizeof(T));
  }
  template <class T>
  T get_val(uint32_t at) const {
    T v;
    std::memcpy(&v, mem() + at, sizeof(T));
    return v;
  }

 private:
  Engine engine_;
  Store store_;
  std::unique_ptr<Context> ctx_;
  std::unique_ptr<Instance> instance_;
  int null_ = -1;
};

inline Val I32(uint32_t v) { return Val::i32(static_cast<int32_t>(v)); }
inline Val I64(uint64_t v) { return Val::i64(static_cast<int64_t>(v)); }
inline int32_t E(Errno e) { return static_cast<int32_t>(e); }

// A sandbox beside an "outside" tree full of bait, with symlinks that lead out:
//   root/outside/secret.txt, root/outside/dir/
//   root/sandbox/{file.txt, sub/inner.txt, abs -> root/outside, up -> ../outside,
//                 upfile -> ../outside/secret.txt, chain1 -> chain2 -> sub/../up,
//                 loop1 <-> loop2, dangling -> nowhere, etc -> /etc}
struct Sandbox {
  TempDir tmp;
  fs::path outside = tmp.path() / "outside";
  fs::path sandbox = tmp.path() / "sandbox";

  Sandbox() {
    fs::create_directories(outside / "dir");
    write_file(outside / "secret.txt", "SECRET");
    fs::create_directories(sandbox / "sub");
    write_file(sandbox / "file.txt", "hello");
    write_file(sandbox / "sub" / "inner.txt", "inner");
    fs::create_symlink(outside, sandbox / "abs");
    fs::create_symlink("../outside", sandbox / "up");
    fs::create_symlink("../outside/secret.txt", sandbox / "upfile");
    fs::create_symlink("chain2", sandbox / "chain1");
    fs::create_symlink("sub/../up", sandbox / "chain2");
    fs::create_symlink("loop2", sandbox / "loop1");
    fs::create_symlink("loop1", sandbox / "loop2");
    fs::create_symlink("nowhere", sandbox / "dangling");
    fs::create_symlink("/etc", sandbox / "etc");
  }

  Config config(bool read_only = false) const {
    Config c;
    c.args = {"guest"};
    c.preopens = {{sandbox.string(), "/sandbox", read_only}};
    return c;
  }
  std::map<std::string, std::string> outside_state() const { return snapshot(outside); }
};

constexpr uint32_t kPreopenFd = 3;

}  // namespace wrun::wasi::test
