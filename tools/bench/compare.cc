#include "tools/bench/compare.h"

#ifdef __linux__
#include <sched.h>
#include <sys/utsname.h>
#endif

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "wrun/wrun.h"

#ifndef WRUN_VERSION
#define WRUN_VERSION "?"
#endif
#ifndef WRUN_BUILD_TYPE
#define WRUN_BUILD_TYPE "?"
#endif

namespace wrun::bench {
namespace fs = std::filesystem;
namespace {

std::string ms(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s * 1e3);
  return buf;
}

std::string fixed2(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

template <class F>
std::vector<double> values(const Outcome& o, F f) {
  std::vector<double> v;
  for (const Timing& t : o.runs) v.push_back(f(t));
  return v;
}
double measured(const Timing& t) { return t.measured_s; }

bool ok(const Outcome& o) { return o.status == Outcome::Status::Ok && !o.runs.empty(); }

// What a cell shows when it has no time.
std::string status_cell(const Outcome& o) {
  return o.status == Outcome::Status::Ok ? "-" : status_name(o.status);
}

// The machine, for the figures to be read against.
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown CPU";
}

std::string cpus() {
  std::string s = std::to_string(std::thread::hardware_concurrency()) + " logical CPUs";
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    s += ", " + std::to_string(CPU_COUNT(&set)) + " usable by this process";
#endif
  return s;
}

std::string system_name() {
#ifdef __linux__
  utsname u;
  if (uname(&u) == 0) return std::string(u.sysname) + " " + u.release + " " + u.machine;
#endif
  return "unknown system";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return a + " " + b + " " + c;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
#ifdef _WIN32
  gmtime_s(&tm, &now);
#else
  gmtime_r(&now, &tm);
#endif
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// A module importing nothing and exporting start and end of type [] -> [], preloaded as
// "bench" so that the plain wrun runner can run a Sightglass module:
//   (module (func (export "start")) (func (export "end")))
constexpr uint8_t kBenchStub[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                    // header
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                                // type () -> ()
    0x03, 0x03, 0x02, 0x00, 0x00,                                      // two functions
    0x07, 0x0f, 0x02, 0x05, 's',  't',  'a',  'r',  't',  0x00, 0x00,  // export "start"
    0x03, 'e',  'n',  'd',  0x00, 0x01,                                // export "end"
    0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,              // two empty bodies
};

// The stub in a temporary file for the lifetime of the object.
class StubFile {
 public:
  StubFile() {
    std::error_code ec;
    path_ =
        (fs::temp_directory_path(ec) /
         ("wrun-bench-stub-" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".wasm"))
            .string();
    std::ofstream out(path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(kBenchStub), sizeof kBenchStub);
    if (!out) path_.clear();
  }
  ~StubFile() {
    std::error_code ec;
    if (!path_.empty()) fs::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string s;
  for (size_t i = 0; i < fields.size(); ++i) s += (i ? "," : "") + csv_field(fields[i]);
  return s + "\n";
}

// The CSV columns, for every table.
constexpr const char* kCsvHeader =
    "measure,benchmark,tags,column,status,runs,median_ms,min_ms,max_ms,ratio\n";

std::vector<std::string> csv_stats(const std::string& measure, const std::string& bench,
                                   const std::string& tags, const std::string& column,
                                   const Outcome& o, const std::vector<double>& v,
                                   std::optional<double> ratio) {
  std::vector<std::string> f = {
      measure, bench, tags, column, status_name(o.status), std::to_string(v.size())};
  if (v.empty()) {
    f.insert(f.end(), {"", "", ""});
  } else {
    f.push_back(ms(median(v)));
    f.push_back(ms(*std::min_element(v.begin(), v.end())));
    f.push_back(ms(*std::max_element(v.begin(), v.end())));
  }
  f.push_back(ratio ? fixed2(*ratio) : "");
  return f;
}

}  // namespace

std::variant<NamedCommand, std::string> parse_named_command(const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos) return "\"" + spec + "\" is not NAME=COMMAND";
  NamedCommand c{spec.substr(0, eq), spec.substr(eq + 1)};
  if (c.name.empty()) return "\"" + spec + "\" has no NAME before the =";
  bool name_ok = std::all_of(c.name.begin(), c.name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
  });
  if (!name_ok) return "the name \"" + c.name + "\" is not of letters, digits, -, _ and .";
  if (c.command.find_first_not_of(" \t") == std::string::npos)
    return "\"" + spec + "\" has no COMMAND after the =";
  return c;
}

