// Resolving a guest path beneath a directory handle, one component at a time.
//
// The walk opens every intermediate directory itself (never following a symlink in the
// kernel), keeps the chain of handles it opened, and expands symlinks by reading them and
// walking their target: `..` pops the chain, so it can never climb above the starting
// directory (NOTCAPABLE), and an absolute path or symlink target is refused (NOTCAPABLE).
// More than kMaxSymlinks expansions is a loop (LOOP). What comes back is a directory handle
// and one final component for a single *_at call, which cannot leave that directory either.
//
// Because each step holds an open handle, swapping a directory for a symlink while a walk is
// under way cannot redirect it: the next openat(O_NOFOLLOW) either sees the old directory
// (through its handle) or refuses the symlink and expands it with the same checks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wasi/abi.h"
#include "wasi/os.h"

namespace wrun::wasi {

struct ResolvedPath {
  os::Handle dir;                      // holds `name`: the start handle or the last of `chain`
  std::string name;                    // one component; "." when the path names `dir` itself
  bool trailing_slash = false;         // the path ended in '/': it must name a directory
  std::vector<os::OwnedHandle> chain;  // the directories opened on the way
};

constexpr uint32_t kMaxPathLen = 32768;
constexpr int kMaxSymlinks = 40;

// A path or symlink target as the guest gave it: not empty (NOENT), no NUL (INVAL), UTF-8
// (ILSEQ), relative (NOTCAPABLE).
Errno check_guest_path(std::string_view path);

// `follow_final`: expand a symlink in the last component too. A path ending in '/' keeps its
// last component as `name` with trailing_slash set (the caller decides what that means).
Errno resolve_path(os::Handle start, std::string_view path, bool follow_final, ResolvedPath* out);

}  // namespace wrun::wasi
