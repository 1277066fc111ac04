// Reading and compiling a module file for the command-line tools, with one clear message (what
// and where) for every way it can go wrong, and a hint when the module needs a feature wrun
// does not have (components, GC, SIMD, threads).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "wrun/wrun.h"

namespace wrun::tools {

struct LoadFailure {
  enum class Kind {
    Unreadable,   // missing, a directory, no permission
    Invalid,      // not wasm, malformed or invalid
    Unsupported,  // a valid binary of a kind or feature wrun does not run (yet)
  } kind = Kind::Invalid;
  std::string message;  // one line, starting with the path
};

struct LoadedModule {
  Module module;
  double read_seconds = 0;     // reading the file
  double compile_seconds = 0;  // decode + validate + lower
};

// Reads the whole file; on failure returns a message naming the file and the reason. Reads
// at most max_bytes + 1 bytes (a larger file is refused as too large) and stops after the
// first chunk of a file that does not start with the module magic, so that /dev/zero or an
// endless pipe cannot fill the host's memory.
std::variant<std::vector<uint8_t>, LoadFailure> read_module_file(
    const std::string& path, uint64_t max_bytes = Module::kMaxBytes);

// Checks the header, then compiles; never throws for bad input.
std::variant<LoadedModule, LoadFailure> load_module(Engine& engine, const std::string& path);
std::variant<LoadedModule, LoadFailure> compile_module(Engine& engine, const std::string& path,
                                                       std::span<const uint8_t> bytes);

// A hint for a compile error caused by an unsupported feature (empty when there is none).
// `error` is the compile error message; the byte offset is parsed from it.
std::string unsupported_feature_hint(std::span<const uint8_t> bytes, const std::string& error);

}  // namespace wrun::tools
