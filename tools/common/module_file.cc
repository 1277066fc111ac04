#include "tools/common/module_file.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace wrun::tools {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

LoadFailure failure(LoadFailure::Kind kind, std::string message) {
  return LoadFailure{kind, std::move(message)};
}

// A minimal reader for the header scan below; every read is bounds-checked and a failed read
// just ends the scan (the real decoder reports real errors).
struct Scan {
  std::span<const uint8_t> b;
  size_t pos = 0;
  bool ok = true;

  uint8_t u8() {
    if (pos >= b.size()) {
      ok = false;
      return 0;
    }
    return b[pos++];
  }
  uint64_t leb() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && ok; shift += 7) {
      uint8_t byte = u8();
      v |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }
};

// Value type bytes that only the function-references or GC proposals use.
bool is_gc_valtype_byte(uint8_t b) {
  return b == 0x63 || b == 0x64 || (b >= 0x69 && b <= 0x6e) || (b >= 0x71 && b <= 0x74);
}

// Looks at the type section for GC-proposal type definitions (rec groups, subtypes, structs,
// arrays) and typed references; returns a description of the first one found.
std::string gc_types_in(std::span<const uint8_t> bytes) {
  Scan s{bytes, 8};
  while (s.ok && s.pos < bytes.size()) {
    uint8_t id = s.u8();
    uint64_t size = s.leb();
    if (!s.ok || size > bytes.size() - s.pos) return {};
    if (id != 1) {
      s.pos += size;
      continue;
    }
    Scan t{bytes.subspan(0, s.pos + size), s.pos};
    uint64_t count = t.leb();
    for (uint64_t i = 0; i < count && t.ok; ++i) {
      uint8_t form = t.u8();
      switch (form) {
        case 0x4e:
          return "recursive type groups (GC proposal)";
        case 0x50:
        case 0x4f:
          return "subtypes (GC proposal)";
        case 0x5f:
          return "struct types (GC proposal)";
        case 0x5e:
          return "array types (GC proposal)";
        case 0x60:
          break;
        default:
          return {};
      }
      for (int vec = 0; vec < 2 && t.ok; ++vec) {
        uint64_t n = t.leb();
        for (uint64_t k = 0; k < n && t.ok; ++k) {
          if (is_gc_valtype_byte(t.u8()))
            return "typed references (function-references/GC proposals)";
        }
      }
    }
    return {};
  }
  return {};
}

std::optional<size_t> error_offset(const std::string& error) {
  static constexpr std::string_view kAt = "(at byte offset ";
  size_t at = error.rfind(kAt);
  if (at == std::string::npos) return std::nullopt;
  size_t value = 0;
  bool any = false;
  for (size_t i = at + kAt.size(); i < error.size() && error[i] >= '0' && error[i] <= '9'; ++i) {
    value = value * 10 + static_cast<size_t>(error[i] - '0');
    any = true;
  }
  return any ? std::optional<size_t>(value) : std::nullopt;
}

}  // namespace

std::string unsupported_feature_hint(std::span<const uint8_t> bytes, const std::string& error) {
  if (std::string gc = gc_types_in(bytes); !gc.empty()) return "the module uses " + gc;
  if (error.find("opcode") != std::string::npos) {
    if (auto off = error_offset(error); off && *off < bytes.size()) {
      switch (bytes[*off]) {
        case 0xfd:
          return "the module uses SIMD instructions beyond WebAssembly 2.0 (e.g. relaxed SIMD)";
        case 0xfb:
          return "the module uses GC instructions (0xfb prefix)";
        case 0xfe:
          return "the module uses threads/atomics instructions (0xfe prefix)";
        case 0x06:
        case 0x07:
        case 0x08:
        case 0x09:
        case 0x0a:
        case 0x18:
        case 0x19:
        case 0x1f:
          return "the module uses exception-handling instructions";
        case 0x12:
        case 0x13:
        case 0x15:
          return "the module uses tail calls";
        default:
          break;
      }
    }
  }
  return {};
}

