// Turning a .wast script into wast2json's command list plus one .wasm file per module.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace wrun::spectest {

// A fresh private directory under the system temp dir, removed with everything in it when
// this object goes away.
class TempDir {
 public:
  // Returns nullopt (and sets `error`) when the directory cannot be made.
  static std::optional<TempDir> create(std::string& error);
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// Runs `tool wast -o json_out` (tool is wast2json unless overridden), letting its diagnostics
// through to stderr. Returns an error message, or nullopt on success.
std::optional<std::string> run_wast2json(const std::string& tool, const std::filesystem::path& wast,
                                         const std::filesystem::path& json_out);

}  // namespace wrun::spectest
