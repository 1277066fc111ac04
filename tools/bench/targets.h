// What wrun-bench runs: command-line targets (a .wasm file, a folder of them, a .suite file,
// or a Sightglass group name) resolved to benchmark modules.
#pragma once

#include <string>
#include <vector>

namespace wrun::bench {

struct Target {
  std::string path;         // the .wasm file (absolute)
  std::string name;         // as shown: relative to the Sightglass folder when inside it
  bool from_suite = false;  // listed by a .suite file (a missing one is skipped, not failed)
};

// Resolves each argument in order: an existing .wasm file; an existing folder (each *.wasm in
// it, sorted); an existing *.suite file (its entries, relative to the file's folder; lines
// starting with # are comments); else NAME as a folder or NAME.suite under `sightglass_dir`.
// An argument that matches nothing is returned as a target whose file does not exist.
std::vector<Target> resolve_targets(const std::vector<std::string>& args,
                                    const std::string& sightglass_dir);

// The entries of a .suite file (paths as written, comments and blank lines dropped).
std::vector<std::string> read_suite(const std::string& suite_file);

}  // namespace wrun::bench
