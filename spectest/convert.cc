#include "spectest/convert.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

extern char** environ;

namespace wrun::spectest {

std::optional<TempDir> TempDir::create(std::string& error) {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string templ = (base / "wrun-spectest-XXXXXX").string();
  if (!mkdtemp(templ.data())) {
    error = "cannot create a temporary directory in " + base.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return TempDir(templ);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;  // best effort: a leftover temp dir is not worth failing a run over
  std::filesystem::remove_all(path_, ec);
}

std::optional<std::string> run_wast2json(const std::string& tool, const std::filesystem::path& wast,
                                         const std::filesystem::path& json_out) {
  // Spawned directly (no shell) so paths need no quoting.
  std::string wast_s = wast.string(), out_s = json_out.string();
  std::vector<char*> argv = {const_cast<char*>(tool.c_str()), wast_s.data(),
                             const_cast<char*>("-o"), out_s.data(), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, tool.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) return "cannot run " + tool + ": " + std::strerror(rc);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return "waiting for " + tool + ": " + std::strerror(errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  if (WIFEXITED(status))
    return tool + " failed with exit status " + std::to_string(WEXITSTATUS(status));
  return tool + " was killed by signal " + std::to_string(WTERMSIG(status));
}

}  // namespace wrun::spectest
