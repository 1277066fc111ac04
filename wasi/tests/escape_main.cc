// wrun-wasi-escape: runs wasi/escape/escape.wasm (a guest that tries every way out of its
// sandbox) against a fresh tree, then checks from the host that nothing outside the sandbox
// was created, changed or removed (and, in readonly mode, nothing inside either).
//
//   wrun-wasi-escape ESCAPE.wasm static|race|readonly
//
// race: a host thread keeps swapping sandbox/swap between a real directory and a symlink to
// the outside while the guest works through it. Exit status 0 when the guest reports no
// escape and the trees are unchanged.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "wasi/tests/guest_harness.h"

using namespace wrun;
using namespace wrun::wasi::test;

namespace {

int run_guest(const std::string& wasm, const fs::path& sandbox, const std::string& mode) {
  std::ifstream in(wasm, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wrun-wasi-escape: cannot read %s\n", wasm.c_str());
    return 100;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  Engine engine;
  auto module = Module::compile(engine, bytes);
  if (!module) {
    std::fprintf(stderr, "wrun-wasi-escape: %s\n", module.error().c_str());
    return 100;
  }
  wasi::Config config;
  config.args = {"escape.wasm", mode};
  config.preopens = {{sandbox.string(), "/", mode == "readonly"}};
  auto ctx = wasi::Context::create(config);
  if (!ctx) {
    std::fprintf(stderr, "wrun-wasi-escape: %s\n", ctx.error().c_str());
    return 100;
  }
  Store store(engine);
  Linker linker(store);
  wasi::define_imports(linker, **ctx);
  auto inst = linker.instantiate(*module);
  if (auto* err = std::get_if<InstantiateError>(&inst)) {
    std::fprintf(stderr, "wrun-wasi-escape: %s\n", err->message.c_str());
    return 100;
  }
  auto result = std::get<Instance>(inst).get_func("_start")->call(store, {});
  if (auto* trap = std::get_if<Trap>(&result)) {
    if (trap->kind == TrapKind::Exit) return trap->exit_code;
    std::fprintf(stderr, "wrun-wasi-escape: trap: %s\n", trap->message.c_str());
    return 101;
  }
  return 0;
}

void report_diff(const char* what, const std::map<std::string, std::string>& before,
                 const std::map<std::string, std::string>& after) {
  for (const auto& [k, v] : after) {
    auto it = before.find(k);
    if (it == before.end()) {
      std::fprintf(stderr, "  %s: created %s\n", what, k.c_str());
    } else if (it->second != v) {
      std::fprintf(stderr, "  %s: changed %s (%s -> %s)\n", what, k.c_str(), it->second.c_str(),
                   v.c_str());
    }
  }
  for (const auto& [k, v] : before) {
    if (!after.count(k)) std::fprintf(stderr, "  %s: removed %s\n", what, k.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: wrun-wasi-escape ESCAPE.wasm static|race|readonly\n");
    return 2;
  }
  const std::string wasm = argv[1], mode = argv[2];
  if (mode != "static" && mode != "race" && mode != "readonly") {
    std::fprintf(stderr, "wrun-wasi-escape: unknown mode %s\n", mode.c_str());
    return 2;
  }

  TempDir tmp;
  const fs::path outside = tmp.path() / "outside", sandbox = tmp.path() / "sandbox";
  fs::create_directories(outside / "dir");
  write_file(outside / "secret.txt", "SECRET");
  fs::create_directories(sandbox / "sub");
  write_file(sandbox / "file.txt", "inside");
  write_file(sandbox / "sub" / "inner.txt", "inner");
  fs::create_symlink(outside, sandbox / "abs");
  fs::create_symlink("/etc", sandbox / "etc");
  fs::create_symlink("../outside", sandbox / "up");
  fs::create_symlink("../outside/secret.txt", sandbox / "upfile");
  fs::create_symlink("chain2", sandbox / "chain1");
  fs::create_symlink("chain3", sandbox / "chain2");
  fs::create_symlink("sub/../up", sandbox / "chain3");
  fs::create_symlink("loop2", sandbox / "loop1");
  fs::create_symlink("loop1", sandbox / "loop2");
  fs::create_directories(sandbox / "swap_dir");
  write_file(sandbox / "swap_dir" / "secret.txt", "DECOY");
  fs::create_symlink("../outside", sandbox / "swap_link");

  const auto outside_before = snapshot(outside);
  const auto sandbox_before = snapshot(sandbox);

  std::atomic<bool> stop{false};
  std::thread swapper;
  if (mode == "race") {
    swapper = std::thread([&] {
      const std::string dir = (sandbox / "swap_dir").string(),
                        link = (sandbox / "swap_link").string(), swap = (sandbox / "swap").string();
      while (!stop) {
        ::rename(dir.c_str(), swap.c_str());
        ::rename(swap.c_str(), dir.c_str());
        ::rename(link.c_str(), swap.c_str());
        ::rename(swap.c_str(), link.c_str());
      }
    });
  }
  int status = run_guest(wasm, sandbox, mode);
  stop = true;
  if (swapper.joinable()) swapper.join();
  std::fflush(stdout);

  bool ok = status == 0;
  if (!ok) std::fprintf(stderr, "wrun-wasi-escape: the guest exited with %d\n", status);
  const auto outside_after = snapshot(outside);
  if (outside_after != outside_before) {
    std::fprintf(stderr, "wrun-wasi-escape: the outside tree changed:\n");
    report_diff("outside", outside_before, outside_after);
    ok = false;
  }
  if (mode == "readonly") {
    const auto sandbox_after = snapshot(sandbox);
    if (sandbox_after != sandbox_before) {
      std::fprintf(stderr, "wrun-wasi-escape: the read-only sandbox changed:\n");
      report_diff("sandbox", sandbox_before, sandbox_after);
      ok = false;
    }
  }
  std::printf("wrun-wasi-escape %s: %s\n", mode.c_str(), ok ? "no escape" : "FAILED");
  return ok ? 0 : 1;
}
