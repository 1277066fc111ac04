// What wrun-bench runs: command-line targets (a .wasm file, a folder of them, a .suite file,
// or a Sightglass group name) and named sets (tools/bench/*.set) resolved to benchmark modules.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace wrun::bench {

struct Target {
  std::string path;               // the .wasm file (absolute)
  std::string name;               // as shown: relative to the Sightglass folder when inside it
  bool from_suite = false;        // listed by a .suite file (a missing one is skipped, not failed)
  std::vector<std::string> tags;  // from a .set file: subsets with their own geometric mean
};

// Resolves each argument in order: an existing .wasm file; an existing folder (each *.wasm in
// it, sorted); an existing *.suite file (its entries, relative to the file's folder; lines
// starting with # are comments); else NAME as a file, a folder or NAME.suite under
// `sightglass_dir`. An argument that matches nothing is returned as a target whose file does
// not exist.
std::vector<Target> resolve_targets(const std::vector<std::string>& args,
                                    const std::string& sightglass_dir);

// The entries of a .suite file (paths as written, comments and blank lines dropped).
std::vector<std::string> read_suite(const std::string& suite_file);

// A .set file: like a .suite, but each entry is a path relative to the Sightglass folder
// (so the file can live with the tools) followed by optional tags, e.g.
//   shootout/shootout-fib2.wasm  long
// A tag names a subset of the set; a comparison prints a geometric mean for each.
struct SetEntry {
  std::string path;
  std::vector<std::string> tags;
};
struct SetFile {
  std::vector<SetEntry> entries;
  std::string error;  // "LINE: what is wrong" for the first bad line; empty when none
};
SetFile parse_set(std::istream& in);

// `name_or_file` is a path to a .set file, or NAME for NAME.set in `sets_dir`. Fills `file`
// with the path used; on error returns a message and no targets.
struct ResolvedSet {
  std::vector<Target> targets;
  std::string file;
  std::string error;
};
ResolvedSet resolve_set(const std::string& name_or_file, const std::string& sets_dir,
                        const std::string& sightglass_dir);

}  // namespace wrun::bench