std::string command_program(const std::string& command) {
  std::istringstream words(command);
  std::string word;
  while (words >> word) {
    // NAME=VALUE before the program sets its environment.
    size_t eq = word.find('=');
    if (eq != std::string::npos && eq > 0 && word[0] != '\'' && word[0] != '"' &&
        word.find('/') > eq)
      continue;
    std::string unquoted;
    for (char c : word)
      if (c != '\'' && c != '"') unquoted += c;
    return unquoted;
  }
  return "";
}

std::string locate_program(const std::string& program, const std::string& path_env) {
  if (program.empty()) return "";
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return false;
    auto perms = fs::status(p, ec).permissions();
    return (perms & (fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec)) !=
           fs::perms::none;
  };
  if (program.find('/') != std::string::npos) return executable(program) ? program : "";
  size_t from = 0;
  while (from <= path_env.size()) {
    size_t colon = path_env.find(':', from);
    if (colon == std::string::npos) colon = path_env.size();
    std::string dir = path_env.substr(from, colon - from);
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (executable(candidate)) return candidate.string();
    from = colon + 1;
  }
  return "";
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Geomean geomean(const std::vector<std::optional<double>>& ratios) {
  Geomean g;
  double log_sum = 0;
  for (const auto& r : ratios) {
    if (!r || !(*r > 0) || !std::isfinite(*r)) continue;
    log_sum += std::log(*r);  // a sum of logs: a product of ratios could overflow
    ++g.count;
  }
  if (g.count) g.value = std::exp(log_sum / g.count);
  return g;
}

std::optional<double> ratio_of_medians(const Outcome& column, const Outcome& reference) {
  if (!ok(column) || !ok(reference)) return std::nullopt;
  double ref = median(values(reference, measured));
  if (!(ref > 0)) return std::nullopt;
  return median(values(column, measured)) / ref;
}

