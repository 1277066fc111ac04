#include "tools/wrun/options.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace wrun::cli {
namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// Splits "12.5ms" into a non-negative number and its unit.
std::optional<std::pair<double, std::string>> number_and_unit(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, v);
  if (ec != std::errc() || p != text.data() + i || !std::isfinite(v) || v < 0) return std::nullopt;
  return std::make_pair(v, lower(text.substr(i)));
}

}  // namespace

std::optional<uint64_t> parse_duration_ns(std::string_view text) {
  auto nu = number_and_unit(text);
  if (!nu) return std::nullopt;
  const auto& [v, unit] = *nu;
  double scale;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ns")
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else
    return std::nullopt;
  const double ns = v * scale;
  if (ns >= 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(ns);
}

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  auto nu = number_and_unit(text);
  if (!nu) return std::nullopt;
  auto [v, unit] = *nu;
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  if (unit.size() == 2 && unit[1] == 'i') unit.pop_back();  // KiB, MiB, GiB
  double scale;
  if (unit.empty())
    scale = 1;
  else if (unit == "k")
    scale = 1024.0;
  else if (unit == "m")
    scale = 1024.0 * 1024;
  else if (unit == "g")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "t")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  const double bytes = v * scale;
  if (bytes >= 1.8e19 || (unit.empty() && v != std::floor(v))) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

std::optional<DirSpec> parse_dir_spec(std::string_view text, std::string& error) {
  DirSpec d;
  std::string_view rest = text;
  if (rest.size() > 3 && rest.substr(rest.size() - 3) == ":ro") {
    d.read_only = true;
    rest.remove_suffix(3);
  }
  if (size_t sep = rest.find("::"); sep != std::string_view::npos) {
    d.host = rest.substr(0, sep);
    d.guest = rest.substr(sep + 2);
  } else {
    d.host = rest;
    d.guest = rest;
  }
  if (d.host.empty() || d.guest.empty()) {
    error = "\"" + std::string(text) + "\": expected HOST[::GUEST][:ro]";
    return std::nullopt;
  }
  return d;
}

std::optional<EnvSpec> parse_env_spec(std::string_view text, std::string& error) {
  EnvSpec e;
  size_t eq = text.find('=');
  e.name = text.substr(0, eq);
  if (eq != std::string_view::npos) e.value = std::string(text.substr(eq + 1));
  if (e.name.empty()) {
    error = "\"" + std::string(text) + "\": expected NAME=VALUE or NAME";
    return std::nullopt;
  }
  return e;
}

std::optional<std::pair<std::string, std::string>> parse_preload_spec(std::string_view text,
                                                                      std::string& error) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    error = "\"" + std::string(text) + "\": expected NAME=FILE";
    return std::nullopt;
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

}  // namespace wrun::cli
