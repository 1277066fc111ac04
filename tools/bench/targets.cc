#include "tools/bench/targets.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace wrun::bench {
namespace fs = std::filesystem;
namespace {

std::string display_name(const fs::path& wasm, const std::string& sightglass_dir) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(wasm, ec);
  if (!sightglass_dir.empty()) {
    fs::path base = fs::weakly_canonical(sightglass_dir, ec);
    fs::path rel = p.lexically_relative(base);
    if (!rel.empty() && *rel.begin() != "..") p = rel;
  }
  p.replace_extension();
  return p.generic_string();
}

Target make_target(const fs::path& wasm, const std::string& sightglass_dir, bool from_suite) {
  std::error_code ec;
  fs::path abs = fs::absolute(wasm, ec);
  return Target{abs.lexically_normal().string(), display_name(abs, sightglass_dir), from_suite, {}};
}

void add_folder(const fs::path& dir, const std::string& sightglass_dir, std::vector<Target>& out) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".wasm") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) out.push_back(make_target(f, sightglass_dir, false));
}

void add_suite(const fs::path& suite, const std::string& sightglass_dir, std::vector<Target>& out) {
  for (const std::string& entry : read_suite(suite.string()))
    out.push_back(make_target(suite.parent_path() / entry, sightglass_dir, true));
}

}  // namespace

std::vector<std::string> read_suite(const std::string& suite_file) {
  std::vector<std::string> entries;
  std::ifstream in(suite_file);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    entries.push_back(line.substr(start));
  }
  return entries;
}

SetFile parse_set(std::istream& in) {
  SetFile out;
  std::set<std::string> seen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string path, tag;
    if (!(words >> path)) continue;
    auto bad = [&](const std::string& what) {
      out.entries.clear();
      out.error = std::to_string(number) + ": " + what;
      return out;
    };
    if (path.size() < 6 || path.substr(path.size() - 5) != ".wasm")
      return bad("\"" + path + "\" is not a .wasm path");
    if (fs::path(path).is_absolute())
      return bad("\"" + path + "\" must be relative to the Sightglass folder");
    // Listed twice, a benchmark would weigh twice in every geometric mean.
    if (!seen.insert(path).second) return bad("\"" + path + "\" is listed twice");
    SetEntry entry{path, {}};
    while (words >> tag) {
      bool ok = std::all_of(tag.begin(), tag.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      });
      if (!ok) return bad("tag \"" + tag + "\" is not of a-z, 0-9, - and _");
      if (std::find(entry.tags.begin(), entry.tags.end(), tag) != entry.tags.end())
        return bad("tag \"" + tag + "\" given twice");
      entry.tags.push_back(tag);
    }
    out.entries.push_back(std::move(entry));
  }
  if (out.entries.empty()) out.error = "no entries";
  return out;
}

ResolvedSet resolve_set(const std::string& name_or_file, const std::string& sets_dir,
                        const std::string& sightglass_dir) {
  ResolvedSet out;
  std::error_code ec;
  out.file = name_or_file;
  if (!fs::is_regular_file(out.file, ec) && !sets_dir.empty())
    out.file = (fs::path(sets_dir) / (name_or_file + ".set")).string();
  std::ifstream in(out.file);
  if (!in) {
    out.error = "no set file " + name_or_file + " (nor " + out.file + ")";
    return out;
  }
  SetFile set = parse_set(in);
  if (!set.error.empty()) {
    out.error = out.file + ":" + set.error;
    return out;
  }
  for (SetEntry& e : set.entries) {
    Target t = make_target(fs::path(sightglass_dir) / e.path, sightglass_dir, false);
    t.tags = std::move(e.tags);
    out.targets.push_back(std::move(t));
  }
  return out;
}

std::vector<Target> resolve_targets(const std::vector<std::string>& args,
                                    const std::string& sightglass_dir) {
  std::vector<Target> out;
  std::error_code ec;
  for (const std::string& arg : args) {
    fs::path p(arg);
    if (fs::is_regular_file(p, ec)) {
      if (p.extension() == ".suite")
        add_suite(p, sightglass_dir, out);
      else
        out.push_back(make_target(p, sightglass_dir, false));
    } else if (fs::is_directory(p, ec)) {
      add_folder(p, sightglass_dir, out);
    } else if (!sightglass_dir.empty() && p.extension() == ".wasm" &&
               fs::is_regular_file(fs::path(sightglass_dir) / p, ec)) {
      out.push_back(make_target(fs::path(sightglass_dir) / p, sightglass_dir, false));
    } else if (!sightglass_dir.empty() && fs::is_directory(fs::path(sightglass_dir) / p, ec)) {
      add_folder(fs::path(sightglass_dir) / p, sightglass_dir, out);
    } else if (!sightglass_dir.empty() &&
               fs::is_regular_file(fs::path(sightglass_dir) / (arg + ".suite"), ec)) {
      add_suite(fs::path(sightglass_dir) / (arg + ".suite"), sightglass_dir, out);
    } else {
      out.push_back(make_target(p, sightglass_dir, false));  // reported as missing
    }
  }
  return out;
}

}  // namespace wrun::bench