std::string format_table(const std::vector<std::vector<std::string>>& lines, size_t left) {
  std::vector<size_t> width;
  for (const auto& line : lines) {
    if (width.size() < line.size()) width.resize(line.size(), 0);
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  std::string out;
  for (const auto& line : lines) {
    std::string s;
    for (size_t i = 0; i < line.size(); ++i) {
      std::string pad(width[i] - line[i].size(), ' ');
      s += i < left ? line[i] + pad : pad + line[i];
      if (i + 1 < line.size()) s += "  ";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out += s + "\n";
  }
  return out;
}

std::vector<std::string> tags_of(const Comparison& c) {
  std::vector<std::string> tags;
  for (const ComparisonRow& r : c.rows)
    for (const std::string& t : r.target.tags)
      if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  return tags;
}

std::string render_comparison(const Comparison& c, bool csv) {
  const size_t n_cols = c.columns.size();
  const std::string& ref_name = c.columns.at(c.reference).name;
  const std::vector<std::string> tags = tags_of(c);
  const bool multi = n_cols > 1;

  // ratios[col][row]
  std::vector<std::vector<std::optional<double>>> ratios(n_cols);
  for (size_t col = 0; col < n_cols; ++col)
    for (const ComparisonRow& r : c.rows)
      ratios[col].push_back(ratio_of_medians(r.cells[col], r.cells[c.reference]));

  // The subsets with a geometric mean: all rows, then each tag's.
  struct Subset {
    std::string name;
    std::vector<size_t> rows;
  };
  std::vector<Subset> subsets = {{"all", {}}};
  for (size_t i = 0; i < c.rows.size(); ++i) subsets[0].rows.push_back(i);
  for (const std::string& t : tags) {
    Subset s{t, {}};
    for (size_t i = 0; i < c.rows.size(); ++i) {
      const auto& rt = c.rows[i].target.tags;
      if (std::find(rt.begin(), rt.end(), t) != rt.end()) s.rows.push_back(i);
    }
    subsets.push_back(std::move(s));
  }
  auto subset_geomean = [&](const Subset& s, size_t col) {
    std::vector<std::optional<double>> v;
    for (size_t i : s.rows) v.push_back(ratios[col][i]);
    return geomean(v);
  };

  std::string out;
  if (csv) {
    for (const ComparisonRow& r : c.rows) {
      for (size_t col = 0; col < n_cols; ++col) {
        const Outcome& o = r.cells[col];
        out += csv_line(csv_stats(
            "interval", r.target.name, join(r.target.tags, " "), c.columns[col].name, o,
            values(o, measured), multi ? ratio_of_medians(o, r.cells[c.reference]) : std::nullopt));
      }
    }
    if (multi) {
      for (const Subset& s : subsets) {
        for (size_t col = 0; col < n_cols; ++col) {
          if (col == c.reference) continue;
          Geomean g = subset_geomean(s, col);
          out += csv_line({"geomean", s.name, "", c.columns[col].name, g.count ? "ok" : "-",
                           std::to_string(g.count), "", "", "", g.count ? fixed2(g.value) : ""});
        }
      }
    }
    return out;
  }

  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header = {"benchmark"};
  if (!tags.empty()) header.push_back("tags");
  for (size_t col = 0; col < n_cols; ++col) {
    header.push_back(c.columns[col].name);
    if (multi && col != c.reference) header.push_back("ratio");
  }
  lines.push_back(header);
  bool any_without_markers = false;
  for (size_t i = 0; i < c.rows.size(); ++i) {
    const ComparisonRow& r = c.rows[i];
    std::vector<std::string> line = {r.target.name};
    if (!tags.empty()) line.push_back(join(r.target.tags, ","));
    for (size_t col = 0; col < n_cols; ++col) {
      const Outcome& o = r.cells[col];
      if (ok(o)) {
        line.push_back(ms(median(values(o, measured))) + (o.markers ? "" : "*"));
        any_without_markers |= !o.markers;
      } else {
        line.push_back(status_cell(o));
      }
      if (multi && col != c.reference)
        line.push_back(ratios[col][i] ? fixed2(*ratios[col][i]) : "-");
    }
    lines.push_back(line);
  }
  if (multi && !c.rows.empty()) {
    for (const Subset& s : subsets) {
      std::vector<std::string> line = {"geomean, " + s.name + " (" + std::to_string(s.rows.size()) +
                                       ")"};
      if (!tags.empty()) line.push_back("");
      for (size_t col = 0; col < n_cols; ++col) {
        line.push_back("");
        if (col == c.reference) continue;
        Geomean g = subset_geomean(s, col);
        std::string cell = g.count ? fixed2(g.value) : "-";
        if (g.count && static_cast<size_t>(g.count) < s.rows.size())
          cell += " (" + std::to_string(g.count) + ")";
        line.push_back(cell);
      }
      lines.push_back(line);
    }
  }
  // A geomean's " (N)" hangs right of its column so that the ratios' points stay aligned.
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] != "ratio") continue;
    size_t hang = 0;
    for (const auto& line : lines) {
      size_t space = line[i].find(' ');
      if (space != std::string::npos) hang = std::max(hang, line[i].size() - space);
    }
    for (size_t l = 1; l < lines.size(); ++l)
      if (lines[l][i].find(' ') == std::string::npos) lines[l][i] += std::string(hang, ' ');
  }
  out += format_table(lines, tags.empty() ? 1 : 2);

  // Footnotes: what the figures mean and what was left out.
  out += "\n";
  if (multi) {
    out += "ratio: the column's median time over " + ref_name +
           "'s for the same benchmark (above 1: slower than " + ref_name + ").\n";
    out += "geomean: the geometric mean of a column's ratios over " +
           (c.rows.size() == 1 ? std::string("the 1 benchmark")
                               : "all " + std::to_string(c.rows.size()) + " benchmarks");
    for (size_t s = 1; s < subsets.size(); ++s)
      out += ", over the " + std::to_string(subsets[s].rows.size()) + " tagged " + subsets[s].name;
    out += "; a benchmark that did not run on the column or on " + ref_name +
           " is left out, the number of ratios used then shown as (N).\n";
  }
  if (any_without_markers) out += "*: no bench.start/bench.end; the whole of _start was timed.\n";

  std::vector<std::string> notes;
  for (size_t col = 0; col < n_cols; ++col) {
    std::vector<std::string> left_out;
    for (size_t i = 0; i < c.rows.size(); ++i) {
      const Outcome& o = c.rows[i].cells[col];
      if (!ok(o)) {
        notes.push_back("  " + c.rows[i].target.name + " on " + c.columns[col].name + ": " +
                        status_name(o.status) +
                        (o.message.empty() ? "" : ": " + first_line(o.message)));
      }
      if (multi && col != c.reference && !ratios[col][i]) left_out.push_back(c.rows[i].target.name);
    }
    if (!left_out.empty()) {
      out += "left out of " + c.columns[col].name + "'s geomeans (" +
             std::to_string(left_out.size()) + " of " + std::to_string(c.rows.size()) +
             "): " + join(left_out, ", ") + "\n";
    }
  }
  if (!notes.empty()) out += "did not run:\n" + join(notes, "\n") + "\n";

  // The noise: the widest spread of any cell, so a reader knows which differences are real.
  double worst = -1;
  std::string where;
  for (const ComparisonRow& r : c.rows) {
    for (size_t col = 0; col < n_cols; ++col) {
      const Outcome& o = r.cells[col];
      if (!ok(o) || o.runs.size() < 2) continue;
      auto v = values(o, measured);
      double m = median(v);
      if (!(m > 0)) continue;
      double spread =
          (*std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end())) / m;
      if (spread > worst) {
        worst = spread;
        where = r.target.name + " on " + c.columns[col].name;
      }
    }
  }
  if (worst < 0 && !c.rows.empty()) {
    out +=
        "noise: one run per cell, so no spread to show; use --runs 3 or more for figures to "
        "quote.\n";
  }
  if (worst >= 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f%%", worst * 100);
    out += "noise: the widest spread (max - min) / median of any cell is " + std::string(buf) +
           " (" + where + "); every run's time: --csv.\n";
  }
  return out;
}

