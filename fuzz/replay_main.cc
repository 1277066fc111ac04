// fuzz_replay: runs fuzz targets without libFuzzer, over files, so every build (GCC too) and
// the normal test suite replay the inputs that once found a bug (regressions/<target>/).
//
//   fuzz_replay <target> <file-or-directory>...
//
// Each target's source is compiled a second time for this program with its
// LLVMFuzzerTestOneInput renamed to <target>_entry (see CMakeLists.txt).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define WRUN_FUZZ_TARGET(name) extern "C" int name##_entry(const uint8_t* data, size_t size);
#include "fuzz/targets.def"
#undef WRUN_FUZZ_TARGET

namespace {

struct Target {
  const char* name;
  int (*entry)(const uint8_t*, size_t);
};

constexpr Target kTargets[] = {
#define WRUN_FUZZ_TARGET(name) {#name, &name##_entry},
#include "fuzz/targets.def"
#undef WRUN_FUZZ_TARGET
};

bool read_file(const std::filesystem::path& path, std::vector<uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int usage() {
  std::fprintf(stderr, "usage: fuzz_replay <target> <file-or-directory>...\ntargets:");
  for (const Target& t : kTargets) std::fprintf(stderr, " %s", t.name);
  std::fprintf(stderr, "\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const Target* target = nullptr;
  for (const Target& t : kTargets) {
    if (std::strcmp(t.name, argv[1]) == 0) target = &t;
  }
  if (!target) return usage();

  std::vector<std::filesystem::path> files;
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
        if (e.is_regular_file() && e.path().filename().string()[0] != '.' && e.path().extension() != ".md") {
          files.push_back(e.path());
        }
      }
    } else if (std::filesystem::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "fuzz_replay: no inputs (keep at least one seed in every regressions folder)\n");
    return 1;
  }

  std::vector<uint8_t> data;
  for (const auto& f : files) {
    if (!read_file(f, data)) {
      std::fprintf(stderr, "fuzz_replay: cannot read %s\n", f.c_str());
      return 2;
    }
    // A crash or sanitizer report aborts here; name the input first so the log says which.
    std::fprintf(stderr, "fuzz_replay: %s %s (%zu bytes)\n", target->name, f.c_str(), data.size());
    target->entry(data.data(), data.size());
  }
  std::printf("fuzz_replay: %s: ran %zu input(s), no findings\n", target->name, files.size());
  return 0;
}