std::variant<std::vector<uint8_t>, LoadFailure> read_module_file(const std::string& path,
                                                                uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return failure(LoadFailure::Kind::Unreadable, "cannot read " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return failure(LoadFailure::Kind::Unreadable,
                   "cannot read " + path + ": " + std::strerror(errno));
  }
  // Read in chunks and stop one byte past the limit: the file may be a FIFO or /dev/zero, and
  // a size from stat() can change while it is read. A file that does not start like a
  // module is not read past its first chunk (its message needs only its start).
  // Each read asks for no more than the room reserved from the file's size (one byte more,
  // to see the end of the file): a resize zero-fills, and a whole chunk for a 50 KB module
  // would touch 256 pages for nothing, a large share of a short run's start-up.
  std::vector<uint8_t> bytes;
  if (const uintmax_t size = std::filesystem::file_size(path, ec); !ec)
    bytes.reserve(static_cast<size_t>(std::min<uintmax_t>(size, max_bytes) + 1));
  constexpr size_t kChunk = 1 << 20;
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  while (in && bytes.size() <= max_bytes) {
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) != 0) break;
    const size_t room = bytes.capacity() - bytes.size();
    const size_t want = std::min({room != 0 ? room : kChunk, kChunk, max_bytes + 1 - bytes.size()});
    const size_t old = bytes.size();
    bytes.resize(old + want);
    in.read(reinterpret_cast<char*>(bytes.data() + old), static_cast<std::streamsize>(want));
    bytes.resize(old + static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return failure(LoadFailure::Kind::Unreadable, "cannot read " + path);
  if (bytes.size() > max_bytes) {
    return failure(LoadFailure::Kind::Invalid,
                   path + ": module too large (more than " + std::to_string(max_bytes) + " bytes)");
  }
  return bytes;
}

std::variant<LoadedModule, LoadFailure> compile_module(Engine& engine, const std::string& path,
                                                       std::span<const uint8_t> bytes) {
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    std::string what = "not a WebAssembly module (no \\0asm header)";
    std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                          std::min<size_t>(bytes.size(), 4096));
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0) {
      what = "truncated WebAssembly header";
    } else if (text.find("(module") != std::string_view::npos ||
               text.find("(component") != std::string_view::npos) {
      what = "not a WebAssembly binary (looks like the text format; convert it with wat2wasm)";
    }
    return failure(LoadFailure::Kind::Invalid, path + ": " + what);
  }
  const uint32_t version = bytes[4] | bytes[5] << 8;
  const uint32_t layer = bytes[6] | bytes[7] << 8;
  if (layer == 1) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "not a core WebAssembly module (a component: version 0x%x, layer 1); wrun "
                  "runs core modules only",
                  version);
    return failure(LoadFailure::Kind::Unsupported, path + ": " + buf);
  }
  if (version != 1 || layer != 0) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "unknown binary version 0x%x (layer %u); wrun runs version 1",
                  version, layer);
    return failure(LoadFailure::Kind::Invalid, path + ": " + buf);
  }

  const auto t0 = Clock::now();
  Result<Module> compiled = Result<Module>::failure("not compiled");
  try {
    compiled = Module::compile(engine, bytes);
  } catch (const std::exception& e) {
    return failure(LoadFailure::Kind::Invalid, path + ": cannot compile: " + e.what());
  }
  const double compile_seconds = seconds_since(t0);
  if (!compiled) {
    std::string hint = unsupported_feature_hint(bytes, compiled.error());
    if (!hint.empty()) {
      return failure(LoadFailure::Kind::Unsupported,
                     path + ": " + compiled.error() + ": unsupported: " + hint);
    }
    return failure(LoadFailure::Kind::Invalid, path + ": " + compiled.error());
  }
  return LoadedModule{std::move(*compiled), 0, compile_seconds};
}

std::variant<LoadedModule, LoadFailure> load_module(Engine& engine, const std::string& path) {
  const auto t0 = Clock::now();
  auto bytes = read_module_file(path);
  if (auto* f = std::get_if<LoadFailure>(&bytes)) return std::move(*f);
  const double read_seconds = seconds_since(t0);
  auto loaded = compile_module(engine, path, std::get<std::vector<uint8_t>>(bytes));
  if (auto* m = std::get_if<LoadedModule>(&loaded)) m->read_seconds = read_seconds;
  return loaded;
}

}  // namespace wrun::tools