namespace {

// The columns of the load and startup tables, each a wrun engine or a command.
struct Entry {
  std::string name;
  std::string command;       // startup: the whole command; load: the --load-compare command
  Engine* engine = nullptr;  // load of a wrun engine, in this process
  std::vector<std::string> argv;  // startup of wrun: its arguments, run without a shell
};

struct Measured {
  Target target;
  std::vector<Outcome> cells;  // per Entry
};

// Runs `runs` rounds over the entries, starting each round one column further on so that no
// column always runs first (after the machine's quietest moment, or right after node).
template <class RunOne>
std::vector<Outcome> interleave(size_t n, int runs, RunOne run_one) {
  std::vector<Outcome> cells(n);
  std::vector<bool> stopped(n, false);
  for (int r = 0; r < runs; ++r) {
    for (size_t k = 0; k < n; ++k) {
      const size_t col = (static_cast<size_t>(r) + k) % n;
      if (stopped[col]) continue;
      Outcome o = run_one(col);
      if (o.status != Outcome::Status::Ok) {
        cells[col] = std::move(o);
        stopped[col] = true;  // a failure is deterministic enough: do not repeat it
        continue;
      }
      Outcome& cell = cells[col];
      cell.runs.insert(cell.runs.end(), o.runs.begin(), o.runs.end());
      cell.markers = cell.markers && o.markers;
      if (!o.version.empty()) cell.version = o.version;
    }
  }
  return cells;
}

std::string render_load(const std::vector<Entry>& entries, const std::vector<Measured>& results,
                        size_t reference, int runs, bool csv) {
  std::string out;
  auto compile = [](const Timing& t) { return t.compile_s; };
  auto inst = [](const Timing& t) { return t.instantiate_s; };
  auto both = [](const Timing& t) { return t.compile_s + t.instantiate_s; };
  for (const Measured& m : results) {
    const Outcome& ref = m.cells[reference];
    auto ratio = [&ref](const Outcome& o, double (*f)(const Timing&)) -> std::optional<double> {
      if (!ok(o) || !ok(ref)) return std::nullopt;
      double r = median(values(ref, f));
      return r > 0 ? std::optional<double>(median(values(o, f)) / r) : std::nullopt;
    };
    if (csv) {
      for (size_t i = 0; i < entries.size(); ++i) {
        const Outcome& o = m.cells[i];
        out += csv_line(csv_stats("compile", m.target.name, "", entries[i].name, o,
                                  values(o, compile), ratio(o, compile)));
        out += csv_line(csv_stats("instantiate", m.target.name, "", entries[i].name, o,
                                  values(o, inst), ratio(o, inst)));
        out += csv_line(csv_stats("compile+instantiate", m.target.name, "", entries[i].name, o,
                                  values(o, both), ratio(o, both)));
      }
      continue;
    }
    out += "\nload: " + m.target.name + ", medians of " + std::to_string(runs) +
           " runs per column, interleaved; ms\n";
    std::vector<std::vector<std::string>> lines = {
        {"column", "compile", "ratio", "instantiate", "compile+instantiate", "ratio"}};
    for (size_t i = 0; i < entries.size(); ++i) {
      const Outcome& o = m.cells[i];
      if (!ok(o)) {
        lines.push_back({entries[i].name, status_cell(o), "-", "-", "-", "-"});
        continue;
      }
      auto r1 = ratio(o, compile), r2 = ratio(o, both);
      lines.push_back({entries[i].name, ms(median(values(o, compile))), r1 ? fixed2(*r1) : "-",
                       ms(median(values(o, inst))), ms(median(values(o, both))),
                       r2 ? fixed2(*r2) : "-"});
    }
    out += format_table(lines, 1);
    for (size_t i = 0; i < entries.size(); ++i) {
      if (!ok(m.cells[i]))
        out += "  " + entries[i].name + ": " + first_line(m.cells[i].message) + "\n";
    }
  }
  return out;
}

std::string render_startup(const std::vector<Entry>& entries, const std::vector<Measured>& results,
                           std::optional<size_t> reference, int runs, bool csv) {
  std::string out;
  auto total = [](const Timing& t) { return t.total_s; };
  for (const Measured& m : results) {
    auto ratio = [&](const Outcome& o) -> std::optional<double> {
      if (!reference || !ok(o) || !ok(m.cells[*reference])) return std::nullopt;
      double r = median(values(m.cells[*reference], total));
      return r > 0 ? std::optional<double>(median(values(o, total)) / r) : std::nullopt;
    };
    if (csv) {
      for (size_t i = 0; i < entries.size(); ++i) {
        const Outcome& o = m.cells[i];
        out +=
            csv_line(csv_stats("process", m.target.name, "", entries[i].name, o, values(o, total),
                               i + 1 < entries.size() ? ratio(o) : std::nullopt));
      }
      continue;
    }
    out += "\nstartup: " + m.target.name + ", the whole process, medians of " +
           std::to_string(runs) + " runs per column, interleaved; ms\n";
    std::vector<std::vector<std::string>> lines = {{"column", "median", "min", "max", "ratio"}};
    for (size_t i = 0; i < entries.size(); ++i) {
      const Outcome& o = m.cells[i];
      if (!ok(o)) {
        lines.push_back({entries[i].name, status_cell(o), "-", "-", "-"});
        continue;
      }
      auto v = values(o, total);
      auto r = i + 1 < entries.size() ? ratio(o) : std::nullopt;  // the shell's row: no ratio
      lines.push_back({entries[i].name, ms(median(v)), ms(*std::min_element(v.begin(), v.end())),
                       ms(*std::max_element(v.begin(), v.end())), r ? fixed2(*r) : "-"});
    }
    out += format_table(lines, 1);
    for (size_t i = 0; i < entries.size(); ++i) {
      if (!ok(m.cells[i]))
        out += "  " + entries[i].name + ": " + first_line(m.cells[i].message) + "\n";
    }
  }
  return out;
}

}  // namespace

