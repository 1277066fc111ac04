// Text forms of the wrun command line's option values: durations, byte sizes, preopened
// directories and environment variables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace wrun::cli {

// "500ms", "2s", "1.5s", "1m", "1h", "250us"; a bare number is seconds. Returns nanoseconds.
std::optional<uint64_t> parse_duration_ns(std::string_view text);

// "65536", "64K", "64KiB", "16M", "1G" (binary multiples, case-insensitive, optional "B").
std::optional<uint64_t> parse_byte_size(std::string_view text);

// --dir HOST[::GUEST][:ro]: the guest name defaults to HOST; a trailing ":ro" makes it
// read-only. An empty HOST or GUEST is an error.
struct DirSpec {
  std::string host;
  std::string guest;
  bool read_only = false;
};
std::optional<DirSpec> parse_dir_spec(std::string_view text, std::string& error);

// --env NAME=VALUE, or --env NAME to pass the host's value through (nullopt value then).
struct EnvSpec {
  std::string name;
  std::optional<std::string> value;
};
std::optional<EnvSpec> parse_env_spec(std::string_view text, std::string& error);

// --preload NAME=FILE.
std::optional<std::pair<std::string, std::string>> parse_preload_spec(std::string_view text,
                                                                      std::string& error);

}  // namespace wrun::cli