int run_comparison(const CompareSettings& s) {
  const auto t_begin = std::chrono::steady_clock::now();
  const std::string load_before = load_average();

  // The columns, checked before anything runs: a long run should not end in a useless table.
  Comparison cmp;
  std::set<std::string> names;
  auto bad = [](const std::string& msg) {
    std::fprintf(stderr, "wrun-bench: %s\n", msg.c_str());
    return 2;
  };
  for (const std::string& e : s.engines) {
    cmp.columns.push_back({"wrun-" + e, "", e});
    if (!names.insert("wrun-" + e).second) return bad("--engine " + e + " is given twice");
  }
  const char* path_env = std::getenv("PATH");
  auto check_command = [&](const char* option, const NamedCommand& c) -> std::optional<int> {
    std::string program = command_program(c.command);
    if (locate_program(program, path_env ? path_env : "").empty()) {
      return bad(std::string(option) + " " + c.name + ": cannot run \"" + program + "\": " +
                 (program.find('/') != std::string::npos ? "no such executable file"
                                                         : "not found on PATH") +
                 " (the command: " + c.command + ")");
    }
    return std::nullopt;
  };
  for (const NamedCommand& c : s.compare) {
    if (!names.insert(c.name).second) return bad("--compare " + c.name + ": the name is taken");
    if (auto err = check_command("--compare", c)) return *err;
    cmp.columns.push_back({c.name, c.command, ""});
  }
  if (cmp.columns.empty()) return bad("nothing to compare: no --engine and no --compare");
  std::string ref_name = !s.ratio_to.empty()
                             ? s.ratio_to
                             : (!s.compare.empty() ? s.compare.front().name : cmp.columns[0].name);
  auto ref_it = std::find_if(cmp.columns.begin(), cmp.columns.end(),
                             [&](const ComparisonColumn& c) { return c.name == ref_name; });
  if (ref_it == cmp.columns.end()) {
    std::vector<std::string> all;
    for (const auto& c : cmp.columns) all.push_back(c.name);
    return bad("--ratio-to " + ref_name + ": no such column (there are " + join(all, ", ") + ")");
  }
  cmp.reference = static_cast<size_t>(ref_it - cmp.columns.begin());
  std::set<std::string> load_names;
  for (const NamedCommand& c : s.load_compare) {
    if (!load_names.insert(c.name).second || names.count(c.name))
      return bad("--load-compare " + c.name + ": the name is taken");
    if (auto err = check_command("--load-compare", c)) return *err;
  }
  std::error_code ec;
  if (!s.startup.empty() && !s.engines.empty() && !fs::is_regular_file(s.wrun_path, ec))
    return bad("--startup needs the wrun binary: no file " + s.wrun_path + " (see --wrun)");

  // One engine per wrun column, kept for the whole run.
  std::vector<std::unique_ptr<Engine>> engines(cmp.columns.size());
  for (size_t i = 0; i < cmp.columns.size(); ++i) {
    if (cmp.columns[i].engine.empty()) continue;
    EngineConfig config;
    if (cmp.columns[i].engine == "interp") config.executor = EngineConfig::Executor::Interpreter;
    engines[i] = std::make_unique<Engine>(config);
  }
  RunOptions once;
  once.runs = 1;
  once.check_output = s.check_output;
  once.verbose = s.verbose;

  // The benchmarks: every column once per round, s.runs rounds.
  for (size_t b = 0; b < s.targets.size(); ++b) {
    const Target& target = s.targets[b];
    std::fprintf(stderr, "wrun-bench: [%zu/%zu] %s ...\n", b + 1, s.targets.size(),
                 target.name.c_str());
    ComparisonRow row{target, interleave(cmp.columns.size(), s.runs, [&](size_t col) {
                        if (engines[col]) return run_benchmark(*engines[col], target.path, once);
                        Outcome o = run_baseline(cmp.columns[col].command, target.path, 1);
                        if (s.verbose && ok(o))
                          std::fprintf(stderr, "wrun-bench: %s on %s: measured %.3f ms\n",
                                       target.path.c_str(), cmp.columns[col].name.c_str(),
                                       o.runs[0].measured_s * 1e3);
                        return o;
                      })};
    std::string summary;
    for (size_t col = 0; col < cmp.columns.size(); ++col) {
      const Outcome& o = row.cells[col];
      summary += (col ? ", " : "") + cmp.columns[col].name + " " +
                 (ok(o) ? ms(median(values(o, measured))) + " ms" : status_name(o.status));
      if (!ok(o))
        std::fprintf(stderr, "wrun-bench: %s on %s: %s: %s\n", target.name.c_str(),
                     cmp.columns[col].name.c_str(), status_name(o.status), o.message.c_str());
    }
    std::fprintf(stderr, "wrun-bench: %s: %s\n", target.name.c_str(), summary.c_str());
    cmp.rows.push_back(std::move(row));
  }

  // Load: compile and instantiate, in this process for wrun, through the command otherwise.
  std::vector<Entry> load_entries;
  for (size_t i = 0; i < cmp.columns.size(); ++i)
    if (engines[i]) load_entries.push_back({cmp.columns[i].name, "", engines[i].get(), {}});
  for (const NamedCommand& c : s.load_compare)
    load_entries.push_back({c.name, c.command, nullptr, {}});
  // Ratios are to the first --load-compare: the outside reference.
  const size_t load_ref = s.load_compare.empty() ? 0 : load_entries.size() - s.load_compare.size();
  std::vector<Measured> loads;
  RunOptions load_once = once;
  load_once.load_only = true;
  for (const Target& t : s.load) {
    std::fprintf(stderr, "wrun-bench: load %s ...\n", t.name.c_str());
    loads.push_back({t, interleave(load_entries.size(), s.load_runs, [&](size_t i) {
                       if (load_entries[i].engine)
                         return run_benchmark(*load_entries[i].engine, t.path, load_once);
                       return run_baseline(load_entries[i].command, t.path, 1, true);
                     })});
  }

  // Startup: whole processes, wrun with a stub for bench.start/bench.end.
  StubFile stub;
  std::vector<Entry> startup_entries;
  std::optional<size_t> startup_ref;
  std::vector<std::vector<std::string>> startup_legend;
  for (const ComparisonColumn& c : cmp.columns) {
    if (c.name == ref_name) startup_ref = startup_entries.size();
    if (!c.command.empty()) {
      startup_entries.push_back({c.name, c.command, nullptr, {}});
      continue;
    }
    const std::string wrun = shell_quote(s.wrun_path) + " --engine " + c.engine;
    startup_entries.push_back(
        {c.name,
         "",
         nullptr,
         {s.wrun_path, "--engine", c.engine, "--dir=.", "--preload", "bench=" + stub.path()}});
    startup_legend.push_back({"  " + c.name + " (startup)",
                              wrun + " --dir=. --preload bench=STUB BENCHMARK.wasm (no shell)"});
  }
  // What starting a process through the shell costs; the command rows include it.
  startup_entries.push_back({"sh", "true", nullptr, {}});
  std::vector<Measured> startups;
  if (!s.startup.empty() && stub.path().empty())
    return bad("cannot write the bench.start/bench.end stub to the temporary folder");
  for (const Target& t : s.startup) {
    std::fprintf(stderr, "wrun-bench: startup %s ...\n", t.name.c_str());
    if (!fs::is_regular_file(t.path, ec)) {
      Outcome missing;
      missing.status = Outcome::Status::Missing;
      missing.message = "no file " + t.path;
      startups.push_back({t, std::vector<Outcome>(startup_entries.size(), missing)});
      continue;
    }
    const std::string dir = fs::path(t.path).parent_path().string();
    const std::string name = fs::path(t.path).filename().string();
    startups.push_back({t, interleave(startup_entries.size(), s.startup_runs, [&](size_t i) {
                          const Entry& e = startup_entries[i];
                          if (!e.argv.empty()) {
                            std::vector<std::string> argv = e.argv;
                            argv.push_back(name);
                            return run_program(argv, dir);
                          }
                          const bool shell_only = i + 1 == startup_entries.size();
                          return run_process(
                              shell_only ? e.command : e.command + " " + shell_quote(name), dir);
                        })});
  }

  // The description: enough to read the figures months later in an issue.
  const auto took =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t_begin)
          .count();
  std::string head;
  head += "wrun-bench comparison, " + utc_now() + ", took " + std::to_string(took / 60) + "m" +
          std::to_string(took % 60) + "s\n";
  head += "machine: " + cpu_model() + "; " + cpus() + "; " + system_name() + "\n";
  // Other jobs on the machine show here, and in the noise line below the table.
  head += "load average (1, 5, 15 min): " + load_before + " before, " + load_average() + " after\n";
  if (std::atof(load_before.c_str()) > std::thread::hardware_concurrency())
    head +=
        "WARNING: the machine was busy (more runnable tasks than CPUs): times are inflated "
        "and noisy\n";
  head += std::string("wrun: ") + WRUN_VERSION + ", " + WRUN_BUILD_TYPE + " build";
#ifdef WRUN_BENCH_SANITIZED
  head += " with sanitizers (times are not representative)";
#endif
  head += "; wrun columns run in this process (" + s.self_path + ")\n";
  if (std::string(WRUN_BUILD_TYPE) == "Debug")
    head += "WARNING: a Debug build; wrun's times are not representative\n";
  if (!s.targets.empty()) {
    head += "benchmarks: " +
            (s.set_description.empty() ? std::string() : "set " + s.set_description + ", ") +
            std::to_string(s.targets.size()) + " in all\n";
    head += "time: bench.start -> bench.end (compile and instantiate excluded), median of " +
            std::to_string(s.runs) + (s.runs == 1 ? " run" : " runs") + ", ms\n";
    head +=
        "runs: interleaved; each round runs every column once, starting one column further "
        "on\n";
  }
  head += "columns:\n";
  std::vector<std::vector<std::string>> legend;
  for (size_t i = 0; i < cmp.columns.size(); ++i) {
    const ComparisonColumn& c = cmp.columns[i];
    std::string version;
    for (const ComparisonRow& r : cmp.rows)
      if (!r.cells[i].version.empty()) version = r.cells[i].version;
    legend.push_back({"  " + c.name, c.command.empty()
                                         ? "wrun --engine " + c.engine + " (in process)"
                                         : c.command + " BENCHMARK.wasm" +
                                               (version.empty() ? "" : "  [" + version + "]")});
  }
  for (const NamedCommand& c : s.load_compare) {
    std::string version;
    for (const Measured& m : loads)
      for (const Outcome& o : m.cells)
        if (!o.version.empty()) version = o.version;
    legend.push_back({"  " + c.name, c.command + " BENCHMARK.wasm  (load only" +
                                         (version.empty() ? "" : "; " + version) + ")"});
  }
  if (!s.startup.empty()) {
    legend.insert(legend.end(), startup_legend.begin(), startup_legend.end());
    legend.push_back({"  STUB",
                      "(module (func (export \"start\")) (func (export \"end\"))), "
                      "in a temporary file, for bench.start/bench.end"});
    legend.push_back({"  sh (startup)",
                      "/bin/sh -c 'exec true': the shell's share of each command's "
                      "startup row (those run as sh -c 'cd DIR && exec CMD'; wrun's start "
                      "without a shell)"});
  }
  head += format_table(legend, 2);

  std::string body;
  if (!s.targets.empty()) body += (s.csv ? "" : "\n") + render_comparison(cmp, s.csv);
  body += render_load(load_entries, loads, load_ref, s.load_runs, s.csv);
  if (!loads.empty() && !s.csv) {
    body +=
        "load: compile = decode + validate + code for every function, eagerly (wrun: "
        "Module::compile, in this\nprocess; V8: new WebAssembly.Module); instantiate = "
        "imports, memories, tables, segments; ratios to " +
        load_entries[load_ref].name + ".\n";
  }
  body += render_startup(startup_entries, startups, startup_ref, s.startup_runs, s.csv);
  if (!startups.empty() && !s.csv && startup_ref) body += "startup: ratio to " + ref_name + ".\n";

  if (s.csv) {
    std::string commented;
    std::istringstream lines(head);
    for (std::string line; std::getline(lines, line);) commented += "# " + line + "\n";
    std::printf("%s%s%s", commented.c_str(), kCsvHeader, body.c_str());
  } else {
    std::printf("%s%s", head.c_str(), body.c_str());
  }

  // Failed: any cell that failed, and any missing benchmark that was asked for by name.
  bool failed = false;
  auto check = [&failed](const Outcome& o, bool from_suite) {
    if (o.status == Outcome::Status::Failed ||
        (o.status == Outcome::Status::Missing && !from_suite))
      failed = true;
  };
  for (const ComparisonRow& r : cmp.rows)
    for (const Outcome& o : r.cells) check(o, r.target.from_suite);
  for (const Measured& m : loads)
    for (const Outcome& o : m.cells) check(o, false);
  for (const Measured& m : startups)
    for (const Outcome& o : m.cells) check(o, false);
  return failed ? 1 : 0;
}

}  // namespace wrun::bench
